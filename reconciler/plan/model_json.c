/*
 * model_json: writing a model as JSON (model_json.h); reading is in
 * model_json_read.c. Fields that hold their default (NULL strings, zero
 * LSNs, false flags, no mirroring, no log shipping) are left out so that
 * fixture files stay short; the reader restores the same defaults, so a
 * dump loads back to an equal model. Order is fixed: equal models dump to
 * equal bytes.
 */
#include "reconciler/plan/model_json.h"

#include "reconciler/plan/model_json_int.h"

static void put_str(json_t *obj, const char *key, const char *s)
{
	if (s)
		json_object_set_new(obj, key, json_string(s));
}

static void put_true(json_t *obj, const char *key, bool b)
{
	if (b)
		json_object_set_new(obj, key, json_true());
}

static void put_lsn(json_t *obj, const char *key, struct model_lsn lsn)
{
	char buf[MODEL_LSN_STRLEN];

	if (model_lsn_is_zero(lsn))
		return;
	model_lsn_format(lsn, buf);
	json_object_set_new(obj, key, json_string(buf));
}

static json_t *strv(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i] ? v[i] : ""));
	return a;
}

static json_t *mirroring(const struct model_mirroring *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "role", json_string(model_role_name(m->role)));
	json_object_set_new(o, "state", json_string(model_mirror_state_name(m->state)));
	put_str(o, "partner", m->partner);
	json_object_set_new(o, "safety", json_string(model_safety_name(m->safety)));
	json_object_set_new(o, "role_sequence", json_integer(m->role_sequence));
	return o;
}

static json_t *ls_secondary(const struct model_ls_secondary *s)
{
	json_t *o = json_object();

	put_str(o, "primary", s->primary);
	put_str(o, "primary_alt", s->primary_alt);
	put_str(o, "last_copied_file", s->last_copied_file);
	put_str(o, "last_restored_file", s->last_restored_file);
	put_lsn(o, "last_restored_lsn", s->last_restored_lsn);
	put_true(o, "job_disabled", s->job_disabled);
	return o;
}

static json_t *want(unsigned bits)
{
	json_t *a = json_array();

	for (size_t i = 0; i < MODEL_JSON_N_WANTS; i++)
		if (bits & model_json_wants[i].bit)
			json_array_append_new(a, json_string(model_json_wants[i].name));
	return a;
}

static json_t *database(const struct model_db *d, bool desired)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "state", json_string(model_db_state_name(d->state)));
	put_true(o, "standby", d->is_in_standby);
	if (d->recovery != MODEL_RECOVERY_FULL)
		json_object_set_new(o, "recovery", json_string(model_recovery_name(d->recovery)));
	if (d->mirroring.role != MODEL_ROLE_NONE || d->mirroring.partner)
		json_object_set_new(o, "mirroring", mirroring(&d->mirroring));
	if (d->ls_primary.configured) {
		json_t *p = json_object();

		put_str(p, "backup_share", d->ls_primary.backup_share);
		json_object_set_new(p, "secondaries",
		                    strv(d->ls_primary.secondaries, d->ls_primary.n_secondaries));
		put_true(p, "job_disabled", d->ls_primary.job_disabled);
		json_object_set_new(o, "ls_primary", p);
	}
	if (d->ls_secondary.configured)
		json_object_set_new(o, "ls_secondary", ls_secondary(&d->ls_secondary));
	put_str(o, "fork", d->fork);
	put_str(o, "fork_parent", d->fork_parent);
	put_lsn(o, "fork_lsn", d->fork_lsn);
	put_lsn(o, "lsn", d->lsn);
	if (d->user_sessions)
		json_object_set_new(o, "user_sessions", json_integer(d->user_sessions));
	put_true(o, "safety_backup_taken", d->safety_backup_taken);
	if (desired) {
		json_object_set_new(o, "want", want(d->want));
		put_true(o, "standby_ok", d->standby_ok);
	}
	return o;
}

