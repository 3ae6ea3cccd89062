/*
 * eval: expression evaluation with SQL's three-valued logic (a predicate
 * is a BIT value that may be NULL = unknown), column resolution against
 * the FROM sources of the current and outer queries (207, 209, 4104),
 * arithmetic with SQL Server's result types (integer overflow 8115,
 * divide by zero 8134), string concatenation, CASE, CAST/CONVERT,
 * aggregates over a group, and scalar subqueries (512, 116). Functions
 * and @@globals are in eval_func.c, result types in eval_type.c. NUMERIC
 * arithmetic goes through double (LSN arithmetic is meaningless anyway).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

static struct lab_value bit3(int truth)
{
	return truth < 0 ? sqlval_null(LAB_T_BIT) : sqlval_int(LAB_T_BIT, truth);
}

/* --- columns --------------------------------------------------------- */

static bool src_has(const struct scope_src *s, const char *name, size_t *col)
{
	for (size_t k = 0; k < s->rs.n_cols; k++)
		if (strcasecmp(s->rs.cols[k].name, name) == 0) {
			*col = k;
			return true;
		}
	return false;
}

int sqleval_resolve(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct evalenv **fenv, size_t *fsrc, size_t *fcol)
{
	bool qual_seen = false;

	for (struct evalenv *lv = env; lv; lv = lv->outer) {
		size_t hits = 0, col = 0;

		for (size_t s = 0; s < lv->n_src; s++) {
			if (e->qual && strcasecmp(lv->src[s].alias, e->qual) != 0)
				continue;
			qual_seen |= e->qual != NULL;
			if (src_has(&lv->src[s], e->name, &col)) {
				hits++;
				*fenv = lv;
				*fsrc = s;
				*fcol = col;
			}
		}
		if (hits > 1)
			return sqlexec_fail(c, AB_SCOPE, 209, 16, e->line,
			                    "Ambiguous column name '%s'.", e->name);
		if (hits == 1)
			return 0;
	}
	if (e->qual && !qual_seen)
		return sqlexec_fail(c, AB_SCOPE, 4104, 16, e->line,
		                    "The multi-part identifier \"%s.%s\" could not be bound.",
		                    e->qual, e->name);
	return sqlexec_fail(c, AB_SCOPE, 207, 16, e->line, "Invalid column name '%s'.", e->name);
}

int sqleval_col(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                struct lab_value *out)
{
	struct evalenv *fe;
	size_t s, k;

	if (!e->qual && env && env->items) {
		for (size_t i = 0; i < env->n_items; i++)
			if (env->items[i].alias && strcasecmp(env->items[i].alias, e->name) == 0) {
				*out = env->item_vals[i];
				return 0;
			}
	}
	if (sqleval_resolve(c, env, e, &fe, &s, &k))
		return -1;
	*out = fe->src[s].cur ? fe->src[s].cur[k] : sqlval_null(fe->src[s].rs.cols[k].type);
	return 0;
}

/* --- arithmetic ------------------------------------------------------ */

static int int_result(struct sqlctx *c, const struct sqlexpr *e, enum lab_type t, __int128 r,
                      struct lab_value *out)
{
	__int128 lo = t == LAB_T_BIGINT ? INT64_MIN : INT32_MIN;
	__int128 hi = t == LAB_T_BIGINT ? INT64_MAX : INT32_MAX;

	if (r < lo || r > hi)
		return sqlexec_fail(
		        c, AB_BATCH, 8115, 16, e->line,
		        "Arithmetic overflow error converting expression to data type %s.",
		        sqlval_type_name(t));
	*out = sqlval_int(t, (int64_t)r);
	return 0;
}

static int arith_int(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *x,
                     const struct lab_value *y, struct lab_value *out)
{
	enum lab_type t =
	        x->type == LAB_T_BIGINT || y->type == LAB_T_BIGINT ? LAB_T_BIGINT : LAB_T_INT;
	__int128 a = x->i, b = y->i, r;

	switch (e->op[0]) {
	case '+':
		r = a + b;
		break;
	case '-':
		r = a - b;
		break;
	case '*':
		r = a * b;
		break;
	default:
		if (b == 0)
			return sqlexec_fail(c, AB_STMT, 8134, 16, e->line,
			                    "Divide by zero error encountered.");
		r = e->op[0] == '/' ? a / b : a % b;
	}
	return int_result(c, e, t, r, out);
}

