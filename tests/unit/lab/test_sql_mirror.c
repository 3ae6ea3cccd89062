/*
 * test_sql_mirror: database mirroring between the two lab instances of
 * the harness: endpoints, SET PARTNER in the documented order (and the
 * errors when it is not: 1416, 1452, 1418, 1465, 1405, 1464), a commit
 * reaching the mirror, manual failover (1477, 1422, roles swapped, role
 * sequence, sessions on the old principal ended), the link going down
 * (DISCONNECTED, then SYNCHRONIZING/SYNCHRONIZED), forced service
 * (1455, SUSPENDED, the old principal demoted on return, RESUME) and
 * SET PARTNER OFF, plus the login's ENVCHANGE partner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_dr_harness.h"

#define EP                                                                                         \
	"CREATE ENDPOINT Mirroring STATE = STARTED AS TCP (LISTENER_PORT = 5022) FOR "             \
	"DATABASE_MIRRORING (ROLE = PARTNER, ENCRYPTION = REQUIRED ALGORITHM AES)"
#define REDO                                                                                       \
	"SELECT redo_start_lsn, redo_start_fork_guid FROM sys.master_files WHERE database_id = "   \
	"DB_ID('mgc')"
#define STATE                                                                                      \
	"SELECT m.mirroring_role_desc, m.mirroring_state_desc, m.mirroring_role_sequence "         \
	"FROM sys.database_mirroring AS m WHERE m.database_id = DB_ID(N'mgc')"

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

/* Full + log backup on sqla, restored WITH NORECOVERY on sqlb, endpoints. */
static void seed(struct drfix *d)
{
	const char *out;

	out = run(&d->f, "CREATE TABLE mgc.dbo.t (id int NOT NULL);"
	                 "INSERT INTO mgc.dbo.t VALUES (1);"
	                 "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\m.bak' WITH INIT;"
	                 "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\m.trn' WITH INIT;" EP);
	assert_hasnt(out, "msg ");
	out = run2(
	        d,
	        "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\m.bak' WITH "
	        "NORECOVERY;"
	        "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\m.trn' WITH NORECOVERY;" EP);
	assert_hasnt(out, "msg ");
}

static void establish(struct drfix *d)
{
	const char *out;

	out = run2(d, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqla.dc1.lab:5022'");
	assert_hasnt(out, "msg ");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc2.lab:5022'");
	assert_hasnt(out, "msg ");
}

static void test_establish_and_failover(void **state)
{
	struct drfix *d = *state;
	struct lab_login login;
	struct lab_login_result res;
	struct lab_session *s3;
	const char *out;
	char *redo;

	seed(d);
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1416 16 1 L1 Database \"mgc\" is not configured for database "
	                "mirroring.");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqla.dc1.lab:5022'");
	assert_has(out, "msg 1452 16 1 L1");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc2.lab:5099'");
	assert_has(out, "msg 1418 16 1 L1 The server network address "
	                "\"TCP://sqlb.dc2.lab:5099\" can not be reached or does not exist.");
	out = run(&d->f, "ALTER DATABASE mgccomp SET PARTNER = N'TCP://sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1465 16 1 L1");
	establish(d);
	out = run(&d->f, STATE);
	assert_has(out, "row 'PRINCIPAL' 'SYNCHRONIZED' 1");
	out = run2(d, STATE "; SELECT state_desc FROM sys.databases WHERE name = 'mgc'");
	assert_has(out, "row 'MIRROR' 'SYNCHRONIZED' 1");
	assert_has(out, "row 'RESTORING'");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1405 16 1 L1");
	out = run2(d, "SELECT * FROM mgc.dbo.t");
	assert_has(out, "msg 954 14 1 L1");
	/* the login's ENVCHANGE partner */
	memset(&login, 0, sizeof(login));
	login.user = "pcdr";
	login.password = "Secret-1";
	login.database = "mgc";
	assert_int_equal(lab_session_open(d->f.world, 0, &login, &s3, &res), 0);
	assert_string_equal(res.partner, "sqlb.dc2.lab");
	/* a commit reaches the mirror; manual failover */
	run(&d->f, "INSERT INTO mgc.dbo.t VALUES (2)");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER FAILOVER; " STATE);
	assert_hasnt(out, "msg ");
	assert_has(out, "row 'MIRROR' 'SYNCHRONIZED' 2");
	/* the old principal is RESTORING: its files name where redo resumes */
	out = run(&d->f, REDO);
	assert_has(out, "row ");
	assert_hasnt(out, "NULL");
	redo = strdup(out);
	{
		struct lab_sink sink = rec_sink(&d->f.rec);

		strbuf_reset(&d->f.rec.sb);
		assert_int_equal(lab_session_batch(s3, "SELECT 1", &sink), -1); /* ended */
	}
	lab_session_close(s3);
	out = run2(d, STATE "; SELECT COUNT(*) FROM mgc.dbo.t");
	assert_has(out, "row 'PRINCIPAL' 'SYNCHRONIZED' 2");
	assert_has(out, "row 2");
	out = run2(d, "ALTER DATABASE mgc SET PARTNER SAFETY OFF; ALTER DATABASE mgc SET PARTNER "
	              "FAILOVER");
	assert_has(out, "msg 1477 16 1 L1");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER FAILOVER");
	assert_has(out, "msg 1470 16 1 L1");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS");
	assert_has(out, "msg 1455 16 1 L1");
	out = run2(d, "ALTER DATABASE mgc SET PARTNER OFF; SELECT mirroring_guid FROM "
	              "sys.database_mirroring WHERE database_id = DB_ID('mgc')");
	assert_has(out, "row NULL");
	out = run(&d->f, "SELECT state_desc FROM sys.databases WHERE name = 'mgc'");
	assert_has(out, "row 'RESTORING'");
	/* SET PARTNER OFF leaves the former mirror where its redo stopped */
	assert_string_equal(run(&d->f, REDO), redo);
	free(redo);
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER OFF");
	assert_has(out, "msg 1416 16 1 L1");
}

