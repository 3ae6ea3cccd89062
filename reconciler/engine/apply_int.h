/*
 * apply_int: what the apply executor's files share (apply.h). Not for
 * use outside reconciler/engine.
 */
#ifndef PCDR_ENGINE_APPLY_INT_H
#define PCDR_ENGINE_APPLY_INT_H

#include <pthread.h>
#include <signal.h>
#include <jansson.h>
#include <stdint.h>

#include "providers/mssql/mssql.h"
#include "providers/mssql/steps.h"
#include "reconciler/config/config.h"
#include "reconciler/engine/apply.h"
#include "reconciler/engine/lock.h"
#include "reconciler/source/gitsrc.h"
#include "specs/spec.h"

enum apply_result {
	APPLY_PENDING = 0,
	APPLY_SUCCEEDED,
	APPLY_FAILED,
	APPLY_SKIPPED, /* found already done */
	APPLY_NOT_RUN,
	APPLY_BLOCKED,
	APPLY_INTERRUPTED,
};

struct apply_step {
	enum apply_result result;
	char started_at[32], finished_at[32];
	int64_t ms;
	struct steps_outcome outcome; /* messages, error, file, LSN */
	char *error;                  /* why it failed (owned) */
};

struct apply_ctx {
	const struct apply_options *opts;
	struct pipeline *p;
	struct pipeline_pool *pp;
	const struct plan *plan;
	struct progress *progress;
	struct lock *lock;
	pthread_mutex_t lock_mu; /* lock_renew / lock_check_epoch / renewed_ms */
	int64_t renewed_ms;      /* monotonic time of the last renewal */
	char stamp[32];          /* "20261128T140211Z" */
	char apply_id[17];       /* from the intent record: the final one repeats it */
	char started_at[32];     /* likewise */
	bool allow_data_loss;
	unsigned wait_s;
	struct apply_step *steps; /* one per plan step */
	pthread_mutex_t safety_mu;
	const char **safety_taken; /* "instance/db" of safety backups this apply took */
	size_t n_safety_taken;
};

extern volatile sig_atomic_t apply_interrupted;

/* A connection target for `name` from the host configuration. */
void apply_target(struct mssql_target *t, struct config_instance *scratch, const struct config *cfg,
                  const char *name);

/* Observe what `s` touches (its instances; the pool for a pool step) into `out`. */
void apply_observe(struct model *out, struct arena *arena, struct apply_ctx *c,
                   const struct plan_step *s);
/* The step's postcondition holds in `m`. `before`: asked before running it,
 * to skip a step already done; seeds, catch-ups and safety backups are
 * never skipped (their effect does not show they are not needed). */
bool apply_done(const struct model *m, const struct plan_step *s, bool before);
/* The step's precondition holds in `m` (0), or ERR_CONFLICT / ERR_UNREACHABLE. */
int apply_precondition(const struct model *m, const struct plan_step *s);
/* Before a tail-log backup: wait until no user session uses the copy. */
int apply_wait_drained(struct apply_ctx *c, const struct plan_step *s);
/* Poll until the postcondition holds: 0, ERR_TIMEOUT, or ERR_CONFLICT when interrupted. */
int apply_wait_done(struct apply_ctx *c, const struct plan_step *s);

/* Renew the lease when the last renewal is older than `every_ms`. */
void apply_renew(struct apply_ctx *c, int64_t every_ms);

/* Run every step that can run; 0 or the failed step's error. */
int apply_exec(struct apply_ctx *c);
/* Before a tail-log backup: its catch-up's target can list the backup share. */
int apply_check_tail_target(struct apply_ctx *c, const struct plan_step *tail);
/* "mgc on sqla.dc1.lab -> sqlb.dc1.lab", in the plan's arena-free words (static buffer per call).
 */
const char *apply_targets(char *buf, size_t size, const struct plan_step *s);
const char *apply_result_name(enum apply_result r);

/*
 * Saved plans: compare each fact of the saved fingerprint with `observed`;
 * the facts that moved are appended to `moved`, one "key: was V, now W"
 * line each. Returns how many moved.
 */
size_t apply_facts_moved(const json_t *facts, const struct model *observed, struct strbuf *moved);
/* The value the planner would record for fact `key` in `observed` (arena copy). */
const char *apply_fact_value(struct arena *arena, const struct model *observed, const char *key);

/* The desired model of the last spec applied with success (apply_previous.c). */
struct apply_previous {
	struct gitsrc_specs *specs;
	struct spec_set set;
	struct arena arena;
	struct model desired;
	bool ok; /* desired holds it */
};
struct audit;
void apply_previous_init(struct apply_previous *prev);
/* 0 (prev->ok says whether there was one) or gitsrc's / desired's error. */
int apply_previous_load(struct apply_previous *prev, struct audit *audit, struct gitsrc *src,
                        const char *folder, const char *pool);
void apply_previous_release(struct apply_previous *prev);

/* The audit record of this apply (new reference). */
json_t *apply_record(struct apply_ctx *c, const char *result, const struct model *after);

#endif
