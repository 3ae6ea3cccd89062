/*
 * apply_exec: the scheduler and one step's run (apply.h). Steps run in
 * plan order, phase by phase: a wave is the first pending step that is
 * not blocked plus the later pending steps of the same phase whose
 * dependencies are done and whose instances (and the pool) it does not
 * share (database-scoped steps on different databases excepted); a
 * wave runs on one thread per step, and the next wave starts when it
 * has finished. The first failure stops the run: what had not
 * started is `not_run`. A SIGINT or SIGTERM lets the running steps end
 * and starts nothing new. One step: check the lease epoch, observe what
 * it touches, skip it when its postcondition already holds, refuse it
 * when its precondition does not, run it (poolcmd or steps_run), wait
 * for its postcondition. Nothing is rolled back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "providers/pool/poolcmd.h"
#include "reconciler/engine/apply_int.h"
#include "util/err.h"
#include "util/xalloc.h"

#define APPLY_MAX_WAVE 16

const char *apply_result_name(enum apply_result r)
{
	static const char *names[] = {"pending", "succeeded", "failed",     "skipped",
	                              "not_run", "blocked",   "interrupted"};

	return names[r];
}

const char *apply_targets(char *buf, size_t size, const struct plan_step *s)
{
	size_t off = 0;

	buf[0] = '\0';
	if (s->kind == PLAN_POOL_SET_STATE)
		snprintf(buf, size, "%s", model_pool_state_name(s->pool_state));
	else if (s->kind == PLAN_POOL_SET_ACTIVE_SERVERS) {
		off += (size_t)snprintf(buf, size, "[");
		for (size_t i = 0; i < s->n_servers && off < size; i++)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
			                        s->servers[i]);
		if (off < size)
			snprintf(buf + off, size - off, "%s]", s->n_servers ? "" : "none");
	} else {
		snprintf(buf, size, "%s on %s%s%s%s%s", s->database ? s->database : "",
		         s->instance ? s->instance : "", s->peer ? " -> " : "",
		         s->peer ? s->peer : "", s->peer2 ? " + " : "", s->peer2 ? s->peer2 : "");
	}
	return buf;
}

static void utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct step_job {
	struct apply_ctx *c;
	size_t idx;
};

static void on_progress(void *ctx, const char *instance, int percent)
{
	struct step_job *j = ctx;

	progress_step_percent(j->c->progress, j->idx + 1, instance, percent);
	/* a long backup must not outlive the lease */
	apply_renew(j->c, lock_renew_interval_ms(j->c->lock));
}

static int run_pool(struct apply_ctx *c, const struct plan_step *s)
{
	const struct config_pool *cp = config_pool(c->p->config, c->pp->spec->name);
	struct poolcmd cmd = {c->pp->spec->name, c->pp->spec->identity, cp ? cp->command : NULL,
	                      cp ? (int)cp->timeout_s * 1000 : 0};

	if (!cp)
		return err_set(ERR_NOTFOUND, "no pool command for '%s'", c->pp->spec->name);
	if (s->kind == PLAN_POOL_SET_STATE)
		return poolcmd_set_state(&cmd, s->pool_state == MODEL_POOL_FAILED_OVER
		                                       ? POOLCMD_FAILED_OVER
		                                       : POOLCMD_NORMAL);
	return poolcmd_set_active_servers(&cmd, s->servers, s->n_servers);
}

static void steps_env_of(struct steps_env *env, struct apply_ctx *c, const struct plan_step *s,
                         const struct model *fresh)
{
	const struct model_db *dst = s->peer ? model_copy_of(fresh, s->peer, s->database) : NULL;

	memset(env, 0, sizeof(*env));
	env->backup_share = c->pp->spec->log_shipping.backup_share
	                            ? c->pp->spec->log_shipping.backup_share
	                            : (s->share ? s->share : "");
	env->copy_to = c->pp->spec->log_shipping.copy_to;
	env->interval_s = c->pp->spec->log_shipping.interval_seconds;
	env->stamp = c->stamp;
	/* The planner seeds an existing copy only to overwrite it (its guard
	 * demands a safety backup first when the copy is ONLINE). */
	env->replace = s->kind == PLAN_SQL_SEED && dst && dst->state != MODEL_DB_ABSENT;
}

