/*
 * agentrun: running one Agent job: its steps in order (on success go to
 * the next step or quit, on failure quit reporting failure: the
 * on_success_action/on_fail_action codes 1-4), each step's row in
 * msdb.dbo.sysjobhistory when it ends, then the job outcome row
 * (step_id 0), sysjobservers' last run and the Agent session's
 * sysjobactivity row (start_execution_date when it starts,
 * stop_execution_date when it ends). T-SQL steps run through an
 * internal sysadmin session of the same engine, exactly as a client's
 * batch runs; CmdExec steps that call sqllogship.exe run the log
 * shipping bodies (logship_run.c); other programs cannot run in the lab
 * and fail. Retries and output files are not modelled.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/agent.h"
#include "lab/sql/value.h"
#include "util/xalloc.h"

struct stepdef {
	int32_t id;
	char name[129];
	char subsystem[41];
	char *command;
	char database[129];
	int32_t on_success, on_fail, on_success_step, on_fail_step;
};

struct jobrun {
	struct sqlinstance *inst;
	uint8_t id[16];
	char name[129];
	char invoked[300];
	VEC(struct stepdef) steps;
	int64_t start_us;
	int32_t session_id;
};

void agentrun_say(struct agentstep_result *r, const char *fmt, ...)
{
	size_t n = strlen(r->message);
	va_list ap;

	if (n + 1 >= sizeof(r->message))
		return;
	va_start(ap, fmt);
	vsnprintf(r->message + n, sizeof(r->message) - n, fmt, ap);
	va_end(ap);
}

/* --- T-SQL through an internal session --------------------------------- */

const char *agentrun_sep(const struct agentstep_result *r)
{
	size_t n = strlen(r->message);

	return n == 0 || r->message[n - 1] == ' ' ? "" : "  ";
}

static void tsql_message(void *ctx, const struct lab_message *m)
{
	struct agentstep_result *r = ctx;

	agentrun_say(r, "%s%s [SQLSTATE %s] (%s %d)", agentrun_sep(r), m->text,
	             m->is_error ? "42000" : "01000", m->is_error ? "Error" : "Message", m->number);
	if (m->is_error) {
		r->failed = true;
		r->sql_message_id = m->number;
		r->sql_severity = m->severity;
	} else if (!r->sql_message_id) {
		r->sql_message_id = m->number;
	}
}

static bool tsql_cancelled(void *ctx)
{
	(void)ctx;
	return false;
}

static struct lab_session *agent_session(struct sqlinstance *inst, const char *db,
                                         const char *program, struct lab_login_result *res)
{
	const struct lab_world *w = inst->world;
	struct lab_login login;
	struct lab_session *s = NULL;
	size_t index = 0;

	while (index < w->n_inst && w->inst[index] != inst)
		index++;
	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < w->n_logins; i++) {
		if (!w->logins[i].sysadmin)
			continue;
		memset(&login, 0, sizeof(login));
		login.user = w->logins[i].name;
		login.password = w->logins[i].password;
		login.database = db && *db ? db : "master";
		login.app_name = program;
		login.host_name = inst->name;
		login.tds_version = 0x74000004;
		login.packet_size = 4096;
		if (lab_session_open((struct lab_world *)w, index, &login, &s, res) == 0)
			return s;
		break;
	}
	return NULL;
}

int agentrun_tsql(struct sqlinstance *inst, const char *db, const char *sql, const char *program,
                  struct agentstep_result *r)
{
	struct lab_sink sink;
	struct lab_login_result res;
	struct lab_session *s = agent_session(inst, db, program, &res);

	if (!s) {
		agentrun_say(r, "%s%s [SQLSTATE 42000] (Error %d)", agentrun_sep(r),
		             res.error ? res.message : "No sysadmin login to run the step as.",
		             res.error);
		r->failed = true;
		r->sql_message_id = res.error;
		r->sql_severity = res.severity;
		return -1;
	}
	memset(&sink, 0, sizeof(sink));
	sink.ctx = r;
	sink.message = tsql_message;
	sink.cancelled = tsql_cancelled;
	lab_session_batch(s, sql, &sink);
	lab_session_close(s);
	return 0;
}

/* --- one job ----------------------------------------------------------- */

