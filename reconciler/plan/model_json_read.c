/*
 * model_json_read: a model from JSON (model_json.h), strictly: every
 * object's keys are checked against the ones the format has, every value
 * against its type, every enum against the names model.h prints, and
 * every problem names where it is ("instances[1].databases[0].state").
 * Missing optional fields take the defaults the writer leaves out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reconciler/plan/model_names.h"
#include "reconciler/plan/model_json.h"
#include "reconciler/plan/model_json_int.h"
#include "util/err.h"
#include "util/strbuf.h"

struct rd {
	struct model *m;
	char path[160];
};

static int bad(const struct rd *r, const char *key, const char *what)
{
	return err_set(ERR_INVALID, "invalid model: %s%s%s: %s", r->path, *r->path ? "." : "", key,
	               what);
}

/* Each key of `obj` must be one of the NULL-terminated `keys`. */
static int keys_ok(const struct rd *r, const json_t *obj, const char *const *keys)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return err_set(ERR_INVALID, "invalid model: %s: not an object",
		               *r->path ? r->path : "document");
	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i;

		for (i = 0; keys[i] && strcmp(keys[i], key); i++)
			;
		if (!keys[i])
			return bad(r, key, "unknown key");
	}
	return 0;
}

/* An optional string (absent or null: NULL), copied into the model's arena. */
static int opt_str(const struct rd *r, const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(r, key, "not a string");
	*out = arena_strdup(r->m->arena, json_string_value(v));
	return 0;
}

static int req_str(const struct rd *r, const json_t *obj, const char *key, const char **out)
{
	int error = opt_str(r, obj, key, out);

	if (!error && !*out)
		return bad(r, key, "missing");
	return error;
}

static int opt_bool(const struct rd *r, const json_t *obj, const char *key, bool dflt, bool *out)
{
	json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(r, key, "not true or false");
	*out = json_is_true(v);
	return 0;
}

static int opt_uint(const struct rd *r, const json_t *obj, const char *key, long long max,
                    long long *out)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(r, key, "not a whole number in range");
	*out = json_integer_value(v);
	return 0;
}

static int opt_lsn(const struct rd *r, const json_t *obj, const char *key, struct model_lsn *out)
{
	const char *s;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = opt_str(r, obj, key, &s)) < 0 || !s)
		return error;
	if (model_lsn_parse(out, s) < 0)
		return bad(r, key, "not an LSN (a decimal number as a string)");
	return 0;
}

/* A NULL-terminated-free array of strings into an arena vector. */
static int opt_strv(const struct rd *r, const json_t *obj, const char *key, const char ***out,
                    size_t *n)
{
	json_t *v = json_object_get(obj, key), *item;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return bad(r, key, "not an array");
	*out = arena_calloc(r->m->arena, json_array_size(v) + 1, sizeof(**out));
	json_array_foreach(v, i, item)
	{
		if (!json_is_string(item))
			return bad(r, key, "holds something that is not a string");
		(*out)[i] = arena_strdup(r->m->arena, json_string_value(item));
	}
	*n = json_array_size(v);
	return 0;
}

/* An enum by its printed name: `name_of(0..max)`. */
static int opt_enum(const struct rd *r, const json_t *obj, const char *key,
                    const char *(*name_of)(int), int max, int *out)
{
	const char *s;
	int error;

	*out = 0;
	if ((error = opt_str(r, obj, key, &s)) < 0 || !s)
		return error;
	for (int i = 0; i <= max; i++)
		if (!strcmp(name_of(i), s)) {
			*out = i;
			return 0;
		}
	return bad(r, key, "unknown value");
}

/* Enter `key` (and index, when >= 0) in the path for messages; returns the old length. */
static size_t path_push(struct rd *r, const char *key, long index)
{
	size_t len = strlen(r->path);

	if (index >= 0)
		snprintf(r->path + len, sizeof(r->path) - len, "%s%s[%ld]", len ? "." : "", key,
		         index);
	else
		snprintf(r->path + len, sizeof(r->path) - len, "%s%s", len ? "." : "", key);
	return len;
}

