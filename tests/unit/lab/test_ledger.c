/*
 * Unit tests for lab/ledger.c (and the pool.json parser of lab/pool.c):
 * times round-trip, ledger and history lines parse or are refused with
 * file:line, a line cut by a crash is ignored, and the check behind
 * `pcdr-lab verify` counts lost, allowed, duplicate, unacknowledged and
 * split-brain messages exactly, on hand-made ledgers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/ledger.h"
#include "lab/pool.h"
#include "util/err.h"

#define T0 "2026-11-28T14:00:00"

static const char *const instances[] = {"sqla.dc1.lab", "sqlb.dc1.lab", "sqla.dc2.lab",
                                        "sqlb.dc2.lab"};
static const char *const sites[] = {"dc1", "dc1", "dc2", "dc2"};
static const struct ledger_world world = {instances, sites, 4, "dc1", "dc2"};

static void test_ledger__time_round_trip(void **state)
{
	char buf[LEDGER_TIME_SIZE];
	int64_t us;

	(void)state;
	assert_int_equal(ledger_time_parse("2026-11-28T14:02:11.123456Z", &us), 0);
	ledger_time_format(buf, us);
	assert_string_equal(buf, "2026-11-28T14:02:11.123456Z");
	assert_int_equal(ledger_time_parse("1970-01-01 00:00:01.5", &us), 0);
	assert_int_equal(us, 1500000);
	assert_int_equal(ledger_time_parse("2026-11-28T14:02:11", &us), 0);
	assert_int_equal(us % 1000000, 0);
	assert_int_equal(ledger_time_parse("2026-11-28", &us), ERR_INVALID);
	assert_int_equal(ledger_time_parse("2026-13-28T14:02:11Z", &us), ERR_INVALID);
	assert_int_equal(ledger_time_parse("2026-11-28T14:02:11Zjunk", &us), ERR_INVALID);
	assert_int_equal(ledger_time_parse("2026-11-28T14:02:11.", &us), ERR_INVALID);
}

static void test_ledger__parse_lines(void **state)
{
	const char *text = "# header\n"
	                   "10\tpc1.dc1.lab\t" T0 ".000001Z\tsqla.dc1.lab\tONLINE\n"
	                   "\n"
	                   "11\tpc2.dc1.lab\t" T0 ".000002Z\tsqla.dc1.lab\tPRINCIPAL/2\n"
	                   "12\tpc2.dc1.lab\t" T0 ".0000"; /* cut by a crash */
	struct ledger l;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(ledger_parse(&l, text, strlen(text), "L"), 0);
	assert_int_equal(l.entries.len, 2);
	assert_int_equal(l.entries.items[1].id, 11);
	assert_string_equal(l.entries.items[1].server, "pc2.dc1.lab");
	assert_string_equal(l.entries.items[1].claimed, "PRINCIPAL/2");
	ledger_format_line(&sb, &l.entries.items[0]);
	/* an old five-field line comes back with its position unknown */
	assert_string_equal(sb.ptr,
	                    "10\tpc1.dc1.lab\t" T0 ".000001Z\tsqla.dc1.lab\tONLINE\t-\t-\n");
	strbuf_release(&sb);
	ledger_release(&l);
}

static void test_ledger__lsn_forms(void **state)
{
	struct ledger_allowance a;
	uint64_t lsn;

	(void)state;
	assert_int_equal(ledger_lsn_parse("34000000012300001", &lsn), 0);
	assert_true(lsn == 34000000012300001ull);
	assert_int_equal(ledger_lsn_parse("00000022:0000007b:0001", &lsn), 0);
	assert_true(lsn == 34000000012300001ull);
	assert_int_equal(ledger_lsn_parse("22:7b:1", &lsn), 0);
	assert_true(lsn == 34000000012300001ull);
	assert_int_equal(ledger_lsn_parse("22:7b", &lsn), ERR_INVALID);
	assert_int_equal(ledger_lsn_parse("12x", &lsn), ERR_INVALID);
	assert_int_equal(ledger_lsn_parse("", &lsn), ERR_INVALID);
	assert_int_equal(ledger_lsn_parse("22:7b:186a0", &lsn), ERR_INVALID); /* slot > 99999 */
	assert_int_equal(ledger_allowance_parse("yesterday", &a), ERR_INVALID);
	assert_int_equal(ledger_allowance_parse("2026-11-28T10:00:03.25Z", &a), 0);
	assert_int_equal(a.kind, LEDGER_ALLOW_TIME);
	assert_int_equal(ledger_allowance_parse("", &a), ERR_INVALID);
}