static int arith_num(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *x,
                     const struct lab_value *y, struct lab_value *out)
{
	double a = sqlval_double(x), b = sqlval_double(y), r;
	bool flt = x->type == LAB_T_FLOAT || y->type == LAB_T_FLOAT;

	switch (e->op[0]) {
	case '+':
		r = a + b;
		break;
	case '-':
		r = a - b;
		break;
	case '*':
		r = a * b;
		break;
	default:
		if (b == 0)
			return sqlexec_fail(c, AB_STMT, 8134, 16, e->line,
			                    "Divide by zero error encountered.");
		r = e->op[0] == '/' ? a / b : fmod(a, b);
	}
	if (flt) {
		*out = sqlval_float(r);
	} else {
		char buf[64];
		int n;

		if (!(r < 1e32 && r > -1e32))
			return sqlexec_fail(
			        c, AB_BATCH, 8115, 16, e->line,
			        "Arithmetic overflow error converting %s to data type %s.",
			        "expression", "numeric");
		n = snprintf(buf, sizeof(buf), "%.6f", r);

		while (n > 0 && buf[n - 1] == '0')
			n--;
		if (n > 0 && buf[n - 1] == '.')
			n--;
		*out = sqlval_str(c->a, LAB_T_NUMERIC, buf, (size_t)n);
	}
	return 0;
}

static int concat(struct sqlctx *c, const struct lab_value *x, const struct lab_value *y,
                  struct lab_value *out)
{
	size_t xn, yn;
	const char *xs = sqlval_text(x, c->a, &xn), *ys = sqlval_text(y, c->a, &yn);
	char *buf = arena_alloc(c->a, xn + yn + 1);

	memcpy(buf, xs, xn);
	memcpy(buf + xn, ys, yn);
	*out = sqlval_null(x->type == LAB_T_NVARCHAR || y->type == LAB_T_NVARCHAR ? LAB_T_NVARCHAR
	                                                                          : LAB_T_VARCHAR);
	out->is_null = false;
	out->s = buf;
	out->slen = xn + yn;
	return 0;
}

int sqleval_arith(struct sqlctx *c, const struct sqlexpr *e, struct lab_value *x,
                  struct lab_value *y, struct lab_value *out)
{
	enum lab_type t =
	        sqlval_precedence(x->type) >= sqlval_precedence(y->type) ? x->type : y->type;
	struct sqltype to = {t, -1, 0, 0};

