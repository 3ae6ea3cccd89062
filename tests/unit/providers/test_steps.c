/*
 * Unit tests for providers/mssql/steps*.c: the exact T-SQL every SQL step
 * sends, in order and to which instance, for given inputs, hostile names
 * included (a database called `x]; DROP DATABASE mgc;--'` stays one
 * quoted identifier and one literal). A fake steps_io records each batch
 * and answers from a small table of canned results (return codes,
 * RESTORE HEADERONLY rows, xp_dirtree listings, server errors).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/mssql/steps.h"
#include "util/err.h"
#include "util/strbuf.h"

#define HOSTILE "x]; DROP DATABASE mgc;--'"

struct fake {
	struct strbuf log;   /* "instance| sql\n" per batch */
	const char *fail_on; /* a batch containing this fails with error 3013 */
	int rc_value;        /* what every procedure returns */
	const char *dirtree[4];
	const char *headers[4][5]; /* file suffix, FirstLSN, LastLSN, FirstRecoveryForkID,
	                              RecoveryForkID */
	const char *redo;          /* redo_start_lsn */
	const char *redo_fork;     /* redo_start_fork_guid */
	const char *role;          /* mirroring role of the principal, NULL: none */
	bool endpoint;             /* the instance has an endpoint */
	int count;                 /* COUNT(*) answers */
};

static void one(struct mssql_result *res, const char *col, const char *val)
{
	const char *cols[1] = {col}, *cells[1] = {val};
	struct mssql_rowset *set = mssql_result_add_set(res, cols, 1);

	mssql_rowset_add_row(res, set, cells);
}

static void headers(struct fake *f, const char *sql, struct mssql_result *res)
{
	const char *cols[7] = {"BackupType", "DatabaseName",        "Position",      "FirstLSN",
	                       "LastLSN",    "FirstRecoveryForkID", "RecoveryForkID"};
	struct mssql_rowset *set = mssql_result_add_set(res, cols, 7);

	for (size_t i = 0; i < 4 && f->headers[i][0]; i++)
		if (strstr(sql, f->headers[i][0])) {
			const char *cells[7] = {"2",
			                        NULL,
			                        "1",
			                        f->headers[i][1],
			                        f->headers[i][2],
			                        f->headers[i][3],
			                        f->headers[i][4]};

			mssql_rowset_add_row(res, set, cells);
		}
}

static void dirtree(struct fake *f, struct mssql_result *res)
{
	const char *cols[3] = {"subdirectory", "depth", "file"};
	struct mssql_rowset *set = mssql_result_add_set(res, cols, 3);

	for (size_t i = 0; i < 4 && f->dirtree[i]; i++) {
		const char *cells[3] = {f->dirtree[i], "1", "1"};

		mssql_rowset_add_row(res, set, cells);
	}
}

static int fake_exec(void *ctx, const char *inst, const char *sql, struct mssql_result *res)
{
	struct fake *f = ctx;
	char n[16];

	strbuf_printf(&f->log, "%s| %s\n", inst, sql);
	if (f->fail_on && strstr(sql, f->fail_on)) {
		struct mssql_message m = {3201, 16, 1, 1, "Cannot open backup device.", ""};

		mssql_result_add_message(res, &m);
		return 0;
	}
	snprintf(n, sizeof(n), "%d", f->rc_value);
	if (strstr(sql, "pcdr_rc"))
		one(res, "pcdr_rc", n);
	else if (strstr(sql, "COUNT(*) AS n")) {
		snprintf(n, sizeof(n), "%d", f->count);
		one(res, "n", n);
	} else if (strstr(sql, "HEADERONLY"))
		headers(f, sql, res);
	else if (strstr(sql, "xp_dirtree"))
		dirtree(f, res);
	else if (strstr(sql, "redo_start_lsn")) {
		const char *cols[3] = {"state_desc", "redo_start_lsn", "redo_start_fork_guid"};
		const char *cells[3] = {"RESTORING", f->redo, f->redo_fork};

		mssql_rowset_add_row(res, mssql_result_add_set(res, cols, 3), cells);
	} else if (strstr(sql, "sys.database_mirroring AS m") && f->role)
		one(res, "mirroring_role_desc", f->role);
	else if (strstr(sql, "database_mirroring_endpoints") && f->endpoint) {
		const char *cols[4] = {"name", "state_desc", "role_desc", "port"};
		const char *cells[4] = {"Mirroring", "STOPPED", "PARTNER", "5023"};

		mssql_rowset_add_row(res, mssql_result_add_set(res, cols, 4), cells);
	}
	return 0;
}

