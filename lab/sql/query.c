/*
 * query: runs a SELECT: opens each FROM source (stored table or catalog
 * view), joins them by nested loops (INNER, LEFT, CROSS; ON may name only
 * the sources to its left), filters with WHERE, groups for aggregates,
 * projects the select list, orders (stable; by expression, alias or
 * position), applies DISTINCT and TOP, and either sends the result set or
 * hands the rows to the caller (subqueries, INSERT ... SELECT). Output
 * values are copied into the batch arena, so they outlive the lock.
 * Joins are not optimised: the lab's tables are small.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/query.h"
#include "lab/sql/value.h"

int sqlquery_open(struct sqlctx *c, const struct sqlname *n, int line, struct rowset *out)
{
	struct sqldb *db = n->name[0] == '#' ? world_db_by_name(c->inst, "tempdb")
	                   : n->db           ? world_db_by_name(c->inst, n->db)
	                                     : sqlexec_current_db(c);
	struct sqltable *t = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (n->call) {
		rc = catalog_call(c, n, out);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		return sqlexec_fail(c, AB_SCOPE, 208, 16, line, "Invalid object name '%s'.",
		                    n->text);
	}
	if (db && n->db && world_db_openable(db, &c->err))
		return sqlexec_fail_err(c, AB_STMT, &c->err, line);
	if (db && !(n->schema && !strcasecmp(n->schema, "sys")))
		t = world_table_find(db, n->schema, n->name);
	if (t) {
		out->cols = t->cols;
		out->n_cols = t->n_cols;
		out->n_rows = t->rows.len;
		out->rows = arena_calloc(c->a, t->rows.len ? t->rows.len : 1, sizeof(*out->rows));
		if (t->rows.len)
			memcpy(out->rows, t->rows.items, t->rows.len * sizeof(*out->rows));
		return 0;
	}
	if (db) {
		rc = catalog_open(c, db, n->schema, n->name, out);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	return sqlexec_fail(c, AB_SCOPE, 208, 16, line, "Invalid object name '%s'.", n->text);
}

/* --- joining ---------------------------------------------------------- */

struct combos {
	VEC(const struct lab_value **) v;
};

struct joinctx {
	struct sqlctx *c;
	struct evalenv *env;
	const struct sqlselect *q;
	struct combos *out;
};

static int keep_combo(struct joinctx *j)
{
	const struct lab_value **combo;
	int ok = 1;

	if (j->q->where) {
		ok = sqleval_bool(j->c, j->env, j->q->where);
		if (ok < 0)
			return -1;
	}
	if (!ok)
		return 0;
	combo = arena_calloc(j->c->a, j->env->n_src ? j->env->n_src : 1, sizeof(*combo));
	for (size_t s = 0; s < j->env->n_src; s++)
		combo[s] = j->env->src[s].cur;
	vec_push(&j->out->v, combo);
	return 0;
}

#define QUERY_MAX_WORK 2000000u /* rows visited by one request's joins */

static bool cancel_poll(struct sqlctx *c)
{
	if ((++c->work & 0xFFF) == 0 && c->sink->cancelled && c->sink->cancelled(c->sink->ctx))
		c->cancelled = true;
	return c->cancelled;
}

/* The lab's tables are small; a join that visits millions of rows is a
 * runaway query (or a fuzzer), refused as SQL Server refuses plans it
 * cannot build. */
static int work_limit(struct sqlctx *c)
{
	if (c->work < QUERY_MAX_WORK)
		return 0;
	return sqlexec_fail(
	        c, AB_STMT, 8623, 16, 1,
	        "The query processor ran out of internal resources and could not produce a query "
	        "plan. This is a rare event and only expected for extremely complex queries or "
	        "queries that reference a very large number of tables or partitions. Please "
	        "simplify the query. If you believe you have received this message in error, "
	        "contact Customer Support Services for more information.");
}