/* A catch-up after a tail-log backup of this apply must reach the tail's LastLSN. */
static void tail_lsn(const struct apply_ctx *c, struct plan_step *s)
{
	for (size_t d = 0; s->kind == PLAN_SQL_CATCH_UP && d < s->n_deps; d++) {
		const struct plan_step *dep = &c->plan->steps[s->deps[d]];
		const struct apply_step *st = &c->steps[s->deps[d]];
		struct model_lsn lsn;

		if (dep->kind == PLAN_SQL_TAIL_LOG_BACKUP && st->result == APPLY_SUCCEEDED &&
		    st->outcome.lsn && model_lsn_parse(&lsn, st->outcome.lsn) == 0 &&
		    (!s->has_lsn || model_lsn_cmp(lsn, s->lsn) > 0)) {
			s->has_lsn = true;
			s->lsn = lsn;
		}
	}
}

static int run_sql(struct apply_ctx *c, struct step_job *j, const struct plan_step *planned,
                   const struct model *fresh)
{
	struct plan_step step = *planned, *s = &step;

	const char *names[3] = {s->instance, s->peer, s->peer2};
	struct mssql_target targets[3];
	struct config_instance scratch[3];
	struct apply_step *st = &c->steps[j->idx];
	struct steps_env env;
	struct steps_io io;
	struct steps_conn *conn;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < 3; i++)
		if (names[i]) {
			apply_target(&targets[n], &scratch[n], c->p->config, names[i]);
			n++;
		}
	tail_lsn(c, s);
	steps_env_of(&env, c, s, fresh);
	if (!*env.backup_share &&
	    (s->kind == PLAN_SQL_SEED || s->kind == PLAN_SQL_TAIL_LOG_BACKUP ||
	     s->kind == PLAN_SQL_SAFETY_BACKUP || s->kind == PLAN_SQL_CATCH_UP))
		return err_set(ERR_INVALID,
		               "%s needs a backup share, and the spec names none "
		               "(logShipping: none)",
		               plan_step_kind_name(s->kind));
	conn = steps_conn_new(targets, n, on_progress, j);
	steps_conn_io(&io, conn);
	rc = steps_run(&st->outcome, s, &env, &io);
	steps_conn_free(conn);
	if (rc == 0 && s->kind == PLAN_SQL_SAFETY_BACKUP) {
		pthread_mutex_lock(&c->safety_mu);
		c->safety_taken = xrealloc(c->safety_taken,
		                           (c->n_safety_taken + 1) * sizeof(*c->safety_taken));
		c->safety_taken[c->n_safety_taken++] =
		        arena_sprintf(&st->outcome.arena, "%s/%s", s->instance, s->database);
		pthread_mutex_unlock(&c->safety_mu);
	}
	return rc;
}

/*
 * The newest backup of `db` that `inst` wrote to the share, from the
 * observation the plan was made from; NULL when there is none.
 */
static const char *newest_on_share(struct apply_ctx *c, const char *inst, const char *db)
{
	const struct model_instance *mi = model_instance(&c->pp->observed, inst);
	const char *share = c->pp->spec->log_shipping.backup_share;
	const struct model_backup *best = NULL;
	size_t n = share ? strlen(share) : 0;

	for (size_t i = 0; mi && n && i < mi->n_backups; i++) {
		const struct model_backup *b = &mi->backups[i];

		if (b->file && !strcmp(b->database, db) && !strncasecmp(b->file, share, n) &&
		    (!best || model_lsn_cmp(b->last_lsn, best->last_lsn) > 0))
			best = b;
	}
	return best ? best->file : NULL;
}

/*
 * Can `instance` read `file` on the share (RESTORE HEADERONLY)? 0, or the
 * error (err_last set). xp_dirtree cannot tell: an unreachable share
 * lists as an empty folder, as in SQL Server.
 */
static int share_readable(struct apply_ctx *c, const char *instance, const char *file)
{
	struct config_instance scratch;
	struct mssql_target t;
	struct steps_outcome out;
	struct mssql_result res;
	struct steps_conn *conn;
	struct steps_io io;
	struct sqlquote q;
	int rc;

	apply_target(&t, &scratch, c->p->config, instance);
	conn = steps_conn_new(&t, 1, NULL, NULL);
	steps_conn_io(&io, conn);
	steps_outcome_init(&out);
	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_headeronly(&q, file);
	if ((rc = steps_exec(&out, &io, instance, &q, &res, "RESTORE HEADERONLY")) < 0) {
		char why[768];

		snprintf(why, sizeof(why), "%s", out.error ? out.error : err_last());
		rc = err_set(ERR_UNREACHABLE, "'%s' cannot read the backup share (%s)", instance,
		             why);
	}
	sqlquote_release(&q);
	mssql_result_release(&res);
	steps_outcome_release(&out);
	steps_conn_free(conn);
	return rc;
}

