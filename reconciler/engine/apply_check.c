/*
 * apply_check: a step's guards on fresh observations (apply.h). Before a
 * step runs, the instances it touches (and the pool, for a pool step)
 * are observed again, alone, and turned into a model with the same
 * converter the planner's observation uses. The precondition is the
 * planner's own guard (effects_apply on a copy of that model), except
 * for catch-up, whose chain is read from the share by the step itself
 * (the observed backup sets are each instance's msdb rows, which do not
 * show what another instance wrote to the share). The postcondition is
 * what the step is for, read from the model: it is also how a step
 * that already ran (a crash, a re-run) is recognised and skipped, and
 * what apply waits for after SQL Server accepted a statement whose
 * effect is asynchronous (SET PARTNER: SYNCHRONIZING, then SYNCHRONIZED).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "providers/mssql/observe.h"
#include "providers/pool/poolcmd.h"
#include "reconciler/core/effects.h"
#include "reconciler/engine/apply_int.h"
#include "reconciler/plan/observed.h"
#include "util/err.h"
#include "util/xalloc.h"

#define APPLY_POLL_MS 1000
#define APPLY_GONE_S  10 /* what a step touches silent this long ends the wait */

static enum mssql_tls tls_of(enum config_tls tls)
{
	return tls == CONFIG_TLS_OFF       ? MSSQL_TLS_OFF
	       : tls == CONFIG_TLS_REQUEST ? MSSQL_TLS_REQUEST
	                                   : MSSQL_TLS_REQUIRE;
}

void apply_target(struct mssql_target *t, struct config_instance *scratch, const struct config *cfg,
                  const char *name)
{
	const struct config_instance *ci = config_instance(cfg, name, scratch);

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->address = ci->address;
	t->server = ci->server;
	t->tls = tls_of(ci->tls);
	t->login_timeout_s = ci->login_timeout_s;
	t->query_timeout_s = ci->query_timeout_s;
	t->user = ci->credentials ? ci->credentials->user : NULL;
	t->password = ci->credentials ? ci->credentials->password : NULL;
}

static bool is_pool(const struct plan_step *s)
{
	return s->kind == PLAN_POOL_SET_ACTIVE_SERVERS || s->kind == PLAN_POOL_SET_STATE;
}

static void pool_of(struct poolcmd *cmd, struct apply_ctx *c)
{
	const struct config_pool *cp = config_pool(c->p->config, c->pp->spec->name);

	memset(cmd, 0, sizeof(*cmd));
	cmd->name = c->pp->spec->name;
	cmd->identity = c->pp->spec->identity;
	cmd->argv = cp ? cp->command : NULL;
	cmd->timeout_ms = cp ? (int)cp->timeout_s * 1000 : 0;
}

static void mark_safety(struct model *m, struct apply_ctx *c)
{
	pthread_mutex_lock(&c->safety_mu);
	for (size_t i = 0; i < c->n_safety_taken; i++) {
		const char *key = c->safety_taken[i], *slash = strchr(key, '/');
		struct model_instance *inst;
		char name[512];
		struct model_db *db;

		snprintf(name, sizeof(name), "%.*s", (int)(slash - key), key);
		inst = model_instance(m, name);
		if (inst && (db = model_db(inst, slash + 1)) != NULL)
			db->safety_backup_taken = true;
	}
	pthread_mutex_unlock(&c->safety_mu);
}

void apply_observe(struct model *out, struct arena *arena, struct apply_ctx *c,
                   const struct plan_step *s)
{
	const char *names[3] = {s->instance, s->peer, s->peer2};
	struct mssql_target targets[3];
	struct config_instance scratch[3];
	struct mssql_facts facts[3];
	const struct model *d = &c->pp->desired;
	const char **dbs = xcalloc(d->topo.n_databases + 1, sizeof(*dbs));
	struct mssql_observe_request req = {0};
	struct poolcmd_status st = POOLCMD_STATUS_INIT;
	struct observed_input in = {0};
	struct poolcmd cmd;
	char perr[512] = "the pool was not observed";
	size_t n = 0;
	int prc = -1;

	for (size_t i = 0; i < d->topo.n_databases; i++)
		dbs[i] = d->topo.databases[i].name;
	req.databases = dbs;
	req.n_databases = d->topo.n_databases;
	for (size_t i = 0; !is_pool(s) && i < 3; i++)
		if (names[i]) {
			apply_target(&targets[n], &scratch[n], c->p->config, names[i]);
			n++;
		}
	if (n)
		mssql_observe_all(facts, targets, n, &req, 3);
	if (is_pool(s)) {
		pool_of(&cmd, c);
		prc = cmd.argv ? poolcmd_get(&st, &cmd) : ERR_NOTFOUND;
		if (prc != 0) /* the command's own words (copied into the model) */
			snprintf(perr, sizeof(perr), "%s",
			         cmd.argv ? err_last() : "no pool command");
	}
	in.desired = d;
	in.facts = facts;
	in.n_facts = n;
	in.pool = prc == 0 ? &st : NULL;
	in.pool_error = prc == 0 ? NULL : perr;
	in.now = (int64_t)time(NULL);
	in.ping_window_s = PIPELINE_PING_WINDOW_S;
	observed_from_facts(out, arena, &in);
	mark_safety(out, c);
	for (size_t i = 0; i < n; i++)
		mssql_facts_release(&facts[i]);
	poolcmd_status_release(&st);
	free(dbs);
}

