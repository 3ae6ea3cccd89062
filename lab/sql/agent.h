/*
 * agent: SQL Server Agent inside the lab, internal interfaces between
 * the Agent thread (agent.c), its job runner (agentrun.c), the job and
 * schedule model in msdb (agentjob.c), the Agent procedures
 * (agentproc.c, agenthelp.c) and log shipping (logship*.c). Jobs,
 * steps, schedules, history and activity are rows of msdb tables, so
 * they persist with the instance and every SELECT sees them; only the
 * run queue and the running job live in memory. Internal to lab/sql.
 */
#ifndef PCDR_LAB_SQL_AGENT_H
#define PCDR_LAB_SQL_AGENT_H

#include "lab/sql/exec.h"
#include "lab/sql/msdb.h"

#define AGENT_SOURCE_SCHEDULER 1
#define AGENT_SOURCE_USER      4

/* What a job step did, for sysjobhistory and the job outcome. */
struct agentstep_result {
	bool failed;
	int32_t sql_message_id; /* last error (or message) number, 0 none */
	int32_t sql_severity;
	char message[4000];
};

/* --- the Agent thread (agent.c) -------------------------------------- */

/* Queue a run of job_id. 0 queued; 1 the Agent of this instance is not
 * running; 2 the job is already running or queued (by whom in *by). */
int agent_request(struct sqlinstance *inst, const uint8_t job_id[16], int source,
                  int32_t schedule_id, const char *user, char *by, size_t by_cap);
/* Is job_id running now (step in *step when so)? */
bool agent_job_running(struct sqlinstance *inst, const uint8_t job_id[16], int *step);
/* Ask a running job to stop after its current step. 0, or 1 not running. */
int agent_stop(struct sqlinstance *inst, const uint8_t job_id[16]);
/* The Agent's session_id in msdb.dbo.syssessions (0 when not running). */
int32_t agent_session_id(struct sqlinstance *inst);
/* For the job runner: should the running job stop (sp_stop_job, the
 * instance stopped, the lab going down)? And which step it is on. */
bool agent_stop_asked(struct sqlinstance *inst);
void agent_set_step(struct sqlinstance *inst, int step);

/* --- jobs and schedules in msdb (agentjob.c; instance lock held) ----- */

/* The sysjobs row named `name`, or with id `id` when name is NULL. */
struct lab_value *agentjob_find(struct sqlinstance *inst, const char *name, const uint8_t *id);
/* Add a job (sysjobs, sysjobactivity for the current Agent session). */
void agentjob_create(struct sqlinstance *inst, const char *name, bool enabled,
                     const char *description, int32_t category_id, uint8_t id_out[16]);
/* Target the job at this server (sysjobservers, outcome 5 unknown). */
void agentjob_add_server(struct sqlinstance *inst, const uint8_t job_id[16]);
void agentjob_add_step(struct sqlinstance *inst, const uint8_t job_id[16], int32_t step_id,
                       const char *name, const char *subsystem, const char *command,
                       const char *database);
/* Delete a job with its steps, schedules' attachments, servers, history
 * and activity (schedules no other job uses are deleted too). */
void agentjob_delete(struct sqlinstance *inst, const uint8_t job_id[16]);
/* Category id of a name (-1 unknown). */
int32_t agentjob_category(struct sqlinstance *inst, const char *name);

struct agentsched {
	int32_t freq_type, freq_interval, freq_subday_type, freq_subday_interval;
	int32_t active_start_date, active_end_date, active_start_time, active_end_time;
	bool enabled;
};

/* Next run strictly after `after_us` (lab time), 0 for never. */
int64_t agentsched_next(const struct agentsched *s, int64_t after_us);
void agentsched_read(const struct sqltable *t, const struct lab_value *row, struct agentsched *s);
/* sysschedules row; returns schedule_id. */
int32_t agentjob_add_schedule(struct sqlinstance *inst, const char *name,
                              const struct agentsched *s, uint8_t uid_out[16]);
/* sysjobschedules row with the next run computed from now. */
void agentjob_attach(struct sqlinstance *inst, const uint8_t job_id[16], int32_t schedule_id);
/* Microseconds of a sysjobschedules next_run_date/next_run_time pair. */
int64_t agentjob_run_us(int32_t date, int32_t time);

/* --- running a job (agentrun.c) ---------------------------------------- */

/* Run job_id now on the Agent thread: steps, sysjobhistory (step rows
 * and the step 0 outcome), sysjobservers, sysjobactivity. Takes and
 * releases the instance lock itself. */
void agentrun_job(struct sqlinstance *inst, const uint8_t job_id[16], int source,
                  int32_t schedule_id, const char *user, int32_t session_id);
/* Run T-SQL as the Agent (a sysadmin session on this instance, database
 * `db`), collecting messages into r. 0, or -1 when no session opened. */
int agentrun_tsql(struct sqlinstance *inst, const char *db, const char *sql, const char *program,
                  struct agentstep_result *r);
/* "" or the two spaces that separate sentences in r->message. */
const char *agentrun_sep(const struct agentstep_result *r);
/* Append to r->message (bounded). */
void agentrun_say(struct agentstep_result *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* --- log shipping job bodies (logship_run.c) ------------------------- */

/* sqllogship.exe -Backup|-Copy|-Restore <id> -server <name>. */
void logship_run(struct sqlinstance *inst, const char *command, struct agentstep_result *r);

#endif
