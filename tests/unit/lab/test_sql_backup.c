/*
 * test_sql_backup: BACKUP and RESTORE through T-SQL between two lab
 * instances and the share: the bootstrap of a mirror (full + log WITH
 * NORECOVERY), the LSN chain errors (4305, 4326, 4312, 3117, 3153), the
 * REPLACE rules (3154, 3159), exclusive access (3101, 3102), the backup
 * side (4208, 4214, 3036, 927, 3201), msdb history and HEADERONLY.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_dr_harness.h"

static int setup(void **state)
{
	struct drfix *d = calloc(1, sizeof(*d));

	*state = d;
	return dr_open(d);
}

static int teardown(void **state)
{
	struct drfix *d = *state;

	dr_close(d);
	free(d);
	return 0;
}

static void test_full_and_logs(void **state)
{
	struct drfix *d = *state;
	const char *out;

	out = run(&d->f,
	          "CREATE TABLE mgc.dbo.t (id int NOT NULL, v nvarchar(20) NULL);"
	          "INSERT INTO mgc.dbo.t VALUES (1, N'one');"
	          "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\mgc.bak' WITH INIT, "
	          "STATS = 50");
	assert_has(out, "info 3211 0 1 L1 50 percent processed.");
	assert_has(out, "info 3014 0 1 L1 BACKUP DATABASE successfully processed");
	out = run(&d->f, "INSERT INTO mgc.dbo.t VALUES (2, N'two');"
	                 "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_1.trn' WITH INIT;"
	                 "INSERT INTO mgc.dbo.t VALUES (3, N'three');"
	                 "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_2.trn' WITH INIT;"
	                 "UPDATE mgc.dbo.t SET v = N'THREE' WHERE id = 3; DELETE FROM mgc.dbo.t "
	                 "WHERE id = 1;"
	                 "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_3.trn' WITH INIT;");
	assert_has(out, "BACKUP LOG successfully processed");
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc.bak' WITH "
	              "NORECOVERY; SELECT state_desc FROM sys.databases WHERE name = 'mgc'");
	assert_has(out, "RESTORE DATABASE successfully processed");
	assert_has(out, "row 'RESTORING'");
	out = run2(d, "SELECT * FROM mgc.dbo.t");
	assert_has(out, "msg 927 14 1 L1 Database 'mgc' cannot be opened. It is in the middle of a "
	                "restore.");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_2.trn' WITH "
	              "NORECOVERY");
	assert_has(out, "msg 4305 16 1 L1 The log in this backup set begins at LSN ");
	assert_has(out, "msg 3013 16 1 L1 RESTORE LOG is terminating abnormally.");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_1.trn' WITH "
	              "NORECOVERY");
	assert_has(out, "RESTORE LOG successfully processed");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_1.trn' WITH "
	              "NORECOVERY");
	assert_has(out, "msg 4326 16 1 L1 The log in this backup set terminates at LSN ");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_2.trn' WITH "
	              "NORECOVERY;"
	              "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_3.trn' WITH "
	              "RECOVERY;"
	              "SELECT id, v FROM mgc.dbo.t ORDER BY id");
	assert_has(out, "row 2 'two'\nrow 3 'THREE'\ndone");
	out = run2(d, "RESTORE DATABASE mgc WITH RECOVERY");
	assert_has(out, "msg 3153 16 1 L1 The database is already fully recovered.");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc_3.trn'");
	assert_has(out, "msg 3117 16 1 L1 The log or differential backup cannot be restored");
	out = run2(d, "SELECT COUNT(*) FROM msdb.dbo.restorehistory");
	assert_has(out, "row 4");
}

static void test_replace_rules(void **state)
{
	struct drfix *d = *state;
	const char *out;

	run(&d->f, "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\a.bak' WITH INIT");
	run2(d, "CREATE DATABASE mgc");
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\a.bak'");
	assert_has(out, "msg 3154 16 1 L1 The backup set holds a backup of a database other than "
	                "the existing 'mgc' database.");
	out = run(&d->f, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\a.bak'");
	assert_has(out, "msg 3159 16 1 L1 The tail of the log for the database \"mgc\" has not "
	                "been backed up.");
	out = run(&d->f,
	          "USE mgc; RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\a.bak' "
	          "WITH REPLACE");
	assert_has(out, "msg 3102 16 1 L1 RESTORE DATABASE cannot process database 'mgc' because "
	                "it is in use by this session.");
	out = run2(d,
	           "USE master; RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\a.bak' "
	           "WITH REPLACE, RECOVERY; SELECT state_desc FROM sys.databases WHERE name = "
	           "'mgc'");
	assert_has(out, "row 'ONLINE'");
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\nope.bak'");
	assert_has(out, "msg 3201 16 1 L1 Cannot open backup device "
	                "'\\\\fs1.lab\\pchat-ls\\nope.bak'. Operating system error 2(The system "
	                "cannot find the file specified.).");
	out = run2(d, "BACKUP DATABASE mgc TO DISK = N'\\\\elsewhere\\x\\nope.bak'");
	assert_has(out, "msg 3201 16 1 L1");
	assert_has(out, "msg 3013 16 1 L1 BACKUP DATABASE is terminating abnormally.");
}

static void test_backup_errors(void **state)
{
	struct drfix *d = *state;
	const char *out;

	out = run(&d->f, "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\x.trn'");
	assert_has(out, "msg 4214 16 1 L1 BACKUP LOG cannot be performed because there is no "
	                "current database backup.");
	out = run(&d->f, "BACKUP LOG mgccomp TO DISK = N'\\\\fs1.lab\\pchat-ls\\x.trn'");
	assert_has(out, "msg 4208 16 1 L1 The statement BACKUP LOG is not allowed while the "
	                "recovery model is SIMPLE.");
	out = run(&d->f, "BACKUP DATABASE nosuch TO DISK = N'\\\\fs1.lab\\pchat-ls\\x.bak'");
	assert_has(out, "msg 911 16 1 L1");
	out = run(&d->f,
	          "BEGIN TRAN; BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\x.bak'; "
	          "ROLLBACK");
	assert_has(out, "msg 3021 16 1 L1 Cannot perform a backup or restore operation within a "
	                "transaction.");
	/* tail-log backup: leaves the database RESTORING */
	run(&d->f, "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\t.bak' WITH INIT");
	out = run(&d->f, "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\t.trn' WITH INIT, "
	                 "NORECOVERY; SELECT state_desc FROM sys.databases WHERE name = 'mgc'");
	assert_has(out, "row 'RESTORING'");
	out = run(&d->f, "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\t2.bak'");
	assert_has(out, "msg 927 16 1 L1");
	out = run(&d->f, "SELECT type, is_force_offline FROM msdb.dbo.backupset ORDER BY "
	                 "backup_set_id");
	assert_has(out, "row 'D' 0\nrow 'L' 1\n");
	out = run(&d->f, "RESTORE HEADERONLY FROM DISK = N'\\\\fs1.lab\\pchat-ls\\t.trn'");
	assert_has(out, "BackupType:smallint");
	assert_has(out, "'Transaction Log'");
	out = run(&d->f, "RESTORE DATABASE mgc WITH STANDBY = N'D:\\undo.dat'; SELECT state_desc, "
	                 "is_in_standby FROM sys.databases WHERE name = 'mgc'");
	assert_has(out, "row 'ONLINE' 1");
	out = run(&d->f, "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\t3.bak'");
	assert_has(out, "msg 3036 16 1 L1");
}

