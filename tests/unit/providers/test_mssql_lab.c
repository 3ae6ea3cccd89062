/*
 * providers/mssql against the lab: starts `pcdr-lab up` with the demo
 * topology in a temporary folder (its own freetds.conf and free loopback
 * ports), observes every instance through real TDS, and checks what came
 * back: databases per instance, exact numeric(25,0) LSNs, GUIDs and
 * dates as db-lib delivers them, tblServerIdentity pings against the
 * server's clock, a refused login and `tls: require` on a session that
 * is not encrypted. When the lab binary ($PCDR_LAB, else
 * build/default/pcdr-lab) is missing or does not start (a sanitizer build
 * does not build it), each test prints "# SKIP ..." and passes: cmocka's
 * TAP "not ok # SKIP" would count as a failure in tests/run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "providers/mssql/observe.h"
#include "reconciler/core/model.h"
#include "reconciler/plan/observed.h"
#include "util/err.h"
#include "util/runcmd.h"

static char lab_dir[64];
static char lab_bin[512];
static char user[64], password[128];
static int lab_running;

static int run(const char *const *argv)
{
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	int error;

	opts.argv = argv;
	opts.timeout_ms = 60000;
	error = runcmd_run(&res, &opts);
	if (error < 0)
		fprintf(stderr, "# %s\n# %s", err_last(), strbuf_cstr(&res.err));
	runcmd_result_release(&res);
	return error;
}

/* DIR/env holds lines: export NAME='value' */
static void read_env(void)
{
	char path[128], line[512], *eq, *value;
	FILE *f;

	snprintf(path, sizeof(path), "%s/env", lab_dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "export ", 7) || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		value = eq + 1;
		value[strcspn(value, "\n")] = '\0';
		if (value[0] == '\'' && value[strlen(value) - 1] == '\'') {
			value[strlen(value) - 1] = '\0';
			value++;
		}
		setenv(line + 7, value, 1);
	}
	fclose(f);
	snprintf(user, sizeof(user), "%s", getenv("PCDR_SQL_USER") ? getenv("PCDR_SQL_USER") : "");
	snprintf(password, sizeof(password), "%s",
	         getenv("PCDR_SQL_PASSWORD") ? getenv("PCDR_SQL_PASSWORD") : "");
}

static int lab_setup(void **state)
{
	const char *bin = getenv("PCDR_LAB");
	const char *up[] = {lab_bin, "up",    "--topology", "examples/lab/topology.yaml",
	                    "--dir", lab_dir, NULL};

	(void)state;
	snprintf(lab_bin, sizeof(lab_bin), "%s", bin && *bin ? bin : "build/default/pcdr-lab");
	if (access(lab_bin, X_OK) != 0 || access("examples/lab/topology.yaml", R_OK) != 0)
		return 0;
	snprintf(lab_dir, sizeof(lab_dir), "/tmp/pcdr-mssql-lab-XXXXXX");
	if (!mkdtemp(lab_dir))
		return -1;
	rmdir(lab_dir); /* pcdr-lab up creates it */
	if (run(up) < 0)
		return 0;
	read_env();
	lab_running = 1;
	return 0;
}

static int lab_teardown(void **state)
{
	const char *down[] = {lab_bin, "--dir", lab_dir, "down", NULL};
	const char *rm[] = {"rm", "-rf", lab_dir, NULL};

	(void)state;
	if (lab_running) {
		run(down);
		run(rm);
	}
	return 0;
}

