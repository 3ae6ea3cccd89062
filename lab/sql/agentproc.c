/*
 * agentproc: the SQL Server Agent procedures of msdb that create and
 * drive jobs: sp_add_job, sp_add_jobstep, sp_add_jobserver,
 * sp_add_schedule, sp_attach_schedule, sp_add_jobschedule,
 * sp_update_job, sp_delete_job, sp_start_job and sp_stop_job, with their
 * documented parameters, return codes (0 success, 1 failure) and errors
 * (14262 unknown job, 14294 job named twice or not at all, 14261 a name
 * in use, 14243 "started successfully", 22022 when the Agent refuses).
 * Only sysadmin logins may run them (229 otherwise: the lab has no
 * SQLAgent*Role). Notifications, operators, target servers other than
 * the local one and proxies are accepted where documented and ignored.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/logship.h"
#include "lab/sql/procbind.h"
#include "lab/sql/value.h"

int agentproc_allowed(struct sqlctx *c, const char *proc, int line)
{
	if (c->s->sysadmin)
		return 0;
	return sqlexec_fail(c, AB_STMT, 229, 14, line,
	                    "The EXECUTE permission was denied on the object '%s', database "
	                    "'msdb', schema 'dbo'.",
	                    proc);
}

/*
 * The job named by @job_id or @job_name (exactly one). Returns the
 * sysjobs row (instance lock held by the caller), or NULL after queuing
 * 14294/14262 (*rc = 1) or a conversion error (*rc = -1).
 */
struct lab_value *agentproc_job_arg(struct sqlctx *c, const struct procbind *b, int *rc)
{
	const char *name = procbind_text(c, b, "@job_name");
	uint8_t id[16];
	char idtext[40];
	int has_id = procbind_guid(c, b, "@job_id", id);
	struct lab_value *row;

	*rc = -1;
	if (has_id < 0)
		return NULL;
	*rc = 1;
	if ((has_id && name) || (!has_id && !name)) {
		procbind_raise(c, b, 14294,
		               "Supply either @job_id or @job_name to identify the job.");
		return NULL;
	}
	row = agentjob_find(c->inst, name, has_id ? id : NULL);
	if (!row) {
		sqlval_format_guid(idtext, sizeof(idtext), id);
		procbind_raise(c, b, 14262, "The specified %s ('%s') does not exist.",
		               name ? "@job_name" : "@job_id", name ? name : idtext);
	}
	return row;
}

const uint8_t *agentproc_job_id(struct sqlctx *c, const struct lab_value *row)
{
	return msdb_guid(msdb_table(c->inst, "sysjobs"), row, "job_id");
}

int agentproc_add_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	static const char *const names[] = {"@job_name",
	                                    "@enabled",
	                                    "@description",
	                                    "@start_step_id",
	                                    "@category_name",
	                                    "@category_id",
	                                    "@owner_login_name",
	                                    "@notify_level_eventlog",
	                                    "@notify_level_email",
	                                    "@notify_level_netsend",
	                                    "@notify_level_page",
	                                    "@notify_email_operator_name",
	                                    "@notify_netsend_operator_name",
	                                    "@notify_page_operator_name",
	                                    "@delete_level",
	                                    "@job_id",
	                                    "@originating_server"};
	struct procbind b;
	const char *name, *category;
	int64_t enabled;
	int32_t cat = 0;
	uint8_t id[16];

	LS_BIND(c, b, "sp_add_job", names, a, n, line);
	if (procbind_require(c, &b, "@job_name") || procbind_int(c, &b, "@enabled", 1, &enabled))
		return -1;
	name = procbind_text(c, &b, "@job_name");
	category = procbind_text(c, &b, "@category_name");
	pthread_mutex_lock(&c->inst->lock);
	if (agentjob_find(c->inst, name, NULL)) {
		pthread_mutex_unlock(&c->inst->lock);
		*status = procbind_raise(c, &b, 14261,
		                         "The specified @job_name ('%s') already exists.", name);
		return 0;
	}
	if (category && (cat = agentjob_category(c->inst, category)) < 0) {
		pthread_mutex_unlock(&c->inst->lock);
		*status = procbind_raise(c, &b, 14262,
		                         "The specified @category_name ('%s') does not "
		                         "exist.",
		                         category);
		return 0;
	}
	agentjob_create(c->inst, name, enabled != 0, procbind_text(c, &b, "@description"), cat, id);
	pthread_mutex_unlock(&c->inst->lock);
	procbind_output_guid(c, &b, "@job_id", id);
	return 0;
}

