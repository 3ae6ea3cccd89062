/*
 * pcdr plan: read the spec at a commit, observe the pool(s) it names,
 * and show what apply would do: canonical text (coloured on a terminal),
 * markdown for a pull request comment, or JSON; --out saves the plan with
 * the spec commit and the fingerprint of the facts it depends on. Exit
 * codes (docs/plan.md): 0 nothing to change (or changes, without
 * --detailed-exitcode), 2 changes pending (--detailed-exitcode), 3 steps
 * blocked, 1 error or a refused plan.
 *
 * It changes nothing: it only reads the spec repository (fetching a URL
 * into the cache), queries the instances and runs the pool command's
 * `get`. The stages are in reconciler/plan/pipeline.c; this file is
 * options and printing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/builtin/plan_output.h"
#include "reconciler/plan/pipeline.h"
#include "util/err.h"

struct plan_args {
	struct pipeline_options po;
	const char *output, *out;
	bool detailed;
	enum plan_output_format format;
};

static int plan_parse(struct plan_args *a, int argc, char **argv)
{
	const struct plan_output_opt opts[] = {{"config", &a->po.config_path, NULL},
	                                       {"repo", &a->po.repo, NULL},
	                                       {"ref", &a->po.ref, NULL},
	                                       {"pool", &a->po.pool, NULL},
	                                       {"output", &a->output, NULL},
	                                       {"out", &a->out, NULL},
	                                       {"detailed-exitcode", NULL, &a->detailed},
	                                       {"allow-data-loss", NULL, &a->po.allow_data_loss},
	                                       {NULL, NULL, NULL}};
	int rc = plan_output_parse_args("plan", opts, argc, argv);

	if (rc)
		return rc;
	if (plan_output_parse(&a->format, a->output, true) < 0)
		return plan_output_usage(
		        "plan", "--output must be text, markdown or json, not '%s'", a->output);
	return 0;
}

static json_t *plan_spec_json(const struct pipeline *p, const struct pipeline_pool *pp)
{
	return json_pack("{s:s, s:s, s:s}", "commit", p->specs->commit.id, "subject",
	                 p->specs->commit.subject ? p->specs->commit.subject : "", "path",
	                 pp->spec_path ? pp->spec_path : "");
}

static void plan_print(const struct pipeline *p, const struct plan_args *a, json_t *all)
{
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < p->n_pools; i++) {
		const struct pipeline_pool *pp = &p->pools[i];
		struct render_context ctx = {p->specs->commit.short_id, p->specs->commit.subject,
		                             &pp->desired, &pp->observed};

		if (a->format == PLAN_OUTPUT_JSON) {
			json_t *doc = plan_json(&pp->plan);

			json_object_set_new(doc, "spec", plan_spec_json(p, pp));
			json_array_append_new(all, doc);
			continue;
		}
		if (i)
			strbuf_putc(&out, '\n');
		if (a->format == PLAN_OUTPUT_TEXT)
			strbuf_printf(&out, "spec commit %s: %s\n", p->specs->commit.short_id,
			              p->specs->commit.subject ? p->specs->commit.subject : "");
		plan_output_render(&pp->plan, a->format, &ctx,
		                   a->format == PLAN_OUTPUT_TEXT && plan_output_colour(stdout),
		                   &out);
	}
	if (a->format == PLAN_OUTPUT_JSON) {
		char *s = json_dumps(json_array_size(all) == 1 ? json_array_get(all, 0) : all,
		                     JSON_INDENT(2));

		strbuf_printf(&out, "%s\n", s ? s : "null");
		free(s);
	}
	fputs(strbuf_cstr(&out), stdout);
	fflush(stdout);
	strbuf_release(&out);
}

static int plan_save(const struct pipeline *p, const char *path)
{
	const struct pipeline_pool *pp = &p->pools[0];
	struct plan_json_spec spec = {p->specs->commit.id, p->specs->commit.subject, pp->spec_path};
	json_t *doc = plan_json_saved(&pp->plan, &spec);
	int error = doc ? plan_json_write_file(doc, path) : -1;

	json_decref(doc);
	if (error < 0) {
		fprintf(stderr, "pcdr plan: %s\n", err_last());
		return PCDR_EXIT_ERROR;
	}
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_args a = {0};
	struct strbuf problems = STRBUF_INIT;
	json_t *all = json_array();
	struct pipeline p;
	int rc;

	pipeline_init(&p);
	if ((rc = plan_parse(&a, argc, argv)) != 0)
		goto done;
	rc = PCDR_EXIT_ERROR;
	a.po.early_logins = true; /* log in while the specs are read */
	if (pipeline_load(&p, &a.po, &problems) < 0 || pipeline_load_previous(&p) < 0) {
		fputs(strbuf_cstr(&problems), stderr);
		fprintf(stderr, "pcdr plan: %s\n", err_last());
		goto done;
	}
	if (a.out && p.n_pools > 1) {
		rc = plan_output_usage("plan",
		                       "--out saves one pool's plan: choose it with --pool");
		goto done;
	}
	rc = PCDR_EXIT_OK;
	pipeline_observe_all(&p);
	for (size_t i = 0; i < p.n_pools; i++) {
		pipeline_plan(&p, &p.pools[i]);
		pipeline_plan_share(&p, &p.pools[i]);
		rc = plan_output_worse(rc, plan_output_exit_code(&p.pools[i].plan, a.detailed));
	}
	plan_print(&p, &a, all);
	if (a.out && plan_save(&p, a.out) != 0)
		rc = PCDR_EXIT_ERROR;
done:
	json_decref(all);
	strbuf_release(&problems);
	pipeline_release(&p);
	return rc;
}