static struct plan_step step(enum plan_step_kind kind, const char *db, const char *inst,
                             const char *peer)
{
	struct plan_step s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.database = db;
	s.instance = inst;
	s.peer = peer;
	return s;
}

static const struct steps_env env = {"\\\\fs1\\ls", "D:\\ls", 300, "20261128T140211Z", false, 0};

static int run(struct fake *f, const struct plan_step *s, const struct steps_env *e,
               struct steps_outcome *out)
{
	struct steps_io io = {f, fake_exec};

	steps_outcome_init(out);
	return steps_run(out, s, e, &io);
}

static void test_steps__recover_and_mirroring_switches_quote_hostile_names(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_RECOVER, HOSTILE, "sqla", NULL);

	(void)state;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	steps_outcome_release(&out);
	s.kind = PLAN_SQL_REMOVE_MIRRORING;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	steps_outcome_release(&out);
	s.kind = PLAN_SQL_MIRROR_FAILOVER;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	steps_outcome_release(&out);
	s.kind = PLAN_SQL_FORCE_SERVICE;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	steps_outcome_release(&out);
	assert_string_equal(
	        strbuf_cstr(&f.log),
	        "sqla| RESTORE DATABASE [x]]; DROP DATABASE mgc;--'] WITH RECOVERY;\n"
	        "sqla| ALTER DATABASE [x]]; DROP DATABASE mgc;--'] SET PARTNER OFF;\n"
	        "sqla| ALTER DATABASE [x]]; DROP DATABASE mgc;--'] SET PARTNER FAILOVER;\n"
	        "sqla| ALTER DATABASE [x]]; DROP DATABASE mgc;--'] SET PARTNER "
	        "FORCE_SERVICE_ALLOW_DATA_LOSS;\n");
	strbuf_release(&f.log);
}

