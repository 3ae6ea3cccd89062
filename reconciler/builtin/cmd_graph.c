/*
 * pcdr graph: the pool's topology as Graphviz DOT, the current (observed)
 * world beside the desired one (reconciler/core/render_dot.c draws it).
 * Three ways to get the models:
 *   - live, as `pcdr plan` does (reconciler/plan/pipeline.c: host
 *     configuration -> spec at a commit -> observe every instance and the
 *     pool command's `get`);
 *   - --desired-only: the spec alone, read from git (no configuration is
 *     needed when --repo is given, and nothing is observed);
 *   - --desired FILE / --observed FILE: model files (docs/plan.md, "Model
 *     files"), as `pcdr debug observe` and `pcdr debug desired` print them.
 * --output svg pipes the DOT through Graphviz's `dot -Tsvg`, run from an
 * argument vector (util/runcmd), never a shell. It changes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/builtin/plan_output.h"
#include "reconciler/core/desired.h"
#include "reconciler/core/render_dot.h"
#include "reconciler/plan/model_json.h"
#include "reconciler/plan/pipeline.h"
#include "util/err.h"
#include "util/runcmd.h"

#define GRAPH_DOT_TIMEOUT_MS (60 * 1000)
#define GRAPH_SVG_LIMIT      (64 * 1024 * 1024)

struct graph_args {
	struct pipeline_options po;
	const char *path, *output, *desired_file, *observed_file;
	bool desired_only, svg;
};

static int graph_parse(struct graph_args *a, int argc, char **argv)
{
	const struct plan_output_opt opts[] = {{"config", &a->po.config_path, NULL},
	                                       {"repo", &a->po.repo, NULL},
	                                       {"ref", &a->po.ref, NULL},
	                                       {"pool", &a->po.pool, NULL},
	                                       {"path", &a->path, NULL},
	                                       {"output", &a->output, NULL},
	                                       {"desired-only", NULL, &a->desired_only},
	                                       {"desired", &a->desired_file, NULL},
	                                       {"observed", &a->observed_file, NULL},
	                                       {NULL, NULL, NULL}};
	int rc = plan_output_parse_args("graph", opts, argc, argv);
	bool files = a->desired_file || a->observed_file;

	if (rc)
		return rc;
	if (a->output && strcmp(a->output, "dot") && strcmp(a->output, "svg"))
		return plan_output_usage("graph", "--output must be dot or svg, not '%s'",
		                         a->output);
	a->svg = a->output && !strcmp(a->output, "svg");
	if (files && (a->po.config_path || a->po.repo || a->po.ref || a->po.pool || a->path))
		return plan_output_usage("graph", "--desired and --observed read model files; "
		                                  "--config, --repo, --ref, --pool and --path "
		                                  "do not apply to them");
	if (a->desired_only && a->observed_file)
		return plan_output_usage("graph",
		                         "--desired-only and --observed exclude each other");
	if (a->path && !a->desired_only)
		return plan_output_usage("graph", "--path applies to --desired-only (otherwise the "
		                                  "configuration's source.folder is read)");
	return 0;
}

/* Print the DOT, or its SVG rendering by Graphviz. */
static int graph_emit(const struct strbuf *dot, bool svg)
{
	const char *const argv[] = {"dot", "-Tsvg", NULL};
	struct runcmd_opts ro = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	int rc = PCDR_EXIT_OK, error;

	if (!svg) {
		fputs(strbuf_cstr(dot), stdout);
		return PCDR_EXIT_OK;
	}
	ro.argv = argv;
	ro.stdin_data = strbuf_cstr(dot);
	ro.stdin_len = dot->len;
	ro.timeout_ms = GRAPH_DOT_TIMEOUT_MS;
	ro.stdout_limit = GRAPH_SVG_LIMIT;
	error = runcmd_run(&res, &ro);
	if (error == ERR_NOTFOUND) {
		fputs("pcdr graph: --output svg needs Graphviz's 'dot' program, which is not "
		      "installed (or not in PATH)\n"
		      "  hint: install graphviz (apt-get install graphviz), or use --output dot "
		      "and "
		      "render the DOT elsewhere\n",
		      stderr);
		rc = PCDR_EXIT_ERROR;
	} else if (error < 0) {
		fprintf(stderr, "pcdr graph: %s\n", err_last());
		rc = PCDR_EXIT_ERROR;
	} else {
		fwrite(strbuf_cstr(&res.out), 1, res.out.len, stdout);
	}
	runcmd_result_release(&res);
	return rc;
}

