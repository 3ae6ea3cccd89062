/*
 * Unit tests for the lab's SQL Server Agent (lab/sql/agent*.c) through
 * engine.h: sp_add_job/jobstep/jobserver, sp_start_job (14243, 14262,
 * 14294, 22022 when the Agent is not running), a T-SQL step run by the
 * Agent thread with its sysjobhistory rows (step 1 and the step 0
 * outcome), sysjobservers and sysjobactivity, a failing step, a
 * schedule firing on a fast lab clock, sp_update_job and sp_help_job,
 * and the schedule arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "lab/sql/agent.h"
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
	struct fixture *f = *state;

	lab_agent_stop(f->world);
	fixture_close(f);
	free(f);
	lab_clock_set(1.0, 0);
	return 0;
}

#define EXPECT(sql, text) assert_string_equal(run(*state, sql), text)

static const char make_job[] =
        "EXEC msdb.dbo.sp_add_job @job_name = N'probe';"
        "EXEC msdb.dbo.sp_add_jobstep @job_name = N'probe', @step_name = N'insert',"
        " @subsystem = N'TSQL', @database_name = N'mgc',"
        " @command = N'INSERT INTO dbo.tblServerIdentity VALUES (7, N''x'', GETUTCDATE())';"
        "EXEC msdb.dbo.sp_add_jobserver @job_name = N'probe'";

/* Wait (up to 5 s) until the job has `n` outcome rows. */
static void wait_outcomes(void **state, int n)
{
	char sql[200], want[100];
	struct timespec ts = {0, 20000000};

	snprintf(sql, sizeof(sql),
	         "SELECT COUNT(*) AS n FROM msdb.dbo.sysjobhistory WHERE step_id = 0");
	snprintf(want, sizeof(want), "cols n:int\nrow %d\ndone 0x10 C1 1\n", n);
	for (int i = 0; i < 250; i++) {
		if (!strcmp(run(*state, sql), want))
			return;
		nanosleep(&ts, NULL);
	}
	assert_string_equal(run(*state, sql), want);
}

static void test_agent__start_job_without_agent(void **state)
{
	run(*state, make_job);
	EXPECT("EXEC msdb.dbo.sp_start_job @job_name = N'probe'",
	       "msg 22022 16 1 L1 [sp_start_job] SQLServerAgent is not currently running so it "
	       "cannot be notified of this action.\nret 1\ndoneproc 0x0 E0 0\n");
}

static void test_agent__start_job_errors(void **state)
{
	struct fixture *f = *state;

	lab_agent_start(f->world);
	EXPECT("EXEC msdb.dbo.sp_start_job @job_name = N'nope'",
	       "msg 14262 16 1 L1 [sp_start_job] The specified @job_name ('nope') does not "
	       "exist.\nret 1\ndoneproc 0x0 E0 0\n");
	EXPECT("EXEC msdb.dbo.sp_start_job",
	       "msg 14294 16 1 L1 [sp_start_job] Supply either @job_id or @job_name to identify "
	       "the job.\nret 1\ndoneproc 0x0 E0 0\n");
	EXPECT("EXEC msdb.dbo.sp_add_job @job_name = N'a'; EXEC msdb.dbo.sp_add_job @job_name = "
	       "N'a'",
	       "ret 0\ndoneproc 0x0 E0 0\nmsg 14261 16 1 L1 [sp_add_job] The specified @job_name "
	       "('a') already exists.\nret 1\ndoneproc 0x0 E0 0\n");
}

static void test_agent__runs_tsql_step(void **state)
{
	struct fixture *f = *state;

	lab_agent_start(f->world);
	run(*state, make_job);
	EXPECT("EXEC msdb.dbo.sp_start_job @job_name = N'probe'",
	       "info 14243 0 1 L1 [sp_start_job] Job 'probe' started successfully.\n"
	       "ret 0\ndoneproc 0x0 E0 0\n");
	wait_outcomes(state, 1);
	EXPECT("SELECT step_id, step_name, run_status FROM msdb.dbo.sysjobhistory ORDER BY step_id",
	       "cols step_id:int step_name:nvarchar(128) run_status:int\n"
	       "row 0 '(Job outcome)' 1\nrow 1 'insert' 1\ndone 0x10 C1 2\n");
	EXPECT("SELECT serverID FROM mgc.dbo.tblServerIdentity",
	       "cols serverID:int\nrow 7\ndone 0x10 C1 1\n");
	EXPECT("SELECT last_run_outcome FROM msdb.dbo.sysjobservers",
	       "cols last_run_outcome:tinyint\nrow 1\ndone 0x10 C1 1\n");
	EXPECT("SELECT CASE WHEN start_execution_date IS NOT NULL AND stop_execution_date IS NOT "
	       "NULL THEN 1 ELSE 0 END AS done_run FROM msdb.dbo.sysjobactivity",
	       "cols done_run:int\nrow 1\ndone 0x10 C1 1\n");
	EXPECT("SELECT message FROM msdb.dbo.sysjobhistory WHERE step_id = 0",
	       "cols message:nvarchar(4000)?\nrow 'The job succeeded.  The Job was invoked by User "
	       "pcdr.  The last step to run was step 1 (insert).'\ndone 0x10 C1 1\n");
}

