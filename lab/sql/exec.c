/*
 * exec: runs parsed batches. Each leaf statement runs under its
 * instance's lock and queues its output; the queue goes to the sink after
 * the lock is released. Errors unwind as far as SQL Server unwinds them
 * (exec.h: statement, scope, batch, connection); row counts go in DONE
 * unless SET NOCOUNT ON; cancellation is polled between statements.
 * Control flow (IF/ELSE, BEGIN/END, RETURN) is here; the statements
 * themselves are in exec_stmt.c and exec_dml.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

/* --- output queue --------------------------------------------------- */

static struct outev *push_ev(struct sqlctx *c, enum outev_kind kind)
{
	struct outev ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	vec_push(&c->out, ev);
	return &c->out.items[c->out.len - 1];
}

void sqlout_columns(struct sqlctx *c, const struct lab_column *cols, size_t n)
{
	struct outev *ev;

	if (c->capture) { /* INSERT ... EXEC: the rows go to the table */
		if (!c->capture->cols) {
			c->capture->cols = cols;
			c->capture->n_cols = n;
		} else if (n != c->capture->n_cols) {
			c->capture->mismatch = true;
		}
		return;
	}
	ev = push_ev(c, OUT_COLS);

	ev->cols = cols;
	ev->n = n;
}

void sqlout_row(struct sqlctx *c, const struct lab_value *vals, size_t n)
{
	struct outev *ev;

	if (c->capture) {
		if (n == c->capture->n_cols)
			vec_push(&c->capture->rows, vals);
		else
			c->capture->mismatch = true;
		return;
	}
	ev = push_ev(c, OUT_ROW);

	ev->vals = vals;
	ev->n = n;
}

void sqlout_done(struct sqlctx *c, uint16_t status, uint16_t curcmd, uint64_t rowcount)
{
	struct outev *ev;

	if (c->catch_pending && (status & LAB_DONE_ERROR))
		return; /* the statement's error went to CATCH */
	ev = push_ev(c, OUT_DONE);
	if (c->s->nocount)
		status &= (uint16_t)~LAB_DONE_COUNT;
	ev->done_kind = *c->proc ? LAB_DONE_IN_PROC : LAB_DONE;
	ev->status = status;
	ev->curcmd = curcmd;
	ev->rowcount = status & LAB_DONE_COUNT ? rowcount : 0;
}

static void queue_msg(struct sqlctx *c, bool is_error, int32_t number, uint8_t severity,
                      uint8_t state, int line, const char *text)
{
	struct outev *ev = push_ev(c, OUT_MSG);

	ev->msg.is_error = is_error;
	ev->msg.number = number;
	ev->msg.severity = severity <= 10 ? 0 : severity;
	ev->msg.state = state;
	ev->msg.text = arena_strdup(c->a, text);
	ev->msg.server = c->inst->name;
	ev->msg.proc = c->proc;
	ev->msg.line = line;
}

void sqlout_info(struct sqlctx *c, int32_t number, uint8_t state, int line, const char *text)
{
	queue_msg(c, false, number, 0, state, line, text);
}

void sqlout_env_database(struct sqlctx *c, const char *new_db, const char *old_db)
{
	struct outev *ev = push_ev(c, OUT_ENVDB);

	ev->s1 = arena_strdup(c->a, new_db);
	ev->s2 = arena_strdup(c->a, old_db);
}

void sqlout_return_status(struct sqlctx *c, int32_t status)
{
	push_ev(c, OUT_RETSTATUS)->ret = status;
}

void sqlout_flush(struct sqlctx *c)
{
	const struct lab_sink *k = c->sink;

	for (size_t i = 0; i < c->out.len; i++) {
		const struct outev *ev = &c->out.items[i];

		switch (ev->kind) {
		case OUT_COLS:
			if (k->columns)
				k->columns(k->ctx, ev->cols, ev->n);
			break;
		case OUT_ROW:
			if (k->row)
				k->row(k->ctx, ev->vals, ev->n);
			break;
		case OUT_DONE:
			c->done_sent = true;
			if (k->done)
				k->done(k->ctx, ev->done_kind, ev->status, ev->curcmd,
				        ev->rowcount);
			break;
		case OUT_MSG:
			if (k->message)
				k->message(k->ctx, &ev->msg);
			break;
		case OUT_ENVDB:
			if (k->env_database)
				k->env_database(k->ctx, ev->s1, ev->s2);
			break;
		case OUT_RETSTATUS:
			if (k->return_status)
				k->return_status(k->ctx, ev->ret);
			break;
		}
	}
	c->out.len = 0;
}