static void test_ledger__old_lines_are_never_allowed(void **state)
{
	const char *text = "1\tpc1.dc1.lab\t" T0 "Z\tsqla.dc1.lab\tONLINE\n"
	                   "2\tpc1.dc1.lab\t" T0 "Z\tsqla.dc1.lab\tONLINE\t-\t-\n";
	struct ledger_allowance a = {LEDGER_ALLOW_LSN, 0, 1};
	struct ledger l;
	struct ledger_report r;

	(void)state;
	assert_int_equal(ledger_parse(&l, text, strlen(text), "L"), 0);
	assert_int_equal(l.entries.len, 2);
	assert_true(l.entries.items[0].lsn == 0 && l.entries.items[1].lab_us == 0);
	ledger_check(&r, &l, NULL, &world, NULL, 0, &a);
	assert_int_equal(r.lost, 2);
	assert_int_equal(r.lost_allowed, 0);
	ledger_report_release(&r);
	a.kind = LEDGER_ALLOW_TIME;
	ledger_check(&r, &l, NULL, &world, NULL, 0, &a);
	assert_int_equal(r.lost_allowed, 0);
	ledger_report_release(&r);
	ledger_release(&l);
}

static void test_ledger__parse_errors_name_the_line(void **state)
{
	struct ledger l;
	struct ledger_history h;
	const char *bad_id = "# x\nx1\tpc1\t" T0 "Z\tsqla\tONLINE\n";
	const char *bad_time = "1\tpc1\tyesterday\tsqla\tONLINE\n";
	const char *short_line = "1\tpc1\t" T0 "Z\tsqla\n";
	const char *six = "1\tpc1\t" T0 "Z\tsqla\tONLINE\t1\n";
	const char *bad_lsn = "1\tpc1\t" T0 "Z\tsqla\tONLINE\tzz\t" T0 "Z\n";
	const char *bad_state = T0 "Z\tBroken\t\n";

	(void)state;
	assert_int_equal(ledger_parse(&l, bad_id, strlen(bad_id), "L"), ERR_INVALID);
	assert_non_null(strstr(err_last(), "L:2: expected ID"));
	assert_int_equal(ledger_parse(&l, bad_time, strlen(bad_time), "L"), ERR_INVALID);
	assert_non_null(strstr(err_last(), "L:1: bad time 'yesterday'"));
	assert_int_equal(ledger_parse(&l, short_line, strlen(short_line), "L"), ERR_INVALID);
	assert_int_equal(ledger_parse(&l, six, strlen(six), "L"), ERR_INVALID);
	assert_int_equal(ledger_parse(&l, bad_lsn, strlen(bad_lsn), "L"), ERR_INVALID);
	assert_non_null(strstr(err_last(), "L:1: bad LSN 'zz'"));
	assert_int_equal(ledger_history_parse(&h, bad_state, strlen(bad_state), "H"), ERR_INVALID);
	assert_non_null(strstr(err_last(), "H:1: expected AT, STATE"));
}

/* A ledger from "id instance second claimed" rows (all at T0 + second). */
static void make_ledger(struct ledger *l, const char *rows)
{
	struct strbuf sb = STRBUF_INIT;
	long long id;
	char inst[64], claimed[32];
	int sec, used;

	/* the lab clock runs elsewhere (10:00 when the wall clock says
	 * 14:00); the LSN grows with the second */
	while (sscanf(rows, " %lld %63s %d %31s%n", &id, inst, &sec, claimed, &used) == 4) {
		strbuf_printf(&sb,
		              "%lld\tpc1.dc1.lab\t2026-11-28T14:00:%02dZ\t%s\t%s\t%llu\t"
		              "2026-11-28T10:00:%02d.5Z\n",
		              id, sec, inst, claimed,
		              34000000012300000ull + (unsigned)sec * 100000u, sec);
		rows += used;
	}
	assert_int_equal(ledger_parse(l, sb.ptr, sb.len, "L"), 0);
	strbuf_release(&sb);
}

