/*
 * effects: guards and predicted effects of every step kind (effects.h).
 * The facts used are SQL Server's documented ones (reference sections 2
 * and 3): a tail-log backup WITH NORECOVERY leaves the source RESTORING
 * at its end of log; RESTORE LOG needs RESTORING/STANDBY and an unbroken
 * chain; RECOVERY starts a new recovery fork; SET PARTNER needs the
 * mirror RESTORING on the principal's chain; SET PARTNER OFF leaves the
 * mirror RESTORING; FAILOVER swaps roles and bumps role_sequence; forced
 * service starts a fork and suspends the session. A predicted backup is
 * added to every reachable instance's view of the share. Effects never
 * touch an unreachable instance: nothing is known of it.
 */
#include "reconciler/core/effects.h"

#include <string.h>

#include "reconciler/core/chain.h"
#include "util/err.h"

static int need_copy(struct model *m, const char *inst, const char *db, struct model_db **out)
{
	struct model_instance *i = model_instance(m, inst);

	if (!i)
		return err_set(ERR_CONFLICT, "instance '%s' is not in the model", inst ? inst : "");
	if (!i->reachable)
		return err_set(ERR_UNREACHABLE, "instance '%s' is unreachable", i->name);
	*out = model_db(i, db);
	if (!*out)
		return err_set(ERR_CONFLICT, "'%s' does not exist on '%s'", db, i->name);
	return 0;
}

/*
 * Where the next backup of `a` on `inst` starts: after the last backup on
 * its fork; or, when there is none since its recovery, at the fork point,
 * and the set then spans it from the parent fork (*first_fork, *fork_lsn;
 * NULL and zero otherwise), as SQL Server's first log backup after a
 * recovery does.
 */
static struct model_lsn backup_start(const struct model_instance *inst, const struct model_db *a,
                                     const char *db, const char **first_fork,
                                     struct model_lsn *fork_lsn)
{
	struct model_lsn first = chain_backed_up_to(inst, db, a->fork);

	*first_fork = NULL;
	*fork_lsn = model_lsn_u64(0);
	if (a->fork_parent && !model_lsn_is_zero(a->fork_lsn) &&
	    model_lsn_cmp(first, a->fork_lsn) < 0) {
		*first_fork = a->fork_parent;
		*fork_lsn = a->fork_lsn;
		first = a->fork_lsn;
	}
	return first;
}

static void share_add(struct model *m, const char *db, const char *file, char type,
                      struct model_lsn first, struct model_lsn last, const char *fork,
                      const char *first_fork, struct model_lsn fork_lsn)
{
	for (size_t i = 0; i < m->n_instances; i++)
		if (m->instances[i].reachable) {
			struct model_backup *b =
			        model_add_backup(m, &m->instances[i], db, file, type, first, last,
			                         fork, "(planned)");

			b->first_fork = arena_strdup(m->arena, first_fork);
			b->fork_lsn = fork_lsn;
		}
}

static void clear_mirroring(struct model_db *db)
{
	memset(&db->mirroring, 0, sizeof(db->mirroring));
}

static int pool_step(struct model *m, const struct plan_step *s)
{
	if (!m->pool.reachable)
		return err_set(ERR_UNREACHABLE, "the pool is unreachable");
	if (s->kind == PLAN_POOL_SET_STATE)
		m->pool.state = s->pool_state;
	else
		model_set_active_servers(m, s->servers, s->n_servers);
	return 0;
}

