/*
 * observed: facts -> observed model (observed.h). How each field is read:
 *
 * - state: sys.databases.state_desc (STANDBY is ONLINE + is_in_standby);
 * - mirroring: role, state and safety by their _desc names; the partner
 *   from mirroring_partner_instance, else the host of
 *   mirroring_partner_name, resolved to a spec name;
 * - log shipping: a primary configuration per primary_database, with the
 *   secondaries named; a secondary configuration with its primary server,
 *   last copied and last restored files;
 * - lineage: fork = recovery_fork_guid (for a RESTORING copy,
 *   redo_start_fork_guid when known), fork_parent =
 *   first_recovery_fork_guid when it differs, fork_lsn = fork_point_lsn;
 *   lsn = redo_start_lsn for a RESTORING copy (also its last restored
 *   LSN), else the mirroring end of log, else sys.dm_db_log_stats'
 *   log_end_lsn (hex parts made decimal), else last_log_backup_lsn;
 *   what those views did not give comes from the copy's last restore
 *   (RESTORING) or the newest backup the instance took itself (ONLINE),
 *   and a fork point still unknown from a set in msdb that crosses into
 *   the copy's fork (a RESTORING copy's own first log after a recovery);
 * - backups: full and log sets from msdb.dbo.backupset, the file being
 *   the physical device name;
 * - pings: tblServerIdentity rows whose last ping falls in the window,
 *   by host name ("net.tcp://pc1.dc1.lab:8011" is "pc1.dc1.lab").
 */
#include "reconciler/plan/model_names.h"
#include "reconciler/plan/observed.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The host part of an instance name: "SQL1" of "SQL1\PCHAT,1433". */
static size_t host_len(const char *name)
{
	return strcspn(name, "\\,:");
}

/* Does `server` (SQL Server's spelling) name the instance `spec`? */
static bool same_instance(const char *spec, const char *server, bool short_names)
{
	size_t hs = host_len(spec), hv = host_len(server);
	const char *is = spec + hs, *iv = server + hv;

	if (!strcasecmp(spec, server))
		return true;
	/* an instance part (\PCHAT) must agree when both have one */
	if (*is == '\\' && *iv == '\\' && strncasecmp(is, iv, strcspn(is, ",")) != 0)
		return false;
	if (hs == hv && !strncasecmp(spec, server, hs))
		return true;
	if (!short_names)
		return false;
	/* @@SERVERNAME is often the short (NetBIOS) name: compare first labels */
	hs = strcspn(spec, ".\\,:");
	hv = strcspn(server, ".\\,:");
	return hs == hv && !strncasecmp(spec, server, hs);
}

const char *observed_instance_name(const struct model *desired, const char *server)
{
	const char *host = server;
	char buf[300];

	if (!server || !*server)
		return server;
	if (!strncasecmp(server, "TCP://", 6)) {
		snprintf(buf, sizeof(buf), "%s", server + 6);
		buf[strcspn(buf, ":/")] = '\0';
		host = buf;
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *found = NULL;
		size_t n = 0;

		for (size_t i = 0; i < desired->n_instances; i++)
			if (same_instance(desired->instances[i].name, host, pass == 1)) {
				found = desired->instances[i].name;
				n++;
			}
		if (n == 1)
			return found;
	}
	return server;
}

static int by_name(const char *name, const char *(*name_of)(int), int max, int dflt)
{
	for (int i = 0; name && i <= max; i++)
		if (!strcasecmp(name_of(i), name))
			return i;
	return dflt;
}

static struct model_lsn lsn_of(const char *text)
{
	struct model_lsn l = {0, 0};

	if (text && *text && model_lsn_parse(&l, text) < 0)
		memset(&l, 0, sizeof(l));
	return l;
}

static void read_database(struct model *m, struct model_instance *inst,
                          const struct mssql_obs_database *o)
{
	struct model_db *d = model_add_db(m, inst, o->name);
	int state = by_name(o->state_desc, model_names_db_state, MODEL_DB_OFFLINE, -1);

	if (state < 0)
		state = o->state >= 0 && o->state <= 6 ? o->state + 1 : MODEL_DB_OFFLINE;
	d->state = (enum model_db_state)state;
	d->is_in_standby = o->is_in_standby;
	d->recovery = (enum model_recovery)by_name(o->recovery_model_desc, model_names_recovery,
	                                           MODEL_RECOVERY_SIMPLE, MODEL_RECOVERY_UNKNOWN);
}