static void test_agent__failing_step(void **state)
{
	struct fixture *f = *state;

	lab_agent_start(f->world);
	run(*state, "EXEC msdb.dbo.sp_add_job @job_name = N'bad';"
	            "EXEC msdb.dbo.sp_add_jobstep @job_name = N'bad', @step_name = N's',"
	            " @command = N'SELECT * FROM nowhere';"
	            "EXEC msdb.dbo.sp_add_jobserver @job_name = N'bad';"
	            "EXEC msdb.dbo.sp_start_job @job_name = N'bad'");
	wait_outcomes(state, 1);
	EXPECT("SELECT step_id, run_status, sql_message_id, message FROM msdb.dbo.sysjobhistory"
	       " WHERE step_id = 1",
	       "cols step_id:int run_status:int sql_message_id:int message:nvarchar(4000)?\n"
	       "row 1 0 208 'Executed as user: NT SERVICE\\SQLSERVERAGENT. Invalid object name "
	       "'nowhere'. [SQLSTATE 42000] (Error 208)  The step failed.'\ndone 0x10 C1 1\n");
	EXPECT("SELECT last_run_outcome FROM msdb.dbo.sysjobservers",
	       "cols last_run_outcome:tinyint\nrow 0\ndone 0x10 C1 1\n");
}

static void test_agent__schedule_on_fast_clock(void **state)
{
	struct fixture *f = *state;

	lab_clock_set(600.0, 0); /* a minute every 100 ms */
	lab_agent_start(f->world);
	run(*state, make_job);
	EXPECT("EXEC msdb.dbo.sp_add_jobschedule @job_name = N'probe', @name = N'every minute',"
	       " @freq_type = 4, @freq_interval = 1, @freq_subday_type = 4,"
	       " @freq_subday_interval = 1",
	       "ret 0\ndoneproc 0x0 E0 0\n");
	wait_outcomes(state, 2);
	EXPECT("SELECT TOP 1 message FROM msdb.dbo.sysjobhistory WHERE step_id = 0",
	       "cols message:nvarchar(4000)?\nrow 'The job succeeded.  The Job was invoked by "
	       "Schedule 1 (every minute).  The last step to run was step 1 (insert).'\n"
	       "done 0x10 C1 1\n");
	run(*state, "EXEC msdb.dbo.sp_update_job @job_name = N'probe', @enabled = 0");
	EXPECT("SELECT enabled FROM msdb.dbo.sysjobs",
	       "cols enabled:tinyint\nrow 0\ndone 0x10 C1 1\n");
}

static void test_agent__help_job(void **state)
{
	const char *out;

	run(*state, make_job);
	out = run(*state, "EXEC msdb.dbo.sp_help_job @job_name = N'probe', @job_aspect = N'JOB'");
	assert_non_null(strstr(out, "'probe' 1 'No description available.' 1 "
	                            "'[Uncategorized (Local)]' 'sa'"));
	assert_non_null(strstr(out, " 5 0 0 0 4 '0 (unknown)' 0 1 0 1 1\n"));
	out = run(*state, "EXEC msdb.dbo.sp_help_job @job_name = N'probe', @job_aspect = N'STEPS'");
	assert_non_null(strstr(out, "row 1 'insert' 'TSQL'"));
}

static void test_agent__schedule_next(void **state)
{
	struct agentsched s = {4, 1, 4, 15, 20260101, 99991231, 0, 235959, true};
	int64_t t0 = agentjob_run_us(20261128, 101000); /* 10:10:00 */

	(void)state;
	assert_int_equal(agentsched_next(&s, t0), agentjob_run_us(20261128, 101500));
	s.freq_subday_type = 1;
	s.active_start_time = 20000;
	assert_int_equal(agentsched_next(&s, t0), agentjob_run_us(20261129, 20000));
	s.freq_type = 1;
	s.active_start_date = 20261130;
	assert_int_equal(agentsched_next(&s, t0), agentjob_run_us(20261130, 20000));
	s.enabled = false;
	assert_int_equal(agentsched_next(&s, t0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_agent__start_job_without_agent, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_agent__start_job_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_agent__runs_tsql_step, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_agent__failing_step, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_agent__schedule_on_fast_clock, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_agent__help_job, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_agent__schedule_next, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