/* --- errors --------------------------------------------------------- */

/*
 * Inside TRY, an error of severity 11-19 is not sent: control goes to
 * CATCH. Errors that end the scope at the TRY's own level (name
 * resolution, compile errors) are not caught there, as the TRY...CATCH
 * page says; from a nested scope (sp_executesql) they are.
 */
static bool try_capture(struct sqlctx *c, enum sqlabort ab, int32_t number, uint8_t severity,
                        uint8_t state, int line, const char *text)
{
	if (c->try_depth == 0 || severity <= 10 || severity >= 20 || c->catch_pending)
		return false;
	if (ab == AB_SCOPE && c->depth == c->try_level)
		return false;
	c->caught.number = number;
	c->caught.severity = severity;
	c->caught.state = state;
	c->caught.line = line;
	c->caught.text = arena_strdup(c->a, text);
	c->caught.proc = c->proc;
	c->catch_pending = true;
	c->error = number;
	return true;
}

static void message_ab(struct sqlctx *c, enum sqlabort ab, int32_t number, uint8_t severity,
                       uint8_t state, int line, const char *text)
{
	if (try_capture(c, ab, number, severity, state, line, text))
		return;
	queue_msg(c, severity > 10, number, severity, state, line, text);
	if (severity > 10)
		c->error = number;
}

void sqlexec_message(struct sqlctx *c, int32_t number, uint8_t severity, uint8_t state, int line,
                     const char *text)
{
	message_ab(c, AB_STMT, number, severity, state, line, text);
}

int sqlexec_fail(struct sqlctx *c, enum sqlabort ab, int32_t number, uint8_t severity, int line,
                 const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	message_ab(c, ab, number, severity, 1, line, text);
	if (ab > c->abort)
		c->abort = ab;
	return -1;
}

int sqlexec_fail_err(struct sqlctx *c, enum sqlabort ab, const struct sqlerr *e, int line)
{
	message_ab(c, ab, e->number, e->severity, e->state, line, e->text);
	if (ab > c->abort)
		c->abort = ab;
	return -1;
}

/* --- control flow ---------------------------------------------------- */

static int exec_stmt(struct sqlctx *c, const struct sqlstmt *st);

static bool poll_cancel(struct sqlctx *c)
{
	if (!c->cancelled && c->sink->cancelled && c->sink->cancelled(c->sink->ctx))
		c->cancelled = true;
	if (!c->cancelled && __atomic_load_n(&c->s->killed, __ATOMIC_ACQUIRE)) {
		c->cancelled = true;
		c->abort = AB_CONN;
	}
	return c->cancelled;
}

static int exec_if(struct sqlctx *c, const struct sqlstmt *st)
{
	struct evalenv env;
	int truth;

	memset(&env, 0, sizeof(env));
	pthread_mutex_lock(&c->inst->lock);
	truth = sqleval_bool(c, &env, st->expr);
	pthread_mutex_unlock(&c->inst->lock);
	if (truth < 0) {
		if (c->abort < AB_STMT)
			c->abort = AB_STMT;
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
		sqlout_flush(c);
		return -1;
	}
	sqlout_flush(c);
	if (truth)
		return exec_stmt(c, st->body[0]);
	if (st->body[1])
		return exec_stmt(c, st->body[1]);
	return 0;
}

