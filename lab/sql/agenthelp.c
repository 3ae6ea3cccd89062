/*
 * agenthelp: msdb.dbo.sp_help_job. Without a job: one row per job (the
 * summary result set, with last run from sysjobservers, the next
 * scheduled run, and current_execution_status 1 executing / 4 idle from
 * the Agent). With @job_id or @job_name: that row, then the job's steps,
 * schedules and target server, as @job_aspect = 'ALL' gives them
 * (@job_aspect 'JOB', 'STEPS', 'SCHEDULES', 'TARGETS' pick one). The
 * filters @enabled and @execution_status apply to the summary. Columns
 * the lab does not model (operators, proxies, retries) are NULL or 0.
 */
#include <string.h>
#include <strings.h>

#include "lab/sql/catalog.h"
#include "lab/sql/logship.h"
#include "lab/sql/procbind.h"
#include "lab/sql/value.h"

static const struct colspec job_spec[] = {
        {"job_id", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, false},
        {"originating_server", LAB_T_NVARCHAR, 30, 0, 0, true},
        C_SYSNAME("name", false),
        C_TINY("enabled", false),
        {"description", LAB_T_NVARCHAR, 512, 0, 0, true},
        C_INT("start_step_id", false),
        C_SYSNAME("category", true),
        C_SYSNAME("owner", true),
        C_INT("notify_level_eventlog", false),
        C_INT("notify_level_email", false),
        C_INT("notify_level_netsend", false),
        C_INT("notify_level_page", false),
        C_SYSNAME("notify_email_operator", true),
        C_SYSNAME("notify_netsend_operator", true),
        C_SYSNAME("notify_page_operator", true),
        C_INT("delete_level", false),
        C_DT("date_created", false),
        C_DT("date_modified", false),
        C_INT("version_number", false),
        C_INT("last_run_date", false),
        C_INT("last_run_time", false),
        C_INT("last_run_outcome", false),
        C_INT("next_run_date", false),
        C_INT("next_run_time", false),
        C_INT("next_run_schedule_id", false),
        C_INT("current_execution_status", false),
        C_SYSNAME("current_execution_step", true),
        C_INT("current_retry_attempt", false),
        C_INT("has_step", false),
        C_INT("has_schedule", false),
        C_INT("has_target", false),
        C_INT("type", false),
};

static void emit(struct sqlctx *c, struct rowset *rs)
{
	sqlout_columns(c, rs->cols, rs->n_cols);
	for (size_t r = 0; r < rs->n_rows; r++)
		sqlout_row(c, rs->rows[r], rs->n_cols);
	sqlout_done(c, LAB_DONE_COUNT, 0xC1, rs->n_rows);
	c->rowcount = rs->n_rows;
}

static void put_col(struct builder *b, const struct sqltable *t, const struct lab_value *row,
                    const char *col)
{
	int k = msdb_col(t, col);

	if (k >= 0 && row)
		b->row[b->k] = sqlval_dup(b->c->a, &row[k]);
	b->k++;
}

/* Earliest next run among the job's schedules. */
static void next_run(struct sqlinstance *inst, const uint8_t *id, int64_t *date, int64_t *time,
                     int64_t *sid, int *n_sched)
{
	struct sqltable *js = msdb_table(inst, "sysjobschedules");
	struct lab_value *row = NULL;

	*date = *time = *sid = 0;
	*n_sched = 0;
	while (js && (row = msdb_next_guid(js, "job_id", id, row))) {
		int64_t d = msdb_int(js, row, "next_run_date", 0),
		        t = msdb_int(js, row, "next_run_time", 0);

		(*n_sched)++;
		if (d > 0 && (*date == 0 || d * 1000000 + t < *date * 1000000 + *time)) {
			*date = d;
			*time = t;
			*sid = msdb_int(js, row, "schedule_id", 0);
		}
	}
}