static int graph_files(const struct graph_args *a, struct strbuf *dot)
{
	struct arena arena = ARENA_INIT;
	struct model desired, observed;
	int rc = PCDR_EXIT_ERROR;

	if ((a->desired_file && model_json_read_file(&desired, &arena, a->desired_file) < 0) ||
	    (a->observed_file && model_json_read_file(&observed, &arena, a->observed_file) < 0)) {
		fprintf(stderr, "pcdr graph: %s\n", err_last());
		goto done;
	}
	if (a->desired_file && !desired.topo.primary) {
		fprintf(stderr, "pcdr graph: '%s' is not a desired model (no topology)\n",
		        a->desired_file);
		goto done;
	}
	render_dot(a->desired_file ? &desired : NULL,
	           a->observed_file && !a->desired_only ? &observed : NULL, NULL, dot);
	rc = PCDR_EXIT_OK;
done:
	arena_release(&arena);
	return rc;
}

static void graph_title(struct strbuf *title, const struct gitsrc_commit *commit)
{
	strbuf_printf(title, "spec commit %s: %s", commit->short_id,
	              commit->subject ? commit->subject : "");
}

/* Live: the pipeline of `pcdr plan`, without planning. */
static int graph_live(const struct graph_args *a, struct strbuf *dot)
{
	struct strbuf problems = STRBUF_INIT, title = STRBUF_INIT;
	struct pipeline p;
	int rc = PCDR_EXIT_ERROR;

	pipeline_init(&p);
	if (pipeline_load(&p, &a->po, &problems) < 0) {
		fputs(strbuf_cstr(&problems), stderr);
		fprintf(stderr, "pcdr graph: %s\n", err_last());
		goto done;
	}
	if (p.n_pools > 1) {
		rc = plan_output_usage("graph", "%zu pools: choose one with --pool", p.n_pools);
		goto done;
	}
	pipeline_observe(&p, &p.pools[0]);
	graph_title(&title, &p.specs->commit);
	render_dot(&p.pools[0].desired, &p.pools[0].observed,
	           &(struct render_dot_opts){strbuf_cstr(&title)}, dot);
	rc = PCDR_EXIT_OK;
done:
	strbuf_release(&title);
	strbuf_release(&problems);
	pipeline_release(&p);
	return rc;
}

/* Where --desired-only reads the spec: --repo, else the configuration's source. */
static int graph_source(struct config **cfg, const char **repo, const char **ref, const char **dir,
                        const struct graph_args *a)
{
	struct config_problems list = CONFIG_PROBLEMS_INIT;
	int error;

	*repo = a->po.repo;
	*ref = a->po.ref;
	*dir = a->path;
	if (*repo)
		return 0;
	error = config_load(cfg, config_path(a->po.config_path), &list);
	for (size_t i = 0; i < list.len; i++)
		fprintf(stderr, "%s\n", list.items[i]);
	config_problems_release(&list);
	if (error < 0) {
		fprintf(stderr,
		        "pcdr graph: %s\n  hint: --desired-only --repo PATH needs no "
		        "configuration\n",
		        err_last());
		return error;
	}
	*repo = (*cfg)->source.repository;
	*ref = *ref ? *ref : (*cfg)->source.ref;
	*dir = *dir ? *dir : (*cfg)->source.folder;
	return 0;
}

