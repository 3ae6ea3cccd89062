/*
 * observe_model: facts -> the planner's observed model (reconciler/core/
 * model.h). This is where SQL Server's spellings become model enums and
 * where server-side names (partner network addresses, @@SERVERNAME in
 * log shipping tables) are mapped back to the instance names the spec
 * uses. Lineage comes from the best source that arrived, in order:
 * sys.database_recovery_status (ONLINE) or sys.master_files' redo start
 * (RESTORING), then the last restore (a RESTORING copy), then the newest
 * backup this instance took (an ONLINE copy); what no source gives stays NULL/zero, which the
 * planner treats as "lineage unknown" (it reseeds rather than guess).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "providers/mssql/observe.h"
#include "reconciler/core/model.h"

static enum model_db_state obs_db_state(int state)
{
	switch (state) {
	case 0:
		return MODEL_DB_ONLINE;
	case 1:
		return MODEL_DB_RESTORING;
	case 2:
		return MODEL_DB_RECOVERING;
	case 3:
		return MODEL_DB_RECOVERY_PENDING;
	case 4:
		return MODEL_DB_SUSPECT;
	case 5:
		return MODEL_DB_EMERGENCY;
	default:
		return MODEL_DB_OFFLINE;
	}
}

static enum model_recovery obs_recovery(const char *desc)
{
	if (!desc)
		return MODEL_RECOVERY_UNKNOWN;
	if (!strcmp(desc, "FULL"))
		return MODEL_RECOVERY_FULL;
	if (!strcmp(desc, "BULK_LOGGED"))
		return MODEL_RECOVERY_BULK_LOGGED;
	if (!strcmp(desc, "SIMPLE"))
		return MODEL_RECOVERY_SIMPLE;
	return MODEL_RECOVERY_UNKNOWN;
}

static enum model_mirror_state obs_mirror_state(const char *desc)
{
	static const struct {
		const char *desc;
		enum model_mirror_state state;
	} map[] = {
	        {"SUSPENDED", MODEL_MSTATE_SUSPENDED},
	        {"DISCONNECTED", MODEL_MSTATE_DISCONNECTED},
	        {"SYNCHRONIZING", MODEL_MSTATE_SYNCHRONIZING},
	        {"PENDING_FAILOVER", MODEL_MSTATE_PENDING_FAILOVER},
	        {"SYNCHRONIZED", MODEL_MSTATE_SYNCHRONIZED},
	        {"UNSYNCHRONIZED", MODEL_MSTATE_SYNCHRONIZING},
	};

	for (size_t i = 0; desc && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(desc, map[i].desc))
			return map[i].state;
	return MODEL_MSTATE_NONE;
}

/* The host of "TCP://host:5022", or of "host\INST,1433", into buf. */
static const char *obs_host(const char *name, char *buf, size_t size)
{
	size_t n;

	if (!strncasecmp(name, "TCP://", 6))
		name += 6;
	n = strcspn(name, ":\\,/");
	snprintf(buf, size, "%.*s", (int)n, name);
	return buf;
}

/*
 * The spec's name for a server-side name: an exact (case-insensitive)
 * match, else the instance whose host is the same, else the name as
 * given (the planner then sees a partner it does not know).
 */
static const char *obs_instance_name(const char *server, const char *const *names, size_t n)
{
	char a[256], b[256];
	size_t i;

	if (!server)
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcasecmp(names[i], server))
			return names[i];
	obs_host(server, a, sizeof(a));
	for (i = 0; i < n; i++)
		if (!strcasecmp(obs_host(names[i], b, sizeof(b)), a))
			return names[i];
	return server;
}

static struct model_lsn obs_lsn(const char *text)
{
	struct model_lsn lsn = {0, 0};

	if (text)
		model_lsn_parse(&lsn, text);
	return lsn;
}

/* Partner: the network address's host names the instance best; the
 * partner's own @@SERVERNAME is the fallback. */
static const char *obs_partner(const struct mssql_obs_mirroring *m, const char *const *names,
                               size_t n)
{
	const char *by_address = obs_instance_name(m->partner_name, names, n);

	for (size_t i = 0; by_address && i < n; i++)
		if (by_address == names[i])
			return by_address;
	if (m->partner_instance)
		return obs_instance_name(m->partner_instance, names, n);
	return by_address;
}

