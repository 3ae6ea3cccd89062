/*
 * planner_protect: the detach and protect phases. Detach compares each
 * managed copy that answered with what the spec wants of it and removes
 * what conflicts (mirroring with the wrong partner, log shipping roles the
 * copy must no longer have), after a safety backup of any ONLINE copy that
 * is not the authority and is about to be overwritten. Protect rebuilds
 * redundancy from the authority: the primary site's mirror (reseeded only
 * when it left the chain, otherwise caught up from the share), the `to`
 * site's log shipping secondary (a copy left RESTORING on the chain by a
 * planned switchover is reused as is) and the log shipping configuration.
 * Databases that are not shipped are never copied across sites: a missing
 * one is a blocked step that says to create it with Topology Builder.
 * Moves and the pool are in planner_move.c.
 */
#include "reconciler/core/planner_internal.h"

#include <string.h>

#include "reconciler/core/chain.h"

static bool same(const char *a, const char *b)
{
	return a && b && model_same_name(a, b);
}

static size_t emit_lsn(struct planner *p, enum plan_step_kind kind, enum plan_phase phase,
                       const struct planner_db *d, const char *inst, const char *peer,
                       const char *reason, int group, const struct model_lsn *lsn)
{
	struct plan_step t = {0};

	if (lsn) {
		t.has_lsn = true;
		t.lsn = *lsn;
	}
	t.kind = kind;
	t.phase = phase;
	t.database = d->spec->name;
	t.instance = inst;
	t.peer = peer;
	t.reason = reason;
	t.group = group;
	return planner_emit(p, &t);
}

static size_t emit(struct planner *p, enum plan_step_kind kind, enum plan_phase phase,
                   const struct planner_db *d, const char *inst, const char *peer,
                   const char *reason, int group)
{
	return emit_lsn(p, kind, phase, d, inst, peer, reason, group, NULL);
}

static bool cross_site(const struct planner_db *d)
{
	return d->move == PLANNER_MOVE_PLANNED || d->move == PLANNER_MOVE_DISASTER;
}

static void detach_mirroring(struct planner *p, const struct planner_db *d, const char *inst,
                             const struct model_db *w, int group)
{
	const struct model_db *c = planner_copy(p, inst, d->spec->name);
	bool is_auth = same(inst, d->auth.instance);
	bool conflict = (w->want & MODEL_WANT_MIRRORING) &&
	                (w->mirroring.role == MODEL_ROLE_NONE ||
	                 !same(c->mirroring.partner, w->mirroring.partner));

	if (c->mirroring.role == MODEL_ROLE_NONE)
		return;
	if (conflict || (is_auth && d->move == PLANNER_MOVE_PLANNED) ||
	    (same(inst, d->target) && (d->target_seed || d->move == PLANNER_MOVE_DISASTER)))
		emit(p, PLAN_SQL_REMOVE_MIRRORING, PLAN_PHASE_DETACH, d, inst, c->mirroring.partner,
		     arena_sprintf(&p->plan->arena, "mirrored with '%s'; %s",
		                   c->mirroring.partner ? c->mirroring.partner : "?",
		                   is_auth ? "the authority leaves mirroring before the tail-log "
		                             "backup"
		                   : conflict ? "the spec wants no such partnership"
		                              : "the copy is reseeded from the authority"),
		     group);
}

