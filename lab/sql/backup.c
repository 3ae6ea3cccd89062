/*
 * backup: BACKUP DATABASE and BACKUP LOG ... TO DISK = ... WITH INIT |
 * NOINIT | FORMAT, COPY_ONLY, NORECOVERY, CHECKSUM, STATS = n (the BACKUP
 * statement page). The set is cut under the instance lock (a checkpoint
 * record for a full backup, a marker for a log backup), the cost of the
 * copy (size / throughput) is paid without it, then the file is written
 * and the database's backup metadata advances: a full backup starts the
 * log chain when there was none; a log backup (unless COPY_ONLY)
 * truncates the log it saved; WITH NORECOVERY backs up the tail and
 * leaves the database RESTORING. Errors: 911, 927/954/942, 3036, 4208,
 * 4214, 3101, 3201, each followed by 3013.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/sql/bkcommon.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct bkjob {
	struct bkset set;
	uint8_t *data;
	size_t len;
	char path[PATH_MAX];
	const char *device;
	const char *kind;
	int32_t db_id;
	bool log, init, norecovery;
	int64_t stats;
	double size_mb;
};

static int check_db(struct sqlctx *c, int line, struct bkjob *j, struct sqldb *db)
{
	struct sqlerr e;

	if (!db)
		return bk_fail(c, line, j->kind, 911,
		               "Database '%s' does not exist. Make sure that the name is entered "
		               "correctly.",
		               j->set.database_name);
	if (world_db_openable(db, &e))
		return bk_fail(c, line, j->kind, e.number, "%s", e.text);
	if (db->is_in_standby)
		return bk_fail(c, line, j->kind, 3036,
		               "The database \"%s\" is in warm-standby state (set by executing "
		               "RESTORE WITH STANDBY) and cannot be backed up until the entire "
		               "restore sequence is completed.",
		               db->name);
	if (!dblog_of(db))
		return bk_fail(c, line, j->kind, 3024,
		               "You can only perform a full backup of the master database. Use "
		               "BACKUP DATABASE to back up the entire master database.");
	if (j->log && db->recovery_model == 3)
		return bk_fail(
		        c, line, j->kind, 4208,
		        "The statement BACKUP LOG is not allowed while the recovery model is "
		        "SIMPLE. Use BACKUP DATABASE or change the recovery model using ALTER "
		        "DATABASE.");
	if (j->log && db->log->chain_first == 0)
		return bk_fail(
		        c, line, j->kind, 4214,
		        "BACKUP LOG cannot be performed because there is no current database "
		        "backup.");
	if (j->norecovery && admin_users(c->inst, db->id, c->s))
		return bk_fail(c, line, j->kind, 3101,
		               "Exclusive access could not be obtained because the database is in "
		               "use.");
	return 0;
}

static void log_data(struct bkjob *j, const struct dblog *log)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	for (size_t i = 0; i < log->recs.len; i++) {
		const struct dblogrec *r = &log->recs.items[i];

		if (r->lsn < j->set.first_lsn || r->lsn >= j->set.last_lsn)
			continue;
		dbw_u64(&sb, r->lsn);
		dbw_bytes(&sb, r->data, r->len);
	}
	n = sb.len;
	j->data = (uint8_t *)strbuf_detach(&sb, &n);
	j->len = n;
}

/* Cut the set: header fields and data, no metadata change yet. */
static void cut_set(struct sqlctx *c, struct bkjob *j, struct sqldb *db)
{
	struct dblog *log = db->log;
	struct bkset *s = &j->set;
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	s->type = j->log ? BK_TYPE_LOG : BK_TYPE_DATABASE;
	snprintf(s->server_name, sizeof(s->server_name), "%s", c->inst->name);
	snprintf(s->user_name, sizeof(s->user_name), "%s", c->s->login);
	memcpy(s->database_guid, db->recovery.database_guid, 16);
	memcpy(s->family_guid, db->recovery.family_guid, 16);
	memcpy(s->recovery_fork, db->recovery.recovery_fork_guid, 16);
	world_new_guid(s->backup_set_guid);
	s->start_us = sqlval_now_us();
	s->db_create_us = db->create_us;
	s->recovery_model = db->recovery_model;
	s->size_mb = db->size_mb;
	s->database_backup_lsn = log->last_full_ckpt;
	if (j->log) {
		s->first_lsn = log->last_log_backup ? log->last_log_backup : log->chain_first;
		dblog_append(log, NULL, 0); /* the log backup's own record */
		s->last_lsn = log->next;
		s->checkpoint_lsn = log->last_full_ckpt;
		s->begins_log_chain = log->begins_chain;
		s->force_offline = j->norecovery;
		log_data(j, log);
		j->size_mb = (double)j->len / 1048576.0;
	} else {
		s->first_lsn = s->checkpoint_lsn = dblog_append(log, NULL, 0);
		s->last_lsn = log->next;
		dblog_image(&sb, db);
		n = sb.len;
		j->data = (uint8_t *)strbuf_detach(&sb, &n);
		j->len = n;
		j->size_mb = db->size_mb;
	}
	/* A log backup that begins at or before the fork point spans it: the
	 * first one after a recovery begins exactly there (at the LastLSN of
	 * the last log restored), so the old branch's copy stopped at that LSN
	 * (a former primary demoted by a tail-log backup WITH NORECOVERY) can
	 * restore it, as Microsoft's log shipping role change does. */
	memcpy(s->first_recovery_fork,
	       log->fork_point && s->first_lsn <= log->fork_point ? log->prev_fork
	                                                          : s->recovery_fork,
	       16);
	s->fork_point_lsn =
	        log->fork_point && s->first_lsn <= log->fork_point ? log->fork_point : 0;
}

