/*
 * mirror_ops: the switches of a running mirroring session (ALTER
 * DATABASE ... SET PARTNER FAILOVER | FORCE_SERVICE_ALLOW_DATA_LOSS |
 * OFF | SUSPEND | RESUME | SAFETY FULL|OFF | TIMEOUT n and SET WITNESS),
 * as the ALTER DATABASE Database Mirroring, Manually Fail Over, Force
 * Service and Remove Database Mirroring pages describe them. A manual
 * failover needs SAFETY FULL (1477), both partners connected (1447) and
 * a SYNCHRONIZED session (1422); it swaps the roles, increments the role
 * sequence and ends the sessions in the database on the old principal.
 * Forced service needs the principal gone (1455), makes the mirror the
 * principal on a new recovery fork, and suspends the session. OFF works
 * on either partner and leaves the mirror RESTORING.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/admin.h"
#include "lab/sql/dblog.h"
#include "lab/sql/mirror.h"

void mirror_end_sessions(struct sqlinstance *inst, int32_t db_id)
{
	size_t keep = 0;

	for (size_t i = 0; i < inst->sessions.len; i++) {
		struct lab_session *s = inst->sessions.items[i];

		if (s->db_id == db_id) {
			txn_rollback(s);
			__atomic_store_n(&s->killed, true, __ATOMIC_RELEASE);
		} else {
			inst->sessions.items[keep++] = s;
		}
	}
	inst->sessions.len = keep;
}

static int principal_only(struct mctx *m)
{
	return mirror_fail(m, 1470,
	                   "The alter database for this partner config values may only be "
	                   "initiated on the current principal server for database \"%s\".",
	                   m->name);
}

static int failover(struct mctx *m, struct sqldb *pdb)
{
	struct sqldb *db = m->db;

	if (db->mirror.role != 1)
		return principal_only(m);
	if (db->mirror.safety != 2)
		return mirror_fail(m, 1477,
		                   "The database mirroring safety level must be FULL to manually "
		                   "failover database \"%s\".  Set safety level to FULL and retry.",
		                   m->name);
	if (!pdb)
		return mirror_fail(
		        m, 1447,
		        "ALTER DATABASE \"%s\" command cannot be executed until both partner "
		        "server instances are up, running, and connected.",
		        m->name);
	if (db->mirror.state != 4)
		return mirror_fail(
		        m, 1422,
		        "The mirror server instance is not caught up to the recent changes "
		        "to database \"%s\". Unable to fail over.",
		        m->name);
	mirror_ship(db, pdb);
	db->mirror.role = 2;
	db->state = DB_RESTORING;
	pdb->mirror.role = 1;
	pdb->state = DB_ONLINE;
	pdb->is_in_standby = false;
	db->mirror.role_sequence++;
	pdb->mirror.role_sequence = db->mirror.role_sequence;
	pdb->log->redo_next = 0;
	pdb->log->mirror_sent = pdb->log->next;
	db->log->redo_next = pdb->log->next;
	mirror_end_sessions(m->me, db->id);
	return 0;
}

static int force_service(struct mctx *m, struct sqldb *pdb)
{
	struct sqldb *db = m->db;

	if (db->mirror.role != 2 || pdb)
		return mirror_fail(
		        m, 1455,
		        "The database mirroring service cannot be forced for database \"%s\" "
		        "because the database is not in the correct state to become the "
		        "principal database.",
		        m->name);
	dblog_recover(db); /* ONLINE on a new recovery fork */
	db->mirror.role = 1;
	db->mirror.state = 0; /* SUSPENDED */
	db->mirror.role_sequence++;
	return 0;
}

static void clear(struct sqldb *db)
{
	memset(&db->mirror, 0, sizeof(db->mirror));
	db->mirror.connection_timeout = 10;
}

static int timeout(struct mctx *m, struct sqldb *pdb, int64_t n)
{
	if (n > 32767)
		return mirror_fail(
		        m, 1476,
		        "Database mirroring timeout value %lld exceeds the maximum value "
		        "32767.",
		        (long long)n);
	m->db->mirror.connection_timeout = (int32_t)(n < 5 ? 5 : n);
	if (pdb)
		pdb->mirror.connection_timeout = m->db->mirror.connection_timeout;
	return 0;
}

