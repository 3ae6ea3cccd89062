/*
 * session: lab_session_batch and lab_session_rpc of engine.h. A batch is
 * parsed whole first (a syntax error fails it before anything runs, as
 * SQL Server compiles before it executes), then run statement by
 * statement; an RPC runs one procedure with DONEINPROC per statement,
 * RETURNSTATUS and DONEPROC. Every response ends with at least one DONE,
 * except a cancelled one, which just stops: the TDS layer sends the
 * attention acknowledgement (DONE with LAB_DONE_ATTN). Memory of a
 * request lives in one arena released when it returns.
 */
#include <stdio.h>
#include <string.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

#define SQL_MAX_BATCH (4u << 20) /* bytes of SQL text in one request */

static void ctx_init(struct sqlctx *c, struct lab_session *s, const struct lab_sink *sink,
                     struct arena *a)
{
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->inst = s->inst;
	c->a = a;
	c->sink = sink;
	c->proc = "";
	pthread_mutex_lock(&s->inst->lock);
	s->batches++;
	s->last_batch_us = sqlval_now_us();
	s->running = true;
	pthread_mutex_unlock(&s->inst->lock);
}

/* A KILLed session: 596 and the connection closes. */
static int killed(struct lab_session *s, const struct lab_sink *sink)
{
	struct lab_message m = {true,
	                        596,
	                        1,
	                        21,
	                        "Cannot continue the execution because the session is in the kill "
	                        "state.",
	                        s->inst->name,
	                        "",
	                        1};

	if (!__atomic_load_n(&s->killed, __ATOMIC_ACQUIRE))
		return 0;
	if (sink->message)
		sink->message(sink->ctx, &m);
	if (sink->done)
		sink->done(sink->ctx, LAB_DONE, LAB_DONE_ERROR, 0, 0);
	return -1;
}

static int ctx_finish(struct sqlctx *c)
{
	int rc = c->abort == AB_CONN ? -1 : 0;

	if (__atomic_load_n(&c->s->killed, __ATOMIC_ACQUIRE)) {
		vec_free(&c->out);
		return killed(c->s, c->sink);
	}

	if (c->cancelled) {
		c->out.len = 0; /* the client asked for nothing more */
	} else if (!c->done_sent && c->out.len == 0) {
		sqlout_done(c, 0, 0, 0);
	}
	sqlout_flush(c);
	if (!c->done_sent && !c->cancelled && c->sink->done)
		c->sink->done(c->sink->ctx, LAB_DONE, rc ? LAB_DONE_ERROR : 0, 0, 0);
	pthread_mutex_lock(&c->inst->lock);
	c->s->running = false;
	pthread_mutex_unlock(&c->inst->lock);
	vec_free(&c->out);
	return rc;
}

int lab_session_batch(struct lab_session *session, const char *sql, const struct lab_sink *sink)
{
	struct arena a = ARENA_INIT;
	struct sqlctx c;
	struct sqlbatch b;
	struct sqlerr e;
	size_t len = strlen(sql);
	int rc;

	if (killed(session, sink))
		return -1;
	ctx_init(&c, session, sink, &a);
	memset(&e, 0, sizeof(e));
	if (len > SQL_MAX_BATCH) {
		sqlexec_fail(&c, AB_BATCH, 123, 15, 1,
		             "Batch/procedure exceeds maximum length of %u characters.",
		             SQL_MAX_BATCH);
		sqlout_done(&c, LAB_DONE_ERROR, 0, 0);
	} else if (sqlparse_batch(&b, sql, len, &a, &e)) {
		sqlexec_fail_err(&c, AB_BATCH, &e, e.line);
		sqlout_done(&c, LAB_DONE_ERROR, 0, 0);
	} else {
		sqlexec_batch(&c, &b);
	}
	rc = ctx_finish(&c);
	arena_release(&a);
	return rc;
}

static void to_procargs(struct sqlctx *c, const struct lab_param *params, size_t n,
                        struct procarg *args)
{
	for (size_t i = 0; i < n; i++) {
		args[i].name = params[i].name && *params[i].name ? params[i].name : NULL;
		args[i].value = sqlval_dup(c->a, &params[i].value);
		args[i].output = params[i].output;
	}
}

static int parse_proc_name(struct sqlctx *c, const char *proc, struct sqlname *out)
{
	struct sqlbatch b;
	struct sqlerr e;
	size_t n = strlen(proc);
	char *sql;

	if (n == 0 || n > 600)
		return -1;
	sql = arena_alloc(c->a, n + 8);
	memcpy(sql, "EXEC ", 5);
	memcpy(sql + 5, proc, n);
	memset(&e, 0, sizeof(e));
	if (sqlparse_batch(&b, sql, n + 5, c->a, &e) || b.n != 1 || b.stmts[0]->kind != ST_EXEC ||
	    b.stmts[0]->n_xargs || b.stmts[0]->expr)
		return -1;
	*out = b.stmts[0]->obj;
	return 0;
}

/* RETURNVALUE for every OUTPUT parameter: what the procedure wrote into
 * it (procbind_output), else the value passed. After RETURNSTATUS. */
static void return_values(struct sqlctx *c, const struct lab_param *params,
                          const struct procarg *args, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any = any || params[i].output;
	if (!any || !c->sink->return_value)
		return;
	sqlout_flush(c);
	for (size_t i = 0; i < n; i++)
		if (params[i].output)
			c->sink->return_value(c->sink->ctx, (uint16_t)i,
			                      params[i].name ? params[i].name : "", &args[i].value);
}

int lab_session_rpc(struct lab_session *session, const char *proc, const struct lab_param *params,
                    size_t n_params, const struct lab_sink *sink)
{
	struct arena a = ARENA_INIT;
	struct sqlctx c;
	struct sqlname name;
	struct procarg *args;
	int32_t status = 0;
	int rc = 1;

	if (killed(session, sink))
		return -1;
	ctx_init(&c, session, sink, &a);
	args = arena_calloc(&a, n_params + 1, sizeof(*args));
	to_procargs(&c, params, n_params, args);
	c.proc = arena_strdup(&a, proc && *proc ? proc : "?");
	if (parse_proc_name(&c, c.proc, &name) == 0)
		rc = sqlproc_call(&c, &name, args, n_params, 1, &status);
	if (rc == 1) {
		char text[700];

		snprintf(text, sizeof(text), "Could not find stored procedure '%s'.", c.proc);
		c.proc = "";
		sqlexec_message(&c, 2812, 16, 62, 1, text);
		status = 0;
	}
	if (!c.cancelled && c.abort != AB_CONN) {
		struct outev ev;

		sqlout_return_status(&c, rc ? (status ? status : -6) : status);
		return_values(&c, params, args, n_params);
		memset(&ev, 0, sizeof(ev));
		ev.kind = OUT_DONE;
		ev.done_kind = LAB_DONE_PROC;
		ev.status = rc ? LAB_DONE_ERROR : 0;
		vec_push(&c.out, ev);
	}
	rc = ctx_finish(&c);
	arena_release(&a);
	return rc;
}