static int read_mirroring(struct rd *r, const json_t *o, struct model_mirroring *m)
{
	static const char *const keys[] = {"role",   "state",         "partner",
	                                   "safety", "role_sequence", NULL};
	int role = 0, state = 0, safety = 0, error;
	long long seq = 0;
	size_t len = path_push(r, "mirroring", -1);

	if ((error = keys_ok(r, o, keys)) < 0 ||
	    (error = opt_enum(r, o, "role", model_names_role, MODEL_ROLE_MIRROR, &role)) < 0 ||
	    (error = opt_enum(r, o, "state", model_names_mirror_state, MODEL_MSTATE_SYNCHRONIZED,
	                      &state)) < 0 ||
	    (error = opt_str(r, o, "partner", &m->partner)) < 0 ||
	    (error = opt_enum(r, o, "safety", model_names_safety, MODEL_SAFETY_FULL, &safety)) <
	            0 ||
	    (error = opt_uint(r, o, "role_sequence", 1000000000, &seq)) < 0)
		goto done;
	m->role = (enum model_role)role;
	m->state = (enum model_mirror_state)state;
	m->safety = (enum model_safety)safety;
	m->role_sequence = (int)seq;
done:
	r->path[len] = '\0';
	return error;
}

static int read_ls(struct rd *r, const json_t *db, struct model_db *d)
{
	static const char *const pkeys[] = {"backup_share", "secondaries", "job_disabled", NULL};
	static const char *const skeys[] = {"primary",
	                                    "primary_alt",
	                                    "last_copied_file",
	                                    "last_restored_file",
	                                    "last_restored_lsn",
	                                    "job_disabled",
	                                    NULL};
	const json_t *p = json_object_get(db, "ls_primary"),
	             *s = json_object_get(db, "ls_secondary");
	size_t len = strlen(r->path);
	int error = 0;

	if (p) {
		path_push(r, "ls_primary", -1);
		d->ls_primary.configured = true;
		if ((error = keys_ok(r, p, pkeys)) < 0 ||
		    (error = opt_str(r, p, "backup_share", &d->ls_primary.backup_share)) < 0 ||
		    (error = opt_strv(r, p, "secondaries", &d->ls_primary.secondaries,
		                      &d->ls_primary.n_secondaries)) < 0 ||
		    (error = opt_bool(r, p, "job_disabled", false, &d->ls_primary.job_disabled)) <
		            0)
			goto done;
		r->path[len] = '\0';
	}
	if (s) {
		struct model_ls_secondary *ls = &d->ls_secondary;

		path_push(r, "ls_secondary", -1);
		ls->configured = true;
		if ((error = keys_ok(r, s, skeys)) < 0 ||
		    (error = opt_str(r, s, "primary", &ls->primary)) < 0 ||
		    (error = opt_str(r, s, "primary_alt", &ls->primary_alt)) < 0 ||
		    (error = opt_str(r, s, "last_copied_file", &ls->last_copied_file)) < 0 ||
		    (error = opt_str(r, s, "last_restored_file", &ls->last_restored_file)) < 0 ||
		    (error = opt_lsn(r, s, "last_restored_lsn", &ls->last_restored_lsn)) < 0 ||
		    (error = opt_bool(r, s, "job_disabled", false, &ls->job_disabled)) < 0)
			goto done;
	}
done:
	r->path[len] = '\0';
	return error;
}

static int read_want(struct rd *r, const json_t *db, unsigned *out)
{
	const char **names;
	size_t n;
	int error;

	*out = 0;
	if ((error = opt_strv(r, db, "want", &names, &n)) < 0)
		return error;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < MODEL_JSON_N_WANTS && strcmp(model_json_wants[k].name, names[i]);
		     k++)
			;
		if (k == MODEL_JSON_N_WANTS)
			return bad(r, "want", "unknown field name");
		*out |= model_json_wants[k].bit;
	}
	return 0;
}

