/*
 * planner_move: the authority and the pool. For each database it finds
 * the authority and decides the move the spec asks for: none, an in-site
 * manual mirror failover (or forced service when the principal is lost),
 * a planned switchover (old authority reachable: tail-log backup WITH
 * NORECOVERY at an exact LSN, the new copy restores up to it and
 * recovers, zero loss) or a disaster failover (old authority lost:
 * restore what the share holds in LSN order with no gap, recover, report
 * the exposure). A role that differs from the spec while the spec did not
 * change since the last apply is drift: reported with the spec change
 * that adopts it, never reverted. Also the fence, the pool state switch
 * and the unfence. Detach and protect are in planner_protect.c.
 */
#include "reconciler/core/planner_internal.h"

#include <string.h>

#include "reconciler/core/chain.h"

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The authority of a database that is not shipped: its primary site copy. */
static void local_authority(struct planner *p, struct planner_db *d)
{
	const char *pair[2] = {p->ps->principal, p->ps->mirror};

	memset(&d->auth, 0, sizeof(d->auth));
	for (size_t i = 0; i < 2; i++) {
		const struct model_db *c = model_copy_of(p->observed, pair[i], d->spec->name);

		if (pair[i] && planner_reachable(p, pair[i]) && model_db_writable(c) &&
		    (!d->auth.instance || c->mirroring.role == MODEL_ROLE_PRINCIPAL)) {
			d->auth.kind = AUTHORITY_WRITABLE;
			d->auth.instance = pair[i];
		}
	}
	for (size_t i = 0; !d->auth.instance && i < 2; i++) {
		if (pair[i] && !planner_reachable(p, pair[i])) {
			d->auth.kind = AUTHORITY_LOST;
			d->auth.instance = pair[i];
		}
	}
	d->auth.site = d->auth.instance ? p->ps->name : NULL;
	d->auth.how = "the primary site's writable copy";
}

static bool spec_unchanged(const struct planner *p)
{
	const struct model_site *prev;

	if (!p->previous || !same(p->previous->topo.primary, p->desired->topo.primary))
		return false;
	prev = model_site(p->previous, p->previous->topo.primary);
	return prev && model_same_name(prev->principal, p->ps->principal);
}

static void report_drift(struct planner *p, struct planner_db *d)
{
	const struct model_instance *i = model_instance(p->observed, d->auth.instance);
	const char *site = i ? i->site : "?";

	d->frozen = true;
	p->drift = true;
	if (same(site, p->ps->name)) {
		plan_add_note(
		        p->plan,
		        "drift: '%s' is served by '%s', the spec's mirror of site '%s' "
		        "(someone failed over by hand); pcdr does not revert it. To adopt it, "
		        "change the spec: sites.%s.principal: %s, sites.%s.mirror: %s",
		        d->spec->name, d->auth.instance, site, site, d->auth.instance, site,
		        p->ps->principal);
		return;
	}
	plan_add_note(
	        p->plan,
	        "drift: '%s' is served by '%s' in site '%s', but the spec says "
	        "primary: %s and did not change since the last apply (someone failed over "
	        "by hand); pcdr does not revert it. To adopt it, change the spec: primary: %s, "
	        "logShipping.from: %s, logShipping.to: %s",
	        d->spec->name, d->auth.instance, site, p->ps->name, site, site, p->ps->name);
}

static void classify(struct planner *p, struct planner_db *d)
{
	const struct model_instance *ai = model_instance(p->observed, d->auth.instance);
	const struct model_db *t = model_copy_of(p->observed, d->target, d->spec->name);
	bool in_site = ai && same(ai->site, p->ps->name);

	d->move = PLANNER_MOVE_NONE;
	if (d->auth.kind == AUTHORITY_NONE || model_same_name(d->auth.instance, d->target))
		return;
	if (in_site && t && t->mirroring.role == MODEL_ROLE_MIRROR &&
	    model_same_name(t->mirroring.partner, d->auth.instance)) {
		d->move = d->auth.kind == AUTHORITY_LOST ? PLANNER_MOVE_FORCE_SERVICE
		                                         : PLANNER_MOVE_MIRROR_FAILOVER;
		return;
	}
	if (!d->spec->shipped)
		return;
	d->move = d->auth.kind == AUTHORITY_LOST ? PLANNER_MOVE_DISASTER : PLANNER_MOVE_PLANNED;
}

