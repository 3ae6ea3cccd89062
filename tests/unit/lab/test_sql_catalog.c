/*
 * Unit tests for the engine's catalog and database states: the shape
 * (names and types) of every catalog view, rows generated from live
 * state (sessions, mirroring), login errors (18456, 4060) and opening a
 * RESTORING (927) or mirror (954) database at login, with USE, and by a
 * three-part name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lab/sql/world.h"
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

static void test_sql_catalog__databases_shape(void **state)
{
	EXPECT("SELECT TOP (0) * FROM sys.databases",
	       "cols name:nvarchar(128) database_id:int source_database_id:int? "
	       "create_date:datetime "
	       "compatibility_level:tinyint collation_name:nvarchar(128)? user_access:tinyint? "
	       "user_access_desc:nvarchar(60)? is_read_only:bit? state:tinyint? "
	       "state_desc:nvarchar(60)? is_in_standby:bit? recovery_model:tinyint? "
	       "recovery_model_desc:nvarchar(60)? log_reuse_wait:tinyint? "
	       "log_reuse_wait_desc:nvarchar(60)?\ndone 0x10 C1 0\n");
	EXPECT("SELECT name, database_id, state_desc, recovery_model_desc FROM sys.databases "
	       "ORDER BY database_id",
	       "cols name:nvarchar(128) database_id:int state_desc:nvarchar(60)? "
	       "recovery_model_desc:nvarchar(60)?\n"
	       "row 'master' 1 'ONLINE' 'SIMPLE'\nrow 'tempdb' 2 'ONLINE' 'SIMPLE'\n"
	       "row 'model' 3 'ONLINE' 'FULL'\nrow 'msdb' 4 'ONLINE' 'SIMPLE'\n"
	       "row 'mgc' 5 'ONLINE' 'FULL'\nrow 'mgccomp' 6 'ONLINE' 'SIMPLE'\n"
	       "done 0x10 C1 6\n");
}

static void test_sql_catalog__mirroring_nulls_then_values(void **state)
{
	struct fixture *f = *state;
	struct sqldb *db;

	EXPECT("SELECT database_id, mirroring_guid, mirroring_role_desc, mirroring_failover_lsn "
	       "FROM sys.database_mirroring WHERE database_id = DB_ID('mgc')",
	       "cols database_id:int mirroring_guid:uniqueidentifier? "
	       "mirroring_role_desc:nvarchar(60)? mirroring_failover_lsn:numeric(25,0)?\n"
	       "row 5 NULL NULL NULL\ndone 0x10 C1 1\n");
	db = world_db_by_name(f->world->inst[0], "mgc");
	db->mirror.on = true;
	db->mirror.role = 1;
	db->mirror.state = 4;
	db->mirror.safety = 2;
	snprintf(db->mirror.partner_name, sizeof(db->mirror.partner_name),
	         "TCP://sqlb.dc2.lab:5022");
	snprintf(db->mirror.failover_lsn, sizeof(db->mirror.failover_lsn), "34000000012300001");
	EXPECT("SELECT d.name, m.mirroring_role_desc, m.mirroring_state_desc, "
	       "m.mirroring_safety_level_desc, m.mirroring_partner_name, m.mirroring_failover_lsn "
	       "FROM sys.database_mirroring AS m JOIN sys.databases AS d "
	       "ON d.database_id = m.database_id WHERE m.mirroring_guid IS NOT NULL",
	       "cols name:nvarchar(128) mirroring_role_desc:nvarchar(60)? "
	       "mirroring_state_desc:nvarchar(60)? mirroring_safety_level_desc:nvarchar(60)? "
	       "mirroring_partner_name:nvarchar(128)? mirroring_failover_lsn:numeric(25,0)?\n"
	       "row 'mgc' 'PRINCIPAL' 'SYNCHRONIZED' 'FULL' 'TCP://sqlb.dc2.lab:5022' "
	       "34000000012300001\ndone 0x10 C1 1\n");
	EXPECT("SELECT log_reuse_wait_desc FROM sys.databases WHERE name = 'mgc'",
	       "cols log_reuse_wait_desc:nvarchar(60)?\nrow 'DATABASE_MIRRORING'\ndone 0x10 C1 "
	       "1\n");
}

static void test_sql_catalog__endpoints(void **state)
{
	EXPECT("SELECT name, protocol_desc, type_desc, state_desc FROM sys.endpoints "
	       "WHERE endpoint_id = 4",
	       "cols name:nvarchar(128) protocol_desc:nvarchar(60)? type_desc:nvarchar(60)? "
	       "state_desc:nvarchar(60)?\nrow 'TSQL Default TCP' 'TCP' 'TSQL' 'STARTED'\n"
	       "done 0x10 C1 1\n");
	EXPECT("SELECT e.name, e.role_desc, e.state_desc, t.port, e.encryption_algorithm_desc "
	       "FROM sys.database_mirroring_endpoints AS e JOIN sys.tcp_endpoints AS t "
	       "ON t.endpoint_id = e.endpoint_id",
	       "cols name:nvarchar(128) role_desc:nvarchar(60)? state_desc:nvarchar(60)? port:int "
	       "encryption_algorithm_desc:nvarchar(60)?\ndone 0x10 C1 0\n");
}

static void test_sql_catalog__sessions(void **state)
{
	EXPECT("USE mgc; SELECT session_id, login_name, host_name, program_name, "
	       "is_user_process, database_id FROM sys.dm_exec_sessions "
	       "WHERE session_id = @@SPID",
	       "env mgc<master\ninfo 5701 0 1 L1 Changed database context to 'mgc'.\ndone 0x0 0 0\n"
	       "cols session_id:smallint login_name:nvarchar(128) host_name:nvarchar(128)? "
	       "program_name:nvarchar(128)? is_user_process:bit database_id:smallint\n"
	       "row 51 'pcdr' 'testhost' 'unit' 1 5\ndone 0x10 C1 1\n");
	EXPECT("SELECT COUNT(*) AS n FROM master.dbo.sysprocesses WITH (NOLOCK) "
	       "WHERE program_name LIKE 'SQLAgent%'",
	       "cols n:int\nrow 0\ndone 0x10 C1 1\n");
	EXPECT("SELECT RTRIM(program_name) AS p, dbid FROM sys.sysprocesses",
	       "cols p:nvarchar(128)? dbid:smallint\nrow 'unit' 5\ndone 0x10 C1 1\n");
}

static void test_sql_catalog__msdb_and_mgc_tables(void **state)
{
	EXPECT("SELECT TOP (0) primary_id, primary_database, last_backup_file, last_backup_date "
	       "FROM msdb.dbo.log_shipping_primary_databases",
	       "cols primary_id:uniqueidentifier primary_database:nvarchar(128) "
	       "last_backup_file:nvarchar(500)? last_backup_date:datetime?\ndone 0x10 C1 0\n");
	EXPECT("SELECT TOP (0) first_lsn, type FROM msdb..backupset",
	       "cols first_lsn:numeric(25,0)? type:varchar(1)?\ndone 0x10 C1 0\n");
	EXPECT("SELECT TOP (0) * FROM mgc.dbo.tblServerIdentity",
	       "cols serverID:int serverAddress:nvarchar(256) serverLastPingTime:datetime\n"
	       "done 0x10 C1 0\n");
	EXPECT("SELECT TOP (0) * FROM mgc.dbo.tblChat",
	       "cols channelId:int chatId:bigint chatDate:bigint userId:int isAlert:bit "
	       "content:nvarchar(-1) rtf:varchar(-1)?\ndone 0x10 C1 0\n");
	EXPECT("INSERT sys.databases (name) VALUES ('x')",
	       "msg 259 16 1 L1 Ad hoc updates to system catalogs are not allowed.\ndone 0x2 C3 "
	       "0\n");
}

static void test_sql_catalog__connections_files_recovery(void **state)
{
	struct fixture *f = *state;
	struct sqldb *db;

	EXPECT("SELECT session_id, net_transport, encrypt_option, auth_scheme, client_net_address "
	       "FROM sys.dm_exec_connections WHERE session_id = @@SPID",
	       "cols session_id:int? net_transport:nvarchar(40) encrypt_option:nvarchar(40) "
	       "auth_scheme:nvarchar(40) client_net_address:varchar(48)?\n"
	       "row 51 'TCP' 'FALSE' 'SQL' '127.0.0.1'\ndone 0x10 C1 1\n");
	EXPECT("SELECT file_id, type_desc, name, state_desc, size, redo_start_lsn FROM "
	       "sys.master_files "
	       "WHERE database_id = DB_ID('mgc') ORDER BY file_id",
	       "cols file_id:int type_desc:nvarchar(60)? name:nvarchar(128) "
	       "state_desc:nvarchar(60)? "
	       "size:int redo_start_lsn:numeric(25,0)?\n"
	       "row 1 'ROWS' 'mgc' 'ONLINE' 12800 NULL\nrow 2 'LOG' 'mgc_log' 'ONLINE' 3200 NULL\n"
	       "done 0x10 C1 2\n");
	EXPECT("SELECT COUNT(*) AS n FROM sys.database_recovery_status AS rs "
	       "WHERE rs.recovery_fork_guid = rs.first_recovery_fork_guid AND rs.fork_point_lsn IS "
	       "NULL",
	       "cols n:int\nrow 6\ndone 0x10 C1 1\n");
	db = world_db_by_name(f->world->inst[0], "mgc");
	db->state = DB_RESTORING;
	snprintf(db->recovery.redo_start_lsn, sizeof(db->recovery.redo_start_lsn),
	         "41000000042400001");
	EXPECT("SELECT mf.redo_start_lsn, rs.database_guid FROM sys.master_files AS mf "
	       "JOIN sys.database_recovery_status AS rs ON rs.database_id = mf.database_id "
	       "WHERE mf.database_id = 5 AND mf.file_id = 1",
	       "cols redo_start_lsn:numeric(25,0)? database_guid:uniqueidentifier?\n"
	       "row 41000000042400001 NULL\ndone 0x10 C1 1\n");
}

static int login(struct fixture *f, const char *user, const char *pw, const char *db,
                 struct lab_login_result *res, struct lab_session **s)
{
	struct lab_login l;

	memset(&l, 0, sizeof(l));
	l.user = user;
	l.password = pw;
	l.database = db;
	return lab_session_open(f->world, 0, &l, s, res);
}

static void test_sql_catalog__login_errors(void **state)
{
	struct fixture *f = *state;
	struct lab_login_result res;
	struct lab_session *s = NULL;

	assert_int_equal(login(f, "pcdr", "wrong", "", &res, &s), -1);
	assert_int_equal(res.error, 18456);
	assert_int_equal(res.severity, 14);
	assert_int_equal(res.state, 1);
	assert_string_equal(res.message, "Login failed for user 'pcdr'.");
	assert_int_equal(login(f, "nobody", "x", "", &res, &s), -1);
	assert_string_equal(res.message, "Login failed for user 'nobody'.");
	assert_int_equal(login(f, "pcdr", "Secret-1", "nosuch", &res, &s), -1);
	assert_int_equal(res.error, 4060);
	assert_string_equal(
	        res.message,
	        "Cannot open database \"nosuch\" requested by the login. The login failed.");
	assert_int_equal(login(f, "pcdr", "Secret-1", "mgc", &res, &s), 0);
	assert_string_equal(res.database, "mgc");
	assert_true(res.spid >= 51);
	lab_session_close(s);
}

static void test_sql_catalog__restoring_is_927_and_mirror_is_954(void **state)
{
	struct fixture *f = *state;
	struct lab_login_result res;
	struct lab_session *s = NULL;
	struct sqldb *db = world_db_by_name(f->world->inst[0], "mgc");

	db->state = DB_RESTORING;
	assert_int_equal(login(f, "pcdr", "Secret-1", "mgc", &res, &s), -1);
	assert_int_equal(res.error, 927);
	assert_int_equal(res.severity, 14);
	assert_string_equal(res.message,
	                    "Database 'mgc' cannot be opened. It is in the middle of a restore.");
	EXPECT("USE mgc", "msg 927 14 1 L1 Database 'mgc' cannot be opened. It is in the middle of "
	                  "a restore.\n"
	                  "done 0x2 0 0\n");
	EXPECT("SELECT COUNT(*) FROM mgc.dbo.tblChat", "msg 927 14 1 L1 Database 'mgc' cannot be "
	                                               "opened. It is in the middle of a restore.\n"
	                                               "done 0x2 C1 0\n");
	EXPECT("SELECT state_desc FROM sys.databases WHERE name = 'mgc'",
	       "cols state_desc:nvarchar(60)?\nrow 'RESTORING'\ndone 0x10 C1 1\n");
	db->mirror.on = true;
	db->mirror.role = 2;
	assert_int_equal(login(f, "pcdr", "Secret-1", "mgc", &res, &s), -1);
	assert_int_equal(res.error, 954);
	assert_string_equal(
	        res.message,
	        "The database \"mgc\" cannot be opened. It is acting as a mirror database.");
	EXPECT("USE mgc",
	       "msg 954 14 1 L1 The database \"mgc\" cannot be opened. It is acting as a "
	       "mirror database.\ndone 0x2 0 0\n");
}

static void test_sql_catalog__kill(void **state)
{
	struct fixture *f = *state;
	struct lab_login_result res;
	struct lab_session *victim = NULL, *saved = f->s;
	char sql[64];
	const char *out;

	EXPECT("KILL @@SPID", "msg 102 15 1 L1 Incorrect syntax near '@@SPID'.\ndone 0x2 0 0\n");
	EXPECT("KILL 51",
	       "msg 6104 16 1 L1 Cannot use KILL to kill your own process.\ndone 0x2 0 0\n");
	EXPECT("KILL 7", "msg 6107 14 1 L1 Only user processes can be killed.\ndone 0x2 0 0\n");
	EXPECT("KILL 999", "msg 6106 16 1 L1 Process ID 999 is not an active process ID.\n"
	                   "done 0x2 0 0\n");
	EXPECT("KILL 0", "msg 6101 16 1 L1 Process ID 0 is not a valid process ID. Choose a number "
	                 "between 1 and 32767.\ndone 0x2 0 0\n");
	assert_int_equal(login(f, "pcdr", "Secret-1", "mgc", &res, &victim), 0);
	f->s = victim;
	run(f, "CREATE TABLE k (i int); BEGIN TRAN; INSERT k VALUES (1)");
	f->s = saved;
	snprintf(sql, sizeof(sql), "KILL %d; SELECT COUNT(*) AS n FROM sys.dm_exec_sessions",
	         (int)res.spid);
	assert_string_equal(run(f, sql), "done 0x0 0 0\ncols n:int\nrow 1\ndone 0x10 C1 1\n");
	EXPECT("SELECT COUNT(*) AS n FROM mgc.dbo.k", "cols n:int\nrow 0\ndone 0x10 C1 1\n");
	f->s = victim;
	strbuf_reset(&f->rec.sb);
	{
		struct lab_sink sink = rec_sink(&f->rec);

		assert_int_equal(lab_session_batch(victim, "SELECT 1", &sink), -1);
	}
	out = strbuf_cstr(&f->rec.sb);
	assert_string_equal(out,
	                    "msg 596 21 1 L1 Cannot continue the execution because the session "
	                    "is in the kill state.\ndone 0x2 0 0\n");
	f->s = saved;
	lab_session_close(victim);
}

static void test_sql_catalog__mirror_rows_need_sysadmin(void **state)
{
	struct fixture *f = *state;
	struct lab_login_result res;
	struct lab_session *s = NULL, *saved = f->s;
	struct sqldb *db = world_db_by_name(f->world->inst[0], "mgc");
	const char *out;

	db->state = DB_RESTORING;
	db->mirror.on = true;
	db->mirror.role = 2;
	assert_int_equal(login(f, "reader", "r", "", &res, &s), 0);
	f->s = s;
	out = run(f,
	          "SELECT mirroring_role_desc FROM sys.database_mirroring WHERE database_id = 5");
	assert_string_equal(out,
	                    "cols mirroring_role_desc:nvarchar(60)?\nrow NULL\ndone 0x10 C1 1\n");
	world_db_by_name(f->world->inst[0], "mgccomp")->state = DB_OFFLINE;
	out = run(f, "SELECT COUNT(*) AS n FROM sys.databases");
	assert_string_equal(out, "cols n:int\nrow 5\ndone 0x10 C1 1\n");
	f->s = saved;
	out = run(f,
	          "SELECT mirroring_role_desc FROM sys.database_mirroring WHERE database_id = 5");
	assert_string_equal(
	        out, "cols mirroring_role_desc:nvarchar(60)?\nrow 'MIRROR'\ndone 0x10 C1 1\n");
	out = run(f, "SELECT COUNT(*) AS n FROM sys.databases");
	assert_string_equal(out, "cols n:int\nrow 6\ndone 0x10 C1 1\n");
	lab_session_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_sql_catalog__databases_shape, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__mirroring_nulls_then_values,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__endpoints, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__sessions, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__msdb_and_mgc_tables, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__connections_files_recovery, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__login_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_sql_catalog__restoring_is_927_and_mirror_is_954, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__kill, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_catalog__mirror_rows_need_sysadmin, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
