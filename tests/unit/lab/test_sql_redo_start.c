/*
 * test_sql_redo_start: sys.master_files redo_start_lsn and
 * redo_start_fork_guid, "the LSN at which the next roll forward must
 * start" and its recovery fork, NULL unless the database is RESTORING:
 * after a tail-log backup WITH NORECOVERY they are the tail's LastLSN on
 * the database's current fork; after RESTORE ... WITH NORECOVERY the
 * restored set's LastLSN and fork; NULL again once recovered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_dr_harness.h"

#define TAIL "N'\\\\fs1.lab\\pchat-ls\\mgc_tail.trn'"
#define REDO                                                                                       \
	"SELECT file_id, redo_start_lsn, redo_start_fork_guid FROM sys.master_files WHERE "        \
	"database_id = DB_ID('mgc') ORDER BY file_id"

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

/* The one-row answer's text after "row " up to the end of its line. */
static void row1(const char *out, char *buf, size_t cap)
{
	const char *p = strstr(out, "row ");
	size_t n = 0;

	assert_non_null(p);
	p += 4;
	while (p[n] && p[n] != '\n' && n + 1 < cap)
		n++;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static void test_tail_log_backup(void **state)
{
	struct drfix *d = *state;
	const char *out;
	char last[128], fork[128], want[600];

	out = run(&d->f,
	          "CREATE TABLE mgc.dbo.t (id int NOT NULL);"
	          "INSERT INTO mgc.dbo.t VALUES (1);"
	          "BACKUP DATABASE mgc TO DISK = N'\\\\fs1.lab\\pchat-ls\\mgc.bak' WITH INIT;"
	          "INSERT INTO mgc.dbo.t VALUES (2);" REDO);
	assert_has(out, "row 1 NULL NULL\nrow 2 NULL NULL\n"); /* ONLINE */
	out = run(&d->f, "BACKUP LOG mgc TO DISK = " TAIL " WITH INIT, NORECOVERY");
	assert_has(out, "BACKUP LOG successfully processed");
	row1(run(&d->f, "SELECT last_lsn FROM msdb.dbo.backupset WHERE is_force_offline = 1"), last,
	     sizeof(last));
	row1(run(&d->f, "SELECT last_recovery_fork_guid FROM msdb.dbo.backupset WHERE "
	                "is_force_offline = 1"),
	     fork, sizeof(fork));
	assert_hasnt(last, "NULL");
	assert_hasnt(fork, "NULL");
	out = run(&d->f, "SELECT state_desc FROM sys.databases WHERE name = 'mgc';" REDO);
	assert_has(out, "row 'RESTORING'");
	snprintf(want, sizeof(want), "row 1 %s %s\nrow 2 %s %s\n", last, fork, last, fork);
	assert_has(out, want);
	/* the same on the header the next restore would read */
	out = run(&d->f, "RESTORE HEADERONLY FROM DISK = " TAIL);
	assert_has(out, last);

	/* the copy that restores the full and the tail rolls forward from
	 * each set's LastLSN, and recovery clears the pair */
	out = run2(d, "RESTORE DATABASE mgc FROM DISK = N'\\\\fs1.lab\\pchat-ls\\mgc.bak' WITH "
	              "NORECOVERY;" REDO);
	assert_has(out, "RESTORE DATABASE successfully processed");
	assert_hasnt(out, "row 1 NULL");
	assert_hasnt(out, last);
	out = run2(d, "RESTORE LOG mgc FROM DISK = " TAIL " WITH NORECOVERY;" REDO);
	assert_has(out, "RESTORE LOG successfully processed");
	assert_has(out, want);
	out = run2(d, "RESTORE DATABASE mgc WITH RECOVERY;" REDO);
	assert_has(out, "row 1 NULL NULL\nrow 2 NULL NULL\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_tail_log_backup, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
