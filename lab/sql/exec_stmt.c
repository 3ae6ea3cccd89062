/*
 * exec_stmt: the leaf statements other than DML: SELECT (through
 * query.c), USE, SET options, DECLARE and SET of variables, EXEC of
 * procedures and of dynamic SQL, THROW, RAISERROR and PRINT, with the
 * DONE tokens, messages and errors SQL Server sends for them. Each runs
 * under the instance lock. RAISERROR formats %d %i %u %s %x %o with
 * optional flags/width/precision; no sys.messages lookups (only ad hoc
 * messages and user numbers >= 50000, which are reported missing).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/admin.h"
#include "lab/sql/dblog.h"
#include "lab/sql/exec.h"
#include "lab/sql/mirror.h"
#include "lab/sql/value.h"

struct sqldb *sqlexec_current_db(struct sqlctx *c)
{
	struct sqldb *db = world_db_by_id(c->inst, c->s->db_id);

	if (!db) {
		db = world_db_by_name(c->inst, "master");
		c->s->db_id = db->id;
	}
	return db;
}

struct sqlvar *sqlexec_var(struct sqlctx *c, const char *name)
{
	for (struct sqlvar *v = c->vars; v; v = v->next)
		if (strcasecmp(v->name, name) == 0)
			return v;
	return NULL;
}

static int assign_var(struct sqlctx *c, struct sqlvar *v, const struct lab_value *val, int line)
{
	struct lab_value conv;

	if (sqlval_convert(&conv, val, &v->type, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, line);
	v->v = conv;
	return 0;
}

static int eval_const(struct sqlctx *c, const struct sqlexpr *e, struct lab_value *out)
{
	struct evalenv env;

	memset(&env, 0, sizeof(env));
	return sqleval(c, &env, e, out);
}

/* --- USE, SET, DECLARE ------------------------------------------------ */

static int exec_use(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqldb *db = world_db_by_name(c->inst, st->name);
	struct sqldb *old = sqlexec_current_db(c);
	char text[300];

	if (!db)
		return sqlexec_fail(c, AB_STMT, 911, 16, st->line,
		                    "Database '%s' does not exist. Make sure that the name is "
		                    "entered correctly.",
		                    st->name);
	if (world_db_openable(db, &c->err))
		return sqlexec_fail_err(c, AB_STMT, &c->err, st->line);
	c->s->db_id = db->id;
	sqlout_env_database(c, db->name, old->name);
	snprintf(text, sizeof(text), "Changed database context to '%s'.", db->name);
	sqlout_info(c, 5701, 1, st->line, text);
	sqlout_done(c, 0, 0, 0);
	return 0;
}

static int exec_set_option(struct sqlctx *c, const struct sqlstmt *st)
{
	static const char *const known[] = {
	        "ANSI_NULLS",
	        "ANSI_NULL_DFLT_ON",
	        "ANSI_NULL_DFLT_OFF",
	        "ANSI_PADDING",
	        "ANSI_WARNINGS",
	        "ANSI_DEFAULTS",
	        "ARITHABORT",
	        "ARITHIGNORE",
	        "CONCAT_NULL_YIELDS_NULL",
	        "CURSOR_CLOSE_ON_COMMIT",
	        "DATEFIRST",
	        "DATEFORMAT",
	        "DEADLOCK_PRIORITY",
	        "IMPLICIT_TRANSACTIONS",
	        "LANGUAGE",
	        "LOCK_TIMEOUT",
	        "NUMERIC_ROUNDABORT",
	        "QUOTED_IDENTIFIER",
	        "TEXTSIZE",
	        "TRANSACTION",
	        "XACT_ABORT",
	        "NOEXEC",
	        "FMTONLY",
	        "STATISTICS",
	        "QUERY_GOVERNOR_COST_LIMIT",
	        "NOCOUNT",
	};
	bool ok = false;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= strcasecmp(known[i], st->name) == 0;
	if (!ok)
		return sqlexec_fail(c, AB_STMT, 195, 15, st->line,
		                    "'%s' is not a recognized SET option.", st->name);
	if (strcasecmp(st->name, "NOCOUNT") == 0)
		c->s->nocount = st->on;
	return 0;
}

