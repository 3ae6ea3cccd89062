/*
 * Unit tests for reconciler/audit/history: a sequence of applies written
 * through audit_record_write into a real repository (a planned failover
 * dc1 -> dc2, a disaster failover, a failback, a failed converge, an
 * apply that died after its intent, another pool), then listed newest
 * first as text (compared exactly) and as JSON, filtered by pool and
 * limited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reconciler/audit/history.h"
#include "tests/unit/audit/audit_fixture.h"

static struct gitsrc *src;
static struct audit *audit;
static char ids[3][41];

/* Write one record: `id` apply, started at `at`, `n` steps of `step`. */
static void put(const char *pool, const char *id, const char *at, const char *result,
                const char *kind, const char *from, const char *to, int n, const char *step)
{
	struct audit_written w;
	json_t *r = fx_record(ids[2], result, kind, from, to, n, step);

	json_object_set_new(r, "pool", json_string(pool));
	json_object_set_new(r, "apply_id", json_string(id));
	json_object_set_new(r, "started_at", json_string(at));
	json_object_set_new(json_object_get(r, "reconciler"), "host", json_string("sql-admin01"));
	json_object_set_new(json_object_get(r, "reconciler"), "version", json_string("0.3.0"));
	if (!strcmp(kind, "failover") && !strcmp(id, "00000001"))
		json_object_set_new(r, "demotion",
		                    json_pack("{s:s, s:s}", "tail_log_backup",
		                              "\\\\fs1\\pchat\\mgc_tail.trn", "lsn",
		                              "42000000031200001"));
	if (!strcmp(id, "00000002"))
		json_object_set_new(r, "exposure",
		                    json_pack("{s:s, s:s}", "last_log_at", "2026-11-28T15:59:00Z",
		                              "last_lsn", "42000000035000001"));
	if (!strcmp(result, "failed")) {
		json_t *s = json_array_get(json_object_get(r, "steps"), 1);

		json_object_set_new(json_array_get(json_object_get(r, "steps"), 0), "result",
		                    json_string("succeeded"));
		json_object_set_new(s, "error",
		                    json_string("Msg 4305: the log in this backup set "
		                                "begins at LSN 1\nsecond line"));
		json_object_set_new(json_array_get(json_object_get(r, "steps"), 2), "result",
		                    json_string("not_run"));
	}
	if (audit_record_write(&w, audit, r) < 0)
		fail_msg("audit_record_write: %s", err_last());
	json_decref(r);
}

static int setup_history(void **state)
{
	const char *repo;

	if (fx_setup(state) < 0)
		return -1;
	repo = fx_spec_repo("history", ids);
	src = fx_open_src(repo, NULL);
	audit = fx_open_audit(src, NULL);
	/* oldest first */
	put("atl-pchat", "00000001", "2026-11-28T14:00:00Z", "intent", "failover", "dc1", "dc2", 7,
	    "pending");
	put("atl-pchat", "00000001", "2026-11-28T14:00:00Z", "succeeded", "failover", "dc1", "dc2",
	    7, "succeeded");
	put("lyon-pchat", "00000005", "2026-11-28T14:30:00Z", "succeeded", "converge", "dc1", "dc1",
	    1, "succeeded");
	put("atl-pchat", "00000002", "2026-11-28T16:00:00Z", "succeeded", "failback", "dc2", "dc1",
	    9, "succeeded");
	put("atl-pchat", "00000003", "2026-11-28T17:00:00Z", "intent", "converge", "dc1", "dc1", 3,
	    "pending");
	put("atl-pchat", "00000003", "2026-11-28T17:00:00Z", "failed", "converge", "dc1", "dc1", 3,
	    "failed");
	put("atl-pchat", "00000004", "2026-11-28T18:00:00Z", "intent", "converge", "dc1", "dc1", 2,
	    "pending");
	return 0;
}

static int teardown_history(void **state)
{
	audit_free(audit);
	gitsrc_free(src);
	return fx_teardown(state);
}

