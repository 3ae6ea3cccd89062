/*
 * Unit tests for reconciler/core/model.c, model_diff.c and chain.c: LSNs
 * beyond 64 bits (parse, compare, print), lookups, deep copy, the
 * comparison with a desired model, lineage and the LSN chain walk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reconciler/core/chain.h"
#include "tests/unit/core/scenarios.h"
#include "util/err.h"

static void test_model__lsn_beyond_64_bits_round_trips(void **state)
{
	const char *big = "8177105000003941300003"; /* Microsoft's example, 22 digits */
	struct model_lsn a, b;
	char out[MODEL_LSN_STRLEN];

	(void)state;
	assert_int_equal(model_lsn_parse(&a, big), 0);
	assert_true(a.hi > 0);
	model_lsn_format(a, out);
	assert_string_equal(out, big);
	assert_int_equal(model_lsn_parse(&b, "8177105000003941300004"), 0);
	assert_int_equal(model_lsn_cmp(a, b), -1);
	assert_int_equal(model_lsn_cmp(b, a), 1);
	assert_int_equal(model_lsn_cmp(a, a), 0);
	assert_int_equal(model_lsn_parse(&b, "18446744073709551616"), 0); /* 2^64 */
	assert_int_equal(b.hi, 1);
	assert_int_equal(b.lo, 0);
	model_lsn_format(model_lsn_u64(0), out);
	assert_string_equal(out, "0");
}

static void test_model__lsn_rejects_garbage(void **state)
{
	struct model_lsn a = model_lsn_u64(7);

	(void)state;
	assert_int_equal(model_lsn_parse(&a, ""), ERR_INVALID);
	assert_int_equal(model_lsn_parse(&a, "12a"), ERR_INVALID);
	assert_int_equal(model_lsn_parse(&a, "-1"), ERR_INVALID);
	assert_int_equal(model_lsn_parse(&a, "9999999999999999999999999999999999999999"),
	                 ERR_INVALID);
	assert_int_equal(a.lo, 7); /* unchanged on failure */
	err_clear();
}

static void test_model__lookup_is_case_insensitive_for_instances(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	assert_non_null(model_copy_of(&f.world, "SQLA.DC1.LITWAREINC.COM", "mgc"));
	assert_null(model_copy_of(&f.world, A1, "MGC"));
	assert_null(model_copy_of(&f.world, "nowhere", "mgc"));
	fx_release(&f);
}

static void test_model__copy_is_deep(void **state)
{
	struct fx f;
	struct model c;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	model_copy(&c, &f.arena, &f.world);
	model_copy_of(&c, A1, "mgc")->state = MODEL_DB_RESTORING;
	model_set_active_servers(&c, NULL, 0);
	assert_int_equal(model_copy_of(&f.world, A1, "mgc")->state, MODEL_DB_ONLINE);
	assert_int_equal(f.world.pool.n_active_servers, 2);
	assert_int_equal(model_instance(&c, A2)->n_backups,
	                 model_instance(&f.world, A2)->n_backups);
	fx_release(&f);
}

static void test_model__diff_of_converged_world_is_empty(void **state)
{
	struct fx f;
	struct strbuf why = STRBUF_INIT;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	assert_int_equal(model_diff(&f.desired, &f.world, &why), 0);
	model_copy_of(&f.world, B1, "mgc")->mirroring.safety = MODEL_SAFETY_OFF;
	model_set_active_servers(&f.world, NULL, 0);
	assert_int_equal(model_diff(&f.desired, &f.world, &why), 2);
	assert_string_equal(strbuf_cstr(&why), "pool/active servers: differ\n"
	                                       "sqlb.dc1.litwareinc.com/mgc: mirroring differs\n");
	strbuf_release(&why);
	fx_release(&f);
}

/* Observed under write traffic, the mirror's LSN is read a moment after
 * the principal's: ahead of it is no divergence for the authority's own
 * mirror, but it is for any other copy (the log shipping secondary). */
static void test_model__diff_accepts_a_mirror_ahead_of_its_principal(void **state)
{
	struct fx f;
	struct strbuf why = STRBUF_INIT;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	model_copy_of(&f.world, B1, "mgc")->lsn = fx_lsn(2000);
	assert_int_equal(model_diff(&f.desired, &f.world, &why), 0);
	model_copy_of(&f.world, B1, "mgc")->mirroring.partner = A2; /* someone else's mirror */
	assert_int_equal(model_diff(&f.desired, &f.world, &why), 2);
	assert_string_equal(strbuf_cstr(&why),
	                    "sqlb.dc1.litwareinc.com/mgc: mirroring differs\n"
	                    "sqlb.dc1.litwareinc.com/mgc: not on the authority's log chain\n");
	strbuf_reset(&why);
	model_copy_of(&f.world, B1, "mgc")->mirroring.partner = A1;
	model_copy_of(&f.world, A2, "mgc")->lsn = fx_lsn(2000);
	assert_int_equal(model_diff(&f.desired, &f.world, &why), 1);
	assert_string_equal(strbuf_cstr(&why),
	                    "sqla.dc2.litwareinc.com/mgc: not on the authority's log chain\n");
	strbuf_release(&why);
	fx_release(&f);
}

static void test_model__diff_skips_unreachable_instances(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc2"); /* wants dc2 primary: dc1 differs everywhere */
	fx_converged(&f, "dc2");
	fx_unreachable(&f, A1, "down");
	assert_int_equal(model_diff(&f.desired, &f.world, NULL), 0);
	fx_release(&f);
}

