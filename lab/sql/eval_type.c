/*
 * eval_type: the result column metadata (type, length, precision,
 * scale, nullability) of an expression, as SQL Server derives it: a
 * column keeps its declared type, literals their literal type, mixed
 * expressions take the type of higher precedence, concatenation adds
 * lengths, CASE/COALESCE take the highest precedence of their results.
 * Column names are set by the query, not here.
 */
#include <string.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

static void set(struct lab_column *c, enum lab_type t, int32_t len, uint8_t p, uint8_t s,
                bool nullable)
{
	c->name = "";
	c->type = t;
	c->length = len;
	c->precision = p;
	c->scale = s;
	c->nullable = nullable;
}

static void from_sqltype(struct lab_column *c, const struct sqltype *t, bool nullable)
{
	int32_t len = t->length;

	if (t->type == LAB_T_NVARCHAR || t->type == LAB_T_VARCHAR || t->type == LAB_T_VARBINARY)
		len = t->length == 0 ? 1 : t->length;
	set(c, t->type, len, t->precision, t->scale, nullable);
}

static bool null_literal(const struct sqlexpr *e)
{
	return e->kind == EX_LIT && e->lit.is_null;
}

/* Combine two result types (CASE, COALESCE, arithmetic). */
static void merge(struct lab_column *acc, const struct lab_column *x)
{
	if (sqlval_precedence(x->type) > sqlval_precedence(acc->type)) {
		bool n = acc->nullable;
		int32_t len = acc->length;

		*acc = *x;
		acc->nullable |= n;
		if (sqlval_is_text(x->type) && len > acc->length && acc->length != -1)
			acc->length = len;
		return;
	}
	acc->nullable |= x->nullable;
	if (sqlval_is_text(acc->type) && sqlval_is_text(x->type) &&
	    (x->length == -1 || (acc->length != -1 && x->length > acc->length)))
		acc->length = x->length;
	if (acc->type == LAB_T_NUMERIC && x->type == LAB_T_NUMERIC) {
		if (x->scale > acc->scale)
			acc->scale = x->scale;
		if (x->precision > acc->precision)
			acc->precision = x->precision;
	}
}

static int type_bin(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_column *out)
{
	struct lab_column x, y;

	if (strchr("=<>", e->op[0]) || !strcmp(e->op, "AND") || !strcmp(e->op, "OR")) {
		set(out, LAB_T_BIT, 1, 1, 0, true);
		return 0;
	}
	if (sqleval_type(c, env, e->args[0], &x) || sqleval_type(c, env, e->args[1], &y))
		return -1;
	if (null_literal(e->args[0]) || null_literal(e->args[1])) {
		*out = null_literal(e->args[0]) ? y : x;
		out->nullable = true;
		return 0;
	}
	if (e->op[0] == '+' && sqlval_is_text(x.type) && sqlval_is_text(y.type)) {
		int32_t max = x.type == LAB_T_NVARCHAR || y.type == LAB_T_NVARCHAR ? 4000 : 8000;

		*out = x;
		out->type = x.type == LAB_T_NVARCHAR || y.type == LAB_T_NVARCHAR ? LAB_T_NVARCHAR
		                                                                 : LAB_T_VARCHAR;
		out->length = x.length == -1 || y.length == -1 || x.length + y.length > max
		                      ? -1
		                      : x.length + y.length;
		out->nullable = x.nullable || y.nullable;
		return 0;
	}
	*out = x;
	merge(out, &y);
	if (out->type == LAB_T_TINYINT || out->type == LAB_T_SMALLINT || out->type == LAB_T_BIT)
		set(out, LAB_T_INT, 4, 10, 0, out->nullable);
	if (out->type == LAB_T_NUMERIC)
		set(out, LAB_T_NUMERIC, 17, 38, 6, true);
	return 0;
}

