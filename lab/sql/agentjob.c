/*
 * agentjob: SQL Server Agent jobs, steps and schedules as msdb rows
 * (sysjobs, sysjobsteps, sysjobservers, sysschedules, sysjobschedules,
 * sysjobactivity), and the schedule arithmetic: the next run of a
 * one-time, daily or weekly schedule with its sub-day repetition
 * (seconds, minutes, hours) between active start and end times, on the
 * lab clock. Monthly and on-idle schedules never fire (documented in
 * CONFORMANCE.md). Callers hold the instance lock.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/agent.h"
#include "lab/sql/value.h"

#define DAY_US 86400000000LL

struct lab_value *agentjob_find(struct sqlinstance *inst, const char *name, const uint8_t *id)
{
	struct sqltable *t = msdb_table(inst, "sysjobs");

	if (!t)
		return NULL;
	return name ? msdb_find_text(t, "name", name) : msdb_find_guid(t, "job_id", id);
}

int32_t agentjob_category(struct sqlinstance *inst, const char *name)
{
	struct sqltable *t = msdb_table(inst, "syscategories");
	struct lab_value *row = t ? msdb_find_text(t, "name", name) : NULL;

	return row ? (int32_t)msdb_int(t, row, "category_id", 0) : -1;
}

static void activity_row(struct sqlinstance *inst, const uint8_t job_id[16])
{
	struct sqltable *t = msdb_table(inst, "sysjobactivity");
	int32_t session = agent_session_id(inst);
	struct lab_value *row;

	if (!t || session <= 0)
		return;
	row = msdb_add(t);
	msdb_set_int(t, row, "session_id", session);
	msdb_set_guid(t, row, "job_id", job_id);
}

void agentjob_create(struct sqlinstance *inst, const char *name, bool enabled,
                     const char *description, int32_t category_id, uint8_t id_out[16])
{
	struct sqltable *t = msdb_table(inst, "sysjobs");
	int64_t now = sqlval_now_us();
	struct lab_value *row;

	world_new_guid(id_out);
	if (!t)
		return;
	row = msdb_add(t);
	msdb_set_guid(t, row, "job_id", id_out);
	msdb_set_int(t, row, "originating_server_id", 0);
	msdb_set_text(t, row, "name", name);
	msdb_set_int(t, row, "enabled", enabled);
	msdb_set_text(t, row, "description",
	              description ? description : "No description available.");
	msdb_set_int(t, row, "start_step_id", 1);
	msdb_set_int(t, row, "category_id", category_id);
	msdb_set_text(t, row, "owner_sid", "\x01");
	msdb_set_int(t, row, "notify_level_eventlog", 2);
	msdb_set_int(t, row, "notify_level_email", 0);
	msdb_set_int(t, row, "notify_level_netsend", 0);
	msdb_set_int(t, row, "notify_level_page", 0);
	msdb_set_int(t, row, "delete_level", 0);
	msdb_set_time(t, row, "date_created", now);
	msdb_set_time(t, row, "date_modified", now);
	msdb_set_int(t, row, "version_number", 1);
	activity_row(inst, id_out);
}

void agentjob_add_server(struct sqlinstance *inst, const uint8_t job_id[16])
{
	struct sqltable *t = msdb_table(inst, "sysjobservers");
	struct lab_value *row;

	if (!t || msdb_find_guid(t, "job_id", job_id))
		return;
	row = msdb_add(t);
	msdb_set_guid(t, row, "job_id", job_id);
	msdb_set_int(t, row, "server_id", 0);
	msdb_set_int(t, row, "last_run_outcome", 5);
	msdb_set_int(t, row, "last_run_date", 0);
	msdb_set_int(t, row, "last_run_time", 0);
	msdb_set_int(t, row, "last_run_duration", 0);
}

void agentjob_add_step(struct sqlinstance *inst, const uint8_t job_id[16], int32_t step_id,
                       const char *name, const char *subsystem, const char *command,
                       const char *database)
{
	struct sqltable *t = msdb_table(inst, "sysjobsteps");
	uint8_t uid[16];
	struct lab_value *row;

	if (!t)
		return;
	world_new_guid(uid);
	row = msdb_add(t);
	msdb_set_guid(t, row, "job_id", job_id);
	msdb_set_int(t, row, "step_id", step_id);
	msdb_set_text(t, row, "step_name", name);
	msdb_set_text(t, row, "subsystem", subsystem);
	msdb_set_text(t, row, "command", command);
	msdb_set_int(t, row, "flags", 0);
	msdb_set_text(t, row, "database_name", database);
	msdb_set_int(t, row, "on_success_action", 1);
	msdb_set_int(t, row, "on_fail_action", 2);
	msdb_set_int(t, row, "retry_attempts", 0);
	msdb_set_int(t, row, "retry_interval", 0);
	msdb_set_int(t, row, "last_run_outcome", 0);
	msdb_set_int(t, row, "last_run_duration", 0);
	msdb_set_int(t, row, "last_run_retries", 0);
	msdb_set_int(t, row, "last_run_date", 0);
	msdb_set_int(t, row, "last_run_time", 0);
	msdb_set_guid(t, row, "step_uid", uid);
}

static bool schedule_used(struct sqlinstance *inst, int64_t schedule_id)
{
	struct sqltable *js = msdb_table(inst, "sysjobschedules");

	return js && msdb_find_int(js, "schedule_id", schedule_id);
}

void agentjob_delete(struct sqlinstance *inst, const uint8_t job_id[16])
{
	static const char *const by_job[] = {"sysjobsteps", "sysjobservers", "sysjobhistory",
	                                     "sysjobactivity", "sysjobs"};
	struct sqltable *js = msdb_table(inst, "sysjobschedules");
	struct sqltable *ss = msdb_table(inst, "sysschedules");
	struct lab_value *row;

	while (js && (row = msdb_find_guid(js, "job_id", job_id))) {
		int64_t sid = msdb_int(js, row, "schedule_id", 0);
		struct lab_value *srow;

		msdb_delete_row(js, row);
		if (ss && !schedule_used(inst, sid) &&
		    (srow = msdb_find_int(ss, "schedule_id", sid)))
			msdb_delete_row(ss, srow);
	}
	for (size_t i = 0; i < sizeof(by_job) / sizeof(by_job[0]); i++) {
		struct sqltable *t = msdb_table(inst, by_job[i]);

		if (t)
			msdb_delete_guid(t, "job_id", job_id);
	}
}

/* --- schedules --------------------------------------------------------- */

