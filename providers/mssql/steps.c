/*
 * steps: the sequences of the SQL steps (steps.h) that are not log
 * shipping or catch-up: ending sessions (KILL, reference 1.6), the
 * tail-log backup that demotes the authority (2.9, its LastLSN read back
 * with RESTORE HEADERONLY as the demotion token), recovery (2.2),
 * mirroring removal, manual failover and forced service (2.4-2.6), the
 * COPY_ONLY safety backup, the seed (full + log backup on the source,
 * restores WITH NORECOVERY on the target, MOVE when the target's
 * default folders differ, REPLACE only when apply says the planner
 * overwrites a copy) and mirroring (2.3: endpoints created when
 * missing, SET PARTNER on the mirror first, then on the principal,
 * SAFETY FULL). Every statement is built by steps_sql.c.
 */
#include "providers/mssql/steps.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

void steps_outcome_init(struct steps_outcome *out)
{
	memset(out, 0, sizeof(*out));
	arena_init(&out->arena);
}

void steps_outcome_release(struct steps_outcome *out)
{
	if (!out)
		return;
	free(out->messages);
	arena_release(&out->arena);
	memset(out, 0, sizeof(*out));
}

/* A decimal int from SQL Server's text; -1 when it is not one. */
int steps_parse_int(const char *text)
{
	char *end;
	long v;

	if (!text || !*text)
		return -1;
	v = strtol(text, &end, 10);
	return *end || v < 0 || v > 2147483647L ? -1 : (int)v;
}

static void add_message(struct steps_outcome *out, const char *text)
{
	if (out->n_messages == out->cap_messages) {
		out->cap_messages = out->cap_messages ? 2 * out->cap_messages : 16;
		out->messages = xrealloc(out->messages, out->cap_messages * sizeof(*out->messages));
	}
	out->messages[out->n_messages++] = arena_strdup(&out->arena, text);
}

int steps_fail(struct steps_outcome *out, int code, const char *fmt, const char *a, const char *b,
               const char *c)
{
	int rc = err_set(code, fmt, a, b, c);

	if (!out->error)
		out->error = arena_strdup(&out->arena, err_last());
	return rc;
}

int steps_exec(struct steps_outcome *out, const struct steps_io *io, const char *inst,
               struct sqlquote *q, struct mssql_result *res, const char *what)
{
	int rc;

	if ((rc = sqlquote_error(q)) < 0) {
		out->error = arena_strdup(&out->arena, err_last());
		return rc;
	}
	rc = io->exec(io->ctx, inst, sqlquote_cstr(q), res);
	for (size_t i = 0; i < res->n_messages; i++) {
		const struct mssql_message *m = &res->messages[i];

		if (m->number == 3211) /* progress: the callback has it */
			continue;
		add_message(out, arena_sprintf(&out->arena, "%s: %d: %s", inst, m->number,
		                               m->text ? m->text : ""));
	}
	if (rc < 0) {
		if (!out->error)
			out->error = arena_sprintf(&out->arena, "%s on '%s': %s", what, inst,
			                           err_last());
		return err_set(rc, "%s", out->error);
	}
	if (res->first_error)
		return steps_fail(out, ERR_GENERIC, "%s on '%s' failed: %s", what, inst,
		                  res->first_error);
	return 0;
}

/* Run one statement built by `q` and forget its results. */
int steps_run_one(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                  struct sqlquote *q, const char *what)
{
	struct mssql_result res;
	int rc;

	mssql_result_init(&res);
	rc = steps_exec(out, io, inst, q, &res, what);
	mssql_result_release(&res);
	sqlquote_release(q);
	sqlquote_init(q, 0);
	return rc;
}

static const struct mssql_rowset *set_with(const struct mssql_result *res, const char *col,
                                           size_t *idx)
{
	for (size_t s = 0; s < res->n_sets; s++)
		for (size_t c = 0; c < res->sets[s].n_columns; c++)
			if (!strcasecmp(res->sets[s].columns[c], col)) {
				*idx = c;
				return &res->sets[s];
			}
	return NULL;
}

const char *steps_cell(const struct mssql_result *res, const char *col, size_t row)
{
	size_t c;
	const struct mssql_rowset *set = set_with(res, col, &c);

	if (!set || row >= set->n_rows)
		return NULL;
	return set->cells[row * set->n_columns + c];
}

size_t steps_rows(const struct mssql_result *res, const char *col)
{
	size_t c;
	const struct mssql_rowset *set = set_with(res, col, &c);

	return set ? set->n_rows : 0;
}

int steps_exec_rc(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                  struct sqlquote *q, const char *proc)
{
	struct mssql_result res;
	const char *rcs;
	int rc;

	mssql_result_init(&res);
	rc = steps_exec(out, io, inst, q, &res, proc);
	if (rc == 0) {
		rcs = steps_cell(&res, "pcdr_rc", 0);
		if (!rcs || strcmp(rcs, "0"))
			rc = steps_fail(out, ERR_CONFLICT, "%s on '%s' returned %s", proc, inst,
			                rcs ? rcs : "no return code");
	}
	mssql_result_release(&res);
	sqlquote_release(q);
	sqlquote_init(q, 0);
	return rc;
}

