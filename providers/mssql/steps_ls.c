/*
 * steps_ls: the log shipping steps (steps.h), after reference 2.1 and
 * 2.8. Every procedure runs in master on its instance and is wrapped as
 * `DECLARE @rc int; EXEC @rc = ...; SELECT @rc AS pcdr_rc;` because the
 * log shipping procedures report failure as return code 1 alone; a
 * non-zero code stops the step.
 *
 * Dropping a secondary calls sp_delete_log_shipping_secondary_database
 * (which also deletes the copy and restore jobs), then
 * sp_delete_log_shipping_secondary_primary for every primary entry no
 * secondary database uses any more (SQL Server usually removed it
 * already). Dropping a primary removes each of its secondaries
 * (sp_delete_log_shipping_primary_secondary) then the primary database
 * entry. Configuring adds, in Microsoft's order, what is missing: the
 * primary database (on the principal and on the primary site's mirror:
 * SQL Server's recipe for log shipping with mirroring) with its backup
 * job schedule, the secondary's primary entry with copy and restore
 * schedules, the secondary database, the primary's secondary entry; then
 * enables every log shipping job of the database that is disabled
 * (which also corrects a job disabled by hand).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "providers/mssql/steps.h"
#include "util/err.h"

#define RC_BEGIN "DECLARE @rc int;\nEXEC @rc = "
#define RC_END   ";\nSELECT @rc AS pcdr_rc;"

/* One query; its rows stay in *res (caller releases). */
static int query(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                 struct sqlquote *q, struct mssql_result *res, const char *what)
{
	int rc;

	mssql_result_init(res);
	rc = steps_exec(out, io, inst, q, res, what);
	sqlquote_release(q);
	sqlquote_init(q, 0);
	return rc;
}

static int drop_secondary(struct steps_outcome *out, const struct plan_step *s,
                          const struct steps_io *io, struct sqlquote *q)
{
	struct mssql_result res;
	int rc;

	sqlquote_add(q,
	             RC_BEGIN "master.dbo.sp_delete_log_shipping_secondary_database "
	                      "@secondary_database = %L" RC_END,
	             s->database);
	if ((rc = steps_exec_rc(out, io, s->instance, q,
	                        "sp_delete_log_shipping_secondary_database")) < 0)
		return rc;
	sqlquote_add(q,
	             "SELECT s.primary_server FROM msdb.dbo.log_shipping_secondary AS s "
	             "WHERE s.primary_database = %L AND NOT EXISTS (SELECT 1 FROM "
	             "msdb.dbo.log_shipping_secondary_databases AS d "
	             "WHERE d.secondary_id = s.secondary_id);",
	             s->database);
	if ((rc = query(out, io, s->instance, q, &res, "reading log_shipping_secondary")) == 0)
		for (size_t i = 0; rc == 0 && i < steps_rows(&res, "primary_server"); i++) {
			sqlquote_add(q,
			             RC_BEGIN "master.dbo.sp_delete_log_shipping_secondary_primary "
			                      "@primary_server = %L, @primary_database = %L" RC_END,
			             steps_cell(&res, "primary_server", i), s->database);
			rc = steps_exec_rc(out, io, s->instance, q,
			                   "sp_delete_log_shipping_secondary_primary");
		}
	mssql_result_release(&res);
	return rc;
}

static int drop_primary(struct steps_outcome *out, const struct plan_step *s,
                        const struct steps_io *io, struct sqlquote *q)
{
	struct mssql_result res;
	int rc;

	sqlquote_add(q,
	             "SELECT ps.secondary_server, ps.secondary_database "
	             "FROM msdb.dbo.log_shipping_primary_databases AS pd "
	             "JOIN msdb.dbo.log_shipping_primary_secondaries AS ps "
	             "ON ps.primary_id = pd.primary_id WHERE pd.primary_database = %L;",
	             s->database);
	if ((rc = query(out, io, s->instance, q, &res,
	                "reading log_shipping_primary_secondaries")) == 0)
		for (size_t i = 0; rc == 0 && i < steps_rows(&res, "secondary_server"); i++) {
			sqlquote_add(q,
			             RC_BEGIN "master.dbo.sp_delete_log_shipping_primary_secondary "
			                      "@primary_database = %L, @secondary_server = %L, "
			                      "@secondary_database = %L" RC_END,
			             s->database, steps_cell(&res, "secondary_server", i),
			             steps_cell(&res, "secondary_database", i));
			rc = steps_exec_rc(out, io, s->instance, q,
			                   "sp_delete_log_shipping_primary_secondary");
		}
	mssql_result_release(&res);
	if (rc < 0)
		return rc;
	sqlquote_add(q,
	             RC_BEGIN "master.dbo.sp_delete_log_shipping_primary_database "
	                      "@database = %L" RC_END,
	             s->database);
	return steps_exec_rc(out, io, s->instance, q, "sp_delete_log_shipping_primary_database");
}