static int prepare(struct sqlctx *c, const struct sqlstmt *st, struct bkjob *j)
{
	const struct sqladmin *a = st->adm;
	const struct sqladmopt *o = admin_opt(a, "STATS");
	struct sqldb *db;

	if (bk_check_options(c, st->line, j->kind, a))
		return -1;
	snprintf(j->set.database_name, sizeof(j->set.database_name), "%s", a->name);
	j->init = admin_opt(a, "INIT") || admin_opt(a, "FORMAT");
	j->set.copy_only = admin_opt(a, "COPY_ONLY") != NULL;
	j->set.checksum = admin_opt(a, "CHECKSUM") != NULL;
	j->norecovery = j->log && admin_opt(a, "NORECOVERY");
	if (o)
		j->stats = 10;
	if (o && o->expr && admin_int(c, o->expr, &j->stats))
		return -1;
	if (admin_text(c, a->disks[0], &j->device))
		return -1;
	db = world_db_by_name(c->inst, a->name);
	if (check_db(c, st->line, j, db) ||
	    bk_path(c, st->line, j->kind, j->device, j->path, sizeof(j->path)))
		return -1;
	j->db_id = db->id;
	cut_set(c, j, db);
	return 0;
}

/* The file is written: advance the database's backup metadata. */
static void commit(struct sqlctx *c, int line, struct bkjob *j, int64_t us)
{
	struct sqldb *db = world_db_by_id(c->inst, j->db_id);
	struct bkset *s = &j->set;
	struct dblog *log = db ? db->log : NULL;

	if (log && !s->copy_only && !j->log) {
		log->last_full_ckpt = s->checkpoint_lsn;
		if (log->chain_first == 0) {
			log->chain_first = s->first_lsn;
			log->last_log_backup = 0;
		}
	} else if (log && !s->copy_only) {
		uint64_t keep = s->last_lsn;

		log->last_log_backup = s->last_lsn;
		log->begins_chain = false;
		lsn_format(db->recovery.last_log_backup_lsn,
		           sizeof(db->recovery.last_log_backup_lsn), s->last_lsn);
		if (db->mirror.on && log->mirror_sent < keep)
			keep = log->mirror_sent;
		dblog_truncate(log, keep);
	}
	if (db && j->norecovery) {
		db->state = DB_RESTORING;
		log->redo_next = s->last_lsn;
		memcpy(log->redo_fork, db->recovery.recovery_fork_guid, 16);
	}
	bk_history_backup(c->inst, s, j->device);
	{
		char text[512];

		snprintf(text, sizeof(text),
		         "Processed %lld pages for database '%s', file '%s%s' on file %d.",
		         (long long)bk_pages(j->size_mb), s->database_name, s->database_name,
		         j->log ? "_log" : "", s->position);
		sqlout_info(c, 4035, 1, line, text);
		if (!j->log) {
			snprintf(text, sizeof(text),
			         "Processed 2 pages for database '%s', file '%s_log' on file %d.",
			         s->database_name, s->database_name, s->position);
			sqlout_info(c, 4035, 1, line, text);
		}
	}
	bk_done_msg(c, line, j->kind, bk_pages(j->size_mb) + (j->log ? 0 : 2), us);
}

int backup_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	struct bkjob j;
	int64_t t0 = sqlval_now_us();
	int rc;

	memset(&j, 0, sizeof(j));
	j.log = st->adm->verb == AD_BACKUP_LOG;
	j.kind = j.log ? "BACKUP LOG" : "BACKUP DATABASE";
	pthread_mutex_lock(&c->inst->lock);
	rc = prepare(c, st, &j);
	if (rc)
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
	pthread_mutex_unlock(&c->inst->lock);
	if (rc == 0 && bk_wait(c, j.size_mb, j.stats, st->line))
		rc = -1; /* cancelled: nothing written */
	if (rc == 0) {
		j.set.finish_us = sqlval_now_us();
		if (bkfile_write(j.path, &j.set, j.data, j.len, j.init)) {
			pthread_mutex_lock(&c->inst->lock);
			bk_fail(c, st->line, j.kind, 3201,
			        "Cannot open backup device '%s'. Operating system error "
			        "3(The system cannot find the path specified.).",
			        j.device);
			sqlout_done(c, LAB_DONE_ERROR, 0, 0);
			pthread_mutex_unlock(&c->inst->lock);
			rc = -1;
		} else {
			pthread_mutex_lock(&c->inst->lock);
			commit(c, st->line, &j, sqlval_now_us() - t0);
			sqlout_done(c, 0, 0, 0);
			pthread_mutex_unlock(&c->inst->lock);
		}
	}
	free(j.data);
	return rc;
}