static int end_sessions(struct steps_outcome *out, const struct plan_step *s,
                        const struct steps_io *io, struct sqlquote *q)
{
	struct mssql_result res;
	int rc;

	mssql_result_init(&res);
	steps_sql_list_sessions(q, s->database);
	rc = steps_exec(out, io, s->instance, q, &res, "listing sessions");
	for (size_t i = 0; rc == 0 && i < steps_rows(&res, "session_id"); i++) {
		const char *id = steps_cell(&res, "session_id", i);
		struct mssql_result kr;

		if (!id)
			continue;
		sqlquote_release(q);
		sqlquote_init(q, 0);
		steps_sql_kill(q, steps_parse_int(id));
		mssql_result_init(&kr);
		rc = steps_exec(out, io, s->instance, q, &kr, "KILL");
		if (rc == ERR_GENERIC && kr.first_error_number == 6106) { /* already gone */
			rc = 0;
			err_clear();
			out->error = NULL;
		}
		mssql_result_release(&kr);
	}
	if (rc == 0 && steps_rows(&res, "session_id") == 0)
		out->nothing_to_do = true;
	mssql_result_release(&res);
	return rc;
}

/* The LastLSN of the first backup set in `file`, read back with HEADERONLY. */
static int read_last_lsn(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                         const char *file, struct sqlquote *q)
{
	struct mssql_result res;
	int rc;

	mssql_result_init(&res);
	steps_sql_headeronly(q, file);
	rc = steps_exec(out, io, inst, q, &res, "RESTORE HEADERONLY");
	if (rc == 0) {
		const char *lsn = steps_cell(&res, "LastLSN", 0);

		if (!lsn)
			rc = steps_fail(out, ERR_CONFLICT,
			                "RESTORE HEADERONLY of '%s' on '%s' gave %s", file, inst,
			                "no LastLSN");
		else
			out->lsn = arena_strdup(&out->arena, lsn);
	}
	mssql_result_release(&res);
	sqlquote_release(q);
	sqlquote_init(q, 0);
	return rc;
}

static int tail_log_backup(struct steps_outcome *out, const struct plan_step *s,
                           const struct steps_env *env, const struct steps_io *io,
                           struct sqlquote *q)
{
	const char *file = steps_backup_file(&out->arena, env->backup_share, s->database,
	                                     env->stamp, "tail", "trn");
	int rc;

	steps_sql_backup_log(q, s->database, file, true);
	if ((rc = steps_run_one(out, io, s->instance, q, "BACKUP LOG WITH NORECOVERY")) < 0)
		return rc;
	out->file = file;
	return read_last_lsn(out, io, s->instance, file, q);
}

static int safety_backup(struct steps_outcome *out, const struct plan_step *s,
                         const struct steps_env *env, const struct steps_io *io, struct sqlquote *q)
{
	const char *what = arena_sprintf(&out->arena, "safety-%.*s",
	                                 (int)strcspn(s->instance, "\\,:"), s->instance);
	const char *file = steps_backup_file(&out->arena, env->backup_share, s->database,
	                                     env->stamp, what, "bak");
	int rc;

	steps_sql_backup_database(q, s->database, file, true);
	if ((rc = steps_run_one(out, io, s->instance, q, "BACKUP DATABASE COPY_ONLY")) == 0)
		out->file = file;
	return rc;
}

int steps_run(struct steps_outcome *out, const struct plan_step *s, const struct steps_env *env,
              const struct steps_io *io)
{
	struct sqlquote q;
	int rc;

	sqlquote_init(&q, 0);
	switch (s->kind) {
	case PLAN_SQL_END_SESSIONS:
		rc = end_sessions(out, s, io, &q);
		break;
	case PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY:
	case PLAN_SQL_DROP_LOG_SHIPPING_PRIMARY:
		rc = steps_drop_log_shipping(out, s, io);
		break;
	case PLAN_SQL_CATCH_UP:
		rc = steps_catch_up(out, s, env, io);
		break;
	case PLAN_SQL_TAIL_LOG_BACKUP:
		rc = tail_log_backup(out, s, env, io, &q);
		break;
	case PLAN_SQL_RECOVER:
		steps_sql_recover(&q, s->database);
		rc = steps_run_one(out, io, s->instance, &q, "RESTORE DATABASE WITH RECOVERY");
		break;
	case PLAN_SQL_REMOVE_MIRRORING:
		steps_sql_partner(&q, s->database, "OFF");
		rc = steps_run_one(out, io, s->instance, &q, "SET PARTNER OFF");
		break;
	case PLAN_SQL_MIRROR_FAILOVER:
		steps_sql_partner(&q, s->database, "FAILOVER");
		rc = steps_run_one(out, io, s->instance, &q, "SET PARTNER FAILOVER");
		break;
	case PLAN_SQL_FORCE_SERVICE:
		steps_sql_partner(&q, s->database, "FORCE_SERVICE_ALLOW_DATA_LOSS");
		rc = steps_run_one(out, io, s->instance, &q,
		                   "SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS");
		break;
	case PLAN_SQL_SAFETY_BACKUP:
		rc = safety_backup(out, s, env, io, &q);
		break;
	case PLAN_SQL_SEED:
		rc = steps_seed(out, s, env, io);
		break;
	case PLAN_SQL_ESTABLISH_MIRRORING:
		rc = steps_establish_mirroring(out, s, env, io);
		break;
	case PLAN_SQL_CONFIGURE_LOG_SHIPPING:
		rc = steps_configure_log_shipping(out, s, env, io);
		break;
	default:
		rc = err_set(ERR_INVALID, "'%s' is not a SQL step", plan_step_kind_name(s->kind));
		break;
	}
	sqlquote_release(&q);
	return rc;
}
