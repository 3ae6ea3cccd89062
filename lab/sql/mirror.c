/*
 * mirror: ALTER DATABASE name SET PARTNER = 'TCP://host:port' (first on
 * the mirror, naming the principal; then on the principal, which starts
 * the session), SET PARTNER FAILOVER | FORCE_SERVICE_ALLOW_DATA_LOSS |
 * OFF | SUSPEND | RESUME | SAFETY FULL|OFF | TIMEOUT n, SET WITNESS =
 * 'TCP://...' | OFF, as the ALTER DATABASE Database Mirroring page
 * describes them, with the preconditions of the reference (2.3-2.7) and
 * their errors: 1416, 1418, 1405, 1407, 1412, 1429, 1439, 1447, 1449,
 * 1452, 1455, 1464, 1465, 1470, 1477, 1478, 1422, 1404. A network
 * address resolves to a lab instance by host name (the instance's name,
 * or its first label) and must carry the port of that instance's
 * mirroring endpoint, which must be STARTED with a fitting role.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/admin.h"
#include "lab/sql/dblog.h"
#include "lab/sql/mirror.h"

int mirror_fail(struct mctx *m, int32_t number, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sqlexec_message(m->c, number, 16, 1, m->line, text);
	if (m->c->abort < AB_STMT)
		m->c->abort = AB_STMT;
	return -1;
}

static const struct sqlendpoint *mirroring_ep(const struct sqlinstance *inst)
{
	for (size_t i = 0; i < inst->endpoints.len; i++)
		if (inst->endpoints.items[i].type == 4)
			return &inst->endpoints.items[i];
	return NULL;
}

/* The endpoint is STARTED with role `role` (1 partner, 2 witness) or ALL. */
bool mirror_ep_ready(const struct sqlinstance *inst, int role)
{
	const struct sqlendpoint *e = mirroring_ep(inst);

	return e && e->state == 0 && (e->role == role || e->role == 3);
}

/* 'TCP://host:port' to an instance; NULL when nothing answers there. */
struct sqlinstance *mirror_resolve(struct lab_world *w, const char *addr, bool *malformed)
{
	char host[256];
	const char *p, *colon;
	long port;
	char *end;

	*malformed = true;
	if (!addr || strncasecmp(addr, "TCP://", 6))
		return NULL;
	p = addr + 6;
	colon = strrchr(p, ':');
	if (!colon || colon == p || (size_t)(colon - p) >= sizeof(host))
		return NULL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return NULL;
	*malformed = false;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - p), p);
	for (size_t i = 0; i < w->n_inst; i++) {
		struct sqlinstance *in = w->inst[i];
		size_t hl = strlen(host);
		const struct sqlendpoint *e;

		if (strcasecmp(in->name, host) && !(strncasecmp(in->name, host, hl) == 0 &&
		                                    in->name[hl] == '.' && !strchr(host, '.')))
			continue;
		e = mirroring_ep(in);
		return e && e->port == port ? in : NULL;
	}
	return NULL;
}

int mirror_unreachable(struct mctx *m, const char *addr)
{
	return mirror_fail(
	        m, 1418,
	        "The server network address \"%s\" can not be reached or does not exist. Check "
	        "the network address name and that the ports for the local and remote endpoints "
	        "are operational.",
	        addr);
}

int mirror_not_mirrored(struct mctx *m)
{
	return mirror_fail(m, 1416, "Database \"%s\" is not configured for database mirroring.",
	                   m->name);
}

/* The partner's address as the other side names this instance. */
void mirror_address(const struct sqlinstance *inst, char *buf, size_t cap)
{
	const struct sqlendpoint *e = mirroring_ep(inst);

	snprintf(buf, cap, "TCP://%s:%d", inst->name, e ? e->port : 5022);
}

/* The principal's side: the mirror named us first and can follow. */
static int check_remote(struct mctx *m)
{
	struct dblog *mine = dblog_of(m->db), *theirs;
	uint64_t need;

	if (!m->pdb)
		return mirror_fail(m, 1448,
		                   "The remote copy of database \"%s\" does not exist. Check "
		                   "the database name and reissue the command.",
		                   m->name);
	if (m->pdb->mirror.on)
		return mirror_fail(m, 1410,
		                   "The remote copy of database \"%s\" is already enabled for "
		                   "database mirroring.",
		                   m->name);
	if (m->pdb->state != DB_RESTORING)
		return mirror_fail(
		        m, 1464,
		        "Database mirroring cannot be enabled for the remote copy of "
		        "database \"%s\" because the database is not in a recovering state. "
		        "The remote database must be restored using WITH NORECOVERY.",
		        m->name);
	if (strcasecmp(m->pdb->mirror.partner_instance, m->me->name) || m->pdb->mirror.role != 2)
		return mirror_not_mirrored(m);
	if (m->pdb->recovery_model != 1)
		return mirror_fail(m, 1465,
		                   "Database mirroring cannot be enabled because the \"%s\" "
		                   "database is not in full recovery mode on both partners.",
		                   m->name);
	theirs = dblog_of(m->pdb);
	need = theirs ? theirs->redo_next : 0;
	if (!mine || !theirs || need == 0 ||
	    memcmp(m->db->recovery.database_guid, m->pdb->recovery.database_guid, 16))
		return mirror_fail(m, 1407,
		                   "The remote copy of database \"%s\" is not related to the "
		                   "local copy of the database.",
		                   m->name);
	if (need < mine->trunc_lsn && theirs->last_log_backup == 0)
		return mirror_fail(
		        m, 1478,
		        "The mirror database, \"%s\", has insufficient transaction log data "
		        "to preserve the log backup chain of the principal database. This "
		        "may happen if a log backup from the principal database has not been "
		        "taken or has not been restored on the mirror database.",
		        m->name);
	if (need < mine->trunc_lsn || need > mine->next ||
	    (memcmp(theirs->redo_fork, m->db->recovery.recovery_fork_guid, 16) &&
	     !(mine->fork_point && need <= mine->fork_point &&
	       !memcmp(theirs->redo_fork, mine->prev_fork, 16))))
		return mirror_fail(
		        m, 1412,
		        "The remote copy of database \"%s\" has not been rolled forward to a "
		        "point in time that is encompassed in the local copy of the database "
		        "log.",
		        m->name);
	return 0;
}

