/*
 * model: construction, lookup, deep copy, LSNs and names for the observed
 * and desired models (model.h). Arrays grow inside the caller's arena by
 * copying (the old block is simply abandoned to the arena), which keeps
 * the models plain data that die with their arena. No I/O, no clock, no
 * globals; the comparison with the desired state is in model_diff.c.
 */
#include "reconciler/core/model.h"

#include <string.h>
#include <strings.h>

#include "util/err.h"

typedef unsigned __int128 model_u128;

static model_u128 lsn_get(struct model_lsn l)
{
	return ((model_u128)l.hi << 64) | l.lo;
}

static struct model_lsn lsn_put(model_u128 v)
{
	struct model_lsn l = {(uint64_t)(v >> 64), (uint64_t)v};
	return l;
}

void model_init(struct model *m, struct arena *arena, const char *pool_name)
{
	memset(m, 0, sizeof(*m));
	m->arena = arena;
	m->pool_name = arena_strdup(arena, pool_name);
}

/* Grow an arena array of `size`-byte items to hold one more. */
static void *grow(struct arena *a, void *items, size_t len, size_t *cap, size_t size)
{
	void *fresh;

	if (len < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 4;
	fresh = arena_calloc(a, *cap, size);
	if (len)
		memcpy(fresh, items, len * size);
	return fresh;
}

struct model_instance *model_add_instance(struct model *m, const char *name, const char *site)
{
	struct model_instance *inst;

	m->instances = grow(m->arena, m->instances, m->n_instances, &m->cap_instances,
	                    sizeof(*m->instances));
	inst = &m->instances[m->n_instances++];
	memset(inst, 0, sizeof(*inst));
	inst->name = arena_strdup(m->arena, name);
	inst->site = arena_strdup(m->arena, site);
	inst->reachable = true;
	return inst;
}

struct model_db *model_add_db(struct model *m, struct model_instance *inst, const char *name)
{
	struct model_db *db;

	inst->dbs = grow(m->arena, inst->dbs, inst->n_dbs, &inst->cap_dbs, sizeof(*inst->dbs));
	db = &inst->dbs[inst->n_dbs++];
	memset(db, 0, sizeof(*db));
	db->name = arena_strdup(m->arena, name);
	db->recovery = MODEL_RECOVERY_FULL;
	return db;
}

struct model_backup *model_add_backup(struct model *m, struct model_instance *inst,
                                      const char *database, const char *file, char type,
                                      struct model_lsn first, struct model_lsn last,
                                      const char *fork, const char *finished)
{
	struct model_backup *b;

	inst->backups = grow(m->arena, inst->backups, inst->n_backups, &inst->cap_backups,
	                     sizeof(*inst->backups));
	b = &inst->backups[inst->n_backups++];
	b->database = arena_strdup(m->arena, database);
	b->file = arena_strdup(m->arena, file);
	b->type = type;
	b->first_lsn = first;
	b->last_lsn = last;
	b->fork = arena_strdup(m->arena, fork);
	b->finished = arena_strdup(m->arena, finished);
	return b;
}

static const char **strv_dup(struct arena *a, const char *const *v, size_t n)
{
	const char **out = arena_calloc(a, n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = arena_strdup(a, v[i]);
	return out;
}

void model_set_active_servers(struct model *m, const char *const *servers, size_t n)
{
	m->pool.active_servers = strv_dup(m->arena, servers, n);
	m->pool.n_active_servers = n;
}

void model_set_ls_secondaries(struct model *m, struct model_db *db, const char *const *names,
                              size_t n)
{
	db->ls_primary.secondaries = strv_dup(m->arena, names, n);
	db->ls_primary.n_secondaries = n;
}

bool model_same_name(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcasecmp(a, b) == 0;
}

struct model_instance *model_instance(const struct model *m, const char *name)
{
	for (size_t i = 0; name && i < m->n_instances; i++)
		if (model_same_name(m->instances[i].name, name))
			return &m->instances[i];
	return NULL;
}

struct model_db *model_db(const struct model_instance *inst, const char *name)
{
	for (size_t i = 0; inst && name && i < inst->n_dbs; i++)
		if (strcmp(inst->dbs[i].name, name) == 0)
			return &inst->dbs[i];
	return NULL;
}

struct model_db *model_copy_of(const struct model *m, const char *inst, const char *db)
{
	return model_db(model_instance(m, inst), db);
}

const struct model_site *model_site(const struct model *m, const char *name)
{
	for (size_t i = 0; name && i < m->topo.n_sites; i++)
		if (strcmp(m->topo.sites[i].name, name) == 0)
			return &m->topo.sites[i];
	return NULL;
}

const struct model_dbspec *model_dbspec(const struct model *m, const char *name)
{
	for (size_t i = 0; name && i < m->topo.n_databases; i++)
		if (strcmp(m->topo.databases[i].name, name) == 0)
			return &m->topo.databases[i];
	return NULL;
}

static void db_copy(struct arena *a, struct model_db *d, const struct model_db *s)
{
	*d = *s;
	d->name = arena_strdup(a, s->name);
	d->mirroring.partner = arena_strdup(a, s->mirroring.partner);
	d->ls_primary.backup_share = arena_strdup(a, s->ls_primary.backup_share);
	d->ls_primary.secondaries =
	        strv_dup(a, s->ls_primary.secondaries, s->ls_primary.n_secondaries);
	d->ls_secondary.primary = arena_strdup(a, s->ls_secondary.primary);
	d->ls_secondary.primary_alt = arena_strdup(a, s->ls_secondary.primary_alt);
	d->ls_secondary.last_copied_file = arena_strdup(a, s->ls_secondary.last_copied_file);
	d->ls_secondary.last_restored_file = arena_strdup(a, s->ls_secondary.last_restored_file);
	d->fork = arena_strdup(a, s->fork);
	d->fork_parent = arena_strdup(a, s->fork_parent);
}

static void instance_copy(struct model *dst, struct model_instance *d,
                          const struct model_instance *s)
{
	struct arena *a = dst->arena;

	memset(d, 0, sizeof(*d));
	d->name = arena_strdup(a, s->name);
	d->site = arena_strdup(a, s->site);
	d->reachable = s->reachable;
	d->share_listed = s->share_listed;
	d->unreachable_reason = arena_strdup(a, s->unreachable_reason);
	d->cap_dbs = s->n_dbs;
	d->n_dbs = s->n_dbs;
	d->dbs = arena_calloc(a, s->n_dbs ? s->n_dbs : 1, sizeof(*d->dbs));
	for (size_t i = 0; i < s->n_dbs; i++)
		db_copy(a, &d->dbs[i], &s->dbs[i]);
	for (size_t i = 0; i < s->n_backups; i++) {
		const struct model_backup *b = &s->backups[i];
		struct model_backup *c =
		        model_add_backup(dst, d, b->database, b->file, b->type, b->first_lsn,
		                         b->last_lsn, b->fork, b->finished);

		c->first_fork = arena_strdup(a, b->first_fork);
		c->fork_lsn = b->fork_lsn;
		c->on_share = b->on_share;
	}
}

static void topo_copy(struct arena *a, struct model_topology *d, const struct model_topology *s)
{
	*d = *s;
	d->identity = arena_strdup(a, s->identity);
	d->home = arena_strdup(a, s->home);
	d->primary = arena_strdup(a, s->primary);
	d->ls_from = arena_strdup(a, s->ls_from);
	d->ls_to = arena_strdup(a, s->ls_to);
	d->backup_share = arena_strdup(a, s->backup_share);
	d->copy_to = arena_strdup(a, s->copy_to);
	d->sites = arena_calloc(a, s->n_sites ? s->n_sites : 1, sizeof(*d->sites));
	for (size_t i = 0; i < s->n_sites; i++) {
		d->sites[i].name = arena_strdup(a, s->sites[i].name);
		d->sites[i].principal = arena_strdup(a, s->sites[i].principal);
		d->sites[i].mirror = arena_strdup(a, s->sites[i].mirror);
		d->sites[i].servers = strv_dup(a, s->sites[i].servers, s->sites[i].n_servers);
		d->sites[i].n_servers = s->sites[i].n_servers;
	}
	d->databases = arena_calloc(a, s->n_databases ? s->n_databases : 1, sizeof(*d->databases));
	for (size_t i = 0; i < s->n_databases; i++) {
		d->databases[i].name = arena_strdup(a, s->databases[i].name);
		d->databases[i].shipped = s->databases[i].shipped;
	}
}

void model_copy(struct model *dst, struct arena *arena, const struct model *src)
{
	model_init(dst, arena, src->pool_name);
	dst->cap_instances = src->n_instances;
	dst->n_instances = src->n_instances;
	dst->instances = arena_calloc(arena, src->n_instances ? src->n_instances : 1,
	                              sizeof(*dst->instances));
	for (size_t i = 0; i < src->n_instances; i++)
		instance_copy(dst, &dst->instances[i], &src->instances[i]);
	dst->pool = src->pool;
	dst->pool.unreachable_reason = arena_strdup(arena, src->pool.unreachable_reason);
	dst->pool.active_servers =
	        strv_dup(arena, src->pool.active_servers, src->pool.n_active_servers);
	dst->pool.pings = strv_dup(arena, src->pool.pings, src->pool.n_pings);
	topo_copy(arena, &dst->topo, &src->topo);
}

int model_lsn_parse(struct model_lsn *out, const char *decimal)
{
	const model_u128 max = ~(model_u128)0;
	model_u128 v = 0;
	size_t n = 0;

	for (const char *p = decimal; p && *p; p++, n++) {
		if (*p < '0' || *p > '9')
			return err_set(ERR_INVALID, "invalid LSN '%s': not a decimal number",
			               decimal);
		if (v > (max - (model_u128)(*p - '0')) / 10)
			return err_set(ERR_INVALID, "invalid LSN '%s': too large", decimal);
		v = v * 10 + (model_u128)(*p - '0');
	}
	if (n == 0)
		return err_set(ERR_INVALID, "invalid LSN '': empty");
	*out = lsn_put(v);
	return 0;
}

struct model_lsn model_lsn_u64(uint64_t v)
{
	return lsn_put(v);
}

int model_lsn_cmp(struct model_lsn a, struct model_lsn b)
{
	model_u128 x = lsn_get(a), y = lsn_get(b);

	return x < y ? -1 : x > y;
}

bool model_lsn_is_zero(struct model_lsn a)
{
	return a.hi == 0 && a.lo == 0;
}

void model_lsn_format(struct model_lsn lsn, char out[MODEL_LSN_STRLEN])
{
	char tmp[MODEL_LSN_STRLEN];
	model_u128 v = lsn_get(lsn);
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v && n < MODEL_LSN_STRLEN - 1);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

const char *model_lsn_str(struct arena *arena, struct model_lsn lsn)
{
	char buf[MODEL_LSN_STRLEN];

	model_lsn_format(lsn, buf);
	return arena_strdup(arena, buf);
}

const char *model_db_state_name(enum model_db_state s)
{
	static const char *const names[] = {
	        "ABSENT",           "ONLINE",  "RESTORING", "RECOVERING",
	        "RECOVERY_PENDING", "SUSPECT", "EMERGENCY", "OFFLINE",
	};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

const char *model_role_name(enum model_role r)
{
	return r == MODEL_ROLE_PRINCIPAL ? "PRINCIPAL" : r == MODEL_ROLE_MIRROR ? "MIRROR" : "NONE";
}

const char *model_mirror_state_name(enum model_mirror_state s)
{
	static const char *const names[] = {
	        "NONE",          "SUSPENDED",        "DISCONNECTED",
	        "SYNCHRONIZING", "PENDING_FAILOVER", "SYNCHRONIZED",
	};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

const char *model_safety_name(enum model_safety s)
{
	return s == MODEL_SAFETY_FULL ? "FULL" : s == MODEL_SAFETY_OFF ? "OFF" : "NONE";
}

const char *model_recovery_name(enum model_recovery r)
{
	static const char *const names[] = {"UNKNOWN", "FULL", "BULK_LOGGED", "SIMPLE"};
	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "UNKNOWN";
}

const char *model_pool_state_name(enum model_pool_state s)
{
	return s == MODEL_POOL_NORMAL        ? "Normal"
	       : s == MODEL_POOL_FAILED_OVER ? "FailedOver"
	                                     : "Unknown";
}

bool model_db_writable(const struct model_db *db)
{
	return db && db->state == MODEL_DB_ONLINE && !db->is_in_standby &&
	       db->mirroring.role != MODEL_ROLE_MIRROR;
}

bool model_db_restoring(const struct model_db *db)
{
	return db && (db->state == MODEL_DB_RESTORING ||
	              (db->state == MODEL_DB_ONLINE && db->is_in_standby));
}

bool model_lineage_ok(const struct model_db *copy, const struct model_db *auth)
{
	if (!copy || !auth || !copy->fork || !auth->fork)
		return false;
	if (strcmp(copy->fork, auth->fork) == 0)
		return model_lsn_cmp(copy->lsn, auth->lsn) <= 0;
	if (auth->fork_parent && strcmp(copy->fork, auth->fork_parent) == 0)
		return model_lsn_cmp(copy->lsn, auth->fork_lsn) <= 0;
	return false;
}