static bool same_servers(const struct model_pool *pool, const struct plan_step *s)
{
	if (pool->n_active_servers != s->n_servers)
		return false;
	for (size_t i = 0; i < s->n_servers; i++) {
		bool found = false;

		for (size_t j = 0; j < pool->n_active_servers; j++)
			found = found || model_same_name(s->servers[i], pool->active_servers[j]);
		if (!found)
			return false;
	}
	return true;
}

static bool has_secondary(const struct model_db *db, const char *peer)
{
	for (size_t i = 0; db && i < db->ls_primary.n_secondaries; i++)
		if (model_same_name(db->ls_primary.secondaries[i], peer))
			return true;
	return false;
}

static bool mirrored_done(const struct model_db *p, const struct plan_step *s)
{
	return p && p->mirroring.role == MODEL_ROLE_PRINCIPAL &&
	       model_same_name(p->mirroring.partner, s->peer) &&
	       p->mirroring.safety == MODEL_SAFETY_FULL &&
	       p->mirroring.state == MODEL_MSTATE_SYNCHRONIZED;
}

/*
 * Log shipping is in place when both sides are configured and none of its
 * jobs is disabled: the backup job on the primary and on its mirror (which
 * keeps the primary configuration), the copy and restore jobs on the
 * secondary. A job switched off by hand is drift the step corrects.
 */
static bool log_shipping_done(const struct model *m, const struct plan_step *s,
                              const struct model_db *c, const struct model_db *peer)
{
	const struct model_db *mirror =
	        s->peer2 && s->database ? model_copy_of(m, s->peer2, s->database) : NULL;

	if (!c || !c->ls_primary.configured || c->ls_primary.job_disabled ||
	    !has_secondary(c, s->peer))
		return false;
	if (!peer || !peer->ls_secondary.configured || peer->ls_secondary.job_disabled)
		return false;
	return !mirror || !mirror->ls_primary.job_disabled;
}

bool apply_done(const struct model *m, const struct plan_step *s, bool before)
{
	const struct model_db *c = s->database ? model_copy_of(m, s->instance, s->database) : NULL;
	const struct model_db *peer =
	        s->peer && s->database ? model_copy_of(m, s->peer, s->database) : NULL;

	switch (s->kind) {
	case PLAN_POOL_SET_ACTIVE_SERVERS:
		return m->pool.reachable && same_servers(&m->pool, s);
	case PLAN_POOL_SET_STATE:
		return m->pool.reachable && m->pool.state == s->pool_state;
	case PLAN_SQL_END_SESSIONS:
		return c && c->user_sessions == 0;
	case PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY:
		return c && !c->ls_secondary.configured;
	case PLAN_SQL_DROP_LOG_SHIPPING_PRIMARY:
		return c && !c->ls_primary.configured;
	case PLAN_SQL_CATCH_UP: /* before: never skipped, it restores what is there (a
	                         * switchover's tail may end past the LSN planned) */
		return !before && c && s->has_lsn && model_db_restoring(c) &&
		       model_lsn_cmp(c->lsn, s->lsn) >= 0;
	case PLAN_SQL_TAIL_LOG_BACKUP:
		return c && c->state == MODEL_DB_RESTORING;
	case PLAN_SQL_SEED: /* before: never skipped, the planner reseeds only a copy
	                     * that is off the chain, which a RESTORING state does not show */
		return !before && peer && peer->state == MODEL_DB_RESTORING;
	case PLAN_SQL_RECOVER:
		return c && c->state == MODEL_DB_ONLINE && !c->is_in_standby;
	case PLAN_SQL_REMOVE_MIRRORING:
		return c && c->mirroring.role == MODEL_ROLE_NONE;
	case PLAN_SQL_MIRROR_FAILOVER:
		return peer && peer->mirroring.role == MODEL_ROLE_PRINCIPAL;
	case PLAN_SQL_FORCE_SERVICE:
		return c && c->mirroring.role == MODEL_ROLE_PRINCIPAL;
	case PLAN_SQL_SAFETY_BACKUP:
		return c && c->safety_backup_taken;
	case PLAN_SQL_ESTABLISH_MIRRORING:
		return mirrored_done(c, s);
	case PLAN_SQL_CONFIGURE_LOG_SHIPPING:
		return log_shipping_done(m, s, c, peer);
	default:
		return false;
	}
}

