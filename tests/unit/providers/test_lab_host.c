/*
 * The host side end to end against the lab: `pcdr-lab up` writes
 * DIR/pcdr.yaml (docs/config.md) naming its instances and its pool
 * command; this test loads that file with config_load, drives the lab's
 * pool through poolcmd exactly as a real pool would be driven (get,
 * set-active-servers, set-state, the fence), and observes every instance
 * through the targets the configuration gives. When the lab binary
 * ($PCDR_LAB, else build/default/pcdr-lab) is missing or does not start,
 * each test prints "# SKIP ..." and passes (see test_mssql_lab.c).
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
#include "providers/pool/poolcmd.h"
#include "reconciler/config/config.h"
#include "util/err.h"
#include "util/runcmd.h"

static char lab_dir[64];
static char lab_bin[512];
static int lab_running;
static struct config *cfg;

static int run(const char *const *argv)
{
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	int error;

	opts.argv = argv;
	opts.timeout_ms = 60000;
	error = runcmd_run(&res, &opts);
	if (error < 0)
		fprintf(stderr, "# %s\n", err_last());
	runcmd_result_release(&res);
	return error;
}

/* DIR/env holds lines: export NAME='value' */
static void read_env(void)
{
	char path[128], line[512], *eq, *value;
	FILE *f;

	snprintf(path, sizeof(path), "%s/env", lab_dir);
	if (!(f = fopen(path, "r")))
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
}

static int lab_setup(void **state)
{
	const char *bin = getenv("PCDR_LAB");
	const char *up[] = {lab_bin, "up",    "--topology", "examples/lab/topology.yaml",
	                    "--dir", lab_dir, NULL};
	struct config_problems problems = CONFIG_PROBLEMS_INIT;
	char path[128];

	(void)state;
	snprintf(lab_bin, sizeof(lab_bin), "%s", bin && *bin ? bin : "build/default/pcdr-lab");
	if (access(lab_bin, X_OK) != 0 || access("examples/lab/topology.yaml", R_OK) != 0)
		return 0;
	snprintf(lab_dir, sizeof(lab_dir), "/tmp/pcdr-lab-host-XXXXXX");
	if (!mkdtemp(lab_dir))
		return -1;
	rmdir(lab_dir);
	if (run(up) < 0)
		return 0;
	lab_running = 1;
	read_env();
	snprintf(path, sizeof(path), "%s/pcdr.yaml", lab_dir);
	if (config_load(&cfg, path, &problems) < 0)
		for (size_t i = 0; i < problems.len; i++)
			fprintf(stderr, "# %s\n", problems.items[i]);
	config_problems_release(&problems);
	return 0;
}

static int lab_teardown(void **state)
{
	const char *down[] = {lab_bin, "--dir", lab_dir, "down", NULL};
	const char *rm[] = {"rm", "-rf", lab_dir, NULL};

	(void)state;
	config_free(cfg);
	if (lab_running) {
		run(down);
		run(rm);
	}
	return 0;
}

