/*
 * Unit tests for reconciler/plan/plan_json.c: the plan JSON checked field
 * by field, the canonical facts text, the fingerprint (the git blob id of
 * that text, as `git hash-object` computes it) and the saved plan file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconciler/plan/plan_json.h"
#include "util/err.h"
#include "tests/unit/plan/plan_fixture.h"

static const char *str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static json_int_t num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void test_plan_json__document(void **state)
{
	struct plan plan;
	json_t *doc, *steps, *notes;

	(void)state;
	pf_plan(&plan);
	doc = plan_json(&plan);
	assert_int_equal(num(doc, "format_version"), 1);
	assert_string_equal(str(doc, "pool"), "atl");
	assert_string_equal(str(doc, "status"), "blocked");
	assert_int_equal(num(doc, "steps_total"), 4);
	assert_int_equal(num(doc, "steps_blocked"), 1);
	assert_null(json_object_get(doc, "refusal"));
	notes = json_object_get(doc, "notes");
	assert_int_equal(json_array_size(notes), 2);
	assert_string_equal(json_string_value(json_array_get(notes, 1)),
	                    "'b1' is unreachable | pipes are escaped");
	steps = json_object_get(doc, "steps");
	assert_int_equal(json_array_size(steps), 4);
	assert_int_equal(json_object_size(doc), 7);
	json_decref(doc);
	plan_release(&plan);
}

static void test_plan_json__step_fields(void **state)
{
	struct plan plan;
	json_t *doc, *s, *t, *deps, *facts;

	(void)state;
	pf_plan(&plan);
	doc = plan_json(&plan);
	s = json_array_get(json_object_get(doc, "steps"), 1);
	assert_int_equal(num(s, "number"), 2);
	assert_string_equal(str(s, "phase"), "move");
	assert_string_equal(str(s, "kind"), "sql.recover");
	t = json_object_get(s, "target");
	assert_string_equal(str(t, "database"), "mgc");
	assert_string_equal(str(t, "instance"), "SQL2\\PCHAT");
	assert_null(json_object_get(t, "peer"));
	assert_null(json_object_get(t, "lsn"));
	assert_string_equal(str(s, "reason"), "bring it online");
	assert_string_equal(str(s, "risk"), "data-loss");
	deps = json_object_get(s, "dependencies");
	assert_int_equal(json_array_size(deps), 1);
	assert_int_equal(json_integer_value(json_array_get(deps, 0)), 1);
	assert_true(json_is_true(json_object_get(s, "blocked")));
	assert_string_equal(str(s, "blocked_reason"), "'SQL2\\PCHAT' is unreachable");
	facts = json_object_get(s, "facts");
	assert_int_equal(json_object_size(facts), 2);
	assert_string_equal(str(facts, "SQL2\\PCHAT.reachable"), "false");
	assert_string_equal(str(facts, "pool.state"), "Normal");

	s = json_array_get(json_object_get(doc, "steps"), 3);
	t = json_object_get(s, "target");
	assert_int_equal(json_array_size(json_object_get(t, "servers")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "servers"), 1)),
	                    "pc2.dc2");
	assert_true(json_is_false(json_object_get(s, "blocked")));
	assert_null(json_object_get(s, "blocked_reason"));
	s = json_array_get(json_object_get(doc, "steps"), 2);
	assert_string_equal(str(json_object_get(s, "target"), "pool_state"), "FailedOver");
	assert_int_equal(json_array_size(json_object_get(s, "dependencies")), 2);
	json_decref(doc);
	plan_release(&plan);
}

static void test_plan_json__facts_text_and_fingerprint(void **state)
{
	struct plan plan;
	struct strbuf text = STRBUF_INIT;
	char id[41], id2[41];

	(void)state;
	pf_plan(&plan);
	plan_json_facts_text(&plan, &text);
	assert_string_equal(strbuf_cstr(&text), "SQL2\\PCHAT.reachable=false\npool.state=Normal\n");
	assert_int_equal(plan_json_fingerprint(id, &plan), 0);
	/* printf 'SQL2\\PCHAT.reachable=false\npool.state=Normal\n' | git hash-object --stdin */
	assert_string_equal(id, "bf59f51287e6710adb2a0199967a5a6ca761472e");
	plan_step_add_fact(&plan, &plan.steps[3], "pool.active_servers", "(none)");
	assert_int_equal(plan_json_fingerprint(id2, &plan), 0);
	assert_string_not_equal(id, id2);
	strbuf_release(&text);
	plan_release(&plan);
}

static void test_plan_json__saved_file(void **state)
{
	struct plan plan;
	struct plan_json_spec spec = {"0123456789abcdef0123456789abcdef01234567", "Fail over",
	                              "pools/atl.yaml"};
	char path[] = "/tmp/pcdr-saved-XXXXXX";
	json_error_t jerr;
	json_t *doc, *back, *fp;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	pf_plan(&plan);
	doc = plan_json_saved(&plan, &spec);
	assert_non_null(doc);
	assert_int_equal(plan_json_write_file(doc, path), 0);
	back = json_load_file(path, 0, &jerr);
	assert_non_null(back);
	assert_true(json_equal(doc, back));
	assert_int_equal(num(back, "format_version"), 1);
	assert_string_equal(str(back, "kind"), "pcdr-saved-plan");
	assert_string_equal(str(json_object_get(back, "spec"), "commit"), spec.commit);
	assert_string_equal(str(json_object_get(back, "spec"), "path"), "pools/atl.yaml");
	assert_string_equal(str(back, "pool"), "atl");
	assert_string_equal(str(json_object_get(back, "plan"), "status"), "blocked");
	fp = json_object_get(back, "fingerprint");
	assert_string_equal(str(fp, "algorithm"), "git-blob-sha1");
	assert_string_equal(str(fp, "value"), "bf59f51287e6710adb2a0199967a5a6ca761472e");
	assert_int_equal(json_object_size(json_object_get(fp, "facts")), 2);
	assert_string_equal(str(json_object_get(fp, "facts"), "pool.state"), "Normal");
	unlink(path);
	json_decref(back);
	json_decref(doc);
	plan_release(&plan);
}

static void test_plan_json__write_to_missing_folder_fails(void **state)
{
	json_t *doc = json_object();

	(void)state;
	assert_int_equal(plan_json_write_file(doc, "/nonexistent-pcdr/x/plan.json"), ERR_IO);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plan_json__document),
	        cmocka_unit_test(test_plan_json__step_fields),
	        cmocka_unit_test(test_plan_json__facts_text_and_fingerprint),
	        cmocka_unit_test(test_plan_json__saved_file),
	        cmocka_unit_test(test_plan_json__write_to_missing_folder_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