static int principal_switch(struct mctx *m, struct sqldb *pdb, const char *w, const char *w2,
                            int64_t n)
{
	struct sqldb *db = m->db;

	if (db->mirror.role != 1)
		return principal_only(m);
	if (!strcmp(w, "TIMEOUT"))
		return timeout(m, pdb, n);
	if (!strcmp(w, "RESUME")) {
		if (!pdb)
			return mirror_fail(m, 1404,
			                   "The command failed because the database mirror is "
			                   "busy. Reissue the command later.");
		db->mirror.state = pdb->mirror.state = 1; /* the pump resynchronizes */
		return 0;
	}
	if (!w2 || (strcmp(w2, "FULL") && strcmp(w2, "OFF")))
		return mirror_fail(m, 102, "Incorrect syntax near '%s'.", w2 ? w2 : w);
	db->mirror.safety = !strcmp(w2, "FULL") ? 2 : 1;
	db->mirror.safety_sequence++;
	if (pdb) {
		pdb->mirror.safety = db->mirror.safety;
		pdb->mirror.safety_sequence = db->mirror.safety_sequence;
	}
	return 0;
}

int mirror_switch(struct mctx *m, const char *w, const char *w2, int64_t n)
{
	struct sqldb *db = m->db, *pdb = NULL;

	if (!db->mirror.on) {
		if (!strcmp(w, "OFF") && db->mirror.role == 2) {
			clear(db); /* the mirror's half-done SET PARTNER */
			return 0;
		}
		return mirror_not_mirrored(m);
	}
	if (m->peer && m->peer != m->me && world_link_up(m->me, m->peer))
		pdb = mirror_partner_db(m->peer, db);
	if (!strcmp(w, "FAILOVER"))
		return failover(m, pdb);
	if (!strcmp(w, "FORCE_SERVICE_ALLOW_DATA_LOSS"))
		return force_service(m, pdb);
	if (!strcmp(w, "OFF")) {
		clear(db);
		if (pdb)
			clear(pdb);
		return 0;
	}
	if (!strcmp(w, "SUSPEND")) {
		db->mirror.state = 0;
		if (pdb)
			pdb->mirror.state = 0;
		return 0;
	}
	if (!strcmp(w, "RESUME") || !strcmp(w, "SAFETY") || !strcmp(w, "TIMEOUT"))
		return principal_switch(m, pdb, w, w2, n);
	return mirror_fail(m, 102, "Incorrect syntax near '%s'.", w);
}

int mirror_witness(struct mctx *m, const char *addr)
{
	struct sqldb *db = m->db, *pdb = NULL;
	struct sqlinstance *w;
	bool bad = false;

	if (!db->mirror.on)
		return mirror_not_mirrored(m);
	if (db->mirror.role != 1)
		return principal_only(m);
	if (m->peer && m->peer != m->me && world_link_up(m->me, m->peer))
		pdb = mirror_partner_db(m->peer, db);
	if (!addr) { /* SET WITNESS OFF */
		if (!db->mirror.witness_name[0])
			return mirror_fail(
			        m, 1439,
			        "There is currently no witness associated with database \"%s\".",
			        m->name);
		db->mirror.witness_name[0] = '\0';
		db->mirror.witness_state = 0;
		if (pdb) {
			pdb->mirror.witness_name[0] = '\0';
			pdb->mirror.witness_state = 0;
		}
		return 0;
	}
	w = mirror_resolve(m->me->world, addr, &bad);
	if (bad)
		return mirror_fail(
		        m, 1449,
		        "ALTER DATABASE command failed due to an invalid server connection "
		        "string.");
	if (w == m->me || (w && w == m->peer))
		return mirror_fail(
		        m, 1429,
		        "The witness server instance name must be distinct from both of the "
		        "server instances that manage the database. The ALTER DATABASE SET "
		        "WITNESS command failed.");
	if (!w || !mirror_ep_ready(w, 2) || !world_link_up(m->me, w))
		return mirror_unreachable(m, addr);
	snprintf(db->mirror.witness_name, sizeof(db->mirror.witness_name), "%s", addr);
	db->mirror.witness_state = 1;
	if (pdb) {
		snprintf(pdb->mirror.witness_name, sizeof(pdb->mirror.witness_name), "%s", addr);
		pdb->mirror.witness_state = 1;
	}
	return 0;
}
