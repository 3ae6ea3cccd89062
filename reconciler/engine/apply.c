/*
 * apply: the flow of one apply (apply.h): lock, fresh plan (or saved
 * plan checked against a fresh observation), no replay, the plan shown
 * and approved, the intent record, the steps (apply_exec.c), the
 * observation after, the final record, the lock released. The plan is
 * printed to stdout; progress goes where progress.h says; errors and
 * the state left behind by a failure go to stderr.
 */
#include "reconciler/engine/apply.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reconciler/audit/audit.h"
#include "reconciler/core/planner.h"
#include "reconciler/core/render.h"
#include "reconciler/engine/apply_int.h"
#include "reconciler/plan/plan_json.h"
#include "util/err.h"
#include "util/xalloc.h"

volatile sig_atomic_t apply_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	apply_interrupted = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* db-lib and runcmd keep reading */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int take_lock(struct apply_ctx *c)
{
	struct lock_options lo = LOCK_OPTIONS_INIT;
	char *dir = NULL;
	int rc, wait_s = c->opts->lock_timeout_s;

	if ((rc = lock_default_dir(&dir, NULL)) < 0)
		return rc;
	lo.dir = dir;
	lo.name = c->pp->spec->name;
	lo.ttl_ms = (int64_t)c->p->config->lock.ttl_s * 1000;
	lo.wait_ms = (int64_t)(wait_s < 0 ? (int)c->p->config->lock.wait_s : wait_s) * 1000;
	rc = lock_acquire(&c->lock, &lo);
	free(dir);
	return rc;
}

/* The saved plan still describes this world: same commit, same facts, same plan. */
static int check_saved(struct apply_ctx *c, const json_t *saved)
{
	const char *commit =
	        json_string_value(json_object_get(json_object_get(saved, "spec"), "commit"));
	const json_t *facts = json_object_get(json_object_get(saved, "fingerprint"), "facts");
	struct strbuf moved = STRBUF_INIT;
	json_t *now;
	int rc = 0;

	if (!commit || strcmp(commit, c->p->specs->commit.id)) {
		fprintf(stderr,
		        "pcdr apply: the saved plan was made at spec commit %.12s, the spec "
		        "is now at %.12s\n",
		        commit ? commit : "(none)", c->p->specs->commit.id);
		return err_set(ERR_STALE, "the saved plan is stale: the spec commit moved");
	}
	if (facts && apply_facts_moved(facts, &c->pp->observed, &moved) > 0) {
		fprintf(stderr, "pcdr apply: facts the saved plan was made from have moved:\n%s",
		        strbuf_cstr(&moved));
		rc = err_set(ERR_STALE, "the saved plan is stale: re-run pcdr plan");
	}
	now = plan_json(c->plan);
	if (rc == 0 && !json_equal(now, json_object_get(saved, "plan")))
		rc = err_set(ERR_STALE,
		             "the saved plan is stale: the plan made now differs from it");
	json_decref(now);
	strbuf_release(&moved);
	return rc;
}

static int approve(struct apply_ctx *c)
{
	char line[64];
	size_t runnable = c->plan->n_steps - plan_blocked_count(c->plan);

	if (c->opts->auto_approve)
		return 0;
	if (!isatty(STDIN_FILENO))
		return err_set(ERR_INVALID,
		               "refusing to apply %zu step%s without approval: stdin is "
		               "not a terminal (use --auto-approve)",
		               runnable, runnable == 1 ? "" : "s");
	printf("\nApply these %zu step%s to pool '%s'? Only 'yes' is accepted: ", runnable,
	       runnable == 1 ? "" : "s", c->pp->spec->name);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "yes\n"))
		return err_set(ERR_INVALID, "apply cancelled: the answer was not 'yes'");
	return 0;
}

static int check_data_loss(struct apply_ctx *c)
{
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		const struct plan_step *s = &c->plan->steps[i];

		if (!s->blocked && s->risk == PLAN_RISK_DATA_LOSS && !c->allow_data_loss)
			return err_set(ERR_INVALID,
			               "step %zu (%s) may lose data: give --allow-data-loss or set "
			               "policy.allowDataLoss in the spec",
			               i + 1, plan_step_kind_name(s->kind));
	}
	return 0;
}

/*
 * Before anything runs: a planned switchover's catch-up target must be
 * able to read the share the tail-log backup goes to. Checked again
 * right before the demotion (apply_exec.c); here it refuses with nothing
 * changed, the pool not fenced.
 */
static int preflight(struct apply_ctx *c)
{
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		const struct plan_step *s = &c->plan->steps[i];
		int rc;

		if (s->kind == PLAN_SQL_TAIL_LOG_BACKUP && !s->blocked &&
		    (rc = apply_check_tail_target(c, s)) < 0) {
			char why[1024];

			snprintf(why, sizeof(why), "%s", err_last());
			return err_set(rc, "step %zu (%s): %s; nothing was run", i + 1,
			               plan_step_kind_name(s->kind), why);
		}
	}
	return 0;
}