static bool target_in_chain(struct planner *p, struct planner_db *d, const struct model_db *a)
{
	const struct model_db *t = planner_copy(p, d->target, d->spec->name);
	struct chain_result r, more;
	struct model_lsn need;

	if (!model_db_restoring(t) || t->mirroring.role != MODEL_ROLE_NONE ||
	    !model_lineage_ok(t, a))
		return false;
	chain_walk(model_instance(&p->work, d->target), d->spec->name, t->lsn, t->fork, a->fork,
	           &r);
	/* The logs the catch-up restores are the authority's: its msdb lists
	 * them (and a switchover that stopped after its tail-log backup, the
	 * tail), the target's only what it restored. Across the authority's
	 * recovery fork too: model_lineage_ok() holds, so the target is on
	 * the authority's fork or stopped at or before its fork point on the
	 * parent fork, and RESTORE takes the log backup that spans the fork
	 * point (the old primary of a round trip, demoted by its tail-log
	 * backup at the LSN the new primary recovered at). */
	chain_walk(model_instance(&p->work, d->auth.instance), d->spec->name, r.end, t->fork,
	           a->fork, &more);
	if (model_lsn_cmp(more.end, r.end) > 0)
		r = more;
	need = a->state == MODEL_DB_ONLINE
	               ? chain_backed_up_to(model_instance(&p->work, d->auth.instance),
	                                    d->spec->name, a->fork)
	               : a->lsn;
	return model_lsn_cmp(r.end, need) >= 0 || model_lsn_cmp(t->lsn, need) >= 0;
}

void planner_analyze(struct planner *p)
{
	for (size_t k = 0; k < p->n_dbs; k++) {
		struct planner_db *d = &p->dbs[k];

		if (d->spec->shipped)
			authority_find(&d->auth, p->desired, p->observed, d->spec->name);
		else
			local_authority(p, d);
		classify(p, d);
		if (d->move != PLANNER_MOVE_NONE && d->auth.kind != AUTHORITY_LOST &&
		    spec_unchanged(p)) {
			d->move = PLANNER_MOVE_NONE;
			report_drift(p, d);
		}
		if (d->move == PLANNER_MOVE_PLANNED && planner_reachable(p, d->target))
			d->target_seed = !target_in_chain(
			        p, d, model_copy_of(p->observed, d->auth.instance, d->spec->name));
	}
}

static bool cross_site(const struct planner_db *d)
{
	return d->move == PLANNER_MOVE_PLANNED || d->move == PLANNER_MOVE_DISASTER;
}

void planner_fence(struct planner *p)
{
	struct plan_step t = {0};
	const struct planner_db *mv = NULL;

	for (size_t k = 0; k < p->n_dbs && !mv; k++)
		if (cross_site(&p->dbs[k]))
			mv = &p->dbs[k];
	if (!mv)
		return;
	if (p->observed->pool.reachable && p->observed->pool.n_active_servers == 0) {
		if (p->observed->pool.n_pings)
			plan_add_note(
			        p->plan,
			        "pool: no server is active, yet %zu server(s) recently pinged "
			        "tblServerIdentity on the authority (first: '%s'); check that the "
			        "fence holds before the move",
			        p->observed->pool.n_pings, p->observed->pool.pings[0]);
		return;
	}
	t.kind = PLAN_POOL_SET_ACTIVE_SERVERS;
	t.phase = PLAN_PHASE_FENCE;
	t.risk = PLAN_RISK_OUTAGE;
	t.reason = arena_sprintf(&p->plan->arena,
	                         "fence: the authority of '%s' moves from '%s' to "
	                         "'%s'; no server may write to either copy during the move",
	                         mv->spec->name, mv->auth.instance, mv->target);
	p->fence = (long)planner_emit(p, &t);
}

