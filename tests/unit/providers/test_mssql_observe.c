/*
 * Unit tests for providers/mssql observe: the batch text (quoting of
 * hostile names, the 927 guard), parsing of result sets built by hand
 * (every section, NULLs, missing columns, bad numbers, unknown and
 * repeated sets, server errors), and real db-lib connections to loopback
 * sockets that refuse or never answer: unreachable and timeout are facts,
 * not aborts, also when many instances are observed in parallel. The
 * parsed facts are then converted as the plan pipeline converts them
 * (reconciler/plan/observed.c, the one converter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "providers/mssql/observe.h"
#include "reconciler/core/model.h"
#include "reconciler/plan/observed.h"
#include "util/err.h"

static void test_observe__batch_quotes_names_and_guards_restoring(void **state)
{
	const char *dbs[] = {"mgc", "we'ird]"};
	const char *more[] = {"mgc-x"};
	struct mssql_observe_request req = {dbs, 2, "c]hat'db", 50, more, 1};
	char *sql = NULL;

	(void)state;
	assert_int_equal(mssql_observe_batch(&sql, &req), 0);
	assert_non_null(strstr(sql, "SET NOCOUNT ON;\n"));
	assert_non_null(strstr(sql, "SELECT TOP (50) 0 AS pcdr_backups,"));
	assert_non_null(strstr(sql, "WHERE bs.database_name IN (N'mgc', N'we''ird]')\n"));
	/* the chat database is named only in a string until it is known ONLINE */
	assert_non_null(strstr(sql, "IF EXISTS (SELECT 1 FROM sys.databases WHERE name = "
	                            "N'c]hat''db' AND state = 0 AND user_access = 0)\n"
	                            "  EXEC sys.sp_executesql N'SELECT 0 AS pcdr_server_identity, "
	                            "serverID, serverAddress, serverLastPingTime, N''c]hat''''db'' "
	                            "AS chat_database FROM [c]]hat''db].dbo.tblServerIdentity "
	                            "ORDER BY serverID;';\n"));
	/* a second pool's chat database on the same instance: its own set */
	assert_non_null(strstr(sql, "WHERE name = N'mgc-x' AND state = 0"));
	assert_non_null(
	        strstr(sql, "N''mgc-x'' AS chat_database FROM [mgc-x].dbo.tblServerIdentity"));
	assert_non_null(strstr(sql, "EXEC sys.sp_executesql N'SELECT 0 AS pcdr_recovery,"));
	/* the end of log only where the server has sys.dm_db_log_stats */
	assert_non_null(strstr(sql, "IF OBJECT_ID(N'sys.dm_db_log_stats') IS NOT NULL\n"
	                            "  EXEC sys.sp_executesql N'SELECT 0 AS pcdr_log_end,"));
	/* every section is there, tagged */
	for (const char *const *t =
	             (const char *const[]){"pcdr_server", "pcdr_databases", "pcdr_mirroring",
	                                   "pcdr_endpoints", "pcdr_ls_primary", "pcdr_ls_secondary",
	                                   "pcdr_ls_monitor_primary", "pcdr_ls_monitor_secondary",
	                                   "pcdr_sessions", NULL};
	     *t; t++)
		assert_non_null(strstr(sql, *t));
	free(sql);

	req.databases = NULL;
	req.n_databases = 0;
	req.chat_database = NULL;
	req.n_more_chat_databases = 0;
	req.backup_rows = 0;
	assert_int_equal(mssql_observe_batch(&sql, &req), 0);
	assert_null(strstr(sql, "IN ("));
	assert_null(strstr(sql, "tblServerIdentity"));
	assert_non_null(strstr(sql, "SELECT TOP (200) 0 AS pcdr_backups,"));
	free(sql);
}

static void test_observe__batch_refuses_unquotable_names(void **state)
{
	const char *dbs[] = {"mgc", "bad\xFF"};
	struct mssql_observe_request req = {dbs, 2, NULL, 0, NULL, 0};
	char *sql = NULL;

	(void)state;
	assert_int_equal(mssql_observe_batch(&sql, &req), ERR_INVALID);
	assert_null(sql);
	req.n_databases = 1;
	req.chat_database = "tab\there";
	assert_int_equal(mssql_observe_batch(&sql, &req), ERR_INVALID);
	assert_string_equal(err_last(), "SQL identifier contains a control character");
	assert_null(sql);
}

#define ROW(...) ((const char *const[]){__VA_ARGS__})

static void add_set(struct mssql_result *res, const char *const *cols, size_t ncols,
                    const char *const *const *rows, size_t nrows)
{
	struct mssql_rowset *set = mssql_result_add_set(res, cols, ncols);

	for (size_t i = 0; i < nrows; i++)
		mssql_rowset_add_row(res, set, rows[i]);
}

