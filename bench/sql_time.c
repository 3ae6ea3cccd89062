/*
 * sql_time: times T-SQL batches against one instance, for bench/rto's lower
 * bound (bench/RESULTS.md). Through FreeTDS db-lib, the client pcdr uses:
 * one login (timed on its own), then each batch argument in turn, each a
 * full round trip (dbcmd, dbsqlexec, every result set and row read to the
 * end). Prints one line per batch: "<ms> <first 60 characters>", the login
 * first as "<ms> (login)". Any server message of severity above 10 or a
 * failed call makes the exit status 1 and is printed to stderr.
 *
 * Usage: sql_time -S SERVER -U USER -P PASSWORD BATCH...
 * Exit status 0 when every batch succeeded, 1 otherwise, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sybfront.h>
#include <sybdb.h>

static int errors;

static int msg_handler(DBPROCESS *dbproc, DBINT msgno, int msgstate, int severity, char *msgtext,
                       char *srvname, char *procname, int line)
{
	(void)dbproc;
	(void)msgstate;
	(void)srvname;
	(void)procname;
	(void)line;
	if (severity > 10) {
		errors++;
		fprintf(stderr, "sql_time: server error %d: %s\n", (int)msgno,
		        msgtext ? msgtext : "");
	}
	return 0;
}

static int err_handler(DBPROCESS *dbproc, int severity, int dberr, int oserr, char *dberrstr,
                       char *oserrstr)
{
	(void)dbproc;
	(void)severity;
	(void)oserr;
	(void)oserrstr;
	if (dberr != SYBESMSG) {
		errors++;
		fprintf(stderr, "sql_time: db-lib error %d: %s\n", dberr, dberrstr ? dberrstr : "");
	}
	return INT_CANCEL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_batch(DBPROCESS *db, const char *sql)
{
	RETCODE rc;

	if (dbcmd(db, sql) == FAIL || dbsqlexec(db) == FAIL)
		return -1;
	while ((rc = dbresults(db)) == SUCCEED)
		while (dbnextrow(db) != NO_MORE_ROWS)
			;
	return rc == FAIL ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *user = NULL, *password = NULL;
	LOGINREC *login;
	DBPROCESS *db;
	double t0;
	int opt;

	while ((opt = getopt(argc, argv, "S:U:P:")) != -1) {
		if (opt == 'S')
			server = optarg;
		else if (opt == 'U')
			user = optarg;
		else if (opt == 'P')
			password = optarg;
		else
			return 2;
	}
	if (!server || !user || !password || optind >= argc) {
		fprintf(stderr, "usage: sql_time -S SERVER -U USER -P PASSWORD BATCH...\n");
		return 2;
	}
	if (dbinit() == FAIL)
		return 1;
	dberrhandle(err_handler);
	dbmsghandle(msg_handler);
	login = dblogin();
	DBSETLUSER(login, user);
	DBSETLPWD(login, password);
	DBSETLAPP(login, "pcdr-bench-sql-time");
	dbsetlversion(login, DBVERSION_74);
	t0 = now_ms();
	db = dbopen(login, server);
	dbloginfree(login);
	if (!db)
		return 1;
	printf("%.1f (login)\n", now_ms() - t0);
	for (int i = optind; i < argc; i++) {
		double t;
		int rc;

		t0 = now_ms();
		rc = run_batch(db, argv[i]);
		t = now_ms() - t0;
		printf("%.1f %.60s\n", t, argv[i]);
		fflush(stdout);
		if (rc < 0 || errors) {
			fprintf(stderr, "sql_time: batch failed: %s\n", argv[i]);
			dbclose(db);
			return 1;
		}
	}
	dbclose(db);
	dbexit();
	return 0;
}