static int read_db(struct rd *r, struct model_instance *inst, const json_t *o)
{
	static const char *const keys[] = {"name",
	                                   "state",
	                                   "standby",
	                                   "recovery",
	                                   "mirroring",
	                                   "ls_primary",
	                                   "ls_secondary",
	                                   "fork",
	                                   "fork_parent",
	                                   "fork_lsn",
	                                   "lsn",
	                                   "user_sessions",
	                                   "safety_backup_taken",
	                                   "want",
	                                   "standby_ok",
	                                   NULL};
	const char *name;
	struct model_db *d;
	int state = 0, recovery = MODEL_RECOVERY_FULL, error;
	long long sessions;
	json_t *rec, *mir;

	if ((error = keys_ok(r, o, keys)) < 0 || (error = req_str(r, o, "name", &name)) < 0)
		return error;
	d = model_add_db(r->m, inst, name);
	rec = json_object_get(o, "recovery");
	if ((error = opt_enum(r, o, "state", model_names_db_state, MODEL_DB_OFFLINE, &state)) < 0 ||
	    (rec && (error = opt_enum(r, o, "recovery", model_names_recovery, MODEL_RECOVERY_SIMPLE,
	                              &recovery)) < 0) ||
	    (error = opt_bool(r, o, "standby", false, &d->is_in_standby)) < 0 ||
	    (error = read_ls(r, o, d)) < 0 || (error = opt_str(r, o, "fork", &d->fork)) < 0 ||
	    (error = opt_str(r, o, "fork_parent", &d->fork_parent)) < 0 ||
	    (error = opt_lsn(r, o, "fork_lsn", &d->fork_lsn)) < 0 ||
	    (error = opt_lsn(r, o, "lsn", &d->lsn)) < 0 ||
	    (error = opt_uint(r, o, "user_sessions", 1000000, &sessions)) < 0 ||
	    (error = opt_bool(r, o, "safety_backup_taken", false, &d->safety_backup_taken)) < 0 ||
	    (error = read_want(r, o, &d->want)) < 0 ||
	    (error = opt_bool(r, o, "standby_ok", false, &d->standby_ok)) < 0)
		return error;
	d->state = (enum model_db_state)state;
	d->recovery = (enum model_recovery)recovery;
	d->user_sessions = (unsigned)sessions;
	mir = json_object_get(o, "mirroring");
	return mir ? read_mirroring(r, mir, &d->mirroring) : 0;
}

static int read_backup(struct rd *r, struct model_instance *inst, const json_t *o)
{
	static const char *const keys[] = {"database", "file",     "type",       "first_lsn",
	                                   "last_lsn", "fork",     "first_fork", "fork_lsn",
	                                   "finished", "on_share", NULL};
	const char *db, *file, *type, *fork, *first_fork, *finished;
	struct model_lsn first, last, fork_lsn;
	struct model_backup *b;
	bool on_share;
	int error;

	if ((error = keys_ok(r, o, keys)) < 0 || (error = req_str(r, o, "database", &db)) < 0 ||
	    (error = req_str(r, o, "file", &file)) < 0 ||
	    (error = req_str(r, o, "type", &type)) < 0 ||
	    (error = opt_lsn(r, o, "first_lsn", &first)) < 0 ||
	    (error = opt_lsn(r, o, "last_lsn", &last)) < 0 ||
	    (error = opt_str(r, o, "fork", &fork)) < 0 ||
	    (error = opt_str(r, o, "first_fork", &first_fork)) < 0 ||
	    (error = opt_lsn(r, o, "fork_lsn", &fork_lsn)) < 0 ||
	    (error = opt_str(r, o, "finished", &finished)) < 0 ||
	    (error = opt_bool(r, o, "on_share", false, &on_share)) < 0)
		return error;
	if (strcmp(type, "D") && strcmp(type, "L"))
		return bad(r, "type", "not \"D\" (full) or \"L\" (log)");
	b = model_add_backup(r->m, inst, db, file, type[0], first, last, fork, finished);
	b->first_fork = arena_strdup(r->m->arena, first_fork);
	b->fork_lsn = fork_lsn;
	b->on_share = on_share;
	return 0;
}

