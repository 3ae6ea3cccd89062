/*
 * exec_proc: RAISERROR (with its printf-like message formatting and the
 * severity rules: 0-10 informational and sent as severity 0, 11-18
 * errors, 19-25 only for sysadmin WITH LOG, 20 and up closing the
 * connection) and the EXEC statement: arguments, OUTPUT variables,
 * `EXEC @rc = proc`, RETURNSTATUS and DONEPROC, and error 2812 for an
 * unknown procedure. The procedures themselves are in procs.c.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"
#include "util/strbuf.h"

static int arg_text(struct sqlctx *c, const struct lab_value *v, const char **s, size_t *n)
{
	*s = v->is_null ? "(null)" : sqlval_text(v, c->a, n);
	if (v->is_null)
		*n = 6;
	return 0;
}

/* One %-conversion of RAISERROR's message; `p` points after the '%'. */
static const char *format_one(struct sqlctx *c, struct strbuf *sb, const char *p,
                              const struct lab_value *args, size_t n_args, size_t *k)
{
	char spec[32] = "%", conv;
	size_t sl = 1;

	while (*p && strchr("-+ #0", *p) && sl < 8)
		spec[sl++] = *p++;
	/* width and precision: at most 3 digits each (the message is capped
	 * at 2047 characters anyway); further digits print as text */
	for (int d = 0; isdigit((unsigned char)*p) && d < 3; d++)
		spec[sl++] = *p++;
	if (*p == '.') {
		spec[sl++] = *p++;
		for (int d = 0; isdigit((unsigned char)*p) && d < 3; d++)
			spec[sl++] = *p++;
	}
	if (*p == 'l' || *p == 'h' || (*p == 'I' && p[1] == '6' && p[2] == '4'))
		p += *p == 'I' ? 3 : 1;
	conv = *p ? *p++ : 's';
	if (*k >= n_args) {
		strbuf_puts(sb, "(null)");
		return p;
	}
	if (conv == 's') {
		const char *s;
		size_t n;

		arg_text(c, &args[(*k)++], &s, &n);
		spec[sl++] = '.';
		spec[sl++] = '*';
		spec[sl++] = 's';
		spec[sl] = '\0';
		if (strchr(spec + 1, '.') != strrchr(spec, '.'))
			strbuf_add(sb, s, n); /* explicit precision and ours: keep simple */
		else
			strbuf_printf(sb, spec, (int)n, s);
	} else {
		const struct lab_value *v = &args[(*k)++];
		int64_t i = sqlval_i64(v);

		spec[sl++] = 'l';
		spec[sl++] = 'l';
		spec[sl++] = strchr("diuxXo", conv) ? conv : 'd';
		spec[sl] = '\0';
		strbuf_printf(sb, spec, (long long)i);
	}
	return p;
}

static void format_message(struct sqlctx *c, struct strbuf *sb, const char *fmt,
                           const struct lab_value *args, size_t n_args)
{
	size_t k = 0;

	for (const char *p = fmt; *p;) {
		if (*p != '%') {
			strbuf_putc(sb, *p++);
		} else if (p[1] == '%') {
			strbuf_putc(sb, '%');
			p += 2;
		} else {
			p = format_one(c, sb, p + 1, args, n_args, &k);
		}
	}
}

static int raiserror_args(struct sqlctx *c, const struct sqlstmt *st, struct lab_value *vals)
{
	struct evalenv env;

	memset(&env, 0, sizeof(env));
	for (size_t i = 0; i < st->n_args; i++)
		if (sqleval(c, &env, st->args[i], &vals[i]))
			return -1;
	return 0;
}