static void detach_copy(struct planner *p, const struct planner_db *d, const char *inst,
                        const struct model_db *w)
{
	struct arena *a = &p->plan->arena;
	const struct model_db *c = planner_copy(p, inst, d->spec->name);
	bool is_auth = same(inst, d->auth.instance);
	bool is_target = same(inst, d->target);
	int group = (is_auth || is_target) && cross_site(d) ? d->group : 0;
	bool overwritten = (w->want & MODEL_WANT_STATE) && w->state == MODEL_DB_RESTORING;

	if (!c || !planner_reachable(p, inst))
		return;
	if (c->state == MODEL_DB_ONLINE && !c->is_in_standby && !is_auth &&
	    !c->safety_backup_taken && (overwritten || (is_target && d->target_seed)))
		emit(p, PLAN_SQL_SAFETY_BACKUP, PLAN_PHASE_DETACH, d, inst, NULL,
		     arena_sprintf(a,
		                   "'%s' holds an ONLINE copy that is not the authority and "
		                   "will be overwritten: back it up first",
		                   inst),
		     group);
	detach_mirroring(p, d, inst, w, group);
	c = planner_copy(p, inst, d->spec->name);
	if (c->ls_secondary.configured && (w->want & MODEL_WANT_LS_SECONDARY) &&
	    (!w->ls_secondary.configured ||
	     !(same(c->ls_secondary.primary, w->ls_secondary.primary) ||
	       same(c->ls_secondary.primary, w->ls_secondary.primary_alt))))
		emit(p, PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY, PLAN_PHASE_DETACH, d, inst, NULL,
		     arena_sprintf(a, "log shipping secondary of '%s'; the spec wants %s",
		                   c->ls_secondary.primary ? c->ls_secondary.primary : "?",
		                   w->ls_secondary.configured ? "another primary"
		                                              : "no secondary here"),
		     group);
	if (c->ls_primary.configured && (w->want & MODEL_WANT_LS_PRIMARY) &&
	    !w->ls_primary.configured)
		emit(p, PLAN_SQL_DROP_LOG_SHIPPING_PRIMARY, PLAN_PHASE_DETACH, d, inst, NULL,
		     "log shipping primary; the spec wants no log shipping from here", group);
}

void planner_detach(struct planner *p)
{
	static const struct model_db unmanaged = {0};

	for (size_t k = 0; k < p->n_dbs; k++) {
		const struct planner_db *d = &p->dbs[k];
		const struct model_db *aw =
		        model_copy_of(p->desired, d->auth.instance, d->spec->name);

		for (size_t i = 0; !d->frozen && i < p->desired->n_instances; i++) {
			const struct model_instance *di = &p->desired->instances[i];
			const struct model_db *w = model_db(di, d->spec->name);

			if (w && w->want)
				detach_copy(p, d, di->name, w);
		}
		/* an authority the spec no longer manages still leaves mirroring before its tail */
		if (d->move == PLANNER_MOVE_PLANNED && (!aw || !aw->want))
			detach_copy(p, d, d->auth.instance, &unmanaged);
	}
}

static void missing(struct planner *p, const struct planner_db *d, const char *inst)
{
	size_t s = emit(p, PLAN_SQL_SEED, PLAN_PHASE_PROTECT, d, NULL, inst,
	                "the spec wants this database here", 0);

	planner_block(p, s,
	              "'%s' does not exist on '%s': create it with Topology Builder first "
	              "(pcdr only copies a database from its authority, it never creates one)",
	              d->spec->name, inst);
}

/*
 * A copy not on the source's lineage may still lead there through fork
 * points: the old mirror of a switchover round trip, left at a tail-log
 * LSN one or two recoveries back, while the new primary's first log
 * backup after each recovery spans its fork point. Only the log backups
 * still on the share count (log shipping deletes them after its retention
 * period; msdb keeps the rows), so without the share's listing for the
 * copy the plan asks for it (plan->share_for) and reseeds meanwhile.
 */
static bool across_forks(struct planner *p, const struct planner_db *d, const char *src,
                         const char *copy, const struct model_db *cc, const struct model_db *sc,
                         struct chain_result *r)
{
	const struct model_instance *ci = model_instance(&p->work, copy);
	struct model_db reached;

	if (!ci || !cc->fork || !sc || !sc->fork)
		return false;
	if (!ci->share_listed) {
		if (!p->plan->share_for)
			p->plan->share_for = arena_strdup(&p->plan->arena, copy);
		return false;
	}
	chain_walk_share(ci, d->spec->name, cc->lsn, cc->fork, r);
	reached = *cc;
	reached.fork = r->fork;
	reached.lsn = r->end;
	/* up to the source's last log backup: mirroring starts from there */
	return r->fork && model_lineage_ok(&reached, sc) &&
	       model_lsn_cmp(r->end, chain_backed_up_to(model_instance(&p->work, src),
	                                                d->spec->name, sc->fork)) >= 0;
}