static void test_disconnect_and_force(void **state)
{
	struct drfix *d = *state;
	const char *out;

	seed(d);
	establish(d);
	lab_world_set_running(d->f.world, 1, false); /* the mirror stops */
	out = run(&d->f, "INSERT INTO mgc.dbo.t VALUES (2); " STATE);
	assert_has(out, "row 'PRINCIPAL' 'DISCONNECTED' 1");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER FAILOVER");
	assert_has(out, "msg 1447 16 1 L1");
	lab_world_set_running(d->f.world, 1, true);
	out = run(&d->f, STATE);
	assert_has(out, "row 'PRINCIPAL' 'SYNCHRONIZING' 1");
	out = run(&d->f, STATE);
	assert_has(out, "row 'PRINCIPAL' 'SYNCHRONIZED' 1");
	/* the principal is lost: forced service on the mirror */
	run(&d->f, "INSERT INTO mgc.dbo.t VALUES (3)");
	lab_world_set_running(d->f.world, 0, false);
	out = run2(d, "ALTER DATABASE mgc SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS; " STATE
	              "; SELECT COUNT(*) FROM mgc.dbo.t");
	assert_hasnt(out, "msg ");
	assert_has(out, "row 'PRINCIPAL' 'SUSPENDED' 2");
	assert_has(out, "row 3");
	run2(d, "INSERT INTO mgc.dbo.t VALUES (4)");
	lab_world_set_running(d->f.world, 0, true); /* the old principal returns */
	out = run(&d->f, STATE "; SELECT state_desc FROM sys.databases WHERE name = 'mgc'");
	assert_has(out, "row 'MIRROR' 'SUSPENDED' 2");
	assert_has(out, "row 'RESTORING'");
	out = run2(d, "ALTER DATABASE mgc SET PARTNER RESUME; " STATE);
	assert_hasnt(out, "msg ");
	out = run2(d, STATE);
	assert_has(out, "row 'PRINCIPAL' 'SYNCHRONIZED' 2");
	out = run2(d, "ALTER DATABASE mgc SET PARTNER FAILOVER; SELECT COUNT(*) FROM "
	              "sys.databases WHERE name = 'mgc' AND state_desc = 'RESTORING'");
	assert_has(out, "row 1");
	out = run(&d->f, "SELECT COUNT(*) FROM mgc.dbo.t");
	assert_has(out, "row 4");
}

