/*
 * planner: planner_run and the machinery every phase shares: emitting a
 * step (copy into the plan, block it when a target does not answer, apply
 * its predicted effect to the working model), dependencies (each step
 * depends on the latest earlier step that touched the same copy, plus the
 * explicit ones the phases add), blocking (a blocked step blocks its
 * dependents; a blocked step in an authority move blocks the whole move,
 * fence included, so the pool is never fenced for a move that cannot
 * happen), the prediction (effects of every step that is not blocked,
 * applied in order to a copy of the observed model, each guard checked)
 * and the status. The decisions themselves are in planner_move.c and
 * planner_protect.c. Pure: no I/O, clock, environment or globals.
 */
#include "reconciler/core/planner_internal.h"

#include <stdarg.h>
#include <string.h>

#include "reconciler/core/effects.h"
#include "util/err.h"

bool planner_reachable(const struct planner *p, const char *inst)
{
	const struct model_instance *i = model_instance(p->observed, inst);

	return i && i->reachable;
}

struct model_db *planner_copy(struct planner *p, const char *inst, const char *db)
{
	return model_copy_of(&p->work, inst, db);
}

const char *planner_lsn(struct planner *p, struct model_lsn lsn)
{
	return model_lsn_str(&p->plan->arena, lsn);
}

void planner_block(struct planner *p, size_t idx, const char *fmt, ...)
{
	struct plan_step *s = &p->plan->steps[idx];
	va_list ap;

	if (s->blocked)
		return;
	va_start(ap, fmt);
	s->blocked_reason = arena_vsprintf(&p->plan->arena, fmt, ap);
	va_end(ap);
	s->blocked = true;
}

void planner_dep(struct planner *p, size_t idx, size_t dep)
{
	if (dep < idx)
		plan_step_add_dep(p->plan, &p->plan->steps[idx], dep);
}

static void block_unreachable(struct planner *p, size_t idx)
{
	const struct plan_step *s = &p->plan->steps[idx];
	const char *names[3] = {s->instance, s->peer, s->peer2};

	if (s->kind == PLAN_POOL_SET_ACTIVE_SERVERS || s->kind == PLAN_POOL_SET_STATE) {
		if (!p->observed->pool.reachable)
			planner_block(p, idx, "the pool is unreachable (%s)",
			              p->observed->pool.unreachable_reason
			                      ? p->observed->pool.unreachable_reason
			                      : "no answer");
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		const struct model_instance *inst = model_instance(p->observed, names[i]);

		if (names[i] && (!inst || !inst->reachable))
			planner_block(p, idx, "'%s' is unreachable (%s)", names[i],
			              inst && inst->unreachable_reason ? inst->unreachable_reason
			                                               : "no answer");
	}
}

size_t planner_emit(struct planner *p, const struct plan_step *tmpl)
{
	struct arena *a = &p->plan->arena;
	struct plan_step *s = plan_add_step(p->plan, tmpl->kind, tmpl->phase);
	size_t idx = p->plan->n_steps - 1;

	*s = *tmpl;
	s->deps = NULL;
	s->n_deps = 0;
	s->facts = NULL;
	s->n_facts = 0;
	s->database = arena_strdup(a, tmpl->database);
	s->instance = arena_strdup(a, tmpl->instance);
	s->peer = arena_strdup(a, tmpl->peer);
	s->peer2 = arena_strdup(a, tmpl->peer2);
	s->share = arena_strdup(a, tmpl->share);
	s->reason = arena_strdup(a, tmpl->reason);
	s->blocked_reason = arena_strdup(a, tmpl->blocked_reason);
	s->servers = arena_calloc(a, tmpl->n_servers ? tmpl->n_servers : 1, sizeof(char *));
	for (size_t i = 0; i < tmpl->n_servers; i++)
		s->servers[i] = arena_strdup(a, tmpl->servers[i]);
	block_unreachable(p, idx);
	(void)effects_apply(&p->work, s); /* the prediction is checked again in order */
	err_clear();
	return idx;
}

static bool touches(const struct plan_step *s, const char *inst, const char *db)
{
	if (!s->database || !db || strcmp(s->database, db) != 0)
		return false;
	return model_same_name(s->instance, inst) || model_same_name(s->peer, inst) ||
	       model_same_name(s->peer2, inst);
}

static bool is_pool(const struct plan_step *s)
{
	return s->kind == PLAN_POOL_SET_ACTIVE_SERVERS || s->kind == PLAN_POOL_SET_STATE;
}

/* Each step depends on the latest earlier step that touched the same copy. */
static void add_copy_deps(struct planner *p)
{
	for (size_t j = 0; j < p->plan->n_steps; j++) {
		const struct plan_step *s = &p->plan->steps[j];
		const char *names[3] = {s->instance, s->peer, s->peer2};

		for (size_t n = 0; n < 3; n++) {
			for (size_t i = j; names[n] && i-- > 0;) {
				if (touches(&p->plan->steps[i], names[n], s->database)) {
					planner_dep(p, j, i);
					break;
				}
			}
		}
		for (size_t i = j; is_pool(s) && i-- > 0;) {
			if (is_pool(&p->plan->steps[i])) {
				planner_dep(p, j, i);
				break;
			}
		}
		if (s->group > 0 && p->fence >= 0 && s->phase <= PLAN_PHASE_MOVE)
			planner_dep(p, j, (size_t)p->fence);
	}
}

