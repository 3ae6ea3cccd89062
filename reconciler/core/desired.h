/*
 * desired: what a spec means for each instance (DESIGN.md "What the spec
 * means for each instance"), as a desired model. Pure: reads the typed
 * spec, writes a model in the caller's arena; does not look at the world
 * and does not decide how to get there (planner.c does).
 */
#ifndef PCDR_CORE_DESIRED_H
#define PCDR_CORE_DESIRED_H

#include "reconciler/core/model.h"
#include "specs/spec.h"

/*
 * Fill `out` (allocated in `arena`, which must outlive it) with the
 * desired state of `spec`. Returns 0, or ERR_INVALID when the spec is
 * inconsistent in a way validation should have caught (primary or `to`
 * site not declared); err_last() says what.
 */
int desired_from_spec(struct model *out, struct arena *arena, const struct spec_pool *spec);

#endif