static int type_agg(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_column *out)
{
	if (!strcmp(e->name, "COUNT")) {
		set(out, LAB_T_INT, 4, 10, 0, false);
		return 0;
	}
	if (sqleval_type(c, env, e->args[0], out))
		return -1;
	out->nullable = true;
	if (!strcmp(e->name, "SUM") || !strcmp(e->name, "AVG")) {
		if (sqlval_is_int(out->type))
			set(out, out->type == LAB_T_BIGINT ? LAB_T_BIGINT : LAB_T_INT,
			    out->type == LAB_T_BIGINT ? 8 : 4, 10, 0, true);
		else if (out->type == LAB_T_NUMERIC)
			set(out, LAB_T_NUMERIC, 17, 38, 6, true);
	}
	return 0;
}

static int type_case(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                     struct lab_column *out)
{
	size_t i = e->has_operand ? 2 : 1;
	bool first = true;
	struct lab_column x;

	for (; i + (e->has_else ? 1 : 0) < e->n_args; i += 2) {
		if (null_literal(e->args[i]))
			continue;
		if (sqleval_type(c, env, e->args[i], &x))
			return -1;
		if (first)
			*out = x;
		else
			merge(out, &x);
		first = false;
	}
	if (e->has_else && !null_literal(e->args[e->n_args - 1])) {
		if (sqleval_type(c, env, e->args[e->n_args - 1], &x))
			return -1;
		if (first)
			*out = x;
		else
			merge(out, &x);
	} else {
		out->nullable = true;
	}
	return 0;
}

static int type_col(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_column *out)
{
	struct evalenv *fe;
	size_t s, k;

	if (!e->qual && env && env->items) {
		for (size_t i = 0; i < env->n_items; i++)
			if (env->items[i].alias && strcmp(env->items[i].alias, e->name) == 0) {
				set(out, env->item_vals[i].type, -1, 38, 6, true);
				return 0;
			}
	}
	if (sqleval_resolve(c, env, e, &fe, &s, &k))
		return -1;
	*out = fe->src[s].rs.cols[k];
	if (fe != env)
		out->nullable = true;
	return 0;
}

int sqleval_type(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_column *out)
{
	struct sqlvar *v;
	struct rowset rs;

	set(out, LAB_T_INT, 4, 10, 0, true); /* every path below may refine it */
	switch (e->kind) {
	case EX_LIT:
		from_sqltype(out, &e->to, e->lit.is_null);
		return 0;
	case EX_VAR:
		v = sqlexec_var(c, e->name);
		if (!v && c->compiling) {
			set(out, LAB_T_INT, 4, 10, 0, true);
			return 0;
		}
		if (!v)
			return sqlexec_fail(c, AB_BATCH, 137, 15, e->line,
			                    "Must declare the scalar variable \"%s\".", e->name);
		from_sqltype(out, &v->type, true);
		return 0;
	case EX_GVAR:
	case EX_FUNC:
		return sqlfunc_type(c, env, e, out);
	case EX_COL:
		return type_col(c, env, e, out);
	case EX_NEG:
		return sqleval_type(c, env, e->args[0], out);
	case EX_BIN:
		return type_bin(c, env, e, out);
	case EX_NOT:
	case EX_ISNULL:
	case EX_IN:
	case EX_LIKE:
	case EX_BETWEEN:
	case EX_EXISTS:
		set(out, LAB_T_BIT, 1, 1, 0, true);
		return 0;
	case EX_AGG:
		return type_agg(c, env, e, out);
	case EX_CASE:
		return type_case(c, env, e, out);
	case EX_CAST:
		from_sqltype(out, &e->to, true);
		return 0;
	case EX_SUBQ:
		if (sqlquery_run(c, env, e->sub, false, &rs))
			return -1;
		if (rs.n_cols < 1)
			return sqlexec_fail(
			        c, AB_SCOPE, 116, 16, e->line,
			        "Only one expression can be specified in the select list when the "
			        "subquery is not introduced with EXISTS.");
		*out = rs.cols[0];
		out->nullable = true;
		return 0;
	}
	set(out, LAB_T_INT, 4, 10, 0, true);
	return 0;
}