void agentsched_read(const struct sqltable *t, const struct lab_value *row, struct agentsched *s)
{
	s->freq_type = (int32_t)msdb_int(t, row, "freq_type", 0);
	s->freq_interval = (int32_t)msdb_int(t, row, "freq_interval", 0);
	s->freq_subday_type = (int32_t)msdb_int(t, row, "freq_subday_type", 0);
	s->freq_subday_interval = (int32_t)msdb_int(t, row, "freq_subday_interval", 0);
	s->active_start_date = (int32_t)msdb_int(t, row, "active_start_date", 0);
	s->active_end_date = (int32_t)msdb_int(t, row, "active_end_date", 99991231);
	s->active_start_time = (int32_t)msdb_int(t, row, "active_start_time", 0);
	s->active_end_time = (int32_t)msdb_int(t, row, "active_end_time", 235959);
	s->enabled = msdb_int(t, row, "enabled", 1) != 0;
}

int64_t agentjob_run_us(int32_t date, int32_t time)
{
	char text[32];
	int64_t us;
	uint16_t ns;

	if (date <= 0)
		return 0;
	snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d", date / 10000,
	         date / 100 % 100, date % 100, time / 10000, time / 100 % 100, time % 100);
	return sqlval_parse_time(&us, &ns, text, strlen(text)) ? 0 : us;
}

static int64_t hms_us(int32_t t)
{
	return ((int64_t)(t / 10000) * 3600 + (t / 100 % 100) * 60 + t % 100) * 1000000;
}

static bool day_matches(const struct agentsched *s, int64_t day_us)
{
	int32_t date = msdb_date_int(day_us);
	int64_t start =
	        agentjob_run_us(s->active_start_date > 0 ? s->active_start_date : 19000101, 0);

	if (date < s->active_start_date || date > s->active_end_date)
		return false;
	if (s->freq_type == 4) {
		int64_t every = s->freq_interval > 0 ? s->freq_interval : 1;

		return ((day_us - start) / DAY_US) % every == 0;
	}
	if (s->freq_type == 8) {
		int wday = (int)(((day_us / DAY_US) % 7 + 11) % 7); /* 1970-01-01: Thursday */

		return (s->freq_interval >> wday) & 1; /* 1 = Sunday */
	}
	return false;
}