	if (x->is_null || y->is_null) {
		*out = sqlval_null(e->args[0]->kind == EX_LIT && x->is_null   ? y->type
		                   : e->args[1]->kind == EX_LIT && y->is_null ? x->type
		                                                              : t);
		return 0;
	}
	if (e->op[0] == '+' && sqlval_is_text(x->type) && sqlval_is_text(y->type))
		return concat(c, x, y, out);
	if (sqlval_is_time(t) && (e->op[0] == '+' || e->op[0] == '-') &&
	    sqlval_is_num(sqlval_is_time(x->type) ? y->type : x->type)) {
		const struct lab_value *tv = sqlval_is_time(x->type) ? x : y;
		const struct lab_value *nv = tv == x ? y : x;
		double us = sqlval_double(nv) * (e->op[0] == '-' ? -1 : 1) * 86400e6 +
		            (double)tv->time_us;

		if (!(us > -6.2135596800e16 && us < 2.53402300799e17))
			return sqlexec_fail(c, AB_STMT, 517, 16, e->line,
			                    "Adding a value to a '%s' column caused an overflow.",
			                    sqlval_type_name(tv->type));
		*out = sqlval_time(tv->type, (int64_t)llround(us));
		return 0;
	}
	if (!sqlval_is_num(t))
		return sqlexec_fail(c, AB_STMT, 8117, 16, e->line,
		                    "Operand data type %s is invalid for %s operator.",
		                    sqlval_type_name(t),
		                    e->op[0] == '+'   ? "add"
		                    : e->op[0] == '-' ? "subtract"
		                    : e->op[0] == '*' ? "multiply"
		                    : e->op[0] == '/' ? "divide"
		                                      : "modulo");
	if (sqlval_convert(x, x, &to, -1, c->a, &c->err) ||
	    sqlval_convert(y, y, &to, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
	if (sqlval_is_int(x->type) && sqlval_is_int(y->type))
		return arith_int(c, e, x, y, out);
	return arith_num(c, e, x, y, out);
}

/* --- predicates ------------------------------------------------------ */

static int compare(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *x,
                   const struct lab_value *y, int *cmp)
{
	if (sqlval_compare(cmp, x, y, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
	return 0;
}

int sqleval_cmp(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *x,
                const struct lab_value *y, struct lab_value *out)
{
	int cmp, t;

	if (x->is_null || y->is_null) {
		*out = bit3(-1);
		return 0;
	}
	if (compare(c, e, x, y, &cmp))
		return -1;
	if (!strcmp(e->op, "="))
		t = cmp == 0;
	else if (!strcmp(e->op, "<>"))
		t = cmp != 0;
	else if (!strcmp(e->op, "<"))
		t = cmp < 0;
	else if (!strcmp(e->op, ">"))
		t = cmp > 0;
	else if (!strcmp(e->op, "<="))
		t = cmp <= 0;
	else
		t = cmp >= 0;
	*out = bit3(t);
	return 0;
}

static int truth_of(const struct lab_value *v)
{
	return v->is_null ? -1 : v->i != 0;
}

int sqleval_logic(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                  struct lab_value *out)
{
	struct lab_value x, y;
	int a, b;

	if (sqleval(c, env, e->args[0], &x))
		return -1;
	a = truth_of(&x);
	if (!strcmp(e->op, "AND") && a == 0) {
		*out = bit3(0);
		return 0;
	}
	if (!strcmp(e->op, "OR") && a == 1) {
		*out = bit3(1);
		return 0;
	}
	if (sqleval(c, env, e->args[1], &y))
		return -1;
	b = truth_of(&y);
	if (!strcmp(e->op, "AND"))
		*out = bit3(b == 0 ? 0 : (a < 0 || b < 0) ? -1 : 1);
	else
		*out = bit3(b == 1 ? 1 : (a < 0 || b < 0) ? -1 : 0);
	return 0;
}

int sqleval_in(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
               struct lab_value *out)
{
	struct lab_value x, y;
	bool unknown = false;
	int cmp;

	if (sqleval(c, env, e->args[0], &x))
		return -1;
	if (e->star) {
		struct rowset rs;

		if (sqlquery_run(c, env, e->args[1]->sub, false, &rs))
			return -1;
		for (size_t r = 0; r < rs.n_rows; r++) {
			y = rs.rows[r][0];
			if (x.is_null || y.is_null) {
				unknown = true;
			} else {
				if (compare(c, e, &x, &y, &cmp))
					return -1;
				if (cmp == 0) {
					*out = bit3(!e->negate);
					return 0;
				}
			}
		}
	} else {
		for (size_t i = 1; i < e->n_args; i++) {
			if (sqleval(c, env, e->args[i], &y))
				return -1;
			if (x.is_null || y.is_null) {
				unknown = true;
				continue;
			}
			if (compare(c, e, &x, &y, &cmp))
				return -1;
			if (cmp == 0) {
				*out = bit3(!e->negate);
				return 0;
			}
		}
	}
	*out = bit3(unknown ? -1 : e->negate);
	return 0;
}

int sqleval_like(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_value *out)
{
	struct lab_value x, p;
	size_t xn, pn;
	const char *xs, *ps;

	if (sqleval(c, env, e->args[0], &x) || sqleval(c, env, e->args[1], &p))
		return -1;
	if (x.is_null || p.is_null) {
		*out = bit3(-1);
		return 0;
	}
	xs = sqlval_text(&x, c->a, &xn);
	ps = sqlval_text(&p, c->a, &pn);
	*out = bit3(sqlval_like(xs, xn, ps, pn) != e->negate);
	return 0;
}

int sqleval_between(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_value *out)
{
	struct lab_value x, lo, hi;
	int a, b;

	if (sqleval(c, env, e->args[0], &x) || sqleval(c, env, e->args[1], &lo) ||
	    sqleval(c, env, e->args[2], &hi))
		return -1;
	if (x.is_null || lo.is_null || hi.is_null) {
		*out = bit3(-1);
		return 0;
	}
	if (compare(c, e, &x, &lo, &a) || compare(c, e, &x, &hi, &b))
		return -1;
	*out = bit3((a >= 0 && b <= 0) != e->negate);
	return 0;
}

static bool is_predicate(const struct sqlexpr *e)
{
	switch (e->kind) {
	case EX_NOT:
	case EX_ISNULL:
	case EX_IN:
	case EX_LIKE:
	case EX_BETWEEN:
	case EX_EXISTS:
		return true;
	case EX_BIN:
		return strchr("=<>", e->op[0]) || !strcmp(e->op, "AND") || !strcmp(e->op, "OR");
	default:
		return false;
	}
}

int sqleval_bool(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e)
{
	struct lab_value v;

	if (!is_predicate(e))
		return sqlexec_fail(c, AB_SCOPE, 4145, 15, e->line,
		                    "An expression of non-boolean type specified in a context "
		                    "where a condition is expected, near '%s'.",
		                    e->kind == EX_COL ? e->name : "WHERE");
	if (sqleval(c, env, e, &v))
		return -1;
	if (0)
		return -1;
	return truth_of(&v) == 1;
}