/* Restorable from `src` by the log chain alone (no full backup needed). */
static bool on_chain(struct planner *p, const struct planner_db *d, const char *src,
                     const char *copy, struct chain_result *r)
{
	const struct model_db *sc = planner_copy(p, src, d->spec->name);
	const struct model_db *cc = planner_copy(p, copy, d->spec->name);
	struct chain_result more;
	struct model_lsn need;

	if (!model_db_restoring(cc) || cc->mirroring.role != MODEL_ROLE_NONE)
		return false;
	if (!model_lineage_ok(cc, sc))
		return across_forks(p, d, src, copy, cc, sc, r);
	chain_walk(model_instance(&p->work, copy), d->spec->name, cc->lsn, cc->fork, sc->fork, r);
	/* the bridging logs are the authority's own: its msdb lists them, the copy's does not */
	chain_walk(model_instance(&p->work, src), d->spec->name, r->end, cc->fork, sc->fork, &more);
	if (model_lsn_cmp(more.end, r->end) > 0)
		*r = more;
	need = chain_backed_up_to(model_instance(&p->work, src), d->spec->name, sc->fork);
	return model_lsn_cmp(r->end, need) >= 0 || model_lsn_cmp(cc->lsn, need) >= 0;
}

static void seed(struct planner *p, const struct planner_db *d, const char *src, const char *dst,
                 const char *why)
{
	const struct model_db *t = planner_copy(p, dst, d->spec->name);

	if (t && t->is_in_standby && t->user_sessions)
		emit(p, PLAN_SQL_END_SESSIONS, PLAN_PHASE_PROTECT, d, dst, NULL,
		     arena_sprintf(&p->plan->arena,
		                   "%u user sessions hold the standby copy; the "
		                   "restore needs exclusive access",
		                   t->user_sessions),
		     0);
	emit(p, PLAN_SQL_SEED, PLAN_PHASE_PROTECT, d, src, dst,
	     arena_sprintf(&p->plan->arena,
	                   "%s: full and log backup of the authority, restored "
	                   "WITH NORECOVERY",
	                   why),
	     0);
}

static void establish(struct planner *p, const struct planner_db *d, const char *why)
{
	emit(p, PLAN_SQL_ESTABLISH_MIRRORING, PLAN_PHASE_PROTECT, d, p->ps->principal,
	     p->ps->mirror, why, 0);
}

static void rejoin_mirror(struct planner *p, const struct planner_db *d)
{
	const char *P = p->ps->principal, *M = p->ps->mirror;
	const struct model_db *mc = planner_copy(p, M, d->spec->name);
	struct chain_result r;

	if (mc && mc->mirroring.role != MODEL_ROLE_NONE)
		emit(p, PLAN_SQL_REMOVE_MIRRORING, PLAN_PHASE_PROTECT, d, M, mc->mirroring.partner,
		     "half of a broken partnership", 0);
	if (!on_chain(p, d, P, M, &r) || mc->is_in_standby)
		seed(p, d, P, M,
		     arena_sprintf(&p->plan->arena,
		                   "'%s' has no copy on the chain of "
		                   "'%s'",
		                   M, P));
	else if (r.n_logs) {
		emit_lsn(p, PLAN_SQL_CATCH_UP, PLAN_PHASE_PROTECT, d, M, P,
		         arena_sprintf(&p->plan->arena,
		                       "restore the log backups the mirror lacks, "
		                       "up to LSN %s",
		                       planner_lsn(p, r.end)),
		         0, &r.end);
	}
	establish(p, d,
	          arena_sprintf(&p->plan->arena,
	                        "mirror '%s' inside site '%s' with safety "
	                        "FULL",
	                        d->spec->name, p->ps->name));
}