#define SET(res, cols, ...)                                                                        \
	do {                                                                                       \
		const char *const *rows_[] = {__VA_ARGS__};                                        \
		add_set((res), (cols), sizeof(cols) / sizeof((cols)[0]), rows_,                    \
		        sizeof(rows_) / sizeof(rows_[0]));                                         \
	} while (0)

/* What sqla.dc1 answers when it is the log shipping primary and mirror principal. */
static void principal_result(struct mssql_result *res)
{
	static const char *server[] = {"pcdr_server", "server_name", "product_version",
	                               "server_time"};
	static const char *dbs[] = {"pcdr_databases", "database_id",      "name",
	                            "state",          "state_desc",       "is_in_standby",
	                            "is_read_only",   "user_access_desc", "recovery_model_desc"};
	static const char *mir[] = {"pcdr_mirroring",
	                            "name",
	                            "mirroring_role_desc",
	                            "mirroring_state_desc",
	                            "mirroring_safety_level_desc",
	                            "mirroring_partner_name",
	                            "mirroring_partner_instance",
	                            "mirroring_witness_name",
	                            "mirroring_witness_state_desc",
	                            "mirroring_role_sequence",
	                            "mirroring_failover_lsn",
	                            "mirroring_end_of_log_lsn"};
	static const char *ep[] = {"pcdr_endpoints",
	                           "name",
	                           "role_desc",
	                           "state_desc",
	                           "is_encryption_enabled",
	                           "connection_auth_desc",
	                           "encryption_algorithm_desc",
	                           "port"};
	static const char *lsp[] = {
	        "pcdr_ls_primary",  "primary_database",        "backup_directory",
	        "backup_share",     "backup_retention_period", "monitor_server",
	        "last_backup_file", "last_backup_date",        "backup_job_enabled",
	        "secondary_server", "secondary_database"};
	static const char *bk[] = {"pcdr_backups",
	                           "database_name",
	                           "type",
	                           "first_lsn",
	                           "last_lsn",
	                           "database_backup_lsn",
	                           "checkpoint_lsn",
	                           "backup_finish_date",
	                           "is_copy_only",
	                           "server_name",
	                           "first_recovery_fork_guid",
	                           "last_recovery_fork_guid",
	                           "fork_point_lsn",
	                           "physical_device_name"};
	static const char *ses[] = {"pcdr_sessions", "name", "sessions"};
	static const char *rec[] = {"pcdr_recovery",      "name",
	                            "recovery_fork_guid", "first_recovery_fork_guid",
	                            "fork_point_lsn",     "last_log_backup_lsn",
	                            "redo_start_lsn",     "redo_start_fork_guid"};
	static const char *sid[] = {"pcdr_server_identity", "serverID", "serverAddress",
	                            "serverLastPingTime", "chat_database"};

	SET(res, server, ROW("0", "sqla.dc1.lab", "13.0.5026.0", "2026-11-28T13:06:30.000"));
	SET(res, dbs, ROW("0", "5", "mgc", "0", "ONLINE", "0", "0", "MULTI_USER", "FULL"),
	    ROW("0", "6", "mgccomp", "1", "RESTORING", "0", "0", "MULTI_USER", "FULL"));
	SET(res, mir,
	    ROW("0", "mgc", "PRINCIPAL", "SYNCHRONIZED", "FULL", "TCP://sqlb.dc1.lab:5022", "SQLB",
	        NULL, NULL, "3", "98000000012300001", "98000000012300001"));
	SET(res, ep, ROW("0", "Mirroring", "PARTNER", "STARTED", "1", "NEGOTIATE", "AES", "5022"));
	SET(res, lsp,
	    ROW("0", "mgc", "D:\\ls", "\\\\fs1.lab\\pchat-ls", "4320", NULL,
	        "\\\\fs1.lab\\pchat-ls\\mgc_20261128.trn", "2026-11-28T13:05:00.000", "1",
	        "sqla.dc2.lab", "mgc"));
	SET(res, bk,
	    ROW("0", "mgc", "L", "98000000011000001", "98000000012300001", "98000000001000037",
	        "98000000011000001", "2026-11-28T13:05:00.000", "0", "sqla.dc1.lab", NULL,
	        "6F9619FF-8B86-D011-B42D-00C04FC964FF", NULL,
	        "\\\\fs1.lab\\pchat-ls\\mgc_1305.trn"),
	    ROW("0", "mgc", "D", "98000000001000037", "98000000001200001", NULL,
	        "98000000001000037", "2026-11-28T12:00:00.000", "0", "sqla.dc1.lab", NULL, NULL,
	        NULL, "D:\\full.bak"));
	SET(res, ses, ROW("0", "mgc", "12"));
	SET(res, rec,
	    ROW("0", "mgc", "6F9619FF-8B86-D011-B42D-00C04FC964FF",
	        "6F9619FF-8B86-D011-B42D-00C04FC964FF", NULL, "98000000012300001", NULL, NULL));
	SET(res, sid, ROW("0", "1", "net.tcp://pc1.dc1.lab:8011", "2026-11-28T13:06:01.250", "mgc"),
	    ROW("0", "2", "net.tcp://pc2.dc1.lab:8011", NULL, "mgc"));
}