static bool propagate(struct planner *p)
{
	bool changed = false;

	for (size_t j = 0; j < p->plan->n_steps; j++) {
		struct plan_step *s = &p->plan->steps[j];

		for (size_t d = 0; !s->blocked && d < s->n_deps; d++) {
			if (p->plan->steps[s->deps[d]].blocked) {
				planner_block(p, j, "depends on blocked step %zu", s->deps[d] + 1);
				changed = true;
			}
		}
	}
	return changed;
}

static long first_blocked_in(const struct planner *p, int group)
{
	for (size_t i = 0; i < p->plan->n_steps; i++)
		if (p->plan->steps[i].group == group && p->plan->steps[i].blocked)
			return (long)i;
	return -1;
}

/* A move that cannot finish must not start: block all of it, fence included. */
static bool block_moves(struct planner *p)
{
	bool changed = false;

	for (size_t k = 0; k < p->n_dbs; k++) {
		const struct planner_db *d = &p->dbs[k];
		long b = first_blocked_in(p, d->group);

		if (d->move == PLANNER_MOVE_NONE || b < 0)
			continue;
		for (size_t i = 0; i < p->plan->n_steps; i++) {
			struct plan_step *s = &p->plan->steps[i];
			bool fence = (long)i == p->fence && (d->move == PLANNER_MOVE_PLANNED ||
			                                     d->move == PLANNER_MOVE_DISASTER);

			if ((s->group == d->group || fence) && !s->blocked) {
				planner_block(p, i,
				              "the move of '%s' to '%s' cannot finish: step %ld "
				              "is blocked",
				              d->spec->name, d->target, b + 1);
				changed = true;
			}
		}
	}
	return changed;
}

static void add_fact_db(struct planner *p, struct plan_step *s, const char *inst)
{
	struct arena *a = &p->plan->arena;
	const struct model_instance *i = model_instance(p->observed, inst);
	const struct model_db *c = model_db(i, s->database);
	const char *k = arena_sprintf(a, "%s/%s", inst, s->database);

	if (!i || !i->reachable) {
		plan_step_add_fact(p->plan, s, arena_sprintf(a, "%s.reachable", inst), "false");
		return;
	}
	plan_step_add_fact(p->plan, s, arena_sprintf(a, "%s.state", k),
	                   c ? (c->is_in_standby ? "STANDBY" : model_db_state_name(c->state))
	                     : "ABSENT");
	if (!c)
		return;
	plan_step_add_fact(p->plan, s, arena_sprintf(a, "%s.lsn", k), planner_lsn(p, c->lsn));
	if (c->mirroring.role != MODEL_ROLE_NONE)
		plan_step_add_fact(p->plan, s, arena_sprintf(a, "%s.mirroring", k),
		                   arena_sprintf(a, "%s,%s,seq=%d",
		                                 model_role_name(c->mirroring.role),
		                                 c->mirroring.partner ? c->mirroring.partner : "",
		                                 c->mirroring.role_sequence));
	if (c->ls_secondary.configured)
		plan_step_add_fact(p->plan, s, arena_sprintf(a, "%s.ls_secondary_of", k),
		                   c->ls_secondary.primary ? c->ls_secondary.primary : "");
}

static const char *servers_text(struct planner *p, const struct model_pool *pool)
{
	const char *out = "";

	for (size_t i = 0; i < pool->n_active_servers; i++)
		out = arena_sprintf(&p->plan->arena, "%s%s%s", out, i ? "," : "",
		                    pool->active_servers[i]);
	return pool->n_active_servers ? out : "(none)";
}

static const char *pings_text(struct planner *p, const struct model_pool *pool)
{
	const char *out = "";

	for (size_t i = 0; i < pool->n_pings; i++)
		out = arena_sprintf(&p->plan->arena, "%s%s%s", out, i ? "," : "", pool->pings[i]);
	return out;
}

static bool step_touches(const struct plan *plan, const char *inst)
{
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct plan_step *s = &plan->steps[i];

		if (model_same_name(s->instance, inst) || model_same_name(s->peer, inst) ||
		    model_same_name(s->peer2, inst))
			return true;
	}
	return false;
}

/* Say which managed instances did not answer and were not needed. */
static void note_unverified(struct planner *p)
{
	for (size_t i = 0; i < p->desired->n_instances; i++) {
		const struct model_instance *d = &p->desired->instances[i];
		const struct model_instance *o = model_instance(p->observed, d->name);
		bool wanted = false;

		for (size_t j = 0; j < d->n_dbs; j++)
			wanted = wanted || d->dbs[j].want;
		if (!wanted || (o && o->reachable) || step_touches(p->plan, d->name))
			continue;
		plan_add_note(p->plan,
		              "'%s' is unreachable (%s): its copies are not verified; no "
		              "step of this plan needs it",
		              d->name,
		              o && o->unreachable_reason ? o->unreachable_reason : "no answer");
	}
}

