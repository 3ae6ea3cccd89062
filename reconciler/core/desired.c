/*
 * desired: spec_pool -> desired model. For each database: the primary
 * site's principal holds it ONLINE (PRINCIPAL with the site's mirror,
 * SAFETY FULL, or unmirrored when the site has no mirror); the mirror
 * holds it RESTORING as MIRROR; shipped databases get the same log
 * shipping primary configuration on both (secondary: the `to` site's
 * principal), and the `to` principal holds them RESTORING (standby
 * accepted) as that secondary, on the authority's chain. Databases that
 * are not shipped must exist on every site's principal (in any state) and are
 * mirrored in the primary site only. Everything else (the non-primary
 * site's mirror, other sites) is "don't care": pcdr does not manage it.
 * Uses only the spec structs (no loader call), so tests build specs in
 * code.
 */
#include "reconciler/core/desired.h"

#include <string.h>

#include "util/err.h"

static const struct spec_site *find_site(const struct spec_pool *spec, const char *name)
{
	for (size_t i = 0; name && i < spec->n_sites; i++)
		if (strcmp(spec->sites[i].name, name) == 0)
			return &spec->sites[i];
	return NULL;
}

static void copy_topology(struct model *m, const struct spec_pool *spec)
{
	struct arena *a = m->arena;
	struct model_topology *t = &m->topo;

	t->identity = arena_strdup(a, spec->identity);
	t->home = arena_strdup(a, spec->home);
	t->primary = arena_strdup(a, spec->primary);
	t->n_sites = spec->n_sites;
	t->sites = arena_calloc(a, spec->n_sites ? spec->n_sites : 1, sizeof(*t->sites));
	for (size_t i = 0; i < spec->n_sites; i++) {
		const struct spec_site *s = &spec->sites[i];

		t->sites[i].name = arena_strdup(a, s->name);
		t->sites[i].principal = arena_strdup(a, s->principal);
		t->sites[i].mirror = arena_strdup(a, s->mirror);
		t->sites[i].servers =
		        arena_calloc(a, s->n_servers ? s->n_servers : 1, sizeof(char *));
		for (size_t j = 0; j < s->n_servers; j++)
			t->sites[i].servers[j] = arena_strdup(a, s->servers[j]);
		t->sites[i].n_servers = s->n_servers;
	}
	t->n_databases = spec->n_databases;
	t->databases =
	        arena_calloc(a, spec->n_databases ? spec->n_databases : 1, sizeof(*t->databases));
	for (size_t i = 0; i < spec->n_databases; i++) {
		t->databases[i].name = arena_strdup(a, spec->databases[i].name);
		t->databases[i].shipped = spec->databases[i].log_shipping;
	}
	t->ls_enabled = spec->log_shipping.enabled;
	t->ls_from = arena_strdup(a, spec->log_shipping.from);
	t->ls_to = arena_strdup(a, spec->log_shipping.to);
	t->backup_share = arena_strdup(a, spec->log_shipping.backup_share);
	t->copy_to = arena_strdup(a, spec->log_shipping.copy_to);
	t->allow_data_loss = spec->policy.allow_data_loss;
	t->service_first = spec->policy.service_first;
}

static void want_primary_config(struct model *m, struct model_db *db, const char *secondary)
{
	const char *names[1] = {secondary};

	db->want |= MODEL_WANT_LS_PRIMARY | MODEL_WANT_LS_SECONDARY;
	db->ls_primary.configured = secondary != NULL;
	if (secondary) {
		db->ls_primary.backup_share = arena_strdup(m->arena, m->topo.backup_share);
		model_set_ls_secondaries(m, db, names, 1);
	}
}

