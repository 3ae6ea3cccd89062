/*
 * agent: one SQL Server Agent thread per instance of the lab. At start
 * (and whenever its instance comes back from `pcdr-lab stop`) it opens
 * a new Agent session (msdb.dbo.syssessions, sysjobactivity rows for
 * every job) and a "SQLAgent - Generic Refresher" session that
 * sys.sysprocesses shows, as tools check for one. Then, every tick, it
 * fires the enabled jobs whose schedules are due on the lab clock
 * (sysjobschedules.next_run_date/time; missed runs are not made up, as
 * the real Agent does not) and the runs sp_start_job queued, one job at
 * a time per instance. While its instance is stopped it does nothing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab/sql/agent.h"
#include "lab/sql/value.h"
#include "util/log.h"
#include "util/xalloc.h"

#define AGENT_TICK_MS 20

struct agentreq {
	uint8_t job_id[16];
	int source;
	int32_t schedule_id;
	char user[129];
};

struct agentinst {
	struct sqlinstance *inst;
	size_t index;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* the fields below */
	bool quit;
	bool up; /* the Agent service is running */
	int32_t session_id;
	VEC(struct agentreq) queue;
	bool busy;
	struct agentreq running;
	int running_step;
	bool stop_asked;
	struct lab_session *refresher;
};

struct agentset {
	struct agentinst *a;
	size_t n;
};

static struct agentinst *agent_of(struct sqlinstance *inst)
{
	struct agentset *set = inst->world->agents;

	for (size_t i = 0; set && i < set->n; i++)
		if (set->a[i].inst == inst)
			return &set->a[i];
	return NULL;
}

int agent_request(struct sqlinstance *inst, const uint8_t job_id[16], int source,
                  int32_t schedule_id, const char *user, char *by, size_t by_cap)
{
	struct agentinst *ag = agent_of(inst);
	struct agentreq r;
	int rc = 0;

	if (!ag)
		return 1;
	memset(&r, 0, sizeof(r));
	memcpy(r.job_id, job_id, 16);
	r.source = source;
	r.schedule_id = schedule_id;
	snprintf(r.user, sizeof(r.user), "%s", user ? user : "");
	pthread_mutex_lock(&ag->lock);
	if (!ag->up) {
		rc = 1;
	} else if (ag->busy && !memcmp(ag->running.job_id, job_id, 16)) {
		snprintf(by, by_cap, "%s", ag->running.user);
		rc = 2;
	} else {
		for (size_t i = 0; i < ag->queue.len && !rc; i++)
			if (!memcmp(ag->queue.items[i].job_id, job_id, 16)) {
				snprintf(by, by_cap, "%s", ag->queue.items[i].user);
				rc = 2;
			}
	}
	if (!rc)
		vec_push(&ag->queue, r);
	pthread_mutex_unlock(&ag->lock);
	return rc;
}

bool agent_job_running(struct sqlinstance *inst, const uint8_t job_id[16], int *step)
{
	struct agentinst *ag = agent_of(inst);
	bool running = false;

	if (!ag)
		return false;
	pthread_mutex_lock(&ag->lock);
	running = ag->busy && !memcmp(ag->running.job_id, job_id, 16);
	if (running && step)
		*step = ag->running_step;
	pthread_mutex_unlock(&ag->lock);
	return running;
}

int agent_stop(struct sqlinstance *inst, const uint8_t job_id[16])
{
	struct agentinst *ag = agent_of(inst);
	int rc = 1;

	if (!ag)
		return 1;
	pthread_mutex_lock(&ag->lock);
	if (ag->busy && !memcmp(ag->running.job_id, job_id, 16)) {
		ag->stop_asked = true;
		rc = 0;
	}
	pthread_mutex_unlock(&ag->lock);
	return rc;
}

int32_t agent_session_id(struct sqlinstance *inst)
{
	struct agentinst *ag = agent_of(inst);
	int32_t id = 0;

	if (!ag)
		return 0;
	pthread_mutex_lock(&ag->lock);
	id = ag->up ? ag->session_id : 0;
	pthread_mutex_unlock(&ag->lock);
	return id;
}

/* --- service start and stop ------------------------------------------- */

static struct lab_session *open_refresher(struct sqlinstance *inst, size_t index)
{
	const struct lab_world *w = inst->world;
	struct lab_login login;
	struct lab_login_result res;
	struct lab_session *s = NULL;

