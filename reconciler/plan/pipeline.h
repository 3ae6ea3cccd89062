/*
 * pipeline: what `pcdr plan`, `pcdr status` and `pcdr debug observe`
 * share, and what apply will re-run before it acts: load the host
 * configuration -> open the spec source (the configuration's repository
 * unless overridden) -> read the specs at a ref -> pick the pool(s) ->
 * desired model -> observe every instance the pool names in parallel
 * (providers/mssql) and the pool command's `get` at the same time ->
 * observed model (observed.c) -> planner. Each stage is a function, so
 * a command runs only the stages it needs. Nothing is printed: problems
 * are returned as text for the command to show, errors through err.h.
 */
#ifndef PCDR_PLAN_PIPELINE_H
#define PCDR_PLAN_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "reconciler/config/config.h"
#include "reconciler/core/model.h"
#include "reconciler/core/plan.h"
#include "reconciler/source/gitsrc.h"
#include "specs/spec.h"
#include "util/arena.h"
#include "util/strbuf.h"

#define PIPELINE_PING_WINDOW_S 300 /* a tblServerIdentity ping this recent counts */

struct pipeline_options {
	const char *config_path; /* --config; NULL: $PCDR_CONFIG, then the default */
	const char *repo;        /* --repo; NULL: the configuration's source.repository */
	const char *ref;         /* --ref; NULL: the configuration's source.ref */
	const char *pool;        /* --pool; NULL: every pool of the spec repository */
	bool allow_data_loss;    /* --allow-data-loss */
	/* Log in to the configured instances (at most maxConnections) while
	 * the specs are read from git, for pipeline_observe_all to use
	 * (providers/mssql/early.h): pcdr plan and status. */
	bool early_logins;
};

struct mssql_early;

struct pipeline_pool {
	const struct spec_pool *spec; /* borrowed from the pipeline's spec set */
	const char *spec_path;        /* "pools/atl-pchat.yaml" */
	struct model desired;
	struct model observed;
	bool observed_ok; /* pipeline_observe ran */
	struct plan plan;
	bool planned;
	/* The desired model of the spec last applied with success, for the
	 * planner's drift rule (pipeline_load_previous); has_previous says
	 * whether there is one. Its specs and spec set live as long as it. */
	struct model previous;
	bool has_previous;
	struct gitsrc_specs *previous_specs;
	struct spec_set *previous_set;
};

struct pipeline {
	struct config *config;
	struct gitsrc *src;
	struct gitsrc_specs *specs; /* commit id, subject, files */
	struct spec_set set;
	struct arena arena; /* the models */
	struct pipeline_pool *pools;
	size_t n_pools;
	bool allow_data_loss;
	struct mssql_early *early; /* the early logins, or NULL */
};

void pipeline_init(struct pipeline *p);

/*
 * Load the configuration and the specs, and make each chosen pool's
 * desired model. Configuration problems and spec diagnostics are
 * appended to `problems`, one per line. Errors: ERR_INVALID (a bad
 * configuration or spec, or no pool of that name), ERR_NOTFOUND / ERR_IO
 * (configuration or repository unreadable) and gitsrc's.
 */
int pipeline_load(struct pipeline *p, const struct pipeline_options *opts, struct strbuf *problems);

/* Observe one pool's instances and pool command, and fill pp->observed.
 * Unreachable instances and a failing pool command are facts, not
 * errors: this always returns 0. */
int pipeline_observe(struct pipeline *p, struct pipeline_pool *pp);

/* Observe every pool at once: each instance named by any pool once (one
 * connection, one batch with every pool's databases, at most
 * maxConnections at a time), every pool command in parallel; fills each
 * pool's observed model. Always returns 0, as pipeline_observe. */
int pipeline_observe_all(struct pipeline *p);

/*
 * Read from the audit branch the spec last applied to each chosen pool
 * with success (audit_last_succeeded, the rule `pcdr apply` plans with)
 * and make its desired model pp->previous, so that pipeline_plan reports
 * a difference the spec did not ask for as drift instead of undoing it.
 * Read only: the audit branch is neither fetched nor pushed. A pool that
 * was never applied, or whose last apply failed, gets none. Errors:
 * audit_open's, audit_walk's, gitsrc_read's and desired_from_spec's.
 */
int pipeline_load_previous(struct pipeline *p);
/* Free what pipeline_load_previous gave pp (pipeline_release does). */
void pipeline_previous_release(struct pipeline_pool *pp);

/* Plan one observed pool (pp->plan; its status says the outcome). */
void pipeline_plan(struct pipeline *p, struct pipeline_pool *pp);

/*
 * After a first plan (pp->plan): when it catches up from the share (a
 * disaster move), read the log backups on the share from the instance
 * that catches up (mssql_observe_share: the second round trip,
 * docs/plan.md) and add them to pp->observed. true when it added some,
 * so the caller plans again; false when the plan needs no share or the
 * share could not be read (the first plan stands). plan and apply both
 * call it, so a saved plan's facts are the ones apply observes again.
 */
bool pipeline_observe_share(struct pipeline *p, struct pipeline_pool *pp);

/* pipeline_observe_share, then pipeline_plan again when it added facts. */
bool pipeline_plan_share(struct pipeline *p, struct pipeline_pool *pp);

void pipeline_release(struct pipeline *p);

#endif