/* Milliseconds of a WAITFOR DELAY 'hh:mm[:ss[.mmm]]' (up to 24 hours). */
static int delay_ms(struct sqlctx *c, const struct sqlstmt *st, int64_t *ms)
{
	struct evalenv env;
	struct lab_value v;
	size_t n = 0;
	const char *s;
	char buf[64];
	int64_t us;
	uint16_t ns;
	int rc;

	memset(&env, 0, sizeof(env));
	pthread_mutex_lock(&c->inst->lock);
	rc = sqleval(c, &env, st->expr, &v);
	pthread_mutex_unlock(&c->inst->lock);
	if (rc)
		return -1;
	s = v.is_null ? "" : sqlval_text(&v, c->a, &n);
	if (v.is_null || !sqlval_is_text(v.type) || n > 40)
		return sqlexec_fail(
		        c, AB_STMT, 148, 15, st->line,
		        "Incorrect time syntax in time string '%.*s' used with WAITFOR.",
		        (int)(n > 40 ? 40 : n), s);
	snprintf(buf, sizeof(buf), "1970-01-01 %.*s", (int)n, s);
	if (sqlval_parse_time(&us, &ns, buf, strlen(buf)))
		return sqlexec_fail(
		        c, AB_STMT, 148, 15, st->line,
		        "Incorrect time syntax in time string '%.*s' used with WAITFOR.", (int)n,
		        s);
	*ms = us / 1000;
	return 0;
}

/* WAITFOR DELAY: sleeps without the lock, waking every 10 ms to see
 * whether the client cancelled. */
static int exec_waitfor(struct sqlctx *c, const struct sqlstmt *st)
{
	int64_t ms = 0, waited = 0;

	if (delay_ms(c, st, &ms)) {
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
		sqlout_flush(c);
		return -1;
	}
	while (waited < ms && !poll_cancel(c)) {
		int64_t step = ms - waited < 10 ? ms - waited : 10;
		struct timespec ts = {0, (long)step * 1000000L};

		nanosleep(&ts, NULL);
		waited += step;
	}
	if (!c->cancelled)
		sqlout_done(c, 0, 0, 0);
	sqlout_flush(c);
	return 0;
}

static int exec_list(struct sqlctx *c, struct sqlstmt *const *stmts, size_t n);

/* TRY ... CATCH: run the TRY block; if it caught an error, run the
 * CATCH block with that error as ERROR_NUMBER() & co. */
static int exec_try(struct sqlctx *c, const struct sqlstmt *st)
{
	int saved_level = c->try_level;
	const struct sqlcaught *saved_handling = c->handling;
	struct sqlcaught *mine;
	int rc;

	c->try_depth++;
	c->try_level = c->depth;
	rc = exec_list(c, st->body[0]->body, st->body[0]->n_body);
	c->try_depth--;
	c->try_level = saved_level;
	if (!c->catch_pending)
		return rc;
	c->catch_pending = false;
	c->abort = AB_NONE;
	mine = arena_alloc(c->a, sizeof(*mine));
	*mine = c->caught;
	c->handling = mine;
	rc = exec_list(c, st->body[1]->body, st->body[1]->n_body);
	c->handling = saved_handling;
	return rc;
}

/* WHILE: the condition is evaluated under the lock, the body as any
 * statement; cancellation is polled every iteration (SQL Server loops
 * until the client cancels, and so does the lab). */
static int exec_while(struct sqlctx *c, const struct sqlstmt *st)
{
	for (;;) {
		struct evalenv env;
		int truth, rc;

		if (poll_cancel(c) || c->returned || c->catch_pending)
			return 0;
		memset(&env, 0, sizeof(env));
		pthread_mutex_lock(&c->inst->lock);
		truth = sqleval_bool(c, &env, st->expr);
		pthread_mutex_unlock(&c->inst->lock);
		sqlout_flush(c);
		if (truth <= 0)
			return truth < 0 ? -1 : 0;
		rc = exec_list(c, st->body, 1);
		if (c->loop_jump == 1) {
			c->loop_jump = 0;
			return 0;
		}
		c->loop_jump = 0;
		if (rc && c->abort >= AB_SCOPE)
			return -1;
	}
}

static int exec_list(struct sqlctx *c, struct sqlstmt *const *stmts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (poll_cancel(c) || c->returned || c->loop_jump || c->catch_pending)
			return 0;
		rc = exec_stmt(c, stmts[i]);
		if (rc && c->abort >= AB_SCOPE)
			return -1;
		if (c->abort == AB_STMT)
			c->abort = AB_NONE;
	}
	return 0;
}