int apply_precondition(const struct model *m, const struct plan_step *s)
{
	struct arena a = ARENA_INIT;
	struct model copy;
	const struct model_db *c;
	int rc = 0;

	if (s->kind == PLAN_SQL_CATCH_UP) {
		c = model_copy_of(m, s->instance, s->database);
		if (!model_instance(m, s->instance) || !model_instance(m, s->instance)->reachable)
			return err_set(ERR_UNREACHABLE, "instance '%s' is unreachable",
			               s->instance);
		if (!c || !model_db_restoring(c) || c->mirroring.role != MODEL_ROLE_NONE)
			return err_set(ERR_CONFLICT,
			               "'%s' on '%s' is not RESTORING outside mirroring",
			               s->database, s->instance);
		return 0;
	}
	model_copy(&copy, &a, m);
	rc = effects_apply(&copy, s);
	arena_release(&a);
	return rc;
}

/* Only the postconditions SQL Server reaches later need a wait. */
/* Into `why`: what the step touches that did not answer in `m`; false when all did. */
static bool touched_silent(const struct model *m, const struct plan_step *s, char *why, size_t size)
{
	const char *names[3] = {s->instance, s->peer, s->peer2};

	if (!s->database) {
		if (m->pool.reachable)
			return false;
		snprintf(why, size, "the pool command stopped answering (%s)",
		         m->pool.unreachable_reason ? m->pool.unreachable_reason
		                                    : "no reason given");
		return true;
	}
	for (size_t i = 0; i < 3; i++) {
		const struct model_instance *inst = names[i] ? model_instance(m, names[i]) : NULL;

		if (inst && !inst->reachable) {
			snprintf(why, size, "'%s' stopped answering (%s)", inst->name,
			         inst->unreachable_reason ? inst->unreachable_reason
			                                  : "no reason given");
			return true;
		}
	}
	return false;
}

/*
 * Poll until the postcondition is observed, up to wait_s. What the step
 * touches (an instance, the pool) not answering for APPLY_GONE_S in a
 * row ends the wait early, saying so: the effect cannot be observed, and
 * waiting the full time would only hide why.
 */
int apply_wait_done(struct apply_ctx *c, const struct plan_step *s)
{
	struct timespec t0, t, gone = {0, 0};
	int rc = ERR_TIMEOUT;
	char why[768];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct arena a = ARENA_INIT;
		struct model m;
		bool done, silent;

		apply_observe(&m, &a, c, s);
		done = apply_done(&m, s, false);
		silent = !done && touched_silent(&m, s, why, sizeof(why));
		arena_release(&a);
		if (done)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (!silent)
			gone.tv_sec = 0;
		else if (!gone.tv_sec)
			gone = t;
		else if (t.tv_sec - gone.tv_sec >= APPLY_GONE_S)
			return err_set(ERR_UNREACHABLE,
			               "%s ran, but %s before its effect could be observed",
			               plan_step_kind_name(s->kind), why);
		if (apply_interrupted)
			return err_set(ERR_CONFLICT, "interrupted while waiting for %s to complete",
			               plan_step_kind_name(s->kind));
		if (t.tv_sec - t0.tv_sec >= (time_t)c->wait_s)
			break;
		apply_renew(c, lock_renew_interval_ms(c->lock)); /* a long wait keeps the lease */
		usleep(APPLY_POLL_MS * 1000);
	}
	return err_set(rc, "%s ran, but its effect was not observed within %us",
	               plan_step_kind_name(s->kind), c->wait_s);
}

/*
 * A tail-log backup needs the authority to itself (3101 otherwise): the
 * fence stops new work, and this waits, up to the postcondition timeout,
 * for the pool's remaining sessions to leave; it is also how apply checks
 * that the fence held.
 */
int apply_wait_drained(struct apply_ctx *c, const struct plan_step *s)
{
	struct timespec t0, t;
	unsigned left = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct arena a = ARENA_INIT;
		struct model m;
		const struct model_db *db;

		apply_observe(&m, &a, c, s);
		db = model_copy_of(&m, s->instance, s->database);
		left = db ? db->user_sessions : 0;
		arena_release(&a);
		if (!left)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (apply_interrupted || t.tv_sec - t0.tv_sec >= (time_t)c->wait_s)
			break;
		apply_renew(c, lock_renew_interval_ms(c->lock)); /* a long wait keeps the lease */
		usleep(APPLY_POLL_MS * 1000);
	}
	return err_set(ERR_CONFLICT,
	               "%u session%s still use '%s' on '%s' after the fence: the fence did not "
	               "hold within %us",
	               left, left == 1 ? "" : "s", s->database, s->instance, c->wait_s);
}