#define SKIP_WITHOUT_LAB()                                                                         \
	do {                                                                                       \
		if (!lab_running) {                                                                \
			printf("# SKIP no lab: '%s' is missing or did not start\n", lab_bin);      \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static void test_lab_host__the_labs_config_loads(void **state)
{
	struct config_instance scratch;
	const struct config_instance *ci;

	(void)state;
	SKIP_WITHOUT_LAB();
	assert_non_null(cfg);
	assert_int_equal(cfg->n_instances, 4);
	ci = config_instance(cfg, "sqla.dc2.lab", &scratch);
	assert_string_equal(ci->server, "sqla.dc2.lab");
	assert_int_equal(ci->tls, CONFIG_TLS_OFF);
	assert_string_equal(ci->credentials->user, getenv("PCDR_SQL_USER"));
	assert_non_null(config_pool(cfg, "atl-pchat"));
}

static struct poolcmd pool_of(void)
{
	const struct config_pool *p = config_pool(cfg, "atl-pchat");
	struct poolcmd cmd = {"atl-pchat", "service:atl-pchat.lab", p->command,
	                      (int)p->timeout_s * 1000};

	return cmd;
}

static void expect_pool(const struct poolcmd *cmd, enum poolcmd_state state, const char *servers)
{
	struct poolcmd_status st = POOLCMD_STATUS_INIT;
	char got[512] = "";
	size_t used = 0;

	assert_int_equal(poolcmd_get(&st, cmd), 0);
	assert_int_equal(st.state, state);
	for (size_t i = 0; i < st.n_active_servers; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", i ? "," : "",
		                         st.active_servers[i]);
	assert_string_equal(got, servers);
	poolcmd_status_release(&st);
}

static void test_lab_host__drive_the_pool(void **state)
{
	struct poolcmd cmd;
	const char *dc1[] = {"pc1.dc1.lab", "PC2.dc1.lab"};
	const char *dc2[] = {"pc1.dc2.lab", "pc2.dc2.lab"};
	const char *typo[] = {"pc9.dc1.lab"};

	(void)state;
	SKIP_WITHOUT_LAB();
	cmd = pool_of();
	expect_pool(&cmd, POOLCMD_NORMAL, ""); /* as Topology Builder leaves it */
	assert_int_equal(poolcmd_set_active_servers(&cmd, dc1, 2), 0);
	expect_pool(&cmd, POOLCMD_NORMAL, "pc1.dc1.lab,pc2.dc1.lab");
	/* a failover, the pool's part: fence, switch, unfence */
	assert_int_equal(poolcmd_set_active_servers(&cmd, NULL, 0), 0);
	expect_pool(&cmd, POOLCMD_NORMAL, "");
	assert_int_equal(poolcmd_set_state(&cmd, POOLCMD_FAILED_OVER), 0);
	assert_int_equal(poolcmd_set_active_servers(&cmd, dc2, 2), 0);
	expect_pool(&cmd, POOLCMD_FAILED_OVER, "pc1.dc2.lab,pc2.dc2.lab");
	/* idempotent */
	assert_int_equal(poolcmd_set_state(&cmd, POOLCMD_FAILED_OVER), 0);
	/* the lab refuses a server the pool does not have, with its reason */
	assert_int_equal(poolcmd_set_active_servers(&cmd, typo, 1), ERR_GENERIC);
	assert_non_null(strstr(err_last(), "pool command 'set-active-servers' for 'atl-pchat' "
	                                   "failed:"));
	assert_non_null(strstr(err_last(), "pc9.dc1.lab"));
	expect_pool(&cmd, POOLCMD_FAILED_OVER, "pc1.dc2.lab,pc2.dc2.lab");
}

static void test_lab_host__observe_through_the_config(void **state)
{
	const char *names[] = {"sqla.dc1.lab", "sqlb.dc1.lab", "sqla.dc2.lab", "sqlb.dc2.lab"};
	const char *dbs[] = {"mgc", "mgccomp"};
	struct mssql_observe_request req = {dbs, 2, "mgc", 0, NULL, 0};
	struct config_instance scratch[4];
	struct mssql_target t[4];
	struct mssql_facts f[4];

	(void)state;
	SKIP_WITHOUT_LAB();
	for (int i = 0; i < 4; i++) {
		const struct config_instance *ci = config_instance(cfg, names[i], &scratch[i]);
		memset(&t[i], 0, sizeof(t[i]));
		t[i].name = names[i];
		t[i].address = ci->address;
		t[i].server = ci->server;
		t[i].tls = MSSQL_TLS_OFF;
		t[i].login_timeout_s = ci->login_timeout_s;
		t[i].query_timeout_s = ci->query_timeout_s;
		t[i].user = ci->credentials->user;
		t[i].password = ci->credentials->password;
	}
	assert_int_equal(mssql_observe_all(f, t, 4, &req, cfg->max_connections), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f[i].failure, MSSQL_FAIL_NONE);
		assert_int_equal(f[i].n_errors, 0);
		mssql_facts_release(&f[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lab_host__the_labs_config_loads),
	        cmocka_unit_test(test_lab_host__drive_the_pool),
	        cmocka_unit_test(test_lab_host__observe_through_the_config),
	};

	return cmocka_run_group_tests(tests, lab_setup, lab_teardown);
}
