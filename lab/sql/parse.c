/*
 * parse: T-SQL statements of the lab's subset into trees (ast.h). The
 * whole batch is parsed before anything runs, as SQL Server compiles a
 * batch first: one syntax error (102/156 with the token SQL Server names)
 * fails the batch. It does not resolve names; the executor does (208,
 * 207, 2812 are run-time errors in SQL Server too, thanks to deferred
 * name resolution). Statements beyond the subset are syntax errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/admin.h"
#include "lab/sql/parser.h"
#include "util/vec.h"

static int parse_stmt(struct parser *p, struct sqlstmt **out);

/* --- helpers --------------------------------------------------------- */

bool parse_accept(struct parser *p, const char *kw)
{
	if (sqllex_is(pcur(p), kw)) {
		p->i++;
		return true;
	}
	return false;
}

bool parse_accept_op(struct parser *p, const char *op)
{
	if (sqllex_is_op(pcur(p), op)) {
		p->i++;
		return true;
	}
	return false;
}

int parse_fail(struct parser *p, int32_t number, uint8_t severity, const char *fmt, ...)
{
	va_list ap;

	p->err->number = number;
	p->err->severity = severity;
	p->err->state = 1;
	p->err->line = pcur(p)->line;
	va_start(ap, fmt);
	vsnprintf(p->err->text, sizeof(p->err->text), fmt, ap);
	va_end(ap);
	return -1;
}

int parse_syntax(struct parser *p)
{
	struct sqltok *t = pcur(p);

	if (t->kind == TK_EOF && p->i > 0)
		t = &p->t[p->i - 1];
	if (t->kind == TK_IDENT && !t->quoted && sqllex_reserved(t->text))
		return parse_fail(p, 156, 15, "Incorrect syntax near the keyword '%s'.", t->text);
	return parse_fail(p, 102, 15, "Incorrect syntax near '%.*s'.",
	                  (int)(t->len > 128 ? 128 : t->len), t->text);
}

int parse_expect(struct parser *p, const char *kw)
{
	return parse_accept(p, kw) ? 0 : parse_syntax(p);
}

int parse_expect_op(struct parser *p, const char *op)
{
	return parse_accept_op(p, op) ? 0 : parse_syntax(p);
}

int parse_ident(struct parser *p, const char **out)
{
	struct sqltok *t = pcur(p);

	if (t->kind != TK_IDENT || (!t->quoted && sqllex_reserved(t->text)))
		return parse_syntax(p);
	*out = t->text;
	p->i++;
	return 0;
}

int parse_objname(struct parser *p, struct sqlname *out)
{
	const char *parts[3] = {NULL, NULL, NULL};
	size_t n = 0, start = p->i;

	memset(out, 0, sizeof(*out));
	for (;;) {
		if (n == 3)
			return parse_syntax(p);
		if (sqllex_is_op(pcur(p), ".") && n > 0) {
			parts[n++] = NULL; /* db..name */
		} else if (parse_ident(p, &parts[n++])) {
			return -1;
		}
		if (!parse_accept_op(p, "."))
			break;
	}
	out->name = parts[n - 1];
	out->schema = n >= 2 ? parts[n - 2] : NULL;
	out->db = n == 3 ? parts[0] : NULL;
	out->text = arena_strndup(
	        p->a, p->t[start].raw,
	        (size_t)(p->t[p->i - 1].raw + p->t[p->i - 1].raw_len - p->t[start].raw));
	if (!out->name)
		return parse_syntax(p);
	return 0;
}

int parse_type(struct parser *p, struct sqltype *out, int32_t default_len)
{
	const char *name, *a1 = NULL, *a2 = NULL;

	if (pcur(p)->kind != TK_IDENT)
		return parse_syntax(p);
	name = pcur(p)->text;
	p->i++;
	if (parse_accept_op(p, "(")) {
		if (pcur(p)->kind != TK_INT && !sqllex_is(pcur(p), "MAX"))
			return parse_syntax(p);
		a1 = pcur(p)->text;
		p->i++;
		if (parse_accept_op(p, ",")) {
			if (pcur(p)->kind != TK_INT)
				return parse_syntax(p);
			a2 = pcur(p)->text;
			p->i++;
		}
		if (parse_expect_op(p, ")"))
			return -1;
	}
	switch (sqlparse_type_name(out, name, a1, a2)) {
	case 0:
		break;
	case -2:
		return parse_fail(p, 131, 15,
		                  "The size (%s) given to the type '%s' exceeds the maximum "
		                  "allowed for any data type (8000).",
		                  a1 ? a1 : "", name);
	default:
		return parse_fail(p, 2715, 16,
		                  "Column, parameter, or variable #1: Cannot find data type %s.",
		                  name);
	}
	if (!a1 &&
	    (out->type == LAB_T_NVARCHAR || out->type == LAB_T_VARCHAR ||
	     out->type == LAB_T_VARBINARY) &&
	    out->length == 0)
		out->length = default_len;
	return 0;
}

