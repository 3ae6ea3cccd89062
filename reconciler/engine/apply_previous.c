/*
 * apply_previous: what the planner's drift rule needs (docs/PLANNER.md,
 * "Drift"): the desired model of the spec that was last applied to the
 * pool and left the world converged. It is the spec commit of the
 * newest record of the pool on the audit branch, only when that is a
 * final record that says `succeeded` (audit_last_succeeded, shared with
 * `pcdr plan`): after a failed or interrupted apply, or one killed after
 * its intent record, the world is half way to the spec on purpose, and comparing it with that same
 * spec as "previous" would call the resumption drift. Without such a
 * record the planner gets no previous model and takes every difference
 * as requested by the spec, as `pcdr plan` does.
 */
#include <string.h>

#include "reconciler/audit/audit.h"
#include "reconciler/core/desired.h"
#include "reconciler/engine/apply_int.h"
#include "util/err.h"

void apply_previous_init(struct apply_previous *prev)
{
	memset(prev, 0, sizeof(*prev));
	spec_set_init(&prev->set);
	arena_init(&prev->arena);
}

int apply_previous_load(struct apply_previous *prev, struct audit *audit, struct gitsrc *src,
                        const char *folder, const char *pool)
{
	char commit[41];
	int rc;

	if ((rc = audit_last_succeeded(audit, pool, commit)) < 0)
		return rc;
	if (!commit[0])
		return 0;
	if ((rc = gitsrc_read(&prev->specs, src, commit, folder)) < 0)
		return rc;
	for (size_t i = 0; i < prev->specs->n_files; i++)
		spec_set_load_buffer(&prev->set, prev->specs->files[i].path,
		                     prev->specs->files[i].data, prev->specs->files[i].len);
	spec_set_check(&prev->set);
	for (size_t i = 0; i < prev->set.n_pools; i++)
		if (!strcmp(prev->set.pools[i]->name, pool)) {
			if ((rc = desired_from_spec(&prev->desired, &prev->arena,
			                            prev->set.pools[i])) < 0)
				return rc;
			prev->ok = true;
		}
	return 0;
}

void apply_previous_release(struct apply_previous *prev)
{
	spec_set_release(&prev->set);
	gitsrc_specs_free(prev->specs);
	arena_release(&prev->arena);
	memset(prev, 0, sizeof(*prev));
}