/* Load the specs of the commit into `set`; diagnostics go to stderr. */
static int graph_load_specs(struct spec_set *set, struct gitsrc_specs *specs)
{
	struct strbuf line = STRBUF_INIT;

	for (size_t i = 0; i < specs->n_files; i++)
		spec_set_load_buffer(set, specs->files[i].path, specs->files[i].data,
		                     specs->files[i].len);
	spec_set_check(set);
	for (size_t i = 0; i < set->n_diags; i++) {
		strbuf_reset(&line);
		spec_diag_format(&set->diags[i], &line);
		fprintf(stderr, "%s\n", strbuf_cstr(&line));
	}
	strbuf_release(&line);
	if (set->n_diags)
		return err_set(ERR_INVALID,
		               "%zu problem%s in the specs at commit %s (see pcdr "
		               "validate)",
		               set->n_diags, set->n_diags == 1 ? "" : "s", specs->commit.short_id);
	if (!set->n_pools)
		return err_set(ERR_INVALID, "no pool spec in '%s/' at commit %s", specs->dir,
		               specs->commit.short_id);
	return 0;
}

static const struct spec_pool *graph_pick(const struct spec_set *set, const char *name,
                                          const struct gitsrc_specs *specs)
{
	const struct spec_pool *pool = name ? spec_set_find(set, name) : set->pools[0];

	if (!pool)
		err_set(ERR_INVALID, "no pool '%s' in '%s/' at commit %s", name, specs->dir,
		        specs->commit.short_id);
	else if (!name && set->n_pools > 1)
		pool = NULL;
	return pool;
}

/* --desired-only: the spec alone, read from git at a commit. */
static int graph_desired_only(const struct graph_args *a, struct strbuf *dot)
{
	struct config *cfg = NULL;
	struct gitsrc *src = NULL;
	struct gitsrc_specs *specs = NULL;
	struct spec_set set;
	struct arena arena = ARENA_INIT;
	struct strbuf title = STRBUF_INIT;
	const struct spec_pool *pool;
	const char *repo, *ref, *dir;
	struct model desired;
	int rc = PCDR_EXIT_ERROR;

	spec_set_init(&set);
	if (graph_source(&cfg, &repo, &ref, &dir, a) < 0)
		goto done;
	if (gitsrc_open(&src, repo, NULL) < 0 || gitsrc_read(&specs, src, ref, dir) < 0 ||
	    graph_load_specs(&set, specs) < 0) {
		fprintf(stderr, "pcdr graph: %s\n", err_last());
		goto done;
	}
	if (!(pool = graph_pick(&set, a->po.pool, specs))) {
		if (a->po.pool)
			fprintf(stderr, "pcdr graph: %s\n", err_last());
		else
			rc = plan_output_usage("graph", "%zu pools: choose one with --pool",
			                       set.n_pools);
		goto done;
	}
	if (desired_from_spec(&desired, &arena, pool) < 0) {
		fprintf(stderr, "pcdr graph: %s\n", err_last());
		goto done;
	}
	graph_title(&title, &specs->commit);
	render_dot(&desired, NULL, &(struct render_dot_opts){strbuf_cstr(&title)}, dot);
	rc = PCDR_EXIT_OK;
done:
	strbuf_release(&title);
	arena_release(&arena);
	spec_set_release(&set);
	gitsrc_specs_free(specs);
	gitsrc_free(src);
	config_free(cfg);
	return rc;
}

int cmd_graph(int argc, char **argv)
{
	struct graph_args a = {0};
	struct strbuf dot = STRBUF_INIT;
	int rc;

	if ((rc = graph_parse(&a, argc, argv)) != 0)
		goto done;
	if (a.desired_file || a.observed_file)
		rc = graph_files(&a, &dot);
	else if (a.desired_only)
		rc = graph_desired_only(&a, &dot);
	else
		rc = graph_live(&a, &dot);
	if (rc == PCDR_EXIT_OK)
		rc = graph_emit(&dot, a.svg);
done:
	strbuf_release(&dot);
	return rc;
}