	for (size_t i = 0; i < w->n_logins; i++) {
		if (!w->logins[i].sysadmin)
			continue;
		memset(&login, 0, sizeof(login));
		login.user = w->logins[i].name;
		login.password = w->logins[i].password;
		login.database = "msdb";
		login.app_name = "SQLAgent - Generic Refresher";
		login.host_name = inst->name;
		login.tds_version = 0x74000004;
		login.packet_size = 4096;
		if (lab_session_open(inst->world, index, &login, &s, &res) == 0)
			return s;
	}
	return NULL;
}

/* A new Agent session: syssessions row, sysjobactivity row per job. */
static void service_start(struct agentinst *ag)
{
	struct sqlinstance *inst = ag->inst;
	struct lab_session *refresher = open_refresher(inst, ag->index);
	struct sqltable *ss, *jobs, *act;
	int32_t id = 1;

	pthread_mutex_lock(&inst->lock);
	ss = msdb_table(inst, "syssessions");
	jobs = msdb_table(inst, "sysjobs");
	act = msdb_table(inst, "sysjobactivity");
	if (ss && jobs && act) {
		struct lab_value *row = msdb_add(ss);

		id = (int32_t)msdb_max_int(ss, "session_id") + 1;
		msdb_set_int(ss, row, "session_id", id);
		msdb_set_time(ss, row, "agent_start_date", sqlval_now_us());
		for (size_t r = 0; r < jobs->rows.len; r++) {
			struct lab_value *a = msdb_add(act);

			msdb_set_int(act, a, "session_id", id);
			msdb_set_guid(act, a, "job_id",
			              msdb_guid(jobs, jobs->rows.items[r], "job_id"));
		}
	}
	pthread_mutex_unlock(&inst->lock);
	pthread_mutex_lock(&ag->lock);
	ag->session_id = id;
	ag->up = true;
	ag->refresher = refresher;
	ag->queue.len = 0;
	pthread_mutex_unlock(&ag->lock);
}

static void service_stop(struct agentinst *ag)
{
	struct lab_session *refresher;

	pthread_mutex_lock(&ag->lock);
	ag->up = false;
	ag->queue.len = 0;
	refresher = ag->refresher;
	ag->refresher = NULL;
	pthread_mutex_unlock(&ag->lock);
	lab_session_close(refresher);
}

/* --- the scheduler ---------------------------------------------------- */

static bool job_enabled(struct sqlinstance *inst, const uint8_t *job_id)
{
	struct sqltable *jobs = msdb_table(inst, "sysjobs");
	struct sqltable *srv = msdb_table(inst, "sysjobservers");
	struct lab_value *row = jobs ? msdb_find_guid(jobs, "job_id", job_id) : NULL;

	return row && msdb_int(jobs, row, "enabled", 0) && srv &&
	       msdb_find_guid(srv, "job_id", job_id);
}

/* Queue due schedules and compute their next run. */
static void fire_due(struct agentinst *ag)
{
	struct sqlinstance *inst = ag->inst;
	struct sqltable *js, *ss;
	int64_t now = sqlval_now_us();

	pthread_mutex_lock(&inst->lock);
	js = msdb_table(inst, "sysjobschedules");
	ss = msdb_table(inst, "sysschedules");
	for (size_t r = 0; js && ss && r < js->rows.len; r++) {
		struct lab_value *row = js->rows.items[r];
		int64_t sid = msdb_int(js, row, "schedule_id", 0);
		int64_t due = agentjob_run_us((int32_t)msdb_int(js, row, "next_run_date", 0),
		                              (int32_t)msdb_int(js, row, "next_run_time", 0));
		struct lab_value *srow = msdb_find_int(ss, "schedule_id", sid);
		const uint8_t *job = msdb_guid(js, row, "job_id");
		struct agentsched s;
		int64_t next;
		char by[129];

		if (!srow || !job)
			continue;
		agentsched_read(ss, srow, &s);
		if (due > now)
			continue;
		if (due > 0 && s.enabled && job_enabled(inst, job))
			agent_request(inst, job, AGENT_SOURCE_SCHEDULER, (int32_t)sid, "", by,
			              sizeof(by));
		next = agentsched_next(&s, now);
		msdb_set_int(js, row, "next_run_date", next ? msdb_date_int(next) : 0);
		msdb_set_int(js, row, "next_run_time", next ? msdb_time_int(next) : 0);
	}
	pthread_mutex_unlock(&inst->lock);
}

