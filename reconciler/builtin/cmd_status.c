/*
 * pcdr status: the observed topology of the pool(s) a spec names: per
 * instance whether it answered, each database copy's state, mirroring
 * role, state and partner, log shipping role, last restored file and LSN
 * and user sessions; the pool state and active servers beside the spec's;
 * and the stale copies the spec does not manage. Text (an aligned table)
 * or JSON. It plans nothing and changes nothing; rendering is in
 * reconciler/plan/status.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/builtin/plan_output.h"
#include "reconciler/plan/pipeline.h"
#include "reconciler/plan/status.h"
#include "util/err.h"

static void status_print(const struct pipeline *p, bool json)
{
	struct strbuf out = STRBUF_INIT;
	json_t *all = json_array();

	for (size_t i = 0; i < p->n_pools; i++) {
		const struct pipeline_pool *pp = &p->pools[i];

		if (json) {
			json_t *doc = status_json(&pp->observed, &pp->desired);

			json_object_set_new(doc, "spec_commit", json_string(p->specs->commit.id));
			json_array_append_new(all, doc);
			continue;
		}
		if (i)
			strbuf_putc(&out, '\n');
		strbuf_printf(&out, "spec commit %s: %s\n", p->specs->commit.short_id,
		              p->specs->commit.subject ? p->specs->commit.subject : "");
		status_render_text(&pp->observed, &pp->desired, &out);
	}
	if (json) {
		char *s = json_dumps(json_array_size(all) == 1 ? json_array_get(all, 0) : all,
		                     JSON_INDENT(2));

		strbuf_printf(&out, "%s\n", s ? s : "null");
		free(s);
	}
	fputs(strbuf_cstr(&out), stdout);
	json_decref(all);
	strbuf_release(&out);
}

int cmd_status(int argc, char **argv)
{
	struct pipeline_options po = {0};
	const char *output = NULL;
	const struct plan_output_opt opts[] = {{"config", &po.config_path, NULL},
	                                       {"repo", &po.repo, NULL},
	                                       {"ref", &po.ref, NULL},
	                                       {"pool", &po.pool, NULL},
	                                       {"output", &output, NULL},
	                                       {NULL, NULL, NULL}};
	struct strbuf problems = STRBUF_INIT;
	enum plan_output_format format;
	struct pipeline p;
	int rc;

	pipeline_init(&p);
	if ((rc = plan_output_parse_args("status", opts, argc, argv)) != 0)
		goto done;
	if (plan_output_parse(&format, output, false) < 0) {
		rc = plan_output_usage("status", "--output must be text or json, not '%s'", output);
		goto done;
	}
	rc = PCDR_EXIT_ERROR;
	po.early_logins = true; /* log in while the specs are read */
	if (pipeline_load(&p, &po, &problems) < 0) {
		fputs(strbuf_cstr(&problems), stderr);
		fprintf(stderr, "pcdr status: %s\n", err_last());
		goto done;
	}
	pipeline_observe_all(&p);
	status_print(&p, format == PLAN_OUTPUT_JSON);
	rc = PCDR_EXIT_OK;
done:
	strbuf_release(&problems);
	pipeline_release(&p);
	return rc;
}
