/*
 * test_lsn: LSNs in SQL Server's shape and the log that numbers them:
 * formatting and parsing, the slot carrying into the block, strictly
 * increasing LSNs for committed changes, nothing logged for a ROLLBACK,
 * truncation, and the redo encoding replayed onto another database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "lab/sql/dblog.h"
#include "lab/sql/world.h"
#include "test_sql_harness.h"

static void test_format_parse(void **state)
{
	char buf[32];

	(void)state;
	lsn_format(buf, sizeof(buf), 34000000012300001ull);
	assert_string_equal(buf, "34000000012300001");
	assert_true(lsn_parse("34000000012300001") == 34000000012300001ull);
	assert_true(lsn_parse("") == 0);
	assert_true(lsn_parse("12x") == 0);
	assert_true(lsn_parse("99999999999999999999999") == 0); /* overflow */
	lsn_format(buf, sizeof(buf), 0);
	assert_string_equal(buf, "");
}

static void test_succ(void **state)
{
	(void)state;
	assert_true(lsn_succ(34000000012300001ull) == 34000000012300002ull);
	assert_true(lsn_succ(34000000012399999ull) == 34000000012400001ull);
	assert_true(lsn_succ(34000000012300001ull) > 34000000012300001ull);
}

static void test_commits_increase(void **state)
{
	struct fixture f;
	struct sqlinstance *inst;
	struct sqldb *db;
	uint64_t a, b, c;
	size_t n;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fixture_open(&f, NULL), 0);
	inst = f.world->inst[0];
	run(&f, "CREATE TABLE mgc.dbo.t (id int NOT NULL)");
	db = world_db_by_name(inst, "mgc");
	assert_non_null(db->log);
	a = db->log->next;
	run(&f, "INSERT INTO mgc.dbo.t VALUES (1)");
	b = db->log->next;
	assert_true(b > a);
	n = db->log->recs.len;
	run(&f, "BEGIN TRAN; INSERT INTO mgc.dbo.t VALUES (2); ROLLBACK");
	assert_int_equal(db->log->recs.len, n); /* nothing logged */
	run(&f, "BEGIN TRAN; INSERT INTO mgc.dbo.t VALUES (3); UPDATE mgc.dbo.t SET id = 4 WHERE "
	        "id = 1; COMMIT");
	c = db->log->next;
	assert_true(c > b);
	assert_int_equal(db->log->recs.len, n + 1); /* one record at COMMIT */
	for (size_t i = 1; i < db->log->recs.len; i++)
		assert_true(db->log->recs.items[i].lsn > db->log->recs.items[i - 1].lsn);
	/* replay the whole log onto a scratch database: same rows */
	{
		struct sqldb *copy = world_db_create(inst, "copy", 0);
		const char *out;

		for (size_t i = 0; i < db->log->recs.len; i++)
			assert_int_equal(dblog_redo(copy, db->log->recs.items[i].data,
			                            db->log->recs.items[i].len, true),
			                 0);
		out = run(&f, "SELECT id FROM copy.dbo.t ORDER BY id");
		assert_non_null(strstr(out, "row 3\nrow 4\ndone"));
	}
	dblog_truncate(db->log, c);
	assert_int_equal(db->log->recs.len, 0);
	assert_true(db->log->trunc_lsn == c);
	fixture_close(&f);
}

static void test_redo_refuses_garbage(void **state)
{
	struct sqldb scratch;
	uint8_t junk[] = {4, 3, 0, 0, 0, 'd', 'b', 'o', 200, 0, 0, 0};
	uint8_t badop[] = {9, 0, 0, 0, 0, 0, 0, 0, 0};

	(void)state;
	memset(&scratch, 0, sizeof(scratch));
	assert_int_equal(dblog_redo(&scratch, junk, sizeof(junk), false), -1);
	assert_int_equal(dblog_redo(&scratch, badop, sizeof(badop), false), -1);
	assert_int_equal(dblog_redo(&scratch, junk, 0, false), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_format_parse),
	        cmocka_unit_test(test_succ),
	        cmocka_unit_test(test_commits_increase),
	        cmocka_unit_test(test_redo_refuses_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
