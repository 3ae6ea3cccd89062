/*
 * parse_expr: the primaries of expressions: literals, variables, names,
 * function calls, CASE, CAST/CONVERT, parenthesised expressions and
 * subqueries (operators and their precedence are in parse_ops.c).
 * Literals get the types SQL Server gives them (an integer beyond int is
 * numeric, 'x' is varchar, N'x' nvarchar, lengths in characters). Nesting
 * is bounded by SQL_MAX_DEPTH (error 191). No window functions, UNION,
 * CTEs, derived tables or HAVING.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/sql/parser.h"
#include "lab/sql/value.h"
#include "util/vec.h"

struct sqlexpr *parse_new_expr(struct parser *p, enum sqlexpr_kind kind)
{
	struct sqlexpr *e = arena_alloc(p->a, sizeof(*e));

	e->kind = kind;
	e->line = pcur(p)->line;
	e->to.length = -1;
	return e;
}

struct sqlexpr **parse_expr_list(struct parser *p, struct sqlexpr **items, size_t n)
{
	struct sqlexpr **v = arena_calloc(p->a, n ? n : 1, sizeof(*v));

	if (n)
		memcpy(v, items, n * sizeof(*v));
	return v;
}

static char *upper_dup(struct parser *p, const char *s)
{
	char *u = arena_strdup(p->a, s);

	for (char *c = u; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	return u;
}

/* --- literals -------------------------------------------------------- */