static json_t *backup(const struct model_backup *b)
{
	json_t *o = json_object();
	char type[2] = {b->type, '\0'};

	json_object_set_new(o, "database", json_string(b->database ? b->database : ""));
	json_object_set_new(o, "file", json_string(b->file ? b->file : ""));
	json_object_set_new(o, "type", json_string(type));
	put_lsn(o, "first_lsn", b->first_lsn);
	put_lsn(o, "last_lsn", b->last_lsn);
	put_str(o, "fork", b->fork);
	put_str(o, "first_fork", b->first_fork);
	put_lsn(o, "fork_lsn", b->fork_lsn);
	put_str(o, "finished", b->finished);
	if (b->on_share)
		json_object_set_new(o, "on_share", json_true());
	return o;
}

static json_t *instance(const struct model_instance *in, bool desired)
{
	json_t *o = json_object(), *dbs = json_array();

	json_object_set_new(o, "name", json_string(in->name));
	put_str(o, "site", in->site);
	json_object_set_new(o, "reachable", json_boolean(in->reachable));
	put_str(o, "unreachable_reason", in->unreachable_reason);
	if (in->share_listed)
		json_object_set_new(o, "share_listed", json_true());
	for (size_t i = 0; i < in->n_dbs; i++)
		json_array_append_new(dbs, database(&in->dbs[i], desired));
	json_object_set_new(o, "databases", dbs);
	if (in->n_backups) {
		json_t *bs = json_array();

		for (size_t i = 0; i < in->n_backups; i++)
			json_array_append_new(bs, backup(&in->backups[i]));
		json_object_set_new(o, "backups", bs);
	}
	return o;
}

static json_t *pool(const struct model_pool *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "reachable", json_boolean(p->reachable));
	put_str(o, "unreachable_reason", p->unreachable_reason);
	json_object_set_new(o, "state", json_string(model_pool_state_name(p->state)));
	json_object_set_new(o, "active_servers", strv(p->active_servers, p->n_active_servers));
	if (p->n_pings)
		json_object_set_new(o, "pings", strv(p->pings, p->n_pings));
	return o;
}

static json_t *topology(const struct model_topology *t)
{
	json_t *o = json_object(), *sites = json_array(), *dbs = json_array();

	put_str(o, "identity", t->identity);
	put_str(o, "home", t->home);
	put_str(o, "primary", t->primary);
	for (size_t i = 0; i < t->n_sites; i++) {
		json_t *s = json_object();

		put_str(s, "name", t->sites[i].name);
		put_str(s, "principal", t->sites[i].principal);
		put_str(s, "mirror", t->sites[i].mirror);
		json_object_set_new(s, "servers", strv(t->sites[i].servers, t->sites[i].n_servers));
		json_array_append_new(sites, s);
	}
	json_object_set_new(o, "sites", sites);
	for (size_t i = 0; i < t->n_databases; i++) {
		json_t *d = json_object();

		put_str(d, "name", t->databases[i].name);
		json_object_set_new(d, "shipped", json_boolean(t->databases[i].shipped));
		json_array_append_new(dbs, d);
	}
	json_object_set_new(o, "databases", dbs);
	json_object_set_new(o, "log_shipping", json_boolean(t->ls_enabled));
	put_str(o, "from", t->ls_from);
	put_str(o, "to", t->ls_to);
	put_str(o, "backup_share", t->backup_share);
	put_str(o, "copy_to", t->copy_to);
	json_object_set_new(o, "allow_data_loss", json_boolean(t->allow_data_loss));
	json_object_set_new(o, "service_first", json_boolean(t->service_first));
	return o;
}

bool model_json_is_desired(const struct model *m)
{
	return m->topo.n_sites > 0 || m->topo.primary != NULL;
}

json_t *model_json_dump(const struct model *m)
{
	bool desired = model_json_is_desired(m);
	json_t *o = json_object(), *insts = json_array();

	json_object_set_new(o, "format_version", json_integer(MODEL_JSON_FORMAT_VERSION));
	json_object_set_new(o, "model", json_string(desired ? "desired" : "observed"));
	json_object_set_new(o, "pool_name", json_string(m->pool_name ? m->pool_name : ""));
	for (size_t i = 0; i < m->n_instances; i++)
		json_array_append_new(insts, instance(&m->instances[i], desired));
	json_object_set_new(o, "instances", insts);
	json_object_set_new(o, "pool", pool(&m->pool));
	if (desired)
		json_object_set_new(o, "topology", topology(&m->topo));
	return o;
}