/* Say why, and pass: see the file header. */
#define SKIP_WITHOUT_LAB()                                                                         \
	do {                                                                                       \
		if (!lab_running) {                                                                \
			printf("# SKIP no lab: '%s' is missing or did not start\n", lab_bin);      \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static struct mssql_target lab_target(const char *name)
{
	struct mssql_target t = {0};

	t.name = name;
	t.server = name; /* the lab's freetds.conf entry */
	t.tls = MSSQL_TLS_OFF;
	t.login_timeout_s = 5;
	t.query_timeout_s = 30;
	t.user = user;
	t.password = password;
	return t;
}

static const char *const dbs[] = {"mgc", "mgccomp"};

static const struct mssql_obs_database *find_db(const struct mssql_facts *f, const char *name)
{
	for (size_t i = 0; i < f->n_databases; i++)
		if (!strcmp(f->databases[i].name, name))
			return &f->databases[i];
	return NULL;
}

static void test_lab__observe_every_instance(void **state)
{
	const char *names[] = {"sqla.dc1.lab", "sqlb.dc1.lab", "sqla.dc2.lab", "sqlb.dc2.lab"};
	struct mssql_target t[4];
	struct mssql_facts f[4];
	struct mssql_observe_request req = {dbs, 2, "mgc", 0, NULL, 0};
	const unsigned core = MSSQL_SEC_SERVER | MSSQL_SEC_DATABASES | MSSQL_SEC_MIRRORING |
	                      MSSQL_SEC_ENDPOINTS | MSSQL_SEC_LS_PRIMARY | MSSQL_SEC_LS_SECONDARY |
	                      MSSQL_SEC_LS_MONITOR_PRIMARY | MSSQL_SEC_LS_MONITOR_SECONDARY |
	                      MSSQL_SEC_BACKUPS | MSSQL_SEC_RESTORES | MSSQL_SEC_SESSIONS |
	                      MSSQL_SEC_RECOVERY;
	struct arena arena = ARENA_INIT;
	static const struct poolcmd_status pool = POOLCMD_STATUS_INIT;
	struct observed_input in = {0};
	struct model m, desired;
	struct model_db *db;

	(void)state;
	SKIP_WITHOUT_LAB();
	for (int i = 0; i < 4; i++)
		t[i] = lab_target(names[i]);
	assert_int_equal(mssql_observe_all(f, t, 4, &req, 2), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f[i].failure, MSSQL_FAIL_NONE);
		assert_true((f[i].sections & core) == core);
		assert_string_equal(f[i].server_name, names[i]);
		assert_non_null(f[i].server_time);
		for (size_t e = 0; e < f[i].n_errors; e++)
			print_message("# %s: %s\n", names[i], f[i].errors[e]);
		assert_int_equal(f[i].n_errors, 0);
	}
	/* the topology's starting point: mgc and mgccomp on sqla.dc1, mgccomp on sqla.dc2 */
	assert_int_equal(find_db(&f[0], "mgc")->state, 0);
	assert_string_equal(find_db(&f[0], "mgccomp")->state_desc, "ONLINE");
	assert_string_equal(find_db(&f[0], "mgc")->recovery_model_desc, "FULL");
	assert_int_equal(f[1].n_databases, 0);
	assert_non_null(find_db(&f[2], "mgccomp"));
	assert_null(find_db(&f[2], "mgc"));
	/* tblServerIdentity is read only where mgc is ONLINE */
	assert_true(f[0].sections & MSSQL_SEC_SERVER_IDENTITY);
	assert_false(f[2].sections & MSSQL_SEC_SERVER_IDENTITY);
	/* and as the planner's observed model (as the plan pipeline converts it) */
	model_init(&desired, &arena, "atl-pchat");
	for (int i = 0; i < 4; i++)
		model_add_instance(&desired, names[i], i < 2 ? "dc1" : "dc2");
	in.desired = &desired;
	in.facts = f;
	in.n_facts = 4;
	in.pool = &pool;
	observed_from_facts(&m, &arena, &in);
	for (int i = 0; i < 4; i++)
		mssql_facts_release(&f[i]);
	assert_int_equal(m.n_instances, 4);
	db = model_copy_of(&m, "sqla.dc1.lab", "mgc");
	assert_non_null(db);
	assert_int_equal(db->state, MODEL_DB_ONLINE);
	assert_int_equal(db->mirroring.role, MODEL_ROLE_NONE);
	assert_non_null(db->fork); /* sys.database_recovery_status */
	assert_null(model_copy_of(&m, "sqlb.dc1.lab", "mgc"));
	assert_true(model_instance(&m, "sqlb.dc2.lab")->reachable);
	arena_release(&arena);
}

static void exec_ok(struct mssql_conn *conn, const char *sql)
{
	struct mssql_result res;
	enum mssql_failure failure;

	mssql_result_init(&res);
	assert_int_equal(mssql_exec(conn, sql, &res, &failure), 0);
	if (res.first_error)
		fail_msg("%s: %s", sql, res.first_error);
	mssql_result_release(&res);
}

static void test_lab__values_arrive_exactly(void **state)
{
	struct mssql_target t = lab_target("sqla.dc1.lab");
	struct mssql_observe_request req = {dbs, 2, "mgc", 0, NULL, 0};
	struct mssql_conn *conn = NULL;
	enum mssql_failure failure;
	struct mssql_facts f;
	struct arena arena = ARENA_INIT;

	(void)state;
	SKIP_WITHOUT_LAB();
	assert_int_equal(mssql_connect(&conn, &failure, &t), 0);
	exec_ok(conn,
	        "INSERT INTO msdb.dbo.backupmediafamily (media_set_id, family_sequence_number, "
	        "physical_device_name, mirror) VALUES (7, 1, N'\\\\fs1.lab\\pchat-ls\\mgc_1.trn', "
	        "0);");
	exec_ok(conn, "INSERT INTO msdb.dbo.backupset (backup_set_id, media_set_id, type, "
	              "database_name, server_name, first_lsn, last_lsn, backup_finish_date, "
	              "is_copy_only, last_recovery_fork_guid) VALUES (7, 7, 'L', N'mgc', "
	              "N'sqla.dc1.lab', 98000000011000001, 1234567890123456789012345, "
	              "'2026-01-31T23:59:58.997', 0, '6F9619FF-8B86-D011-B42D-00C04FC964FF');");
	exec_ok(conn, "INSERT INTO mgc.dbo.tblServerIdentity (serverID, serverAddress, "
	              "serverLastPingTime) VALUES (1, N'net.tcp://pc1.dc1.lab:8011', GETDATE());");
	mssql_close(conn);

	assert_int_equal(mssql_observe(&f, &t, &req), 0);
	assert_int_equal(f.n_backups, 1);
	assert_int_equal(f.backups[0].type, 'L');
	assert_string_equal(f.backups[0].first_lsn, "98000000011000001");
	assert_string_equal(f.backups[0].last_lsn, "1234567890123456789012345");
	assert_string_equal(f.backups[0].finish_date, "2026-01-31T23:59:58.997");
	assert_string_equal(f.backups[0].last_recovery_fork_guid,
	                    "6F9619FF-8B86-D011-B42D-00C04FC964FF");
	assert_string_equal(f.backups[0].physical_device_name, "\\\\fs1.lab\\pchat-ls\\mgc_1.trn");
	assert_null(f.backups[0].database_backup_lsn);
	assert_int_equal(f.n_server_identity, 1);
	assert_string_equal(f.server_identity[0].server_address, "net.tcp://pc1.dc1.lab:8011");
	assert_non_null(f.server_identity[0].last_ping_time);
	mssql_facts_release(&f);
	arena_release(&arena);
}

static void collect(void *ctx, const struct mssql_message *msg)
{
	struct strbuf *sb = ctx;

	strbuf_printf(sb, "%d/%d:%s|", msg->number, msg->severity, msg->text);
}

/* A failed statement does not end the batch; messages reach the callback. */
static void test_lab__batch_goes_on_after_a_failed_statement(void **state)
{
	struct mssql_target t = lab_target("sqlb.dc2.lab");
	struct mssql_conn *conn = NULL;
	enum mssql_failure failure;
	struct mssql_result res;
	struct strbuf seen = STRBUF_INIT;

	(void)state;
	SKIP_WITHOUT_LAB();
	assert_int_equal(mssql_connect(&conn, &failure, &t), 0);
	mssql_on_message(conn, collect, &seen);
	mssql_result_init(&res);
	assert_int_equal(mssql_exec(conn,
	                            "SELECT 1 AS a; PRINT N'step one'; "
	                            "RAISERROR(N'boom %d', 16, 1, 7); SELECT 2 AS b;",
	                            &res, &failure),
	                 0);
	assert_int_equal(res.n_sets, 2);
	assert_string_equal(res.sets[0].columns[0], "a");
	assert_string_equal(res.sets[1].cells[0], "2");
	assert_string_equal(res.first_error, "boom 7");
	assert_int_equal(res.first_error_number, 50000);
	assert_string_equal(strbuf_cstr(&seen), "0/0:step one|50000/16:boom 7|");
	mssql_result_release(&res);
	strbuf_release(&seen);
	mssql_close(conn);
}

/* Also when the very first statement fails (dbsqlexec says FAIL). */
static void test_lab__batch_goes_on_after_a_failed_first_statement(void **state)
{
	struct mssql_target t = lab_target("sqlb.dc2.lab");
	struct mssql_conn *conn = NULL;
	enum mssql_failure failure;
	struct mssql_result res;

	(void)state;
	SKIP_WITHOUT_LAB();
	assert_int_equal(mssql_connect(&conn, &failure, &t), 0);
	mssql_result_init(&res);
	assert_int_equal(
	        mssql_exec(conn, "RAISERROR(N'first', 16, 1); SELECT 2 AS b;", &res, &failure), 0);
	assert_int_equal(res.n_sets, 1);
	assert_string_equal(res.sets[0].cells[0], "2");
	assert_string_equal(res.first_error, "first");
	mssql_result_release(&res);
	/* the connection is still usable */
	mssql_result_init(&res);
	assert_int_equal(mssql_exec(conn, "SELECT 3 AS c;", &res, &failure), 0);
	assert_string_equal(res.sets[0].cells[0], "3");
	mssql_result_release(&res);
	mssql_close(conn);
}

/* A batch that runs past the query timeout is ERR_TIMEOUT, not a hang. */
static void test_lab__query_timeout(void **state)
{
	struct mssql_target t = lab_target("sqlb.dc2.lab");
	struct mssql_conn *conn = NULL;
	enum mssql_failure failure;
	struct mssql_result res;

	(void)state;
	SKIP_WITHOUT_LAB();
	t.query_timeout_s = 1;
	assert_int_equal(mssql_connect(&conn, &failure, &t), 0);
	mssql_result_init(&res);
	assert_int_equal(
	        mssql_exec(conn, "WAITFOR DELAY '00:00:05'; SELECT 1 AS a;", &res, &failure),
	        ERR_TIMEOUT);
	assert_int_equal(failure, MSSQL_FAIL_TIMEOUT);
	assert_non_null(strstr(err_last(), "query on 'sqlb.dc2.lab' timed out"));
	mssql_result_release(&res);
	mssql_close(conn);
}

static void test_lab__refused_login_is_a_fact(void **state)
{
	struct mssql_target t = lab_target("sqlb.dc1.lab");
	struct mssql_observe_request req = {dbs, 2, NULL, 0, NULL, 0};
	struct mssql_facts f;

	(void)state;
	SKIP_WITHOUT_LAB();
	t.password = "wrong-password-for-the-test";
	assert_int_equal(mssql_observe(&f, &t, &req), ERR_GENERIC);
	assert_int_equal(f.failure, MSSQL_FAIL_LOGIN);
	assert_string_equal(f.reason, "cannot connect to 'sqlb.dc1.lab': Login failed for user "
	                              "'pcdr'.");
	assert_null(strstr(f.reason, "wrong-password"));
	mssql_facts_release(&f);
}

static void test_lab__tls_require_refuses_a_clear_session(void **state)
{
	struct mssql_target t = lab_target("sqla.dc2.lab");
	struct mssql_conn *conn = NULL;
	enum mssql_failure failure;

	(void)state;
	SKIP_WITHOUT_LAB();
	t.tls = MSSQL_TLS_REQUIRE; /* the lab answers ENCRYPT_NOT_SUP */
	assert_true(mssql_connect(&conn, &failure, &t) < 0);
	assert_null(conn);
	assert_true(failure == MSSQL_FAIL_TLS || failure == MSSQL_FAIL_UNREACHABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lab__observe_every_instance),
	        cmocka_unit_test(test_lab__values_arrive_exactly),
	        cmocka_unit_test(test_lab__batch_goes_on_after_a_failed_statement),
	        cmocka_unit_test(test_lab__batch_goes_on_after_a_failed_first_statement),
	        cmocka_unit_test(test_lab__query_timeout),
	        cmocka_unit_test(test_lab__refused_login_is_a_fact),
	        cmocka_unit_test(test_lab__tls_require_refuses_a_clear_session),
	};

	return cmocka_run_group_tests(tests, lab_setup, lab_teardown);
}