static int tail_log_backup(struct model *m, const struct plan_step *s)
{
	struct model_db *a;
	struct model_instance *inst;
	struct model_lsn first, fork_lsn;
	const char *first_fork;
	int rc = need_copy(m, s->instance, s->database, &a);

	if (rc)
		return rc;
	if (!model_db_writable(a) || a->mirroring.role != MODEL_ROLE_NONE)
		return err_set(ERR_CONFLICT, "'%s' on '%s' is not ONLINE and unmirrored",
		               s->database, s->instance);
	inst = model_instance(m, s->instance);
	first = backup_start(inst, a, s->database, &first_fork, &fork_lsn);
	a->state = MODEL_DB_RESTORING;
	share_add(m, s->database,
	          arena_sprintf(m->arena, "%s_tail_%s.trn", s->database,
	                        model_lsn_str(m->arena, a->lsn)),
	          'L', first, a->lsn, a->fork, first_fork, fork_lsn);
	return 0;
}

/*
 * After a catch-up the copy is on the fork of the last log it restored;
 * when it reached the source's tail exactly it is the source's twin.
 */
static void adopt_lineage(struct model *m, struct model_db *c, const struct plan_step *s,
                          const struct chain_result *r)
{
	struct model_instance *si = model_instance(m, s->peer);
	const struct model_db *src = si && si->reachable ? model_db(si, s->database) : NULL;

	if (src && model_lsn_cmp(src->lsn, c->lsn) == 0) {
		c->fork = src->fork;
		c->fork_parent = src->fork_parent;
		c->fork_lsn = src->fork_lsn;
	} else if (r->last && r->last->fork && c->fork && strcmp(r->last->fork, c->fork) != 0) {
		c->fork_parent = c->fork;
		c->fork = r->last->fork;
		c->fork_lsn = r->fork_lsn;
	}
}

static int catch_up(struct model *m, const struct plan_step *s)
{
	struct model_db *c;
	struct model_instance *si;
	struct chain_result r, more;
	int rc = need_copy(m, s->instance, s->database, &c);

	if (rc)
		return rc;
	if (!model_db_restoring(c) || c->mirroring.role != MODEL_ROLE_NONE)
		return err_set(ERR_CONFLICT, "'%s' on '%s' is not RESTORING outside mirroring",
		               s->database, s->instance);
	chain_walk(model_instance(m, s->instance), s->database, c->lsn, c->fork, NULL, &r);
	/* the source's msdb lists the logs it wrote to the share that the
	 * copy has not restored (a tail-log backup of an earlier apply) */
	if (s->peer && (si = model_instance(m, s->peer)) != NULL && si->reachable) {
		const struct model_db *src = model_db(si, s->database);

		chain_walk(si, s->database, r.end, r.fork ? r.fork : c->fork,
		           src ? src->fork : NULL, &more);
		if (model_lsn_cmp(more.end, r.end) > 0) {
			if (!more.fork) { /* the fork points the copy's walk crossed */
				more.fork = r.fork;
				more.fork_lsn = r.fork_lsn;
			}
			r = more;
		}
	}
	if (model_lsn_cmp(r.end, s->lsn) < 0)
		return err_set(ERR_CONFLICT,
		               "the log chain of '%s' visible to '%s' ends before "
		               "the LSN to reach",
		               s->database, s->instance);
	c->lsn = s->lsn;
	if (c->ls_secondary.configured)
		c->ls_secondary.last_restored_lsn = s->lsn;
	adopt_lineage(m, c, s, &r);
	return 0;
}

static void new_fork(struct model *m, struct model_db *db, const char *inst)
{
	db->fork_parent = db->fork;
	db->fork_lsn = db->lsn;
	db->fork = arena_sprintf(m->arena, "%s@%s", inst, model_lsn_str(m->arena, db->lsn));
}

static int recover(struct model *m, const struct plan_step *s)
{
	struct model_db *c;
	int rc = need_copy(m, s->instance, s->database, &c);

	if (rc)
		return rc;
	if (!model_db_restoring(c) || c->mirroring.role != MODEL_ROLE_NONE ||
	    c->ls_secondary.configured)
		return err_set(ERR_CONFLICT,
		               "'%s' on '%s' is not RESTORING outside mirroring and "
		               "log shipping",
		               s->database, s->instance);
	if (c->is_in_standby && c->user_sessions)
		return err_set(ERR_CONFLICT, "'%s' on '%s' has user sessions", s->database,
		               s->instance);
	c->state = MODEL_DB_ONLINE;
	c->is_in_standby = false;
	new_fork(m, c, s->instance);
	return 0;
}

