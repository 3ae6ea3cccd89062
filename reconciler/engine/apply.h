/*
 * apply: the executor (DESIGN.md "Apply"). It takes the pool's lock,
 * re-plans from a fresh observation (or loads a saved plan and refuses
 * it when the spec commit or any fact it was planned against moved),
 * refuses to replay an older spec, writes the intent record, then runs
 * the plan's steps phase by phase, independent steps of a phase in
 * parallel. Each step re-checks its precondition on a fresh targeted
 * observation of the instances it touches, checks the lock epoch, runs,
 * and verifies its postcondition (waiting for what SQL Server completes
 * asynchronously). The first failure stops the run with SQL Server's
 * message and the state left behind; nothing is ever rolled back. The
 * final audit record is written after success, failure or interruption
 * (SIGINT, SIGTERM). Blocked steps are left out: the result is partial.
 *
 * apply.c is the flow, apply_exec.c the scheduler and one step's run,
 * apply_check.c the pre- and postconditions, apply_facts.c the
 * saved-plan check, apply_record.c the audit record, progress.c what
 * the operator sees.
 */
#ifndef PCDR_ENGINE_APPLY_H
#define PCDR_ENGINE_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include "reconciler/engine/progress.h"
#include "reconciler/plan/pipeline.h"

#define APPLY_WAIT_S_DEFAULT 300 /* postcondition wait (mirroring SYNCHRONIZED, ...) */

struct apply_options {
	struct pipeline_options po; /* --config, --repo, --ref, --pool, --allow-data-loss */
	const char *plan_file;      /* a saved plan (pcdr plan --out), or NULL: re-plan */
	bool auto_approve;          /* no question asked */
	bool allow_rewind;          /* apply a spec older than the last applied one */
	int lock_timeout_s;         /* wait for a held lock; < 0: the configuration's */
	enum progress_mode mode;    /* terminal, text log lines, JSON log lines */
	unsigned wait_s;            /* 0: APPLY_WAIT_S_DEFAULT */
};

/* What happened, for the exit code. */
struct apply_outcome {
	size_t steps_run;
	size_t steps_failed;
	size_t steps_blocked;
	bool refused;     /* the plan was refused (drift, does not converge) */
	bool interrupted; /* SIGINT / SIGTERM */
};

/*
 * Apply every chosen pool. Returns 0 when every pool was applied (see
 * `out` for blocked steps), or the first error: ERR_LOCKED (another
 * apply holds a pool's lock; the message names it), ERR_STALE (the saved
 * plan no longer matches the world; the facts that moved were printed),
 * ERR_CONFLICT (an older spec: no replay), ERR_INVALID (a refused plan,
 * no approval), ERR_GENERIC (a step failed; the state left behind was
 * printed) and the pipeline's errors.
 */
int apply_run(struct apply_outcome *out, const struct apply_options *opts);

#endif