static int exec_declare(struct sqlctx *c, const struct sqlstmt *st)
{
	for (size_t i = 0; i < st->n_decls; i++) {
		const struct sqldecl *d = &st->decls[i];
		struct sqlvar *v;

		if (sqlexec_var(c, d->name))
			return sqlexec_fail(
			        c, AB_BATCH, 134, 15, st->line,
			        "The variable name '%s' has already been declared. Variable names "
			        "must be unique within a query batch or stored procedure.",
			        d->name);
		v = arena_alloc(c->a, sizeof(*v));
		v->name = d->name;
		v->type = d->type;
		v->v = sqlval_null(d->type.type);
		v->next = c->vars;
		c->vars = v;
		if (d->init) {
			struct lab_value val;

			if (eval_const(c, d->init, &val) || assign_var(c, v, &val, st->line))
				return -1;
		}
	}
	return 0;
}

static int exec_set_var(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqlvar *v = sqlexec_var(c, st->name);
	struct lab_value val;

	if (!v)
		return sqlexec_fail(c, AB_BATCH, 137, 15, st->line,
		                    "Must declare the scalar variable \"%s\".", st->name);
	if (eval_const(c, st->expr, &val))
		return -1;
	return assign_var(c, v, &val, st->line);
}

/* --- messages -------------------------------------------------------- */