static void test_history__text_marks_failovers_and_failbacks(void **state)
{
	struct history h;
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	char *c[5];

	(void)state;
	assert_int_equal(history_load(&h, audit, "atl-pchat", 0), 0);
	assert_int_equal(h.len, 4);
	for (int i = 0; i < 4; i++)
		c[i] = h.items[i].audit_commit;
	history_render_text(&out, &h);
	strbuf_printf(
	        &want,
	        "4 applies recorded on 'pcdr/audit', newest first:\n"
	        "\n"
	        "2026-11-28 18:00:00 UTC  atl-pchat  converge  INCOMPLETE: intent recorded, "
	        "no final record (2 steps planned; still running, or the apply died)\n"
	        "    spec %.12s applied by alice@sql-admin01 with pcdr 0.3.0; audit commit "
	        "%.12s\n"
	        "\n"
	        "2026-11-28 17:00:00 UTC  atl-pchat  converge  failed (3 steps)\n"
	        "    failed at sql.catch_up mgc: Msg 4305: the log in this backup set begins "
	        "at LSN 1 (2 of 3 steps ran)\n"
	        "    spec %.12s applied by alice@sql-admin01 with pcdr 0.3.0; audit commit "
	        "%.12s\n"
	        "\n"
	        "2026-11-28 16:00:00 UTC  atl-pchat  FAILBACK dc2 -> dc1  succeeded (9 steps)\n"
	        "    unplanned (disaster), exposure: last_log_at 2026-11-28T15:59:00Z, last_lsn "
	        "42000000035000001\n"
	        "    spec %.12s applied by alice@sql-admin01 with pcdr 0.3.0; audit commit "
	        "%.12s\n"
	        "\n"
	        "2026-11-28 14:00:00 UTC  atl-pchat  FAILOVER dc1 -> dc2  succeeded (7 steps)\n"
	        "    planned switchover, zero data loss (demotion: tail_log_backup "
	        "\\\\fs1\\pchat\\mgc_tail.trn, lsn 42000000031200001)\n"
	        "    spec %.12s applied by alice@sql-admin01 with pcdr 0.3.0; audit commit "
	        "%.12s\n",
	        ids[2], c[0], ids[2], c[1], ids[2], c[2], ids[2], c[3]);
	assert_string_equal(strbuf_cstr(&out), strbuf_cstr(&want));
	strbuf_release(&out);
	strbuf_release(&want);
	history_release(&h);
}

static void test_history__json_has_a_format_version(void **state)
{
	struct history h;
	json_t *doc, *applies, *a;

	(void)state;
	assert_int_equal(history_load(&h, audit, NULL, 0), 0);
	assert_int_equal(h.len, 5);
	doc = history_render_json(&h);
	assert_int_equal(json_integer_value(json_object_get(doc, "format_version")), 1);
	assert_string_equal(json_string_value(json_object_get(doc, "branch")), "pcdr/audit");
	applies = json_object_get(doc, "applies");
	assert_int_equal(json_array_size(applies), 5);
	a = json_array_get(applies, 4); /* the oldest: the planned failover */
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "failover");
	assert_true(json_is_true(json_object_get(a, "is_move")));
	assert_true(json_is_true(json_object_get(a, "zero_loss")));
	assert_string_equal(json_string_value(json_object_get(a, "from_primary")), "dc1");
	assert_string_equal(json_string_value(json_object_get(a, "to_primary")), "dc2");
	assert_string_equal(json_string_value(json_object_get(a, "result")), "succeeded");
	assert_string_equal(json_string_value(json_object_get(a, "spec_commit")), ids[2]);
	assert_int_equal(json_integer_value(json_object_get(a, "steps")), 7);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(a, "demotion"), "lsn")),
	        "42000000031200001");
	a = json_array_get(applies, 2); /* the failback */
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "failback");
	assert_false(json_is_true(json_object_get(a, "zero_loss")));
	assert_true(json_is_object(json_object_get(a, "exposure")));
	a = json_array_get(applies, 3); /* the other pool */
	assert_string_equal(json_string_value(json_object_get(a, "pool")), "lyon-pchat");
	assert_false(json_is_true(json_object_get(a, "is_move")));
	a = json_array_get(applies, 0);
	assert_string_equal(json_string_value(json_object_get(a, "result")), "incomplete");
	assert_true(json_is_null(json_object_get(a, "finished_at")));
	json_decref(doc);
	history_release(&h);
}

static void test_history__limit_and_empty(void **state)
{
	struct history h;
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(history_load(&h, audit, NULL, 2), 0);
	assert_int_equal(h.len, 2);
	assert_string_equal(h.items[0].apply_id, "00000004");
	assert_string_equal(h.items[1].apply_id, "00000003");
	assert_string_equal(h.items[1].result, "failed");
	history_release(&h);
	assert_int_equal(history_load(&h, audit, "paris-pchat", 0), 0);
	history_render_text(&out, &h);
	assert_string_equal(strbuf_cstr(&out), "no applies recorded on 'pcdr/audit'\n");
	strbuf_release(&out);
	history_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_history__text_marks_failovers_and_failbacks),
	        cmocka_unit_test(test_history__json_has_a_format_version),
	        cmocka_unit_test(test_history__limit_and_empty),
	};
	return cmocka_run_group_tests(tests, setup_history, teardown_history);
}
