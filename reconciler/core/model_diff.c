/*
 * model_diff: does a model (observed, or predicted by the effects) match
 * the desired one? Compares only what the desired model wants (its
 * `want` bits, the pool state and active servers) and only on instances
 * that answered: of an unreachable instance nothing is known, so nothing
 * is claimed (nor is the chain of a copy whose authority did not answer).
 * Each difference becomes one line, in a stable order, which
 * the planner quotes when it refuses a plan that does not converge.
 */
#include "reconciler/core/model.h"

#include <string.h>

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (model_same_name(list[i], name))
			return true;
	return false;
}

static bool same_set(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		if (!in_list(a[i], b, nb))
			return false;
	for (size_t i = 0; i < nb; i++)
		if (!in_list(b[i], a, na))
			return false;
	return true;
}

static size_t note(struct strbuf *why, const char *inst, const char *db, const char *what)
{
	if (why)
		strbuf_printf(why, "%s/%s: %s\n", inst, db, what);
	return 1;
}

static bool state_ok(const struct model_db *want, const struct model_db *have)
{
	enum model_db_state s = have ? have->state : MODEL_DB_ABSENT;

	if (want->state == MODEL_DB_RESTORING)
		return model_db_restoring(have) && (want->standby_ok || !have->is_in_standby);
	return s == want->state && !(have && have->is_in_standby);
}

static bool mirroring_ok(const struct model_db *want, const struct model_db *have)
{
	const struct model_mirroring *w = &want->mirroring;
	enum model_role role = have ? have->mirroring.role : MODEL_ROLE_NONE;

	if (role != w->role)
		return false;
	if (role == MODEL_ROLE_NONE)
		return true;
	return model_same_name(have->mirroring.partner, w->partner) &&
	       have->mirroring.safety == w->safety;
}

static bool ls_primary_ok(const struct model_db *want, const struct model_db *have)
{
	const struct model_ls_primary *w = &want->ls_primary;
	bool configured = have && have->ls_primary.configured;

	if (configured != w->configured)
		return false;
	if (!configured)
		return true;
	return have->ls_primary.job_disabled == w->job_disabled && have->ls_primary.backup_share &&
	       w->backup_share && strcmp(have->ls_primary.backup_share, w->backup_share) == 0 &&
	       same_set(have->ls_primary.secondaries, have->ls_primary.n_secondaries,
	                w->secondaries, w->n_secondaries);
}

static bool ls_secondary_ok(const struct model_db *want, const struct model_db *have)
{
	const struct model_ls_secondary *w = &want->ls_secondary;
	bool configured = have && have->ls_secondary.configured;

	if (configured != w->configured)
		return false;
	if (!configured)
		return true;
	if (have->ls_secondary.job_disabled != w->job_disabled)
		return false;
	return model_same_name(have->ls_secondary.primary, w->primary) ||
	       (w->primary_alt && model_same_name(have->ls_secondary.primary, w->primary_alt));
}

/*
 * The authority's mirror in a session with it is on its chain by
 * construction: mirroring sends it every log record the principal
 * hardens. Under write traffic its LSN, observed a moment after the
 * principal's, can be past the principal's observed one, which is no
 * divergence.
 */
static bool mirror_of(const struct model_db *have, const char *inst, const struct model_db *auth,
                      const char *auth_inst)
{
	return have->mirroring.role == MODEL_ROLE_MIRROR &&
	       auth->mirroring.role == MODEL_ROLE_PRINCIPAL &&
	       model_same_name(have->mirroring.partner, auth_inst) &&
	       model_same_name(auth->mirroring.partner, inst) && have->fork && auth->fork &&
	       strcmp(have->fork, auth->fork) == 0;
}

static size_t diff_db(const struct model *desired, const struct model *actual,
                      const struct model_instance *inst, const struct model_db *want,
                      struct strbuf *why)
{
	const struct model_db *have = model_copy_of(actual, inst->name, want->name);
	const struct model_site *ps = model_site(desired, desired->topo.primary);
	const struct model_instance *ai = ps ? model_instance(actual, ps->principal) : NULL;
	const struct model_db *auth = ai && ai->reachable ? model_db(ai, want->name) : NULL;
	size_t n = 0;

	if ((want->want & MODEL_WANT_EXISTS) && (!have || have->state == MODEL_DB_ABSENT))
		n += note(why, inst->name, want->name, "missing");
	if ((want->want & MODEL_WANT_STATE) && !state_ok(want, have))
		n += note(why, inst->name, want->name, "state differs");
	if ((want->want & MODEL_WANT_MIRRORING) && !mirroring_ok(want, have))
		n += note(why, inst->name, want->name, "mirroring differs");
	if ((want->want & MODEL_WANT_LS_PRIMARY) && !ls_primary_ok(want, have))
		n += note(why, inst->name, want->name, "log shipping primary differs");
	if ((want->want & MODEL_WANT_LS_SECONDARY) && !ls_secondary_ok(want, have))
		n += note(why, inst->name, want->name, "log shipping secondary differs");
	if ((want->want & MODEL_WANT_IN_CHAIN) && have && auth && model_db_restoring(have) &&
	    !model_lineage_ok(have, auth) && !mirror_of(have, inst->name, auth, ai->name))
		n += note(why, inst->name, want->name, "not on the authority's log chain");
	return n;
}

size_t model_diff(const struct model *desired, const struct model *actual, struct strbuf *why)
{
	size_t n = 0;

	if (actual->pool.reachable) {
		if (actual->pool.state != desired->pool.state)
			n += note(why, "pool", "state", "differs");
		if (!same_set(actual->pool.active_servers, actual->pool.n_active_servers,
		              desired->pool.active_servers, desired->pool.n_active_servers))
			n += note(why, "pool", "active servers", "differ");
	}
	for (size_t i = 0; i < desired->n_instances; i++) {
		const struct model_instance *d = &desired->instances[i];
		const struct model_instance *a = model_instance(actual, d->name);

		if (!a || !a->reachable)
			continue;
		for (size_t j = 0; j < d->n_dbs; j++)
			n += diff_db(desired, actual, d, &d->dbs[j], why);
	}
	return n;
}