static void ensure_mirror(struct planner *p, const struct planner_db *d)
{
	const char *P = p->ps->principal, *M = p->ps->mirror;
	const struct model_db *pc = planner_copy(p, P, d->spec->name);
	const struct model_db *mc = planner_copy(p, M, d->spec->name);
	bool paired = pc->mirroring.role == MODEL_ROLE_PRINCIPAL && same(pc->mirroring.partner, M);

	if (!planner_reachable(p, M)) {
		if (!paired)
			seed(p, d, P, M,
			     arena_sprintf(&p->plan->arena, "'%s' must mirror '%s'", M, P));
		if (!paired || pc->mirroring.safety != MODEL_SAFETY_FULL)
			establish(p, d, "mirror inside the primary site with safety FULL");
		return;
	}
	if (paired && mc && mc->mirroring.role == MODEL_ROLE_MIRROR &&
	    same(mc->mirroring.partner, P)) {
		if (pc->mirroring.safety != MODEL_SAFETY_FULL ||
		    mc->mirroring.safety != MODEL_SAFETY_FULL)
			establish(p, d,
			          arena_sprintf(&p->plan->arena,
			                        "mirroring safety is %s; the "
			                        "spec wants FULL",
			                        model_safety_name(pc->mirroring.safety)));
		return;
	}
	if (pc->mirroring.role != MODEL_ROLE_NONE)
		emit(p, PLAN_SQL_REMOVE_MIRRORING, PLAN_PHASE_PROTECT, d, P, pc->mirroring.partner,
		     "half of a broken partnership", 0);
	rejoin_mirror(p, d);
}

static bool primary_config_ok(const struct planner *p, const struct model_db *c, const char *S)
{
	return c && c->ls_primary.configured && c->ls_primary.n_secondaries == 1 &&
	       same(c->ls_primary.secondaries[0], S) && c->ls_primary.backup_share &&
	       p->desired->topo.backup_share &&
	       strcmp(c->ls_primary.backup_share, p->desired->topo.backup_share) == 0;
}

static void configure(struct planner *p, const struct planner_db *d, const char *why)
{
	const char *M = p->ps->mirror;
	struct plan_step t = {0};

	t.kind = PLAN_SQL_CONFIGURE_LOG_SHIPPING;
	t.phase = PLAN_PHASE_PROTECT;
	t.database = d->spec->name;
	t.instance = p->ps->principal;
	t.peer2 = M && planner_reachable(p, M) ? M : NULL;
	t.peer = p->to->principal;
	t.share = p->desired->topo.backup_share;
	t.reason = why ? why
	               : arena_sprintf(&p->plan->arena,
	                               "ship '%s' from site '%s' to site '%s' through "
	                               "'%s'",
	                               d->spec->name, p->ps->name, p->to->name,
	                               t.share ? t.share : "?");
	planner_emit(p, &t);
}

/*
 * Configuration drift (DESIGN.md: "a log shipping job disabled by hand"):
 * the configuration is all there but a job of it is disabled. The same
 * step re-runs: sql.configure_log_shipping adds only what is missing and
 * enables the disabled jobs, on the primary pair and on the secondary.
 */
static void enable_jobs(struct planner *p, const struct planner_db *d, const char *M)
{
	const char *on[3] = {p->ps->principal, M, p->to->principal};
	const struct model_db *c;

	for (size_t i = 0; i < 3; i++) {
		if (!on[i] || !(c = planner_copy(p, on[i], d->spec->name)))
			continue;
		if (i < 2 ? c->ls_primary.job_disabled : c->ls_secondary.job_disabled) {
			configure(p, d,
			          arena_sprintf(&p->plan->arena,
			                        "a log shipping %s job of '%s' is disabled on '%s'",
			                        i < 2 ? "backup" : "copy or restore", d->spec->name,
			                        on[i]));
			return;
		}
	}
}

static void ensure_log_shipping(struct planner *p, const struct planner_db *d)
{
	const char *P = p->ps->principal, *M = p->ps->mirror, *S = p->to->principal;
	const struct model_db *sc;
	bool m_ok = M && planner_reachable(p, M);
	struct chain_result r;

	if (planner_reachable(p, S) ? !on_chain(p, d, P, S, &r) : d->recovered)
		seed(p, d, P, S,
		     arena_sprintf(&p->plan->arena,
		                   "'%s' is not on the log chain of "
		                   "'%s'",
		                   S, P));
	sc = planner_copy(p, S, d->spec->name);
	if (!primary_config_ok(p, planner_copy(p, P, d->spec->name), S) ||
	    (m_ok && !primary_config_ok(p, planner_copy(p, M, d->spec->name), S)) ||
	    (planner_reachable(p, S) ? !sc || !sc->ls_secondary.configured : d->recovered))
		configure(p, d, NULL);
	else
		enable_jobs(p, d, m_ok ? M : NULL);
}

