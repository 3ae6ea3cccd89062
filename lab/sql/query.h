/*
 * query: what the two halves of SELECT execution share: query.c joins,
 * groups and projects; query_finish.c orders, removes duplicates, applies
 * TOP and sends or returns the rows. Internal to lab/sql.
 */
#ifndef PCDR_LAB_SQL_QUERY_H
#define PCDR_LAB_SQL_QUERY_H

#include "lab/sql/exec.h"

struct outcols {
	VEC(struct lab_column) cols;
	VEC(const struct sqlexpr *) exprs; /* NULL: star column (src, col) */
	VEC(size_t) star_src;
	VEC(size_t) star_col;
};

struct outrow {
	struct lab_value *vals;
	struct lab_value *keys;
};

struct result {
	VEC(struct outrow) rows;
};

/* Are two key vectors equal (NULLs equal each other)? 0 or -1. */
int query_same_keys(struct sqlctx *c, const struct lab_value *a, const struct lab_value *b,
                    size_t n, bool *same);
/* ORDER BY, DISTINCT, TOP, then send the result set (or assign the
 * variables) or fill *out. 0 or -1. */
int query_finish(struct sqlctx *c, const struct sqlselect *q, const struct outcols *oc,
                 struct result *res, bool emit_it, struct rowset *out);

#endif