/* Each item of the array `key` of `o`, read by `fn` with the path set. */
static int each(struct rd *r, struct model_instance *inst, const json_t *o, const char *key,
                int (*fn)(struct rd *, struct model_instance *, const json_t *))
{
	json_t *a = json_object_get(o, key), *item;
	size_t i, len = strlen(r->path);
	int error = 0;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return bad(r, key, "not an array");
	json_array_foreach(a, i, item)
	{
		path_push(r, key, (long)i);
		error = fn(r, inst, item);
		r->path[len] = '\0';
		if (error < 0)
			break;
	}
	return error;
}

static int read_instance(struct rd *r, struct model_instance *unused, const json_t *o)
{
	static const char *const keys[] = {
	        "name",      "site",    "reachable",    "unreachable_reason",
	        "databases", "backups", "share_listed", NULL};
	const char *name, *site, *reason;
	struct model_instance *inst;
	bool reachable, listed;
	int error;

	(void)unused;
	if ((error = keys_ok(r, o, keys)) < 0 || (error = req_str(r, o, "name", &name)) < 0 ||
	    (error = opt_str(r, o, "site", &site)) < 0 ||
	    (error = opt_bool(r, o, "reachable", true, &reachable)) < 0 ||
	    (error = opt_str(r, o, "unreachable_reason", &reason)) < 0 ||
	    (error = opt_bool(r, o, "share_listed", false, &listed)) < 0)
		return error;
	if (model_instance(r->m, name))
		return bad(r, "name", "instance listed twice");
	inst = model_add_instance(r->m, name, site);
	inst->reachable = reachable;
	inst->unreachable_reason = reason;
	inst->share_listed = listed;
	if ((error = each(r, inst, o, "databases", read_db)) < 0)
		return error;
	/* read_db may have grown the instance array: look the instance up again */
	return each(r, model_instance(r->m, name), o, "backups", read_backup);
}

static int read_pool(struct rd *r, const json_t *o)
{
	static const char *const keys[] = {
	        "reachable", "unreachable_reason", "state", "active_servers", "pings", NULL};
	struct model_pool *p = &r->m->pool;
	size_t len = path_push(r, "pool", -1);
	int state = 0, error;

	if ((error = keys_ok(r, o, keys)) < 0 ||
	    (error = opt_bool(r, o, "reachable", true, &p->reachable)) < 0 ||
	    (error = opt_str(r, o, "unreachable_reason", &p->unreachable_reason)) < 0 ||
	    (error = opt_enum(r, o, "state", model_names_pool_state, MODEL_POOL_FAILED_OVER,
	                      &state)) < 0 ||
	    (error = opt_strv(r, o, "active_servers", &p->active_servers, &p->n_active_servers)) <
	            0 ||
	    (error = opt_strv(r, o, "pings", &p->pings, &p->n_pings)) < 0)
		goto done;
	p->state = (enum model_pool_state)state;
done:
	r->path[len] = '\0';
	return error;
}

static int read_site(struct rd *r, struct model_site *s, const json_t *o)
{
	static const char *const keys[] = {"name", "principal", "mirror", "servers", NULL};
	int error;

	if ((error = keys_ok(r, o, keys)) < 0 || (error = req_str(r, o, "name", &s->name)) < 0 ||
	    (error = req_str(r, o, "principal", &s->principal)) < 0 ||
	    (error = opt_str(r, o, "mirror", &s->mirror)) < 0)
		return error;
	return opt_strv(r, o, "servers", &s->servers, &s->n_servers);
}

static int read_dbspec(struct rd *r, struct model_dbspec *d, const json_t *o)
{
	static const char *const keys[] = {"name", "shipped", NULL};
	int error;

	if ((error = keys_ok(r, o, keys)) < 0 || (error = req_str(r, o, "name", &d->name)) < 0)
		return error;
	return opt_bool(r, o, "shipped", false, &d->shipped);
}

