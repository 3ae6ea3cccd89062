/*
 * Unit tests for reconciler/plan/model_json*.c: every world of the core's
 * scenarios and every desired model dumps, loads back and dumps to the
 * same JSON, and plans to the same text; malformed documents are refused
 * with the place named; the fixture files under tests/data/plan/ are
 * what the scenarios dump (so they cannot drift from the core's tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconciler/plan/model_json.h"
#include "tests/unit/core/scenarios.h"
#include "util/err.h"

/* dump -> load -> dump is the identity, and the loaded model plans the same. */
static void round_trip(struct fx *f, const struct model *m)
{
	json_t *a = model_json_dump(m), *b;
	struct arena arena = ARENA_INIT;
	struct model back;
	struct plan p1, p2;
	const char *t1, *t2;

	assert_int_equal(model_json_load(&back, &arena, a), 0);
	b = model_json_dump(&back);
	if (!json_equal(a, b)) {
		char *sa = json_dumps(a, JSON_INDENT(1)), *sb = json_dumps(b, JSON_INDENT(1));

		assert_string_equal(sa, sb);
		free(sa);
		free(sb);
	}
	if (!m->topo.primary) {
		t1 = fx_plan_text(f, m, &(struct planner_opts){0}, &p1);
		t2 = fx_plan_text(f, &back, &(struct planner_opts){0}, &p2);
		assert_string_equal(t1, t2);
		plan_release(&p1);
		plan_release(&p2);
	}
	json_decref(a);
	json_decref(b);
	arena_release(&arena);
}

static void test_model_json__round_trip_scenarios(void **state)
{
	void (*worlds[])(struct fx *) = {sc_bare, sc_shipped_ahead, sc_dc1_lost, sc_gap,
	                                 sc_failed_over};
	struct fx f;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		fx_init(&f, k ? "dc2" : "dc1");
		round_trip(&f, &f.desired);
		for (size_t i = 0; i < sizeof(worlds) / sizeof(worlds[0]); i++) {
			worlds[i](&f);
			round_trip(&f, &f.world);
		}
		fx_converged(&f, "dc1");
		round_trip(&f, &f.world);
		fx_release(&f);
	}
}

static void test_model_json__every_field(void **state)
{
	struct fx f;
	struct model_db *c;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	c = fx_db(&f, A2, "mgc");
	c->is_in_standby = true;
	c->recovery = MODEL_RECOVERY_BULK_LOGGED;
	c->fork_parent = "F0";
	c->fork_lsn = fx_lsn(7);
	c->user_sessions = 3;
	c->safety_backup_taken = true;
	c->ls_secondary.last_copied_file = "x.trn";
	c->ls_secondary.job_disabled = true;
	fx_db(&f, A1, "mgc")->ls_primary.job_disabled = true;
	model_instance(&f.world, B2)->reachable = false;
	model_instance(&f.world, B2)->unreachable_reason = "login failed";
	f.world.pool.pings = (const char *[]){"pc9"};
	f.world.pool.n_pings = 1;
	round_trip(&f, &f.world);
	f.world.pool.reachable = false;
	f.world.pool.unreachable_reason = "pool command timed out";
	f.world.pool.state = MODEL_POOL_UNKNOWN;
	round_trip(&f, &f.world);
	fx_release(&f);
}

static void refused(const char *text, const char *message)
{
	struct arena arena = ARENA_INIT;
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	struct model m;

	assert_non_null(doc);
	err_clear();
	assert_int_equal(model_json_load(&m, &arena, doc), ERR_INVALID);
	assert_string_equal(err_last(), message);
	json_decref(doc);
	arena_release(&arena);
}