static void start_session(struct mctx *m, const char *addr)
{
	struct sqlmirror *a = &m->db->mirror, *b = &m->pdb->mirror;
	char back[200];

	mirror_address(m->me, back, sizeof(back));
	memset(a, 0, sizeof(*a));
	world_new_guid(a->guid);
	a->on = true;
	a->role = 1;
	a->state = 2; /* SYNCHRONIZING until the first ship */
	a->safety = 2;
	a->role_sequence = 1;
	a->safety_sequence = 1;
	a->connection_timeout = 10;
	snprintf(a->partner_name, sizeof(a->partner_name), "%s", addr);
	snprintf(a->partner_instance, sizeof(a->partner_instance), "%s", m->peer->name);
	*b = *a;
	b->role = 2;
	snprintf(b->partner_name, sizeof(b->partner_name), "%s", back);
	snprintf(b->partner_instance, sizeof(b->partner_instance), "%s", m->me->name);
	mirror_ship(m->db, m->pdb);
	a->state = b->state = 4;
}

int mirror_set_partner(struct mctx *m, const char *addr)
{
	struct sqlmirror *mm = &m->db->mirror;
	bool bad = false;

	if (mm->on)
		return mirror_fail(m, 1405,
		                   "The database \"%s\" is already enabled for database "
		                   "mirroring.",
		                   m->name);
	mirror_resolve(m->me->world, addr, &bad);
	if (bad)
		return mirror_fail(
		        m, 1449,
		        "ALTER DATABASE command failed due to an invalid server connection "
		        "string.");
	if (!m->peer)
		return mirror_unreachable(m, addr);
	if (m->peer == m->me)
		return mirror_fail(
		        m, 1452,
		        "The partner server instance name must be distinct from the server "
		        "instance that manages the database. The ALTER DATABASE SET PARTNER "
		        "command failed.");
	if (!mirror_ep_ready(m->me, 1) || !mirror_ep_ready(m->peer, 1) ||
	    !world_link_up(m->me, m->peer))
		return mirror_unreachable(m, addr);
	if (m->db->recovery_model != 1)
		return mirror_fail(m, 1465,
		                   "Database mirroring cannot be enabled because the \"%s\" "
		                   "database is not in full recovery mode on both partners.",
		                   m->name);
	if (m->db->state == DB_RESTORING) { /* the mirror names its principal first */
		memset(mm, 0, sizeof(*mm));
		mm->role = 2;
		mm->connection_timeout = 10;
		snprintf(mm->partner_name, sizeof(mm->partner_name), "%s", addr);
		snprintf(mm->partner_instance, sizeof(mm->partner_instance), "%s", m->peer->name);
		return 0;
	}
	if (check_remote(m))
		return -1;
	start_session(m, addr);
	return 0;
}

/* Under the local lock: the database and who its partner is. */
static int find(struct mctx *m, const struct sqladmopt *o, const char **addr)
{
	bool bad;

	m->db = world_db_by_name(m->me, m->name);
	if (!m->db)
		return sqlexec_fail(
		        m->c, AB_STMT, 5011, 14, m->line,
		        "User does not have permission to alter database '%s', the "
		        "database does not exist, or the database is not in a state that "
		        "allows access checks.",
		        m->name);
	if (o->expr && !o->word && admin_text(m->c, o->expr, addr))
		return -1;
	if (o->expr && !o->word && !strcmp(o->key, "PARTNER"))
		m->peer = mirror_resolve(m->me->world, *addr, &bad);
	else
		m->peer = mirror_instance(m->me->world, m->db->mirror.partner_instance);
	return 0;
}

int mirror_alter_exec(struct sqlctx *c, const struct sqlstmt *st, const struct sqladmopt *o)
{
	struct mctx m;
	const char *addr = NULL;
	int64_t n = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	m.c = c;
	m.line = st->line;
	m.name = st->adm->name;
	m.me = c->inst;
	mirror_pump(c->inst);
	pthread_mutex_lock(&c->inst->lock);
	rc = find(&m, o, &addr);
	if (rc == 0 && o->word && !strcmp(o->word, "TIMEOUT"))
		rc = admin_int(c, o->expr, &n);
	pthread_mutex_unlock(&c->inst->lock);
	if (rc == 0) {
		struct sqlinstance *peer = m.peer ? m.peer : m.me;

		mirror_lock2(m.me, peer);
		m.db = world_db_by_name(m.me, m.name);
		m.pdb = m.db && m.peer && m.peer != m.me ? world_db_by_name(m.peer, m.name) : NULL;
		if (!m.db)
			rc = find(&m, o, &addr);
		else if (!strcmp(o->key, "WITNESS"))
			rc = mirror_witness(&m, o->expr ? addr : NULL);
		else if (o->expr && !o->word)
			rc = mirror_set_partner(&m, addr ? addr : "");
		else
			rc = mirror_switch(&m, o->word, o->word2, n);
		mirror_unlock2(m.me, peer);
	}
	pthread_mutex_lock(&c->inst->lock);
	sqlout_done(c, rc ? LAB_DONE_ERROR : 0, 0, 0);
	pthread_mutex_unlock(&c->inst->lock);
	mirror_pump(c->inst);
	return rc;
}