static void test_ledger__check_counts_lost_and_duplicates(void **state)
{
	struct ledger l;
	struct ledger_history h = {VEC_INIT};
	struct ledger_report r;
	const int64_t present[] = {1, 2, 2, 4, 99, 5};
	struct ledger_allowance after;

	(void)state;
	make_ledger(&l,
	            "1 sqla.dc1.lab 1 ONLINE  2 sqla.dc1.lab 2 ONLINE  3 sqla.dc1.lab 3 ONLINE"
	            "  4 sqla.dc1.lab 4 ONLINE  5 sqla.dc1.lab 5 ONLINE  6 sqla.dc1.lab 6 ONLINE");
	ledger_check(&r, &l, &h, &world, present, 6, NULL);
	assert_int_equal(r.acknowledged, 6);
	assert_int_equal(r.present, 4);
	assert_int_equal(r.lost, 2);
	assert_int_equal(r.lost_ids.items[0], 3);
	assert_int_equal(r.lost_ids.items[1], 6);
	assert_int_equal(r.lost_allowed, 0);
	assert_int_equal(r.duplicates, 1);
	assert_int_equal(r.duplicate_ids.items[0], 2);
	assert_int_equal(r.unacknowledged, 1);
	assert_int_equal(r.split_brain, 0);
	assert_false(ledger_report_ok(&r));
	ledger_report_release(&r);

	/* losing only what was acknowledged at or after 10:00:03 on the
	 * lab clock is allowed (the wall clock plays no part) */
	assert_int_equal(ledger_allowance_parse("2026-11-28T10:00:03", &after), 0);
	assert_int_equal(after.kind, LEDGER_ALLOW_TIME);
	ledger_check(&r, &l, &h, &world, present + 3, 3, &after);
	assert_int_equal(r.lost, 4); /* 1, 2, 3 and 6 */
	assert_int_equal(r.lost_allowed, 2);
	assert_int_equal(r.kept_after, 2); /* 4 and 5 */
	assert_false(ledger_report_ok(&r));
	ledger_report_release(&r);
	ledger_check(&r, &l, &h, &world, (const int64_t[]){1, 2, 4, 5}, 4, &after);
	assert_int_equal(r.lost, 2);
	assert_int_equal(r.lost_allowed, 2);
	assert_true(ledger_report_ok(&r));
	ledger_report_release(&r);
	/* one second later: 3 is no longer allowed */
	assert_int_equal(ledger_allowance_parse("2026-11-28T10:00:04Z", &after), 0);
	ledger_check(&r, &l, &h, &world, (const int64_t[]){1, 2, 4, 5}, 4, &after);
	assert_int_equal(r.lost_allowed, 1);
	assert_false(ledger_report_ok(&r));
	ledger_report_release(&r);

	/* by LSN: message 3 sits at ...12600000, 6 at ...12900000 */
	assert_int_equal(ledger_allowance_parse("34000000012600000", &after), 0);
	assert_int_equal(after.kind, LEDGER_ALLOW_LSN);
	ledger_check(&r, &l, &h, &world, (const int64_t[]){1, 2, 4, 5}, 4, &after);
	assert_int_equal(r.lost_allowed, 2);
	assert_true(ledger_report_ok(&r));
	ledger_report_release(&r);
	assert_int_equal(ledger_allowance_parse("34000000012600001", &after), 0);
	ledger_check(&r, &l, &h, &world, (const int64_t[]){1, 2, 4, 5}, 4, &after);
	assert_int_equal(r.lost_allowed, 1);
	assert_false(ledger_report_ok(&r));
	ledger_report_release(&r);
	/* the same LSN in the hexadecimal form of sys.dm_db_log_stats */
	assert_int_equal(ledger_allowance_parse("00000022:0000007e:0000", &after), 0);
	assert_true(after.lsn == 34000000012600000ull);
	ledger_check(&r, &l, &h, &world, (const int64_t[]){1, 2, 4, 5}, 4, &after);
	assert_int_equal(r.lost_allowed, 2);
	ledger_report_release(&r);
	ledger_release(&l);
}

static void test_ledger__check_twice_recorded_is_a_duplicate(void **state)
{
	struct ledger l;
	struct ledger_report r;

	(void)state;
	make_ledger(&l, "7 sqla.dc1.lab 1 ONLINE  7 sqla.dc1.lab 2 ONLINE");
	ledger_check(&r, &l, NULL, &world, (const int64_t[]){7}, 1, NULL);
	assert_int_equal(r.acknowledged, 1);
	assert_int_equal(r.present, 1);
	assert_int_equal(r.duplicates, 1);
	assert_false(ledger_report_ok(&r));
	ledger_report_release(&r);
	ledger_release(&l);
}

