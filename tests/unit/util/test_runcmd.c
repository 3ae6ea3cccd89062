/*
 * Unit tests for util/runcmd: real programs (/bin/sh -c scripts given as
 * arguments, which is the program under test here, not how pcdr runs
 * anything), stdin, caps, timeout with a process group, exit status,
 * a missing program, and no shell between pcdr and the program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/runcmd.h"

static int run_sh(struct runcmd_result *res, const char *script, const char *in, int timeout_ms,
                  size_t out_limit)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct runcmd_opts opts = {0};

	opts.argv = argv;
	opts.stdin_data = in;
	opts.stdin_len = in ? strlen(in) : 0;
	opts.timeout_ms = timeout_ms;
	opts.stdout_limit = out_limit;
	return runcmd_run(res, &opts);
}

static void test_runcmd__captures_stdout_and_stdin(void **state)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	err_clear();
	assert_int_equal(run_sh(&res, "echo hello; cat", "from stdin\n", 5000, 0), 0);
	assert_string_equal(strbuf_cstr(&res.out), "hello\nfrom stdin\n");
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 0);
	runcmd_result_release(&res);
}

static void test_runcmd__arguments_reach_the_program_verbatim(void **state)
{
	const char *argv[] = {"printf", "%s|", "a b", "'$(id)'", ";--", "", NULL};
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	opts.argv = argv;
	assert_int_equal(runcmd_run(&res, &opts), 0);
	assert_string_equal(strbuf_cstr(&res.out), "a b|'$(id)'|;--||");
	runcmd_result_release(&res);
}

static void test_runcmd__nonzero_exit_reports_status_and_stderr(void **state)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	assert_int_equal(run_sh(&res,
	                        "echo partial; echo 'no such pool' >&2; echo more >&2; exit 3",
	                        NULL, 5000, 0),
	                 ERR_GENERIC);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(strbuf_cstr(&res.out), "partial\n");
	assert_string_equal(strbuf_cstr(&res.err), "no such pool\nmore\n");
	assert_string_equal(err_last(), "'/bin/sh' exited with status 3: no such pool");
	runcmd_result_release(&res);
}

static void test_runcmd__signal_is_reported(void **state)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	assert_int_equal(run_sh(&res, "kill -TERM $$", NULL, 5000, 0), ERR_GENERIC);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.term_signal, SIGTERM);
	assert_string_equal(err_last(), "'/bin/sh' was killed by signal 15");
	runcmd_result_release(&res);
}

static void test_runcmd__missing_program_is_not_found(void **state)
{
	const char *argv[] = {"pcdr-no-such-program-here", "get", NULL};
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	opts.argv = argv;
	assert_int_equal(runcmd_run(&res, &opts), ERR_NOTFOUND);
	assert_string_equal(err_last(),
	                    "cannot run 'pcdr-no-such-program-here': No such file or directory");
	runcmd_result_release(&res);
}

static void test_runcmd__empty_argv_is_invalid(void **state)
{
	const char *argv[] = {NULL};
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	opts.argv = argv;
	assert_int_equal(runcmd_run(&res, &opts), ERR_INVALID);
	runcmd_result_release(&res);
}

/* Running, not gone and not a zombie waiting for an init that never reaps. */
static int process_alive(int pid)
{
	char path[64], stat[256];
	FILE *f;
	const char *p;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	p = strrchr(stat, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static void test_runcmd__timeout_kills_the_process_group(void **state)
{
	char path[] = "/tmp/pcdr-runcmd-XXXXXX";
	char script[256];
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	struct timespec t0, t1, pause = {0, 300 * 1000 * 1000};
	FILE *f;
	int fd = mkstemp(path), pid = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* a grandchild that would outlive a kill of the child alone */
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_sh(&res, script, NULL, 300, 0), ERR_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	assert_string_equal(err_last(), "'/bin/sh' timed out after 300 ms");
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	unlink(path);
	nanosleep(&pause, NULL);
	assert_false(process_alive(pid)); /* the grandchild is gone too */
	runcmd_result_release(&res);
}

static void test_runcmd__timeout_when_output_is_closed_early(void **state)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	assert_int_equal(run_sh(&res, "exec >/dev/null 2>&1; sleep 30", NULL, 200, 0), ERR_TIMEOUT);
	runcmd_result_release(&res);
}

static void test_runcmd__stdout_cap(void **state)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	assert_int_equal(run_sh(&res, "yes pcdr", NULL, 5000, 4096), ERR_LIMIT);
	assert_true(res.out.len <= 4096);
	assert_string_equal(err_last(), "'/bin/sh' wrote more than 4096 bytes to stdout");
	runcmd_result_release(&res);

	assert_int_equal(run_sh(&res, "printf 1234", NULL, 5000, 4), 0);
	assert_string_equal(strbuf_cstr(&res.out), "1234");
	runcmd_result_release(&res);
}

static void test_runcmd__stderr_is_capped_not_fatal(void **state)
{
	const char *argv[] = {"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x >&2", NULL};
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	opts.argv = argv;
	opts.stderr_limit = 10;
	assert_int_equal(runcmd_run(&res, &opts), 0);
	assert_string_equal(strbuf_cstr(&res.err), "xxxxxxxxxx");
	runcmd_result_release(&res);
}

static void test_runcmd__large_stdin_to_a_program_that_stops_reading(void **state)
{
	size_t n = 1024 * 1024;
	char *big = malloc(n + 1);
	const char *argv[] = {"/bin/sh", "-c", "head -c 10 >/dev/null; echo done", NULL};
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	memset(big, 'a', n);
	big[n] = '\0';
	opts.argv = argv;
	opts.stdin_data = big;
	opts.stdin_len = n;
	opts.timeout_ms = 5000;
	assert_int_equal(runcmd_run(&res, &opts), 0);
	assert_string_equal(strbuf_cstr(&res.out), "done\n");
	runcmd_result_release(&res);
	free(big);
}

static void test_runcmd__env_add(void **state)
{
	const char *argv[] = {"/bin/sh", "-c", "printf '%s' \"$PCDR_POOL\"", NULL};
	const char *env[] = {"PCDR_POOL=service:atl-cs-001.litwareinc.com", NULL};
	struct runcmd_opts opts = {0};
	struct runcmd_result res = RUNCMD_RESULT_INIT;

	(void)state;
	opts.argv = argv;
	opts.env_add = env;
	assert_int_equal(runcmd_run(&res, &opts), 0);
	assert_string_equal(strbuf_cstr(&res.out), "service:atl-cs-001.litwareinc.com");
	runcmd_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_runcmd__captures_stdout_and_stdin),
	        cmocka_unit_test(test_runcmd__arguments_reach_the_program_verbatim),
	        cmocka_unit_test(test_runcmd__nonzero_exit_reports_status_and_stderr),
	        cmocka_unit_test(test_runcmd__signal_is_reported),
	        cmocka_unit_test(test_runcmd__missing_program_is_not_found),
	        cmocka_unit_test(test_runcmd__empty_argv_is_invalid),
	        cmocka_unit_test(test_runcmd__timeout_kills_the_process_group),
	        cmocka_unit_test(test_runcmd__timeout_when_output_is_closed_early),
	        cmocka_unit_test(test_runcmd__stdout_cap),
	        cmocka_unit_test(test_runcmd__stderr_is_capped_not_fatal),
	        cmocka_unit_test(test_runcmd__large_stdin_to_a_program_that_stops_reading),
	        cmocka_unit_test(test_runcmd__env_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