static size_t emit_lsn(struct planner *p, struct planner_db *d, enum plan_step_kind kind,
                       const char *inst, const char *peer, const char *reason,
                       const struct model_lsn *lsn)
{
	struct plan_step t = {0};

	t.kind = kind;
	t.phase = PLAN_PHASE_MOVE;
	t.database = d->spec->name;
	t.instance = inst;
	t.peer = peer;
	t.reason = reason;
	t.group = d->group;
	if (lsn) {
		t.has_lsn = true;
		t.lsn = *lsn;
	}
	return planner_emit(p, &t);
}

static size_t emit_db(struct planner *p, struct planner_db *d, enum plan_step_kind kind,
                      const char *inst, const char *peer, const char *reason)
{
	return emit_lsn(p, d, kind, inst, peer, reason, NULL);
}

static void in_site(struct planner *p, struct planner_db *d)
{
	struct arena *a = &p->plan->arena;
	const struct model_db *c = planner_copy(p, d->auth.instance, d->spec->name);
	size_t s;

	if (d->move == PLANNER_MOVE_MIRROR_FAILOVER) {
		s = emit_db(p, d, PLAN_SQL_MIRROR_FAILOVER, d->auth.instance, d->target,
		            arena_sprintf(a,
		                          "the spec makes '%s' the principal of site '%s': "
		                          "manual failover, no data loss",
		                          d->target, p->ps->name));
		if (c && (c->mirroring.state != MODEL_MSTATE_SYNCHRONIZED ||
		          c->mirroring.safety != MODEL_SAFETY_FULL))
			planner_block(
			        p, s,
			        "mirroring of '%s' is %s with safety %s: a manual "
			        "failover needs SYNCHRONIZED and FULL; resume mirroring first",
			        d->spec->name, model_mirror_state_name(c->mirroring.state),
			        model_safety_name(c->mirroring.safety));
		return;
	}
	s = emit_db(p, d, PLAN_SQL_FORCE_SERVICE, d->target, NULL,
	            arena_sprintf(a,
	                          "the principal '%s' is unreachable: force service on its "
	                          "mirror '%s'",
	                          d->auth.instance, d->target));
	p->plan->steps[s].risk = PLAN_RISK_DATA_LOSS;
	if (!p->allow_data_loss)
		planner_block(p, s,
		              "forced service may lose data: set policy.allowDataLoss or "
		              "pass --allow-data-loss");
	d->recovered = true;
}

static void end_sessions(struct planner *p, struct planner_db *d)
{
	const struct model_db *t = planner_copy(p, d->target, d->spec->name);

	if (t && t->is_in_standby && t->user_sessions)
		emit_db(p, d, PLAN_SQL_END_SESSIONS, d->target, NULL,
		        arena_sprintf(&p->plan->arena,
		                      "%u user sessions hold the standby copy; "
		                      "recovery needs exclusive access",
		                      t->user_sessions));
}

/* Catch the target up to `to`; from the reachable authority's tail when `src` is set. */
static long catch_up(struct planner *p, struct planner_db *d, struct model_lsn to, const char *src,
                     const char *reason)
{
	const struct model_db *t = planner_copy(p, d->target, d->spec->name);

	if (!src && t && model_lsn_cmp(t->lsn, to) >= 0)
		return -1;
	return (long)emit_lsn(p, d, PLAN_SQL_CATCH_UP, d->target, src, reason, &to);
}