/*
 * A tail-log backup demotes the authority; the catch-up that follows it
 * reads the tail from the share on its target. When that target cannot
 * list the share (a partition), demoting would leave no writable copy
 * until the link comes back: refuse instead, naming both.
 */
int apply_check_tail_target(struct apply_ctx *c, const struct plan_step *tail)
{
	const char *file = newest_on_share(c, tail->instance, tail->database);

	for (size_t i = 0; file && i < c->plan->n_steps; i++) {
		const struct plan_step *s = &c->plan->steps[i];
		int rc;

		if (s->kind != PLAN_SQL_CATCH_UP || s->blocked || !s->peer ||
		    !model_same_name(s->peer, tail->instance) || !s->database ||
		    strcmp(s->database, tail->database))
			continue;
		if ((rc = share_readable(c, s->instance, file)) < 0) {
			char why[1024];

			snprintf(why, sizeof(why), "%s", err_last());
			return err_set(rc,
			               "not demoting '%s' on '%s': %s; its catch-up could not read "
			               "the tail-log backup",
			               tail->database, tail->instance, why);
		}
	}
	return 0;
}

static int check_epoch(struct apply_ctx *c)
{
	int rc;

	pthread_mutex_lock(&c->lock_mu);
	rc = lock_check_epoch(c->lock);
	pthread_mutex_unlock(&c->lock_mu);
	return rc;
}

/* Guards, run, postcondition. 0, or the error (err_last set). */
static int step_body(struct apply_ctx *c, struct step_job *j, const struct plan_step *s,
                     bool *skipped)
{
	struct arena a = ARENA_INIT;
	struct model fresh;
	int rc;

	*skipped = false;
	if ((rc = check_epoch(c)) < 0)
		return rc;
	apply_observe(&fresh, &a, c, s);
	if (s->kind != PLAN_SQL_SAFETY_BACKUP && apply_done(&fresh, s, true)) {
		*skipped = true;
		goto done;
	}
	if ((rc = apply_precondition(&fresh, s)) < 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err_last()); /* err_set writes where it points */
		rc = err_set(rc, "precondition of %s no longer holds: %s",
		             plan_step_kind_name(s->kind), why);
		goto done;
	}
	if (s->kind == PLAN_SQL_TAIL_LOG_BACKUP &&
	    ((rc = apply_check_tail_target(c, s)) < 0 || (rc = apply_wait_drained(c, s)) < 0))
		goto done;
	if ((rc = check_epoch(c)) < 0)
		goto done;
	rc = s->database ? run_sql(c, j, s, &fresh) : run_pool(c, s);
	if (rc == 0)
		rc = apply_wait_done(c, s);
done:
	arena_release(&a);
	return rc;
}

static void *step_thread(void *arg)
{
	struct step_job *j = arg;
	struct apply_ctx *c = j->c;
	const struct plan_step *s = &c->plan->steps[j->idx];
	struct apply_step *st = &c->steps[j->idx];
	char tg[1024];
	int64_t t0 = now_ms();
	bool skipped;
	int rc;

	err_clear();
	utc_now(st->started_at);
	progress_step_start(c->progress, j->idx + 1, c->plan->n_steps, plan_step_kind_name(s->kind),
	                    apply_targets(tg, sizeof(tg), s));
	rc = step_body(c, j, s, &skipped);
	utc_now(st->finished_at);
	st->ms = now_ms() - t0;
	if (rc < 0) {
		st->result = APPLY_FAILED;
		st->error = xstrdup(err_last());
	} else {
		st->result = skipped ? APPLY_SKIPPED : APPLY_SUCCEEDED;
	}
	progress_step_end(c->progress, j->idx + 1, apply_result_name(st->result), st->ms,
	                  st->error ? st->error
	                  : skipped ? "already done"
	                            : NULL);
	return NULL;
}

/* Steps that act on their database alone: its state, its sessions, its
 * mirroring session, its backup and restore files (named for the database).
 * SQL Server runs such statements for different databases of one instance
 * at the same time. The others also change instance-wide objects (the
 * mirroring endpoint, msdb's log shipping tables and jobs). */