static void test_witness_and_switches(void **state)
{
	struct drfix *d = *state;
	const char *out;

	seed(d);
	establish(d);
	out = run(&d->f, "ALTER DATABASE mgc SET WITNESS OFF");
	assert_has(out, "msg 1439 16 1 L1");
	out = run(&d->f, "ALTER DATABASE mgc SET WITNESS = N'TCP://sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1429 16 1 L1");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER TIMEOUT 2; SELECT "
	                 "mirroring_connection_timeout FROM sys.database_mirroring WHERE "
	                 "database_id = DB_ID('mgc')");
	assert_has(out, "row 5");
	out = run2(d, "ALTER DATABASE mgc SET PARTNER SAFETY OFF");
	assert_has(out, "msg 1470 16 1 L1");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER SUSPEND; " STATE);
	assert_has(out, "row 'PRINCIPAL' 'SUSPENDED' 1");
	out = run(&d->f, "INSERT INTO mgc.dbo.t VALUES (9); ALTER DATABASE mgc SET PARTNER RESUME");
	assert_hasnt(out, "msg ");
	run(&d->f, STATE);
	out = run(&d->f, STATE);
	assert_has(out, "row 'PRINCIPAL' 'SYNCHRONIZED' 1");
	out = run(&d->f, "ALTER DATABASE mgc SET RECOVERY SIMPLE");
	assert_has(out, "msg 1468 16 1 L1");
	out = run(&d->f, "RESTORE DATABASE mgc WITH RECOVERY");
	assert_has(out, "msg 3104 16 1 L1");
	out = run(&d->f, "CREATE ENDPOINT Other STATE = STARTED AS TCP (LISTENER_PORT = 5023) FOR "
	                 "DATABASE_MIRRORING (ROLE = ALL)");
	assert_has(out, "msg 7862 16 1 L1");
	out = run(&d->f, "ALTER ENDPOINT Nope STATE = STOPPED");
	assert_has(out, "msg 15151 16 1 L1");
	out = run(&d->f, "SELECT e.name, e.role_desc, e.state_desc, t.port FROM "
	                 "sys.database_mirroring_endpoints AS e JOIN sys.tcp_endpoints AS t ON "
	                 "t.endpoint_id = e.endpoint_id");
	assert_has(out, "row 'Mirroring' 'PARTNER' 'STARTED' 5022");
}

/* The mirror must be rolled forward far enough and left RESTORING. */
static void test_setup_errors(void **state)
{
	struct drfix *d = *state;
	const char *out;

	run(&d->f, "CREATE TABLE mgc.dbo.t (id int NOT NULL);"
	           "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\m.bak' WITH INIT;"
	           "INSERT INTO mgc.dbo.t VALUES (1);"
	           "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\m1.trn' WITH INIT;"
	           "INSERT INTO mgc.dbo.t VALUES (2);"
	           "BACKUP LOG mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\m2.trn' WITH INIT;" EP);
	run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\m.bak' WITH "
	        "NORECOVERY;" EP "; ALTER DATABASE mgc SET PARTNER = N'TCP://sqla.dc1.lab:5022'");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1478 16 1 L1 The mirror database, \"mgc\", has insufficient "
	                "transaction log data");
	run2(d, "RESTORE LOG mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\m1.trn' WITH NORECOVERY");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1412 16 1 L1 The remote copy of database \"mgc\" has not been rolled "
	                "forward");
	run2(d, "RESTORE DATABASE mgc WITH RECOVERY");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1464 16 1 L1 Database mirroring cannot be enabled for the remote copy "
	                "of database \"mgc\" because the database is not in a recovering state.");
	out = run(&d->f, "ALTER DATABASE mgc SET PARTNER = N'sqlb.dc2.lab:5022'");
	assert_has(out, "msg 1449 16 1 L1");
	out = run(&d->f, "ALTER DATABASE nosuch SET PARTNER OFF");
	assert_has(out, "msg 5011 14 1 L1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_establish_and_failover, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_disconnect_and_force, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_witness_and_switches, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_setup_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