static void test_steps__tail_log_backup_records_the_demotion_token(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_TAIL_LOG_BACKUP, "mgc", "sqla.dc1", NULL);

	(void)state;
	f.headers[0][0] = "mgc_20261128T140211Z_tail.trn";
	f.headers[0][1] = "42000000030000001";
	f.headers[0][2] = "42000000031200001";
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_string_equal(strbuf_cstr(&f.log),
	                    "sqla.dc1| BACKUP LOG [mgc] TO DISK = "
	                    "N'\\\\fs1\\ls\\mgc_20261128T140211Z_tail.trn' WITH NORECOVERY, INIT, "
	                    "CHECKSUM, STATS = 10;\n"
	                    "sqla.dc1| RESTORE HEADERONLY FROM DISK = "
	                    "N'\\\\fs1\\ls\\mgc_20261128T140211Z_tail.trn';\n");
	assert_string_equal(out.file, "\\\\fs1\\ls\\mgc_20261128T140211Z_tail.trn");
	assert_string_equal(out.lsn, "42000000031200001");
	steps_outcome_release(&out);
	strbuf_reset(&f.log);
	s.database = "..\\..\\Windows\\" HOSTILE;                /* no name leaves the share */
	assert_int_equal(run(&f, &s, &env, &out), ERR_CONFLICT); /* no header for it */
	assert_non_null(strstr(strbuf_cstr(&f.log),
	                       "TO DISK = N'\\\\fs1\\ls\\_._.__Windows_x___DROP_DATABASE_mgc_--_"
	                       "_20261128T140211Z_tail.trn'"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void test_steps__safety_backup_is_copy_only(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_SAFETY_BACKUP, "it's", "SQL1\\PCHAT,1433", NULL);

	(void)state;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_string_equal(strbuf_cstr(&f.log),
	                    "SQL1\\PCHAT,1433| BACKUP DATABASE [it's] TO DISK = "
	                    "N'\\\\fs1\\ls\\it_s_20261128T140211Z_safety-SQL1.bak' WITH COPY_ONLY, "
	                    "INIT, CHECKSUM, STATS = 10;\n");
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

/* The seed's log backup is COPY_ONLY: it must not take a log out of the
 * chain log shipping restores from (docs/apply.md). */
static void test_steps__seed_backs_up_then_restores_norecovery(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_SEED, "mgc", "sqla", "sqlb");
	struct steps_env e = env;

	(void)state;
	e.replace = true;
	assert_int_equal(run(&f, &s, &e, &out), 0);
	assert_string_equal(
	        strbuf_cstr(&f.log),
	        "sqla| BACKUP DATABASE [mgc] TO DISK = "
	        "N'\\\\fs1\\ls\\mgc_20261128T140211Z_seed-sqlb.bak' "
	        "WITH INIT, CHECKSUM, STATS = 10;\n"
	        "sqla| BACKUP LOG [mgc] TO DISK = "
	        "N'\\\\fs1\\ls\\mgc_20261128T140211Z_seed-sqlb.trn' "
	        "WITH COPY_ONLY, INIT, CHECKSUM, STATS = 10;\n"
	        "sqlb| RESTORE FILELISTONLY FROM DISK = "
	        "N'\\\\fs1\\ls\\mgc_20261128T140211Z_seed-sqlb.bak';\n"
	        "sqlb| RESTORE DATABASE [mgc] FROM DISK = "
	        "N'\\\\fs1\\ls\\mgc_20261128T140211Z_seed-sqlb.bak' WITH NORECOVERY, REPLACE, "
	        "STATS = 10;\n"
	        "sqlb| RESTORE LOG [mgc] FROM DISK = "
	        "N'\\\\fs1\\ls\\mgc_20261128T140211Z_seed-sqlb.trn' "
	        "WITH FILE = 1, NORECOVERY, STATS = 10;\n");
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

/* A log shipping backup between the seed's full and COPY_ONLY log: the chain from the share. */
static void test_steps__seed_rolls_forward_from_the_share(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_SEED, "mgc", "sqla", "sqlb");
	struct steps_env e = env;
	const char *log;

	(void)state;
	e.copy_to = NULL;
	f.fail_on =
	        "RESTORE LOG [mgc] FROM DISK = N'\\\\fs1\\ls\\mgc_20261128T140211Z_seed-sqlb.trn'";
	f.redo = "100";             /* the full backup's redo point */
	f.dirtree[0] = "mgc_1.trn"; /* the log shipping backup, [50, 220) */
	f.dirtree[1] = "mgc_20261128T140211Z_seed-sqlb.trn";
	f.headers[0][0] = "mgc_1.trn", f.headers[0][1] = "50", f.headers[0][2] = "220";
	f.headers[1][0] = "seed-sqlb.trn", f.headers[1][1] = "150", f.headers[1][2] = "200";
	assert_int_equal(run(&f, &s, &e, &out), 0);
	log = strbuf_cstr(&f.log);
	assert_non_null(strstr(log, "sqlb| RESTORE HEADERONLY FROM DISK = "
	                            "N'\\\\fs1\\ls\\mgc_20261128T140211Z_seed-sqlb.trn'"));
	assert_non_null(strstr(log, "sqlb| RESTORE LOG [mgc] FROM DISK = N'\\\\fs1\\ls\\mgc_1.trn' "
	                            "WITH FILE = 1, NORECOVERY, STATS = 10;\n"));
	assert_int_equal(out.n_restored, 1);
	assert_null(out.error);
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void test_steps__a_failed_statement_stops_the_step(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_SEED, "mgc", "sqla", "sqlb");

	(void)state;
	f.fail_on = "BACKUP LOG";
	assert_int_equal(run(&f, &s, &env, &out), ERR_GENERIC);
	assert_non_null(
	        strstr(out.error, "BACKUP LOG on 'sqla' failed: Cannot open backup device."));
	assert_null(strstr(strbuf_cstr(&f.log), "RESTORE"));
	assert_int_equal(out.n_messages, 1);
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void test_steps__moves_only_when_the_folders_differ(void **state)
{
	struct arena a = ARENA_INIT;
	struct steps_move m[4];
	struct steps_file files[2] = {{"mgc", "C:\\data\\mgc.mdf", 'D'},
	                              {"mgc_log", "C:\\logs\\mgc_log.ldf", 'L'}};
	struct sqlquote q;

	(void)state;
	assert_int_equal(steps_moves(m, 4, &a, files, 2, "C:\\data\\", "C:\\logs"), 0);
	assert_int_equal(steps_moves(m, 4, &a, files, 2, NULL, "C:\\logs"), 0);
	assert_int_equal(steps_moves(m, 4, &a, files, 2, "E:\\sql", "F:\\sqllog\\"), 2);
	assert_string_equal(m[0].physical, "E:\\sql\\mgc.mdf");
	assert_string_equal(m[1].physical, "F:\\sqllog\\mgc_log.ldf");
	sqlquote_init(&q, 0);
	steps_sql_restore_database(&q, "mgc", "\\\\fs\\a.bak", false, m, 2);
	assert_string_equal(sqlquote_cstr(&q),
	                    "RESTORE DATABASE [mgc] FROM DISK = N'\\\\fs\\a.bak' WITH NORECOVERY, "
	                    "MOVE N'mgc' TO N'E:\\sql\\mgc.mdf', MOVE N'mgc_log' TO "
	                    "N'F:\\sqllog\\mgc_log.ldf', STATS = 10;");
	sqlquote_release(&q);
	arena_release(&a);
}

static void test_steps__end_sessions_kills_each_session(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_END_SESSIONS, HOSTILE, "sqla", NULL);

	(void)state;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_true(out.nothing_to_do);
	assert_string_equal(strbuf_cstr(&f.log),
	                    "sqla| SELECT s.session_id FROM sys.dm_exec_sessions AS s WHERE "
	                    "s.database_id = DB_ID(N'x]; DROP DATABASE mgc;--''') AND "
	                    "s.is_user_process = 1 AND s.session_id <> @@SPID;\n");
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void test_steps__drop_log_shipping_checks_return_codes(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY, HOSTILE, "sqla.dc2", NULL);

	(void)state;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_string_equal(
	        strbuf_cstr(&f.log),
	        "sqla.dc2| DECLARE @rc int;\nEXEC @rc = "
	        "master.dbo.sp_delete_log_shipping_secondary_database "
	        "@secondary_database = N'x]; DROP DATABASE mgc;--''';\n"
	        "SELECT @rc AS pcdr_rc;\n"
	        "sqla.dc2| SELECT s.primary_server FROM msdb.dbo.log_shipping_secondary "
	        "AS s WHERE s.primary_database = N'x]; DROP DATABASE mgc;--''' AND NOT "
	        "EXISTS (SELECT 1 FROM msdb.dbo.log_shipping_secondary_databases AS d "
	        "WHERE d.secondary_id = s.secondary_id);\n");
	steps_outcome_release(&out);
	strbuf_reset(&f.log);
	f.rc_value = 1;
	s.kind = PLAN_SQL_DROP_LOG_SHIPPING_PRIMARY;
	s.instance = "sqla.dc1";
	assert_int_equal(run(&f, &s, &env, &out), ERR_CONFLICT);
	assert_string_equal(out.error, "sp_delete_log_shipping_primary_database on 'sqla.dc1' "
	                               "returned 1");
	assert_non_null(strstr(strbuf_cstr(&f.log),
	                       "EXEC @rc = master.dbo.sp_delete_log_shipping_primary_database "
	                       "@database = N'x]; DROP DATABASE mgc;--''';"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void catch_up_fixture(struct fake *f)
{
	f->redo = "100";
	f->dirtree[0] = "mgc_1.trn";
	f->dirtree[1] = "mgc_3.trn";
	f->dirtree[2] = "mgc_2.trn";
	f->dirtree[3] = "other_1.trn";
	f->headers[0][0] = "mgc_1.trn", f->headers[0][1] = "50", f->headers[0][2] = "100";
	f->headers[1][0] = "mgc_2.trn", f->headers[1][1] = "100", f->headers[1][2] = "200";
	f->headers[2][0] = "mgc_3.trn", f->headers[2][1] = "200", f->headers[2][2] = "300";
}

static void test_steps__catch_up_restores_in_lsn_order(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_CATCH_UP, "mgc", "sqla.dc2", "sqla.dc1");
	struct steps_env e = env;

	(void)state;
	e.copy_to = NULL;
	catch_up_fixture(&f);
	s.has_lsn = true;
	s.lsn = model_lsn_u64(300);
	assert_int_equal(run(&f, &s, &e, &out), 0);
	assert_int_equal(out.n_restored, 2);
	assert_string_equal(out.lsn, "300");
	assert_string_equal(
	        strstr(strbuf_cstr(&f.log), "sqla.dc2| RESTORE LOG"),
	        "sqla.dc2| RESTORE LOG [mgc] FROM DISK = N'\\\\fs1\\ls\\mgc_2.trn' WITH FILE = 1, "
	        "NORECOVERY, STATS = 10;\n"
	        "sqla.dc2| RESTORE LOG [mgc] FROM DISK = N'\\\\fs1\\ls\\mgc_3.trn' WITH FILE = 1, "
	        "NORECOVERY, STATS = 10;\n");
	assert_non_null(strstr(strbuf_cstr(&f.log),
	                       "sqla.dc2| EXEC master.sys.xp_dirtree N'\\\\fs1\\ls', 1, 1;\n"));
	assert_null(strstr(strbuf_cstr(&f.log), "other_1"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void test_steps__catch_up_stops_at_a_gap(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_CATCH_UP, "mgc", "sqla.dc2", NULL);
	struct steps_env e = env;

	(void)state;
	e.copy_to = NULL;
	catch_up_fixture(&f);
	f.dirtree[2] = NULL; /* mgc_2.trn is missing: a gap at 100 */
	assert_int_equal(run(&f, &s, &e, &out), 0);
	assert_int_equal(out.n_restored, 0);
	assert_true(out.gap);
	assert_string_equal(out.lsn, "100");
	assert_null(strstr(strbuf_cstr(&f.log), "RESTORE LOG"));
	steps_outcome_release(&out);
	s.has_lsn = true;
	s.lsn = model_lsn_u64(300);
	assert_int_equal(run(&f, &s, &e, &out), ERR_CONFLICT);
	assert_string_equal(out.error,
	                    "the log chain of 'mgc' visible to 'sqla.dc2' stops at LSN 100, before "
	                    "LSN 300, the LSN to reach: gap in the log chain, the next log backup "
	                    "starts at LSN 200; nothing was recovered");
	steps_outcome_release(&out);
	s.peer = "sqla.dc1"; /* after a tail-log backup of sqla.dc1: the way back */
	assert_int_equal(run(&f, &s, &e, &out), ERR_CONFLICT);
	assert_non_null(strstr(out.error,
	                       "nothing was recovered. Put the missing log backup back "
	                       "on the share, or recover 'mgc' on 'sqla.dc1' (RESTORE "
	                       "DATABASE WITH RECOVERY: it holds every change) and apply "
	                       "again, which then reseeds 'sqla.dc2'"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

/* A share that does not answer (a partition) lists nothing; the error says so. */
static void test_steps__catch_up_names_a_share_that_did_not_answer(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_CATCH_UP, "mgc", "sqla.dc2", "sqla.dc1");
	struct steps_env e = env;

	(void)state;
	e.copy_to = NULL; /* the copy folder holds nothing newer either */
	catch_up_fixture(&f);
	f.fail_on = "xp_dirtree N'\\\\fs1";
	s.has_lsn = true;
	s.lsn = model_lsn_u64(300);
	assert_int_equal(run(&f, &s, &e, &out), ERR_CONFLICT);
	assert_non_null(strstr(out.error, "stops at LSN 100, before LSN 300, the LSN to reach; "
	                                  "'\\\\fs1\\ls' did not answer ("));
	assert_non_null(strstr(out.error, "Cannot open backup device."));
	assert_null(strstr(strbuf_cstr(&f.log), "RESTORE LOG"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

/*
 * Recovery forks: the copy is at LSN 100 on fork A. mgc_b.trn (B's first
 * log, spanning the fork point 100 from A) and mgc_c.trn (C's, also from
 * A at 100) both begin there. Before the LSN to reach the copy may cross
 * (a switchover onto the new primary's fork; a set on its own fork is
 * preferred); once there it stays on its fork; a set of another path
 * (first fork neither A nor the copy's) is never restored (4330).
 */
static void test_steps__catch_up_follows_recovery_forks(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_CATCH_UP, "mgc", "sqlb.dc2", "sqla.dc2");
	struct steps_env e = env;

	(void)state;
	e.copy_to = NULL;
	f.redo = "100";
	f.redo_fork = "A";
	f.dirtree[0] = "mgc_x.trn";
	f.dirtree[1] = "mgc_a.trn";
	f.dirtree[2] = "mgc_b.trn";
	f.headers[0][0] = "mgc_x.trn", f.headers[0][1] = "50", f.headers[0][2] = "300";
	f.headers[0][3] = "X", f.headers[0][4] = "X";
	f.headers[1][0] = "mgc_a.trn", f.headers[1][1] = "90", f.headers[1][2] = "100";
	f.headers[1][3] = "A", f.headers[1][4] = "A";
	f.headers[2][0] = "mgc_b.trn", f.headers[2][1] = "100", f.headers[2][2] = "200";
	f.headers[2][3] = "A", f.headers[2][4] = "B";
	s.has_lsn = true;
	s.lsn = model_lsn_u64(200);
	assert_int_equal(run(&f, &s, &e, &out), 0);
	assert_int_equal(out.n_restored, 1);
	assert_string_equal(out.lsn, "200");
	assert_non_null(strstr(strbuf_cstr(&f.log), "mgc_b.trn' WITH FILE = 1, NORECOVERY"));
	assert_null(
	        strstr(strbuf_cstr(&f.log), "RESTORE LOG [mgc] FROM DISK = N'\\\\fs1\\ls\\mgc_x"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);

	/* reached: the log of the other branch beginning at the fork point stays */
	memset(&f.log, 0, sizeof(f.log));
	s.lsn = model_lsn_u64(100);
	assert_int_equal(run(&f, &s, &e, &out), 0);
	assert_int_equal(out.n_restored, 0);
	assert_true(out.nothing_to_do);
	assert_null(strstr(strbuf_cstr(&f.log), "RESTORE LOG"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void test_steps__establish_mirroring_mirror_first(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s =
	        step(PLAN_SQL_ESTABLISH_MIRRORING, "mgc", "sqla.dc1.lab", "SQLB\\PCHAT,1433");

	(void)state;
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_string_equal(
	        strstr(strbuf_cstr(&f.log), "sqla.dc1.lab| CREATE"),
	        "sqla.dc1.lab| CREATE ENDPOINT [Mirroring] STATE = STARTED AS TCP (LISTENER_PORT = "
	        "5022) FOR DATABASE_MIRRORING (ROLE = PARTNER);\n"
	        "SQLB\\PCHAT,1433| SELECT e.name, e.state_desc, e.role_desc, t.port FROM "
	        "sys.database_mirroring_endpoints AS e JOIN sys.tcp_endpoints AS t ON "
	        "t.endpoint_id "
	        "= e.endpoint_id;\n"
	        "SQLB\\PCHAT,1433| CREATE ENDPOINT [Mirroring] STATE = STARTED AS TCP "
	        "(LISTENER_PORT "
	        "= 5022) FOR DATABASE_MIRRORING (ROLE = PARTNER);\n"
	        "SQLB\\PCHAT,1433| ALTER DATABASE [mgc] SET PARTNER = N'TCP://sqla.dc1.lab:5022';\n"
	        "sqla.dc1.lab| ALTER DATABASE [mgc] SET PARTNER = N'TCP://SQLB:5022';\n"
	        "sqla.dc1.lab| ALTER DATABASE [mgc] SET PARTNER SAFETY FULL;\n");
	steps_outcome_release(&out);
	strbuf_reset(&f.log);
	f.endpoint = true; /* existing, stopped endpoint on port 5023 */
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_non_null(strstr(strbuf_cstr(&f.log), "ALTER ENDPOINT [Mirroring] STATE = STARTED;"));
	assert_non_null(strstr(strbuf_cstr(&f.log), "SET PARTNER = N'TCP://SQLB:5023';"));
	steps_outcome_release(&out);
	strbuf_reset(&f.log);
	f.role = "PRINCIPAL"; /* already mirrored: only safety */
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_null(strstr(strbuf_cstr(&f.log), "ENDPOINT"));
	assert_non_null(strstr(strbuf_cstr(&f.log), "SET PARTNER SAFETY FULL;"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

static void test_steps__configure_log_shipping_in_order(void **state)
{
	struct fake f = {0};
	struct steps_outcome out;
	struct plan_step s = step(PLAN_SQL_CONFIGURE_LOG_SHIPPING, HOSTILE, "sqla.dc1", "sqla.dc2");
	const char *log,
	        *order[] = {
	                "sqla.dc1| DECLARE @rc int, @backup_job_id uniqueidentifier, @primary_id "
	                "uniqueidentifier;\nEXEC @rc = "
	                "master.dbo.sp_add_log_shipping_primary_database "
	                "@database = N'x]; DROP DATABASE mgc;--''', @backup_directory = "
	                "N'\\\\fs1\\ls', "
	                "@backup_share = N'\\\\fs1\\ls', @backup_job_name = N'LSBackup_x]; DROP "
	                "DATABASE "
	                "mgc;--''', @backup_retention_period = 4320, @backup_threshold = 60, "
	                "@threshold_alert_enabled = 0, @history_retention_period = 14420, "
	                "@backup_job_id = "
	                "@backup_job_id OUTPUT, @primary_id = @primary_id OUTPUT;\nSELECT @rc AS "
	                "pcdr_rc;",
	                "sqla.dc1| DECLARE @rc int;\nEXEC @rc = msdb.dbo.sp_add_jobschedule "
	                "@job_name = "
	                "N'LSBackup_x]; DROP DATABASE mgc;--''', @name = N'LSBackupSchedule_x]; "
	                "DROP "
	                "DATABASE mgc;--''', @enabled = 1, @freq_type = 4, @freq_interval = 1, "
	                "@freq_subday_type = 4, @freq_subday_interval = 5, @active_start_time = 0;",
	                "sqla.dc1| DECLARE @rc int;\nEXEC @rc = "
	                "master.dbo.sp_add_log_shipping_primary_secondary",
	                "sqlb.dc1| DECLARE @rc int, @backup_job_id",
	                "sqla.dc2| DECLARE @rc int, @copy_job_id uniqueidentifier, @restore_job_id "
	                "uniqueidentifier, @secondary_id uniqueidentifier;\nEXEC @rc = "
	                "master.dbo.sp_add_log_shipping_secondary_primary @primary_server = "
	                "N'sqla.dc1', "
	                "@primary_database = N'x]; DROP DATABASE mgc;--''', "
	                "@backup_source_directory = "
	                "N'\\\\fs1\\ls', @backup_destination_directory = N'D:\\ls', @copy_job_name "
	                "= "
	                "N'LSCopy_sqla.dc1_x]; DROP DATABASE mgc;--''',",
	                "sqla.dc2| DECLARE @rc int;\nEXEC @rc = msdb.dbo.sp_add_jobschedule "
	                "@job_name = "
	                "N'LSCopy_sqla.dc1_",
	                "sqla.dc2| DECLARE @rc int;\nEXEC @rc = msdb.dbo.sp_add_jobschedule "
	                "@job_name = "
	                "N'LSRestore_sqla.dc1_",
	                "sqla.dc2| DECLARE @rc int;\nEXEC @rc = "
	                "master.dbo.sp_add_log_shipping_secondary_database @secondary_database = "
	                "N'x]; "
	                "DROP DATABASE mgc;--''', @primary_server = N'sqla.dc1', @primary_database "
	                "= N'x]; "
	                "DROP DATABASE mgc;--''', @restore_delay = 0, @restore_all = 1, "
	                "@restore_mode = 0, "
	                "@disconnect_users = 0, @restore_threshold = 45, @threshold_alert_enabled "
	                "= 0, "
	                "@history_retention_period = 14420;\nSELECT @rc AS pcdr_rc;",
	                "sqla.dc2| SELECT j.name AS job_name FROM msdb.dbo.sysjobs AS j JOIN "
	                "msdb.dbo.log_shipping_secondary AS ls"};

	(void)state;
	s.peer2 = "sqlb.dc1";
	assert_int_equal(run(&f, &s, &env, &out), 0);
	log = strbuf_cstr(&f.log);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *at = strstr(log, order[i]);

		if (!at)
			fail_msg("missing or out of order: %s\nin: %s", order[i],
			         strbuf_cstr(&f.log));
		log = at + 1;
	}
	steps_outcome_release(&out);
	strbuf_reset(&f.log);
	f.count = 1; /* everything is there already: only the jobs are enabled */
	assert_int_equal(run(&f, &s, &env, &out), 0);
	assert_null(strstr(strbuf_cstr(&f.log), "sp_add"));
	steps_outcome_release(&out);
	strbuf_release(&f.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_steps__recover_and_mirroring_switches_quote_hostile_names),
	        cmocka_unit_test(test_steps__tail_log_backup_records_the_demotion_token),
	        cmocka_unit_test(test_steps__safety_backup_is_copy_only),
	        cmocka_unit_test(test_steps__seed_backs_up_then_restores_norecovery),
	        cmocka_unit_test(test_steps__seed_rolls_forward_from_the_share),
	        cmocka_unit_test(test_steps__a_failed_statement_stops_the_step),
	        cmocka_unit_test(test_steps__moves_only_when_the_folders_differ),
	        cmocka_unit_test(test_steps__end_sessions_kills_each_session),
	        cmocka_unit_test(test_steps__drop_log_shipping_checks_return_codes),
	        cmocka_unit_test(test_steps__catch_up_restores_in_lsn_order),
	        cmocka_unit_test(test_steps__catch_up_stops_at_a_gap),
	        cmocka_unit_test(test_steps__catch_up_names_a_share_that_did_not_answer),
	        cmocka_unit_test(test_steps__catch_up_follows_recovery_forks),
	        cmocka_unit_test(test_steps__establish_mirroring_mirror_first),
	        cmocka_unit_test(test_steps__configure_log_shipping_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