static int exec_print(struct sqlctx *c, const struct sqlstmt *st)
{
	struct lab_value v, t;
	struct sqltype to = {LAB_T_NVARCHAR, 4000, 0, 0};

	if (eval_const(c, st->expr, &v))
		return -1;
	if (sqlval_convert(&t, &v, &to, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, st->line);
	sqlout_info(c, 0, 1, st->line, t.is_null ? "" : t.s);
	return 0;
}

static int eval_int_arg(struct sqlctx *c, const struct sqlexpr *e, int64_t *out, int line)
{
	struct lab_value v, iv;
	struct sqltype to = {LAB_T_BIGINT, 8, 19, 0};

	if (eval_const(c, e, &v))
		return -1;
	if (sqlval_convert(&iv, &v, &to, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, line);
	*out = iv.is_null ? 0 : iv.i;
	return 0;
}

static int exec_throw(struct sqlctx *c, const struct sqlstmt *st)
{
	int64_t number, state;
	struct lab_value msg, t;
	struct sqltype to = {LAB_T_NVARCHAR, 2048, 0, 0};

	if (st->n_args == 0 && c->handling) {
		sqlexec_message(c, c->handling->number, c->handling->severity, c->handling->state,
		                c->handling->line, c->handling->text);
		c->abort = AB_BATCH;
		return -1;
	}
	if (st->n_args == 0)
		return sqlexec_fail(c, AB_BATCH, 10704, 15, st->line,
		                    "To rethrow an error, a THROW statement must be used inside a "
		                    "CATCH block. Insert the THROW statement inside a CATCH block, "
		                    "or add error parameters to the THROW statement.");
	if (eval_int_arg(c, st->args[0], &number, st->line) || eval_const(c, st->args[1], &msg) ||
	    eval_int_arg(c, st->args[2], &state, st->line))
		return -1;
	if (number < 50000 || number > INT32_MAX)
		return sqlexec_fail(c, AB_BATCH, 35100, 16, st->line,
		                    "Error number %" PRId64
		                    " in the THROW statement is outside the valid range. Specify "
		                    "an error number in the valid range of 50000 to 2147483647.",
		                    number);
	if (state < 0 || state > 255)
		return sqlexec_fail(c, AB_BATCH, 35102, 16, st->line,
		                    "Error state %" PRId64
		                    " in the THROW statement is outside the valid range. Specify a "
		                    "state value in the valid range of 0 to 255.",
		                    state);
	if (sqlval_convert(&t, &msg, &to, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, st->line);
	sqlexec_message(c, (int32_t)number, 16, (uint8_t)state, st->line, t.is_null ? "" : t.s);
	c->abort = AB_BATCH;
	return -1;
}

static int exec_tran(struct sqlctx *c, const struct sqlstmt *st)
{
	struct lab_session *s = c->s;

	if (st->name[0] == 'B') {
		s->trancount++;
	} else if (s->trancount == 0) {
		bool commit = st->name[0] == 'C';

		sqlexec_fail(c, AB_STMT, commit ? 3902 : 3903, 16, st->line,
		             "The %s TRANSACTION request has no corresponding BEGIN TRANSACTION.",
		             commit ? "COMMIT" : "ROLLBACK");
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
		return -1;
	} else if (st->name[0] == 'R') {
		txn_rollback(s);
	} else if (s->trancount == 1) {
		txn_commit_all(s);
	} else {
		s->trancount--;
	}
	sqlout_done(c, 0, 0, 0);
	return 0;
}

/* KILL spid: the session is rolled back and dropped at once (it no
 * longer shows in sys.dm_exec_sessions); its connection gets 596 and is
 * closed on its next request, or at its next statement if running. */
static int exec_kill(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqlinstance *inst = c->inst;
	int64_t spid;

	if (eval_int_arg(c, st->expr, &spid, st->line))
		return -1;
	if (!c->s->sysadmin)
		return sqlexec_fail(c, AB_STMT, 6102, 14, st->line,
		                    "User does not have permission to use the KILL statement.");
	if (spid < 1 || spid > 32767)
		return sqlexec_fail(c, AB_STMT, 6101, 16, st->line,
		                    "Process ID %lld is not a valid process ID. Choose a number "
		                    "between 1 and %d.",
		                    (long long)spid, 32767);
	if (spid == c->s->spid)
		return sqlexec_fail(c, AB_STMT, 6104, 16, st->line,
		                    "Cannot use KILL to kill your own process.");
	if (spid < 51)
		return sqlexec_fail(c, AB_STMT, 6107, 14, st->line,
		                    "Only user processes can be killed.");
	for (size_t i = 0; i < inst->sessions.len; i++) {
		struct lab_session *s = inst->sessions.items[i];

		if (s->spid != spid)
			continue;
		txn_rollback(s);
		__atomic_store_n(&s->killed, true, __ATOMIC_RELEASE);
		memmove(&inst->sessions.items[i], &inst->sessions.items[i + 1],
		        (inst->sessions.len - i - 1) * sizeof(s));
		inst->sessions.len--;
		sqlout_done(c, 0, 0, 0);
		return 0;
	}
	return sqlexec_fail(c, AB_STMT, 6106, 16, st->line,
	                    "Process ID %lld is not an active process ID.", (long long)spid);
}

static int exec_exec_string(struct sqlctx *c, const struct sqlstmt *st)
{
	struct lab_value v, t;
	struct sqltype to = {LAB_T_NVARCHAR, -1, 0, 0};
	const char *saved = c->proc;
	int rc;

	pthread_mutex_lock(&c->inst->lock);
	rc = eval_const(c, st->expr, &v);
	if (rc == 0 && sqlval_convert(&t, &v, &to, -1, c->a, &c->err))
		rc = sqlexec_fail_err(c, AB_BATCH, &c->err, st->line);
	pthread_mutex_unlock(&c->inst->lock);
	sqlout_flush(c);
	if (rc)
		return -1;
	c->proc = saved;
	return sqlexec_nested(c, t.is_null ? "" : t.s, NULL);
}

/*
 * INSERT ... EXEC: run the EXEC with its result sets captured instead of
 * sent ("the result set returned by the procedure is inserted"), then
 * the INSERT takes them as its rows (`out`). 8164 when nested; 213 when
 * the result sets differ in width. 1: no result set (nothing to
 * insert, no error), 0: rows in *out, -1: failed.
 */
static int insert_exec_capture(struct sqlctx *c, const struct sqlstmt *st, struct rowset *out)
{
	struct sqlcapture cap;
	int rc;

	if (c->capture)
		return sqlexec_fail(c, AB_STMT, 8164, 16, st->line,
		                    "An INSERT EXEC statement cannot be nested.");
	memset(&cap, 0, sizeof(cap));
	c->capture = &cap;
	rc = sqlexec_stmt_leaf(c, st->ins_exec);
	c->capture = NULL;
	if (rc == 0 && cap.mismatch)
		rc = sqlexec_fail(c, AB_STMT, 213, 16, st->line,
		                  "Column name or number of supplied values does not match table "
		                  "definition.");
	memset(out, 0, sizeof(*out));
	if (rc == 0 && cap.cols) {
		out->cols = cap.cols;
		out->n_cols = cap.n_cols;
		out->n_rows = cap.rows.len;
		out->rows = arena_calloc(c->a, cap.rows.len + 1, sizeof(*out->rows));
		for (size_t r = 0; r < cap.rows.len; r++)
			out->rows[r] = (struct lab_value *)cap.rows.items[r];
	}
	vec_free(&cap.rows);
	return rc ? -1 : cap.cols ? 0 : 1;
}

int sqlexec_stmt_leaf(struct sqlctx *c, const struct sqlstmt *st)
{
	struct rowset captured;
	int rc;

	if (st->kind == ST_INSERT && st->ins_exec) {
		rc = insert_exec_capture(c, st, &captured);
		if (rc != 0) {
			sqlout_done(c, rc < 0 ? LAB_DONE_ERROR : LAB_DONE_COUNT, 0xC3, 0);
			if (rc > 0)
				c->rowcount = 0;
			return rc < 0 ? -1 : 0;
		}
		c->ins_src = &captured;
	}
	if (st->kind == ST_EXEC)
		return st->expr ? exec_exec_string(c, st) : sqlexec_exec(c, st);
	if (st->kind == ST_ADMIN)
		return sqladmin_exec(c, st);
	mirror_pump(c->inst); /* what the partner link changed meanwhile */
	pthread_mutex_lock(&c->inst->lock);
	switch (st->kind) {
	case ST_SELECT:
		rc = sqlquery_run(c, NULL, st->select, true, NULL);
		if (rc)
			sqlout_done(c, LAB_DONE_ERROR, 0xC1, 0);
		break;
	case ST_USE:
		rc = exec_use(c, st);
		if (rc)
			sqlout_done(c, LAB_DONE_ERROR, 0, 0);
		break;
	case ST_SET_OPTION:
		rc = exec_set_option(c, st);
		break;
	case ST_DECLARE:
		rc = exec_declare(c, st);
		break;
	case ST_SET_VAR:
		rc = exec_set_var(c, st);
		break;
	case ST_PRINT:
		rc = exec_print(c, st);
		break;
	case ST_THROW:
		rc = exec_throw(c, st);
		break;
	case ST_RAISERROR:
		rc = sqlexec_raiserror(c, st);
		break;
	case ST_TRAN:
		rc = exec_tran(c, st);
		break;
	case ST_KILL:
		rc = exec_kill(c, st);
		if (rc)
			sqlout_done(c, LAB_DONE_ERROR, 0, 0);
		break;
	default:
		rc = sqlexec_dml(c, st);
		break;
	}
	/* "USE, SET <option>, PRINT, RAISERROR, BEGIN TRANSACTION or COMMIT
	 * TRANSACTION reset the ROWCOUNT value to 0"; SET @v sets it to 1 */
	if (rc == 0 && (st->kind == ST_USE || st->kind == ST_SET_OPTION || st->kind == ST_PRINT ||
	                st->kind == ST_RAISERROR || st->kind == ST_TRAN))
		c->rowcount = 0;
	if (rc == 0 && st->kind == ST_SET_VAR)
		c->rowcount = 1;
	c->ins_src = NULL;
	dblog_stmt_end(c->s); /* a change outside a transaction commits now */
	if (rc && (st->kind == ST_SET_OPTION || st->kind == ST_DECLARE || st->kind == ST_SET_VAR ||
	           st->kind == ST_PRINT || st->kind == ST_THROW))
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
	pthread_mutex_unlock(&c->inst->lock);
	mirror_pump(c->inst); /* a commit reaches the mirror before its DONE */
	return rc;
}
