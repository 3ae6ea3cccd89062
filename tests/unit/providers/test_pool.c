/*
 * Unit tests for providers/pool/poolcmd: the configured command is a real
 * executable (a small shell script written to a temporary folder) that
 * records the arguments and environment it got and prints what the test
 * asks; `get` output is checked against a table of contract violations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "providers/pool/poolcmd.h"
#include "util/err.h"

static char dir[64];
static char script[128];
static char argsfile[128];

static void write_script(const char *body)
{
	FILE *f = fopen(script, "w");

	assert_non_null(f);
	fprintf(f,
	        "#!/bin/sh\nprintf '%%s\\n' \"$@\" \"pool=$PCDR_POOL\" \"name=$PCDR_POOL_NAME\" > "
	        "'%s'\n%s\n",
	        argsfile, body);
	fclose(f);
	assert_int_equal(chmod(script, 0700), 0);
}

static char *read_args(void)
{
	static char buf[4096];
	FILE *f = fopen(argsfile, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pcdr-pool-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(script, sizeof(script), "%s/pool command", dir);
	snprintf(argsfile, sizeof(argsfile), "%s/args", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(script);
	unlink(argsfile);
	rmdir(dir);
	return 0;
}

static struct poolcmd make_cmd(const char **argv)
{
	struct poolcmd cmd = {"atl-pchat", "service:atl-cs-001.litwareinc.com", NULL, 2000};

	argv[0] = script;
	cmd.argv = argv;
	return cmd;
}

static void test_pool__get_parses_state_and_servers(void **state)
{
	const char *argv[] = {NULL, "-Flag", "two words", NULL};
	struct poolcmd cmd = make_cmd(argv);
	struct poolcmd_status st = POOLCMD_STATUS_INIT;

	(void)state;
	write_script("echo '{\"state\": \"FailedOver\", \"activeServers\": "
	             "[\"pc1.dc2.litwareinc.com\", \"PC2.dc2.litwareinc.com\"]}'");
	assert_int_equal(poolcmd_get(&st, &cmd), 0);
	assert_int_equal(st.state, POOLCMD_FAILED_OVER);
	assert_int_equal(st.n_active_servers, 2);
	assert_string_equal(st.active_servers[0], "pc1.dc2.litwareinc.com");
	assert_string_equal(st.active_servers[1], "PC2.dc2.litwareinc.com");
	assert_string_equal(read_args(),
	                    "-Flag\ntwo words\nget\n"
	                    "pool=service:atl-cs-001.litwareinc.com\nname=atl-pchat\n");
	poolcmd_status_release(&st);

	write_script("printf '{\"activeServers\":[],\"state\":\"Normal\"}'");
	assert_int_equal(poolcmd_get(&st, &cmd), 0);
	assert_int_equal(st.state, POOLCMD_NORMAL);
	assert_int_equal(st.n_active_servers, 0);
	poolcmd_status_release(&st);
}

static void test_pool__set_verbs_pass_arguments(void **state)
{
	const char *argv[] = {NULL, NULL};
	const char *servers[] = {"pc1.dc1.litwareinc.com", "pc2.dc1.litwareinc.com"};
	struct poolcmd cmd = make_cmd(argv);

	(void)state;
	write_script("exit 0");
	assert_int_equal(poolcmd_set_state(&cmd, POOLCMD_FAILED_OVER), 0);
	assert_string_equal(read_args(),
	                    "set-state\nFailedOver\n"
	                    "pool=service:atl-cs-001.litwareinc.com\nname=atl-pchat\n");
	assert_int_equal(poolcmd_set_state(&cmd, POOLCMD_NORMAL), 0);
	assert_string_equal(read_args(),
	                    "set-state\nNormal\n"
	                    "pool=service:atl-cs-001.litwareinc.com\nname=atl-pchat\n");
	assert_int_equal(poolcmd_set_active_servers(&cmd, servers, 2), 0);
	assert_string_equal(read_args(),
	                    "set-active-servers\npc1.dc1.litwareinc.com\n"
	                    "pc2.dc1.litwareinc.com\n"
	                    "pool=service:atl-cs-001.litwareinc.com\nname=atl-pchat\n");
	/* the fence: no server at all */
	assert_int_equal(poolcmd_set_active_servers(&cmd, NULL, 0), 0);
	assert_string_equal(read_args(),
	                    "set-active-servers\n"
	                    "pool=service:atl-cs-001.litwareinc.com\nname=atl-pchat\n");
}

static void test_pool__bad_server_names_never_reach_the_command(void **state)
{
	const char *argv[] = {NULL, NULL};
	const char *bad[] = {"-rf", "pc1;reboot", "", "a..b", "pc1.dc1.litwareinc.com-"};
	struct poolcmd cmd = make_cmd(argv);

	(void)state;
	write_script("exit 0");
	unlink(argsfile);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(poolcmd_set_active_servers(&cmd, &bad[i], 1), ERR_INVALID);
	assert_int_equal(access(argsfile, F_OK), -1);
	poolcmd_set_active_servers(&cmd, &bad[0], 1);
	assert_string_equal(err_last(), "server name '-rf' has a label starting with '-'");
}

struct bad_output {
	const char *stdout_text;
	const char *message;
};

