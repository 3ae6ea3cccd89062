/*
 * alterdb: CREATE DATABASE, DROP DATABASE and ALTER DATABASE ... SET
 * RECOVERY FULL|SIMPLE|BULK_LOGGED, SINGLE_USER|RESTRICTED_USER|
 * MULTI_USER, OFFLINE|ONLINE, READ_ONLY|READ_WRITE [WITH ROLLBACK
 * IMMEDIATE | NO_WAIT], as the CREATE DATABASE, DROP DATABASE and ALTER
 * DATABASE SET Options pages describe them, with their errors (1801,
 * 3701, 3702, 3708, 3743, 5011, 5052, 5070, 1468). SET PARTNER and SET
 * WITNESS go to mirror.c. Where SQL Server would wait for other sessions
 * to leave (no termination clause), the lab answers as NO_WAIT does
 * (5070) instead of blocking. Switching to SIMPLE breaks the log backup
 * chain: BACKUP LOG then needs a new full backup (4214).
 */
#include <string.h>
#include <strings.h>

#include "lab/sql/admin.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"
#include "util/xalloc.h"

/* End every other session in the database (ROLLBACK IMMEDIATE): rolled
 * back, gone from sys.dm_exec_sessions, its connection closed (596) at
 * its next request, as KILL does. Returns how many. */
static size_t end_users(struct sqlinstance *inst, int32_t db_id, const struct lab_session *self)
{
	size_t keep = 0, n = 0;

	for (size_t i = 0; i < inst->sessions.len; i++) {
		struct lab_session *s = inst->sessions.items[i];

		if (s == self || s->db_id != db_id) {
			inst->sessions.items[keep++] = s;
			continue;
		}
		txn_rollback(s);
		__atomic_store_n(&s->killed, true, __ATOMIC_RELEASE);
		n++;
	}
	inst->sessions.len = keep;
	return n;
}

static int create_db(struct sqlctx *c, const struct sqladmin *a, int line)
{
	struct sqldb *db;

	if (world_db_by_name(c->inst, a->name))
		return sqlexec_fail(
		        c, AB_STMT, 1801, 16, line,
		        "Database '%s' already exists. Choose a different database name.", a->name);
	db = world_db_create(c->inst, a->name, 0);
	db->recovery_model = 1; /* model's: FULL */
	db->size_mb = WORLD_NEW_DB_MB;
	if (systables_install(db))
		return sqlexec_fail(c, AB_STMT, 1802, 16, line,
		                    "CREATE DATABASE failed. Some file names listed could not be "
		                    "created. Check related errors.");
	dblog_of(db);
	return 0;
}

static int drop_db(struct sqlctx *c, const struct sqladmin *a, int line)
{
	struct sqlinstance *inst = c->inst;
	struct sqldb *db = world_db_by_name(inst, a->name);

	if (!db && a->if_exists)
		return 0;
	if (!db)
		return sqlexec_fail(c, AB_STMT, 3701, 11, line,
		                    "Cannot drop the database '%s', because it does not exist or "
		                    "you do not have permission.",
		                    a->name);
	if (db->id <= 4)
		return sqlexec_fail(
		        c, AB_STMT, 3708, 16, line,
		        "Cannot drop the database '%s' because it is a system database.", db->name);
	if (db->mirror.on)
		return sqlexec_fail(c, AB_STMT, 3743, 16, line,
		                    "The database '%s' is enabled for database mirroring. Database "
		                    "mirroring must be removed before you drop the database.",
		                    db->name);
	if (admin_users(inst, db->id, NULL))
		return sqlexec_fail(c, AB_STMT, 3702, 16, line,
		                    "Cannot drop database \"%s\" because it is currently in use.",
		                    db->name);
	for (size_t i = 0; i < inst->dbs.len; i++)
		if (inst->dbs.items[i] == db) {
			memmove(&inst->dbs.items[i], &inst->dbs.items[i + 1],
			        (inst->dbs.len - i - 1) * sizeof(db));
			inst->dbs.len--;
			break;
		}
	world_db_free(db);
	return 0;
}

static int set_recovery(struct sqlctx *c, struct sqldb *db, const char *w, int line)
{
	uint8_t model = !strcmp(w, "FULL") ? 1 : !strcmp(w, "BULK_LOGGED") ? 2 : 3;
	struct dblog *log = dblog_of(db);

	if (strcmp(w, "FULL") && strcmp(w, "BULK_LOGGED") && strcmp(w, "SIMPLE"))
		return sqlexec_fail(c, AB_STMT, 102, 15, line, "Incorrect syntax near '%s'.", w);
	if (model == 3 && db->mirror.on)
		return sqlexec_fail(
		        c, AB_STMT, 1468, 16, line,
		        "The operation cannot be performed on database \"%s\" because it "
		        "is involved in a database mirroring session or an availability "
		        "group. Some operations are not allowed on a database that is "
		        "participating in a database mirroring session or in an "
		        "availability group.",
		        db->name);
	if (log && model == 3) {
		log->chain_first = 0; /* the log chain is broken */
		log->last_log_backup = 0;
	}
	if (log && db->recovery_model == 3 && model != 3)
		log->begins_chain = true;
	db->recovery_model = model;
	return 0;
}

/* SINGLE_USER & co, OFFLINE: the others must leave or be ended. */
static int exclusive(struct sqlctx *c, struct sqldb *db, const struct sqladmopt *with, bool single,
                     int line)
{
	size_t others = admin_users(c->inst, db->id, c->s);

	if (others == 0 || (single && db->user_access == 1 && 0))
		return 0;
	if (with && !strcmp(with->word, "ROLLBACK")) {
		end_users(c->inst, db->id, c->s);
		sqlout_info(c, 5060, 1, line,
		            "Nonqualified transactions are being rolled back. Estimated rollback "
		            "completion: 100%.");
		return 0;
	}
	return sqlexec_fail(c, AB_STMT, 5070, 16, line,
	                    "Database state cannot be changed while other users are using the "
	                    "database '%s'",
	                    db->name);
}