static void job_row(struct sqlctx *c, struct builder *b, struct lab_value *job)
{
	struct sqltable *t = msdb_table(c->inst, "sysjobs");
	struct sqltable *srv = msdb_table(c->inst, "sysjobservers");
	struct sqltable *cat = msdb_table(c->inst, "syscategories");
	struct sqltable *st = msdb_table(c->inst, "sysjobsteps");
	const uint8_t *id = msdb_guid(t, job, "job_id");
	struct lab_value *s = msdb_find_guid(srv, "job_id", id);
	struct lab_value *crow =
	        msdb_find_int(cat, "category_id", msdb_int(t, job, "category_id", 0));
	int64_t nd, nt, nsid;
	int n_sched, step = 0;
	bool running = agent_job_running(c->inst, id, &step);

	next_run(c->inst, id, &nd, &nt, &nsid, &n_sched);
	catalog_row(b);
	put_col(b, t, job, "job_id");
	catalog_put_text(b, "(local)");
	put_col(b, t, job, "name");
	put_col(b, t, job, "enabled");
	put_col(b, t, job, "description");
	put_col(b, t, job, "start_step_id");
	catalog_put_text(b, crow ? msdb_text(cat, crow, "name") : NULL);
	catalog_put_text(b, "sa");
	put_col(b, t, job, "notify_level_eventlog");
	put_col(b, t, job, "notify_level_email");
	put_col(b, t, job, "notify_level_netsend");
	put_col(b, t, job, "notify_level_page");
	catalog_put_text(b, "(unknown)");
	catalog_put_text(b, "(unknown)");
	catalog_put_text(b, "(unknown)");
	put_col(b, t, job, "delete_level");
	put_col(b, t, job, "date_created");
	put_col(b, t, job, "date_modified");
	put_col(b, t, job, "version_number");
	catalog_put_int(b, s ? msdb_int(srv, s, "last_run_date", 0) : 0);
	catalog_put_int(b, s ? msdb_int(srv, s, "last_run_time", 0) : 0);
	catalog_put_int(b, s ? msdb_int(srv, s, "last_run_outcome", 5) : 5);
	catalog_put_int(b, nd);
	catalog_put_int(b, nt);
	catalog_put_int(b, nsid);
	catalog_put_int(b, running ? 1 : 4);
	if (running)
		catalog_put_text(b, arena_sprintf(c->a, "%d (step %d)", step, step));
	else
		catalog_put_text(b, "0 (unknown)");
	catalog_put_int(b, 0);
	catalog_put_int(b, msdb_find_guid(st, "job_id", id) ? 1 : 0);
	catalog_put_int(b, n_sched);
	catalog_put_int(b, s ? 1 : 0);
	catalog_put_int(b, 1);
}

static const struct colspec step_spec[] = {
        C_INT("step_id", false),
        C_SYSNAME("step_name", false),
        {"subsystem", LAB_T_NVARCHAR, 40, 0, 0, false},
        {"command", LAB_T_NVARCHAR, -1, 0, 0, true},
        C_INT("flags", false),
        C_INT("on_success_action", false),
        C_INT("on_fail_action", false),
        C_SYSNAME("database_name", true),
        C_INT("retry_attempts", false),
        C_INT("retry_interval", false),
        C_INT("last_run_outcome", false),
        C_INT("last_run_duration", false),
        C_INT("last_run_date", false),
        C_INT("last_run_time", false),
};

static void steps_set(struct sqlctx *c, const uint8_t *id)
{
	static const char *const cols[] = {
	        "step_id",        "step_name",         "subsystem",        "command",
	        "flags",          "on_success_action", "on_fail_action",   "database_name",
	        "retry_attempts", "retry_interval",    "last_run_outcome", "last_run_duration",
	        "last_run_date",  "last_run_time"};
	struct sqltable *st = msdb_table(c->inst, "sysjobsteps");
	struct builder b;
	struct rowset rs;
	struct lab_value *row = NULL;

	catalog_start(&b, c, &rs, step_spec, 14, st ? st->rows.len : 0);
	while (st && (row = msdb_next_guid(st, "job_id", id, row))) {
		catalog_row(&b);
		for (size_t i = 0; i < 14; i++)
			put_col(&b, st, row, cols[i]);
	}
	emit(c, &rs);
}