static int remove_mirroring(struct model *m, const struct plan_step *s)
{
	struct model_db *c, *p;
	int rc = need_copy(m, s->instance, s->database, &c);

	if (rc)
		return rc;
	if (c->mirroring.role == MODEL_ROLE_NONE)
		return err_set(ERR_CONFLICT, "'%s' on '%s' is not mirrored", s->database,
		               s->instance);
	p = model_copy_of(m, c->mirroring.partner, s->database);
	if (p && model_instance(m, c->mirroring.partner)->reachable &&
	    model_same_name(p->mirroring.partner, s->instance))
		clear_mirroring(p);
	clear_mirroring(c);
	return 0;
}

static int mirror_failover(struct model *m, const struct plan_step *s)
{
	struct model_db *a, *b;
	int rc = need_copy(m, s->instance, s->database, &a);

	if (!rc)
		rc = need_copy(m, s->peer, s->database, &b);
	if (rc)
		return rc;
	if (a->mirroring.role != MODEL_ROLE_PRINCIPAL || b->mirroring.role != MODEL_ROLE_MIRROR ||
	    !model_same_name(a->mirroring.partner, s->peer) ||
	    a->mirroring.safety != MODEL_SAFETY_FULL ||
	    a->mirroring.state != MODEL_MSTATE_SYNCHRONIZED)
		return err_set(ERR_CONFLICT,
		               "'%s' on '%s' is not a synchronized FULL safety "
		               "principal of '%s'",
		               s->database, s->instance, s->peer);
	a->state = MODEL_DB_RESTORING;
	a->mirroring.role = MODEL_ROLE_MIRROR;
	b->state = MODEL_DB_ONLINE;
	b->mirroring.role = MODEL_ROLE_PRINCIPAL;
	b->lsn = a->lsn;
	b->fork = a->fork;
	a->mirroring.role_sequence++;
	b->mirroring.role_sequence++;
	return 0;
}

static int force_service(struct model *m, const struct plan_step *s)
{
	struct model_db *c;
	int rc = need_copy(m, s->instance, s->database, &c);

	if (rc)
		return rc;
	if (c->mirroring.role != MODEL_ROLE_MIRROR)
		return err_set(ERR_CONFLICT, "'%s' on '%s' is not a mirror", s->database,
		               s->instance);
	c->state = MODEL_DB_ONLINE;
	c->mirroring.role = MODEL_ROLE_PRINCIPAL;
	c->mirroring.state = MODEL_MSTATE_SUSPENDED;
	c->mirroring.role_sequence++;
	new_fork(m, c, s->instance);
	return 0;
}

static int simple_copy_step(struct model *m, const struct plan_step *s)
{
	struct model_db *c;
	int rc = need_copy(m, s->instance, s->database, &c);

	if (rc)
		return rc;
	switch (s->kind) {
	case PLAN_SQL_END_SESSIONS:
		c->user_sessions = 0;
		return 0;
	case PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY:
		if (!c->ls_secondary.configured)
			return err_set(ERR_CONFLICT,
			               "'%s' on '%s' is not a log shipping "
			               "secondary",
			               s->database, s->instance);
		memset(&c->ls_secondary, 0, sizeof(c->ls_secondary));
		return 0;
	case PLAN_SQL_DROP_LOG_SHIPPING_PRIMARY:
		if (!c->ls_primary.configured)
			return err_set(ERR_CONFLICT, "'%s' on '%s' is not a log shipping primary",
			               s->database, s->instance);
		memset(&c->ls_primary, 0, sizeof(c->ls_primary));
		return 0;
	default: /* PLAN_SQL_SAFETY_BACKUP */
		if (c->state != MODEL_DB_ONLINE)
			return err_set(ERR_CONFLICT, "'%s' on '%s' is not ONLINE", s->database,
			               s->instance);
		c->safety_backup_taken = true;
		return 0;
	}
}