static const char *state_name(uint8_t st)
{
	static const char *const n[] = {"Online",  "Restoring", "Recovering", "Recovery Pending",
	                                "Suspect", "Emergency", "Offline"};

	return st < 7 ? n[st] : "Unknown";
}

/* SET ONLINE of an OFFLINE (cleanly shut down: nothing to redo),
 * RECOVERY_PENDING or SUSPECT database runs its recovery again
 * (recovery.c); damaged files make it fail as SQL Server's does: a
 * missing file 5120, damage 926, each followed by 5069. */
static int bring_online(struct sqlctx *c, struct sqldb *db, int line)
{
	world_db_recover(db, 0);
	world_recovery_tick(c->inst);
	if (db->state == DB_RECOVERY_PENDING)
		sqlexec_fail(c, AB_STMT, 5120, 16, line,
		             "Unable to open the physical file \"C:\\Program Files\\Microsoft SQL "
		             "Server\\MSSQL13.MSSQLSERVER\\MSSQL\\DATA\\%s.mdf\". Operating system "
		             "error 2: \"2(The system cannot find the file specified.)\".",
		             db->name);
	else if (db->state == DB_SUSPECT)
		sqlexec_fail(
		        c, AB_STMT, 926, 14, line,
		        "Database '%s' cannot be opened. It has been marked SUSPECT by recovery. "
		        "See the SQL Server errorlog for more information.",
		        db->name);
	else
		return 0;
	return sqlexec_fail(c, AB_STMT, 5069, 16, line, "ALTER DATABASE statement failed.");
}

static int set_option(struct sqlctx *c, struct sqldb *db, const struct sqladmin *a, int line)
{
	const struct sqladmopt *o = &a->opts[0], *with = admin_opt(a, "WITH");
	const char *k = o->key;

	bool damaged = db->state == DB_RECOVERY_PENDING || db->state == DB_SUSPECT;

	if (db->state == DB_RESTORING || db->state == DB_RECOVERING ||
	    (db->state == DB_OFFLINE && strcmp(k, "ONLINE")) ||
	    (damaged && strcmp(k, "ONLINE") && strcmp(k, "OFFLINE")))
		return sqlexec_fail(c, AB_STMT, 5052, 16, line,
		                    "ALTER DATABASE is not permitted while a database is in the %s "
		                    "state.",
		                    state_name(db->state));
	if (!strcmp(k, "RECOVERY"))
		return set_recovery(c, db, o->word, line);
	if (!strcmp(k, "SINGLE_USER") || !strcmp(k, "RESTRICTED_USER") ||
	    !strcmp(k, "MULTI_USER")) {
		if (k[0] != 'M' && exclusive(c, db, with, true, line))
			return -1;
		db->user_access = k[0] == 'S' ? 1 : k[0] == 'R' ? 2 : 0;
		return 0;
	}
	if (!strcmp(k, "OFFLINE") || !strcmp(k, "ONLINE")) {
		if (db->mirror.on)
			return set_recovery(c, db, "SIMPLE", line); /* 1468 */
		if (k[1] == 'F' && !damaged && exclusive(c, db, with, false, line))
			return -1;
		if (k[1] == 'F' || db->state == DB_ONLINE) {
			db->state = k[1] == 'F' ? DB_OFFLINE : DB_ONLINE;
			return 0;
		}
		return bring_online(c, db, line);
	}
	if (!strcmp(k, "READ_ONLY") || !strcmp(k, "READ_WRITE")) {
		if (exclusive(c, db, with, false, line))
			return -1;
		db->is_read_only = k[5] == 'O';
		return 0;
	}
	return sqlexec_fail(c, AB_STMT, 102, 15, line, "Incorrect syntax near '%s'.", k);
}

static int alter_db(struct sqlctx *c, const struct sqladmin *a, int line)
{
	struct sqldb *db = world_db_by_name(c->inst, a->name);

	if (!db)
		return sqlexec_fail(
		        c, AB_STMT, 5011, 14, line,
		        "User does not have permission to alter database '%s', the "
		        "database does not exist, or the database is not in a state that "
		        "allows access checks.",
		        a->name);
	if (db->id <= 4 && strcmp(a->opts[0].key, "RECOVERY"))
		return sqlexec_fail(c, AB_STMT, 5058, 16, line,
		                    "Option '%s' cannot be set in database '%s'.", a->opts[0].key,
		                    db->name);
	return set_option(c, db, a, line);
}

int alterdb_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	const struct sqladmin *a = st->adm;
	int rc;

	if (a->verb == AD_ALTER_DB && a->n_opts &&
	    (!strcmp(a->opts[0].key, "PARTNER") || !strcmp(a->opts[0].key, "WITNESS")))
		return mirror_alter_exec(c, st, &a->opts[0]);
	pthread_mutex_lock(&c->inst->lock);
	if (a->verb == AD_CREATE_DB)
		rc = create_db(c, a, st->line);
	else if (a->verb == AD_DROP_DB)
		rc = drop_db(c, a, st->line);
	else
		rc = alter_db(c, a, st->line);
	sqlout_done(c, rc ? LAB_DONE_ERROR : 0, 0, 0);
	pthread_mutex_unlock(&c->inst->lock);
	return rc;
}