static void obs_mirroring(struct arena *arena, struct model_db *db, const struct mssql_facts *f,
                          const char *const *names, size_t n)
{
	for (size_t i = 0; i < f->n_mirroring; i++) {
		const struct mssql_obs_mirroring *m = &f->mirroring[i];
		if (!m->database || strcmp(m->database, db->name))
			continue;
		db->mirroring.role = !m->role_desc                        ? MODEL_ROLE_NONE
		                     : !strcmp(m->role_desc, "PRINCIPAL") ? MODEL_ROLE_PRINCIPAL
		                     : !strcmp(m->role_desc, "MIRROR")    ? MODEL_ROLE_MIRROR
		                                                          : MODEL_ROLE_NONE;
		db->mirroring.state = obs_mirror_state(m->state_desc);
		db->mirroring.safety = !m->safety_level_desc                   ? MODEL_SAFETY_NONE
		                       : !strcmp(m->safety_level_desc, "FULL") ? MODEL_SAFETY_FULL
		                       : !strcmp(m->safety_level_desc, "OFF")  ? MODEL_SAFETY_OFF
		                                                               : MODEL_SAFETY_NONE;
		db->mirroring.partner = arena_strdup(arena, obs_partner(m, names, n));
		db->mirroring.role_sequence = m->role_sequence < 0 ? 0 : m->role_sequence;
	}
}

/* Log shipping: this copy as a primary (share, secondaries) and as a
 * secondary (primary, files, the LSN its last restore reached). */
static void obs_log_shipping(struct model *model, struct model_db *db, const struct mssql_facts *f,
                             const char *const *names, size_t n)
{
	const char *secondaries[64];
	size_t n_sec = 0;

	for (size_t i = 0; i < f->n_ls_primary; i++) {
		const struct mssql_obs_ls_primary *p = &f->ls_primary[i];
		if (!p->primary_database || strcmp(p->primary_database, db->name))
			continue;
		db->ls_primary.configured = true;
		db->ls_primary.backup_share = arena_strdup(model->arena, p->backup_share);
		if (p->secondary_server && n_sec < 64)
			secondaries[n_sec++] = obs_instance_name(p->secondary_server, names, n);
	}
	if (n_sec)
		model_set_ls_secondaries(model, db, secondaries, n_sec);
	for (size_t i = 0; i < f->n_ls_secondary; i++) {
		const struct mssql_obs_ls_secondary *s = &f->ls_secondary[i];
		if (!s->secondary_database || strcmp(s->secondary_database, db->name))
			continue;
		db->ls_secondary.configured = true;
		db->ls_secondary.primary =
		        arena_strdup(model->arena, obs_instance_name(s->primary_server, names, n));
		db->ls_secondary.last_copied_file = arena_strdup(model->arena, s->last_copied_file);
		db->ls_secondary.last_restored_file =
		        arena_strdup(model->arena, s->last_restored_file);
	}
}

static const struct mssql_obs_restore *obs_last_restore(const struct mssql_facts *f, const char *db)
{
	for (size_t i = 0; i < f->n_restores; i++) /* newest first */
		if (f->restores[i].database && !strcmp(f->restores[i].database, db))
			return &f->restores[i];
	return NULL;
}

/* The newest backup of `db` this instance took after its last restore. */
static const struct mssql_obs_backup *obs_own_backup(const struct mssql_facts *f, const char *db,
                                                     const struct mssql_obs_restore *restore)
{
	for (size_t i = 0; i < f->n_backups; i++) { /* newest first */
		const struct mssql_obs_backup *b = &f->backups[i];
		if (!b->database || strcmp(b->database, db) || !b->server_name || !f->server_name ||
		    strcasecmp(b->server_name, f->server_name))
			continue;
		if (restore && restore->restore_date && b->finish_date &&
		    strcmp(b->finish_date, restore->restore_date) < 0)
			return NULL;
		return b;
	}
	return NULL;
}

static void obs_fork(struct arena *arena, struct model_db *db, const char *fork,
                     const char *first_fork, const char *fork_point)
{
	db->fork = arena_strdup(arena, fork);
	if (first_fork && fork && strcasecmp(first_fork, fork)) {
		db->fork_parent = arena_strdup(arena, first_fork);
		db->fork_lsn = obs_lsn(fork_point);
	}
}

