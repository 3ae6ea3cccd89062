/*
 * authority: the copy that holds the truth (authority.h). The order of
 * the rules matters and is the one PLANNER.md lists: the pool site's
 * writable copy first (what the pool uses wins, even over a copy pcdr
 * itself recovered elsewhere, so nothing the pool wrote is ever thrown
 * away), then a copy recovered at the desired primary while the pool is
 * fenced, then the pool site's copies that do not answer (lost), then a
 * pool site copy demoted by a tail-log backup, then the only writable
 * copy anywhere. Pure.
 */
#include "reconciler/core/authority.h"

#include <string.h>

const char *authority_pool_site(const struct model *desired, const struct model *observed)
{
	const struct model_topology *t = &desired->topo;

	if (!observed->pool.reachable || observed->pool.state == MODEL_POOL_UNKNOWN)
		return NULL;
	if (observed->pool.state == MODEL_POOL_NORMAL)
		return t->home;
	if (t->primary && strcmp(t->primary, t->home) != 0)
		return t->primary;
	if (t->ls_enabled && t->ls_to && strcmp(t->ls_to, t->home) != 0)
		return t->ls_to;
	for (size_t i = 0; i < t->n_sites; i++)
		if (strcmp(t->sites[i].name, t->home) != 0)
			return t->sites[i].name;
	return NULL;
}

static const struct model_instance *reachable(const struct model *m, const char *name)
{
	const struct model_instance *i = model_instance(m, name);

	return i && i->reachable ? i : NULL;
}

/* The writable copy in a site's pair: the PRINCIPAL one first, then the spec's principal. */
static const char *writable_in(const struct model *obs, const struct model_site *s, const char *db)
{
	const char *pair[2] = {s->principal, s->mirror};
	const char *found = NULL;

	for (size_t i = 0; i < 2; i++) {
		const struct model_db *c = model_db(reachable(obs, pair[i]), db);

		if (!pair[i] || !model_db_writable(c))
			continue;
		if (!found || c->mirroring.role == MODEL_ROLE_PRINCIPAL)
			found = pair[i];
	}
	return found;
}

static const char *lost_in(const struct model *obs, const struct model_site *s, const char *db)
{
	const struct model_db *p = model_db(reachable(obs, s->principal), db);

	if (!reachable(obs, s->principal))
		return s->principal;
	if (s->mirror && !reachable(obs, s->mirror) && p && p->mirroring.role == MODEL_ROLE_MIRROR)
		return s->mirror;
	return NULL;
}

static const char *demoted_in(const struct model *obs, const struct model_site *s, const char *db)
{
	const char *pair[2] = {s->principal, s->mirror};
	const char *best = NULL;
	const struct model_db *bestc = NULL;

	for (size_t i = 0; i < 2; i++) {
		const struct model_db *c = model_db(reachable(obs, pair[i]), db);

		if (!pair[i] || !c || c->state != MODEL_DB_RESTORING ||
		    c->mirroring.role != MODEL_ROLE_NONE || c->ls_secondary.configured)
			continue;
		if (!bestc || model_lsn_cmp(c->lsn, bestc->lsn) > 0) {
			best = pair[i];
			bestc = c;
		}
	}
	return best;
}

static const char *only_writable(const struct model *obs, const char *db)
{
	const char *found = NULL;

	for (size_t i = 0; i < obs->n_instances; i++) {
		const struct model_instance *inst = &obs->instances[i];

		if (!inst->reachable || !model_db_writable(model_db(inst, db)))
			continue;
		if (found)
			return NULL;
		found = inst->name;
	}
	return found;
}

static void set(struct authority *out, const struct model *obs, enum authority_kind kind,
                const char *inst, const char *site, const char *how)
{
	out->kind = kind;
	out->instance = inst;
	out->site = site;
	out->how = how;
	(void)obs;
}

void authority_find(struct authority *out, const struct model *desired,
                    const struct model *observed, const char *db)
{
	const char *ps_name = authority_pool_site(desired, observed);
	const struct model_site *ps = model_site(desired, ps_name);
	const struct model_site *ds = model_site(desired, desired->topo.primary);
	bool fenced = observed->pool.reachable && observed->pool.n_active_servers == 0;
	const struct model_instance *i;
	const char *c;

	memset(out, 0, sizeof(*out));
	if (ps && (c = writable_in(observed, ps, db)) != NULL)
		set(out, observed, AUTHORITY_WRITABLE, c, ps->name, "the pool uses this copy");
	else if (ds && ds != ps && (fenced || !ps) && (c = writable_in(observed, ds, db)) != NULL)
		set(out, observed, AUTHORITY_WRITABLE, c, ds->name,
		    ps ? "recovered while the pool is fenced: a move in progress"
		       : "the pool state is unknown; the desired primary's copy is writable");
	else if (ps && (c = lost_in(observed, ps, db)) != NULL)
		set(out, observed, AUTHORITY_LOST, c, ps->name,
		    "the pool uses this copy and its instance is unreachable");
	else if (ps && (c = demoted_in(observed, ps, db)) != NULL)
		set(out, observed, AUTHORITY_DEMOTED, c, ps->name,
		    "the pool site's copy is RESTORING after a tail-log backup");
	else if ((c = only_writable(observed, db)) != NULL && (i = model_instance(observed, c)))
		set(out, observed, AUTHORITY_WRITABLE, i->name, i->site, "the only writable copy");
	else
		set(out, observed, AUTHORITY_NONE, NULL, NULL, "no copy holds the truth");
}
