/*
 * recovery: the database states RECOVERING, RECOVERY_PENDING and SUSPECT
 * ("Database States", sys.databases.state_desc). SQL Server recovers
 * each database when it starts up: RECOVERING while it redoes the log
 * ("a transient state; the database will automatically become online if
 * the recovery succeeds. If the recovery fails, the database will become
 * suspect"), RECOVERY_PENDING when a resource such as a file is missing
 * ("the database is not damaged, but files may be missing"), SUSPECT
 * when recovery finds damage. In the lab an instance `stop` is a crash:
 * `start` runs recovery of its databases, for the time the redo of the
 * retained log takes at the throughput (`pcdr-lab throughput`). File
 * damage comes from the lose-db-file and corrupt-db-file fault verbs.
 * A background thread of the world moves RECOVERING databases on when
 * their time is up; everything else happens under the instance lock.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lab/sql/dblog.h"
#include "lab/sql/world.h"
#include "util/err.h"

#define TICK_NS 20000000L /* 20 ms */

static pthread_mutex_t ticker_lock = PTHREAD_MUTEX_INITIALIZER;

/* One ticker per world, kept in a small table (the world struct is
 * shared with the daemon and tests; a table avoids growing it). */
struct ticker {
	struct lab_world *w;
	pthread_t th;
	bool closing;
};

#define MAX_TICKERS 16
static struct ticker tickers[MAX_TICKERS];

int64_t world_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double world_db_redo_mb(const struct sqldb *db)
{
	double bytes = 0;

	if (!db->log)
		return 0;
	for (size_t i = 0; i < db->log->recs.len; i++)
		bytes += (double)db->log->recs.items[i].len;
	return bytes / 1048576.0;
}

void world_db_recover(struct sqldb *db, double secs)
{
	if (!dblog_user_db(db))
		return;
	if (db->file_fault == DBFILE_LOST) {
		db->state = DB_RECOVERY_PENDING;
		return;
	}
	db->recover_to = db->file_fault == DBFILE_CORRUPT ? DB_SUSPECT : DB_ONLINE;
	db->state = DB_RECOVERING;
	db->recover_end_us = world_mono_us() + (int64_t)(secs * 1e6);
}

void world_recovery_tick(struct sqlinstance *inst)
{
	int64_t now = world_mono_us();

	for (size_t k = 0; k < inst->dbs.len; k++) {
		struct sqldb *db = inst->dbs.items[k];

		if (db->state == DB_RECOVERING && now >= db->recover_end_us)
			db->state = db->recover_to;
	}
}

static bool closing(struct ticker *t)
{
	bool c;

	pthread_mutex_lock(&ticker_lock);
	c = t->closing;
	pthread_mutex_unlock(&ticker_lock);
	return c;
}

static void *tick_main(void *arg)
{
	struct ticker *t = arg;
	struct timespec tick = {0, TICK_NS};

	while (!closing(t)) {
		for (size_t i = 0; i < t->w->n_inst; i++) {
			struct sqlinstance *inst = t->w->inst[i];

			if (!world_instance_running(inst))
				continue;
			pthread_mutex_lock(&inst->lock);
			world_recovery_tick(inst);
			pthread_mutex_unlock(&inst->lock);
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

void world_recovery_kick(struct lab_world *w)
{
	pthread_mutex_lock(&ticker_lock);
	for (size_t i = 0; i < MAX_TICKERS; i++)
		if (tickers[i].w == w) {
			pthread_mutex_unlock(&ticker_lock);
			return;
		}
	for (size_t i = 0; i < MAX_TICKERS; i++)
		if (!tickers[i].w) {
			tickers[i].w = w;
			tickers[i].closing = false;
			if (pthread_create(&tickers[i].th, NULL, tick_main, &tickers[i]) != 0)
				tickers[i].w = NULL; /* the lazy ticks in statements remain */
			break;
		}
	pthread_mutex_unlock(&ticker_lock);
}

void world_recovery_stop(struct lab_world *w)
{
	for (size_t i = 0; i < MAX_TICKERS; i++) {
		pthread_t th;

		pthread_mutex_lock(&ticker_lock);
		if (tickers[i].w != w) {
			pthread_mutex_unlock(&ticker_lock);
			continue;
		}
		tickers[i].closing = true;
		th = tickers[i].th;
		pthread_mutex_unlock(&ticker_lock);
		pthread_join(th, NULL);
		pthread_mutex_lock(&ticker_lock);
		tickers[i].w = NULL;
		pthread_mutex_unlock(&ticker_lock);
	}
}

/* Seconds of redo for `mb` megabytes at the world's throughput. */
double world_redo_secs(const struct lab_world *w, double mb)
{
	double mbps = world_throughput_mbps(w);

	return mbps > 0 ? mb / mbps : 0;
}

void lab_world_crash_recovery(struct lab_world *world, size_t i)
{
	struct sqlinstance *inst;
	bool any = false;

	if (i >= world->n_inst)
		return;
	inst = world->inst[i];
	pthread_mutex_lock(&inst->lock);
	for (size_t k = 0; k < inst->dbs.len; k++) {
		struct sqldb *db = inst->dbs.items[k];
		bool online = db->state == DB_ONLINE && !db->is_in_standby;

		if (!dblog_user_db(db) ||
		    !(online || db->state == DB_RECOVERING || db->state == DB_RECOVERY_PENDING ||
		      db->state == DB_SUSPECT))
			continue;
		world_db_recover(db, world_redo_secs(world, world_db_redo_mb(db)));
		any = true;
	}
	world_recovery_tick(inst);
	pthread_mutex_unlock(&inst->lock);
	if (any)
		world_recovery_kick(world);
}

int lab_world_damage_db(struct lab_world *world, size_t i, const char *name, bool lost)
{
	struct sqlinstance *inst;
	struct sqldb *db;
	int rc = 0;

	if (i >= world->n_inst)
		return err_set(ERR_NOTFOUND, "no instance %zu", i);
	inst = world->inst[i];
	pthread_mutex_lock(&inst->lock);
	db = world_db_by_name(inst, name);
	if (!db || !dblog_user_db(db))
		rc = err_set(ERR_NOTFOUND, "no user database '%s' on '%s'", name, inst->name);
	else if (world_instance_running(inst) && db->state != DB_OFFLINE)
		rc = err_set(
		        ERR_INVALID,
		        "'%s' is running and '%s' is open: SQL Server holds its files; stop the "
		        "instance (or take the database OFFLINE) first",
		        inst->name, db->name);
	else if (db->file_fault != DBFILE_LOST) /* a lost file stays lost */
		db->file_fault = lost ? DBFILE_LOST : DBFILE_CORRUPT;
	pthread_mutex_unlock(&inst->lock);
	return rc;
}