static const char **secrets_of(const struct config *cfg)
{
	const char **v = xcalloc(cfg->n_secrets + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_secrets; i++)
		if (cfg->secrets[i]->password[0])
			v[n++] = cfg->secrets[i]->password;
	return v;
}

static int write_record(struct apply_ctx *c, struct audit *audit, const char *result,
                        const struct model *after)
{
	const char **secrets = secrets_of(c->p->config);
	struct audit_written w;
	json_t *r = apply_record(c, result, after);
	int rc;

	audit_redact(r, secrets);
	rc = audit_record_write(&w, audit, r);
	if (rc == ERR_UNREACHABLE) /* committed locally; the next write pushes it */
		rc = 0;
	json_decref(r);
	free(secrets);
	return rc;
}

/* One copy as the state left shows it: "sqla.dc1.lab RESTORING (MIRROR of sqlb.dc1.lab)". */
static void describe_copy(FILE *out, const struct model_instance *inst, const struct model_db *d)
{
	fprintf(out, "%s %s", inst->name, model_db_state_name(d->state));
	if (d->mirroring.role != MODEL_ROLE_NONE)
		fprintf(out, " (%s of %s)", model_role_name(d->mirroring.role),
		        d->mirroring.partner ? d->mirroring.partner : "?");
	else if (d->ls_secondary.configured)
		fprintf(out, " (log shipping secondary of %s)",
		        d->ls_secondary.primary ? d->ls_secondary.primary : "?");
}

/*
 * The world as the observation after the run saw it: the pool (fenced or
 * not), for each database where it accepts writes (or that nothing
 * does) and every copy, the instances that did not answer, and the
 * demotion token when a tail-log backup ran.
 */
static void describe_world(struct apply_ctx *c, const struct model *after)
{
	const struct model_topology *t = &c->pp->desired.topo;

	if (!after->pool.reachable)
		fprintf(stderr, "  pool: did not answer (%s)\n",
		        after->pool.unreachable_reason ? after->pool.unreachable_reason
		                                       : "unknown");
	else if (after->pool.n_active_servers == 0)
		fprintf(stderr,
		        "  pool: %s, no active server: fenced, no chat server writes until "
		        "an apply lets the spec's servers in\n",
		        model_pool_state_name(after->pool.state));
	else {
		fprintf(stderr, "  pool: %s, active:", model_pool_state_name(after->pool.state));
		for (size_t i = 0; i < after->pool.n_active_servers; i++)
			fprintf(stderr, " %s", after->pool.active_servers[i]);
		fputc('\n', stderr);
	}
	for (size_t k = 0; k < t->n_databases; k++) {
		const char *db = t->databases[k].name, *writable = NULL;
		size_t shown = 0;

		for (size_t i = 0; i < after->n_instances && !writable; i++) {
			const struct model_db *d = model_db(&after->instances[i], db);

			if (after->instances[i].reachable && d && model_db_writable(d))
				writable = after->instances[i].name;
		}
		fprintf(stderr, "  %s: %s%s%s", db, writable ? "writable on " : "",
		        writable ? writable : "no copy that answered accepts writes",
		        writable ? "" : " (no service from it until an apply recovers one)");
		for (size_t i = 0; i < after->n_instances; i++) {
			const struct model_db *d = model_db(&after->instances[i], db);

			if (!after->instances[i].reachable || !d || d->state == MODEL_DB_ABSENT)
				continue;
			fputs(shown++ ? ", " : "; copies: ", stderr);
			describe_copy(stderr, &after->instances[i], d);
		}
		fputc('\n', stderr);
	}
	for (size_t i = 0; i < after->n_instances; i++)
		if (!after->instances[i].reachable)
			fprintf(stderr, "  %s: did not answer (%s)\n", after->instances[i].name,
			        after->instances[i].unreachable_reason
			                ? after->instances[i].unreachable_reason
			                : "unknown");
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		const struct apply_step *st = &c->steps[i];

		if (c->plan->steps[i].kind == PLAN_SQL_TAIL_LOG_BACKUP &&
		    st->result == APPLY_SUCCEEDED && st->outcome.file && st->outcome.lsn)
			fprintf(stderr,
			        "  demotion: %s on %s ends at LSN %s (tail-log backup %s); "
			        "recover from it, never from an older copy\n",
			        c->plan->steps[i].database, c->plan->steps[i].instance,
			        st->outcome.lsn, st->outcome.file);
	}
}

