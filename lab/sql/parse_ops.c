/*
 * parse_ops: expression operators by recursive descent with T-SQL's
 * precedence: unary minus, then * / %, then + -, then comparisons and
 * IS [NOT] NULL, [NOT] IN / LIKE / BETWEEN, then NOT, AND, OR. Every
 * level counts toward SQL_MAX_DEPTH (error 191), so hostile nesting ends
 * in an error, not a stack overflow. Bitwise operators, ALL/ANY/SOME and
 * LIKE ... ESCAPE are not supported.
 */
#include <stdio.h>
#include <string.h>

#include "lab/sql/parser.h"
#include "util/vec.h"

static int parse_or(struct parser *p, struct sqlexpr **out);

/* --- operators ------------------------------------------------------- */

static struct sqlexpr *binary(struct parser *p, const char *op, struct sqlexpr *l,
                              struct sqlexpr *r)
{
	struct sqlexpr *e = parse_new_expr(p, EX_BIN);

	snprintf(e->op, sizeof(e->op), "%s", op);
	e->args = arena_calloc(p->a, 2, sizeof(*e->args));
	e->args[0] = l;
	e->args[1] = r;
	e->n_args = 2;
	return e;
}

static int parse_unary(struct parser *p, struct sqlexpr **out)
{
	int rc;

	if (++p->depth > SQL_MAX_DEPTH) {
		p->depth--;
		return parse_fail(p, 191, 15,
		                  "Some part of your SQL statement is nested too deeply. Rewrite "
		                  "the query or break it up into smaller queries.");
	}
	if (sqllex_is_op(pcur(p), "-") || sqllex_is_op(pcur(p), "+")) {
		bool neg = sqllex_is_op(pcur(p), "-");
		struct sqlexpr *inner = NULL;

		p->i++;
		rc = parse_unary(p, &inner);
		if (rc == 0 && neg) {
			struct sqlexpr *e = parse_new_expr(p, EX_NEG);

			e->args = arena_calloc(p->a, 1, sizeof(*e->args));
			e->args[0] = inner;
			e->n_args = 1;
			*out = e;
		} else if (rc == 0) {
			*out = inner;
		}
	} else {
		rc = parse_term(p, out);
	}
	p->depth--;
	return rc;
}

static int parse_mul(struct parser *p, struct sqlexpr **out)
{
	struct sqlexpr *r;

	if (parse_unary(p, out))
		return -1;
	while (sqllex_is_op(pcur(p), "*") || sqllex_is_op(pcur(p), "/") ||
	       sqllex_is_op(pcur(p), "%")) {
		const char *op = pcur(p)->text;

		p->i++;
		if (parse_unary(p, &r))
			return -1;
		*out = binary(p, op, *out, r);
	}
	return 0;
}

static int parse_add(struct parser *p, struct sqlexpr **out)
{
	struct sqlexpr *r;

	if (parse_mul(p, out))
		return -1;
	while (sqllex_is_op(pcur(p), "+") || sqllex_is_op(pcur(p), "-")) {
		const char *op = pcur(p)->text;

		p->i++;
		if (parse_mul(p, &r))
			return -1;
		*out = binary(p, op, *out, r);
	}
	return 0;
}

static int parse_in_list(struct parser *p, struct sqlexpr *e, struct sqlexpr *lhs)
{
	VEC(struct sqlexpr *) items = VEC_INIT;
	int rc = -1;

	if (parse_expect_op(p, "("))
		goto done;
	if (sqllex_is(pcur(p), "SELECT")) {
		struct sqlexpr *sub = parse_new_expr(p, EX_SUBQ);

		if (parse_select(p, &sub->sub))
			goto done;
		vec_push(&items, lhs);
		vec_push(&items, sub);
		e->star = true; /* IN (subquery) */
	} else {
		vec_push(&items, lhs);
		do {
			struct sqlexpr *x;

			if (items.len > SQL_MAX_LIST) {
				parse_syntax(p);
				goto done;
			}
			if (parse_expr(p, &x))
				goto done;
			vec_push(&items, x);
		} while (parse_accept_op(p, ","));
	}
	if (parse_expect_op(p, ")"))
		goto done;
	e->args = parse_expr_list(p, items.items, items.len);
	e->n_args = items.len;
	rc = 0;
done:
	vec_free(&items);
	return rc;
}

