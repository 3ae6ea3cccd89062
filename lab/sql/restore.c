/*
 * restore: RESTORE DATABASE | LOG name [FROM DISK = ...] WITH RECOVERY |
 * NORECOVERY | STANDBY = file, REPLACE, MOVE, STATS = n, FILE = n (the
 * RESTORE statement and RESTORE Arguments pages). The file is read and
 * checked whole (CRC, then a dry run of its redo) before anything
 * changes; the checks of the reference come in SQL Server's order (3104
 * mirroring, 3101/3102 exclusive access, 3154/3159 without REPLACE,
 * 3117 nothing to roll forward, 4330 recovery path, 4326 too early, 4305
 * too recent, 4312 a new log chain), each followed by 3013. The cost
 * (size / throughput) is paid without the lock while the database shows
 * RESTORING; then the data or log is applied and the database is left
 * RESTORING, ONLINE in standby, or recovered on a new recovery fork.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lab/sql/bkcommon.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"

struct rsjob {
	const char *kind;
	const char *device;
	char path[PATH_MAX];
	struct bkfile f;
	const struct bkset *set;
	int32_t db_id;
	bool log, replace, norecovery, standby;
	char undo[PATH_MAX]; /* STANDBY = file, mapped ("" when it does not map) */
	int64_t stats;
};

static int exclusive(struct sqlctx *c, int line, const char *kind, const struct sqldb *db)
{
	if (db->mirror.on)
		return bk_fail(
		        c, line, kind, 3104,
		        "RESTORE cannot operate on database '%s' because it is configured for "
		        "database mirroring. Use ALTER DATABASE to remove mirroring if you "
		        "intend to restore the database.",
		        db->name);
	if (c->s->db_id == db->id)
		return bk_fail(
		        c, line, kind, 3102,
		        "%s cannot process database '%s' because it is in use by this session. "
		        "It is recommended that the master database be used when performing "
		        "this operation.",
		        kind, db->name);
	if (admin_users(c->inst, db->id, c->s))
		return bk_fail(c, line, kind, 3101,
		               "Exclusive access could not be obtained because the database is in "
		               "use.");
	return 0;
}

static int missing(struct sqlctx *c, int line, const char *kind, const char *name)
{
	return bk_fail(c, line, kind, 3118,
	               "The database \"%s\" does not exist. RESTORE can only create a database "
	               "when restoring either a full backup or a file backup of the primary file.",
	               name);
}

/* The STANDBY undo file: the lab keeps no undo data, only the file an
 * operator expects to find there. */
static void write_undo(const char *path, const char *db)
{
	FILE *fp = path[0] ? fopen(path, "w") : NULL;

	if (fp) {
		fprintf(fp, "pcdr-lab standby undo file for database %s\n", db);
		fclose(fp);
	}
}

/* RESTORE DATABASE x WITH RECOVERY | NORECOVERY | STANDBY, no FROM. */
static int recovery_only(struct sqlctx *c, const struct sqlstmt *st, struct rsjob *j)
{
	struct sqldb *db = world_db_by_name(c->inst, st->adm->name);

	if (!db)
		return missing(c, st->line, j->kind, st->adm->name);
	if (exclusive(c, st->line, j->kind, db))
		return -1;
	if (db->state == DB_ONLINE && !db->is_in_standby)
		return bk_fail(c, st->line, j->kind, 3153,
		               "The database is already fully recovered.");
	if (j->standby) {
		db->state = DB_ONLINE;
		db->is_in_standby = true;
		write_undo(j->undo, db->name);
	} else if (!j->norecovery) {
		dblog_recover(db);
	}
	bk_history_restore(c->inst, NULL, "", db->name, false, !j->norecovery, c->s->login);
	bk_done_msg(c, st->line, j->kind, 0, 1000);
	return 0;
}