/* What ran and what did not, after a failure or an interruption, and the world it left. */
static void print_state_left(struct apply_ctx *c, const struct model *after)
{
	char tg[1024];

	fprintf(stderr, "state left behind (nothing was rolled back):\n");
	describe_world(c, after);
	fprintf(stderr, "  steps:\n");
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		const struct plan_step *s = &c->plan->steps[i];
		const struct apply_step *st = &c->steps[i];

		fprintf(stderr, "  %2zu. %-11s %s %s%s%s\n", i + 1, apply_result_name(st->result),
		        plan_step_kind_name(s->kind), apply_targets(tg, sizeof(tg), s),
		        st->error ? ": " : "", st->error ? st->error : "");
	}
	fprintf(stderr, "run pcdr plan to see what remains; the next apply continues from here\n");
}

/*
 * Exit 3 says "partially converged"; stderr says why: every blocked step
 * whose reason is its own (not "depends on blocked step N").
 */
static void print_blocked(struct apply_ctx *c)
{
	size_t n = plan_blocked_count(c->plan);
	char tg[1024];

	if (n == 0)
		return;
	fprintf(stderr, "pcdr apply: partially converged: %zu of %zu steps blocked, not run:\n", n,
	        c->plan->n_steps);
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		const struct plan_step *s = &c->plan->steps[i];

		if (!s->blocked || !s->blocked_reason ||
		    !strncmp(s->blocked_reason, "depends on blocked step", 23))
			continue;
		fprintf(stderr, "  step %zu (%s %s): %s\n", i + 1, plan_step_kind_name(s->kind),
		        apply_targets(tg, sizeof(tg), s), s->blocked_reason);
	}
}

/* Observe once more for the final record (pp->observed stays the "before"). */
static void observe_after(struct apply_ctx *c, struct pipeline_pool *tmp)
{
	*tmp = *c->pp;
	memset(&tmp->observed, 0, sizeof(tmp->observed));
	pipeline_observe(c->p, tmp);
}

static void stamp_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y%m%dT%H%M%SZ", &tm);
}

static int run_steps(struct apply_ctx *c, struct audit *audit, struct apply_outcome *out)
{
	struct pipeline_pool after;
	char why[1024], wwhy[1024];
	const char *result;
	int rc, wrc;

	if ((rc = write_record(c, audit, "intent", NULL)) < 0) {
		snprintf(why, sizeof(why), "%s", err_last());
		return err_set(rc, "cannot write the intent record, nothing was run: %s", why);
	}
	progress_event(c->progress, "apply_start", "applying...");
	rc = apply_exec(c);
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		out->steps_run += c->steps[i].started_at[0] != '\0';
		out->steps_failed += c->steps[i].result == APPLY_FAILED;
	}
	out->interrupted = apply_interrupted != 0;
	result = rc < 0 ? "failed" : out->interrupted ? "interrupted" : "succeeded";
	snprintf(why, sizeof(why), "%s", rc < 0 ? err_last() : ""); /* the record clears it */
	observe_after(c, &after);
	wrc = write_record(c, audit, result, &after.observed);
	if (wrc < 0)
		snprintf(wwhy, sizeof(wwhy), "%s", err_last());
	progress_event(c->progress, "apply_end", result);
	if (rc < 0 || out->interrupted)
		print_state_left(c, &after.observed);
	if (rc < 0)
		return err_set(rc, "%s", why);
	if (out->interrupted)
		return err_set(ERR_GENERIC,
		               "interrupted: the running steps finished, no new one started");
	if (wrc < 0)
		return err_set(wrc, "the steps ran but the final record was not written: %s", wwhy);
	return 0;
}