/* The partner as the spec names it: partner_instance when it resolves,
 * else the host of the TCP:// partner name, else what SQL Server said. */
static const char *partner_of(const struct model *desired, const struct mssql_obs_mirroring *o)
{
	const char *inst = o->partner_instance && *o->partner_instance ? o->partner_instance : NULL;
	const char *name = observed_instance_name(desired, inst);

	if (inst && model_instance(desired, name))
		return name;
	if (o->partner_name &&
	    model_instance(desired, observed_instance_name(desired, o->partner_name)))
		return observed_instance_name(desired, o->partner_name);
	return inst ? inst : o->partner_name;
}

static void read_mirroring(const struct model *desired, struct model *m,
                           struct model_instance *inst, const struct mssql_obs_mirroring *o)
{
	struct model_db *d = model_db(inst, o->database);

	if (!d)
		return;
	d->mirroring.role =
	        (enum model_role)by_name(o->role_desc, model_names_role, MODEL_ROLE_MIRROR, 0);
	d->mirroring.state = (enum model_mirror_state)by_name(
	        o->state_desc, model_names_mirror_state, MODEL_MSTATE_SYNCHRONIZED, 0);
	d->mirroring.safety = (enum model_safety)by_name(o->safety_level_desc, model_names_safety,
	                                                 MODEL_SAFETY_FULL, 0);
	d->mirroring.role_sequence = o->role_sequence;
	d->mirroring.partner = arena_strdup(m->arena, partner_of(desired, o));
}

static void read_ls_primary(const struct model *desired, struct model *m,
                            struct model_instance *inst, const struct mssql_facts *f,
                            const struct mssql_obs_ls_primary *o)
{
	struct model_db *d = model_db(inst, o->primary_database);
	const char *names[64];
	size_t n = 0;

	if (!d || d->ls_primary.configured)
		return; /* rows of one database come together: the first one reads them all */
	d->ls_primary.configured = true;
	d->ls_primary.backup_share = arena_strdup(m->arena, o->backup_share);
	for (size_t i = 0; i < f->n_ls_primary && n < 64; i++) {
		const struct mssql_obs_ls_primary *r = &f->ls_primary[i];

		if (!r->primary_database || strcmp(r->primary_database, o->primary_database))
			continue;
		if (r->backup_job_enabled == 0)
			d->ls_primary.job_disabled = true;
		if (r->secondary_server)
			names[n++] = observed_instance_name(desired, r->secondary_server);
	}
	model_set_ls_secondaries(m, d, names, n);
}

static void read_ls_secondary(const struct model *desired, struct model *m,
                              struct model_instance *inst, const struct mssql_obs_ls_secondary *o)
{
	struct model_db *d = model_db(inst, o->secondary_database);

	if (!d)
		return;
	d->ls_secondary.configured = true;
	d->ls_secondary.primary =
	        arena_strdup(m->arena, observed_instance_name(desired, o->primary_server));
	d->ls_secondary.last_copied_file = arena_strdup(m->arena, o->last_copied_file);
	d->ls_secondary.last_restored_file = arena_strdup(m->arena, o->last_restored_file);
	d->ls_secondary.job_disabled = o->copy_job_enabled == 0 || o->restore_job_enabled == 0;
}

static void read_recovery(struct model *m, struct model_instance *inst,
                          const struct mssql_obs_recovery *o)
{
	struct model_db *d = model_db(inst, o->database);
	const char *fork = o->recovery_fork_guid;

	if (!d)
		return;
	if (d->state == MODEL_DB_RESTORING && o->redo_start_fork_guid)
		fork = o->redo_start_fork_guid;
	d->fork = arena_strdup(m->arena, fork);
	if (o->first_recovery_fork_guid && fork && strcasecmp(o->first_recovery_fork_guid, fork)) {
		d->fork_parent = arena_strdup(m->arena, o->first_recovery_fork_guid);
		d->fork_lsn = lsn_of(o->fork_point_lsn);
	}
	if (model_db_restoring(d) && o->redo_start_lsn) {
		d->lsn = lsn_of(o->redo_start_lsn);
		if (d->ls_secondary.configured)
			d->ls_secondary.last_restored_lsn = d->lsn;
	} else if (model_lsn_is_zero(d->lsn)) {
		d->lsn = lsn_of(o->last_log_backup_lsn);
	}
}