static int pick_set(struct sqlctx *c, const struct sqlstmt *st, struct rsjob *j)
{
	const struct sqladmopt *o = admin_opt(st->adm, "FILE");
	int64_t file = 1;

	if (o && o->expr && admin_int(c, o->expr, &file))
		return -1;
	if (bk_path(c, st->line, j->kind, j->device, j->path, sizeof(j->path)) ||
	    bk_open(c, st->line, j->kind, j->device, j->path, &j->f))
		return -1;
	if (file < 1 || (size_t)file > j->f.n_sets)
		return bk_fail(c, st->line, j->kind, 3206,
		               "No entry in sysfiles for backup set %lld on device '%s'.",
		               (long long)file, j->device);
	j->set = &j->f.sets[file - 1];
	if ((j->set->type == BK_TYPE_LOG) != j->log)
		return bk_fail(
		        c, st->line, j->kind, 3135,
		        "The backup set in file '%s' was created by %s and cannot be used for "
		        "this restore operation.",
		        j->device, j->set->type == BK_TYPE_LOG ? "BACKUP LOG" : "BACKUP DATABASE");
	return 0;
}

static int check_full(struct sqlctx *c, int line, struct rsjob *j, struct sqldb *db)
{
	struct sqldb scratch;

	if (db && exclusive(c, line, j->kind, db))
		return -1;
	if (db && !j->replace && memcmp(db->recovery.database_guid, j->set->database_guid, 16))
		return bk_fail(
		        c, line, j->kind, 3154,
		        "The backup set holds a backup of a database other than the existing "
		        "'%s' database.",
		        db->name);
	if (db && !j->replace && db->state == DB_ONLINE && db->recovery_model != 3 && db->log &&
	    db->log->chain_first)
		return bk_fail(
		        c, line, j->kind, 3159,
		        "The tail of the log for the database \"%s\" has not been backed up. "
		        "Use BACKUP LOG WITH NORECOVERY to backup the log if it contains work "
		        "you do not want to lose. Use the WITH REPLACE or WITH STOPAT clause of "
		        "the RESTORE statement to just overwrite the contents of the log.",
		        db->name);
	memset(&scratch, 0, sizeof(scratch));
	if (dblog_redo(&scratch, j->set->data, j->set->len, false))
		return bk_fail(c, line, j->kind, 3241,
		               "The media family on device '%s' is incorrectly formed. SQL Server "
		               "cannot process this media family.",
		               j->device);
	return 0;
}

static int check_log(struct sqlctx *c, int line, struct rsjob *j, struct sqldb *db)
{
	const struct bkset *s = j->set;
	char a[32], b[32];
	uint64_t need;

	if (!db)
		return missing(c, line, j->kind, j->set->database_name);
	if (exclusive(c, line, j->kind, db))
		return -1;
	if ((db->state == DB_ONLINE && !db->is_in_standby) || db->state == DB_RECOVERING ||
	    db->state == DB_RECOVERY_PENDING || db->state == DB_SUSPECT || !db->log)
		return bk_fail(c, line, j->kind, 3117,
		               "The log or differential backup cannot be restored because no files "
		               "are ready to rollforward.");
	need = db->log->redo_next;
	/* a set that crosses a fork point continues the old branch only from
	 * a copy that has not gone past that point on it */
	if (memcmp(db->recovery.database_guid, s->database_guid, 16) ||
	    (memcmp(s->first_recovery_fork, db->log->redo_fork, 16) &&
	     memcmp(s->recovery_fork, db->log->redo_fork, 16)) ||
	    (memcmp(s->recovery_fork, db->log->redo_fork, 16) && s->fork_point_lsn &&
	     need > s->fork_point_lsn))
		return bk_fail(
		        c, line, j->kind, 4330,
		        "This backup set cannot be applied because it is on a recovery path "
		        "that is inconsistent with the database. The recovery path is the "
		        "sequence of data and log backups that have brought the database to a "
		        "particular recovery point. Find a compatible backup to restore, or "
		        "restore the rest of the database to match a recovery point within this "
		        "backup set, which will restore the database to a different point in "
		        "time. For more information about recovery paths, see SQL Server Books "
		        "Online.");
	lsn_format(b, sizeof(b), need);
	if (s->last_lsn <= need) {
		lsn_format(a, sizeof(a), s->last_lsn);
		return bk_fail(
		        c, line, j->kind, 4326,
		        "The log in this backup set terminates at LSN %s, which is too early "
		        "to apply to the database. A more recent log backup that includes LSN "
		        "%s can be restored.",
		        a, b);
	}
	if (s->first_lsn > need && s->begins_log_chain)
		return bk_fail(c, line, j->kind, 4312,
		               "This log cannot be restored because a gap in the log chain was "
		               "created. Use more recent data backups to bridge the gap.");
	if (s->first_lsn > need) {
		lsn_format(a, sizeof(a), s->first_lsn);
		return bk_fail(
		        c, line, j->kind, 4305,
		        "The log in this backup set begins at LSN %s, which is too recent to "
		        "apply to the database. An earlier log backup that includes LSN %s can "
		        "be restored.",
		        a, b);
	}
	if (dblog_apply_records(db, s->data, s->len, need, s->last_lsn, false))
		return bk_fail(c, line, j->kind, 3241,
		               "The media family on device '%s' is incorrectly formed. SQL Server "
		               "cannot process this media family.",
		               j->device);
	return 0;
}