static void test_chain_errors(void **state)
{
	struct drfix *d = *state;
	const char *out;

	run(&d->f, "CREATE DATABASE other;"
	           "BACKUP DATABASE other TO DISK = N'\\\\fs1.lab\\pchat-ls\\o.bak' WITH INIT;"
	           "BACKUP LOG other TO DISK = N'\\\\fs1.lab\\pchat-ls\\o.trn' WITH INIT;"
	           "CREATE TABLE mgc.dbo.t (id int NOT NULL);"
	           "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\c.bak' WITH INIT;"
	           "INSERT INTO mgc.dbo.t VALUES (1);"
	           "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\c1.trn' WITH INIT;");
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\c.bak' WITH "
	              "NORECOVERY; RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\c1.trn' "
	              "WITH NORECOVERY");
	assert_hasnt(out, "msg ");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\o.trn' WITH "
	              "NORECOVERY");
	assert_has(out, "msg 4330 16 1 L1 This backup set cannot be applied because it is on a "
	                "recovery path that is inconsistent with the database.");
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\c1.trn'");
	assert_has(out, "msg 3135 16 1 L1");
	/* SIMPLE breaks the chain: BACKUP LOG needs a new full, whose logs
	 * cannot follow the old chain (4312) */
	out = run(&d->f, "ALTER DATABASE mgc SET RECOVERY SIMPLE; INSERT INTO mgc.dbo.t VALUES (2);"
	                 "ALTER DATABASE mgc SET RECOVERY FULL;"
	                 "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\c2.trn' WITH INIT");
	assert_has(out, "msg 4214 16 1 L1");
	out = run(&d->f, "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\c2.bak' WITH "
	                 "INIT; INSERT INTO mgc.dbo.t VALUES (3);"
	                 "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\c2.trn' WITH INIT;"
	                 "RESTORE HEADERONLY FROM DISK = N'\\\\fs1.lab\\pchat-ls\\c2.trn'");
	assert_hasnt(out, "msg ");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\c2.trn' WITH "
	              "NORECOVERY");
	assert_has(out, "msg 4312 16 1 L1 This log cannot be restored because a gap in the log "
	                "chain was created. Use more recent data backups to bridge the gap.");
	out = run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\c2.trn' WITH "
	              "NORECOVERY, FILE = 2");
	assert_has(out, "msg 3206 16 1 L1");
}