int steps_drop_log_shipping(struct steps_outcome *out, const struct plan_step *s,
                            const struct steps_io *io)
{
	struct sqlquote q;
	int rc;

	sqlquote_init(&q, 0);
	rc = s->kind == PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY ? drop_secondary(out, s, io, &q)
	                                                     : drop_primary(out, s, io, &q);
	sqlquote_release(&q);
	return rc;
}

/* sp_add_jobschedule every `interval` (freq_subday_type 4: minutes, 2: seconds). */
static int schedule(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                    struct sqlquote *q, const char *job, const char *name, unsigned interval_s)
{
	bool minutes = interval_s >= 60 && interval_s % 60 == 0;

	sqlquote_add(q,
	             RC_BEGIN "msdb.dbo.sp_add_jobschedule @job_name = %L, @name = %L, "
	                      "@enabled = 1, @freq_type = 4, @freq_interval = 1, "
	                      "@freq_subday_type = %d, @freq_subday_interval = %u, "
	                      "@active_start_time = 0" RC_END,
	             job, name, minutes ? 4 : 2,
	             minutes ? interval_s / 60 : (interval_s ? interval_s : 300));
	return steps_exec_rc(out, io, inst, q, "sp_add_jobschedule");
}

/* A count from a one-row query; -1 when it could not be read. */
static int count_of(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                    struct sqlquote *q, const char *what)
{
	struct mssql_result res;
	int n = -1;

	if (query(out, io, inst, q, &res, what) == 0)
		n = steps_parse_int(steps_cell(&res, "n", 0));
	mssql_result_release(&res);
	return n;
}

/* Enable the disabled jobs whose names `q` selects (column job_name). */
static int enable_jobs(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                       struct sqlquote *q)
{
	struct mssql_result res;
	int rc = query(out, io, inst, q, &res, "reading log shipping jobs");

	for (size_t i = 0; rc == 0 && i < steps_rows(&res, "job_name"); i++) {
		sqlquote_add(q,
		             RC_BEGIN "msdb.dbo.sp_update_job @job_name = %L, @enabled = 1" RC_END,
		             steps_cell(&res, "job_name", i));
		rc = steps_exec_rc(out, io, inst, q, "sp_update_job");
	}
	mssql_result_release(&res);
	return rc;
}

/* The primary side on `inst`: database entry, backup schedule, secondary entry, jobs. */
static int primary_side(struct steps_outcome *out, const struct plan_step *s,
                        const struct steps_env *env, const struct steps_io *io, const char *inst,
                        struct sqlquote *q)
{
	const char *job = arena_sprintf(&out->arena, "LSBackup_%s", s->database);
	const char *sched = arena_sprintf(&out->arena, "LSBackupSchedule_%s", s->database);
	int n, rc;

	sqlquote_add(q,
	             "SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_primary_databases "
	             "WHERE primary_database = %L;",
	             s->database);
	if ((n = count_of(out, io, inst, q, "reading log_shipping_primary_databases")) < 0)
		return ERR_GENERIC;
	if (n == 0) {
		sqlquote_add(q,
		             "DECLARE @rc int, @backup_job_id uniqueidentifier, "
		             "@primary_id uniqueidentifier;\n"
		             "EXEC @rc = master.dbo.sp_add_log_shipping_primary_database "
		             "@database = %L, @backup_directory = %L, @backup_share = %L, "
		             "@backup_job_name = %L, @backup_retention_period = %d, "
		             "@backup_threshold = 60, @threshold_alert_enabled = 0, "
		             "@history_retention_period = %d, @backup_job_id = @backup_job_id "
		             "OUTPUT, @primary_id = @primary_id OUTPUT" RC_END,
		             s->database, env->backup_share, env->backup_share, job,
		             STEPS_RETENTION_MIN, STEPS_HISTORY_MIN);
		if ((rc = steps_exec_rc(out, io, inst, q, "sp_add_log_shipping_primary_database")) <
		            0 ||
		    (rc = schedule(out, io, inst, q, job, sched, env->interval_s)) < 0)
			return rc;
	}
	sqlquote_add(q,
	             "SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_primary_databases AS pd "
	             "JOIN msdb.dbo.log_shipping_primary_secondaries AS ps "
	             "ON ps.primary_id = pd.primary_id WHERE pd.primary_database = %L "
	             "AND ps.secondary_server = %L AND ps.secondary_database = %L;",
	             s->database, s->peer, s->database);
	if ((n = count_of(out, io, inst, q, "reading log_shipping_primary_secondaries")) < 0)
		return ERR_GENERIC;
	if (n == 0) {
		sqlquote_add(q,
		             RC_BEGIN "master.dbo.sp_add_log_shipping_primary_secondary "
		                      "@primary_database = %L, @secondary_server = %L, "
		                      "@secondary_database = %L" RC_END,
		             s->database, s->peer, s->database);
		if ((rc = steps_exec_rc(out, io, inst, q,
		                        "sp_add_log_shipping_primary_secondary")) < 0)
			return rc;
	}
	sqlquote_add(q,
	             "SELECT j.name AS job_name FROM msdb.dbo.sysjobs AS j "
	             "JOIN msdb.dbo.log_shipping_primary_databases AS p "
	             "ON p.backup_job_id = j.job_id WHERE p.primary_database = %L "
	             "AND j.enabled = 0;",
	             s->database);
	return enable_jobs(out, io, inst, q);
}