static int join_level(struct joinctx *j, size_t k)
{
	struct scope_src *src;
	const struct sqlfrom *f;
	bool matched = false;

	if (k == j->env->n_src)
		return keep_combo(j);
	src = &j->env->src[k];
	f = &j->q->from[k];
	for (size_t r = 0; r < src->rs.n_rows; r++) {
		if (cancel_poll(j->c) || work_limit(j->c))
			return -1;
		src->cur = src->rs.rows[r];
		if (f->on) {
			size_t saved = j->env->n_src;
			int t;

			j->env->n_src = k + 1;
			t = sqleval_bool(j->c, j->env, f->on);
			j->env->n_src = saved;
			if (t < 0)
				return -1;
			if (!t)
				continue;
		}
		matched = true;
		if (join_level(j, k + 1))
			return -1;
	}
	if (k + 1 < j->env->n_src && src->rs.n_rows == 0 && work_limit(j->c))
		return -1;
	if (!matched && f->join == JN_LEFT) {
		src->cur = NULL;
		return join_level(j, k + 1);
	}
	return 0;
}

static int open_sources(struct sqlctx *c, const struct sqlselect *q, struct evalenv *env)
{
	env->src = arena_calloc(c->a, q->n_from ? q->n_from : 1, sizeof(*env->src));
	env->n_src = q->n_from;
	for (size_t i = 0; i < q->n_from; i++) {
		const struct sqlfrom *f = &q->from[i];

		env->src[i].alias = f->alias ? f->alias : f->obj.name;
		if (sqlquery_open(c, &f->obj, q->from[i].on ? q->from[i].on->line : 1,
		                  &env->src[i].rs))
			return -1;
		if (f->join == JN_LEFT) {
			struct lab_column *cols =
			        arena_calloc(c->a, env->src[i].rs.n_cols + 1, sizeof(*cols));

			memcpy(cols, env->src[i].rs.cols, env->src[i].rs.n_cols * sizeof(*cols));
			for (size_t k = 0; k < env->src[i].rs.n_cols; k++)
				cols[k].nullable = true;
			env->src[i].rs.cols = cols;
		}
	}
	return 0;
}

/* --- projection ------------------------------------------------------- */

static int star_columns(struct sqlctx *c, struct evalenv *env, const struct sqlitem *it,
                        struct outcols *oc, int line)
{
	bool any = false;

	for (size_t s = 0; s < env->n_src; s++) {
		if (it->star_qual && strcasecmp(env->src[s].alias, it->star_qual) != 0)
			continue;
		any = true;
		for (size_t k = 0; k < env->src[s].rs.n_cols; k++) {
			vec_push(&oc->cols, env->src[s].rs.cols[k]);
			vec_push(&oc->exprs, NULL);
			vec_push(&oc->star_src, s);
			vec_push(&oc->star_col, k);
		}
	}
	if (!any && it->star_qual)
		return sqlexec_fail(c, AB_SCOPE, 4104, 16, line,
		                    "The multi-part identifier \"%s\" could not be bound.",
		                    it->star_qual);
	if (!any)
		return sqlexec_fail(c, AB_SCOPE, 263, 16, line,
		                    "Must specify table to select from.");
	return 0;
}

static int build_columns(struct sqlctx *c, struct evalenv *env, const struct sqlselect *q,
                         struct outcols *oc)
{
	for (size_t i = 0; i < q->n_items; i++) {
		const struct sqlitem *it = &q->items[i];
		struct lab_column col;

		if (it->star) {
			if (star_columns(c, env, it, oc, 1))
				return -1;
			continue;
		}
		if (sqleval_type(c, env, it->expr, &col))
			return -1;
		col.name = it->alias ? it->alias : it->expr->kind == EX_COL ? it->expr->name : "";
		vec_push(&oc->cols, col);
		vec_push(&oc->exprs, it->expr);
		vec_push(&oc->star_src, 0);
		vec_push(&oc->star_col, 0);
	}
	return 0;
}