static int hexdigit(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

static void number_literal(struct parser *p, struct sqlexpr *e, const struct sqltok *t)
{
	const char *dot = strchr(t->text, '.');
	size_t digits = 0;

	if (t->kind == TK_FLOAT) {
		e->lit = sqlval_float(strtod(t->text, NULL));
		e->to.type = LAB_T_FLOAT;
		return;
	}
	for (const char *c = t->text; *c; c++)
		digits += isdigit((unsigned char)*c) != 0;
	if (t->kind == TK_INT && digits <= 10) {
		long long v = strtoll(t->text, NULL, 10);

		if (v <= 2147483647LL) {
			e->lit = sqlval_int(LAB_T_INT, v);
			e->to.type = LAB_T_INT;
			return;
		}
	}
	e->lit = sqlval_str(p->a, LAB_T_NUMERIC, t->text, t->len);
	e->to.type = LAB_T_NUMERIC;
	e->to.precision = (uint8_t)(digits > 38 ? 38 : digits ? digits : 1);
	e->to.scale = (uint8_t)(dot ? strlen(dot + 1) : 0);
	if (e->to.scale > e->to.precision)
		e->to.precision = e->to.scale;
}

static void hex_literal(struct parser *p, struct sqlexpr *e, const struct sqltok *t)
{
	size_t n = (t->len + 1) / 2, k = 0, i = 0;
	char *b = arena_alloc(p->a, n + 1);
	int acc = 0;

	if (t->len % 2)
		b[k++] = (char)hexdigit(t->text[i++]);
	for (; i + 1 < t->len + 1 && i < t->len; i += 2) {
		acc = hexdigit(t->text[i]) * 16 + hexdigit(t->text[i + 1]);
		b[k++] = (char)acc;
	}
	e->lit = sqlval_null(LAB_T_VARBINARY);
	e->lit.is_null = false;
	e->lit.s = b;
	e->lit.slen = k;
	e->to.type = LAB_T_VARBINARY;
	e->to.length = (int32_t)(k ? k : 1);
}

static int parse_literal(struct parser *p, struct sqlexpr **out)
{
	struct sqltok *t = pcur(p);
	struct sqlexpr *e = parse_new_expr(p, EX_LIT);

	if (t->kind == TK_INT || t->kind == TK_DEC || t->kind == TK_FLOAT) {
		number_literal(p, e, t);
	} else if (t->kind == TK_STR || t->kind == TK_NSTR) {
		e->to.type = t->kind == TK_STR ? LAB_T_VARCHAR : LAB_T_NVARCHAR;
		size_t chars = 0;

		e->lit = sqlval_str(p->a, e->to.type, t->text, t->len);
		/* characters: NVARCHAR counts them, VARCHAR counts code page 1252
		 * bytes, one per character */
		for (size_t i = 0; i < t->len; i++)
			chars += ((unsigned char)t->text[i] & 0xC0) != 0x80;
		e->to.length = (int32_t)(chars ? chars : 1);
	} else if (t->kind == TK_HEX) {
		hex_literal(p, e, t);
	} else {
		e->lit = sqlval_null(LAB_T_INT);
		e->to.type = LAB_T_INT;
	}
	p->i++;
	*out = e;
	return 0;
}

/* --- primaries ------------------------------------------------------- */

static int parse_args(struct parser *p, struct sqlexpr *e)
{
	VEC(struct sqlexpr *) args = VEC_INIT;
	int rc = -1;

	if (!parse_accept_op(p, ")")) {
		do {
			struct sqlexpr *a;

			if (args.len >= SQL_MAX_LIST) {
				parse_syntax(p);
				goto done;
			}
			if (parse_expr(p, &a))
				goto done;
			vec_push(&args, a);
		} while (parse_accept_op(p, ","));
		if (parse_expect_op(p, ")"))
			goto done;
	}
	e->args = parse_expr_list(p, args.items, args.len);
	e->n_args = args.len;
	rc = 0;
done:
	vec_free(&args);
	return rc;
}

static int parse_cast(struct parser *p, struct sqlexpr **out, bool convert)
{
	struct sqlexpr *e = parse_new_expr(p, EX_CAST);

	p->i++;
	if (parse_expect_op(p, "("))
		return -1;
	e->args = arena_calloc(p->a, 2, sizeof(*e->args));
	if (convert) {
		if (parse_type(p, &e->to, 30) || parse_expect_op(p, ",") ||
		    parse_expr(p, &e->args[0]))
			return -1;
		e->n_args = 1;
		if (parse_accept_op(p, ",")) {
			if (parse_expr(p, &e->args[1]))
				return -1;
			e->n_args = 2;
		}
	} else {
		if (parse_expr(p, &e->args[0]) || parse_expect(p, "AS") ||
		    parse_type(p, &e->to, 30))
			return -1;
		e->n_args = 1;
	}
	*out = e;
	return parse_expect_op(p, ")");
}

static int parse_case(struct parser *p, struct sqlexpr **out)
{
	struct sqlexpr *e = parse_new_expr(p, EX_CASE);
	VEC(struct sqlexpr *) parts = VEC_INIT;
	struct sqlexpr *x;
	int rc = -1;

	p->i++;
	if (!sqllex_is(pcur(p), "WHEN")) {
		if (parse_expr(p, &x))
			goto done;
		vec_push(&parts, x);
		e->has_operand = true;
	}
	if (!sqllex_is(pcur(p), "WHEN")) {
		parse_syntax(p);
		goto done;
	}
	while (parse_accept(p, "WHEN")) {
		struct sqlexpr *then;

		if (parts.len >= SQL_MAX_LIST || parse_expr(p, &x) || parse_expect(p, "THEN") ||
		    parse_expr(p, &then))
			goto done;
		vec_push(&parts, x);
		vec_push(&parts, then);
	}
	if (parse_accept(p, "ELSE")) {
		if (parse_expr(p, &x))
			goto done;
		vec_push(&parts, x);
		e->has_else = true;
	}
	if (parse_expect(p, "END"))
		goto done;
	e->args = parse_expr_list(p, parts.items, parts.len);
	e->n_args = parts.len;
	*out = e;
	rc = 0;
done:
	vec_free(&parts);
	return rc;
}

static int parse_paren(struct parser *p, struct sqlexpr **out)
{
	p->i++;
	if (sqllex_is(pcur(p), "SELECT")) {
		struct sqlexpr *e = parse_new_expr(p, EX_SUBQ);

		if (parse_select(p, &e->sub))
			return -1;
		*out = e;
	} else if (parse_expr(p, out)) {
		return -1;
	}
	return parse_expect_op(p, ")");
}

static bool is_aggregate(const char *name)
{
	return !strcmp(name, "COUNT") || !strcmp(name, "MAX") || !strcmp(name, "MIN") ||
	       !strcmp(name, "SUM") || !strcmp(name, "AVG");
}

static int parse_call(struct parser *p, struct sqlexpr **out, const char *name)
{
	char *up = upper_dup(p, name);
	struct sqlexpr *e = parse_new_expr(p, is_aggregate(up) ? EX_AGG : EX_FUNC);

	e->name = up;
	p->i++; /* ( */
	if (e->kind == EX_AGG && !strcmp(up, "COUNT") && sqllex_is_op(pcur(p), "*")) {
		p->i++;
		e->star = true;
		*out = e;
		return parse_expect_op(p, ")");
	}
	if (e->kind == EX_AGG)
		parse_accept(p, "ALL");
	if (parse_args(p, e))
		return -1;
	if (e->kind == EX_AGG && e->n_args != 1)
		return parse_fail(p, 174, 15, "The %s function requires 1 argument(s).", up);
	*out = e;
	return 0;
}

/* a, a.b, a.b.c, or a function call name(...) */
static int parse_name_expr(struct parser *p, struct sqlexpr **out)
{
	const char *parts[4];
	size_t n = 0;
	struct sqlexpr *e;

	if (!pcur(p)->quoted && sqllex_reserved(pcur(p)->text) &&
	    !(sqllex_is(pcur(p), "LEFT") || sqllex_is(pcur(p), "RIGHT") ||
	      sqllex_is(pcur(p), "NULLIF") || sqllex_is(pcur(p), "COALESCE")))
		return parse_syntax(p);
	parts[n++] = pcur(p)->text;
	p->i++;
	if (n == 1 && sqllex_is_op(pcur(p), "(") && !p->t[p->i - 1].quoted) {
		return parse_call(p, out, parts[0]);
	}
	while (sqllex_is_op(pcur(p), ".") && n < 4) {
		p->i++;
		if (pcur(p)->kind != TK_IDENT)
			return parse_syntax(p);
		parts[n++] = pcur(p)->text;
		p->i++;
	}
	e = parse_new_expr(p, EX_COL);
	e->name = parts[n - 1];
	e->qual = n >= 2 ? parts[n - 2] : NULL;
	*out = e;
	return 0;
}

static int parse_primary(struct parser *p, struct sqlexpr **out)
{
	struct sqltok *t = pcur(p);

	switch (t->kind) {
	case TK_INT:
	case TK_DEC:
	case TK_FLOAT:
	case TK_STR:
	case TK_NSTR:
	case TK_HEX:
		return parse_literal(p, out);
	case TK_VAR:
		*out = parse_new_expr(p, EX_VAR);
		(*out)->name = t->text;
		p->i++;
		return 0;
	case TK_GVAR:
		*out = parse_new_expr(p, EX_GVAR);
		(*out)->name = upper_dup(p, t->text + 2);
		p->i++;
		return 0;
	case TK_OP:
		if (sqllex_is_op(t, "("))
			return parse_paren(p, out);
		return parse_syntax(p);
	case TK_IDENT:
		if (sqllex_is(t, "NULL"))
			return parse_literal(p, out);
		if (sqllex_is(t, "CASE"))
			return parse_case(p, out);
		if (sqllex_is(t, "CAST") || sqllex_is(t, "CONVERT"))
			return parse_cast(p, out, sqllex_is(t, "CONVERT"));
		if (sqllex_is(t, "EXISTS")) {
			struct sqlexpr *e = parse_new_expr(p, EX_EXISTS);

			p->i++;
			if (parse_expect_op(p, "(") || parse_select(p, &e->sub) ||
			    parse_expect_op(p, ")"))
				return -1;
			*out = e;
			return 0;
		}
		return parse_name_expr(p, out);
	default:
		return parse_syntax(p);
	}
}

int parse_term(struct parser *p, struct sqlexpr **out)
{
	return parse_primary(p, out);
}