static bool database_scoped(enum plan_step_kind k)
{
	switch (k) {
	case PLAN_SQL_END_SESSIONS:
	case PLAN_SQL_CATCH_UP:
	case PLAN_SQL_TAIL_LOG_BACKUP:
	case PLAN_SQL_RECOVER:
	case PLAN_SQL_REMOVE_MIRRORING:
	case PLAN_SQL_MIRROR_FAILOVER:
	case PLAN_SQL_FORCE_SERVICE:
	case PLAN_SQL_SAFETY_BACKUP:
	case PLAN_SQL_SEED:
		return true;
	default:
		return false;
	}
}

/* Whether two steps may not run at the same time: both pool steps, or SQL
 * steps on a shared instance, unless both are database-scoped and on
 * different databases (two seeds of mgc and mgccomp from one principal). */
static bool share_target(const struct plan_step *a, const struct plan_step *b)
{
	const char *x[3] = {a->instance, a->peer, a->peer2},
	           *y[3] = {b->instance, b->peer, b->peer2};

	if (!a->database || !b->database)
		return !a->database && !b->database;
	if (database_scoped(a->kind) && database_scoped(b->kind) &&
	    !model_same_name(a->database, b->database))
		return false;
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 0; k < 3; k++)
			if (x[i] && y[k] && model_same_name(x[i], y[k]))
				return true;
	return false;
}

static bool deps_done(const struct apply_ctx *c, const struct plan_step *s)
{
	for (size_t d = 0; d < s->n_deps; d++) {
		enum apply_result r = c->steps[s->deps[d]].result;

		if (r != APPLY_SUCCEEDED && r != APPLY_SKIPPED)
			return false;
	}
	return true;
}

/* Pick the next wave into `wave`; returns its size (0: nothing can run). */
static size_t next_wave(const struct apply_ctx *c, size_t wave[APPLY_MAX_WAVE])
{
	size_t n = 0;
	long first = -1;

	for (size_t i = 0; i < c->plan->n_steps && n < APPLY_MAX_WAVE; i++) {
		const struct plan_step *s = &c->plan->steps[i];
		bool clash = false;

		if (c->steps[i].result != APPLY_PENDING)
			continue;
		if (first >= 0 && s->phase != c->plan->steps[first].phase)
			break;
		if (!deps_done(c, s))
			continue;
		for (size_t k = 0; k < n; k++)
			clash = clash || share_target(s, &c->plan->steps[wave[k]]);
		if (clash)
			continue;
		if (first < 0)
			first = (long)i;
		wave[n++] = i;
	}
	return n;
}

static void run_wave(struct apply_ctx *c, const size_t *wave, size_t n)
{
	struct step_job jobs[APPLY_MAX_WAVE];
	pthread_t threads[APPLY_MAX_WAVE];
	bool started[APPLY_MAX_WAVE];

	for (size_t k = 0; k < n; k++) {
		jobs[k] = (struct step_job){c, wave[k]};
		started[k] = n > 1 && pthread_create(&threads[k], NULL, step_thread, &jobs[k]) == 0;
		if (!started[k])
			step_thread(&jobs[k]);
	}
	for (size_t k = 0; k < n; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
}

void apply_renew(struct apply_ctx *c, int64_t every_ms)
{
	int64_t now = now_ms();

	pthread_mutex_lock(&c->lock_mu);
	if (now - c->renewed_ms >= every_ms) {
		(void)lock_renew(c->lock); /* a lost lease is seen by the next epoch check */
		c->renewed_ms = now;
	}
	pthread_mutex_unlock(&c->lock_mu);
}

int apply_exec(struct apply_ctx *c)
{
	size_t wave[APPLY_MAX_WAVE], n;
	int rc = 0;

	for (size_t i = 0; i < c->plan->n_steps; i++)
		c->steps[i].result = c->plan->steps[i].blocked ? APPLY_BLOCKED : APPLY_PENDING;
	while (!apply_interrupted && (n = next_wave(c, wave)) > 0) {
		run_wave(c, wave, n);
		for (size_t k = 0; k < n; k++)
			if (c->steps[wave[k]].result == APPLY_FAILED && rc == 0)
				rc = err_set(ERR_GENERIC, "step %zu (%s) failed: %s", wave[k] + 1,
				             plan_step_kind_name(c->plan->steps[wave[k]].kind),
				             c->steps[wave[k]].error);
		if (rc < 0)
			break;
		apply_renew(c, 0);
	}
	for (size_t i = 0; i < c->plan->n_steps; i++)
		if (c->steps[i].result == APPLY_PENDING)
			c->steps[i].result = apply_interrupted ? APPLY_INTERRUPTED : APPLY_NOT_RUN;
	return rc;
}
