/*
 * Unit tests for reconciler/plan/status.c: the exact status table of the
 * core's converged world and of a disaster (dc1 unreachable), a stale
 * copy on a site the spec does not manage, and the JSON document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconciler/plan/status.h"
#include "tests/unit/core/scenarios.h"

static const char *status_text(struct fx *f)
{
	struct strbuf sb = STRBUF_INIT;
	const char *text;

	status_render_text(&f->world, &f->desired, &sb);
	text = arena_strdup(&f->arena, strbuf_cstr(&sb));
	strbuf_release(&sb);
	return text;
}

static void test_status__converged_table(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	fx_db(&f, A1, "mgc")->user_sessions = 7;
	/* columns are as wide as their widest cell */
	assert_string_equal(
	        status_text(&f),
	        "pool 'atl-pchat': Normal, active servers pc1.dc1.litwareinc.com, "
	        "pc2.dc1.litwareinc.com\n"
	        "spec: Normal, active servers pc1.dc1.litwareinc.com, pc2.dc1.litwareinc.com\n"
	        "\n"
	        "INSTANCE                 SITE  REACHABLE  DATABASE  STATE      MIRRORING          "
	        "                             LOG SHIPPING                          LAST RESTORED  "
	        "                              SESSIONS  NOTE\n"
	        "sqla.dc1.litwareinc.com  dc1   yes        mgc       ONLINE     PRINCIPAL "
	        "SYNCHRONIZED sqlb.dc1.litwareinc.com  primary -> sqla.dc2.litwareinc.com    -     "
	        "                                       7\n"
	        "                                          mgccomp   ONLINE     PRINCIPAL "
	        "SYNCHRONIZED sqlb.dc1.litwareinc.com  -                                     -     "
	        "                                       0\n"
	        "sqlb.dc1.litwareinc.com  dc1   yes        mgc       RESTORING  MIRROR "
	        "SYNCHRONIZED sqla.dc1.litwareinc.com     primary -> sqla.dc2.litwareinc.com    -  "
	        "                                          0\n"
	        "                                          mgccomp   RESTORING  MIRROR "
	        "SYNCHRONIZED sqla.dc1.litwareinc.com     -                                     -  "
	        "                                          0\n"
	        "sqla.dc2.litwareinc.com  dc2   yes        mgc       RESTORING  -                  "
	        "                             secondary <- sqla.dc1.litwareinc.com  mgc_F1_300.trn "
	        "(LSN 4100000000000000000400)  0\n"
	        "                                          mgccomp   ONLINE     PRINCIPAL "
	        "SYNCHRONIZED sqlb.dc2.litwareinc.com  -                                     -     "
	        "                                       0\n"
	        "sqlb.dc2.litwareinc.com  dc2   yes        mgccomp   RESTORING  MIRROR "
	        "SYNCHRONIZED sqla.dc2.litwareinc.com     -                                     -  "
	        "                                          0\n");
	fx_release(&f);
}

static void test_status__unreachable_and_stale(void **state)
{
	struct fx f;
	struct model_db *c;
	const char *text;

	(void)state;
	fx_init(&f, "dc1");
	sc_dc1_lost(&f);
	c = fx_db(&f, B2, "mgc");
	c->state = MODEL_DB_RESTORING;
	f.world.pool.reachable = false;
	f.world.pool.unreachable_reason = "pool command timed out";
	text = status_text(&f);
	assert_non_null(strstr(text, "pool 'atl-pchat': unknown (pool command timed out)\n"));
	/* "no", and why in the last column (NOTE): a long error widens nothing */
	assert_non_null(strstr(text, "\nsqla.dc1.litwareinc.com  dc1   no         "));
	assert_non_null(strstr(text, "  connection timed out\n"));
	assert_null(strstr(text, "REACHABLE                "));
	assert_non_null(strstr(text, "note: 'mgc' on 'sqlb.dc2.litwareinc.com' is a stale copy "
	                             "(RESTORING): the spec does not manage it and pcdr never "
	                             "drops a database\n"));
	assert_non_null(strstr(text, "  0         stale\n"));
	fx_release(&f);
}

static void test_status__json(void **state)
{
	struct fx f;
	json_t *doc, *obs;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	fx_db(&f, B2, "mgc")->state = MODEL_DB_RESTORING;
	doc = status_json(&f.world, &f.desired);
	assert_int_equal(json_integer_value(json_object_get(doc, "format_version")), 1);
	assert_string_equal(json_string_value(json_object_get(doc, "pool")), "atl-pchat");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(doc, "desired_pool"), "state")),
	        "Normal");
	obs = json_object_get(doc, "observed");
	assert_string_equal(json_string_value(json_object_get(obs, "model")), "observed");
	assert_int_equal(json_array_size(json_object_get(obs, "instances")), 4);
	assert_int_equal(json_array_size(json_object_get(doc, "stale_copies")), 1);
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(doc, "stale_copies"), 0), "instance")),
	        B2);
	json_decref(doc);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_status__converged_table),
	        cmocka_unit_test(test_status__unreachable_and_stale),
	        cmocka_unit_test(test_status__json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