static int64_t within_day(const struct agentsched *s, int64_t day_us, int64_t after_us)
{
	int64_t first = day_us + hms_us(s->active_start_time);
	int64_t last = day_us + hms_us(s->active_end_time);
	int64_t unit = s->freq_subday_type == 2   ? 1000000LL
	               : s->freq_subday_type == 4 ? 60000000LL
	               : s->freq_subday_type == 8 ? 3600000000LL
	                                          : 0;
	int64_t step = unit * (s->freq_subday_interval > 0 ? s->freq_subday_interval : 1);

	if (first > after_us)
		return first;
	if (!unit)
		return 0;
	first += ((after_us - first) / step + 1) * step;
	return first <= last ? first : 0;
}

int64_t agentsched_next(const struct agentsched *s, int64_t after_us)
{
	int64_t day = after_us - ((after_us % DAY_US) + DAY_US) % DAY_US;

	if (!s->enabled)
		return 0;
	if (s->freq_type == 1) {
		int64_t at = agentjob_run_us(s->active_start_date, s->active_start_time);

		return at > after_us ? at : 0;
	}
	if (s->freq_type != 4 && s->freq_type != 8)
		return 0;
	for (int d = 0; d < 400; d++, day += DAY_US) {
		int64_t t;

		if (day_matches(s, day) && (t = within_day(s, day, after_us)) > 0)
			return t;
	}
	return 0;
}

int32_t agentjob_add_schedule(struct sqlinstance *inst, const char *name,
                              const struct agentsched *s, uint8_t uid_out[16])
{
	struct sqltable *t = msdb_table(inst, "sysschedules");
	int64_t now = sqlval_now_us();
	int32_t id;
	struct lab_value *row;

	world_new_guid(uid_out);
	if (!t)
		return 0;
	id = (int32_t)msdb_max_int(t, "schedule_id") + 1;
	row = msdb_add(t);
	msdb_set_int(t, row, "schedule_id", id);
	msdb_set_guid(t, row, "schedule_uid", uid_out);
	msdb_set_int(t, row, "originating_server_id", 0);
	msdb_set_text(t, row, "name", name);
	msdb_set_text(t, row, "owner_sid", "\x01");
	msdb_set_int(t, row, "enabled", s->enabled);
	msdb_set_int(t, row, "freq_type", s->freq_type);
	msdb_set_int(t, row, "freq_interval", s->freq_interval);
	msdb_set_int(t, row, "freq_subday_type", s->freq_subday_type);
	msdb_set_int(t, row, "freq_subday_interval", s->freq_subday_interval);
	msdb_set_int(t, row, "freq_relative_interval", 0);
	msdb_set_int(t, row, "freq_recurrence_factor", 0);
	msdb_set_int(t, row, "active_start_date", s->active_start_date);
	msdb_set_int(t, row, "active_end_date", s->active_end_date);
	msdb_set_int(t, row, "active_start_time", s->active_start_time);
	msdb_set_int(t, row, "active_end_time", s->active_end_time);
	msdb_set_time(t, row, "date_created", now);
	msdb_set_time(t, row, "date_modified", now);
	msdb_set_int(t, row, "version_number", 1);
	return id;
}

void agentjob_attach(struct sqlinstance *inst, const uint8_t job_id[16], int32_t schedule_id)
{
	struct sqltable *js = msdb_table(inst, "sysjobschedules");
	struct sqltable *ss = msdb_table(inst, "sysschedules");
	struct lab_value *srow = ss ? msdb_find_int(ss, "schedule_id", schedule_id) : NULL;
	struct agentsched s;
	struct lab_value *row;
	int64_t next = 0;

	if (!js)
		return;
	if (srow) {
		agentsched_read(ss, srow, &s);
		next = agentsched_next(&s, sqlval_now_us());
	}
	row = msdb_add(js);
	msdb_set_int(js, row, "schedule_id", schedule_id);
	msdb_set_guid(js, row, "job_id", job_id);
	msdb_set_int(js, row, "next_run_date", next ? msdb_date_int(next) : 0);
	msdb_set_int(js, row, "next_run_time", next ? msdb_time_int(next) : 0);
}