/* The arrays `sites` and `databases` of the topology. */
static int read_topo_lists(struct rd *r, struct model_topology *t, const json_t *o)
{
	const json_t *sites = json_object_get(o, "sites"), *dbs = json_object_get(o, "databases");
	size_t len = strlen(r->path);
	int error = 0;

	if (!json_is_array(sites) || !json_is_array(dbs))
		return bad(r, "sites", "sites and databases must be arrays");
	t->n_sites = json_array_size(sites);
	t->sites = arena_calloc(r->m->arena, t->n_sites + 1, sizeof(*t->sites));
	for (size_t i = 0; i < t->n_sites && !error; i++) {
		path_push(r, "sites", (long)i);
		error = read_site(r, &t->sites[i], json_array_get(sites, i));
		r->path[len] = '\0';
	}
	t->n_databases = json_array_size(dbs);
	t->databases = arena_calloc(r->m->arena, t->n_databases + 1, sizeof(*t->databases));
	for (size_t i = 0; i < t->n_databases && !error; i++) {
		path_push(r, "databases", (long)i);
		error = read_dbspec(r, &t->databases[i], json_array_get(dbs, i));
		r->path[len] = '\0';
	}
	return error;
}

static int read_topology(struct rd *r, const json_t *o)
{
	static const char *const keys[] = {
	        "identity",        "home",          "primary", "sites",        "databases",
	        "log_shipping",    "from",          "to",      "backup_share", "copy_to",
	        "allow_data_loss", "service_first", NULL};
	struct model_topology *t = &r->m->topo;
	size_t len = path_push(r, "topology", -1);
	int error;

	if ((error = keys_ok(r, o, keys)) < 0 ||
	    (error = opt_str(r, o, "identity", &t->identity)) < 0 ||
	    (error = req_str(r, o, "home", &t->home)) < 0 ||
	    (error = req_str(r, o, "primary", &t->primary)) < 0 ||
	    (error = read_topo_lists(r, t, o)) < 0 ||
	    (error = opt_bool(r, o, "log_shipping", false, &t->ls_enabled)) < 0 ||
	    (error = opt_str(r, o, "from", &t->ls_from)) < 0 ||
	    (error = opt_str(r, o, "to", &t->ls_to)) < 0 ||
	    (error = opt_str(r, o, "backup_share", &t->backup_share)) < 0 ||
	    (error = opt_str(r, o, "copy_to", &t->copy_to)) < 0 ||
	    (error = opt_bool(r, o, "allow_data_loss", false, &t->allow_data_loss)) < 0 ||
	    (error = opt_bool(r, o, "service_first", true, &t->service_first)) < 0)
		goto done;
done:
	r->path[len] = '\0';
	return error;
}

int model_json_load(struct model *out, struct arena *arena, const json_t *doc)
{
	static const char *const keys[] = {"format_version", "model",    "pool_name", "instances",
	                                   "pool",           "topology", NULL};
	struct rd r = {out, ""};
	const json_t *v = json_object_get(doc, "format_version"), *topo;
	const char *name = NULL;
	int error;

	model_init(out, arena, "");
	out->pool.reachable = true;
	if ((error = keys_ok(&r, doc, keys)) < 0)
		return error;
	if (!json_is_integer(v) || json_integer_value(v) != MODEL_JSON_FORMAT_VERSION)
		return bad(&r, "format_version", "must be 1");
	if ((error = opt_str(&r, doc, "pool_name", &name)) < 0)
		return error;
	out->pool_name = name ? name : "";
	if ((error = each(&r, NULL, doc, "instances", read_instance)) < 0)
		return error;
	if ((v = json_object_get(doc, "pool")) != NULL && (error = read_pool(&r, v)) < 0)
		return error;
	topo = json_object_get(doc, "topology");
	return topo ? read_topology(&r, topo) : 0;
}

int model_json_read_file(struct model *out, struct arena *arena, const char *path)
{
	json_error_t jerr;
	json_t *doc;
	FILE *f = fopen(path, "rb");
	int error;

	if (!f)
		return err_set_errno(errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "cannot open '%s'",
		                     path);
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > MODEL_JSON_MAX_BYTES) {
		fclose(f);
		return err_set(ERR_LIMIT, "'%s' is larger than %d bytes", path,
		               MODEL_JSON_MAX_BYTES);
	}
	rewind(f);
	doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!doc)
		return err_set(ERR_INVALID, "%s:%d:%d: %s", path, jerr.line, jerr.column,
		               jerr.text);
	error = model_json_load(out, arena, doc);
	json_decref(doc);
	return error;
}
