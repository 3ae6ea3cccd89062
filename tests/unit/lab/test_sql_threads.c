/*
 * Unit test for the engine under concurrency: several sessions on one
 * instance, each on its own thread as the TDS layer runs them, insert,
 * update, read catalog views and roll back transactions on a shared
 * table at the same time. Nothing may be lost or corrupted (run it
 * under the sanitizers); every committed row must be there at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

#include "tests/unit/lab/test_sql_harness.h"

#define THREADS 4
#define ROUNDS  150

struct worker {
	struct lab_world *world;
	int failures;
};

static void count_errors(void *ctx, const struct lab_message *m)
{
	if (m->is_error)
		((struct worker *)ctx)->failures++;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct lab_login l = {"pcdr", "Secret-1", "", "threads", "host", "", 0x74000004, 4096};
	struct lab_login_result res;
	struct lab_session *s;
	struct lab_sink sink = {w, NULL, NULL, NULL, count_errors, NULL, NULL, NULL, NULL};

	if (lab_session_open(w->world, 0, &l, &s, &res)) {
		w->failures++;
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		lab_session_batch(
		        s,
		        "INSERT shared VALUES (@@SPID, N'x');"
		        "SELECT COUNT(*) FROM shared WHERE a = @@SPID;"
		        "SELECT COUNT(*) FROM sys.dm_exec_sessions;"
		        "BEGIN TRAN; DELETE shared WHERE a = @@SPID; INSERT shared VALUES (0, 'r');"
		        "ROLLBACK;"
		        "UPDATE shared SET b = N'y' WHERE a = @@SPID",
		        &sink);
	}
	lab_session_close(s);
	return NULL;
}

static void test_sql_threads__sessions_in_parallel(void **state)
{
	struct fixture f;
	struct worker w[THREADS];
	pthread_t t[THREADS];

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fixture_open(&f, NULL), 0);
	run(&f, "CREATE TABLE shared (a int NOT NULL, b nvarchar(5))");
	for (int i = 0; i < THREADS; i++) {
		w[i].world = f.world;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_string_equal(run(&f, "SELECT COUNT(*) AS n, MIN(b) AS b FROM shared WHERE a <> 0;"
	                            "SELECT COUNT(*) AS s FROM sys.dm_exec_sessions"),
	                    "cols n:int b:nvarchar(5)?\nrow 600 'y'\ndone 0x10 C1 1\n"
	                    "cols s:int\nrow 1\ndone 0x10 C1 1\n");
	fixture_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sql_threads__sessions_in_parallel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