static void test_model__lineage_follows_one_fork_step(void **state)
{
	struct model_db old = {.fork = "F1", .lsn = fx_lsn(450)};
	struct model_db auth = {
	        .fork = "F2", .fork_parent = "F1", .fork_lsn = fx_lsn(450), .lsn = fx_lsn(600)};
	struct model_db ahead = {.fork = "F1", .lsn = fx_lsn(470)};

	(void)state;
	assert_true(model_lineage_ok(&old, &auth));
	assert_false(model_lineage_ok(&ahead, &auth)); /* diverged past the fork point */
	assert_false(model_lineage_ok(&auth, &old));
}

static void test_chain__walk_stops_at_a_gap(void **state)
{
	struct fx f;
	struct chain_result r;
	char buf[MODEL_LSN_STRLEN];

	(void)state;
	fx_init(&f, "dc1");
	sc_gap(&f);
	chain_walk(model_instance(&f.world, A2), "mgc", fx_lsn(300), "F1", NULL, &r);
	assert_int_equal(r.n_logs, 2);
	assert_true(r.gap);
	model_lsn_format(r.gap_from, buf);
	assert_string_equal(buf, "4100000000000000000420");
	model_lsn_format(r.gap_to, buf);
	assert_string_equal(buf, "4100000000000000000440");
	assert_string_equal(r.last->file, "mgc_F1_400.trn");
	fx_release(&f);
}

static void test_chain__walk_ignores_other_forks(void **state)
{
	struct fx f;
	struct chain_result r;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	fx_logs(&f, "F9", 400, 500, 50); /* a divergent copy shipping to the same share */
	chain_walk(model_instance(&f.world, A2), "mgc", fx_lsn(100), "F1", NULL, &r);
	assert_int_equal(r.n_logs, 3);
	assert_false(r.gap);
	assert_int_equal(
	        model_lsn_cmp(chain_backed_up_to(model_instance(&f.world, A2), "mgc", "F1"),
	                      fx_lsn(400)),
	        0);
	fx_release(&f);
}

/* a copy left at the fork point (the old primary's tail-log backup) takes
 * the set that spans it, then the new fork's logs after it */
static void test_chain__walk_crosses_a_fork_point(void **state)
{
	struct fx f;
	struct chain_result r;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");          /* F1's logs up to LSN 400 */
	fx_logs(&f, "F9", 400, 600, 100); /* a divergent copy shipping to the same share */
	fx_span_log(&f, "F1", "F2", 400, 450);
	fx_logs(&f, "F2", 450, 550, 50);
	chain_walk(model_instance(&f.world, A2), "mgc", fx_lsn(100), "F1", NULL, &r);
	assert_int_equal(r.n_logs, 6);
	assert_int_equal(model_lsn_cmp(r.end, fx_lsn(550)), 0);
	assert_int_equal(model_lsn_cmp(r.fork_lsn, fx_lsn(400)), 0);
	assert_string_equal(r.last->fork, "F2");
	assert_false(r.gap);
	/* told where to end up (F1 or F9): it never leaves those forks */
	chain_walk(model_instance(&f.world, A2), "mgc", fx_lsn(100), "F1", "F9", &r);
	assert_int_equal(model_lsn_cmp(r.end, fx_lsn(600)), 0);
	assert_true(model_lsn_is_zero(r.fork_lsn));
	/* from the parent fork's far side of the fork point: another path */
	chain_walk(model_instance(&f.world, A2), "mgc", fx_lsn(420), "F1", NULL, &r);
	assert_int_equal(r.n_logs, 0);
	/* a copy already on the new fork takes its logs without the crossing */
	chain_walk(model_instance(&f.world, A2), "mgc", fx_lsn(450), "F2", NULL, &r);
	assert_int_equal(r.n_logs, 2);
	assert_true(model_lsn_is_zero(r.fork_lsn));
	fx_release(&f);
}

/* the crossing set missing: the new fork's logs are a gap, not a chain */
static void test_chain__walk_without_the_spanning_log_stops(void **state)
{
	struct fx f;
	struct chain_result r;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	fx_span_log(&f, "F1", "F2", 400, 450);
	fx_logs(&f, "F2", 500, 550, 50); /* 450..500 lost */
	chain_walk(model_instance(&f.world, A2), "mgc", fx_lsn(100), "F1", NULL, &r);
	assert_int_equal(model_lsn_cmp(r.end, fx_lsn(450)), 0);
	assert_true(r.gap);
	assert_int_equal(model_lsn_cmp(r.gap_to, fx_lsn(500)), 0);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_model__lsn_beyond_64_bits_round_trips),
	        cmocka_unit_test(test_model__lsn_rejects_garbage),
	        cmocka_unit_test(test_model__lookup_is_case_insensitive_for_instances),
	        cmocka_unit_test(test_model__copy_is_deep),
	        cmocka_unit_test(test_model__diff_of_converged_world_is_empty),
	        cmocka_unit_test(test_chain__walk_crosses_a_fork_point),
	        cmocka_unit_test(test_chain__walk_without_the_spanning_log_stops),
	        cmocka_unit_test(test_model__diff_accepts_a_mirror_ahead_of_its_principal),
	        cmocka_unit_test(test_model__diff_skips_unreachable_instances),
	        cmocka_unit_test(test_model__lineage_follows_one_fork_step),
	        cmocka_unit_test(test_chain__walk_stops_at_a_gap),
	        cmocka_unit_test(test_chain__walk_ignores_other_forks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
