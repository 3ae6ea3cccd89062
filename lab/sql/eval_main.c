/*
 * eval_main: the expression evaluator's dispatch, aggregates (COUNT,
 * MAX, MIN, SUM, AVG over the current group; error 147 outside a select
 * list), CASE, CAST/CONVERT and subqueries (scalar, EXISTS). Recursion
 * depth is bounded by the parser's nesting limit.
 */
#include <stdio.h>
#include <string.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

bool sqleval_has_agg(const struct sqlexpr *e)
{
	if (!e)
		return false;
	if (e->kind == EX_AGG)
		return true;
	if (e->kind == EX_SUBQ || e->kind == EX_EXISTS)
		return false;
	for (size_t i = 0; i < e->n_args; i++)
		if (sqleval_has_agg(e->args[i]))
			return true;
	return false;
}

static int agg_step(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *v,
                    struct lab_value *acc, double *sum, int64_t *isum, uint64_t *count)
{
	int cmp;

	if (v->is_null)
		return 0;
	(*count)++;
	if (!strcmp(e->name, "SUM") || !strcmp(e->name, "AVG")) {
		if (!sqlval_is_num(v->type))
			return sqlexec_fail(c, AB_STMT, 8117, 16, e->line,
			                    "Operand data type %s is invalid for %s operator.",
			                    sqlval_type_name(v->type),
			                    !strcmp(e->name, "SUM") ? "sum" : "avg");
		*sum += sqlval_double(v);
		if (__builtin_add_overflow(*isum, sqlval_is_int(v->type) ? v->i : 0, isum))
			return sqlexec_fail(
			        c, AB_BATCH, 8115, 16, e->line,
			        "Arithmetic overflow error converting %s to data type %s.",
			        "expression", "bigint");
		*acc = *v;
		return 0;
	}
	if (acc->is_null) {
		*acc = *v;
		return 0;
	}
	if (sqlval_compare(&cmp, v, acc, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
	if ((!strcmp(e->name, "MAX") && cmp > 0) || (!strcmp(e->name, "MIN") && cmp < 0))
		*acc = *v;
	return 0;
}

static void agg_finish(struct sqlctx *c, const struct sqlexpr *e, struct lab_value *acc, double sum,
                       int64_t isum, uint64_t count, struct lab_value *out)
{
	bool is_int = !acc->is_null && sqlval_is_int(acc->type);

	if (!strcmp(e->name, "COUNT")) {
		*out = sqlval_int(LAB_T_INT, (int64_t)count);
	} else if (count == 0 || acc->is_null) {
		*out = sqlval_null(acc->type);
	} else if (!strcmp(e->name, "SUM") || !strcmp(e->name, "AVG")) {
		bool avg = !strcmp(e->name, "AVG");

		if (is_int) {
			*out = sqlval_int(
			        acc->type == LAB_T_BIGINT || !avg
			                ? (acc->type == LAB_T_BIGINT ? LAB_T_BIGINT : LAB_T_INT)
			                : LAB_T_INT,
			        avg ? isum / (int64_t)count : isum);
		} else if (acc->type == LAB_T_FLOAT) {
			*out = sqlval_float(avg ? sum / (double)count : sum);
		} else {
			char buf[64];

			snprintf(buf, sizeof(buf), "%.6f", avg ? sum / (double)count : sum);
			*out = sqlval_str(c->a, LAB_T_NUMERIC, buf, strlen(buf));
		}
	} else {
		*out = *acc;
	}
}

static int eval_agg(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_value *out)
{
	struct lab_value acc = sqlval_null(LAB_T_INT), v;
	double sum = 0;
	int64_t isum = 0;
	uint64_t count = 0;
	const struct lab_value **saved;

	if (!env || !env->group)
		return sqlexec_fail(c, AB_SCOPE, 147, 15, e->line,
		                    "An aggregate may not appear in the WHERE clause unless it is "
		                    "in a subquery contained in a HAVING clause or a select list, "
		                    "and the column being aggregated is an outer reference.");
	if (e->star) {
		*out = sqlval_int(LAB_T_INT, (int64_t)env->n_group);
		return 0;
	}
	saved = arena_calloc(c->a, env->n_src ? env->n_src : 1, sizeof(*saved));
	for (size_t s = 0; s < env->n_src; s++)
		saved[s] = env->src[s].cur;
	{
		const struct lab_value ***grp = env->group;
		size_t ng = env->n_group;
		int rc = 0;

		env->group = NULL; /* an aggregate of an aggregate is an error */
		for (size_t g = 0; g < ng && rc == 0; g++) {
			for (size_t s = 0; s < env->n_src; s++)
				env->src[s].cur = grp[g][s];
			rc = sqleval(c, env, e->args[0], &v);
			if (rc == 0)
				rc = agg_step(c, e, &v, &acc, &sum, &isum, &count);
		}
		env->group = grp;
		for (size_t s = 0; s < env->n_src; s++)
			env->src[s].cur = saved[s];
		if (rc)
			return -1;
	}
	agg_finish(c, e, &acc, sum, isum, count, out);
	return 0;
}

static int eval_case(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                     struct lab_value *out)
{
	size_t i = e->has_operand ? 1 : 0;
	size_t end = e->n_args - (e->has_else ? 1 : 0);
	struct lab_value operand, w;
	struct lab_column col;

	if (sqleval_type(c, env, e, &col))
		return -1;
	if (e->has_operand && sqleval(c, env, e->args[0], &operand))
		return -1;
	for (; i + 1 < end; i += 2) {
		int truth;

		if (e->has_operand) {
			struct lab_value t;
			struct sqlexpr cmp = *e;

			snprintf(cmp.op, sizeof(cmp.op), "=");
			if (sqleval(c, env, e->args[i], &w) ||
			    sqleval_cmp(c, &cmp, &operand, &w, &t))
				return -1;
			truth = !t.is_null && t.i;
		} else {
			truth = sqleval_bool(c, env, e->args[i]);
			if (truth < 0)
				return -1;
		}
		if (truth)
			goto result;
	}
	if (!e->has_else) {
		*out = sqlval_null(col.type);
		return 0;
	}
	i = e->n_args - 2;
result:
	if (sqleval(c, env, e->args[i + 1], &w))
		return -1;
	{
		struct sqltype to = {col.type, -1, 0, 0};

		if (sqlval_convert(out, &w, &to, -1, c->a, &c->err))
			return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
	}
	return 0;
}

static int eval_cast(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                     struct lab_value *out)
{
	struct lab_value v, style;
	int st = -1;

	if (sqleval(c, env, e->args[0], &v))
		return -1;
	if (e->n_args > 1) {
		if (sqleval(c, env, e->args[1], &style))
			return -1;
		st = style.is_null || !sqlval_is_int(style.type) ? -1 : (int)style.i;
	}
	if (sqlval_convert(out, &v, &e->to, st, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
	return 0;
}

static int eval_subq(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                     struct lab_value *out)
{
	struct rowset rs;

	if (sqlquery_run(c, env, e->sub, false, &rs))
		return -1;
	if (e->kind == EX_EXISTS) {
		*out = sqlval_int(LAB_T_BIT, rs.n_rows > 0);
		return 0;
	}
	if (rs.n_cols != 1)
		return sqlexec_fail(c, AB_SCOPE, 116, 16, e->line,
		                    "Only one expression can be specified in the select list when "
		                    "the subquery is not introduced with EXISTS.");
	if (rs.n_rows > 1)
		return sqlexec_fail(c, AB_STMT, 512, 16, e->line,
		                    "Subquery returned more than 1 value. This is not permitted "
		                    "when the subquery follows =, !=, <, <= , >, >= or when the "
		                    "subquery is used as an expression.");
	*out = rs.n_rows ? rs.rows[0][0] : sqlval_null(rs.cols[0].type);
	return 0;
}

static int eval_var(struct sqlctx *c, const struct sqlexpr *e, struct lab_value *out)
{
	struct sqlvar *v = sqlexec_var(c, e->name);

	if (!v && c->compiling) {
		*out = sqlval_null(LAB_T_INT); /* declared later in the batch */
		return 0;
	}
	if (!v)
		return sqlexec_fail(c, AB_BATCH, 137, 15, e->line,
		                    "Must declare the scalar variable \"%s\".", e->name);
	*out = v->v;
	return 0;
}

static int eval_bin(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_value *out)
{
	struct lab_value x, y;

	if (!strcmp(e->op, "AND") || !strcmp(e->op, "OR"))
		return sqleval_logic(c, env, e, out);
	if (sqleval(c, env, e->args[0], &x) || sqleval(c, env, e->args[1], &y))
		return -1;
	if (strchr("=<>", e->op[0]))
		return sqleval_cmp(c, e, &x, &y, out);
	return sqleval_arith(c, e, &x, &y, out);
}

static int eval_neg(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_value *out)
{
	struct lab_value v;

	if (sqleval(c, env, e->args[0], &v))
		return -1;
	*out = v;
	if (v.is_null)
		return 0;
	if (sqlval_is_int(v.type)) {
		if (v.i == INT64_MIN || (v.type == LAB_T_INT && v.i == INT32_MIN))
			return sqlexec_fail(
			        c, AB_BATCH, 8115, 16, e->line,
			        "Arithmetic overflow error converting expression to data type %s.",
			        sqlval_type_name(v.type));
		out->i = -v.i;
		if (v.type == LAB_T_TINYINT || v.type == LAB_T_BIT)
			out->type = LAB_T_INT;
	} else if (v.type == LAB_T_FLOAT) {
		out->f = -v.f;
	} else if (v.type == LAB_T_NUMERIC) {
		char *s = arena_alloc(c->a, v.slen + 2);

		if (v.s[0] == '-') {
			memcpy(s, v.s + 1, v.slen - 1);
			out->slen = v.slen - 1;
		} else {
			s[0] = '-';
			memcpy(s + 1, v.s, v.slen);
			out->slen = v.slen + 1;
		}
		out->s = s;
	} else {
		return sqlexec_fail(c, AB_STMT, 8117, 16, e->line,
		                    "Operand data type %s is invalid for minus operator.",
		                    sqlval_type_name(v.type));
	}
	return 0;
}

int sqleval(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e, struct lab_value *out)
{
	struct lab_value v;

	switch (e->kind) {
	case EX_LIT:
		*out = e->lit;
		return 0;
	case EX_VAR:
		return eval_var(c, e, out);
	case EX_GVAR:
	case EX_FUNC:
		return sqlfunc_call(c, env, e, out);
	case EX_COL:
		return sqleval_col(c, env, e, out);
	case EX_NEG:
		return eval_neg(c, env, e, out);
	case EX_NOT:
		if (sqleval(c, env, e->args[0], &v))
			return -1;
		*out = v.is_null ? sqlval_null(LAB_T_BIT) : sqlval_int(LAB_T_BIT, !v.i);
		return 0;
	case EX_BIN:
		return eval_bin(c, env, e, out);
	case EX_ISNULL:
		if (sqleval(c, env, e->args[0], &v))
			return -1;
		*out = sqlval_int(LAB_T_BIT, v.is_null != e->negate);
		return 0;
	case EX_IN:
		return sqleval_in(c, env, e, out);
	case EX_LIKE:
		return sqleval_like(c, env, e, out);
	case EX_BETWEEN:
		return sqleval_between(c, env, e, out);
	case EX_AGG:
		return eval_agg(c, env, e, out);
	case EX_CASE:
		return eval_case(c, env, e, out);
	case EX_CAST:
		return eval_cast(c, env, e, out);
	case EX_SUBQ:
	case EX_EXISTS:
		return eval_subq(c, env, e, out);
	}
	return sqlexec_fail(c, AB_STMT, 102, 15, e->line, "Incorrect syntax near '%s'.", "?");
}