static void set_cur(struct evalenv *env, const struct lab_value **combo)
{
	for (size_t s = 0; s < env->n_src; s++)
		env->src[s].cur = combo ? combo[s] : NULL;
}

static int project(struct sqlctx *c, struct evalenv *env, const struct outcols *oc,
                   struct lab_value **row_out)
{
	struct lab_value *row = arena_calloc(c->a, oc->cols.len ? oc->cols.len : 1, sizeof(*row));

	for (size_t k = 0; k < oc->cols.len; k++) {
		struct lab_value v;

		if (!oc->exprs.items[k]) {
			const struct lab_value *cur = env->src[oc->star_src.items[k]].cur;

			v = cur ? cur[oc->star_col.items[k]] : sqlval_null(oc->cols.items[k].type);
		} else if (sqleval(c, env, oc->exprs.items[k], &v)) {
			return -1;
		}
		if (!v.is_null && v.type != oc->cols.items[k].type) {
			struct sqltype to = {oc->cols.items[k].type, -1, 0, 0};

			if (sqlval_convert(&v, &v, &to, -1, c->a, &c->err))
				return sqlexec_fail_err(c, AB_BATCH, &c->err, 1);
		}
		row[k] = sqlval_dup(c->a, &v);
	}
	*row_out = row;
	return 0;
}

/* --- grouping ---------------------------------------------------------- */

struct group {
	struct lab_value *keys;
	VEC(const struct lab_value **) rows;
};

struct groups {
	VEC(struct group) v;
};

static int group_rows(struct sqlctx *c, struct evalenv *env, const struct sqlselect *q,
                      struct combos *all, struct groups *gs)
{
	for (size_t r = 0; r < all->v.len; r++) {
		struct lab_value *keys = arena_calloc(c->a, q->n_group + 1, sizeof(*keys));
		size_t g;
		bool same = false;

		set_cur(env, all->v.items[r]);
		for (size_t k = 0; k < q->n_group; k++)
			if (sqleval(c, env, q->group[k], &keys[k]))
				return -1;
		for (g = 0; g < gs->v.len; g++) {
			if (query_same_keys(c, gs->v.items[g].keys, keys, q->n_group, &same))
				return -1;
			if (same)
				break;
		}
		if (g == gs->v.len) {
			struct group ng;

			memset(&ng, 0, sizeof(ng));
			ng.keys = keys;
			vec_push(&gs->v, ng);
		}
		vec_push(&gs->v.items[g].rows, all->v.items[r]);
	}
	return 0;
}

/* 8120: a bare column in an aggregate query without GROUP BY. */
static const struct sqlexpr *bare_column(const struct sqlexpr *e)
{
	if (!e || e->kind == EX_AGG || e->kind == EX_SUBQ || e->kind == EX_EXISTS)
		return NULL;
	if (e->kind == EX_COL)
		return e;
	for (size_t i = 0; i < e->n_args; i++) {
		const struct sqlexpr *b = bare_column(e->args[i]);

		if (b)
			return b;
	}
	return NULL;
}

/* --- result rows -------------------------------------------------------- */

static int order_keys(struct sqlctx *c, struct evalenv *env, const struct sqlselect *q,
                      const struct outcols *oc, struct outrow *row)
{
	row->keys = arena_calloc(c->a, q->n_order + 1, sizeof(*row->keys));
	env->items = q->items;
	env->n_items = q->n_items;
	env->item_vals = row->vals;
	for (size_t k = 0; k < q->n_order; k++) {
		const struct sqlexpr *e = q->order[k].expr;

		if (e->kind == EX_LIT && e->lit.type == LAB_T_INT) {
			if (e->lit.i < 1 || (size_t)e->lit.i > oc->cols.len)
				return sqlexec_fail(
				        c, AB_SCOPE, 108, 15, e->line,
				        "The ORDER BY position number %lld is out of range of the "
				        "number of items in the select list.",
				        (long long)e->lit.i);
			row->keys[k] = row->vals[e->lit.i - 1];
		} else if (sqleval(c, env, e, &row->keys[k])) {
			env->items = NULL;
			return -1;
		}
	}
	env->items = NULL;
	return 0;
}