static void want_primary_site(struct model *m, const struct model_site *ps,
                              const struct model_dbspec *d, const char *secondary)
{
	struct model_db *p = model_add_db(m, model_instance(m, ps->principal), d->name);
	struct model_db *r;

	p->want = MODEL_WANT_STATE | MODEL_WANT_MIRRORING;
	p->state = MODEL_DB_ONLINE;
	if (ps->mirror) {
		p->mirroring.role = MODEL_ROLE_PRINCIPAL;
		p->mirroring.partner = arena_strdup(m->arena, ps->mirror);
		p->mirroring.safety = MODEL_SAFETY_FULL;
	}
	if (d->shipped)
		want_primary_config(m, p, secondary);
	if (!ps->mirror)
		return;
	r = model_add_db(m, model_instance(m, ps->mirror), d->name);
	r->want = MODEL_WANT_STATE | MODEL_WANT_MIRRORING | MODEL_WANT_IN_CHAIN;
	r->state = MODEL_DB_RESTORING;
	r->mirroring.role = MODEL_ROLE_MIRROR;
	r->mirroring.partner = arena_strdup(m->arena, ps->principal);
	r->mirroring.safety = MODEL_SAFETY_FULL;
	if (d->shipped)
		want_primary_config(m, r, secondary);
}

static void want_secondary(struct model *m, const struct model_site *ps,
                           const struct model_site *to, const struct model_dbspec *d)
{
	struct model_db *s = model_add_db(m, model_instance(m, to->principal), d->name);

	s->want = MODEL_WANT_STATE | MODEL_WANT_MIRRORING | MODEL_WANT_LS_PRIMARY |
	          MODEL_WANT_LS_SECONDARY | MODEL_WANT_IN_CHAIN;
	s->state = MODEL_DB_RESTORING;
	s->standby_ok = true;
	s->ls_secondary.configured = true;
	s->ls_secondary.primary = arena_strdup(m->arena, ps->principal);
	s->ls_secondary.primary_alt = arena_strdup(m->arena, ps->mirror);
}

static void want_database(struct model *m, const struct model_dbspec *d)
{
	const struct model_topology *t = &m->topo;
	const struct model_site *ps = model_site(m, t->primary);
	const struct model_site *to = t->ls_enabled ? model_site(m, t->ls_to) : NULL;

	want_primary_site(m, ps, d, d->shipped && to ? to->principal : NULL);
	if (d->shipped && to) {
		want_secondary(m, ps, to, d);
		return;
	}
	if (d->shipped)
		return;
	for (size_t i = 0; i < t->n_sites; i++) {
		struct model_db *c;

		if (&t->sites[i] == ps)
			continue;
		c = model_add_db(m, model_instance(m, t->sites[i].principal), d->name);
		c->want = MODEL_WANT_EXISTS;
	}
}

int desired_from_spec(struct model *out, struct arena *arena, const struct spec_pool *spec)
{
	const struct spec_site *ps = find_site(spec, spec->primary);
	const struct spec_site *to = find_site(spec, spec->log_shipping.to);

	model_init(out, arena, spec->name);
	if (!ps)
		return err_set(ERR_INVALID, "pool '%s': primary site '%s' is not declared",
		               spec->name, spec->primary ? spec->primary : "");
	if (spec->log_shipping.enabled && (!to || to == ps))
		return err_set(ERR_INVALID, "pool '%s': log shipping 'to' site is not valid",
		               spec->name);
	copy_topology(out, spec);
	for (size_t i = 0; i < spec->n_sites; i++) {
		model_add_instance(out, spec->sites[i].principal, spec->sites[i].name);
		if (spec->sites[i].mirror)
			model_add_instance(out, spec->sites[i].mirror, spec->sites[i].name);
	}
	for (size_t i = 0; i < out->topo.n_databases; i++)
		want_database(out, &out->topo.databases[i]);
	out->pool.reachable = true;
	out->pool.state = spec->primary && spec->home && strcmp(spec->primary, spec->home) == 0
	                          ? MODEL_POOL_NORMAL
	                          : MODEL_POOL_FAILED_OVER;
	model_set_active_servers(out, spec->active_servers, spec->n_active_servers);
	return 0;
}