static void test_observe__parse_every_section(void **state)
{
	struct mssql_result res;
	struct mssql_facts f;

	(void)state;
	mssql_result_init(&res);
	principal_result(&res);
	mssql_facts_init(&f, "sqla.dc1.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res); /* facts keep their own copies */

	for (size_t e = 0; e < f.n_errors; e++)
		print_message("%s\n", f.errors[e]);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.sections, MSSQL_SEC_SERVER | MSSQL_SEC_DATABASES | MSSQL_SEC_MIRRORING |
	                                     MSSQL_SEC_ENDPOINTS | MSSQL_SEC_LS_PRIMARY |
	                                     MSSQL_SEC_BACKUPS | MSSQL_SEC_SESSIONS |
	                                     MSSQL_SEC_RECOVERY | MSSQL_SEC_SERVER_IDENTITY);
	assert_string_equal(f.instance, "sqla.dc1.lab");
	assert_string_equal(f.server_name, "sqla.dc1.lab");
	assert_string_equal(f.server_time, "2026-11-28T13:06:30.000");
	assert_string_equal(f.product_version, "13.0.5026.0");
	assert_int_equal(f.n_databases, 2);
	assert_string_equal(f.databases[1].name, "mgccomp");
	assert_int_equal(f.databases[1].database_id, 6);
	assert_int_equal(f.databases[1].state, 1);
	assert_string_equal(f.databases[1].state_desc, "RESTORING");
	assert_false(f.databases[0].is_in_standby);
	assert_string_equal(f.databases[0].recovery_model_desc, "FULL");
	assert_int_equal(f.n_mirroring, 1);
	assert_string_equal(f.mirroring[0].database, "mgc");
	assert_string_equal(f.mirroring[0].role_desc, "PRINCIPAL");
	assert_string_equal(f.mirroring[0].partner_name, "TCP://sqlb.dc1.lab:5022");
	assert_null(f.mirroring[0].witness_name);
	assert_int_equal(f.mirroring[0].role_sequence, 3);
	assert_string_equal(f.mirroring[0].failover_lsn, "98000000012300001");
	assert_int_equal(f.n_endpoints, 1);
	assert_int_equal(f.endpoints[0].port, 5022);
	assert_true(f.endpoints[0].is_encryption_enabled);
	assert_int_equal(f.n_ls_primary, 1);
	assert_string_equal(f.ls_primary[0].backup_share, "\\\\fs1.lab\\pchat-ls");
	assert_null(f.ls_primary[0].monitor_server);
	assert_int_equal(f.ls_primary[0].backup_retention_period, 4320);
	assert_int_equal(f.ls_primary[0].backup_job_enabled, 1);
	assert_string_equal(f.ls_primary[0].secondary_server, "sqla.dc2.lab");
	assert_int_equal(f.n_ls_secondary, 0);
	assert_int_equal(f.n_backups, 2);
	assert_int_equal(f.backups[0].type, 'L');
	assert_string_equal(f.backups[0].first_lsn, "98000000011000001");
	assert_string_equal(f.backups[0].last_lsn, "98000000012300001");
	assert_string_equal(f.backups[0].physical_device_name,
	                    "\\\\fs1.lab\\pchat-ls\\mgc_1305.trn");
	assert_int_equal(f.backups[1].type, 'D');
	assert_null(f.backups[1].database_backup_lsn);
	assert_null(f.backups[1].last_recovery_fork_guid);
	assert_int_equal(f.n_sessions, 1);
	assert_int_equal(f.sessions[0].sessions, 12);
	assert_int_equal(f.n_recovery, 1);
	assert_string_equal(f.recovery[0].last_log_backup_lsn, "98000000012300001");
	assert_null(f.recovery[0].redo_start_lsn);
	assert_int_equal(f.n_server_identity, 2);
	assert_int_equal(f.server_identity[1].server_id, 2);
	assert_string_equal(f.server_identity[0].server_address, "net.tcp://pc1.dc1.lab:8011");
	assert_string_equal(f.server_identity[0].last_ping_time, "2026-11-28T13:06:01.250");
	assert_null(f.server_identity[1].last_ping_time);
	mssql_facts_release(&f);
}

