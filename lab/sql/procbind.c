/*
 * procbind: see procbind.h. Conversions use the engine's CAST rules
 * (sqlval_convert), so '60' binds to an int parameter as SQL Server's
 * implicit conversion does. No parameter type checks beyond that.
 */
#include "lab/sql/procbind.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/value.h"

int procbind_bind(struct sqlctx *c, struct procbind *b, struct procarg *args, size_t n)
{
	size_t pos = 0;

	memset(b->slot, 0, sizeof(b->slot));
	for (size_t i = 0; i < n; i++) {
		size_t k = pos;

		if (args[i].name) {
			for (k = 0; k < b->n && strcasecmp(b->names[k], args[i].name); k++)
				;
			if (k == b->n) {
				sqlexec_fail(c, AB_STMT, 8145, 16, b->line,
				             "%s is not a parameter for procedure %s.",
				             args[i].name, b->proc);
				return -1;
			}
		} else {
			pos++;
		}
		if (k >= b->n || k >= sizeof(b->slot) / sizeof(b->slot[0])) {
			sqlexec_fail(c, AB_STMT, 8144, 16, b->line,
			             "Procedure or function %s has too many arguments specified.",
			             b->proc);
			return -1;
		}
		b->slot[k] = args[i].is_default ? NULL : &args[i];
	}
	return 0;
}

static struct procarg *slot_of(const struct procbind *b, const char *name)
{
	for (size_t k = 0; k < b->n; k++)
		if (!strcasecmp(b->names[k], name))
			return b->slot[k];
	return NULL;
}

const struct lab_value *procbind_value(const struct procbind *b, const char *name)
{
	struct procarg *a = slot_of(b, name);

	return a && !a->value.is_null ? &a->value : NULL;
}

bool procbind_given(const struct procbind *b, const char *name)
{
	return procbind_value(b, name) != NULL;
}

const char *procbind_text(struct sqlctx *c, const struct procbind *b, const char *name)
{
	const struct lab_value *v = procbind_value(b, name);
	size_t len;

	return v ? sqlval_text(v, c->a, &len) : NULL;
}

int procbind_int(struct sqlctx *c, const struct procbind *b, const char *name, int64_t dflt,
                 int64_t *out)
{
	const struct lab_value *v = procbind_value(b, name);
	struct sqltype t = {LAB_T_BIGINT, 8, 19, 0};
	struct lab_value r;

	*out = dflt;
	if (!v)
		return 0;
	if (sqlval_convert(&r, v, &t, -1, c->a, &c->err)) {
		sqlexec_fail_err(c, AB_STMT, &c->err, b->line);
		return -1;
	}
	*out = r.i;
	return 0;
}

int procbind_guid(struct sqlctx *c, const struct procbind *b, const char *name, uint8_t out[16])
{
	const struct lab_value *v = procbind_value(b, name);
	struct sqltype t = {LAB_T_UNIQUEIDENTIFIER, 16, 0, 0};
	struct lab_value r;

	if (!v)
		return 0;
	if (sqlval_convert(&r, v, &t, -1, c->a, &c->err)) {
		sqlexec_fail_err(c, AB_STMT, &c->err, b->line);
		return -1;
	}
	memcpy(out, r.guid, 16);
	return 1;
}

int procbind_require(struct sqlctx *c, const struct procbind *b, const char *name)
{
	if (procbind_given(b, name))
		return 0;
	return sqlexec_fail(c, AB_STMT, 201, 16, b->line,
	                    "Procedure or function '%s' expects parameter '%s', which was not "
	                    "supplied.",
	                    b->proc, name);
}

void procbind_output(struct sqlctx *c, const struct procbind *b, const char *name,
                     const struct lab_value *v)
{
	struct procarg *a = slot_of(b, name);
	struct sqlvar *var;

	if (!a || !a->output)
		return;
	a->value = sqlval_dup(c->a, v); /* what an RPC caller gets back (RETURNVALUE) */
	if (!a->var || !(var = sqlexec_var(c, a->var)))
		return;
	if (sqlval_convert(&var->v, v, &var->type, -1, c->a, &c->err))
		var->v = sqlval_null(var->type.type);
}

void procbind_output_guid(struct sqlctx *c, const struct procbind *b, const char *name,
                          const uint8_t g[16])
{
	struct lab_value v = sqlval_null(LAB_T_UNIQUEIDENTIFIER);

	v.is_null = false;
	memcpy(v.guid, g, 16);
	procbind_output(c, b, name, &v);
}

void procbind_output_int(struct sqlctx *c, const struct procbind *b, const char *name, int64_t i)
{
	struct lab_value v = sqlval_int(LAB_T_INT, i);

	procbind_output(c, b, name, &v);
}

int procbind_raise(struct sqlctx *c, const struct procbind *b, int32_t number, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sqlexec_message(c, number, 16, 1, b->line, text);
	return 1;
}