/* --- statements ------------------------------------------------------ */

static struct sqlstmt *new_stmt(struct parser *p, enum sqlstmt_kind kind)
{
	struct sqlstmt *s = arena_alloc(p->a, sizeof(*s));

	s->kind = kind;
	s->line = pcur(p)->line;
	return s;
}

static int parse_set(struct parser *p, struct sqlstmt *s)
{
	if (pcur(p)->kind == TK_VAR) {
		s->kind = ST_SET_VAR;
		s->name = pcur(p)->text;
		p->i++;
		if (parse_expect_op(p, "="))
			return -1;
		return parse_expr(p, &s->expr);
	}
	s->kind = ST_SET_OPTION;
	if (pcur(p)->kind != TK_IDENT)
		return parse_syntax(p);
	s->name = pcur(p)->text;
	p->i++;
	if (!strcasecmp(s->name, "TRANSACTION")) {
		/* SET TRANSACTION ISOLATION LEVEL READ COMMITTED ... */
		if (parse_expect(p, "ISOLATION") || parse_expect(p, "LEVEL"))
			return -1;
		while (pcur(p)->kind == TK_IDENT && !sqllex_reserved(pcur(p)->text))
			p->i++;
		return 0;
	}
	if (parse_accept(p, "ON")) {
		s->on = true;
		return 0;
	}
	if (parse_accept(p, "OFF"))
		return 0;
	if (pcur(p)->kind == TK_INT || pcur(p)->kind == TK_IDENT || pcur(p)->kind == TK_STR ||
	    pcur(p)->kind == TK_NSTR) {
		p->i++;
		return 0;
	}
	if (sqllex_is_op(pcur(p), "-") && ppeek(p, 1)->kind == TK_INT) {
		p->i += 2;
		return 0;
	}
	return parse_syntax(p);
}

static int parse_declare(struct parser *p, struct sqlstmt *s)
{
	VEC(struct sqldecl) d = VEC_INIT;
	int rc = -1;

	do {
		struct sqldecl x = {NULL, {LAB_T_INT, 0, 0, 0}, NULL};

		if (pcur(p)->kind != TK_VAR || d.len >= SQL_MAX_LIST) {
			parse_syntax(p);
			goto done;
		}
		x.name = pcur(p)->text;
		p->i++;
		parse_accept(p, "AS");
		if (parse_type(p, &x.type, 1))
			goto done;
		if (parse_accept_op(p, "=") && parse_expr(p, &x.init))
			goto done;
		vec_push(&d, x);
	} while (parse_accept_op(p, ","));
	s->decls = arena_calloc(p->a, d.len, sizeof(*s->decls));
	if (d.len)
		memcpy(s->decls, d.items, d.len * sizeof(*s->decls));
	s->n_decls = d.len;
	rc = 0;
done:
	vec_free(&d);
	return rc;
}

static int parse_exec_arg(struct parser *p, struct sqlarg *a)
{
	memset(a, 0, sizeof(*a));
	if (pcur(p)->kind == TK_VAR && sqllex_is_op(ppeek(p, 1), "=")) {
		a->name = pcur(p)->text;
		p->i += 2;
	}
	if (parse_accept(p, "DEFAULT")) {
		a->value = NULL;
	} else if (pcur(p)->kind == TK_IDENT && !pcur(p)->quoted &&
	           !sqllex_reserved(pcur(p)->text) && !sqllex_is(pcur(p), "NULL")) {
		/* EXEC sp_who active: a bare word is a string */
		struct sqlexpr *e = arena_alloc(p->a, sizeof(*e));

		e->kind = EX_LIT;
		e->lit.type = LAB_T_NVARCHAR;
		e->lit.s = pcur(p)->text;
		e->lit.slen = pcur(p)->len;
		e->to.type = LAB_T_NVARCHAR;
		e->to.length = (int32_t)pcur(p)->len;
		a->value = e;
		p->i++;
	} else if (parse_expr(p, &a->value)) {
		return -1;
	}
	if (parse_accept(p, "OUTPUT") || parse_accept(p, "OUT"))
		a->output = true;
	return 0;
}