/* Two pools on one instance: one tblServerIdentity set per chat database, appended. */
static void test_observe__parse_server_identity_per_chat_database(void **state)
{
	static const char *sid[] = {"pcdr_server_identity", "serverID", "serverAddress",
	                            "serverLastPingTime", "chat_database"};
	struct mssql_result res;
	struct mssql_facts f;

	(void)state;
	mssql_result_init(&res);
	SET(&res, sid,
	    ROW("0", "1", "net.tcp://pc1.dc1.lab:8011", "2026-11-28T13:06:01.250", "mgc"),
	    ROW("0", "2", "net.tcp://pc2.dc1.lab:8011", NULL, "mgc"));
	SET(&res, sid, ROW("0", "1", "net.tcp://pc1.dc2.lab:8011", NULL, "mgc-x"));
	mssql_facts_init(&f, "sqla.dc1.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_server_identity, 3);
	assert_string_equal(f.server_identity[1].server_address, "net.tcp://pc2.dc1.lab:8011");
	assert_string_equal(f.server_identity[2].database, "mgc-x");
	assert_string_equal(f.server_identity[2].server_address, "net.tcp://pc1.dc2.lab:8011");
	mssql_facts_release(&f);
}

static void test_observe__parse_secondary_and_monitors(void **state)
{
	static const char *lss[] = {"pcdr_ls_secondary",
	                            "secondary_database",
	                            "primary_server",
	                            "primary_database",
	                            "backup_source_directory",
	                            "backup_destination_directory",
	                            "last_copied_file",
	                            "last_copied_date",
	                            "restore_delay",
	                            "restore_all",
	                            "restore_mode",
	                            "disconnect_users",
	                            "last_restored_file",
	                            "last_restored_date",
	                            "copy_job_enabled",
	                            "restore_job_enabled"};
	static const char *mp[] = {"pcdr_ls_monitor_primary", "primary_server",
	                           "primary_database",        "backup_threshold",
	                           "last_backup_file",        "last_backup_date"};
	static const char *ms[] = {"pcdr_ls_monitor_secondary", "secondary_server",
	                           "secondary_database",        "primary_server",
	                           "primary_database",          "restore_threshold",
	                           "last_copied_file",          "last_copied_date",
	                           "last_restored_file",        "last_restored_date",
	                           "last_restored_latency"};
	struct mssql_result res;
	struct mssql_facts f;

	(void)state;
	mssql_result_init(&res);
	SET(&res, lss,
	    ROW("0", "mgc", "sqla.dc1.lab", "mgc", "\\\\fs1.lab\\pchat-ls", "D:\\pchat-ls",
	        "D:\\pchat-ls\\mgc_1305.trn", "2026-11-28T13:06:00.000", "0", "1", "0", "0",
	        "D:\\pchat-ls\\mgc_1300.trn", "2026-11-28T13:01:00.000", NULL, "0"));
	SET(&res, mp, ROW("0", "sqla.dc1.lab", "mgc", "60", NULL, NULL));
	SET(&res, ms,
	    ROW("0", "sqla.dc2.lab", "mgc", "sqla.dc1.lab", "mgc", "45", NULL, NULL, NULL, NULL,
	        NULL));
	mssql_facts_init(&f, "sqla.dc2.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_ls_secondary, 1);
	assert_string_equal(f.ls_secondary[0].primary_server, "sqla.dc1.lab");
	assert_true(f.ls_secondary[0].restore_all);
	assert_int_equal(f.ls_secondary[0].restore_mode, 0);
	assert_string_equal(f.ls_secondary[0].last_restored_file, "D:\\pchat-ls\\mgc_1300.trn");
	assert_int_equal(f.ls_secondary[0].copy_job_enabled, -1); /* the job is gone */
	assert_int_equal(f.ls_secondary[0].restore_job_enabled, 0);
	assert_int_equal(f.n_ls_monitor_primary, 1);
	assert_int_equal(f.ls_monitor_primary[0].backup_threshold, 60);
	assert_int_equal(f.n_ls_monitor_secondary, 1);
	assert_int_equal(f.ls_monitor_secondary[0].last_restored_latency, -1);
	assert_int_equal(f.sections, MSSQL_SEC_LS_SECONDARY | MSSQL_SEC_LS_MONITOR_PRIMARY |
	                                     MSSQL_SEC_LS_MONITOR_SECONDARY);
	mssql_facts_release(&f);
}

static void test_observe__parse_problems_are_recorded(void **state)
{
	static const char *dbs[] = {"pcdr_databases", "database_id",     "name",
	                            "state",          "state_desc",      "is_in_standby",
	                            "is_read_only",   "user_access_desc"};
	static const char *ses[] = {"pcdr_sessions", "name", "sessions"};
	static const char *odd[] = {"name"};
	struct mssql_result res;
	struct mssql_facts f;
	struct mssql_message m = {
	        208, 16, 1, 1, "Invalid object name 'sys.master_files'.", "sp_executesql"};
	struct mssql_message info = {0, 0, 1, 1, "3 percent processed.", ""};

	(void)state;
	mssql_result_init(&res);
	SET(&res, dbs, ROW("0", "5", "mgc", "x", "ONLINE", "0", "0", "MULTI_USER"));
	SET(&res, ses, ROW("0", "mgc", "1"));
	SET(&res, ses, ROW("0", "mgc", "2"));
	SET(&res, odd, ROW("mgc"));
	mssql_result_add_message(&res, &info);
	mssql_result_add_message(&res, &m);
	mssql_facts_init(&f, "sqlb.dc1.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res);
	assert_int_equal(f.n_errors, 5);
	assert_string_equal(f.errors[0], "Msg 208, Level 16, State 1, Procedure sp_executesql: "
	                                 "Invalid object name 'sys.master_files'.");
	assert_string_equal(f.errors[1],
	                    "result set 'pcdr_databases' has no column 'recovery_model_desc'");
	assert_string_equal(f.errors[2], "result set 'pcdr_databases' row 1: column 'state' is "
	                                 "not a number: 'x'");
	assert_string_equal(f.errors[3], "result set 'pcdr_sessions' arrived twice");
	assert_string_equal(f.errors[4], "unexpected result set 'name'");
	assert_int_equal(f.databases[0].state, -1);
	assert_null(f.databases[0].recovery_model_desc);
	assert_int_equal(f.sessions[0].sessions, 1);
	assert_false(f.sections & MSSQL_SEC_RECOVERY);
	mssql_facts_release(&f);
}

/* A loopback port with nothing listening. */
static int closed_port(void)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* A loopback listener that accepts TCP (the kernel does) and never answers. */
static int silent_listener(int *port)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Accept what is queued on `fd`; count connections, fail if any sent `secret`. */
static int received_connections(int fd, const char *secret)
{
	char buf[8192];
	int n = 0, c;
	ssize_t got;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while ((c = accept(fd, NULL, NULL)) >= 0) {
		n++;
		got = read(c, buf, sizeof(buf));
		assert_true(got > 0);
		assert_int_equal((unsigned char)buf[0], 0x12); /* PRELOGIN */
		assert_null(memmem(buf, (size_t)got, secret, strlen(secret)));
		close(c);
	}
	return n;
}

static struct mssql_target target(const char *name, char *addr, size_t size, int port)
{
	struct mssql_target t = {0};

	snprintf(addr, size, "127.0.0.1:%d", port);
	t.name = name;
	t.address = addr;
	t.tls = MSSQL_TLS_OFF;
	t.login_timeout_s = 1;
	t.query_timeout_s = 5;
	t.user = "pcdr";
	t.password = "not-a-secret-in-tests";
	return t;
}

static void test_observe__unreachable_instance_is_a_fact(void **state)
{
	char addr[64], want[128];
	struct mssql_target t = target("sqla.dc2.lab", addr, sizeof(addr), closed_port());
	struct mssql_observe_request req = {NULL, 0, "mgc", 0, NULL, 0};
	struct mssql_facts f;

	(void)state;
	assert_int_equal(mssql_observe(&f, &t, &req), ERR_UNREACHABLE);
	assert_int_equal(f.failure, MSSQL_FAIL_UNREACHABLE);
	snprintf(want, sizeof(want), "cannot connect to 'sqla.dc2.lab' at '%s': ", addr);
	assert_memory_equal(f.reason, want, strlen(want));
	assert_null(strstr(f.reason, "not-a-secret"));
	assert_int_equal(f.sections, 0);
	assert_int_equal(f.n_databases, 0);
	mssql_facts_release(&f);
}

static void test_observe__login_timeout_is_a_fact(void **state)
{
	char addr[64];
	int port, fd = silent_listener(&port);
	struct mssql_target t = target("sqlb.dc2.lab", addr, sizeof(addr), port);
	struct mssql_observe_request req = {NULL, 0, NULL, 0, NULL, 0};
	struct mssql_facts f;

	(void)state;
	assert_int_equal(mssql_observe(&f, &t, &req), ERR_TIMEOUT);
	assert_int_equal(f.failure, MSSQL_FAIL_TIMEOUT);
	assert_non_null(strstr(f.reason, "cannot connect to 'sqlb.dc2.lab' at '127.0.0.1:"));
	mssql_facts_release(&f);
	/* what the silent server received: one TDS 7 PRELOGIN, never a TDS 5.0
	 * login (FreeTDS "auto" falls back to it, password in clear text) */
	assert_int_equal(received_connections(fd, "not-a-secret-in-tests"), 1);
	close(fd);
}

static void test_observe__many_instances_in_parallel(void **state)
{
	enum { N = 6 };
	char addrs[N][64];
	struct mssql_target t[N];
	struct mssql_facts f[N];
	struct mssql_observe_request req = {NULL, 0, "mgc", 0, NULL, 0};
	int port, fd = silent_listener(&port);
	char name[N][32];

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(name[i], sizeof(name[i]), "sql%d.lab", i);
		t[i] = target(name[i], addrs[i], sizeof(addrs[i]), i % 2 ? port : closed_port());
	}
	assert_int_equal(mssql_observe_all(f, t, N, &req, 2), 0);
	for (int i = 0; i < N; i++) {
		assert_string_equal(f[i].instance, name[i]);
		assert_int_equal(f[i].failure, i % 2 ? MSSQL_FAIL_TIMEOUT : MSSQL_FAIL_UNREACHABLE);
		assert_non_null(strstr(f[i].reason, name[i]));
		mssql_facts_release(&f[i]);
	}
	close(fd);
}

static void test_observe__target_without_credentials(void **state)
{
	struct mssql_target t = {"sqla.dc1.lab", "127.0.0.1:1", NULL, MSSQL_TLS_OFF, 1, 1,
	                         "pcdr",         NULL};
	struct mssql_facts f;
	struct mssql_observe_request req = {NULL, 0, NULL, 0, NULL, 0};

	(void)state;
	assert_int_equal(mssql_observe(&f, &t, &req), ERR_INVALID);
	assert_string_equal(f.reason,
	                    "cannot connect to 'sqla.dc1.lab': no address or no credentials");
	mssql_facts_release(&f);
}

static const char *const lab_instances[] = {"sqla.dc1.lab", "sqlb.dc1.lab", "sqla.dc2.lab",
                                            "sqlb.dc2.lab"};

/* The facts as `pcdr plan` converts them: the lab's four instances, a pool
 * that answered, pings counted within `window_s` of `now`. */
static void to_model(struct model *m, struct arena *arena, const struct mssql_facts *f, int64_t now,
                     unsigned window_s)
{
	static const struct poolcmd_status pool = POOLCMD_STATUS_INIT;
	struct model desired;
	struct observed_input in = {0};

	model_init(&desired, arena, "atl-pchat");
	for (size_t i = 0; i < 4; i++)
		model_add_instance(&desired, lab_instances[i], i < 2 ? "dc1" : "dc2");
	in.desired = &desired;
	in.facts = f;
	in.n_facts = 1;
	in.pool = &pool;
	in.now = now;
	in.ping_window_s = window_s;
	observed_from_facts(m, arena, &in);
}

static void lsn_is(struct model_lsn lsn, const char *want)
{
	char text[MODEL_LSN_STRLEN];

	model_lsn_format(lsn, text);
	assert_string_equal(text, want);
}

static void test_observe__to_model_principal(void **state)
{
	struct arena arena = ARENA_INIT;
	struct mssql_result res;
	struct mssql_facts f;
	struct model m;
	struct model_instance *inst;
	struct model_db *db;
	struct model later;
	const int64_t server_now = 1795871190; /* 2026-11-28T13:06:30 UTC, the server's clock */

	(void)state;
	mssql_result_init(&res);
	principal_result(&res);
	mssql_facts_init(&f, "sqla.dc1.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res);
	to_model(&m, &arena, &f, server_now, 60);
	assert_int_equal(m.pool.n_pings, 1); /* pinged 29 s before */
	assert_string_equal(m.pool.pings[0], "pc1.dc1.lab");
	to_model(&later, &arena, &f, server_now, 10);
	assert_int_equal(later.pool.n_pings, 0);
	mssql_facts_release(&f); /* the model keeps its own copies */

	inst = model_instance(&m, "SQLA.dc1.lab");
	assert_non_null(inst);
	assert_true(inst->reachable);
	assert_string_equal(inst->site, "dc1");
	db = model_db(inst, "mgc");
	assert_non_null(db);
	assert_int_equal(db->state, MODEL_DB_ONLINE);
	assert_int_equal(db->recovery, MODEL_RECOVERY_FULL);
	assert_int_equal(db->mirroring.role, MODEL_ROLE_PRINCIPAL);
	assert_int_equal(db->mirroring.state, MODEL_MSTATE_SYNCHRONIZED);
	assert_int_equal(db->mirroring.safety, MODEL_SAFETY_FULL);
	assert_string_equal(db->mirroring.partner, "sqlb.dc1.lab"); /* from TCP://host:port */
	assert_int_equal(db->mirroring.role_sequence, 3);
	assert_true(db->ls_primary.configured);
	assert_string_equal(db->ls_primary.backup_share, "\\\\fs1.lab\\pchat-ls");
	assert_int_equal(db->ls_primary.n_secondaries, 1);
	assert_string_equal(db->ls_primary.secondaries[0], "sqla.dc2.lab");
	assert_string_equal(db->fork, "6F9619FF-8B86-D011-B42D-00C04FC964FF");
	assert_null(db->fork_parent);
	lsn_is(db->lsn, "98000000012300001"); /* the mirroring end of log */
	assert_int_equal(db->user_sessions, 12);
	db = model_db(inst, "mgccomp");
	assert_int_equal(db->state, MODEL_DB_RESTORING);
	assert_int_equal(db->mirroring.role, MODEL_ROLE_NONE);
	assert_int_equal(inst->n_backups, 2);
	assert_int_equal(inst->backups[0].type, 'L');
	lsn_is(inst->backups[0].first_lsn, "98000000011000001");
	lsn_is(inst->backups[0].last_lsn, "98000000012300001");
	assert_string_equal(inst->backups[0].file, "\\\\fs1.lab\\pchat-ls\\mgc_1305.trn");
	assert_string_equal(inst->backups[0].fork, "6F9619FF-8B86-D011-B42D-00C04FC964FF");
	arena_release(&arena);
}

static void test_observe__to_model_restoring_secondary(void **state)
{
	static const char *dbs[] = {"pcdr_databases", "database_id",      "name",
	                            "state",          "state_desc",       "is_in_standby",
	                            "is_read_only",   "user_access_desc", "recovery_model_desc"};
	static const char *rst[] = {"pcdr_restores",
	                            "destination_database_name",
	                            "restore_date",
	                            "restore_type",
	                            "recovery",
	                            "type",
	                            "first_lsn",
	                            "last_lsn",
	                            "first_recovery_fork_guid",
	                            "last_recovery_fork_guid",
	                            "fork_point_lsn",
	                            "server_name",
	                            "physical_device_name"};
	struct arena arena = ARENA_INIT;
	struct mssql_result res;
	struct mssql_facts f;
	struct model m;
	struct model_db *db;

	(void)state;
	mssql_result_init(&res);
	SET(&res, dbs, ROW("0", "5", "mgc", "1", "RESTORING", "0", "0", "MULTI_USER", "FULL"));
	SET(&res, rst,
	    ROW("0", "mgc", "2026-11-28T13:07:00.000", "L", "0", "L", "98000000011000001",
	        "98000000012300001", "AAAAAAAA-0000-0000-0000-000000000001",
	        "BBBBBBBB-0000-0000-0000-000000000002", "98000000000900001", "sqla.dc1.lab",
	        "D:\\pchat-ls\\mgc_1305.trn"),
	    ROW("0", "mgc", "2026-11-28T13:02:00.000", "L", "0", "L", "98000000010000001",
	        "98000000011000001", NULL, NULL, NULL, "sqla.dc1.lab", "D:\\x.trn"));
	mssql_facts_init(&f, "sqla.dc2.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_restores, 2);
	assert_int_equal(f.restores[0].restore_type, 'L');
	assert_false(f.restores[0].recovery);
	to_model(&m, &arena, &f, 0, 0);
	mssql_facts_release(&f);
	db = model_copy_of(&m, "sqla.dc2.lab", "mgc");
	assert_non_null(db);
	assert_int_equal(db->state, MODEL_DB_RESTORING);
	/* the newest restore: where the next one starts, and on which fork */
	lsn_is(db->lsn, "98000000012300001");
	lsn_is(db->ls_secondary.last_restored_lsn, "98000000012300001");
	assert_string_equal(db->fork, "BBBBBBBB-0000-0000-0000-000000000002");
	assert_string_equal(db->fork_parent, "AAAAAAAA-0000-0000-0000-000000000001");
	lsn_is(db->fork_lsn, "98000000000900001");
	assert_null(model_db(model_instance(&m, "sqla.dc2.lab"), "mgccomp"));
	arena_release(&arena);
}

/* With sys.master_files, a RESTORING copy's redo start is the truth. */
static void test_observe__to_model_restoring_prefers_redo_start(void **state)
{
	static const char *dbs[] = {"pcdr_databases", "database_id",      "name",
	                            "state",          "state_desc",       "is_in_standby",
	                            "is_read_only",   "user_access_desc", "recovery_model_desc"};
	static const char *rec[] = {"pcdr_recovery",      "name",
	                            "recovery_fork_guid", "first_recovery_fork_guid",
	                            "fork_point_lsn",     "last_log_backup_lsn",
	                            "redo_start_lsn",     "redo_start_fork_guid"};
	struct arena arena = ARENA_INIT;
	struct mssql_result res;
	struct mssql_facts f;
	struct model m;
	struct model_db *db;

	(void)state;
	mssql_result_init(&res);
	SET(&res, dbs, ROW("0", "5", "mgc", "1", "RESTORING", "0", "0", "MULTI_USER", "FULL"));
	SET(&res, rec,
	    ROW("0", "mgc", NULL, NULL, NULL, NULL, "98000000012400001",
	        "CCCCCCCC-0000-0000-0000-000000000003"));
	mssql_facts_init(&f, "sqlb.dc1.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res);
	to_model(&m, &arena, &f, 0, 0);
	mssql_facts_release(&f);
	db = model_copy_of(&m, "sqlb.dc1.lab", "mgc");
	assert_string_equal(db->fork, "CCCCCCCC-0000-0000-0000-000000000003");
	assert_null(db->fork_parent);
	lsn_is(db->lsn, "98000000012400001");
	arena_release(&arena);
}

/* An ONLINE copy neither mirrored nor backed up: sys.dm_db_log_stats' end of log. */
static void test_observe__to_model_log_end(void **state)
{
	static const char *dbs[] = {"pcdr_databases", "database_id",      "name",
	                            "state",          "state_desc",       "is_in_standby",
	                            "is_read_only",   "user_access_desc", "recovery_model_desc"};
	static const char *end[] = {"pcdr_log_end", "name", "log_end_lsn"};
	struct arena arena = ARENA_INIT;
	struct mssql_result res;
	struct mssql_facts f;
	struct model m;

	(void)state;
	mssql_result_init(&res);
	SET(&res, dbs, ROW("0", "5", "mgc", "0", "ONLINE", "0", "0", "MULTI_USER", "FULL"),
	    ROW("0", "6", "mgccomp", "0", "ONLINE", "0", "0", "MULTI_USER", "FULL"));
	SET(&res, end, ROW("0", "mgc", "0000002a:000000f0:0003"), ROW("0", "mgccomp", "12:zz:1"));
	mssql_facts_init(&f, "sqla.dc1.lab");
	mssql_observe_parse(&f, &res);
	mssql_result_release(&res);
	assert_int_equal(f.n_errors, 0);
	assert_true(f.sections & MSSQL_SEC_LOG_END);
	to_model(&m, &arena, &f, 0, 0);
	mssql_facts_release(&f);
	lsn_is(model_copy_of(&m, "sqla.dc1.lab", "mgc")->lsn, "42000000024000003");
	assert_true(model_lsn_is_zero(model_copy_of(&m, "sqla.dc1.lab", "mgccomp")->lsn));
	arena_release(&arena);
}

static void test_observe__to_model_unreachable(void **state)
{
	struct arena arena = ARENA_INIT;
	struct mssql_facts f;
	struct model m;
	struct model_instance *inst;

	(void)state;
	mssql_facts_init(&f, "sqlb.dc2.lab");
	f.failure = MSSQL_FAIL_UNREACHABLE;
	f.reason = "cannot connect to 'sqlb.dc2.lab': Connection refused";
	to_model(&m, &arena, &f, 0, 0);
	mssql_facts_release(&f);
	inst = model_instance(&m, "sqlb.dc2.lab");
	assert_false(inst->reachable);
	assert_string_equal(inst->unreachable_reason,
	                    "cannot connect to 'sqlb.dc2.lab': Connection refused");
	assert_int_equal(inst->n_dbs, 0);
	arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_observe__batch_quotes_names_and_guards_restoring),
	        cmocka_unit_test(test_observe__batch_refuses_unquotable_names),
	        cmocka_unit_test(test_observe__parse_every_section),
	        cmocka_unit_test(test_observe__parse_server_identity_per_chat_database),
	        cmocka_unit_test(test_observe__parse_secondary_and_monitors),
	        cmocka_unit_test(test_observe__parse_problems_are_recorded),
	        cmocka_unit_test(test_observe__unreachable_instance_is_a_fact),
	        cmocka_unit_test(test_observe__login_timeout_is_a_fact),
	        cmocka_unit_test(test_observe__many_instances_in_parallel),
	        cmocka_unit_test(test_observe__target_without_credentials),
	        cmocka_unit_test(test_observe__to_model_principal),
	        cmocka_unit_test(test_observe__to_model_restoring_secondary),
	        cmocka_unit_test(test_observe__to_model_restoring_prefers_redo_start),
	        cmocka_unit_test(test_observe__to_model_log_end),
	        cmocka_unit_test(test_observe__to_model_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
