/*
 * query_finish: the end of a SELECT: a stable merge sort by the ORDER BY
 * keys (NULLs first, as SQL Server sorts them ascending), DISTINCT,
 * TOP (n) (127 when negative), then either the result set (COLMETADATA,
 * rows, DONE with the count), the variable assignments of SELECT @v =
 * ... (141 when mixed with retrieval), or the rows handed back to a
 * subquery or INSERT ... SELECT. No ORDER BY ... OFFSET/FETCH, no
 * collation-specific ordering beyond the case-insensitive compare.
 */
#include <string.h>

#include "lab/sql/query.h"
#include "lab/sql/value.h"

int query_same_keys(struct sqlctx *c, const struct lab_value *a, const struct lab_value *b,
                    size_t n, bool *same)
{
	*same = true;
	for (size_t i = 0; i < n && *same; i++) {
		int cmp = 0;

		if (a[i].is_null || b[i].is_null) {
			*same = a[i].is_null && b[i].is_null;
			continue;
		}
		if (sqlval_compare(&cmp, &a[i], &b[i], c->a, &c->err))
			return sqlexec_fail_err(c, AB_BATCH, &c->err, 1);
		*same = cmp == 0;
	}
	return 0;
}

/* --- ordering, DISTINCT, TOP --------------------------------------------- */

static int row_cmp(struct sqlctx *c, const struct sqlselect *q, const struct outrow *a,
                   const struct outrow *b)
{
	for (size_t k = 0; k < q->n_order; k++) {
		const struct lab_value *x = &a->keys[k], *y = &b->keys[k];
		int cmp = 0;

		if (x->is_null || y->is_null)
			cmp = x->is_null && y->is_null ? 0 : x->is_null ? -1 : 1;
		else if (sqlval_compare(&cmp, x, y, c->a, &c->err))
			cmp = 0;
		if (cmp)
			return q->order[k].desc ? -cmp : cmp;
	}
	return 0;
}

static void merge_sort(struct sqlctx *c, const struct sqlselect *q, struct outrow *v,
                       struct outrow *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(c, q, v, tmp, mid);
	merge_sort(c, q, v + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = row_cmp(c, q, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static int distinct(struct sqlctx *c, struct result *res, size_t n_cols)
{
	size_t out = 0;

	for (size_t r = 0; r < res->rows.len; r++) {
		bool dup = false;

		for (size_t p = 0; p < out && !dup; p++)
			if (query_same_keys(c, res->rows.items[p].vals, res->rows.items[r].vals,
			                    n_cols, &dup))
				return -1;
		if (!dup)
			res->rows.items[out++] = res->rows.items[r];
	}
	res->rows.len = out;
	return 0;
}

static int top_count(struct sqlctx *c, const struct sqlselect *q, size_t *n)
{
	struct lab_value v, iv;
	struct evalenv env;
	struct sqltype t = {LAB_T_BIGINT, 8, 19, 0};

	memset(&env, 0, sizeof(env));
	if (sqleval(c, &env, q->top, &v))
		return -1;
	if (sqlval_convert(&iv, &v, &t, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, q->top->line);
	if (iv.is_null || iv.i < 0)
		return sqlexec_fail(c, AB_STMT, 127, 15, q->top->line,
		                    "A TOP N value may not be negative.");
	if ((uint64_t)iv.i < *n)
		*n = (size_t)iv.i;
	return 0;
}

/* --- the statement ------------------------------------------------------- */

static int assign_vars(struct sqlctx *c, const struct sqlselect *q, const struct result *res)
{
	for (size_t i = 0; i < q->n_items; i++) {
		struct sqlvar *v;

		if (!q->items[i].assign)
			return sqlexec_fail(c, AB_SCOPE, 141, 15, 1,
			                    "A SELECT statement that assigns a value to a variable "
			                    "must not be combined with data-retrieval operations.");
		v = sqlexec_var(c, q->items[i].assign);
		if (!v)
			return sqlexec_fail(c, AB_BATCH, 137, 15, 1,
			                    "Must declare the scalar variable \"%s\".",
			                    q->items[i].assign);
		if (res->rows.len) {
			struct lab_value conv;
			const struct lab_value *src = &res->rows.items[res->rows.len - 1].vals[i];

			if (sqlval_convert(&conv, src, &v->type, -1, c->a, &c->err))
				return sqlexec_fail_err(c, AB_BATCH, &c->err, 1);
			v->v = conv;
		}
	}
	return 0;
}

static void emit(struct sqlctx *c, const struct outcols *oc, const struct result *res)
{
	struct lab_column *cols =
	        arena_calloc(c->a, oc->cols.len ? oc->cols.len : 1, sizeof(*cols));

	if (oc->cols.len)
		memcpy(cols, oc->cols.items, oc->cols.len * sizeof(*cols));
	for (size_t k = 0; k < oc->cols.len; k++)
		cols[k].name = arena_strdup(c->a, cols[k].name ? cols[k].name : "");
	sqlout_columns(c, cols, oc->cols.len);
	for (size_t r = 0; r < res->rows.len; r++)
		sqlout_row(c, res->rows.items[r].vals, oc->cols.len);
	sqlout_done(c, LAB_DONE_COUNT, 0xC1, res->rows.len);
}

int query_finish(struct sqlctx *c, const struct sqlselect *q, const struct outcols *oc,
                 struct result *res, bool emit_it, struct rowset *out)
{
	size_t n;

	if (q->distinct && distinct(c, res, oc->cols.len))
		return -1;
	if (q->n_order && res->rows.len > 1) {
		struct outrow *tmp = arena_calloc(c->a, res->rows.len, sizeof(*tmp));

		merge_sort(c, q, res->rows.items, tmp, res->rows.len);
	}
	n = res->rows.len;
	if (q->top && top_count(c, q, &n))
		return -1;
	res->rows.len = n;
	c->rowcount = n;
	if (emit_it) {
		bool assigns = false;

		for (size_t i = 0; i < q->n_items; i++)
			assigns |= q->items[i].assign != NULL;
		if (assigns) {
			if (assign_vars(c, q, res))
				return -1;
			sqlout_done(c, LAB_DONE_COUNT, 0xC1, n);
			return 0;
		}
		emit(c, oc, res);
		return 0;
	}
	{
		struct lab_column *cols = arena_calloc(c->a, oc->cols.len + 1, sizeof(*cols));

		if (oc->cols.len)
			memcpy(cols, oc->cols.items, oc->cols.len * sizeof(*cols));
		out->cols = cols;
	}
	out->n_cols = oc->cols.len;
	out->n_rows = n;
	out->rows = arena_calloc(c->a, n ? n : 1, sizeof(*out->rows));
	for (size_t r = 0; r < n; r++)
		out->rows[r] = res->rows.items[r].vals;
	return 0;
}