static bool take_request(struct agentinst *ag, struct agentreq *out)
{
	bool got = false;

	pthread_mutex_lock(&ag->lock);
	if (ag->queue.len > 0) {
		*out = ag->queue.items[0];
		memmove(&ag->queue.items[0], &ag->queue.items[1],
		        (ag->queue.len - 1) * sizeof(*out));
		ag->queue.len--;
		ag->busy = true;
		ag->running = *out;
		ag->running_step = 1;
		ag->stop_asked = false;
		got = true;
	}
	pthread_mutex_unlock(&ag->lock);
	return got;
}

/* Is the Agent's session still in msdb.dbo.syssessions? */
static bool registered(struct agentinst *ag)
{
	struct sqltable *ss;
	int32_t id = agent_session_id(ag->inst);
	bool found;

	pthread_mutex_lock(&ag->inst->lock);
	ss = msdb_table(ag->inst, "syssessions");
	found = !ss || msdb_find_int(ss, "session_id", id);
	pthread_mutex_unlock(&ag->inst->lock);
	return found;
}

static void *agent_thread(void *arg)
{
	struct agentinst *ag = arg;
	struct timespec tick = {0, AGENT_TICK_MS * 1000000L};

	for (;;) {
		struct agentreq r;
		bool quit, up, running;

		pthread_mutex_lock(&ag->lock);
		quit = ag->quit;
		up = ag->up;
		pthread_mutex_unlock(&ag->lock);
		if (quit)
			break;
		running = world_instance_running(ag->inst);
		if (running && up && !registered(ag)) { /* msdb was rebuilt */
			service_stop(ag);
			up = false;
		}
		if (running && !up)
			service_start(ag);
		else if (!running && up)
			service_stop(ag);
		if (running) {
			fire_due(ag);
			if (take_request(ag, &r)) {
				agentrun_job(ag->inst, r.job_id, r.source, r.schedule_id, r.user,
				             agent_session_id(ag->inst));
				pthread_mutex_lock(&ag->lock);
				ag->busy = false;
				pthread_mutex_unlock(&ag->lock);
				continue;
			}
		}
		nanosleep(&tick, NULL);
	}
	service_stop(ag);
	return NULL;
}

bool agent_stop_asked(struct sqlinstance *inst)
{
	struct agentinst *ag = agent_of(inst);
	bool asked = false;

	if (!ag)
		return false;
	pthread_mutex_lock(&ag->lock);
	asked = ag->stop_asked || ag->quit || !world_instance_running(inst);
	pthread_mutex_unlock(&ag->lock);
	return asked;
}

void agent_set_step(struct sqlinstance *inst, int step)
{
	struct agentinst *ag = agent_of(inst);

	if (!ag)
		return;
	pthread_mutex_lock(&ag->lock);
	ag->running_step = step;
	pthread_mutex_unlock(&ag->lock);
}

bool lab_agent_busy(struct lab_world *world, size_t i)
{
	struct agentinst *ag = i < world->n_inst ? agent_of(world->inst[i]) : NULL;
	bool busy = false;

	if (!ag)
		return false;
	pthread_mutex_lock(&ag->lock);
	busy = ag->busy;
	pthread_mutex_unlock(&ag->lock);
	return busy;
}

int lab_agent_start(struct lab_world *world)
{
	struct agentset *set;

	if (world->agents)
		return 0;
	set = xcalloc(1, sizeof(*set));
	set->a = xcalloc(world->n_inst ? world->n_inst : 1, sizeof(*set->a));
	set->n = world->n_inst;
	for (size_t i = 0; i < set->n; i++) {
		set->a[i].inst = world->inst[i];
		set->a[i].index = i;
		pthread_mutex_init(&set->a[i].lock, NULL);
	}
	world->agents = set;
	for (size_t i = 0; i < set->n; i++) {
		if (world_instance_running(set->a[i].inst))
			service_start(&set->a[i]); /* sp_start_job works as soon as we return */
		if (pthread_create(&set->a[i].thread, NULL, agent_thread, &set->a[i]) != 0) {
			log_error("%s: cannot start SQL Server Agent", world->inst[i]->name);
			continue;
		}
		set->a[i].started = true;
	}
	return 0;
}

void lab_agent_stop(struct lab_world *world)
{
	struct agentset *set = world->agents;

	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		pthread_mutex_lock(&set->a[i].lock);
		set->a[i].quit = true;
		pthread_mutex_unlock(&set->a[i].lock);
	}
	for (size_t i = 0; i < set->n; i++)
		if (set->a[i].started)
			pthread_join(set->a[i].thread, NULL);
	world->agents = NULL;
	for (size_t i = 0; i < set->n; i++) {
		vec_free(&set->a[i].queue);
		pthread_mutex_destroy(&set->a[i].lock);
	}
	free(set->a);
	free(set);
}
