/*
 * parse_select: the SELECT statement: DISTINCT, TOP, the select list
 * (*, t.*, expr [AS] alias, alias = expr, @var = expr), FROM with comma,
 * [INNER] JOIN, LEFT [OUTER] JOIN and CROSS JOIN, table hints WITH (...)
 * (accepted and ignored, as NOLOCK changes nothing in the lab), WHERE,
 * GROUP BY and ORDER BY. No UNION, HAVING, OFFSET/FETCH, FOR XML or INTO.
 */
#include <string.h>

#include "lab/sql/parser.h"
#include "util/vec.h"

static bool ends_item(struct parser *p)
{
	struct sqltok *t = pcur(p);

	return t->kind == TK_EOF || sqllex_is_op(t, ",") || sqllex_is_op(t, ";") ||
	       sqllex_is_op(t, ")") ||
	       (t->kind == TK_IDENT && !t->quoted && sqllex_reserved(t->text));
}

static int parse_alias(struct parser *p, const char **alias)
{
	if (parse_accept(p, "AS")) {
		if (pcur(p)->kind == TK_STR || pcur(p)->kind == TK_NSTR) {
			*alias = pcur(p)->text;
			p->i++;
			return 0;
		}
		return parse_ident(p, alias);
	}
	if (pcur(p)->kind == TK_STR || pcur(p)->kind == TK_NSTR) {
		*alias = pcur(p)->text;
		p->i++;
		return 0;
	}
	if (pcur(p)->kind == TK_IDENT && !ends_item(p))
		return parse_ident(p, alias);
	return 0;
}

static int parse_item(struct parser *p, struct sqlitem *it)
{
	struct sqltok *t = pcur(p);

	memset(it, 0, sizeof(*it));
	if (sqllex_is_op(t, "*")) {
		p->i++;
		it->star = true;
		return 0;
	}
	if (t->kind == TK_IDENT && sqllex_is_op(ppeek(p, 1), ".") &&
	    sqllex_is_op(ppeek(p, 2), "*")) {
		it->star = true;
		it->star_qual = t->text;
		p->i += 3;
		return 0;
	}
	if (t->kind == TK_VAR && sqllex_is_op(ppeek(p, 1), "=")) {
		it->assign = t->text;
		p->i += 2;
		return parse_expr(p, &it->expr);
	}
	if ((t->kind == TK_IDENT || t->kind == TK_STR || t->kind == TK_NSTR) &&
	    sqllex_is_op(ppeek(p, 1), "=") &&
	    !(t->kind == TK_IDENT && !t->quoted && sqllex_reserved(t->text))) {
		it->alias = t->text;
		p->i += 2;
		return parse_expr(p, &it->expr);
	}
	if (parse_expr(p, &it->expr))
		return -1;
	return parse_alias(p, &it->alias);
}

static int parse_hints(struct parser *p)
{
	if (!(sqllex_is(pcur(p), "WITH") && sqllex_is_op(ppeek(p, 1), "(")))
		return 0;
	p->i += 2;
	do {
		const char *hint;

		if (parse_ident(p, &hint))
			return -1;
	} while (parse_accept_op(p, ","));
	return parse_expect_op(p, ")");
}

static int parse_source(struct parser *p, struct sqlfrom *f, enum sqljoin join)
{
	memset(f, 0, sizeof(*f));
	f->join = join;
	if (parse_objname(p, &f->obj))
		return -1;
	if (parse_accept_op(p, "(")) { /* sys.dm_db_log_stats(DB_ID()) */
		f->obj.call = true;
		if (!parse_accept(p, "DEFAULT") && !sqllex_is_op(pcur(p), ")") &&
		    parse_expr(p, &f->obj.arg))
			return -1;
		if (parse_expect_op(p, ")"))
			return -1;
	}
	if (parse_alias(p, &f->alias) || parse_hints(p))
		return -1;
	if ((join == JN_INNER || join == JN_LEFT)) {
		if (parse_expect(p, "ON") || parse_expr(p, &f->on))
			return -1;
	}
	return 0;
}

static int join_kind(struct parser *p, enum sqljoin *join)
{
	if (parse_accept(p, "JOIN")) {
		*join = JN_INNER;
	} else if (sqllex_is(pcur(p), "INNER") && sqllex_is(ppeek(p, 1), "JOIN")) {
		p->i += 2;
		*join = JN_INNER;
	} else if (sqllex_is(pcur(p), "LEFT")) {
		p->i++;
		parse_accept(p, "OUTER");
		if (parse_expect(p, "JOIN"))
			return -1;
		*join = JN_LEFT;
	} else if (sqllex_is(pcur(p), "CROSS") && sqllex_is(ppeek(p, 1), "JOIN")) {
		p->i += 2;
		*join = JN_CROSS;
	} else if (parse_accept_op(p, ",")) {
		*join = JN_CROSS;
	} else {
		return 1;
	}
	return 0;
}

