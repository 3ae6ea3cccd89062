/*
 * Unit tests for the fault state the engine reads (lab/sql/fault.c) and
 * what the Agent does with it: stopped instances, site partitions and
 * the share's reachability, Windows paths mapped to the lab's folders,
 * rebuild giving fresh databases, and an Agent whose instance is stopped
 * refusing sp_start_job (22022) until the instance starts again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lab/sql/world.h"
#include "util/err.h"
#include "tests/unit/lab/test_sql_harness.h"

struct ffix {
	struct fixture f;
	struct lab_topo_site sites[2];
	char dir[64];
};

static int setup(void **state)
{
	struct ffix *x = calloc(1, sizeof(*x));
	char state_dir[128];

	snprintf(x->dir, sizeof(x->dir), "/tmp/pcdr-test-faults.XXXXXX");
	if (!mkdtemp(x->dir))
		return -1;
	snprintf(state_dir, sizeof(state_dir), "%s/state", x->dir);
	fixture_topology(&x->f);
	x->sites[0].name = "dc1";
	x->sites[0].home = true;
	x->sites[1].name = "dc2";
	x->f.topo.sites = x->sites;
	x->f.topo.n_sites = 2;
	x->f.topo.share_unc = "\\\\fs1.lab\\pchat-ls";
	x->f.topo.share_dir = "share";
	strbuf_init(&x->f.rec.sb, 0);
	if (lab_world_create(&x->f.world, &x->f.topo, state_dir))
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ffix *x = *state;

	fixture_close(&x->f);
	rmdir(x->dir);
	free(x);
	return 0;
}

static struct sqlinstance *inst(void **state, size_t i)
{
	struct ffix *x = *state;

	return x->f.world->inst[i];
}

static void test_agent_faults__links_and_share(void **state)
{
	struct ffix *x = *state;
	struct lab_world *w = x->f.world;

	assert_true(world_link_up(inst(state, 0), inst(state, 1)));
	assert_true(world_share_reachable(inst(state, 1)));
	assert_int_equal(lab_world_partition(w, "dc1", "dc2"), 0);
	assert_false(world_link_up(inst(state, 0), inst(state, 1)));
	assert_true(world_share_reachable(inst(state, 0))); /* the share is in dc1 */
	assert_false(world_share_reachable(inst(state, 1)));
	assert_int_equal(lab_world_partition(w, "dc1", "dc7"), ERR_NOTFOUND);
	assert_int_equal(lab_world_partition(w, "dc1", "dc1"), ERR_INVALID);
	lab_world_heal(w);
	assert_true(world_share_reachable(inst(state, 1)));
	lab_world_set_running(w, 0, false);
	assert_false(world_instance_running(inst(state, 0)));
	assert_false(world_link_up(inst(state, 0), inst(state, 1)));
	assert_false(world_share_reachable(inst(state, 0)));
	lab_world_set_running(w, 0, true);
	assert_true(world_link_up(inst(state, 0), inst(state, 1)));
}

static void test_agent_faults__paths(void **state)
{
	struct ffix *x = *state;
	char out[PATH_MAX], want[PATH_MAX];

	assert_int_equal(world_share_path(inst(state, 0), "\\\\FS1.lab\\pchat-ls\\a\\mgc_1.trn",
	                                  out, sizeof(out)),
	                 0);
	snprintf(want, sizeof(want), "%s/share/a/mgc_1.trn", x->dir);
	assert_string_equal(out, want);
	assert_int_equal(world_share_path(inst(state, 1), "d:\\LSCopy\\x.trn", out, sizeof(out)),
	                 0);
	snprintf(want, sizeof(want), "%s/disks/sqlb.dc2.lab/D/LSCopy/x.trn", x->dir);
	assert_string_equal(out, want);
	assert_int_equal(world_share_path(inst(state, 0), "\\\\other\\share\\x", out, sizeof(out)),
	                 -1);
	assert_int_equal(
	        world_share_path(inst(state, 0), "\\\\fs1.lab\\pchat-ls\\..\\x", out, sizeof(out)),
	        -1);
	assert_int_equal(
	        world_share_path(inst(state, 0), "\\\\fs1.lab\\pchat-lsX\\y", out, sizeof(out)),
	        -1);
}