/* Checks, then the database shows RESTORING while the copy runs. */
static int prepare(struct sqlctx *c, const struct sqlstmt *st, struct rsjob *j)
{
	const struct sqladmin *a = st->adm;
	struct sqldb *db;

	if (admin_text(c, a->disks[0], &j->device) || pick_set(c, st, j))
		return -1;
	db = world_db_by_name(c->inst, a->name);
	if (j->log ? check_log(c, st->line, j, db) : check_full(c, st->line, j, db))
		return -1;
	if (!db) {
		db = world_db_create(c->inst, a->name, 0);
		db->state = DB_RESTORING;
		db->create_us = j->set->db_create_us;
	}
	db->state = DB_RESTORING;
	db->is_in_standby = false;
	if (!j->log)
		db->file_fault = DBFILE_OK; /* a full restore writes new files */
	j->db_id = db->id;
	return 0;
}

static void apply_full(struct sqldb *db, const struct bkset *s)
{
	struct dblog *log;

	dblog_redo(db, s->data, s->len, true);
	memcpy(db->recovery.database_guid, s->database_guid, 16);
	memcpy(db->recovery.family_guid, s->family_guid, 16);
	memcpy(db->recovery.recovery_fork_guid, s->recovery_fork, 16);
	memcpy(db->recovery.first_recovery_fork_guid, s->first_recovery_fork, 16);
	db->recovery_model =
	        (uint8_t)(s->recovery_model >= 1 && s->recovery_model <= 3 ? s->recovery_model : 1);
	db->size_mb = s->size_mb;
	db->create_us = s->db_create_us;
	db->user_access = 0;
	db->is_read_only = false;
	log = dblog_reset(db, s->last_lsn);
	if (log) {
		log->chain_first = s->first_lsn;
		log->last_full_ckpt = s->checkpoint_lsn;
		log->begins_chain = false;
	}
}