static void planned(struct planner *p, struct planner_db *d)
{
	struct arena *a = &p->plan->arena;
	const struct model_db *au = planner_copy(p, d->auth.instance, d->spec->name);
	struct model_lsn tail;
	long tail_step = -1, c;
	size_t s;

	if (!au)
		return;
	end_sessions(p, d);
	if (d->target_seed) {
		size_t s0 = emit_db(p, d, PLAN_SQL_SEED, d->auth.instance, d->target,
		                    arena_sprintf(a,
		                                  "'%s' is not on the log chain of '%s': seed it "
		                                  "from the authority before the move",
		                                  d->target, d->auth.instance));
		if (d->auth.kind == AUTHORITY_DEMOTED)
			planner_block(p, s0,
			              "the authority '%s' is RESTORING after a tail-log backup "
			              "and '%s' has no copy on its chain: recover '%s' first, or "
			              "restore '%s' by hand",
			              d->auth.instance, d->target, d->auth.instance, d->target);
	}
	au = planner_copy(p, d->auth.instance, d->spec->name);
	tail = au->lsn;
	if (d->auth.kind == AUTHORITY_WRITABLE) {
		tail_step = (long)emit_lsn(p, d, PLAN_SQL_TAIL_LOG_BACKUP, d->auth.instance, NULL,
		                           "demote the authority at an exact LSN (BACKUP LOG WITH "
		                           "NORECOVERY): zero data loss",
		                           &tail);
	}
	c = catch_up(p, d, tail, d->auth.instance,
	             arena_sprintf(a,
	                           "restore every log backup up to the tail, LSN %s, "
	                           "the tail included",
	                           planner_lsn(p, tail)));
	if (c >= 0 && tail_step >= 0)
		planner_dep(p, (size_t)c, (size_t)tail_step);
	s = emit_db(p, d, PLAN_SQL_RECOVER, d->target, NULL,
	            arena_sprintf(a,
	                          "bring '%s' online at LSN %s: it becomes the authority, "
	                          "zero data loss",
	                          d->target, planner_lsn(p, tail)));
	if (tail_step >= 0)
		planner_dep(p, s, (size_t)tail_step);
	d->recovered = true;
}

/* The newest log backup `inst` sees that ends at `lsn`: the last one restored. */
static const struct model_backup *log_ending_at(const struct model_instance *inst, const char *db,
                                                struct model_lsn lsn)
{
	const struct model_backup *found = NULL;

	for (size_t i = 0; inst && i < inst->n_backups; i++) {
		const struct model_backup *b = &inst->backups[i];

		if (b->type == 'L' && !strcmp(b->database, db) && !model_lsn_cmp(b->last_lsn, lsn))
			found = b;
	}
	return found;
}

static void exposure(struct planner *p, struct planner_db *d, const struct chain_result *r)
{
	const struct model_db *t = model_copy_of(p->observed, d->target, d->spec->name);
	const struct model_backup *last = r->last;

	/* the copy restored all it saw: the log it ends with (on the share or
	 * in its restore history) gives the time of the exposure */
	if (!last)
		last = log_ending_at(model_instance(p->observed, d->target), d->spec->name, t->lsn);
	if (last)
		plan_add_note(p->plan,
		              "exposure: '%s' on lost authority '%s': changes after LSN %s "
		              "are lost unless it comes back (last shipped log '%s', finished %s)",
		              d->spec->name, d->auth.instance, planner_lsn(p, r->end), last->file,
		              last->finished ? last->finished : "at an unknown time");
	else
		plan_add_note(p->plan,
		              "exposure: '%s' on lost authority '%s': changes after LSN %s "
		              "are lost unless it comes back (last restored file '%s')",
		              d->spec->name, d->auth.instance, planner_lsn(p, r->end),
		              t->ls_secondary.last_restored_file
		                      ? t->ls_secondary.last_restored_file
		                      : "unknown");
}

static void disaster(struct planner *p, struct planner_db *d)
{
	struct arena *a = &p->plan->arena;
	const struct model_db *t = planner_copy(p, d->target, d->spec->name);
	struct chain_result r;
	long c;
	size_t s;

	if (!planner_reachable(p, d->target) || !model_db_restoring(t)) {
		s = emit_db(p, d, PLAN_SQL_RECOVER, d->target, NULL, "recover the backup copy");
		planner_block(p, s,
		              "'%s' holds no RESTORING copy of '%s' and the authority '%s' "
		              "is lost: nothing to recover from",
		              d->target, d->spec->name, d->auth.instance);
		return;
	}
	chain_walk(model_instance(&p->work, d->target), d->spec->name, t->lsn, t->fork, NULL, &r);
	c = catch_up(p, d, r.end, NULL,
	             arena_sprintf(a,
	                           "restore every log backup on the share in LSN order, up to "
	                           "LSN %s",
	                           planner_lsn(p, r.end)));
	if (r.gap && !p->allow_data_loss && c < 0)
		c = catch_up(p, d, r.gap_to, NULL, "restore past the gap");
	if (c >= 0 && r.gap)
		p->plan->steps[c].risk = PLAN_RISK_DATA_LOSS;
	if (r.gap && !p->allow_data_loss && c >= 0)
		planner_block(p, (size_t)c,
		              "log chain gap: no log backup covers LSN %s up to %s; "
		              "recovering before the gap loses what follows it: set "
		              "policy.allowDataLoss or pass --allow-data-loss to accept",
		              planner_lsn(p, r.gap_from), planner_lsn(p, r.gap_to));
	else if (r.gap)
		plan_add_note(p->plan,
		              "log chain gap: '%s' has no log backup from LSN %s up to %s; "
		              "allowDataLoss: recovering at LSN %s and losing what follows",
		              d->spec->name, planner_lsn(p, r.gap_from), planner_lsn(p, r.gap_to),
		              planner_lsn(p, r.end));
	end_sessions(p, d);
	s = emit_db(p, d, PLAN_SQL_RECOVER, d->target, NULL,
	            arena_sprintf(a, "the authority '%s' is lost: bring '%s' online at LSN %s",
	                          d->auth.instance, d->target, planner_lsn(p, r.end)));
	p->plan->steps[s].risk = PLAN_RISK_DATA_LOSS;
	if (!r.gap || p->allow_data_loss)
		exposure(p, d, &r);
	d->recovered = true;
}

