/*
 * pipeline_previous: the "last applied spec" of each pool for the
 * planner's drift rule (docs/PLANNER.md, "Drift"), read the way `pcdr
 * apply` reads it: the spec commit of the pool's newest audit record,
 * only when that is a final record that says `succeeded`
 * (audit_last_succeeded; an intent newest of all is an apply that died). That commit's specs are
 * read from the same source as the current ones and the pool's desired model is made from them.
 * Without it a hand failover under an unchanged spec would be planned as a move back instead of
 * being reported as drift.
 */
#include <stdlib.h>
#include <string.h>

#include "reconciler/audit/audit.h"
#include "reconciler/core/desired.h"
#include "reconciler/plan/pipeline.h"
#include "util/err.h"
#include "util/xalloc.h"

static int previous_of_pool(struct pipeline *p, struct pipeline_pool *pp, const char *commit)
{
	const struct spec_set *set;
	int error;

	pp->previous_set = xcalloc(1, sizeof(*pp->previous_set));
	spec_set_init(pp->previous_set);
	if ((error = gitsrc_read(&pp->previous_specs, p->src, commit, p->config->source.folder)) <
	    0)
		return error;
	for (size_t i = 0; i < pp->previous_specs->n_files; i++)
		spec_set_load_buffer(pp->previous_set, pp->previous_specs->files[i].path,
		                     pp->previous_specs->files[i].data,
		                     pp->previous_specs->files[i].len);
	spec_set_check(pp->previous_set);
	set = pp->previous_set;
	for (size_t i = 0; i < set->n_pools; i++) {
		if (strcmp(set->pools[i]->name, pp->spec->name))
			continue;
		if ((error = desired_from_spec(&pp->previous, &p->arena, set->pools[i])) < 0)
			return error;
		pp->has_previous = true;
	}
	return 0;
}

int pipeline_load_previous(struct pipeline *p)
{
	struct audit_options ao = AUDIT_OPTIONS_INIT;
	struct audit *audit = NULL;
	char commit[41];
	int error = 0;

	ao.branch = p->config->audit.branch;
	ao.no_push = 1;
	if ((error = audit_open(&audit, p->src, &ao)) < 0)
		goto done;
	for (size_t i = 0; i < p->n_pools; i++) {
		if ((error = audit_last_succeeded(audit, p->pools[i].spec->name, commit)) < 0)
			goto done;
		if (commit[0] && (error = previous_of_pool(p, &p->pools[i], commit)) < 0)
			goto done;
	}
done:
	audit_free(audit);
	return error;
}

void pipeline_previous_release(struct pipeline_pool *pp)
{
	if (pp->previous_set) {
		spec_set_release(pp->previous_set);
		free(pp->previous_set);
	}
	gitsrc_specs_free(pp->previous_specs);
	pp->previous_set = NULL;
	pp->previous_specs = NULL;
	pp->has_previous = false;
}