static int seed_guard(struct model *m, const struct plan_step *s, struct model_db **src)
{
	struct model_instance *t = model_instance(m, s->peer);
	struct model_db *dst;
	int rc = need_copy(m, s->instance, s->database, src);

	if (rc)
		return rc;
	if (!model_db_writable(*src))
		return err_set(ERR_CONFLICT, "seed source '%s' on '%s' is not writable",
		               s->database, s->instance);
	if (!t || !t->reachable)
		return err_set(ERR_UNREACHABLE, "instance '%s' is unreachable", s->peer);
	dst = model_db(t, s->database);
	if (dst && dst->mirroring.role != MODEL_ROLE_NONE)
		return err_set(ERR_CONFLICT, "'%s' on '%s' is mirrored", s->database, s->peer);
	if (dst && dst->is_in_standby && dst->user_sessions)
		return err_set(ERR_CONFLICT, "'%s' on '%s' has user sessions", s->database,
		               s->peer);
	if (dst && dst->state == MODEL_DB_ONLINE && !dst->is_in_standby &&
	    !dst->safety_backup_taken)
		return err_set(ERR_CONFLICT, "'%s' on '%s' is ONLINE and has no safety backup",
		               s->database, s->peer);
	return 0;
}

static int seed(struct model *m, const struct plan_step *s)
{
	struct model_db *src, *dst;
	struct model_instance *t;
	struct model_lsn first, fork_lsn;
	const char *lsn, *first_fork;
	int rc = seed_guard(m, s, &src);

	if (rc)
		return rc;
	t = model_instance(m, s->peer);
	first = backup_start(model_instance(m, s->instance), src, s->database, &first_fork,
	                     &fork_lsn);
	lsn = model_lsn_str(m->arena, src->lsn);
	share_add(m, s->database, arena_sprintf(m->arena, "%s_seed_%s.bak", s->database, lsn), 'D',
	          first, src->lsn, src->fork, NULL, model_lsn_u64(0));
	share_add(m, s->database, arena_sprintf(m->arena, "%s_seed_%s.trn", s->database, lsn), 'L',
	          first, src->lsn, src->fork, first_fork, fork_lsn);
	dst = model_db(t, s->database);
	if (!dst) {
		dst = model_add_db(m, t, s->database);
		src = model_copy_of(m, s->instance, s->database);
	}
	dst->state = MODEL_DB_RESTORING;
	dst->is_in_standby = false;
	dst->recovery = src->recovery;
	dst->fork = src->fork;
	dst->fork_parent = src->fork_parent;
	dst->fork_lsn = src->fork_lsn;
	dst->lsn = src->lsn;
	dst->user_sessions = 0;
	dst->safety_backup_taken = false;
	return 0;
}