static void test_pool__get_output_is_parsed_strictly(void **state)
{
	static const struct bad_output cases[] = {
	        {"", "invalid JSON at line 1 column *"},
	        {"{\"state\":\"Normal\"", "invalid JSON at line 1 column *"},
	        {"[]", "output must be a JSON object"},
	        {"{\"state\":\"Normal\",\"activeServers\":[],\"extra\":1}",
	         "unknown field 'extra'"},
	        {"{\"activeServers\":[]}", "missing field 'state'"},
	        {"{\"state\":\"Normal\"}", "missing field 'activeServers'"},
	        {"{\"state\":\"normal\",\"activeServers\":[]}",
	         "'state' must be \"Normal\" or \"FailedOver\""},
	        {"{\"state\":1,\"activeServers\":[]}",
	         "'state' must be \"Normal\" or \"FailedOver\""},
	        {"{\"state\":\"Normal\",\"activeServers\":\"pc1\"}",
	         "'activeServers' must be a list of server names"},
	        {"{\"state\":\"Normal\",\"activeServers\":[\"pc1\",2]}",
	         "'activeServers[1]' must be a string"},
	        {"{\"state\":\"Normal\",\"activeServers\":[\"pc 1\"]}",
	         "'activeServers[0]' may hold only letters, digits, '-' and '.'"},
	        {"{\"state\":\"Normal\",\"activeServers\":[\"pc1.x\",\"PC1.X\"]}",
	         "'activeServers' lists 'PC1.X' twice"},
	        {"{\"state\":\"Normal\",\"state\":\"FailedOver\",\"activeServers\":[]}",
	         "invalid JSON at line 1 column *"},
	        {"{\"state\":\"Normal\",\"activeServers\":[]} trailing",
	         "invalid JSON at line 1 column *"},
	};
	struct poolcmd_status st = POOLCMD_STATUS_INIT;
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err_clear();
		assert_int_equal(poolcmd_parse_status(&st, cases[i].stdout_text,
		                                      strlen(cases[i].stdout_text), "pool get"),
		                 ERR_INVALID);
		/* a trailing '*': jansson's own wording follows, which varies by version */
		snprintf(want, sizeof(want), "pool get: %s", cases[i].message);
		if (want[strlen(want) - 1] == '*') {
			want[strlen(want) - 1] = '\0';
			assert_true(strlen(err_last()) > strlen(want));
			assert_memory_equal(err_last(), want, strlen(want));
		} else {
			assert_string_equal(err_last(), want);
		}
		poolcmd_status_release(&st);
	}
}

static void test_pool__get_through_the_command_names_the_pool(void **state)
{
	const char *argv[] = {NULL, NULL};
	struct poolcmd cmd = make_cmd(argv);
	struct poolcmd_status st = POOLCMD_STATUS_INIT;

	(void)state;
	write_script("echo '{\"state\":\"Normal\",\"activeServers\":[],\"x\":0}'");
	assert_int_equal(poolcmd_get(&st, &cmd), ERR_INVALID);
	assert_string_equal(err_last(), "pool command 'get' for 'atl-pchat': unknown field 'x'");
	poolcmd_status_release(&st);
}

static void test_pool__failure_keeps_stderr(void **state)
{
	const char *argv[] = {NULL, NULL};
	struct poolcmd cmd = make_cmd(argv);
	struct poolcmd_status st = POOLCMD_STATUS_INIT;
	char want[512];

	(void)state;
	write_script("echo 'Set-CsPersistentChatState: access denied' >&2; exit 2");
	assert_int_equal(poolcmd_set_state(&cmd, POOLCMD_NORMAL), ERR_GENERIC);
	snprintf(want, sizeof(want),
	         "pool command 'set-state' for 'atl-pchat' failed: '%s' exited with status 2: "
	         "Set-CsPersistentChatState: access denied",
	         script);
	assert_string_equal(err_last(), want);
	assert_int_equal(poolcmd_get(&st, &cmd), ERR_GENERIC);
	poolcmd_status_release(&st);
}

static void test_pool__timeout_and_output_cap(void **state)
{
	const char *argv[] = {NULL, NULL};
	struct poolcmd cmd = make_cmd(argv);
	struct poolcmd_status st = POOLCMD_STATUS_INIT;

	(void)state;
	cmd.timeout_ms = 200;
	write_script("sleep 30");
	assert_int_equal(poolcmd_get(&st, &cmd), ERR_TIMEOUT);
	assert_non_null(strstr(err_last(), "timed out after 200 ms"));
	poolcmd_status_release(&st);

	cmd.timeout_ms = 5000;
	write_script("head -c 200000 /dev/zero | tr '\\0' ' '");
	assert_int_equal(poolcmd_get(&st, &cmd), ERR_LIMIT);
	assert_non_null(strstr(err_last(), "wrote more than 65536 bytes to stdout"));
	poolcmd_status_release(&st);
}

static void test_pool__missing_or_empty_command(void **state)
{
	const char *argv[] = {"/nonexistent/pool-cmd", NULL};
	const char *none[] = {NULL};
	struct poolcmd cmd = {"atl-pchat", NULL, argv, 0};
	struct poolcmd_status st = POOLCMD_STATUS_INIT;

	(void)state;
	assert_int_equal(poolcmd_get(&st, &cmd), ERR_NOTFOUND);
	assert_string_equal(err_last(), "pool command 'get' for 'atl-pchat' failed: cannot run "
	                                "'/nonexistent/pool-cmd': No such file or directory");
	cmd.argv = none;
	assert_int_equal(poolcmd_get(&st, &cmd), ERR_INVALID);
	assert_string_equal(err_last(), "no pool command is configured for pool 'atl-pchat'");
	poolcmd_status_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pool__get_parses_state_and_servers),
	        cmocka_unit_test(test_pool__set_verbs_pass_arguments),
	        cmocka_unit_test(test_pool__bad_server_names_never_reach_the_command),
	        cmocka_unit_test(test_pool__get_output_is_parsed_strictly),
	        cmocka_unit_test(test_pool__get_through_the_command_names_the_pool),
	        cmocka_unit_test(test_pool__failure_keeps_stderr),
	        cmocka_unit_test(test_pool__timeout_and_output_cap),
	        cmocka_unit_test(test_pool__missing_or_empty_command),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
