/*
 * pcdr debug (hidden): tools for tests and bug reports.
 *
 *   debug plan --desired D.json --observed O.json [--previous P.json]
 *              [--output text|markdown|json] [--detailed-exitcode]
 *              [--allow-data-loss] [--out FILE]
 *       runs the pure planner on model files (reconciler/plan/model_json.h),
 *       so any situation can be fed to it without SQL Server or git;
 *   debug observe [--config FILE] [--repo R] [--ref REF] [--pool NAME]
 *       observes a pool as `pcdr plan` does and prints the observed model
 *       in the same format: a fixture taken from a lab or a real pool;
 *   debug desired SPEC.yaml [--pool NAME]
 *       prints the desired model of a spec file in the same format.
 *
 * Exit codes of `debug plan` are those of `pcdr plan` (docs/plan.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/builtin/plan_output.h"
#include "reconciler/core/desired.h"
#include "reconciler/core/planner.h"
#include "reconciler/plan/model_json.h"
#include "reconciler/plan/pipeline.h"
#include "util/err.h"

static void print_json(json_t *doc)
{
	char *s = json_dumps(doc, JSON_INDENT(2));

	printf("%s\n", s ? s : "null");
	free(s);
	json_decref(doc);
}

struct debug_plan_args {
	const char *desired, *observed, *previous, *output, *out;
	bool detailed, allow_data_loss;
};

static int debug_plan_load(struct arena *arena, const struct debug_plan_args *a,
                           struct model *desired, struct model *observed, struct model *previous)
{
	if (model_json_read_file(desired, arena, a->desired) < 0 ||
	    model_json_read_file(observed, arena, a->observed) < 0 ||
	    (a->previous && model_json_read_file(previous, arena, a->previous) < 0)) {
		fprintf(stderr, "pcdr debug plan: %s\n", err_last());
		return PCDR_EXIT_ERROR;
	}
	if (!desired->topo.primary) {
		fprintf(stderr, "pcdr debug plan: '%s' is not a desired model (no topology)\n",
		        a->desired);
		return PCDR_EXIT_ERROR;
	}
	return 0;
}

static int debug_plan_save(const struct plan *plan, const char *path)
{
	json_t *doc = plan_json_saved(plan, NULL);
	int error = doc ? plan_json_write_file(doc, path) : -1;

	json_decref(doc);
	if (error < 0) {
		fprintf(stderr, "pcdr debug plan: %s\n", err_last());
		return PCDR_EXIT_ERROR;
	}
	return 0;
}

static int debug_plan(int argc, char **argv)
{
	struct debug_plan_args a = {0};
	const struct plan_output_opt opts[] = {{"desired", &a.desired, NULL},
	                                       {"observed", &a.observed, NULL},
	                                       {"previous", &a.previous, NULL},
	                                       {"output", &a.output, NULL},
	                                       {"out", &a.out, NULL},
	                                       {"detailed-exitcode", NULL, &a.detailed},
	                                       {"allow-data-loss", NULL, &a.allow_data_loss},
	                                       {NULL, NULL, NULL}};
	struct model desired, observed, previous;
	struct render_context ctx = {0};
	struct strbuf out = STRBUF_INIT;
	enum plan_output_format format;
	struct arena arena = ARENA_INIT;
	struct plan plan;
	int rc;

	plan_init(&plan);
	if ((rc = plan_output_parse_args("debug plan", opts, argc, argv)) != 0)
		goto done;
	if (!a.desired || !a.observed) {
		rc = plan_output_usage("debug plan", "--desired and --observed are required");
		goto done;
	}
	if (plan_output_parse(&format, a.output, true) < 0) {
		rc = plan_output_usage("debug plan", "--output must be text, markdown or json");
		goto done;
	}
	if ((rc = debug_plan_load(&arena, &a, &desired, &observed, &previous)) != 0)
		goto done;
	planner_run(&plan, &desired, &observed,
	            &(struct planner_opts){.allow_data_loss = a.allow_data_loss,
	                                   .previous = a.previous ? &previous : NULL});
	ctx.desired = &desired;
	ctx.observed = &observed;
	plan_output_render(&plan, format, &ctx,
	                   format == PLAN_OUTPUT_TEXT && plan_output_colour(stdout), &out);
	fputs(strbuf_cstr(&out), stdout);
	if (a.out && (rc = debug_plan_save(&plan, a.out)) != 0)
		goto done;
	rc = plan_output_exit_code(&plan, a.detailed);
done:
	strbuf_release(&out);
	plan_release(&plan);
	arena_release(&arena);
	return rc;
}

static int debug_observe(int argc, char **argv)
{
	struct pipeline_options po = {0};
	const struct plan_output_opt opts[] = {{"config", &po.config_path, NULL},
	                                       {"repo", &po.repo, NULL},
	                                       {"ref", &po.ref, NULL},
	                                       {"pool", &po.pool, NULL},
	                                       {NULL, NULL, NULL}};
	struct strbuf problems = STRBUF_INIT;
	struct pipeline p;
	int rc;

	pipeline_init(&p);
	if ((rc = plan_output_parse_args("debug observe", opts, argc, argv)) != 0)
		goto done;
	rc = PCDR_EXIT_ERROR;
	if (pipeline_load(&p, &po, &problems) < 0) {
		fputs(strbuf_cstr(&problems), stderr);
		fprintf(stderr, "pcdr debug observe: %s\n", err_last());
		goto done;
	}
	if (p.n_pools > 1) {
		rc = plan_output_usage("debug observe", "%zu pools: choose one with --pool",
		                       p.n_pools);
		goto done;
	}
	pipeline_observe(&p, &p.pools[0]);
	print_json(model_json_dump(&p.pools[0].observed));
	rc = PCDR_EXIT_OK;
done:
	strbuf_release(&problems);
	pipeline_release(&p);
	return rc;
}

static int debug_desired(int argc, char **argv)
{
	struct spec_set set;
	struct arena arena = ARENA_INIT;
	const char *pool = NULL;
	struct model desired;
	int rc = PCDR_EXIT_ERROR;

	spec_set_init(&set);
	if (argc == 4 && !strcmp(argv[2], "--pool"))
		pool = argv[3];
	else if (argc != 2 || argv[1][0] == '-') {
		rc = plan_output_usage("debug desired", "usage: pcdr debug desired SPEC.yaml "
		                                        "[--pool NAME]");
		goto done;
	}
	if (spec_set_load_file(&set, argv[1]) < 0 || spec_set_check(&set) < 0 || !set.n_pools) {
		fprintf(stderr,
		        "pcdr debug desired: '%s' is not a valid spec (see pcdr validate)\n",
		        argv[1]);
		goto done;
	}
	if (pool && !spec_set_find(&set, pool)) {
		fprintf(stderr, "pcdr debug desired: no pool '%s' in '%s'\n", pool, argv[1]);
		goto done;
	}
	if (desired_from_spec(&desired, &arena, pool ? spec_set_find(&set, pool) : set.pools[0]) <
	    0) {
		fprintf(stderr, "pcdr debug desired: %s\n", err_last());
		goto done;
	}
	print_json(model_json_dump(&desired));
	rc = PCDR_EXIT_OK;
done:
	arena_release(&arena);
	spec_set_release(&set);
	return rc;
}

int cmd_debug(int argc, char **argv)
{
	if (argc < 2)
		return plan_output_usage("debug", "which one: plan, observe or desired");
	if (!strcmp(argv[1], "plan"))
		return debug_plan(argc - 1, argv + 1);
	if (!strcmp(argv[1], "observe"))
		return debug_observe(argc - 1, argv + 1);
	if (!strcmp(argv[1], "desired"))
		return debug_desired(argc - 1, argv + 1);
	return plan_output_usage("debug", "unknown debug command '%s'", argv[1]);
}