static int parse_exec(struct parser *p, struct sqlstmt *s);

int sqlparse_exec(struct parser *p, struct sqlstmt *s)
{
	s->kind = ST_EXEC;
	return parse_exec(p, s);
}

static int parse_exec(struct parser *p, struct sqlstmt *s)
{
	VEC(struct sqlarg) args = VEC_INIT;
	int rc = -1;

	if (sqllex_is_op(pcur(p), "(")) {
		p->i++;
		if (parse_expr(p, &s->expr) || parse_expect_op(p, ")"))
			return -1;
		return 0;
	}
	if (pcur(p)->kind == TK_VAR && sqllex_is_op(ppeek(p, 1), "=")) {
		s->name = pcur(p)->text;
		p->i += 2;
	}
	if (parse_objname(p, &s->obj))
		return -1;
	if (pcur(p)->kind != TK_EOF && !sqllex_is_op(pcur(p), ";") &&
	    !(pcur(p)->kind == TK_IDENT && !pcur(p)->quoted && sqllex_reserved(pcur(p)->text))) {
		do {
			struct sqlarg a;

			if (args.len >= 2100) {
				parse_fail(p, 180, 15,
				           "There are too many parameters in this %s statement. "
				           "The maximum number is %d.",
				           "EXECUTE", 2100);
				goto done;
			}
			if (parse_exec_arg(p, &a))
				goto done;
			vec_push(&args, a);
		} while (parse_accept_op(p, ","));
	}
	s->xargs = arena_calloc(p->a, args.len ? args.len : 1, sizeof(*s->xargs));
	if (args.len)
		memcpy(s->xargs, args.items, args.len * sizeof(*s->xargs));
	s->n_xargs = args.len;
	rc = 0;
done:
	vec_free(&args);
	return rc;
}

/* Statements up to END [term] (term: "TRY", "CATCH" or NULL). */
static int parse_block_to(struct parser *p, struct sqlstmt *s, const char *term);

static int parse_block(struct parser *p, struct sqlstmt *s)
{
	return parse_block_to(p, s, NULL);
}

/* BEGIN TRY ... END TRY BEGIN CATCH ... END CATCH */
static int parse_try(struct parser *p, struct sqlstmt *s)
{
	s->kind = ST_TRY;
	s->body = arena_calloc(p->a, 2, sizeof(*s->body));
	s->n_body = 2;
	s->body[0] = arena_alloc(p->a, sizeof(*s->body[0]));
	s->body[1] = arena_alloc(p->a, sizeof(*s->body[1]));
	s->body[0]->kind = s->body[1]->kind = ST_BLOCK;
	p->i++; /* TRY */
	if (parse_block_to(p, s->body[0], "TRY") || parse_expect(p, "BEGIN") ||
	    parse_expect(p, "CATCH"))
		return -1;
	return parse_block_to(p, s->body[1], "CATCH");
}

static int parse_block_to(struct parser *p, struct sqlstmt *s, const char *term)
{
	VEC(struct sqlstmt *) body = VEC_INIT;
	int rc = -1;

	while (!sqllex_is(pcur(p), "END")) {
		struct sqlstmt *c;

		if (pcur(p)->kind == TK_EOF) {
			parse_syntax(p);
			goto done;
		}
		if (parse_stmt(p, &c))
			goto done;
		vec_push(&body, c);
	}
	p->i++;
	if (term && parse_expect(p, term))
		goto done;
	s->body = arena_calloc(p->a, body.len ? body.len : 1, sizeof(*s->body));
	if (body.len)
		memcpy(s->body, body.items, body.len * sizeof(*s->body));
	s->n_body = body.len;
	rc = 0;
done:
	vec_free(&body);
	return rc;
}

static int parse_if(struct parser *p, struct sqlstmt *s)
{
	s->body = arena_calloc(p->a, 2, sizeof(*s->body));
	s->n_body = 2;
	if (parse_expr(p, &s->expr))
		return -1;
	p->after_if = true;
	if (parse_stmt(p, &s->body[0]))
		return -1;
	if (parse_accept(p, "ELSE")) {
		p->after_if = true;
		return parse_stmt(p, &s->body[1]);
	}
	return 0;
}

static int parse_while(struct parser *p, struct sqlstmt *s)
{
	int rc;

	s->body = arena_calloc(p->a, 2, sizeof(*s->body));
	s->n_body = 1;
	if (parse_expr(p, &s->expr))
		return -1;
	p->after_if = true;
	p->loops++;
	rc = parse_stmt(p, &s->body[0]);
	p->loops--;
	return rc;
}