static int produce_row(struct sqlctx *c, struct evalenv *env, const struct sqlselect *q,
                       const struct outcols *oc, struct result *res)
{
	struct outrow row;

	if (project(c, env, oc, &row.vals))
		return -1;
	row.keys = NULL;
	if (q->n_order && order_keys(c, env, q, oc, &row))
		return -1;
	vec_push(&res->rows, row);
	return 0;
}

static int produce(struct sqlctx *c, struct evalenv *env, const struct sqlselect *q,
                   const struct outcols *oc, struct combos *all, struct result *res)
{
	bool agg = q->n_group > 0;
	struct groups groups;
	int rc = -1;

	memset(&groups, 0, sizeof(groups));
	for (size_t i = 0; i < q->n_items; i++)
		agg |= sqleval_has_agg(q->items[i].expr);
	if (!agg) {
		for (size_t r = 0; r < all->v.len; r++) {
			set_cur(env, all->v.items[r]);
			if (produce_row(c, env, q, oc, res))
				return -1;
		}
		return 0;
	}
	for (size_t i = 0; q->n_group == 0 && i < q->n_items; i++) {
		const struct sqlexpr *b = q->items[i].star ? NULL : bare_column(q->items[i].expr);

		if (b || q->items[i].star)
			return sqlexec_fail(
			        c, AB_SCOPE, 8120, 16, b ? b->line : 1,
			        "Column '%s%s%s' is invalid in the select list because it is not "
			        "contained in either an aggregate function or the GROUP BY clause.",
			        b && b->qual ? b->qual : "", b && b->qual ? "." : "",
			        b ? b->name : "*");
	}
	if (group_rows(c, env, q, all, &groups))
		goto done;
	if (groups.v.len == 0 && q->n_group == 0) {
		struct group g;

		memset(&g, 0, sizeof(g));
		vec_push(&groups.v, g);
	}
	for (size_t g = 0; g < groups.v.len; g++) {
		static const struct lab_value **no_rows[1];

		env->group = groups.v.items[g].rows.len
		                     ? (const struct lab_value ***)groups.v.items[g].rows.items
		                     : no_rows;
		env->n_group = groups.v.items[g].rows.len;
		set_cur(env, env->n_group ? env->group[0] : NULL);
		if (produce_row(c, env, q, oc, res))
			goto done;
	}
	rc = 0;
done:
	env->group = NULL;
	for (size_t g = 0; g < groups.v.len; g++)
		vec_free(&groups.v.items[g].rows);
	vec_free(&groups.v);
	return rc;
}

int sqlquery_run(struct sqlctx *c, struct evalenv *outer, const struct sqlselect *q, bool emit_it,
                 struct rowset *out)
{
	struct evalenv env;
	struct combos all;
	struct outcols oc;
	struct result res;
	struct joinctx j;
	int rc = -1;

	memset(&env, 0, sizeof(env));
	memset(&all, 0, sizeof(all));
	memset(&oc, 0, sizeof(oc));
	memset(&res, 0, sizeof(res));
	env.outer = outer;
	if (open_sources(c, q, &env) || build_columns(c, &env, q, &oc))
		goto done;
	j.c = c;
	j.env = &env;
	j.q = q;
	j.out = &all;
	if (join_level(&j, 0) || produce(c, &env, q, &oc, &all, &res))
		goto done;
	rc = query_finish(c, q, &oc, &res, emit_it, out);
done:
	if (c->cancelled && rc == 0)
		rc = -1;
	vec_free(&all.v);
	vec_free(&oc.cols);
	vec_free(&oc.exprs);
	vec_free(&oc.star_src);
	vec_free(&oc.star_col);
	vec_free(&res.rows);
	return rc;
}