static void test_agent_faults__rebuild(void **state)
{
	struct ffix *x = *state;
	struct lab_topo_instance *ti = &x->f.topo.instances[0];
	uint8_t before[16];

	memcpy(before, world_db_by_name(inst(state, 0), "mgc")->recovery.database_guid, 16);
	world_table_create(world_db_by_name(inst(state, 0), "mgc"), "dbo", "marker", NULL, 0);
	assert_int_equal(lab_world_rebuild(x->f.world, 0, ti), 0);
	assert_non_null(world_db_by_name(inst(state, 0), "mgc"));
	assert_null(world_table_find(world_db_by_name(inst(state, 0), "mgc"), "dbo", "marker"));
	assert_memory_not_equal(
	        before, world_db_by_name(inst(state, 0), "mgc")->recovery.database_guid, 16);
	assert_int_equal(world_db_by_name(inst(state, 0), "mgc")->state, DB_ONLINE);
	assert_int_equal(inst(state, 0)->dbs.len, 6);
}

static void test_agent_faults__agent_after_rebuild(void **state)
{
	struct ffix *x = *state;
	struct lab_login login = {"pcdr", "Secret-1", "", "unit", "h", "", 0x74000004, 4096};
	struct lab_login_result res;
	struct timespec ts = {0, 200000000};

	lab_agent_start(x->f.world);
	assert_int_equal(lab_world_rebuild(x->f.world, 0, &x->f.topo.instances[0]), 0);
	nanosleep(&ts, NULL);
	assert_int_equal(lab_session_open(x->f.world, 0, &login, &x->f.s, &res), 0);
	assert_string_equal(run(&x->f, "SELECT COUNT(*) AS n FROM msdb.dbo.syssessions"),
	                    "cols n:int\nrow 1\ndone 0x10 C1 1\n");
	lab_agent_stop(x->f.world);
}

static void test_agent_faults__agent_follows_its_instance(void **state)
{
	struct ffix *x = *state;
	struct lab_login login = {"pcdr", "Secret-1", "", "unit", "h", "", 0x74000004, 4096};
	struct lab_login_result res;
	struct timespec ts = {0, 100000000};
	const char *out;

	assert_int_equal(lab_session_open(x->f.world, 0, &login, &x->f.s, &res), 0);
	lab_agent_start(x->f.world);
	run(&x->f, "EXEC msdb.dbo.sp_add_job @job_name = N'j';"
	           "EXEC msdb.dbo.sp_add_jobstep @job_name = N'j', @step_name = N's',"
	           " @command = N'SELECT 1';"
	           "EXEC msdb.dbo.sp_add_jobserver @job_name = N'j'");
	lab_world_set_running(x->f.world, 0, false);
	nanosleep(&ts, NULL);
	out = run(&x->f, "EXEC msdb.dbo.sp_start_job @job_name = N'j'");
	assert_non_null(strstr(out, "msg 22022 16 1 L1 [sp_start_job] SQLServerAgent is not "
	                            "currently running"));
	lab_world_set_running(x->f.world, 0, true);
	nanosleep(&ts, NULL);
	out = run(&x->f, "EXEC msdb.dbo.sp_start_job @job_name = N'j';"
	                 "SELECT COUNT(*) AS n FROM msdb.dbo.syssessions");
	assert_non_null(strstr(out, "info 14243"));
	assert_non_null(strstr(out, "row 2\n")); /* a new Agent session after the restart */
	lab_agent_stop(x->f.world);
}

/* The harness's usual opening (one sysadmin session on instance 0). */
static void test_agent_faults__fixture_opens(void **state)
{
	struct fixture f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fixture_open(&f, NULL), 0);
	fixture_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_agent_faults__fixture_opens),
	        cmocka_unit_test_setup_teardown(test_agent_faults__links_and_share, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_agent_faults__paths, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_agent_faults__rebuild, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_agent_faults__agent_after_rebuild, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_agent_faults__agent_follows_its_instance,
	                                        setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