static void copy_text(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

/* Read the job's name and steps (instance lock held). false: gone. */
static bool load_job(struct jobrun *j, int source, int32_t schedule_id, const char *user)
{
	struct sqltable *jobs = msdb_table(j->inst, "sysjobs");
	struct sqltable *st = msdb_table(j->inst, "sysjobsteps");
	struct sqltable *ss = msdb_table(j->inst, "sysschedules");
	struct lab_value *row = jobs ? msdb_find_guid(jobs, "job_id", j->id) : NULL;
	struct lab_value *srow;

	if (!row || !st)
		return false;
	copy_text(j->name, sizeof(j->name), msdb_text(jobs, row, "name"));
	srow = ss && source == AGENT_SOURCE_SCHEDULER
	               ? msdb_find_int(ss, "schedule_id", schedule_id)
	               : NULL;
	if (srow)
		snprintf(j->invoked, sizeof(j->invoked), "Schedule %d (%s)", (int)schedule_id,
		         msdb_text(ss, srow, "name"));
	else
		snprintf(j->invoked, sizeof(j->invoked), "User %s", *user ? user : "sa");
	for (row = NULL; (row = msdb_next_guid(st, "job_id", j->id, row));) {
		struct stepdef d;

		memset(&d, 0, sizeof(d));
		d.id = (int32_t)msdb_int(st, row, "step_id", 1);
		copy_text(d.name, sizeof(d.name), msdb_text(st, row, "step_name"));
		copy_text(d.subsystem, sizeof(d.subsystem), msdb_text(st, row, "subsystem"));
		d.command =
		        xstrdup(msdb_text(st, row, "command") ? msdb_text(st, row, "command") : "");
		copy_text(d.database, sizeof(d.database), msdb_text(st, row, "database_name"));
		d.on_success = (int32_t)msdb_int(st, row, "on_success_action", 1);
		d.on_fail = (int32_t)msdb_int(st, row, "on_fail_action", 2);
		vec_push(&j->steps, d);
	}
	return true;
}

static struct lab_value *activity(struct jobrun *j, struct sqltable **t)
{
	struct lab_value *row = NULL;

	*t = msdb_table(j->inst, "sysjobactivity");
	while (*t && (row = msdb_next_guid(*t, "job_id", j->id, row)))
		if (msdb_int(*t, row, "session_id", 0) == j->session_id)
			return row;
	if (!*t)
		return NULL;
	row = msdb_add(*t);
	msdb_set_int(*t, row, "session_id", j->session_id);
	msdb_set_guid(*t, row, "job_id", j->id);
	return row;
}

static void mark_started(struct jobrun *j, int source)
{
	struct sqltable *t;
	struct lab_value *row = activity(j, &t);

	if (!row)
		return;
	msdb_set_time(t, row, "run_requested_date", j->start_us);
	msdb_set_text(t, row, "run_requested_source", source == AGENT_SOURCE_SCHEDULER ? "1" : "4");
	msdb_set_time(t, row, "queued_date", j->start_us);
	msdb_set_time(t, row, "start_execution_date", j->start_us);
	msdb_set_null(t, row, "last_executed_step_id");
	msdb_set_null(t, row, "last_executed_step_date");
	msdb_set_null(t, row, "stop_execution_date");
	msdb_set_null(t, row, "job_history_id");
}

static int32_t duration_hms(int64_t us)
{
	int64_t s = us / 1000000;

	return (int32_t)((s / 3600) * 10000 + (s / 60 % 60) * 100 + s % 60);
}

static int64_t history(struct jobrun *j, int32_t step_id, const char *step_name,
                       const struct agentstep_result *r, int status, int64_t start_us)
{
	struct sqltable *h = msdb_table(j->inst, "sysjobhistory");
	int64_t id, now = sqlval_now_us();
	struct lab_value *row;

	if (!h)
		return 0;
	id = msdb_max_int(h, "instance_id") + 1;
	row = msdb_add(h);
	msdb_set_int(h, row, "instance_id", id);
	msdb_set_guid(h, row, "job_id", j->id);
	msdb_set_int(h, row, "step_id", step_id);
	msdb_set_text(h, row, "step_name", step_name);
	msdb_set_int(h, row, "sql_message_id", r->sql_message_id);
	msdb_set_int(h, row, "sql_severity", r->sql_severity);
	msdb_set_text(h, row, "message", r->message);
	msdb_set_int(h, row, "run_status", status);
	msdb_set_int(h, row, "run_date", msdb_date_int(start_us));
	msdb_set_int(h, row, "run_time", msdb_time_int(start_us));
	msdb_set_int(h, row, "run_duration", duration_hms(now - start_us));
	msdb_set_int(h, row, "operator_id_emailed", 0);
	msdb_set_int(h, row, "operator_id_netsent", 0);
	msdb_set_int(h, row, "operator_id_paged", 0);
	msdb_set_int(h, row, "retries_attempted", 0);
	msdb_set_text(h, row, "server", j->inst->name);
	return id;
}

static void run_step(struct jobrun *j, const struct stepdef *d, struct agentstep_result *r)
{
	char program[200];

	agentrun_say(r, "Executed as user: NT SERVICE\\SQLSERVERAGENT. ");
	if (!strcasecmp(d->subsystem, "TSQL")) {
		snprintf(program, sizeof(program), "SQLAgent - TSQL JobStep (Job %s : Step %d)",
		         j->name, (int)d->id);
		agentrun_tsql(j->inst, d->database, d->command, program, r);
	} else if (!strcasecmp(d->subsystem, "CmdExec") && strcasestr(d->command, "sqllogship")) {
		logship_run(j->inst, d->command, r);
	} else {
		agentrun_say(r,
		             "The process could not be created for step %d of job %s (the lab "
		             "runs only T-SQL steps and sqllogship.exe).",
		             (int)d->id, j->name);
		r->failed = true;
	}
	agentrun_say(r, "  The step %s.", r->failed ? "failed" : "succeeded");
}

static const struct stepdef *step_by_id(const struct jobrun *j, int32_t id)
{
	for (size_t i = 0; i < j->steps.len; i++)
		if (j->steps.items[i].id == id)
			return &j->steps.items[i];
	return NULL;
}

/* Run the steps; returns run_status (0 failed, 1 succeeded, 3 canceled). */
static int run_steps(struct jobrun *j, const struct stepdef **last)
{
	const struct stepdef *d = step_by_id(j, 1);
	int status = 1;

	while (d) {
		struct agentstep_result r;
		int64_t t0 = sqlval_now_us();
		int32_t action;

		memset(&r, 0, sizeof(r));
		agent_set_step(j->inst, (int)d->id);
		run_step(j, d, &r);
		*last = d;
		pthread_mutex_lock(&j->inst->lock);
		history(j, d->id, d->name, &r, r.failed ? 0 : 1, t0);
		pthread_mutex_unlock(&j->inst->lock);
		action = r.failed ? d->on_fail : d->on_success;
		status = r.failed ? 0 : 1;
		if (agent_stop_asked(j->inst))
			return 3;
		if (action == 3)
			d = step_by_id(j, d->id + 1);
		else
			d = NULL;
		if (action == 3 && !d)
			break;
	}
	return status;
}

static void finish(struct jobrun *j, int status, const struct stepdef *last, const char *user)
{
	struct agentstep_result r;
	struct sqltable *srv, *act;
	struct lab_value *row;
	int64_t now = sqlval_now_us(), hid;

	memset(&r, 0, sizeof(r));
	if (status == 3)
		agentrun_say(&r, "The job was stopped prior to completion by User %s.  ",
		             *user ? user : "sa");
	else
		agentrun_say(&r, "The job %s.  ", status ? "succeeded" : "failed");
	agentrun_say(&r, "The Job was invoked by %s.", j->invoked);
	if (last)
		agentrun_say(&r, "  The last step to run was step %d (%s).", (int)last->id,
		             last->name);
	pthread_mutex_lock(&j->inst->lock);
	hid = history(j, 0, "(Job outcome)", &r, status, j->start_us);
	srv = msdb_table(j->inst, "sysjobservers");
	if (srv && (row = msdb_find_guid(srv, "job_id", j->id))) {
		msdb_set_int(srv, row, "last_run_outcome", status);
		msdb_set_text(srv, row, "last_outcome_message", r.message);
		msdb_set_int(srv, row, "last_run_date", msdb_date_int(j->start_us));
		msdb_set_int(srv, row, "last_run_time", msdb_time_int(j->start_us));
		msdb_set_int(srv, row, "last_run_duration", duration_hms(now - j->start_us));
	}
	if ((row = activity(j, &act))) {
		if (last) {
			msdb_set_int(act, row, "last_executed_step_id", last->id);
			msdb_set_time(act, row, "last_executed_step_date", now);
		}
		msdb_set_time(act, row, "stop_execution_date", now);
		msdb_set_int(act, row, "job_history_id", hid);
	}
	pthread_mutex_unlock(&j->inst->lock);
}

void agentrun_job(struct sqlinstance *inst, const uint8_t job_id[16], int source,
                  int32_t schedule_id, const char *user, int32_t session_id)
{
	struct jobrun j;
	const struct stepdef *last = NULL;
	bool found;
	int status;

	memset(&j, 0, sizeof(j));
	j.inst = inst;
	memcpy(j.id, job_id, 16);
	j.session_id = session_id;
	j.start_us = sqlval_now_us();
	pthread_mutex_lock(&inst->lock);
	found = load_job(&j, source, schedule_id, user);
	if (found)
		mark_started(&j, source);
	pthread_mutex_unlock(&inst->lock);
	if (found) {
		status = run_steps(&j, &last);
		finish(&j, status, last, user);
	}
	for (size_t i = 0; i < j.steps.len; i++)
		free(j.steps.items[i].command);
	vec_free(&j.steps);
}