static int parse_arglist(struct parser *p, struct sqlstmt *s, size_t max)
{
	VEC(struct sqlexpr *) args = VEC_INIT;
	int rc = -1;

	do {
		struct sqlexpr *e;

		if (args.len >= max) {
			parse_syntax(p);
			goto done;
		}
		if (parse_expr(p, &e))
			goto done;
		vec_push(&args, e);
	} while (parse_accept_op(p, ","));
	s->args = arena_calloc(p->a, args.len, sizeof(*s->args));
	if (args.len)
		memcpy(s->args, args.items, args.len * sizeof(*s->args));
	s->n_args = args.len;
	rc = 0;
done:
	vec_free(&args);
	return rc;
}

static int parse_throw(struct parser *p, struct sqlstmt *s)
{
	if (pcur(p)->kind == TK_EOF || sqllex_is_op(pcur(p), ";") || sqllex_is(pcur(p), "END"))
		return 0; /* re-throw: only valid in CATCH, reported when run */
	if (parse_arglist(p, s, 3))
		return -1;
	return s->n_args == 3 ? 0 : parse_syntax(p);
}

static int parse_raiserror(struct parser *p, struct sqlstmt *s)
{
	if (parse_expect_op(p, "(") || parse_arglist(p, s, 23) || parse_expect_op(p, ")"))
		return -1;
	if (s->n_args < 3)
		return parse_syntax(p);
	if (parse_accept(p, "WITH")) {
		do {
			if (parse_accept(p, "LOG"))
				s->with_log = true;
			else if (!parse_accept(p, "NOWAIT") && !parse_accept(p, "SETERROR"))
				return parse_syntax(p);
		} while (parse_accept_op(p, ","));
	}
	return 0;
}

/* BEGIN TRAN[SACTION] [name], COMMIT/ROLLBACK [TRAN[SACTION] | WORK] [name] */
static int parse_tran(struct parser *p, struct sqlstmt *s, const char *verb)
{
	s->kind = ST_TRAN;
	s->name = verb;
	if (parse_accept(p, "TRAN") || parse_accept(p, "TRANSACTION")) {
		if (pcur(p)->kind == TK_VAR ||
		    (pcur(p)->kind == TK_IDENT &&
		     (pcur(p)->quoted || !sqllex_reserved(pcur(p)->text))))
			p->i++;
	} else if (strcmp(verb, "BEGIN") != 0) {
		parse_accept(p, "WORK");
	}
	return 0;
}

static bool throw_allowed(struct parser *p)
{
	struct sqltok *prev = p->i >= 1 ? &p->t[p->i - 1] : NULL;

	return !prev || p->after_if || sqllex_is_op(prev, ";") || sqllex_is(prev, "BEGIN");
}