static void test_model_json__refusals(void **state)
{
	(void)state;
	refused("{\"format_version\": 2}", "invalid model: format_version: must be 1");
	refused("{\"format_version\": 1, \"colour\": 1}", "invalid model: colour: unknown key");
	refused("{\"format_version\": 1, \"instances\": [{\"name\": \"a\"}, {\"site\": \"x\"}]}",
	        "invalid model: instances[1].name: missing");
	refused("{\"format_version\": 1, \"instances\": [{\"name\": \"a\", \"databases\": "
	        "[{\"name\": \"mgc\", \"state\": \"ONLNE\"}]}]}",
	        "invalid model: instances[0].databases[0].state: unknown value");
	refused("{\"format_version\": 1, \"instances\": [{\"name\": \"a\", \"databases\": "
	        "[{\"name\": \"mgc\", \"lsn\": \"12x\"}]}]}",
	        "invalid model: instances[0].databases[0].lsn: not an LSN (a decimal number as a "
	        "string)");
	refused("{\"format_version\": 1, \"instances\": [{\"name\": \"a\", \"databases\": "
	        "[{\"name\": \"mgc\", \"mirroring\": {\"role\": \"BOSS\"}}]}]}",
	        "invalid model: instances[0].databases[0].mirroring.role: unknown value");
	refused("{\"format_version\": 1, \"instances\": [{\"name\": \"a\"}, {\"name\": \"A\"}]}",
	        "invalid model: instances[1].name: instance listed twice");
	refused("{\"format_version\": 1, \"instances\": [{\"name\": \"a\", \"backups\": "
	        "[{\"database\": \"mgc\", \"file\": \"f\", \"type\": \"I\"}]}]}",
	        "invalid model: instances[0].backups[0].type: not \"D\" (full) or \"L\" (log)");
	refused("{\"format_version\": 1, \"pool\": {\"state\": \"Sideways\"}}",
	        "invalid model: pool.state: unknown value");
	refused("{\"format_version\": 1, \"topology\": {\"home\": \"dc1\", \"primary\": \"dc1\", "
	        "\"sites\": [{\"name\": \"dc1\"}], \"databases\": []}}",
	        "invalid model: topology.sites[0].principal: missing");
}

static void test_model_json__read_file_errors(void **state)
{
	struct arena arena = ARENA_INIT;
	struct model m;

	(void)state;
	assert_int_equal(model_json_read_file(&m, &arena, "/nonexistent/pcdr.json"), ERR_NOTFOUND);
	assert_int_equal(model_json_read_file(&m, &arena, "tests/data/plan/../../run"),
	                 ERR_INVALID);
	arena_release(&arena);
}

/* tests/data/plan/NAME is what `world` dumps to. */
static void fixture_is(const struct model *world, const char *name)
{
	char path[256];
	json_error_t jerr;
	json_t *file, *dump = model_json_dump(world);

	snprintf(path, sizeof(path), "tests/data/plan/%s", name);
	file = json_load_file(path, 0, &jerr);
	assert_non_null(file);
	if (!json_equal(file, dump))
		fail_msg("%s differs from its scenario: regenerate it with pcdr debug", path);
	json_decref(file);
	json_decref(dump);
}

static void test_model_json__fixture_files(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc1");
	fixture_is(&f.desired, "desired-dc1.json");
	fx_converged(&f, "dc1");
	fixture_is(&f.world, "observed-converged.json");
	sc_bare(&f);
	fixture_is(&f.world, "observed-bootstrap.json");
	sc_bare(&f);
	fx_unreachable(&f, A2, "connection refused");
	fixture_is(&f.world, "observed-blocked.json");
	fx_release(&f);
	fx_init(&f, "dc2");
	fixture_is(&f.desired, "desired-dc2.json");
	sc_dc1_lost(&f);
	fixture_is(&f.world, "observed-dc1-lost.json");
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_model_json__round_trip_scenarios),
	        cmocka_unit_test(test_model_json__every_field),
	        cmocka_unit_test(test_model_json__refusals),
	        cmocka_unit_test(test_model_json__read_file_errors),
	        cmocka_unit_test(test_model_json__fixture_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