static void finish(struct sqlctx *c, int line, struct rsjob *j, int64_t us)
{
	struct sqldb *db = world_db_by_id(c->inst, j->db_id);
	const struct bkset *s = j->set;
	double mb = j->log ? (double)s->len / 1048576.0 : s->size_mb;
	char text[512];

	if (!db)
		return;
	if (j->log) {
		dblog_apply_records(db, s->data, s->len, db->log->redo_next, s->last_lsn, true);
		db->log->redo_next = s->last_lsn;
		db->log->last_log_backup = s->last_lsn;
		memcpy(db->log->redo_fork, s->recovery_fork, 16);
		/* a set that crossed a fork point left the copy on the new fork */
		memcpy(db->recovery.recovery_fork_guid, s->recovery_fork, 16);
		if (db->log->next < s->last_lsn)
			db->log->next = s->last_lsn;
	} else {
		apply_full(db, s);
	}
	lsn_format(db->recovery.redo_start_lsn, sizeof(db->recovery.redo_start_lsn), s->last_lsn);
	if (j->standby) {
		db->state = DB_ONLINE;
		db->is_in_standby = true;
		write_undo(j->undo, db->name);
	} else if (!j->norecovery) {
		dblog_recover(db);
	}
	bk_history_restore(c->inst, s, j->device, db->name, j->replace,
	                   !j->norecovery && !j->standby, c->s->login);
	snprintf(text, sizeof(text),
	         "Processed %lld pages for database '%s', file '%s%s' on file %d.",
	         (long long)bk_pages(mb), db->name, s->database_name, j->log ? "_log" : "",
	         s->position);
	sqlout_info(c, 4035, 1, line, text);
	if (!j->log) {
		snprintf(text, sizeof(text),
		         "Processed 2 pages for database '%s', file '%s_log' on file %d.", db->name,
		         s->database_name, s->position);
		sqlout_info(c, 4035, 1, line, text);
	}
	bk_done_msg(c, line, j->kind, bk_pages(mb) + (j->log ? 0 : 2), us);
}

static int options(struct sqlctx *c, const struct sqladmin *a, struct rsjob *j)
{
	const struct sqladmopt *o = admin_opt(a, "STATS");

	j->replace = admin_opt(a, "REPLACE") != NULL;
	j->norecovery = admin_opt(a, "NORECOVERY") != NULL;
	j->standby = admin_opt(a, "STANDBY") != NULL;
	if (j->standby && admin_opt(a, "STANDBY")->expr) {
		const char *win;

		if (admin_text(c, admin_opt(a, "STANDBY")->expr, &win))
			return -1;
		if (!win || world_share_path(c->inst, win, j->undo, sizeof(j->undo)))
			j->undo[0] = '\0';
	}
	if (o)
		j->stats = 10;
	if (o && o->expr && admin_int(c, o->expr, &j->stats))
		return -1;
	return 0;
}

int restore_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	struct rsjob j;
	int64_t t0 = sqlval_now_us();
	int rc;

	memset(&j, 0, sizeof(j));
	j.log = st->adm->verb == AD_RESTORE_LOG;
	j.kind = j.log ? "RESTORE LOG" : "RESTORE DATABASE";
	pthread_mutex_lock(&c->inst->lock);
	rc = bk_check_options(c, st->line, j.kind, st->adm) ? -1 : options(c, st->adm, &j);
	if (rc == 0 && st->adm->n_disks == 0) {
		rc = j.log ? bk_fail(c, st->line, j.kind, 3117,
		                     "The log or differential backup cannot be restored because no "
		                     "files are ready to rollforward.")
		           : recovery_only(c, st, &j);
		sqlout_done(c, rc ? LAB_DONE_ERROR : 0, 0, 0);
		pthread_mutex_unlock(&c->inst->lock);
		return rc;
	}
	if (rc == 0)
		rc = prepare(c, st, &j);
	if (rc)
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
	pthread_mutex_unlock(&c->inst->lock);
	if (rc == 0 &&
	    bk_wait(c, j.log ? (double)j.set->len / 1048576.0 : j.set->size_mb, j.stats, st->line))
		rc = -1; /* cancelled: the database stays RESTORING */
	if (rc == 0) {
		pthread_mutex_lock(&c->inst->lock);
		finish(c, st->line, &j, sqlval_now_us() - t0);
		sqlout_done(c, 0, 0, 0);
		pthread_mutex_unlock(&c->inst->lock);
	}
	bkfile_free(&j.f);
	return rc;
}