static void obs_lineage(struct model *model, struct model_db *db, const struct mssql_facts *f)
{
	const struct mssql_obs_restore *restore = obs_last_restore(f, db->name);
	const struct mssql_obs_backup *own = obs_own_backup(f, db->name, restore);
	const struct mssql_obs_recovery *rec = NULL;

	for (size_t i = 0; i < f->n_recovery; i++)
		if (f->recovery[i].database && !strcmp(f->recovery[i].database, db->name))
			rec = &f->recovery[i];
	if (rec && rec->recovery_fork_guid)
		obs_fork(model->arena, db, rec->recovery_fork_guid, rec->first_recovery_fork_guid,
		         rec->fork_point_lsn);
	else if (db->state == MODEL_DB_RESTORING && rec && rec->redo_start_fork_guid)
		obs_fork(model->arena, db, rec->redo_start_fork_guid,
		         restore ? restore->first_recovery_fork_guid : NULL,
		         restore ? restore->fork_point_lsn : NULL);
	else if (db->state == MODEL_DB_RESTORING && restore)
		obs_fork(model->arena, db, restore->last_recovery_fork_guid,
		         restore->first_recovery_fork_guid, restore->fork_point_lsn);
	else if (own)
		obs_fork(model->arena, db, own->last_recovery_fork_guid,
		         own->first_recovery_fork_guid, own->fork_point_lsn);

	if (db->state == MODEL_DB_RESTORING) {
		if (rec && rec->redo_start_lsn)
			db->lsn = obs_lsn(rec->redo_start_lsn);
		else if (restore)
			db->lsn = obs_lsn(restore->last_lsn);
		if (restore)
			db->ls_secondary.last_restored_lsn = obs_lsn(restore->last_lsn);
		return;
	}
	for (size_t i = 0; i < f->n_mirroring; i++)
		if (f->mirroring[i].database && !strcmp(f->mirroring[i].database, db->name) &&
		    f->mirroring[i].end_of_log_lsn) {
			db->lsn = obs_lsn(f->mirroring[i].end_of_log_lsn);
			return;
		}
	if (rec && rec->last_log_backup_lsn)
		db->lsn = obs_lsn(rec->last_log_backup_lsn);
	else if (own)
		db->lsn = obs_lsn(own->last_lsn);
}

static bool obs_wanted(const char *name, const char *const *dbs, size_t n_dbs)
{
	if (!dbs)
		return true;
	for (size_t i = 0; i < n_dbs; i++)
		if (!strcmp(dbs[i], name))
			return true;
	return false;
}

static void obs_backups(struct model *model, struct model_instance *inst,
                        const struct mssql_facts *f, const char *const *dbs, size_t n_dbs)
{
	for (size_t i = 0; i < f->n_backups; i++) {
		const struct mssql_obs_backup *b = &f->backups[i];
		if (!b->database || !obs_wanted(b->database, dbs, n_dbs) ||
		    (b->type != 'D' && b->type != 'L') || b->is_copy_only)
			continue;
		model_add_backup(model, inst, b->database, b->physical_device_name, b->type,
		                 obs_lsn(b->first_lsn), obs_lsn(b->last_lsn),
		                 b->last_recovery_fork_guid, b->finish_date);
	}
}

void mssql_facts_to_model(struct model *model, const struct mssql_facts *f, const char *site,
                          const char *const *dbs, size_t n_dbs, const char *const *instances,
                          size_t n_instances)
{
	struct model_instance *inst = model_add_instance(model, f->instance, site);

	if (f->failure != MSSQL_FAIL_NONE || !(f->sections & MSSQL_SEC_DATABASES)) {
		inst->reachable = false;
		inst->unreachable_reason = arena_strdup(
		        model->arena, f->reason ? f->reason : "sys.databases could not be read");
		return;
	}
	for (size_t i = 0; i < f->n_databases; i++) {
		const struct mssql_obs_database *d = &f->databases[i];
		struct model_db *db;
		if (!d->name || !obs_wanted(d->name, dbs, n_dbs))
			continue;
		db = model_add_db(model, inst, d->name);
		db->state = obs_db_state(d->state);
		db->is_in_standby = d->is_in_standby;
		db->recovery = obs_recovery(d->recovery_model_desc);
		obs_mirroring(model->arena, db, f, instances, n_instances);
		obs_log_shipping(model, db, f, instances, n_instances);
		obs_lineage(model, db, f);
		for (size_t k = 0; k < f->n_sessions; k++)
			if (f->sessions[k].database && !strcmp(f->sessions[k].database, d->name))
				db->user_sessions = (unsigned)(f->sessions[k].sessions < 0
				                                       ? 0
				                                       : f->sessions[k].sessions);
	}
	obs_backups(model, inst, f, dbs, n_dbs);
}

/* "YYYY-MM-DDTHH:MM:SS..." -> seconds (UTC arithmetic); -1 when malformed. */
static long long obs_seconds(const char *text)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, s;

	if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (long long)timegm(&tm);
}

size_t mssql_facts_recent_pings(const char **out, size_t max, struct arena *arena,
                                const struct mssql_facts *f, unsigned within_s)
{
	long long now = obs_seconds(f->server_time), at;
	size_t n = 0;

	for (size_t i = 0; i < f->n_server_identity && n < max; i++) {
		const struct mssql_obs_server_identity *s = &f->server_identity[i];
		at = obs_seconds(s->last_ping_time);
		if (!s->server_address || at < 0 || now < 0 || now - at > (long long)within_s)
			continue;
		out[n++] = arena_strdup(arena, s->server_address);
	}
	return n;
}