static const struct colspec sched_spec[] = {
        C_INT("schedule_id", false),
        C_SYSNAME("schedule_name", false),
        C_INT("enabled", false),
        C_INT("freq_type", false),
        C_INT("freq_interval", false),
        C_INT("freq_subday_type", false),
        C_INT("freq_subday_interval", false),
        C_INT("active_start_date", false),
        C_INT("active_end_date", false),
        C_INT("active_start_time", false),
        C_INT("active_end_time", false),
        C_INT("next_run_date", false),
        C_INT("next_run_time", false),
        {"schedule_uid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
};

static void schedules_set(struct sqlctx *c, const uint8_t *id)
{
	static const char *const cols[] = {"schedule_id",
	                                   "name",
	                                   "enabled",
	                                   "freq_type",
	                                   "freq_interval",
	                                   "freq_subday_type",
	                                   "freq_subday_interval",
	                                   "active_start_date",
	                                   "active_end_date",
	                                   "active_start_time",
	                                   "active_end_time"};
	struct sqltable *js = msdb_table(c->inst, "sysjobschedules");
	struct sqltable *ss = msdb_table(c->inst, "sysschedules");
	struct builder b;
	struct rowset rs;
	struct lab_value *row = NULL;

	catalog_start(&b, c, &rs, sched_spec, 14, js ? js->rows.len : 0);
	while (js && ss && (row = msdb_next_guid(js, "job_id", id, row))) {
		struct lab_value *s =
		        msdb_find_int(ss, "schedule_id", msdb_int(js, row, "schedule_id", 0));

		if (!s)
			continue;
		catalog_row(&b);
		for (size_t i = 0; i < 11; i++)
			put_col(&b, ss, s, cols[i]);
		put_col(&b, js, row, "next_run_date");
		put_col(&b, js, row, "next_run_time");
		put_col(&b, ss, s, "schedule_uid");
	}
	emit(c, &rs);
}

static bool aspect(const char *want, const char *name)
{
	return !want || !strcasecmp(want, "ALL") || !strcasecmp(want, name);
}

int agentproc_help_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	static const char *const names[] = {
	        "@job_id",           "@job_name",        "@job_aspect",    "@job_type",
	        "@owner_login_name", "@subsystem",       "@category_name", "@enabled",
	        "@execution_status", "@date_comparator", "@date_created",  "@date_last_modified",
	        "@description"};
	struct procbind b;
	struct builder bl;
	struct rowset rs;
	struct sqltable *t;
	struct lab_value *job = NULL;
	const char *want;
	int64_t enabled;
	int rc = 0;
	uint8_t id[16];

	LS_BIND(c, b, "sp_help_job", names, a, n, line);
	if (procbind_int(c, &b, "@enabled", -1, &enabled))
		return -1;
	want = procbind_text(c, &b, "@job_aspect");
	pthread_mutex_lock(&c->inst->lock);
	t = msdb_table(c->inst, "sysjobs");
	if ((procbind_given(&b, "@job_id") || procbind_given(&b, "@job_name")) &&
	    !(job = agentproc_job_arg(c, &b, &rc))) {
		pthread_mutex_unlock(&c->inst->lock);
		*status = 1;
		return rc < 0 ? -1 : 0;
	}
	if (!job || aspect(want, "JOB")) {
		catalog_start(&bl, c, &rs, job_spec, sizeof(job_spec) / sizeof(job_spec[0]),
		              t ? t->rows.len : 0);
		for (size_t r = 0; t && r < t->rows.len; r++)
			if ((job ? t->rows.items[r] == job
			         : enabled < 0 || msdb_int(t, t->rows.items[r], "enabled", 0) ==
			                                  enabled))
				job_row(c, &bl, t->rows.items[r]);
		emit(c, &rs);
	}
	if (job) {
		memcpy(id, msdb_guid(t, job, "job_id"), 16);
		if (aspect(want, "STEPS"))
			steps_set(c, id);
		if (aspect(want, "SCHEDULES"))
			schedules_set(c, id);
	}
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}
