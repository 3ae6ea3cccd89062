/*
 * agentproc_run: the Agent procedures that change or drive an existing
 * job: sp_update_job (@enabled, @new_name, @description; the other
 * documented parameters are accepted and ignored), sp_delete_job,
 * sp_start_job (returns at once with 14243 "Job '%s' started
 * successfully."; the Agent thread runs the job, so it can still read
 * as idle for a moment, as on SQL Server) and sp_stop_job. When the
 * Agent refuses, the error is 22022 with SQLServerAgent's text.
 */
#include <stdio.h>
#include <string.h>

#include "lab/sql/logship.h"
#include "lab/sql/procbind.h"
#include "lab/sql/value.h"

int agentproc_update_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	static const char *const names[] = {"@job_id",
	                                    "@job_name",
	                                    "@new_name",
	                                    "@enabled",
	                                    "@description",
	                                    "@start_step_id",
	                                    "@category_name",
	                                    "@owner_login_name",
	                                    "@notify_level_eventlog",
	                                    "@notify_level_email",
	                                    "@notify_level_netsend",
	                                    "@notify_level_page",
	                                    "@notify_email_operator_name",
	                                    "@notify_netsend_operator_name",
	                                    "@notify_page_operator_name",
	                                    "@delete_level",
	                                    "@automatic_post"};
	struct procbind b;
	struct lab_value *job;
	struct sqltable *t;
	const char *new_name, *desc;
	int64_t enabled;
	int rc;

	LS_BIND(c, b, "sp_update_job", names, a, n, line);
	if (procbind_int(c, &b, "@enabled", -1, &enabled))
		return -1;
	new_name = procbind_text(c, &b, "@new_name");
	desc = procbind_text(c, &b, "@description");
	pthread_mutex_lock(&c->inst->lock);
	job = agentproc_job_arg(c, &b, &rc);
	t = msdb_table(c->inst, "sysjobs");
	if (job && new_name && agentjob_find(c->inst, new_name, NULL) &&
	    agentjob_find(c->inst, new_name, NULL) != job) {
		procbind_raise(c, &b, 14261, "The specified @new_name ('%s') already exists.",
		               new_name);
		job = NULL;
		rc = 1;
	}
	if (job) {
		if (enabled >= 0)
			msdb_set_int(t, job, "enabled", enabled != 0);
		if (new_name)
			msdb_set_text(t, job, "name", new_name);
		if (desc)
			msdb_set_text(t, job, "description", desc);
		msdb_set_time(t, job, "date_modified", sqlval_now_us());
		msdb_set_int(t, job, "version_number", msdb_int(t, job, "version_number", 1) + 1);
	}
	pthread_mutex_unlock(&c->inst->lock);
	*status = job ? 0 : 1;
	return !job && rc < 0 ? -1 : 0;
}

int agentproc_delete_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	static const char *const names[] = {"@job_id", "@job_name", "@originating_server",
	                                    "@delete_history", "@delete_unused_schedule"};
	struct procbind b;
	struct lab_value *job;
	uint8_t id[16];
	int rc;

	LS_BIND(c, b, "sp_delete_job", names, a, n, line);
	pthread_mutex_lock(&c->inst->lock);
	if ((job = agentproc_job_arg(c, &b, &rc))) {
		memcpy(id, agentproc_job_id(c, job), 16);
		agentjob_delete(c->inst, id);
	}
	pthread_mutex_unlock(&c->inst->lock);
	*status = job ? 0 : 1;
	return !job && rc < 0 ? -1 : 0;
}

static const char *const start_names[] = {"@job_name",    "@job_id",    "@error_flag",
                                          "@server_name", "@step_name", "@output_flag"};

/* Look the job up and copy its id and name; 0, 1 (error sent), -1. */
static int job_ref(struct sqlctx *c, const struct procbind *b, uint8_t id[16], char *name,
                   size_t cap)
{
	struct lab_value *job;
	int rc;

	pthread_mutex_lock(&c->inst->lock);
	job = agentproc_job_arg(c, b, &rc);
	if (job) {
		memcpy(id, agentproc_job_id(c, job), 16);
		snprintf(name, cap, "%s", msdb_text(msdb_table(c->inst, "sysjobs"), job, "name"));
	}
	pthread_mutex_unlock(&c->inst->lock);
	return job ? 0 : rc;
}

int agentproc_start_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	struct procbind b;
	uint8_t id[16];
	char name[129], by[129], text[600];
	int rc;

	LS_BIND(c, b, "sp_start_job", start_names, a, n, line);
	if ((rc = job_ref(c, &b, id, name, sizeof(name))) != 0) {
		*status = 1;
		return rc < 0 ? -1 : 0;
	}
	rc = agent_request(c->inst, id, AGENT_SOURCE_USER, 0, c->s->login, by, sizeof(by));
	if (rc == 1) {
		*status = procbind_raise(c, &b, 22022,
		                         "SQLServerAgent is not currently running so it cannot be "
		                         "notified of this action.");
		return 0;
	}
	if (rc == 2) {
		*status =
		        procbind_raise(c, &b, 22022,
		                       "SQLServerAgent Error: Request to run job %s (from User %s) "
		                       "refused because the job is already running from a request "
		                       "by User %s.",
		                       name, c->s->login, *by ? by : "(Schedule)");
		return 0;
	}
	snprintf(text, sizeof(text), "Job '%s' started successfully.", name);
	sqlout_info(c, 14243, 1, line, text);
	return 0;
}

int agentproc_stop_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	static const char *const names[] = {"@job_name", "@job_id", "@originating_server",
	                                    "@server_name"};
	struct procbind b;
	uint8_t id[16];
	char name[129], text[600];
	int rc;

	LS_BIND(c, b, "sp_stop_job", names, a, n, line);
	if ((rc = job_ref(c, &b, id, name, sizeof(name))) != 0) {
		*status = 1;
		return rc < 0 ? -1 : 0;
	}
	if (agent_stop(c->inst, id)) {
		*status = procbind_raise(
		        c, &b, 22022,
		        "SQLServerAgent Error: Request to stop job %s (from User %s) "
		        "refused because the job is not currently running.",
		        name, c->s->login);
		return 0;
	}
	snprintf(text, sizeof(text), "Job '%s' stopped successfully.", name);
	sqlout_info(c, 14257, 1, line, text);
	return 0;
}
