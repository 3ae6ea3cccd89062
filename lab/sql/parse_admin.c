/*
 * parse_admin: BACKUP, RESTORE, CREATE/DROP/ALTER DATABASE and
 * CREATE/ALTER/DROP ENDPOINT ... FOR DATABASE_MIRRORING into struct
 * sqladmin (admin.h). The options are kept as upper-case words and
 * expressions; which ones a statement accepts is the executor's business,
 * so the parser only enforces the shape of each clause. Lists are bounded
 * (SQL_MAX_LIST).
 */
#include <ctype.h>
#include <string.h>

#include "lab/sql/admin.h"
#include "util/vec.h"

static const char *upper_word(struct parser *p)
{
	struct sqltok *t = pcur(p);
	char *w;

	if (t->kind != TK_IDENT && t->kind != TK_INT)
		return NULL;
	w = arena_strdup(p->a, t->text);
	for (char *q = w; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	p->i++;
	return w;
}

static int need_word(struct parser *p, const char **out)
{
	*out = upper_word(p);
	return *out ? 0 : parse_syntax(p);
}

static int push_opt(struct parser *p, struct sqladmin *a, const struct sqladmopt *o)
{
	struct sqladmopt *n;

	if (a->n_opts >= 64)
		return parse_syntax(p);
	n = arena_calloc(p->a, a->n_opts + 1, sizeof(*n));
	if (a->n_opts)
		memcpy(n, a->opts, a->n_opts * sizeof(*n));
	n[a->n_opts++] = *o;
	a->opts = n;
	return 0;
}

/* DISK = expr [, DISK = expr ...] */
static int parse_disks(struct parser *p, struct sqladmin *a)
{
	VEC(struct sqlexpr *) v = VEC_INIT;
	int rc = 0;

	do {
		struct sqlexpr *e;

		if (parse_expect(p, "DISK") || parse_expect_op(p, "=") || parse_expr(p, &e)) {
			rc = -1;
			break;
		}
		vec_push(&v, e);
	} while (v.len < 64 && parse_accept_op(p, ","));
	if (rc == 0) {
		a->disks = parse_expr_list(p, v.items, v.len);
		a->n_disks = v.len;
	}
	vec_free(&v);
	return rc;
}

/* WITH opt [, opt ...]: NAME | NAME = expr | MOVE expr TO expr | STATS */
static int parse_with(struct parser *p, struct sqladmin *a)
{
	if (!parse_accept(p, "WITH"))
		return 0;
	do {
		struct sqladmopt o;

		memset(&o, 0, sizeof(o));
		if (need_word(p, &o.key))
			return -1;
		if (!strcmp(o.key, "MOVE")) {
			if (parse_expr(p, &o.expr) || parse_expect(p, "TO") ||
			    parse_expr(p, &o.expr2))
				return -1;
		} else if (parse_accept_op(p, "=")) {
			if (parse_expr(p, &o.expr))
				return -1;
		}
		if (push_opt(p, a, &o))
			return -1;
	} while (parse_accept_op(p, ","));
	return 0;
}

static int parse_backup(struct parser *p, struct sqladmin *a)
{
	a->verb = parse_accept(p, "LOG") ? AD_BACKUP_LOG : AD_BACKUP_DB;
	if (a->verb == AD_BACKUP_DB && parse_expect(p, "DATABASE"))
		return -1;
	if (parse_ident(p, &a->name) || parse_expect(p, "TO") || parse_disks(p, a))
		return -1;
	return parse_with(p, a);
}

static int parse_restore(struct parser *p, struct sqladmin *a)
{
	const char *w;

	if (need_word(p, &w))
		return -1;
	if (!strcmp(w, "DATABASE") || !strcmp(w, "LOG")) {
		a->verb = w[0] == 'D' ? AD_RESTORE_DB : AD_RESTORE_LOG;
		if (parse_ident(p, &a->name))
			return -1;
		if (parse_accept(p, "FROM") && parse_disks(p, a))
			return -1;
	} else if (!strcmp(w, "HEADERONLY") || !strcmp(w, "FILELISTONLY") ||
	           !strcmp(w, "VERIFYONLY")) {
		a->verb = w[0] == 'H'   ? AD_RESTORE_HEADERONLY
		          : w[0] == 'F' ? AD_RESTORE_FILELISTONLY
		                        : AD_RESTORE_VERIFYONLY;
		if (parse_expect(p, "FROM") || parse_disks(p, a))
			return -1;
	} else {
		p->i--;
		return parse_syntax(p);
	}
	return parse_with(p, a);
}

/* ( key = value [ALGORITHM word] [, ...] ) of an endpoint */
static int parse_ep_list(struct parser *p, struct sqladmin *a)
{
	if (parse_expect_op(p, "("))
		return -1;
	do {
		struct sqladmopt o;

		memset(&o, 0, sizeof(o));
		if (need_word(p, &o.key) || parse_expect_op(p, "="))
			return -1;
		if (parse_accept_op(p, "(")) { /* LISTENER_IP = (addr) */
			if (parse_expr(p, &o.expr) || parse_expect_op(p, ")"))
				return -1;
		} else if (pcur(p)->kind == TK_STR || pcur(p)->kind == TK_NSTR) {
			if (parse_expr(p, &o.expr))
				return -1;
		} else if (need_word(p, &o.word)) {
			return -1;
		}
		while (pcur(p)->kind == TK_IDENT && !sqllex_is_op(pcur(p), ",")) {
			const char *w = upper_word(p); /* ALGORITHM AES, WINDOWS NEGOTIATE */

			if (strcmp(w, "ALGORITHM"))
				o.word2 = w;
		}
		if (push_opt(p, a, &o))
			return -1;
	} while (parse_accept_op(p, ","));
	return parse_expect_op(p, ")");
}

static int parse_endpoint(struct parser *p, struct sqladmin *a)
{
	if (parse_ident(p, &a->name))
		return -1;
	if (a->verb == AD_DROP_EP)
		return 0;
	for (;;) {
		struct sqladmopt o;

		memset(&o, 0, sizeof(o));
		if (parse_accept(p, "AUTHORIZATION")) {
			const char *who;

			if (parse_ident(p, &who))
				return -1;
		} else if (parse_accept(p, "STATE")) {
			o.key = "STATE";
			if (parse_expect_op(p, "=") || need_word(p, &o.word) || push_opt(p, a, &o))
				return -1;
		} else if (parse_accept(p, "AS") || parse_accept(p, "FOR")) {
			const char *kind;

			if (need_word(p, &kind))
				return -1;
			o.key = "KIND";
			o.word = kind;
			if (push_opt(p, a, &o) || parse_ep_list(p, a))
				return -1;
		} else {
			return 0;
		}
	}
}

/* ALTER DATABASE name SET key ... [WITH ROLLBACK IMMEDIATE | NO_WAIT] */
static int parse_alter_db(struct parser *p, struct sqladmin *a)
{
	struct sqladmopt o;

	if (parse_ident(p, &a->name) || parse_expect(p, "SET"))
		return -1;
	memset(&o, 0, sizeof(o));
	if (need_word(p, &o.key))
		return -1;
	if (!strcmp(o.key, "PARTNER") || !strcmp(o.key, "WITNESS")) {
		if (parse_accept_op(p, "=")) {
			if (parse_expr(p, &o.expr))
				return -1;
		} else if (need_word(p, &o.word)) {
			return -1;
		} else if (!strcmp(o.word, "SAFETY") && need_word(p, &o.word2)) {
			return -1;
		} else if (!strcmp(o.word, "TIMEOUT") && parse_expr(p, &o.expr)) {
			return -1;
		}
	} else if (!strcmp(o.key, "RECOVERY") || !strcmp(o.key, "PAGE_VERIFY")) {
		if (need_word(p, &o.word))
			return -1;
	}
	if (push_opt(p, a, &o))
		return -1;
	if (parse_accept(p, "WITH")) {
		memset(&o, 0, sizeof(o));
		o.key = "WITH";
		if (need_word(p, &o.word))
			return -1;
		if (!strcmp(o.word, "ROLLBACK") && need_word(p, &o.word2))
			return -1;
		if (o.word2 && !strcmp(o.word2, "AFTER")) {
			if (parse_expr(p, &o.expr))
				return -1;
			parse_accept(p, "SECONDS");
		}
		return push_opt(p, a, &o);
	}
	return 0;
}

bool sqlparse_is_admin(struct parser *p)
{
	struct sqltok *t = pcur(p), *n = ppeek(p, 1);

	if (sqllex_is(t, "BACKUP") || sqllex_is(t, "RESTORE"))
		return true;
	if (sqllex_is(t, "CREATE") || sqllex_is(t, "DROP") || sqllex_is(t, "ALTER"))
		return sqllex_is(n, "DATABASE") || sqllex_is(n, "ENDPOINT");
	return false;
}

int sqlparse_admin(struct parser *p, struct sqlstmt *s)
{
	struct sqladmin *a = arena_calloc(p->a, 1, sizeof(*a));
	const char *verb, *what;

	s->kind = ST_ADMIN;
	s->adm = a;
	if (need_word(p, &verb))
		return -1;
	if (!strcmp(verb, "BACKUP"))
		return parse_backup(p, a);
	if (!strcmp(verb, "RESTORE"))
		return parse_restore(p, a);
	if (need_word(p, &what))
		return -1;
	if (!strcmp(what, "ENDPOINT")) {
		a->verb = verb[0] == 'C' ? AD_CREATE_EP : verb[0] == 'A' ? AD_ALTER_EP : AD_DROP_EP;
		return parse_endpoint(p, a);
	}
	if (verb[0] == 'A') {
		a->verb = AD_ALTER_DB;
		return parse_alter_db(p, a);
	}
	a->verb = verb[0] == 'C' ? AD_CREATE_DB : AD_DROP_DB;
	if (a->verb == AD_DROP_DB && sqllex_is(pcur(p), "IF") && sqllex_is(ppeek(p, 1), "EXISTS")) {
		p->i += 2;
		a->if_exists = true;
	}
	return parse_ident(p, &a->name);
}