static int establish_mirroring(struct model *m, const struct plan_step *s)
{
	struct model_db *p, *r;
	struct chain_result cr;
	int rc = need_copy(m, s->instance, s->database, &p);

	if (!rc)
		rc = need_copy(m, s->peer, s->database, &r);
	if (rc)
		return rc;
	if (p->mirroring.role == MODEL_ROLE_PRINCIPAL &&
	    model_same_name(p->mirroring.partner, s->peer) &&
	    r->mirroring.role == MODEL_ROLE_MIRROR) {
		p->mirroring.safety = r->mirroring.safety = MODEL_SAFETY_FULL;
		return 0;
	}
	chain_walk(model_instance(m, s->peer), s->database, r->lsn, r->fork, p->fork, &cr);
	if (!model_db_writable(p) || p->mirroring.role != MODEL_ROLE_NONE ||
	    p->recovery == MODEL_RECOVERY_SIMPLE || r->state != MODEL_DB_RESTORING ||
	    r->mirroring.role != MODEL_ROLE_NONE || !model_lineage_ok(r, p) || cr.n_logs)
		return err_set(ERR_CONFLICT,
		               "'%s' on '%s' is not a RESTORING copy on the chain of "
		               "'%s' with every log backup restored",
		               s->database, s->peer, s->instance);
	p->mirroring =
	        (struct model_mirroring){MODEL_ROLE_PRINCIPAL, MODEL_MSTATE_SYNCHRONIZED, s->peer,
	                                 MODEL_SAFETY_FULL, p->mirroring.role_sequence + 1};
	r->mirroring =
	        (struct model_mirroring){MODEL_ROLE_MIRROR, MODEL_MSTATE_SYNCHRONIZED, s->instance,
	                                 MODEL_SAFETY_FULL, r->mirroring.role_sequence + 1};
	r->lsn = p->lsn;
	r->fork = p->fork;
	r->fork_parent = p->fork_parent;
	r->fork_lsn = p->fork_lsn;
	return 0;
}

static void set_primary_config(struct model *m, struct model_db *db, const struct plan_step *s)
{
	const char *names[1] = {s->peer};

	db->ls_primary.configured = true;
	db->ls_primary.job_disabled = false;
	db->ls_primary.backup_share = s->share;
	model_set_ls_secondaries(m, db, names, 1);
}

static int configure_log_shipping(struct model *m, const struct plan_step *s)
{
	struct model_db *p, *r = NULL, *sec;
	int rc = need_copy(m, s->instance, s->database, &p);

	if (!rc && s->peer2)
		rc = need_copy(m, s->peer2, s->database, &r);
	if (!rc)
		rc = need_copy(m, s->peer, s->database, &sec);
	if (rc)
		return rc;
	if (!model_db_writable(p) || p->recovery == MODEL_RECOVERY_SIMPLE ||
	    !model_db_restoring(sec) || !model_lineage_ok(sec, p))
		return err_set(ERR_CONFLICT,
		               "'%s' on '%s' is not a RESTORING copy on the chain of "
		               "'%s'",
		               s->database, s->peer, s->instance);
	set_primary_config(m, p, s);
	if (r)
		set_primary_config(m, r, s);
	sec->ls_secondary.configured = true;
	sec->ls_secondary.job_disabled = false;
	sec->ls_secondary.primary = s->instance;
	sec->ls_secondary.last_restored_lsn = sec->lsn;
	return 0;
}

int effects_apply(struct model *m, const struct plan_step *s)
{
	switch (s->kind) {
	case PLAN_POOL_SET_ACTIVE_SERVERS:
	case PLAN_POOL_SET_STATE:
		return pool_step(m, s);
	case PLAN_SQL_TAIL_LOG_BACKUP:
		return tail_log_backup(m, s);
	case PLAN_SQL_CATCH_UP:
		return catch_up(m, s);
	case PLAN_SQL_RECOVER:
		return recover(m, s);
	case PLAN_SQL_REMOVE_MIRRORING:
		return remove_mirroring(m, s);
	case PLAN_SQL_MIRROR_FAILOVER:
		return mirror_failover(m, s);
	case PLAN_SQL_FORCE_SERVICE:
		return force_service(m, s);
	case PLAN_SQL_SEED:
		return seed(m, s);
	case PLAN_SQL_ESTABLISH_MIRRORING:
		return establish_mirroring(m, s);
	case PLAN_SQL_CONFIGURE_LOG_SHIPPING:
		return configure_log_shipping(m, s);
	case PLAN_SQL_END_SESSIONS:
	case PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY:
	case PLAN_SQL_DROP_LOG_SHIPPING_PRIMARY:
	case PLAN_SQL_SAFETY_BACKUP:
		return simple_copy_step(m, s);
	default:
		return err_set(ERR_INVALID, "unknown step kind %d", (int)s->kind);
	}
}