static int apply_pool(struct apply_ctx *c, const json_t *saved, struct apply_outcome *out)
{
	struct audit_options ao = AUDIT_OPTIONS_INIT;
	const char **secrets = secrets_of(c->p->config);
	struct strbuf text = STRBUF_INIT;
	struct audit *audit = NULL;
	struct planner_opts popts = {0};
	struct apply_previous prev;
	char last[41];
	int rc;

	apply_previous_init(&prev);
	if ((rc = take_lock(c)) < 0)
		goto done;
	ao.branch = c->p->config->audit.branch;
	ao.no_push = !c->p->config->audit.push;
	ao.secrets = secrets;
	if ((rc = audit_open(&audit, c->p->src, &ao)) < 0 ||
	    (rc = audit_check_descends(audit, c->pp->spec->name, c->p->specs->commit.id,
	                               c->opts->allow_rewind, last)) < 0 ||
	    (rc = apply_previous_load(&prev, audit, c->p->src, c->p->config->source.folder,
	                              c->pp->spec->name)) < 0)
		goto done;
	pipeline_observe(c->p, c->pp);
	popts.allow_data_loss = c->p->allow_data_loss;
	popts.previous = prev.ok ? &prev.desired : NULL;
	planner_run(&c->pp->plan, &c->pp->desired, &c->pp->observed, &popts);
	c->pp->planned = true;
	if (pipeline_observe_share(c->p, c->pp)) { /* what plan reads too */
		plan_release(&c->pp->plan);
		plan_init(&c->pp->plan);
		planner_run(&c->pp->plan, &c->pp->desired, &c->pp->observed, &popts);
	}
	c->plan = &c->pp->plan;
	c->steps = xcalloc(c->plan->n_steps + 1, sizeof(*c->steps));
	for (size_t i = 0; i < c->plan->n_steps; i++)
		steps_outcome_init(&c->steps[i].outcome);
	if (saved && (rc = check_saved(c, saved)) < 0)
		goto done;
	render_text(c->plan, &text);
	printf("spec commit %s: %s\n%s", c->p->specs->commit.short_id,
	       c->p->specs->commit.subject ? c->p->specs->commit.subject : "", strbuf_cstr(&text));
	fflush(stdout);
	out->steps_blocked += plan_blocked_count(c->plan);
	if (c->plan->status == PLAN_REFUSED) {
		out->refused = true;
		rc = err_set(ERR_INVALID, "the plan is refused: %s",
		             c->plan->refusal ? c->plan->refusal : "see the plan");
		goto done;
	}
	if (c->plan->n_steps == plan_blocked_count(c->plan)) {
		/* a record all the same (every apply leaves one): nothing ran,
		 * and the Steps-Blocked trailer keeps it from being the last
		 * applied spec while steps are blocked */
		for (size_t i = 0; i < c->plan->n_steps; i++)
			c->steps[i].result = APPLY_BLOCKED;
		rc = write_record(c, audit, "succeeded", &c->pp->observed);
		progress_event(c->progress, "apply_end",
		               c->plan->n_steps ? "nothing can run" : "nothing to change");
		goto done;
	}
	if ((rc = check_data_loss(c)) < 0 || (rc = preflight(c)) < 0 || (rc = approve(c)) < 0)
		goto done;
	rc = run_steps(c, audit, out);
done:
	if (rc == 0 && c->plan)
		print_blocked(c);
	for (size_t i = 0; c->steps && i < c->plan->n_steps; i++) {
		steps_outcome_release(&c->steps[i].outcome);
		free(c->steps[i].error);
	}
	free(c->steps);
	c->steps = NULL;
	apply_previous_release(&prev);
	audit_free(audit);
	if (c->lock)
		lock_release(c->lock);
	c->lock = NULL;
	strbuf_release(&text);
	free(secrets);
	return rc;
}

static int load_saved(json_t **out, const char *path)
{
	json_error_t e;
	const char *kind;

	*out = json_load_file(path, 0, &e);
	if (!*out)
		return err_set(ERR_INVALID, "cannot read the saved plan '%s': %s", path, e.text);
	kind = json_string_value(json_object_get(*out, "kind"));
	if (!kind || strcmp(kind, "pcdr-saved-plan") ||
	    !json_is_object(json_object_get(*out, "plan")))
		return err_set(ERR_INVALID, "'%s' is not a saved plan (pcdr plan --out)", path);
	return 0;
}

int apply_run(struct apply_outcome *out, const struct apply_options *opts)
{
	struct pipeline_options po = opts->po;
	struct strbuf problems = STRBUF_INIT;
	struct pipeline p;
	struct apply_ctx c;
	json_t *saved = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	pipeline_init(&p);
	if (opts->plan_file && (rc = load_saved(&saved, opts->plan_file)) < 0)
		goto done;
	if (saved && !po.pool)
		po.pool = json_string_value(json_object_get(saved, "pool"));
	if ((rc = pipeline_load(&p, &po, &problems)) < 0) {
		fputs(strbuf_cstr(&problems), stderr);
		goto done;
	}
	catch_signals();
	c.opts = opts;
	c.p = &p;
	c.progress = progress_new(stdout, opts->mode);
	c.allow_data_loss = opts->po.allow_data_loss;
	c.wait_s = opts->wait_s ? opts->wait_s : APPLY_WAIT_S_DEFAULT;
	stamp_now(c.stamp);
	pthread_mutex_init(&c.lock_mu, NULL);
	pthread_mutex_init(&c.safety_mu, NULL);
	for (size_t i = 0; i < p.n_pools && !apply_interrupted; i++) {
		c.pp = &p.pools[i];
		c.allow_data_loss = opts->po.allow_data_loss || c.pp->spec->policy.allow_data_loss;
		if ((rc = apply_pool(&c, saved, out)) < 0)
			break;
	}
	free(c.safety_taken);
	progress_free(c.progress);
	pthread_mutex_destroy(&c.lock_mu);
	pthread_mutex_destroy(&c.safety_mu);
done:
	json_decref(saved);
	strbuf_release(&problems);
	pipeline_release(&p);
	return rc;
}