static int parse_predicate_tail(struct parser *p, struct sqlexpr **out, bool negate)
{
	struct sqlexpr *lhs = *out, *e;

	if (parse_accept(p, "IN")) {
		e = parse_new_expr(p, EX_IN);
		if (parse_in_list(p, e, lhs))
			return -1;
	} else if (parse_accept(p, "LIKE")) {
		e = parse_new_expr(p, EX_LIKE);
		e->args = arena_calloc(p->a, 2, sizeof(*e->args));
		e->args[0] = lhs;
		e->n_args = 2;
		if (parse_add(p, &e->args[1]))
			return -1;
	} else if (parse_accept(p, "BETWEEN")) {
		e = parse_new_expr(p, EX_BETWEEN);
		e->args = arena_calloc(p->a, 3, sizeof(*e->args));
		e->args[0] = lhs;
		e->n_args = 3;
		if (parse_add(p, &e->args[1]) || parse_expect(p, "AND") ||
		    parse_add(p, &e->args[2]))
			return -1;
	} else {
		return parse_syntax(p);
	}
	e->negate = negate;
	*out = e;
	return 0;
}

static int parse_predicate(struct parser *p, struct sqlexpr **out)
{
	static const char *const cmp[] = {"=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>"};
	struct sqlexpr *r;

	if (parse_add(p, out))
		return -1;
	for (size_t k = 0; k < sizeof(cmp) / sizeof(cmp[0]); k++)
		if (sqllex_is_op(pcur(p), cmp[k])) {
			const char *op = !strcmp(cmp[k], "!=")   ? "<>"
			                 : !strcmp(cmp[k], "!<") ? ">="
			                 : !strcmp(cmp[k], "!>") ? "<="
			                                         : cmp[k];

			p->i++;
			if (parse_add(p, &r))
				return -1;
			*out = binary(p, op, *out, r);
			return 0;
		}
	if (parse_accept(p, "IS")) {
		struct sqlexpr *e = parse_new_expr(p, EX_ISNULL);

		e->negate = parse_accept(p, "NOT");
		if (parse_expect(p, "NULL"))
			return -1;
		e->args = arena_calloc(p->a, 1, sizeof(*e->args));
		e->args[0] = *out;
		e->n_args = 1;
		*out = e;
		return 0;
	}
	if (sqllex_is(pcur(p), "NOT") &&
	    (sqllex_is(ppeek(p, 1), "IN") || sqllex_is(ppeek(p, 1), "LIKE") ||
	     sqllex_is(ppeek(p, 1), "BETWEEN"))) {
		p->i++;
		return parse_predicate_tail(p, out, true);
	}
	if (sqllex_is(pcur(p), "IN") || sqllex_is(pcur(p), "LIKE") || sqllex_is(pcur(p), "BETWEEN"))
		return parse_predicate_tail(p, out, false);
	return 0;
}

static int parse_not(struct parser *p, struct sqlexpr **out)
{
	int rc;

	if (++p->depth > SQL_MAX_DEPTH) {
		p->depth--;
		return parse_fail(p, 191, 15,
		                  "Some part of your SQL statement is nested too deeply. Rewrite "
		                  "the query or break it up into smaller queries.");
	}
	if (parse_accept(p, "NOT")) {
		struct sqlexpr *e = parse_new_expr(p, EX_NOT);

		e->args = arena_calloc(p->a, 1, sizeof(*e->args));
		e->n_args = 1;
		rc = parse_not(p, &e->args[0]);
		*out = e;
	} else {
		rc = parse_predicate(p, out);
	}
	p->depth--;
	return rc;
}

static int parse_and(struct parser *p, struct sqlexpr **out)
{
	struct sqlexpr *r;

	if (parse_not(p, out))
		return -1;
	while (parse_accept(p, "AND")) {
		if (parse_not(p, &r))
			return -1;
		*out = binary(p, "AND", *out, r);
	}
	return 0;
}

static int parse_or(struct parser *p, struct sqlexpr **out)
{
	struct sqlexpr *r;

	if (parse_and(p, out))
		return -1;
	while (parse_accept(p, "OR")) {
		if (parse_and(p, &r))
			return -1;
		*out = binary(p, "OR", *out, r);
	}
	return 0;
}

int parse_expr(struct parser *p, struct sqlexpr **out)
{
	int rc;

	if (++p->depth > SQL_MAX_DEPTH) {
		p->depth--;
		return parse_fail(p, 191, 15,
		                  "Some part of your SQL statement is nested too deeply. Rewrite "
		                  "the query or break it up into smaller queries.");
	}
	rc = parse_or(p, out);
	p->depth--;
	return rc;
}