static int global_type(struct sqlctx *c, const struct sqlexpr *e, struct lab_column *out)
{
	const char *n = e->name;

	if (!strcmp(n, "SPID"))
		set(out, LAB_T_SMALLINT, 2, 5, 0, false);
	else if (!strcmp(n, "VERSION"))
		set(out, LAB_T_NVARCHAR, 300, 0, 0, true);
	else if (!strcmp(n, "SERVERNAME") || !strcmp(n, "SERVICENAME") || !strcmp(n, "LANGUAGE"))
		set(out, LAB_T_NVARCHAR, 128, 0, 0, true);
	else if (!strcmp(n, "ROWCOUNT") || !strcmp(n, "ERROR") || !strcmp(n, "TRANCOUNT") ||
	         !strcmp(n, "MICROSOFTVERSION"))
		set(out, LAB_T_INT, 4, 10, 0, false);
	else
		return sqlexec_fail(c, AB_BATCH, 137, 15, e->line,
		                    "Must declare the scalar variable \"@@%s\".", n);
	return 0;
}

int sqlfunc_type(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_column *out)
{
	const char *n = e->name;
	struct lab_column x;

	set(out, LAB_T_NVARCHAR, 128, 0, 0, true); /* also with too few arguments */
	if (e->kind == EX_GVAR)
		return global_type(c, e, out);
	if (!strcmp(n, "ERROR_MESSAGE")) {
		set(out, LAB_T_NVARCHAR, 4000, 0, 0, true);
	} else if (!strcmp(n, "ERROR_NUMBER") || !strcmp(n, "ERROR_SEVERITY") ||
	           !strcmp(n, "ERROR_STATE") || !strcmp(n, "ERROR_LINE")) {
		set(out, LAB_T_INT, 4, 10, 0, true);
	} else if (!strcmp(n, "DB_ID") || !strcmp(n, "LEN") || !strcmp(n, "DATEDIFF") ||
	           !strcmp(n, "OBJECT_ID")) {
		set(out, LAB_T_INT, 4, 10, 0, true);
	} else if (!strcmp(n, "GETDATE") || !strcmp(n, "GETUTCDATE")) {
		set(out, LAB_T_DATETIME, 8, 23, 3, false);
	} else if (!strcmp(n, "SYSUTCDATETIME") || !strcmp(n, "SYSDATETIME")) {
		set(out, LAB_T_DATETIME2, 8, 27, 7, false);
	} else if (!strcmp(n, "NEWID")) {
		set(out, LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, false);
	} else if (!strcmp(n, "DATEADD")) {
		if (e->n_args < 3 || sqleval_type(c, env, e->args[2], out))
			return e->n_args < 3 ? 0 : -1;
		if (!sqlval_is_time(out->type))
			set(out, LAB_T_DATETIME, 8, 23, 3, true);
	} else if (!strcmp(n, "ISNULL") || !strcmp(n, "NULLIF") || !strcmp(n, "COALESCE") ||
	           !strcmp(n, "UPPER") || !strcmp(n, "LOWER") || !strcmp(n, "LTRIM") ||
	           !strcmp(n, "RTRIM") || !strcmp(n, "LEFT") || !strcmp(n, "RIGHT") ||
	           !strcmp(n, "SUBSTRING")) {
		size_t first = 0;

		while (first + 1 < e->n_args && null_literal(e->args[first]) &&
		       (!strcmp(n, "COALESCE") || !strcmp(n, "ISNULL")))
			first++;
		if (e->n_args < 1 || sqleval_type(c, env, e->args[first], out))
			return e->n_args < 1 ? 0 : -1;
		for (size_t i = first + 1; !strcmp(n, "COALESCE") && i < e->n_args; i++) {
			if (null_literal(e->args[i]))
				continue;
			if (sqleval_type(c, env, e->args[i], &x))
				return -1;
			merge(out, &x);
		}
		if (!strcmp(n, "ISNULL") && e->n_args == 2) {
			if (sqleval_type(c, env, e->args[1], &x))
				return -1;
			out->nullable = x.nullable;
		} else {
			out->nullable = true;
		}
	} else {
		set(out, LAB_T_NVARCHAR, 128, 0, 0, true);
	}
	out->name = "";
	return 0;
}