/* A database that is not shipped must exist on every other site's principal. */
static void missing_elsewhere(struct planner *p, const struct planner_db *d)
{
	for (size_t i = 0; i < p->desired->topo.n_sites; i++) {
		const char *X = p->desired->topo.sites[i].principal;

		if (&p->desired->topo.sites[i] != p->ps && planner_reachable(p, X) &&
		    !planner_copy(p, X, d->spec->name))
			missing(p, d, X);
	}
}

/* The principal did not answer: block what visibly needs it, say the rest is unverified. */
static void protect_blind(struct planner *p, const struct planner_db *d)
{
	const char *P = p->ps->principal, *M = p->ps->mirror;
	const struct model_db *mc = M ? planner_copy(p, M, d->spec->name) : NULL;
	const struct model_db *sc = p->to ? planner_copy(p, p->to->principal, d->spec->name) : NULL;

	plan_add_note(p->plan,
	              "'%s': '%s' is unreachable; its copy is not verified and "
	              "nothing is protected from it until it answers",
	              d->spec->name, P);
	if (M && planner_reachable(p, M)) {
		bool paired = mc && mc->mirroring.role == MODEL_ROLE_MIRROR &&
		              same(mc->mirroring.partner, P);

		if (!paired)
			seed(p, d, P, M,
			     arena_sprintf(&p->plan->arena, "'%s' must mirror '%s'", M, P));
		if (!paired || mc->mirroring.safety != MODEL_SAFETY_FULL)
			establish(p, d, "mirror inside the primary site with safety FULL");
	}
	if (!d->spec->shipped) {
		missing_elsewhere(p, d);
		return;
	}
	if (!p->to)
		return;
	if (planner_reachable(p, p->to->principal) &&
	    !(model_db_restoring(sc) && sc->ls_secondary.configured)) {
		seed(p, d, P, p->to->principal, "the log shipping secondary has no usable copy");
		configure(p, d, NULL);
	} else if (M && planner_reachable(p, M) && !primary_config_ok(p, mc, p->to->principal)) {
		configure(p, d, NULL);
	}
}

static bool authority_usable(struct planner *p, const struct planner_db *d)
{
	const char *P = p->ps->principal;
	size_t s;

	if (model_db_writable(planner_copy(p, P, d->spec->name)) || d->move != PLANNER_MOVE_NONE)
		return true;
	s = emit(p, PLAN_SQL_RECOVER, PLAN_PHASE_MOVE, d, P, NULL, "the spec's primary copy", 0);
	planner_block(p, s,
	              "no copy of '%s' is writable and none can be shown to hold the truth "
	              "(pool %s, '%s' is %s): pcdr will not guess; recover the right copy by hand "
	              "or fix the pool state",
	              d->spec->name, model_pool_state_name(p->observed->pool.state), P,
	              model_db_state_name(planner_copy(p, P, d->spec->name)->state));
	return false;
}

static void protect_db(struct planner *p, const struct planner_db *d)
{
	const char *P = p->ps->principal;

	if (!planner_reachable(p, P)) {
		protect_blind(p, d);
		return;
	}
	if (!planner_copy(p, P, d->spec->name)) {
		if (d->move == PLANNER_MOVE_NONE)
			missing(p, d, P);
		return;
	}
	if (!authority_usable(p, d))
		return;
	if (p->ps->mirror)
		ensure_mirror(p, d);
	if (d->spec->shipped && p->to)
		ensure_log_shipping(p, d);
	if (!d->spec->shipped)
		missing_elsewhere(p, d);
}

void planner_protect(struct planner *p)
{
	for (size_t k = 0; k < p->n_dbs; k++)
		if (!p->dbs[k].frozen)
			protect_db(p, &p->dbs[k]);
}