static int parse_keyword_stmt(struct parser *p, struct sqlstmt *s)
{
	struct sqltok *t = pcur(p);

	if (sqlparse_is_admin(p))
		return sqlparse_admin(p, s);
	p->i++;
	if (sqllex_is(t, "USE")) {
		s->kind = ST_USE;
		return parse_ident(p, &s->name);
	}
	if (sqllex_is(t, "SET"))
		return parse_set(p, s);
	if (sqllex_is(t, "DECLARE")) {
		s->kind = ST_DECLARE;
		return parse_declare(p, s);
	}
	if (sqllex_is(t, "EXEC") || sqllex_is(t, "EXECUTE")) {
		s->kind = ST_EXEC;
		return parse_exec(p, s);
	}
	if (sqllex_is(t, "KILL")) {
		s->kind = ST_KILL;
		if (pcur(p)->kind != TK_INT) /* a constant: KILL @v is a syntax error */
			return parse_syntax(p);
		return parse_term(p, &s->expr);
	}
	if (sqllex_is(t, "WHILE")) {
		s->kind = ST_WHILE;
		return parse_while(p, s);
	}
	if (sqllex_is(t, "BREAK") || sqllex_is(t, "CONTINUE")) {
		bool brk = sqllex_is(t, "BREAK");

		s->kind = brk ? ST_BREAK : ST_CONTINUE;
		if (p->loops == 0)
			return parse_fail(
			        p, brk ? 135 : 136, 15,
			        "Cannot use a %s statement outside the scope of a WHILE statement.",
			        brk ? "BREAK" : "CONTINUE");
		return 0;
	}
	if (sqllex_is(t, "IF")) {
		s->kind = ST_IF;
		return parse_if(p, s);
	}
	if (sqllex_is(t, "BEGIN") &&
	    (sqllex_is(pcur(p), "TRAN") || sqllex_is(pcur(p), "TRANSACTION")))
		return parse_tran(p, s, "BEGIN");
	if (sqllex_is(t, "BEGIN") && sqllex_is(pcur(p), "TRY"))
		return parse_try(p, s);
	if (sqllex_is(t, "BEGIN")) {
		s->kind = ST_BLOCK;
		return parse_block(p, s);
	}
	if (sqllex_is(t, "COMMIT") || sqllex_is(t, "ROLLBACK"))
		return parse_tran(p, s, sqllex_is(t, "COMMIT") ? "COMMIT" : "ROLLBACK");
	if (sqllex_is(t, "THROW")) {
		/* "The statement before the THROW statement must be followed by
		 * the semicolon (;) statement terminator." */
		if (!p->throw_ok) {
			p->i--;
			return parse_syntax(p);
		}
		s->kind = ST_THROW;
		return parse_throw(p, s);
	}
	if (sqllex_is(t, "RAISERROR")) {
		s->kind = ST_RAISERROR;
		return parse_raiserror(p, s);
	}
	if (sqllex_is(t, "WAITFOR")) {
		s->kind = ST_WAITFOR;
		if (parse_expect(p, "DELAY"))
			return -1;
		return parse_expr(p, &s->expr);
	}
	if (sqllex_is(t, "PRINT")) {
		s->kind = ST_PRINT;
		return parse_expr(p, &s->expr);
	}
	if (sqllex_is(t, "RETURN")) {
		s->kind = ST_RETURN;
		if (pcur(p)->kind == TK_EOF || sqllex_is_op(pcur(p), ";") ||
		    (pcur(p)->kind == TK_IDENT && !pcur(p)->quoted &&
		     sqllex_reserved(pcur(p)->text)))
			return 0;
		return parse_expr(p, &s->expr);
	}
	p->i--;
	return sqlparse_dml(p, s);
}

static int parse_stmt(struct parser *p, struct sqlstmt **out)
{
	struct sqlstmt *s = new_stmt(p, ST_EMPTY);
	int rc;

	if (++p->depth > SQL_MAX_DEPTH)
		return parse_fail(p, 191, 15,
		                  "Some part of your SQL statement is nested too deeply. Rewrite "
		                  "the query or break it up into smaller queries.");
	if (sqllex_is_op(pcur(p), ";")) {
		p->i++;
		*out = s;
		p->depth--;
		p->after_if = false;
		return 0;
	}
	if (sqllex_is(pcur(p), "SELECT")) {
		s->kind = ST_SELECT;
		rc = parse_select(p, &s->select);
	} else if (pcur(p)->kind == TK_IDENT && !pcur(p)->quoted) {
		p->throw_ok = throw_allowed(p);
		p->after_if = false;
		rc = parse_keyword_stmt(p, s);
	} else {
		rc = parse_syntax(p);
	}
	if (rc == 0)
		parse_accept_op(p, ";");
	p->depth--;
	*out = s;
	return rc;
}

int sqlparse_batch(struct sqlbatch *out, const char *sql, size_t len, struct arena *a,
                   struct sqlerr *err)
{
	struct parser p = {NULL, 0, 0, a, err, 0, false, false, 0};
	VEC(struct sqlstmt *) stmts = VEC_INIT;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sqllex_run(&p.t, &p.n, sql, len, a, err))
		return -1;
	while (pcur(&p)->kind != TK_EOF) {
		struct sqlstmt *s;

		if (stmts.len == 0 && pcur(&p)->kind == TK_IDENT && !pcur(&p)->quoted &&
		    !sqllex_reserved(pcur(&p)->text) && !sqllex_is(pcur(&p), "THROW")) {
			/* a procedure name as the first statement of a batch runs it */
			s = new_stmt(&p, ST_EXEC);
			if (parse_exec(&p, s))
				goto done;
			parse_accept_op(&p, ";");
		} else if (parse_stmt(&p, &s)) {
			goto done;
		}
		vec_push(&stmts, s);
	}
	out->stmts = arena_calloc(a, stmts.len ? stmts.len : 1, sizeof(*out->stmts));
	if (stmts.len)
		memcpy(out->stmts, stmts.items, stmts.len * sizeof(*out->stmts));
	out->n = stmts.len;
	rc = 0;
done:
	vec_free(&stmts);
	return rc;
}
