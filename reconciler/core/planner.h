/*
 * planner: (desired, observed) -> plan, the pure heart of pcdr. It finds
 * the authority of each database, decides whether it moves (in-site
 * mirror failover, planned switchover, disaster failover) or stays,
 * orders steps by phase (fence, detach, move, switch, unfence, protect),
 * blocks what cannot run and says why, predicts the end state with the
 * step effects and refuses a plan that does not reach the desired state
 * on paper. No I/O, no clock, no environment, no globals; refusals are
 * data in the plan, never errors.
 */
#ifndef PCDR_CORE_PLANNER_H
#define PCDR_CORE_PLANNER_H

#include <stdbool.h>

#include "reconciler/core/model.h"
#include "reconciler/core/plan.h"

struct planner_opts {
	bool allow_data_loss;         /* --allow-data-loss; ORed with the spec's policy */
	const struct model *previous; /* desired model of the last applied spec, or NULL */
};

/*
 * Plan how to take `observed` to `desired` (a desired_from_spec model).
 * `plan` must be plan_init'ed; it owns everything the plan refers to
 * (release with plan_release). Returns 0 whatever the plan's status
 * (converged, ready, blocked, refused); ERR_INVALID only when `desired`
 * carries no topology (not made by desired_from_spec).
 */
int planner_run(struct plan *plan, const struct model *desired, const struct model *observed,
                const struct planner_opts *opts);

#endif
