/*
 * Unit tests for reconciler/engine/apply_facts.c and progress.c: a saved
 * plan's facts are read back from a fresh model spelled exactly as the
 * planner spells them (so an unchanged world moves no fact, and a moved
 * one is listed with both values), and the progress log lines are one
 * key=value line or one JSON object per event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/core/desired.h"
#include "reconciler/core/planner.h"
#include "reconciler/engine/apply_int.h"
#include "reconciler/engine/progress.h"
#include "reconciler/plan/model_json.h"
#include "reconciler/plan/plan_json.h"

static void world(struct model *m, struct arena *a)
{
	struct model_instance *i;
	struct model_db *d;
	const char *servers[2] = {"pc1.dc1.lab", "pc2.dc1.lab"};

	model_init(m, a, "atl-pchat");
	i = model_add_instance(m, "sqla.dc1.lab", "dc1");
	i->reachable = true;
	d = model_add_db(m, i, "mgc");
	d->state = MODEL_DB_ONLINE;
	d->lsn = model_lsn_u64(42);
	d->mirroring.role = MODEL_ROLE_PRINCIPAL;
	d->mirroring.partner = "sqlb.dc1.lab";
	d->mirroring.role_sequence = 3;
	i = model_add_instance(m, "sqla.dc2.lab", "dc2");
	i->reachable = true;
	d = model_add_db(m, i, "my.db");
	d->state = MODEL_DB_RESTORING;
	d->ls_secondary.configured = true;
	d->ls_secondary.primary = "sqla.dc1.lab";
	i = model_add_instance(m, "sqlb.dc2.lab", "dc2");
	i->reachable = false;
	m->pool.reachable = true;
	m->pool.state = MODEL_POOL_NORMAL;
	model_set_active_servers(m, servers, 2);
}

static void test_apply_facts__values_as_the_planner_spells_them(void **state)
{
	struct arena a = ARENA_INIT;
	struct model m;

	(void)state;
	world(&m, &a);
	assert_string_equal(apply_fact_value(&a, &m, "sqla.dc1.lab/mgc.state"), "ONLINE");
	assert_string_equal(apply_fact_value(&a, &m, "sqla.dc1.lab/mgc.lsn"), "42");
	assert_string_equal(apply_fact_value(&a, &m, "sqla.dc1.lab/mgc.mirroring"),
	                    "PRINCIPAL,sqlb.dc1.lab,seq=3");
	assert_string_equal(apply_fact_value(&a, &m, "sqla.dc2.lab/my.db.ls_secondary_of"),
	                    "sqla.dc1.lab");
	assert_string_equal(apply_fact_value(&a, &m, "sqla.dc2.lab/my.db.state"), "RESTORING");
	assert_string_equal(apply_fact_value(&a, &m, "sqla.dc2.lab/mgc.state"), "ABSENT");
	assert_string_equal(apply_fact_value(&a, &m, "sqlb.dc2.lab.reachable"), "false");
	assert_string_equal(apply_fact_value(&a, &m, "sqlb.dc2.lab/mgc.state"), "(unreachable)");
	assert_string_equal(apply_fact_value(&a, &m, "pool.state"), "Normal");
	assert_string_equal(apply_fact_value(&a, &m, "pool.active_servers"),
	                    "pc1.dc1.lab,pc2.dc1.lab");
	arena_release(&a);
}

static void test_apply_facts__moved_facts_are_listed(void **state)
{
	struct arena a = ARENA_INIT;
	struct strbuf moved = STRBUF_INIT;
	struct model m;
	json_t *facts =
	        json_pack("{s:s, s:s, s:s}", "pool.state", "Normal", "sqla.dc1.lab/mgc.state",
	                  "ONLINE", "pool.active_servers", "(none)");

	(void)state;
	world(&m, &a);
	assert_int_equal(apply_facts_moved(facts, &m, &moved), 1);
	assert_string_equal(strbuf_cstr(&moved),
	                    "  pool.active_servers: was (none), now pc1.dc1.lab,pc2.dc1.lab\n");
	json_decref(facts);
	strbuf_release(&moved);
	arena_release(&a);
}

/* Every fact of real plans reads back unchanged from the model it was planned on. */
static void test_apply_facts__a_plan_facts_read_back_unchanged(void **state)
{
	const char *observed[] = {"observed-bootstrap.json", "observed-blocked.json",
	                          "observed-dc1-lost.json", "observed-converged.json"};

	(void)state;
	for (size_t k = 0; k < sizeof(observed) / sizeof(observed[0]); k++) {
		struct arena a = ARENA_INIT;
		struct model d, o;
		struct plan plan;
		char path[256];
		size_t n = 0;

		assert_int_equal(model_json_read_file(&d, &a, "tests/data/plan/desired-dc2.json"),
		                 0);
		snprintf(path, sizeof(path), "tests/data/plan/%s", observed[k]);
		assert_int_equal(model_json_read_file(&o, &a, path), 0);
		plan_init(&plan);
		planner_run(&plan, &d, &o, &(struct planner_opts){0});
		for (size_t i = 0; i < plan.n_steps; i++)
			for (size_t f = 0; f < plan.steps[i].n_facts; f++, n++)
				assert_string_equal(
				        apply_fact_value(&a, &o, plan.steps[i].facts[f].key),
				        plan.steps[i].facts[f].value);
		if (k < 3)
			assert_true(n > 0);
		plan_release(&plan);
		arena_release(&a);
	}
}

static char *capture(enum progress_mode mode)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct progress *p = progress_new(f, mode);

	progress_step_start(p, 2, 7, "sql.seed", "mgc on a -> b");
	progress_step_percent(p, 2, "a", 40);
	progress_step_end(p, 2, "failed", 1500, "BACKUP failed: \"x\"");
	progress_free(p);
	fclose(f);
	return buf;
}

static void test_progress__log_lines(void **state)
{
	char *text = capture(PROGRESS_TEXT), *json = capture(PROGRESS_JSON);

	(void)state;
	assert_non_null(strstr(text, " event=step_start step=2 kind=sql.seed targets=\"mgc on a -> "
	                             "b\"\n"));
	assert_non_null(strstr(text, " event=step_progress step=2 instance=a percent=40\n"));
	assert_non_null(strstr(text, " event=step_end step=2 result=failed elapsed=1.5s "
	                             "message=\"BACKUP failed: \\\"x\\\"\"\n"));
	assert_non_null(strstr(json,
	                       "\"event\":\"step_progress\",\"step\":\"2\",\"instance\":\"a\","
	                       "\"percent\":\"40\"}\n"));
	free(text);
	free(json);
}

static void test_progress__terminal_bar(void **state)
{
	char *tty = capture(PROGRESS_TTY);

	(void)state;
	assert_non_null(strstr(tty, "\r[2/7] sql.seed mgc on a -> b"));
	assert_non_null(strstr(tty, "[########............]  40%"));
	assert_non_null(strstr(tty, "\n[2/7] failed in 1.5s: BACKUP failed: \"x\"\n"));
	free(tty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_apply_facts__values_as_the_planner_spells_them),
	        cmocka_unit_test(test_apply_facts__moved_facts_are_listed),
	        cmocka_unit_test(test_apply_facts__a_plan_facts_read_back_unchanged),
	        cmocka_unit_test(test_progress__log_lines),
	        cmocka_unit_test(test_progress__terminal_bar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
