/*
 * Unit tests for the lab's log shipping procedures (lab/sql/logship*.c)
 * through engine.h: msdb rows, jobs created disabled, OUTPUT parameters,
 * return codes, the 320xx errors, and deleting the last secondary
 * database deleting the copy and restore jobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/lab/test_sql_harness.h"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (fixture_open(f, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_close(*state);
	free(*state);
	return 0;
}

#define EXPECT(sql, text) assert_string_equal(run(*state, sql), text)

static const char add_primary[] =
        "DECLARE @job uniqueidentifier, @pid uniqueidentifier, @rc int;"
        "EXEC @rc = master.dbo.sp_add_log_shipping_primary_database @database = N'mgc',"
        " @backup_directory = N'\\\\fs1.lab\\pchat-ls', @backup_share = N'\\\\fs1.lab\\pchat-ls',"
        " @backup_job_name = N'LSBackup_mgc', @backup_retention_period = 4320,"
        " @backup_job_id = @job OUTPUT, @primary_id = @pid OUTPUT;"
        "SELECT @rc AS rc, CASE WHEN @job IS NULL THEN 0 ELSE 1 END AS has_job,"
        " CASE WHEN @pid IS NULL THEN 0 ELSE 1 END AS has_pid";

static const char add_secondary[] =
        "DECLARE @c uniqueidentifier, @r uniqueidentifier, @s uniqueidentifier, @rc int;"
        "EXEC @rc = sp_add_log_shipping_secondary_primary @primary_server = N'sqla.dc1.lab',"
        " @primary_database = N'mgc', @backup_source_directory = N'\\\\fs1.lab\\pchat-ls',"
        " @backup_destination_directory = N'D:\\LSCopy', @copy_job_name = N'LSCopy_sqla_mgc',"
        " @restore_job_name = N'LSRestore_sqla_mgc', @copy_job_id = @c OUTPUT,"
        " @restore_job_id = @r OUTPUT, @secondary_id = @s OUTPUT;"
        "SELECT @rc AS rc, CASE WHEN @s IS NULL THEN 0 ELSE 1 END AS has_sid";

static void test_logship__primary_rows_and_disabled_job(void **state)
{
	EXPECT(add_primary, "ret 0\ndoneproc 0x0 E0 0\ncols rc:int? has_job:int has_pid:int\n"
	                    "row 0 1 1\ndone 0x10 C1 1\n");
	EXPECT("SELECT primary_database, backup_share, backup_retention_period, backup_compression"
	       " FROM msdb.dbo.log_shipping_primary_databases",
	       "cols primary_database:nvarchar(128) backup_share:nvarchar(500)? "
	       "backup_retention_period:int? backup_compression:tinyint?\n"
	       "row 'mgc' '\\\\fs1.lab\\pchat-ls' 4320 2\ndone 0x10 C1 1\n");
	EXPECT("SELECT j.name, j.enabled, s.step_name, s.subsystem FROM msdb.dbo.sysjobs j"
	       " JOIN msdb.dbo.sysjobsteps s ON s.job_id = j.job_id"
	       " JOIN msdb.dbo.log_shipping_primary_databases p ON p.backup_job_id = j.job_id",
	       "cols name:nvarchar(128) enabled:tinyint step_name:nvarchar(128) "
	       "subsystem:nvarchar(40)\n"
	       "row 'LSBackup_mgc' 0 'Log shipping backup log job step.' 'CmdExec'\n"
	       "done 0x10 C1 1\n");
	EXPECT("SELECT primary_server, backup_threshold, threshold_alert_enabled"
	       " FROM msdb.dbo.log_shipping_monitor_primary",
	       "cols primary_server:nvarchar(128) backup_threshold:int? "
	       "threshold_alert_enabled:bit?\nrow 'sqla.dc1.lab' 60 0\ndone 0x10 C1 1\n");
}

static void test_logship__primary_errors(void **state)
{
	run(*state, add_primary);
	EXPECT(add_primary, "msg 32009 16 1 L1 [sp_add_log_shipping_primary_database] "
	                    "A log shipping primary entry already exists for database mgc.\n"
	                    "ret 1\ndoneproc 0x0 E0 0\ncols rc:int? has_job:int has_pid:int\nrow 1 "
	                    "0 0\ndone 0x10 C1 1\n");
	EXPECT("DECLARE @rc int; EXEC @rc = sp_add_log_shipping_primary_database"
	       " @database = N'mgccomp', @backup_directory = N'x', @backup_share = N'x',"
	       " @backup_job_name = N'b2', @backup_retention_period = 1; SELECT @rc AS rc",
	       "msg 32015 16 1 L1 [sp_add_log_shipping_primary_database] The primary database "
	       "mgccomp cannot have SIMPLE recovery for log shipping to work properly.\n"
	       "ret 1\ndoneproc 0x0 E0 0\ncols rc:int?\nrow 1\ndone 0x10 C1 1\n");
	EXPECT("EXEC sp_add_log_shipping_primary_database @database = N'nope'",
	       "msg 201 16 1 L1 [sp_add_log_shipping_primary_database] Procedure or function "
	       "'sp_add_log_shipping_primary_database' expects parameter '@backup_directory', "
	       "which was not supplied.\nret -6\ndoneproc 0x2 E0 0\n");
	EXPECT("EXEC sp_delete_log_shipping_primary_database @database = N'mgccomp'",
	       "msg 32010 16 1 L1 [sp_delete_log_shipping_primary_database] Database mgccomp "
	       "does not exist as log shipping primary.\nret 1\ndoneproc 0x0 E0 0\n");
}

static void test_logship__secondary_and_last_delete(void **state)
{
	EXPECT("EXEC sp_add_log_shipping_secondary_database @secondary_database = N'mgc',"
	       " @primary_server = N'sqla.dc1.lab', @primary_database = N'mgc'",
	       "msg 32023 16 1 L1 [sp_add_log_shipping_secondary_database] An entry for primary "
	       "server sqla.dc1.lab, primary database mgc does not exist on this secondary. "
	       "Register the primary first.\nret 1\ndoneproc 0x0 E0 0\n");
	EXPECT(add_secondary,
	       "ret 0\ndoneproc 0x0 E0 0\ncols rc:int? has_sid:int\nrow 0 1\ndone 0x10 C1 1\n");
	EXPECT("SELECT name, enabled FROM msdb.dbo.sysjobs ORDER BY name",
	       "cols name:nvarchar(128) enabled:tinyint\nrow 'LSCopy_sqla_mgc' 0\n"
	       "row 'LSRestore_sqla_mgc' 0\ndone 0x10 C1 2\n");
	EXPECT("EXEC sp_add_log_shipping_secondary_database @secondary_database = N'mgc',"
	       " @primary_server = N'sqla.dc1.lab', @primary_database = N'mgc', @restore_mode = 0",
	       "ret 0\ndoneproc 0x0 E0 0\n");
	EXPECT("EXEC sp_add_log_shipping_secondary_database @secondary_database = N'mgc',"
	       " @primary_server = N'sqla.dc1.lab', @primary_database = N'mgc'",
	       "msg 32013 16 1 L1 [sp_add_log_shipping_secondary_database] A log shipping entry "
	       "already exists for secondary database mgc.\nret 1\ndoneproc 0x0 E0 0\n");
	EXPECT("SELECT lsd.secondary_database, lsd.restore_all, ms.restore_threshold"
	       " FROM msdb.dbo.log_shipping_secondary_databases lsd"
	       " JOIN msdb.dbo.log_shipping_monitor_secondary ms"
	       " ON ms.secondary_id = lsd.secondary_id",
	       "cols secondary_database:nvarchar(128) restore_all:bit? restore_threshold:int?\n"
	       "row 'mgc' 1 45\ndone 0x10 C1 1\n");
	EXPECT("EXEC sp_delete_log_shipping_secondary_primary @primary_server = N'sqla.dc1.lab',"
	       " @primary_database = N'mgc'",
	       "msg 32025 16 1 L1 [sp_delete_log_shipping_secondary_primary] Primary Server "
	       "sqla.dc1.lab, Database mgc has active log shipping secondary database(s) on the "
	       "secondary. Drop the secondary database(s) first.\nret 1\ndoneproc 0x0 E0 0\n");
	EXPECT("EXEC sp_delete_log_shipping_secondary_database @secondary_database = N'mgc'",
	       "ret 0\ndoneproc 0x0 E0 0\n");
	EXPECT("SELECT COUNT(*) AS jobs FROM msdb.dbo.sysjobs",
	       "cols jobs:int\nrow 0\ndone 0x10 C1 1\n");
	EXPECT("SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_secondary",
	       "cols n:int\nrow 0\ndone 0x10 C1 1\n");
	EXPECT("EXEC sp_delete_log_shipping_secondary_database @secondary_database = N'mgc'",
	       "msg 32014 16 1 L1 [sp_delete_log_shipping_secondary_database] Database mgc does "
	       "not exist as log shipping secondary.\nret 1\ndoneproc 0x0 E0 0\n");
}

static void test_logship__primary_secondary_and_delete_order(void **state)
{
	run(*state, add_primary);
	EXPECT("EXEC sp_add_log_shipping_primary_secondary @primary_database = N'mgc',"
	       " @secondary_server = N'sqlb.dc2.lab', @secondary_database = N'mgc'",
	       "ret 0\ndoneproc 0x0 E0 0\n");
	EXPECT("EXEC sp_add_log_shipping_primary_secondary @primary_database = N'mgc',"
	       " @secondary_server = N'sqlb.dc2.lab', @secondary_database = N'mgc'",
	       "msg 32012 16 1 L1 [sp_add_log_shipping_primary_secondary] Secondary "
	       "sqlb.dc2.lab.mgc already exists for primary mgc.\nret 1\ndoneproc 0x0 E0 0\n");
	EXPECT("EXEC sp_delete_log_shipping_primary_database @database = N'mgc'",
	       "msg 32011 16 1 L1 [sp_delete_log_shipping_primary_database] Primary Database mgc "
	       "has active log shipping secondary database(s). Drop the secondary database(s) "
	       "first.\nret 1\ndoneproc 0x0 E0 0\n");
	EXPECT("EXEC sp_delete_log_shipping_primary_secondary @primary_database = N'mgc',"
	       " @secondary_server = N'sqlb.dc2.lab', @secondary_database = N'mgc';"
	       "EXEC sp_delete_log_shipping_primary_database @database = N'mgc'",
	       "ret 0\ndoneproc 0x0 E0 0\nret 0\ndoneproc 0x0 E0 0\n");
	EXPECT("SELECT COUNT(*) AS n FROM msdb.dbo.sysjobs", "cols n:int\nrow 0\ndone 0x10 C1 1\n");
}

static void test_logship__monitor(void **state)
{
	run(*state, add_primary);
	EXPECT("EXEC sp_help_log_shipping_monitor",
	       "cols status:bit is_primary:bit server:nvarchar(128) database_name:nvarchar(128) "
	       "time_since_last_backup:int? last_backup_file:nvarchar(500)? backup_threshold:int? "
	       "is_backup_alert_enabled:bit? time_since_last_copy:int? "
	       "last_copied_file:nvarchar(500)? time_since_last_restore:int? "
	       "last_restored_file:nvarchar(500)? last_restored_latency:int? "
	       "restore_threshold:int? is_restore_alert_enabled:bit?\n"
	       "row 1 1 'sqla.dc1.lab' 'mgc' NULL NULL 60 0 NULL NULL NULL NULL NULL NULL NULL\n"
	       "doneinproc 0x10 C1 1\nret 0\ndoneproc 0x0 E0 0\n");
}

static void test_logship__unknown_parameter(void **state)
{
	EXPECT("EXEC sp_delete_log_shipping_secondary_database @database = N'mgc'",
	       "msg 8145 16 1 L1 [sp_delete_log_shipping_secondary_database] @database is not a "
	       "parameter for procedure sp_delete_log_shipping_secondary_database.\n"
	       "ret -6\ndoneproc 0x2 E0 0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_logship__primary_rows_and_disabled_job, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_logship__primary_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_logship__secondary_and_last_delete, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_logship__primary_secondary_and_delete_order,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_logship__monitor, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_logship__unknown_parameter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