static int parse_from(struct parser *p, struct sqlselect *s)
{
	VEC(struct sqlfrom) from = VEC_INIT;
	struct sqlfrom f;
	enum sqljoin join = JN_FIRST;
	int rc = -1, k;

	do {
		if (from.len >= 64) {
			parse_fail(
			        p, 106, 16,
			        "Too many table names in the query. The maximum allowable is %d.",
			        64);
			goto done;
		}
		if (parse_source(p, &f, join))
			goto done;
		vec_push(&from, f);
	} while ((k = join_kind(p, &join)) == 0);
	if (k < 0)
		goto done;
	s->from = arena_calloc(p->a, from.len, sizeof(*s->from));
	if (from.len)
		memcpy(s->from, from.items, from.len * sizeof(*s->from));
	s->n_from = from.len;
	rc = 0;
done:
	vec_free(&from);
	return rc;
}

static int parse_order(struct parser *p, struct sqlselect *s)
{
	VEC(struct sqlorder) order = VEC_INIT;
	int rc = -1;

	do {
		struct sqlorder o = {NULL, false};

		if (order.len >= SQL_MAX_LIST || parse_expr(p, &o.expr)) {
			if (order.len >= SQL_MAX_LIST)
				parse_syntax(p);
			goto done;
		}
		if (parse_accept(p, "DESC"))
			o.desc = true;
		else
			parse_accept(p, "ASC");
		vec_push(&order, o);
	} while (parse_accept_op(p, ","));
	s->order = arena_calloc(p->a, order.len, sizeof(*s->order));
	if (order.len)
		memcpy(s->order, order.items, order.len * sizeof(*s->order));
	s->n_order = order.len;
	rc = 0;
done:
	vec_free(&order);
	return rc;
}

static int parse_group(struct parser *p, struct sqlselect *s)
{
	VEC(struct sqlexpr *) g = VEC_INIT;
	int rc = -1;

	do {
		struct sqlexpr *e;

		if (g.len >= SQL_MAX_LIST || parse_expr(p, &e)) {
			if (g.len >= SQL_MAX_LIST)
				parse_syntax(p);
			goto done;
		}
		vec_push(&g, e);
	} while (parse_accept_op(p, ","));
	s->group = arena_calloc(p->a, g.len, sizeof(*s->group));
	if (g.len)
		memcpy(s->group, g.items, g.len * sizeof(*s->group));
	s->n_group = g.len;
	rc = 0;
done:
	vec_free(&g);
	return rc;
}

static int parse_top(struct parser *p, struct sqlselect *s)
{
	if (!parse_accept(p, "TOP"))
		return 0;
	if (parse_accept_op(p, "(")) {
		if (parse_expr(p, &s->top))
			return -1;
		return parse_expect_op(p, ")");
	}
	if (pcur(p)->kind != TK_INT && pcur(p)->kind != TK_VAR)
		return parse_syntax(p);
	return parse_term(p, &s->top);
}

static int parse_items(struct parser *p, struct sqlselect *s)
{
	VEC(struct sqlitem) items = VEC_INIT;
	int rc = -1;

	do {
		struct sqlitem it;

		if (items.len >= SQL_MAX_LIST) {
			parse_syntax(p);
			goto done;
		}
		if (parse_item(p, &it))
			goto done;
		vec_push(&items, it);
	} while (parse_accept_op(p, ","));
	s->items = arena_calloc(p->a, items.len, sizeof(*s->items));
	if (items.len)
		memcpy(s->items, items.items, items.len * sizeof(*s->items));
	s->n_items = items.len;
	rc = 0;
done:
	vec_free(&items);
	return rc;
}

int parse_select(struct parser *p, struct sqlselect **out)
{
	struct sqlselect *s = arena_alloc(p->a, sizeof(*s));

	if (++p->depth > SQL_MAX_DEPTH)
		return parse_fail(p, 191, 15,
		                  "Some part of your SQL statement is nested too deeply. Rewrite "
		                  "the query or break it up into smaller queries.");
	if (parse_expect(p, "SELECT"))
		return -1;
	if (parse_accept(p, "DISTINCT"))
		s->distinct = true;
	else
		parse_accept(p, "ALL");
	if (parse_top(p, s) || parse_items(p, s))
		return -1;
	if (parse_accept(p, "FROM") && parse_from(p, s))
		return -1;
	if (parse_accept(p, "WHERE") && parse_expr(p, &s->where))
		return -1;
	if (sqllex_is(pcur(p), "GROUP")) {
		p->i++;
		if (parse_expect(p, "BY") || parse_group(p, s))
			return -1;
	}
	if (sqllex_is(pcur(p), "ORDER")) {
		p->i++;
		if (parse_expect(p, "BY") || parse_order(p, s))
			return -1;
	}
	p->depth--;
	*out = s;
	return 0;
}