static int exec_stmt(struct sqlctx *c, const struct sqlstmt *st)
{
	int rc;

	switch (st->kind) {
	case ST_BLOCK:
		return exec_list(c, st->body, st->n_body);
	case ST_IF:
		return exec_if(c, st);
	case ST_WHILE:
		return exec_while(c, st);
	case ST_TRY:
		return exec_try(c, st);
	case ST_BREAK:
		c->loop_jump = 1;
		return 0;
	case ST_CONTINUE:
		c->loop_jump = 2;
		return 0;
	case ST_EMPTY:
		return 0;
	case ST_WAITFOR:
		return exec_waitfor(c, st);
	case ST_RETURN:
		if (st->expr) {
			struct evalenv env;
			struct lab_value v, iv;
			struct sqltype t = {LAB_T_INT, 4, 10, 0};

			memset(&env, 0, sizeof(env));
			pthread_mutex_lock(&c->inst->lock);
			rc = sqleval(c, &env, st->expr, &v);
			if (rc == 0 && sqlval_convert(&iv, &v, &t, -1, c->a, &c->err))
				rc = sqlexec_fail_err(c, AB_BATCH, &c->err, st->line);
			pthread_mutex_unlock(&c->inst->lock);
			sqlout_flush(c);
			if (rc)
				return -1;
			c->return_status = iv.is_null ? 0 : (int32_t)iv.i;
		}
		c->returned = true;
		return 0;
	default:
		rc = sqlexec_stmt_leaf(c, st);
		sqlout_flush(c);
		return rc;
	}
}

int sqlexec_batch(struct sqlctx *c, const struct sqlbatch *b)
{
	int rc;

	if (sqlcompile_batch(c, b)) {
		sqlout_flush(c);
		return -1;
	}
	rc = exec_list(c, b->stmts, b->n);

	if (c->cancelled)
		return -1;
	return rc;
}

/* A USE or SET option inside dynamic SQL lasts until it ends (EXECUTE:
 * "changes in database context last only until the end of the EXECUTE
 * statement"). */
static void restore_context(struct sqlctx *c, int32_t db_id, bool nocount)
{
	c->s->nocount = nocount;
	if (c->s->db_id == db_id)
		return;
	pthread_mutex_lock(&c->inst->lock);
	{
		struct sqldb *now = sqlexec_current_db(c), *was = world_db_by_id(c->inst, db_id);

		if (was) {
			sqlout_env_database(c, was->name, now->name);
			c->s->db_id = db_id;
		}
	}
	pthread_mutex_unlock(&c->inst->lock);
	sqlout_flush(c);
}

int sqlexec_nested(struct sqlctx *c, const char *sql, struct sqlvar *params)
{
	struct sqlbatch b;
	struct sqlerr e;
	struct sqlvar *saved_vars = c->vars;
	bool saved_ret = c->returned;
	int32_t saved_status = c->return_status;
	int32_t saved_db;
	bool saved_nocount;
	int rc;

	if (c->depth >= 32)
		return sqlexec_fail(c, AB_BATCH, 217, 16, 1,
		                    "Maximum stored procedure, function, trigger, or view nesting "
		                    "level exceeded (limit %d).",
		                    32);
	memset(&e, 0, sizeof(e));
	if (sqlparse_batch(&b, sql, strlen(sql), c->a, &e)) {
		sqlexec_fail_err(c, AB_STMT, &e, e.line);
		return -1;
	}
	c->depth++;
	c->vars = params;
	c->returned = false;
	saved_db = c->s->db_id;
	saved_nocount = c->s->nocount;
	rc = sqlcompile_batch(c, &b);
	sqlout_flush(c);
	if (rc == 0)
		rc = exec_list(c, b.stmts, b.n);
	if (c->abort == AB_SCOPE)
		c->abort = AB_STMT;
	restore_context(c, saved_db, saved_nocount);
	c->depth--;
	c->vars = saved_vars;
	c->returned = saved_ret;
	c->return_status = saved_status;
	return rc;
}