void planner_move(struct planner *p)
{
	for (size_t k = 0; k < p->n_dbs; k++) {
		struct planner_db *d = &p->dbs[k];

		if (d->move == PLANNER_MOVE_MIRROR_FAILOVER ||
		    d->move == PLANNER_MOVE_FORCE_SERVICE)
			in_site(p, d);
		else if (d->move == PLANNER_MOVE_PLANNED)
			planned(p, d);
		else if (d->move == PLANNER_MOVE_DISASTER)
			disaster(p, d);
	}
}

void planner_switch(struct planner *p)
{
	struct plan_step t = {0};

	if (p->drift || p->work.pool.state == p->desired->pool.state)
		return;
	t.kind = PLAN_POOL_SET_STATE;
	t.phase = PLAN_PHASE_SWITCH;
	t.pool_state = p->desired->pool.state;
	if (strcmp(p->ps->name, p->desired->topo.home) != 0)
		t.reason = arena_sprintf(&p->plan->arena, "the pool must use the backup site '%s'",
		                         p->ps->name);
	else
		t.reason = arena_sprintf(&p->plan->arena, "the pool must use its home site '%s'",
		                         p->ps->name);
	p->set_state = (long)planner_emit(p, &t);
	for (size_t i = 0; i < (size_t)p->set_state; i++) {
		enum plan_step_kind k = p->plan->steps[i].kind;

		if (k == PLAN_SQL_RECOVER || k == PLAN_SQL_FORCE_SERVICE ||
		    k == PLAN_SQL_MIRROR_FAILOVER)
			planner_dep(p, (size_t)p->set_state, i);
	}
}

static bool same_servers(const struct model_pool *a, const struct model_pool *b)
{
	if (a->n_active_servers != b->n_active_servers)
		return false;
	for (size_t i = 0; i < a->n_active_servers; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n_active_servers && !found; j++)
			found = model_same_name(a->active_servers[i], b->active_servers[j]);
		if (!found)
			return false;
	}
	return true;
}

void planner_unfence(struct planner *p)
{
	struct plan_step t = {0};
	size_t s;

	if (p->drift || same_servers(&p->work.pool, &p->desired->pool))
		return;
	t.kind = PLAN_POOL_SET_ACTIVE_SERVERS;
	t.phase = PLAN_PHASE_UNFENCE;
	t.servers = p->desired->pool.active_servers;
	t.n_servers = p->desired->pool.n_active_servers;
	t.reason = p->fence >= 0
	                   ? "unfence: the pool points at the authority; let the spec's active "
	                     "servers in"
	                   : "the spec lists other active servers";
	s = planner_emit(p, &t);
	if (p->set_state >= 0)
		planner_dep(p, s, (size_t)p->set_state);
	for (size_t i = 0; i < s; i++) {
		enum plan_step_kind k = p->plan->steps[i].kind;

		if (k == PLAN_SQL_RECOVER || k == PLAN_SQL_FORCE_SERVICE ||
		    (!p->service_first && p->plan->steps[i].phase == PLAN_PHASE_PROTECT))
			planner_dep(p, s, i);
	}
}