/*
 * Log shipping role change (Microsoft's "Change Roles Between Primary and
 * Secondary Log Shipping Servers"): the primary's tail-log backup WITH
 * NORECOVERY, restored on the secondary, which recovers (a new fork at
 * the tail's LastLSN). The new primary's first log backup begins at that
 * fork point and spans it (FirstRecoveryForkID the old fork, ForkPointLSN
 * set): the old primary, RESTORING at that very LSN, restores it.
 */
static void test_role_change_across_the_fork_point(void **state)
{
	struct drfix *d = *state;
	const char *out;

	run(&d->f, "CREATE TABLE mgc.dbo.t (id int NOT NULL);"
	           "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\r.bak' WITH INIT;"
	           "INSERT INTO mgc.dbo.t VALUES (1);"
	           "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\r1.trn' WITH INIT;"
	           "INSERT INTO mgc.dbo.t VALUES (2);"
	           "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\r2.trn' WITH INIT, "
	           "NORECOVERY");
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\r.bak' WITH "
	              "NORECOVERY; RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\r1.trn' "
	              "WITH NORECOVERY; RESTORE LOG mgc FROM DISK = "
	              "N'\\\\fs1.lab\\pchat-ls\\r2.trn' WITH RECOVERY;"
	              "INSERT INTO mgc.dbo.t VALUES (3);"
	              "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\r3.trn' WITH INIT;"
	              "SELECT COUNT(*) FROM msdb.dbo.backupset WHERE first_recovery_fork_guid <> "
	              "last_recovery_fork_guid AND fork_point_lsn = first_lsn");
	assert_hasnt(out, "msg ");
	assert_has(out, "row 1\n");
	out = run(&d->f, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\r3.trn' WITH "
	                 "RECOVERY; SELECT id FROM mgc.dbo.t ORDER BY id");
	assert_hasnt(out, "msg ");
	assert_has(out, "row 1\nrow 2\nrow 3\n");
}

/* Cut or damage a file in the share, then restore from it. */
static void mangle(struct drfix *d, const char *name, bool cut)
{
	char path[400];
	FILE *fp;
	long len;

	snprintf(path, sizeof(path), "%s/%s", d->share, name);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	if (cut) {
		assert_int_equal(ftruncate(fileno(fp), len - 7), 0);
	} else {
		fseek(fp, len / 2, SEEK_SET);
		fputc('#', fp);
	}
	fclose(fp);
}

static void test_damaged_files(void **state)
{
	struct drfix *d = *state;
	const char *out;
	char path[400];

	run(&d->f, "CREATE TABLE mgc.dbo.t (id int NOT NULL); INSERT INTO mgc.dbo.t VALUES (1);"
	           "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\d.bak' WITH INIT;"
	           "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\e.bak' WITH INIT;"
	           "INSERT INTO mgc.dbo.t VALUES (2);"
	           "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\d.trn' WITH INIT");
	mangle(d, "d.bak", true);
	mangle(d, "e.bak", false);
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\d.bak' WITH "
	              "NORECOVERY");
	assert_has(out, "msg 3203 16 1 L1 Read on \"\\\\fs1.lab\\pchat-ls\\d.bak\" failed: "
	                "38(Reached the end of the file.)");
	assert_has(out, "msg 3013 16 1 L1 RESTORE DATABASE is terminating abnormally.");
	out = run2(d, "RESTORE HEADERONLY FROM DISK = N'\\\\fs1.lab\\pchat-ls\\e.bak'");
	assert_has(out, "msg 3241 16 1 L1 The media family on device");
	assert_has(out, "msg 3013 16 1 L1 RESTORE HEADERONLY is terminating abnormally.");
	out = run2(d, "SELECT COUNT(*) FROM sys.databases WHERE name = 'mgc'");
	assert_has(out, "row 0"); /* nothing half-created */
	out = run2(d, "EXEC master.sys.xp_dirtree N'\\\\fs1.lab\\pchat-ls', 1, 1");
	assert_has(out, "cols subdirectory:nvarchar(512)? depth:int? file:int?\n"
	                "row 'd.bak' 1 1\nrow 'd.trn' 1 1\nrow 'e.bak' 1 1\n");
	/* an empty folder: the columns, no row (under UBSan: no NULL to qsort) */
	snprintf(path, sizeof(path), "%s/empty", d->share);
	assert_int_equal(mkdir(path, 0700), 0);
	out = run2(d, "EXEC master.sys.xp_dirtree N'\\\\fs1.lab\\pchat-ls\\empty', 1, 1");
	assert_has(out, "cols subdirectory:nvarchar(512)? depth:int? file:int?\ndone");
	out = run2(d, "EXEC master.sys.xp_dirtree N'\\\\nowhere\\x'");
	assert_has(out, "cols subdirectory:nvarchar(512)? depth:int?\ndone");
	out = run2(d, "RESTORE FILELISTONLY FROM DISK = N'\\\\fs1.lab\\pchat-ls\\d.trn'");
	assert_has(out, "row 'mgc' ");
	assert_has(out, "row 'mgc_log' ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_full_and_logs, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_role_change_across_the_fork_point, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_replace_rules, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_backup_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_damaged_files, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_chain_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
