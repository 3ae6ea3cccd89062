/*
 * Unit tests for the engine's persistence: lab_world_save writes every
 * instance's databases, states, mirroring metadata, endpoints and stored
 * rows under state_dir, and lab_world_create loads them back instead of
 * building the topology afresh; a malformed state file is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "lab/sql/dblog.h"
#include "lab/sql/world.h"
#include "tests/unit/lab/test_sql_harness.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/pcdr-sql-persist-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	*state = calloc(1, sizeof(struct fixture));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	free(*state);
	snprintf(cmd, sizeof(cmd), "%s/sqla.dc1.lab.state", dir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/sqlb.dc2.lab.state", dir);
	unlink(cmd);
	rmdir(dir);
	return 0;
}

static void test_sql_persist__round_trip(void **state)
{
	struct fixture *f = *state;
	struct sqldb *db;
	const char *sql =
	        "CREATE TABLE mgc.dbo.notes (id int NOT NULL, body nvarchar(max), n numeric(25,0),"
	        " g uniqueidentifier, at datetime, f float, b varbinary(10), flag bit);"
	        "INSERT mgc.dbo.notes VALUES (1, N'two words\n%and a line', "
	        "12345678901234567890123,"
	        " '6F9619FF-8B86-D011-B42D-00C04FC964FF', '2024-03-15 13:45:30', 1.5, 0x00FF, 1),"
	        " (2, N'', NULL, NULL, NULL, NULL, NULL, NULL);"
	        "INSERT mgc.dbo.tblServerIdentity VALUES (1, N'net.tcp://chat1:8011', "
	        "'2024-01-01')";
	const char *query = "SELECT id, body, n, g, f, b, flag, LEN(body) AS l FROM mgc.dbo.notes "
	                    "ORDER BY id; SELECT serverAddress FROM mgc.dbo.tblServerIdentity";
	char *before;
	uint8_t fork[16];

	assert_int_equal(fixture_open(f, dir), 0);
	run(f, sql);
	db = world_db_by_name(f->world->inst[0], "mgc");
	db->state = DB_RESTORING;
	db->mirror.on = true;
	db->mirror.role = 2;
	db->mirror.role_sequence = 3;
	snprintf(db->mirror.partner_instance, sizeof(db->mirror.partner_instance), "sqlb.dc2.lab");
	/* the restore point lives in the database's log while the lab runs */
	dblog_of(db)->redo_next = 123;
	memcpy(dblog_of(db)->redo_fork, db->recovery.recovery_fork_guid, 16);
	memcpy(fork, db->recovery.recovery_fork_guid, 16);
	before = strdup(run(f, query));
	assert_int_equal(lab_world_save(f->world), 0);
	fixture_close(f);

	memset(f, 0, sizeof(*f));
	assert_int_equal(fixture_open(f, dir), 0);
	assert_string_equal(run(f, query), before);
	db = world_db_by_name(f->world->inst[0], "mgc");
	assert_int_equal(db->state, DB_RESTORING);
	assert_true(db->mirror.on);
	assert_int_equal(db->mirror.role_sequence, 3);
	assert_string_equal(db->mirror.partner_instance, "sqlb.dc2.lab");
	assert_string_equal(db->recovery.redo_start_lsn, "123");
	assert_memory_equal(db->recovery.recovery_fork_guid, fork, 16);
	assert_string_equal(run(f, "SELECT name FROM sys.databases WHERE database_id = 6"),
	                    "cols name:nvarchar(128)\nrow 'mgccomp'\ndone 0x10 C1 1\n");
	fixture_close(f);
	free(before);
}

static void test_sql_persist__malformed_file_is_refused(void **state)
{
	struct fixture *f = *state;
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/sqla.dc1.lab.state", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("pcdr-lab-state 1\ndatabase smaster 1 0 0 0 0 1 0 0\nrow 1 2 3\n", fp);
	fclose(fp);
	fixture_topology(f);
	assert_int_not_equal(lab_world_create(&f->world, &f->topo, dir), 0);
	assert_null(f->world);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_sql_persist__round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sql_persist__malformed_file_is_refused, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