int agentproc_add_jobstep(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	static const char *const names[] = {"@job_id",
	                                    "@job_name",
	                                    "@step_id",
	                                    "@step_name",
	                                    "@subsystem",
	                                    "@command",
	                                    "@additional_parameters",
	                                    "@cmdexec_success_code",
	                                    "@on_success_action",
	                                    "@on_success_step_id",
	                                    "@on_fail_action",
	                                    "@on_fail_step_id",
	                                    "@server",
	                                    "@database_name",
	                                    "@database_user_name",
	                                    "@retry_attempts",
	                                    "@retry_interval",
	                                    "@os_run_priority",
	                                    "@output_file_name",
	                                    "@flags",
	                                    "@proxy_id",
	                                    "@proxy_name",
	                                    "@step_uid"};
	struct procbind b;
	struct lab_value *job;
	struct sqltable *steps;
	const char *subsystem;
	int64_t step_id;
	uint8_t id[16];
	int rc;

	LS_BIND(c, b, "sp_add_jobstep", names, a, n, line);
	if (procbind_require(c, &b, "@step_name"))
		return -1;
	subsystem = procbind_text(c, &b, "@subsystem");
	pthread_mutex_lock(&c->inst->lock);
	if (!(job = agentproc_job_arg(c, &b, &rc))) {
		pthread_mutex_unlock(&c->inst->lock);
		*status = 1;
		return rc < 0 ? -1 : 0;
	}
	memcpy(id, agentproc_job_id(c, job), 16);
	steps = msdb_table(c->inst, "sysjobsteps");
	step_id = 1;
	for (struct lab_value *r = NULL; steps && (r = msdb_next_guid(steps, "job_id", id, r));)
		step_id++;
	if (procbind_int(c, &b, "@step_id", step_id, &step_id) == 0)
		agentjob_add_step(c->inst, id, (int32_t)step_id, procbind_text(c, &b, "@step_name"),
		                  subsystem ? subsystem : "TSQL", procbind_text(c, &b, "@command"),
		                  procbind_text(c, &b, "@database_name"));
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}

int agentproc_add_jobserver(struct sqlctx *c, struct procarg *a, size_t n, int line,
                            int32_t *status)
{
	static const char *const names[] = {"@job_id", "@job_name", "@server_name",
	                                    "@automatic_post"};
	struct procbind b;
	struct lab_value *job;
	int rc;

	LS_BIND(c, b, "sp_add_jobserver", names, a, n, line);
	pthread_mutex_lock(&c->inst->lock);
	if ((job = agentproc_job_arg(c, &b, &rc)))
		agentjob_add_server(c->inst, agentproc_job_id(c, job));
	pthread_mutex_unlock(&c->inst->lock);
	if (!job)
		*status = 1;
	return !job && rc < 0 ? -1 : 0;
}

static const char *const sched_names[] = {"@job_id",
                                          "@job_name",
                                          "@schedule_name",
                                          "@name",
                                          "@enabled",
                                          "@freq_type",
                                          "@freq_interval",
                                          "@freq_subday_type",
                                          "@freq_subday_interval",
                                          "@freq_relative_interval",
                                          "@freq_recurrence_factor",
                                          "@active_start_date",
                                          "@active_end_date",
                                          "@active_start_time",
                                          "@active_end_time",
                                          "@owner_login_name",
                                          "@schedule_uid",
                                          "@schedule_id",
                                          "@originating_server",
                                          "@automatic_post"};

/* The schedule's fields from the bound parameters; 1 after 14266. */
static int read_schedule(struct sqlctx *c, const struct procbind *b, struct agentsched *s)
{
	int64_t v[9];
	static const char *const keys[] = {"@enabled",
	                                   "@freq_type",
	                                   "@freq_interval",
	                                   "@freq_subday_type",
	                                   "@freq_subday_interval",
	                                   "@active_start_date",
	                                   "@active_end_date",
	                                   "@active_start_time",
	                                   "@active_end_time"};
	const int64_t dflt[] = {1, 1, 0, 0, 0, msdb_date_int(sqlval_now_us()), 99991231, 0, 235959};

	for (size_t i = 0; i < 9; i++)
		if (procbind_int(c, b, keys[i], dflt[i], &v[i]))
			return -1;
	s->enabled = v[0] != 0;
	s->freq_type = (int32_t)v[1];
	s->freq_interval = (int32_t)v[2];
	s->freq_subday_type = (int32_t)v[3];
	s->freq_subday_interval = (int32_t)v[4];
	s->active_start_date = (int32_t)v[5];
	s->active_end_date = (int32_t)v[6];
	s->active_start_time = (int32_t)v[7];
	s->active_end_time = (int32_t)v[8];
	if (s->freq_type != 1 && s->freq_type != 4 && s->freq_type != 8 && s->freq_type != 16 &&
	    s->freq_type != 32 && s->freq_type != 64 && s->freq_type != 128)
		return procbind_raise(c, b, 14266,
		                      "The specified '@freq_type' is invalid (valid values are: 1, "
		                      "4, 8, 16, 32, 64, 128).");
	if ((s->freq_type == 4 || s->freq_type == 8) && s->freq_subday_type != 1 &&
	    s->freq_subday_type != 2 && s->freq_subday_type != 4 && s->freq_subday_type != 8)
		return procbind_raise(c, b, 14266,
		                      "The specified '@freq_subday_type' is invalid (valid values "
		                      "are: 0x1, 0x2, 0x4, 0x8).");
	return 0;
}