int sqlexec_raiserror(struct sqlctx *c, const struct sqlstmt *st)
{
	struct lab_value *v = arena_calloc(c->a, st->n_args, sizeof(*v));
	struct strbuf sb;
	int64_t sev, state, number = 50000;
	const char *text;

	if (raiserror_args(c, st, v))
		return -1;
	sev = sqlval_i64(&v[1]);
	state = sqlval_i64(&v[2]);
	if (sev < 0)
		sev = 0;
	if (sev > 25)
		sev = 25;
	if (state < 0 || state > 255)
		state = 1;
	if (sev > 18 && !(st->with_log && c->s->sysadmin))
		return sqlexec_fail(c, AB_STMT, 2754, 16, st->line,
		                    "Error severity levels greater than 18 can only be specified "
		                    "by members of the sysadmin role, using the WITH LOG option.");
	if (sqlval_is_num(v[0].type) && !v[0].is_null) {
		number = sqlval_i64(&v[0]);
		if (number < 13000 || number == 50000)
			return sqlexec_fail(c, AB_STMT, 2732, 16, st->line,
			                    "Error number %" PRId64
			                    " is invalid. The number must be from %d through %d "
			                    "and it cannot be 50000.",
			                    number, 13000, INT32_MAX);
		return sqlexec_fail(
		        c, AB_STMT, 18054, 16, st->line,
		        "Error %" PRId64
		        ", severity %d, state %d was raised, but no message with that error number "
		        "was found in sys.messages. If error is larger than 50000, make sure the "
		        "user-defined message is added using sp_addmessage.",
		        number, (int)sev, (int)state);
	}
	strbuf_init(&sb, 8192); /* appends past it are dropped (ERR_LIMIT) */
	format_message(c, &sb, v[0].is_null ? "" : v[0].s, v + 3, st->n_args - 3);
	text = strbuf_cstr(&sb);
	sqlexec_message(c, (int32_t)number, (uint8_t)sev, (uint8_t)state, st->line,
	                strlen(text) > 2047 ? arena_strndup(c->a, text, 2047) : text);
	strbuf_release(&sb);
	if (sev >= 20) {
		c->abort = AB_CONN;
		return -1;
	}
	if (sev > 10)
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
	return 0;
}

/* --- EXEC ------------------------------------------------------------ */

static int exec_args(struct sqlctx *c, const struct sqlstmt *st, struct procarg *args)
{
	struct evalenv env;

	memset(&env, 0, sizeof(env));
	for (size_t i = 0; i < st->n_xargs; i++) {
		const struct sqlarg *a = &st->xargs[i];

		args[i].name = a->name;
		args[i].output = a->output;
		if (!a->value) {
			args[i].is_default = true;
			continue;
		}
		if (a->output && a->value->kind == EX_VAR)
			args[i].var = a->value->name;
		if (sqleval(c, &env, a->value, &args[i].value))
			return -1;
	}
	return 0;
}

static void done_proc(struct sqlctx *c, uint16_t status)
{
	struct outev ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = OUT_DONE;
	ev.done_kind = LAB_DONE_PROC;
	ev.status = status;
	ev.curcmd = 0xE0;
	vec_push(&c->out, ev);
}

int sqlexec_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	struct procarg *args = arena_calloc(c->a, st->n_xargs ? st->n_xargs : 1, sizeof(*args));
	const char *saved_proc = c->proc;
	int32_t status = 0;
	int rc;

	pthread_mutex_lock(&c->inst->lock);
	rc = exec_args(c, st, args);
	pthread_mutex_unlock(&c->inst->lock);
	if (rc) {
		sqlout_done(c, LAB_DONE_ERROR, 0xE0, 0);
		return -1;
	}
	sqlout_flush(c);
	c->proc = st->obj.name;
	rc = sqlproc_call(c, &st->obj, args, st->n_xargs, st->line, &status);
	c->proc = saved_proc;
	if (rc == 1) {
		char text[600];

		snprintf(text, sizeof(text), "Could not find stored procedure '%s'.", st->obj.text);
		sqlexec_message(c, 2812, 16, 62, st->line, text);
		if (c->abort < AB_STMT)
			c->abort = AB_STMT;
		sqlout_done(c, LAB_DONE_ERROR, 0xE0, 0);
		return -1;
	}
	if (st->name && rc == 0) {
		struct sqlvar *v = sqlexec_var(c, st->name);
		struct lab_value sv = sqlval_int(LAB_T_INT, status);

		if (!v)
			return sqlexec_fail(c, AB_BATCH, 137, 15, st->line,
			                    "Must declare the scalar variable \"%s\".", st->name);
		v->v = sv;
	}
	if (!*c->proc) {
		sqlout_return_status(c, rc ? (status ? status : -6) : status);
		done_proc(c, rc ? LAB_DONE_ERROR : 0);
	}
	return rc;
}