static void test_ledger__split_brain_across_sites(void **state)
{
	const char *hist = "# h\n" T0 ".000000Z\tNormal\tpc1.dc1.lab\n" T0; /* cut */
	const char *hist2 = T0 ".000000Z\tNormal\tpc1.dc1.lab\n"
	                       "2026-11-28T14:00:10Z\tFailedOver\tpc1.dc2.lab\n";
	struct ledger l;
	struct ledger_history h;
	struct ledger_report r;
	const int64_t present[] = {1, 2, 3, 4};

	(void)state;
	assert_int_equal(ledger_history_parse(&h, hist, strlen(hist), "H"), 0);
	assert_int_equal(h.events.len, 1);
	ledger_history_release(&h);
	assert_int_equal(ledger_history_parse(&h, hist2, strlen(hist2), "H"), 0);
	/* 1: dc1 while Normal; 2: dc2 while Normal (split); 3: dc2 after the
	 * failover; 4: the old principal after the failover (split); 5 unknown */
	make_ledger(&l, "1 sqla.dc1.lab 5 ONLINE  2 sqla.dc2.lab 6 ONLINE  3 SQLA.dc2.lab 11 ONLINE"
	                "  4 sqla.dc1.lab 12 ONLINE");
	ledger_check(&r, &l, &h, &world, present, 4, NULL);
	assert_int_equal(r.split_brain, 2);
	assert_int_equal(r.split_brain_ids.items[0], 2);
	assert_int_equal(r.split_brain_ids.items[1], 4);
	assert_int_equal(r.lost, 0);
	assert_false(ledger_report_ok(&r));
	ledger_report_release(&r);
	ledger_release(&l);
	ledger_history_release(&h);
}

static void test_ledger__split_brain_inside_a_site(void **state)
{
	struct ledger l;
	struct ledger_report r;
	const int64_t present[] = {1, 2, 3, 4, 5, 6};

	(void)state;
	/* a manual failover (1 -> 2) then a failback (3): legitimate; then
	 * sqlb.dc1.lab is forced into service (4, sequence 4) while sqla.dc1.lab
	 * still acknowledges with sequence 3 (5: split brain) */
	make_ledger(&l, "1 sqla.dc1.lab 1 PRINCIPAL/1  2 sqlb.dc1.lab 2 PRINCIPAL/2"
	                "  3 sqla.dc1.lab 3 PRINCIPAL/3  4 sqlb.dc1.lab 4 PRINCIPAL/4"
	                "  5 sqla.dc1.lab 5 PRINCIPAL/3  6 unknown.lab 6 ONLINE");
	ledger_check(&r, &l, NULL, &world, present, 6, NULL);
	assert_int_equal(r.split_brain, 2);
	assert_int_equal(r.split_brain_ids.items[0], 5);
	assert_int_equal(r.split_brain_ids.items[1], 6);
	ledger_report_release(&r);
	ledger_release(&l);
}

static void test_ledger__empty_ledger_passes(void **state)
{
	struct ledger l;
	struct ledger_report r;

	(void)state;
	assert_int_equal(ledger_parse(&l, "", 0, "L"), 0);
	ledger_check(&r, &l, NULL, &world, NULL, 0, NULL);
	assert_int_equal(r.acknowledged, 0);
	assert_true(ledger_report_ok(&r));
	ledger_report_release(&r);
	ledger_release(&l);
}

static void test_ledger__pool_json(void **state)
{
	struct labpool p;
	const char *ok = "{\"state\":\"FailedOver\",\"activeServers\":[\"pc1.dc2.lab\"]}";
	const char *dup = "{\"state\":\"Normal\",\"state\":\"Normal\",\"activeServers\":[]}";
	const char *bad = "{\"state\":\"normal\",\"activeServers\":[]}";

	(void)state;
	assert_int_equal(labpool_parse(&p, ok, strlen(ok)), 0);
	assert_true(p.failed_over);
	assert_int_equal(p.n_active, 1);
	assert_string_equal(p.active[0], "pc1.dc2.lab");
	labpool_release(&p);
	assert_int_equal(labpool_parse(&p, dup, strlen(dup)), ERR_INVALID);
	assert_int_equal(labpool_parse(&p, bad, strlen(bad)), ERR_INVALID);
	assert_int_equal(labpool_parse(&p, "[]", 2), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ledger__time_round_trip),
	        cmocka_unit_test(test_ledger__parse_lines),
	        cmocka_unit_test(test_ledger__parse_errors_name_the_line),
	        cmocka_unit_test(test_ledger__lsn_forms),
	        cmocka_unit_test(test_ledger__old_lines_are_never_allowed),
	        cmocka_unit_test(test_ledger__check_counts_lost_and_duplicates),
	        cmocka_unit_test(test_ledger__check_twice_recorded_is_a_duplicate),
	        cmocka_unit_test(test_ledger__split_brain_across_sites),
	        cmocka_unit_test(test_ledger__split_brain_inside_a_site),
	        cmocka_unit_test(test_ledger__empty_ledger_passes),
	        cmocka_unit_test(test_ledger__pool_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
