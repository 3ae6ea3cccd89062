/*
 * effects: what each step kind is predicted to do to the world, applied
 * to a model (normally a copy of the observed one). Each effect first
 * checks the same precondition apply will re-check on a fresh observation
 * (the step's guard) and refuses, changing nothing, when it does not
 * hold. This is the planner's own model of SQL Server and the pool; the
 * lab is the independent oracle that checks it. Pure.
 */
#ifndef PCDR_CORE_EFFECTS_H
#define PCDR_CORE_EFFECTS_H

#include "reconciler/core/model.h"
#include "reconciler/core/plan.h"

/*
 * Apply `step` to `m` (strings it adds are allocated in m->arena).
 * Returns 0; ERR_UNREACHABLE when a target did not answer; ERR_CONFLICT
 * when the guard does not hold (err_last() says which and why; `m` is
 * unchanged).
 */
int effects_apply(struct model *m, const struct plan_step *step);

#endif