static void add_facts(struct planner *p)
{
	for (size_t j = 0; j < p->plan->n_steps; j++) {
		struct plan_step *s = &p->plan->steps[j];
		const char *names[3] = {s->instance, s->peer, s->peer2};

		if (is_pool(s)) {
			plan_step_add_fact(p->plan, s, "pool.state",
			                   model_pool_state_name(p->observed->pool.state));
			plan_step_add_fact(p->plan, s, "pool.active_servers",
			                   servers_text(p, &p->observed->pool));
			if (p->observed->pool.n_pings)
				plan_step_add_fact(p->plan, s, "pool.pings",
				                   pings_text(p, &p->observed->pool));
			continue;
		}
		for (size_t n = 0; n < 3; n++)
			if (names[n])
				add_fact_db(p, s, names[n]);
	}
}

static void predict(struct planner *p)
{
	struct plan *plan = p->plan;

	model_copy(&plan->predicted, &plan->arena, p->observed);
	for (size_t i = 0; i < plan->n_steps && !plan->refusal; i++) {
		const struct plan_step *s = &plan->steps[i];

		if (s->blocked)
			continue;
		err_clear();
		if (effects_apply(&plan->predicted, s) != 0)
			plan->refusal = arena_sprintf(
			        &plan->arena, "step %zu (%s) does not hold on paper: %s", i + 1,
			        plan_step_kind_name(s->kind), err_last());
	}
	err_clear();
}

static void decide_status(struct planner *p)
{
	struct plan *plan = p->plan;
	struct strbuf why = STRBUF_INIT;
	size_t n_diff = model_diff(p->desired, &plan->predicted, &why);

	if (plan->refusal)
		plan->status = PLAN_REFUSED;
	else if (p->drift)
		plan->status = PLAN_REFUSED, plan->refusal = "role drift (see the notes)";
	else if (plan_blocked_count(plan) > 0)
		plan->status = PLAN_BLOCKED;
	else if (n_diff > 0) {
		plan->status = PLAN_REFUSED;
		plan->refusal = arena_sprintf(&plan->arena, "does not converge on paper:\n%s",
		                              strbuf_cstr(&why));
	} else
		plan->status = plan->n_steps ? PLAN_READY : PLAN_CONVERGED;
	strbuf_release(&why);
}

static void sort_deps(struct plan_step *s)
{
	for (size_t i = 1; i < s->n_deps; i++)
		for (size_t j = i; j > 0 && s->deps[j - 1] > s->deps[j]; j--) {
			size_t t = s->deps[j];

			s->deps[j] = s->deps[j - 1];
			s->deps[j - 1] = t;
		}
}

static void finalize(struct planner *p)
{
	add_copy_deps(p);
	for (size_t i = 0; i < p->plan->n_steps; i++)
		sort_deps(&p->plan->steps[i]);
	for (bool again = true; again;) {
		bool a = propagate(p);
		bool b = block_moves(p);

		again = a || b;
	}
	add_facts(p);
	note_unverified(p);
	predict(p);
	decide_status(p);
}

static int setup(struct planner *p, struct plan *plan, const struct model *desired,
                 const struct model *observed, const struct planner_opts *opts)
{
	memset(p, 0, sizeof(*p));
	p->plan = plan;
	p->desired = desired;
	p->observed = observed;
	p->previous = opts ? opts->previous : NULL;
	p->allow_data_loss = desired->topo.allow_data_loss || (opts && opts->allow_data_loss);
	p->service_first = desired->topo.service_first;
	p->ps = model_site(desired, desired->topo.primary);
	p->to = desired->topo.ls_enabled ? model_site(desired, desired->topo.ls_to) : NULL;
	p->fence = p->set_state = -1;
	if (!p->ps)
		return err_set(ERR_INVALID, "desired model of '%s' has no primary site",
		               desired->pool_name ? desired->pool_name : "");
	plan->pool_name = arena_strdup(&plan->arena, desired->pool_name);
	model_copy(&p->work, &plan->arena, observed);
	p->n_dbs = desired->topo.n_databases;
	p->dbs = arena_calloc(&plan->arena, p->n_dbs ? p->n_dbs : 1, sizeof(*p->dbs));
	for (size_t k = 0; k < p->n_dbs; k++) {
		p->dbs[k].spec = &desired->topo.databases[k];
		p->dbs[k].group = (int)k + 1;
		p->dbs[k].target = p->ps->principal;
	}
	return 0;
}

int planner_run(struct plan *plan, const struct model *desired, const struct model *observed,
                const struct planner_opts *opts)
{
	struct planner p;
	int rc = setup(&p, plan, desired, observed, opts);

	if (rc)
		return rc;
	planner_analyze(&p);
	planner_fence(&p);
	planner_detach(&p);
	planner_move(&p);
	planner_switch(&p);
	if (p.service_first) {
		planner_unfence(&p);
		planner_protect(&p);
	} else {
		planner_protect(&p);
		planner_unfence(&p);
	}
	finalize(&p);
	return 0;
}