/* The newest restore of `db` (restores come newest first). */
static const struct mssql_obs_restore *last_restore(const struct mssql_facts *f, const char *db)
{
	for (size_t i = 0; i < f->n_restores; i++)
		if (f->restores[i].database && !strcmp(f->restores[i].database, db))
			return &f->restores[i];
	return NULL;
}

/* The newest backup of `db` this instance took after its last restore. */
static const struct mssql_obs_backup *own_backup(const struct mssql_facts *f, const char *db,
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

/*
 * An ONLINE copy's newest own backup on its fork is later than what the
 * views gave when it ends past it: last_log_backup_lsn ignores COPY_ONLY
 * log backups and, after a recovery onto a new fork, still names a backup
 * of the old fork.
 */
static bool own_is_later(const struct model_db *d, const struct mssql_obs_backup *own)
{
	if (model_lsn_is_zero(d->lsn))
		return true;
	if (own->last_recovery_fork_guid && d->fork &&
	    strcasecmp(own->last_recovery_fork_guid, d->fork))
		return false;
	return model_lsn_cmp(lsn_of(own->last_lsn), d->lsn) > 0;
}

static void set_fork(struct model *m, struct model_db *d, const char *fork, const char *first,
                     const char *fork_point)
{
	d->fork = arena_strdup(m->arena, fork);
	if (first && fork && strcasecmp(first, fork)) {
		d->fork_parent = arena_strdup(m->arena, first);
		d->fork_lsn = lsn_of(fork_point);
	}
}

/*
 * A copy that knows its fork but not where it branched (a RESTORING one:
 * sys.database_recovery_status is NULL then, and its newest set began on
 * that fork): a backup set in its msdb that crosses into that fork names
 * the parent fork and the fork point. The authority demoted by a
 * switchover's tail-log backup needs it, for a target still on the
 * parent fork to be seen on its chain.
 */
static void fork_point_from_sets(struct model *m, struct model_db *d, const struct mssql_facts *f)
{
	for (size_t i = 0; d->fork && !d->fork_parent && i < f->n_backups; i++) {
		const struct mssql_obs_backup *b = &f->backups[i];

		if (b->database && !strcmp(b->database, d->name) && b->last_recovery_fork_guid &&
		    b->first_recovery_fork_guid && b->fork_point_lsn &&
		    !strcasecmp(b->last_recovery_fork_guid, d->fork) &&
		    strcasecmp(b->first_recovery_fork_guid, d->fork))
			set_fork(m, d, d->fork, b->first_recovery_fork_guid, b->fork_point_lsn);
	}
}

/*
 * What the recovery views did not give: a RESTORING copy's fork and next
 * LSN from its last restore (msdb.dbo.restorehistory), an ONLINE copy's
 * from the newest backup it took itself. Unknown stays NULL/zero, which
 * the planner treats as "lineage unknown".
 */
static void read_lineage_fallback(struct model *m, struct model_instance *inst,
                                  const struct mssql_facts *f)
{
	for (size_t i = 0; i < inst->n_dbs; i++) {
		struct model_db *d = &inst->dbs[i];
		const struct mssql_obs_restore *restore = last_restore(f, d->name);
		const struct mssql_obs_backup *own = own_backup(f, d->name, restore);
		bool restoring = d->state == MODEL_DB_RESTORING;

		if (!d->fork && restoring && restore)
			set_fork(m, d, restore->last_recovery_fork_guid,
			         restore->first_recovery_fork_guid, restore->fork_point_lsn);
		else if (!d->fork && own)
			set_fork(m, d, own->last_recovery_fork_guid, own->first_recovery_fork_guid,
			         own->fork_point_lsn);
		fork_point_from_sets(m, d, f);
		if (restoring && restore) {
			if (model_lsn_is_zero(d->lsn))
				d->lsn = lsn_of(restore->last_lsn);
			if (model_lsn_is_zero(d->ls_secondary.last_restored_lsn))
				d->ls_secondary.last_restored_lsn = lsn_of(restore->last_lsn);
		} else if (!restoring && own && own_is_later(d, own)) {
			d->lsn = lsn_of(own->last_lsn);
		}
	}
}

/* "0000002a:000000f0:0003" (sys.dm_db_log_stats: VLF, block, slot in hex)
 * -> 42000000024000003, the decimal form of backupset and the mirroring
 * views; zero when it is not that. */
static struct model_lsn lsn_of_hex(const char *text)
{
	unsigned long part[3];
	char *end;
	char dec[48];

	for (int i = 0; i < 3; i++) {
		if (!text || !isxdigit((unsigned char)*text))
			return lsn_of(NULL);
		part[i] = strtoul(text, &end, 16);
		if (end - text > 8 || *end != (i < 2 ? ':' : '\0'))
			return lsn_of(NULL);
		text = end + (i < 2);
	}
	if (part[2] > 0xffff)
		return lsn_of(NULL);
	snprintf(dec, sizeof(dec), "%lu%010lu%05lu", part[0], part[1], part[2]);
	return lsn_of(dec);
}

/* sys.dm_db_log_stats' end of log, for an ONLINE copy the mirroring views did not cover. */
static void read_log_end(struct model_instance *inst, const struct mssql_obs_log_end *o)
{
	struct model_db *d = model_db(inst, o->database);

	if (d && d->state == MODEL_DB_ONLINE && model_lsn_is_zero(d->lsn))
		d->lsn = lsn_of_hex(o->log_end_lsn);
}

/* The mirroring end of log, the best end-of-log LSN of an ONLINE principal. */
static void read_end_of_log(struct model_instance *inst, const struct mssql_obs_mirroring *o)
{
	struct model_db *d = model_db(inst, o->database);

	if (d && d->state == MODEL_DB_ONLINE && o->end_of_log_lsn)
		d->lsn = lsn_of(o->end_of_log_lsn);
}

static void read_backups(struct model *m, struct model_instance *inst, const struct mssql_facts *f)
{
	for (size_t i = 0; i < f->n_backups; i++) {
		const struct mssql_obs_backup *b = &f->backups[i];

		if ((b->type != 'D' && b->type != 'L') || !b->database)
			continue;
		struct model_backup *mb =
		        model_add_backup(m, inst, b->database,
		                         b->physical_device_name ? b->physical_device_name : "",
		                         b->type, lsn_of(b->first_lsn), lsn_of(b->last_lsn),
		                         b->last_recovery_fork_guid, b->finish_date);

		/* a set that spans a fork point: RESTORE takes it from its first fork */
		if (b->first_recovery_fork_guid && b->last_recovery_fork_guid &&
		    strcasecmp(b->first_recovery_fork_guid, b->last_recovery_fork_guid)) {
			mb->first_fork = arena_strdup(m->arena, b->first_recovery_fork_guid);
			mb->fork_lsn = lsn_of(b->fork_point_lsn);
		}
	}
}

void observed_add_backups(struct model *m, const char *instance, const struct mssql_facts *f)
{
	struct model_instance *inst = model_instance(m, instance);
	size_t from = inst ? inst->n_backups : 0;

	if (!inst)
		return;
	read_backups(m, inst, f);
	for (size_t i = from; i < inst->n_backups; i++)
		inst->backups[i].on_share = true;
	inst->share_listed = true;
}

static void read_sessions(struct model_instance *inst, const struct mssql_facts *f)
{
	for (size_t i = 0; i < f->n_sessions; i++) {
		struct model_db *d = model_db(inst, f->sessions[i].database);

		if (d && f->sessions[i].sessions > 0)
			d->user_sessions = (unsigned)f->sessions[i].sessions;
	}
}

static void read_instance(const struct observed_input *in, struct model *m,
                          struct model_instance *inst, const struct mssql_facts *f)
{
	const struct model *desired = in->desired;

	for (size_t i = 0; i < f->n_databases; i++)
		if (f->databases[i].name)
			read_database(m, inst, &f->databases[i]);
	for (size_t i = 0; i < f->n_mirroring; i++)
		if (f->mirroring[i].database)
			read_mirroring(desired, m, inst, &f->mirroring[i]);
	for (size_t i = 0; i < f->n_ls_primary; i++)
		if (f->ls_primary[i].primary_database)
			read_ls_primary(desired, m, inst, f, &f->ls_primary[i]);
	for (size_t i = 0; i < f->n_ls_secondary; i++)
		if (f->ls_secondary[i].secondary_database)
			read_ls_secondary(desired, m, inst, &f->ls_secondary[i]);
	for (size_t i = 0; i < f->n_mirroring; i++)
		if (f->mirroring[i].database)
			read_end_of_log(inst, &f->mirroring[i]);
	for (size_t i = 0; i < f->n_log_end; i++)
		if (f->log_end[i].database)
			read_log_end(inst, &f->log_end[i]);
	for (size_t i = 0; i < f->n_recovery; i++)
		if (f->recovery[i].database)
			read_recovery(m, inst, &f->recovery[i]);
	read_lineage_fallback(m, inst, f);
	read_backups(m, inst, f);
	read_sessions(inst, f);
}

/* "2026-11-28T14:02:11.123" (UTC) -> seconds; -1 when it is not that. */
static int64_t ping_time(const char *text)
{
	struct tm tm;
	int y, mo, d, h, mi, s;

	if (!text || sscanf(text, "%4d-%2d-%2d%*[T ]%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

/* The server of a tblServerIdentity address: "net.tcp://pc1.dc1:8011" -> "pc1.dc1". */
static const char *ping_host(struct arena *arena, const char *address)
{
	const char *host = strstr(address, "://");

	if (!host)
		return arena_strdup(arena, address);
	host += 3;
	return arena_strndup(arena, host, strcspn(host, ":/"));
}

static void read_pings(const struct observed_input *in, struct model *m)
{
	const char **names = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < in->n_facts; i++) {
		const struct mssql_facts *f = &in->facts[i];

		for (size_t k = 0; k < f->n_server_identity; k++) {
			const struct mssql_obs_server_identity *p = &f->server_identity[k];
			int64_t t = ping_time(p->last_ping_time);

			if (!p->server_address || (in->chat_database && p->database &&
			                           strcasecmp(p->database, in->chat_database)))
				continue;
			if (in->now && in->ping_window_s &&
			    (t < 0 || t + (int64_t)in->ping_window_s < in->now))
				continue;
			if (n == cap) {
				const char **fresh;

				cap = cap ? cap * 2 : 8;
				fresh = arena_calloc(m->arena, cap, sizeof(*fresh));
				if (n)
					memcpy(fresh, names, n * sizeof(*fresh));
				names = fresh;
			}
			names[n++] = ping_host(m->arena, p->server_address);
		}
	}
	m->pool.pings = names;
	m->pool.n_pings = n;
}

static void read_pool(const struct observed_input *in, struct model *m)
{
	m->pool.reachable = in->pool != NULL;
	if (!in->pool) {
		m->pool.state = MODEL_POOL_UNKNOWN;
		m->pool.unreachable_reason =
		        arena_strdup(m->arena, in->pool_error ? in->pool_error : "no answer");
		return;
	}
	m->pool.state =
	        in->pool->state == POOLCMD_FAILED_OVER ? MODEL_POOL_FAILED_OVER : MODEL_POOL_NORMAL;
	model_set_active_servers(m, (const char *const *)in->pool->active_servers,
	                         in->pool->n_active_servers);
	read_pings(in, m);
}

void observed_from_facts(struct model *out, struct arena *arena, const struct observed_input *in)
{
	const struct model *desired = in->desired;

	model_init(out, arena, desired->pool_name);
	for (size_t i = 0; i < desired->n_instances; i++) {
		const struct model_instance *want = &desired->instances[i];
		struct model_instance *inst = model_add_instance(out, want->name, want->site);
		const struct mssql_facts *f = NULL;

		for (size_t k = 0; k < in->n_facts && !f; k++)
			if (in->facts[k].instance &&
			    model_same_name(in->facts[k].instance, want->name))
				f = &in->facts[k];
		if (!f || f->failure != MSSQL_FAIL_NONE) {
			inst->reachable = false;
			inst->unreachable_reason =
			        arena_strdup(arena, f && f->reason ? f->reason
			                            : f            ? mssql_failure_name(f->failure)
			                                           : "not observed");
			continue;
		}
		read_instance(in, out, inst, f);
	}
	read_pool(in, out);
}