/* sp_add_schedule, and the first half of sp_add_jobschedule. */
static int add_schedule(struct sqlctx *c, const struct procbind *b, const char *name,
                        int32_t *schedule_id)
{
	struct agentsched s;
	uint8_t uid[16];
	int rc = read_schedule(c, b, &s);

	if (rc)
		return rc;
	pthread_mutex_lock(&c->inst->lock);
	*schedule_id = agentjob_add_schedule(c->inst, name, &s, uid);
	pthread_mutex_unlock(&c->inst->lock);
	procbind_output_guid(c, b, "@schedule_uid", uid);
	procbind_output_int(c, b, "@schedule_id", *schedule_id);
	return 0;
}

int agentproc_add_schedule(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	struct procbind b;
	int32_t id;
	int rc;

	LS_BIND(c, b, "sp_add_schedule", sched_names, a, n, line);
	if (procbind_require(c, &b, "@schedule_name"))
		return -1;
	rc = add_schedule(c, &b, procbind_text(c, &b, "@schedule_name"), &id);
	*status = rc > 0 ? 1 : 0;
	return rc < 0 ? -1 : 0;
}

int agentproc_add_jobschedule(struct sqlctx *c, struct procarg *a, size_t n, int line,
                              int32_t *status)
{
	struct procbind b;
	struct lab_value *job;
	uint8_t id[16];
	int32_t sid;
	int rc;

	LS_BIND(c, b, "sp_add_jobschedule", sched_names, a, n, line);
	if (procbind_require(c, &b, "@name"))
		return -1;
	pthread_mutex_lock(&c->inst->lock);
	job = agentproc_job_arg(c, &b, &rc);
	if (job)
		memcpy(id, agentproc_job_id(c, job), 16);
	pthread_mutex_unlock(&c->inst->lock);
	if (!job) {
		*status = 1;
		return rc < 0 ? -1 : 0;
	}
	if ((rc = add_schedule(c, &b, procbind_text(c, &b, "@name"), &sid)) != 0) {
		*status = 1;
		return rc < 0 ? -1 : 0;
	}
	pthread_mutex_lock(&c->inst->lock);
	agentjob_attach(c->inst, id, sid);
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}

int agentproc_attach_schedule(struct sqlctx *c, struct procarg *a, size_t n, int line,
                              int32_t *status)
{
	static const char *const names[] = {"@job_id", "@job_name", "@schedule_id",
	                                    "@schedule_name", "@automatic_post"};
	struct procbind b;
	struct lab_value *job, *srow = NULL;
	struct sqltable *ss;
	const char *sname;
	int64_t sid = 0;
	int rc;

	LS_BIND(c, b, "sp_attach_schedule", names, a, n, line);
	if (procbind_int(c, &b, "@schedule_id", 0, &sid))
		return -1;
	sname = procbind_text(c, &b, "@schedule_name");
	pthread_mutex_lock(&c->inst->lock);
	job = agentproc_job_arg(c, &b, &rc);
	ss = msdb_table(c->inst, "sysschedules");
	if (job && ss)
		srow = sname ? msdb_find_text(ss, "name", sname)
		             : msdb_find_int(ss, "schedule_id", sid);
	if (job && !srow)
		procbind_raise(c, &b, 14262, "The specified %s ('%s') does not exist.",
		               sname ? "@schedule_name" : "@schedule_id",
		               sname ? sname
		                     : sqlval_text(&(struct lab_value){.type = LAB_T_INT, .i = sid},
		                                   c->a, &(size_t){0}));
	else if (job)
		agentjob_attach(c->inst, agentproc_job_id(c, job),
		                (int32_t)msdb_int(ss, srow, "schedule_id", 0));
	pthread_mutex_unlock(&c->inst->lock);
	*status = job && srow ? 0 : 1;
	return !job && rc < 0 ? -1 : 0;
}