static int secondary_primary(struct steps_outcome *out, const struct plan_step *s,
                             const struct steps_env *env, const struct steps_io *io,
                             struct sqlquote *q)
{
	const char *copy = arena_sprintf(&out->arena, "LSCopy_%s_%s", s->instance, s->database);
	const char *restore =
	        arena_sprintf(&out->arena, "LSRestore_%s_%s", s->instance, s->database);
	int rc;

	sqlquote_add(q,
	             "DECLARE @rc int, @copy_job_id uniqueidentifier, "
	             "@restore_job_id uniqueidentifier, @secondary_id uniqueidentifier;\n"
	             "EXEC @rc = master.dbo.sp_add_log_shipping_secondary_primary "
	             "@primary_server = %L, @primary_database = %L, "
	             "@backup_source_directory = %L, @backup_destination_directory = %L, "
	             "@copy_job_name = %L, @restore_job_name = %L, "
	             "@file_retention_period = %d, @copy_job_id = @copy_job_id OUTPUT, "
	             "@restore_job_id = @restore_job_id OUTPUT, "
	             "@secondary_id = @secondary_id OUTPUT" RC_END,
	             s->instance, s->database, env->backup_share,
	             env->copy_to ? env->copy_to : env->backup_share, copy, restore,
	             STEPS_RETENTION_MIN);
	if ((rc = steps_exec_rc(out, io, s->peer, q, "sp_add_log_shipping_secondary_primary")) <
	            0 ||
	    (rc = schedule(
	             out, io, s->peer, q, copy,
	             arena_sprintf(&out->arena, "LSCopySchedule_%s_%s", s->instance, s->database),
	             env->interval_s)) < 0)
		return rc;
	return schedule(
	        out, io, s->peer, q, restore,
	        arena_sprintf(&out->arena, "LSRestoreSchedule_%s_%s", s->instance, s->database),
	        env->interval_s);
}

/* The secondary side on s->peer. */
static int secondary_side(struct steps_outcome *out, const struct plan_step *s,
                          const struct steps_env *env, const struct steps_io *io,
                          struct sqlquote *q)
{
	int n, rc;

	sqlquote_add(q,
	             "SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_secondary "
	             "WHERE primary_server = %L AND primary_database = %L;",
	             s->instance, s->database);
	if ((n = count_of(out, io, s->peer, q, "reading log_shipping_secondary")) < 0)
		return ERR_GENERIC;
	if (n == 0 && (rc = secondary_primary(out, s, env, io, q)) < 0)
		return rc;
	sqlquote_add(q,
	             "SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_secondary_databases "
	             "WHERE secondary_database = %L;",
	             s->database);
	if ((n = count_of(out, io, s->peer, q, "reading log_shipping_secondary_databases")) < 0)
		return ERR_GENERIC;
	if (n > 0)
		return 0;
	sqlquote_add(q,
	             RC_BEGIN "master.dbo.sp_add_log_shipping_secondary_database "
	                      "@secondary_database = %L, @primary_server = %L, "
	                      "@primary_database = %L, @restore_delay = 0, @restore_all = 1, "
	                      "@restore_mode = 0, @disconnect_users = 0, "
	                      "@restore_threshold = 45, @threshold_alert_enabled = 0, "
	                      "@history_retention_period = %d" RC_END,
	             s->database, s->instance, s->database, STEPS_HISTORY_MIN);
	return steps_exec_rc(out, io, s->peer, q, "sp_add_log_shipping_secondary_database");
}

int steps_configure_log_shipping(struct steps_outcome *out, const struct plan_step *s,
                                 const struct steps_env *env, const struct steps_io *io)
{
	struct sqlquote q;
	int rc;

	sqlquote_init(&q, 0);
	if ((rc = primary_side(out, s, env, io, s->instance, &q)) < 0 ||
	    (s->peer2 && (rc = primary_side(out, s, env, io, s->peer2, &q)) < 0) ||
	    (rc = secondary_side(out, s, env, io, &q)) < 0)
		goto done;
	sqlquote_add(&q,
	             "SELECT j.name AS job_name FROM msdb.dbo.sysjobs AS j "
	             "JOIN msdb.dbo.log_shipping_secondary AS ls "
	             "ON j.job_id IN (ls.copy_job_id, ls.restore_job_id) "
	             "JOIN msdb.dbo.log_shipping_secondary_databases AS sd "
	             "ON sd.secondary_id = ls.secondary_id "
	             "WHERE sd.secondary_database = %L AND j.enabled = 0;",
	             s->database);
	rc = enable_jobs(out, io, s->peer, &q);
done:
	sqlquote_release(&q);
	return rc;
}
