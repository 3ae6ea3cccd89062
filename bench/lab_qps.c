/*
 * lab_qps: the lab's throughput benchmark (bench/run; figures in
 * bench/RESULTS.md). Through FreeTDS db-lib, the client pcdr itself uses,
 * it measures two things against one simulated instance:
 *
 *   1. single: small queries per second over one connection, each a full
 *      round trip (dbcmd, dbsqlexec, dbresults, dbnextrow to the end);
 *   2. concurrent: C connections opened together (one thread each), all
 *      logged in before a barrier, then each running M queries; every
 *      failed call and every server message of severity > 10 counts as
 *      an error.
 *
 * db-lib costs little per query next to a network round trip, so the
 * figures measure the lab's TDS layer and engine, not the client. It does
 * not start the lab: bench/run does, and passes the server name from the
 * lab's freetds.conf.
 *
 * Usage: lab_qps -S SERVER -U USER -P PASSWORD [-n SINGLE_QUERIES]
 *                [-c CONNECTIONS] [-m QUERIES_PER_CONNECTION] [-q SQL]
 * Exit status 0 when every query succeeded, 1 otherwise, 2 on usage.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sybfront.h>
#include <sybdb.h>

struct bench_opts {
	const char *server;
	const char *user;
	const char *password;
	const char *sql;
	long single_queries;
	long connections;
	long per_connection;
};

static atomic_long server_errors;
static atomic_long client_errors;

static int msg_handler(DBPROCESS *dbproc, DBINT msgno, int msgstate, int severity, char *msgtext,
                       char *srvname, char *procname, int line)
{
	(void)dbproc;
	(void)msgstate;
	(void)srvname;
	(void)procname;
	(void)line;
	if (severity > 10) {
		atomic_fetch_add(&server_errors, 1);
		fprintf(stderr, "lab_qps: server error %d: %s\n", (int)msgno,
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
		atomic_fetch_add(&client_errors, 1);
		fprintf(stderr, "lab_qps: db-lib error %d: %s\n", dberr, dberrstr ? dberrstr : "");
	}
	return INT_CANCEL;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static DBPROCESS *connect_one(const struct bench_opts *o)
{
	LOGINREC *login = dblogin();
	DBPROCESS *dbproc;

	if (!login)
		return NULL;
	DBSETLUSER(login, o->user);
	DBSETLPWD(login, o->password);
	DBSETLAPP(login, "pcdr-lab-bench");
	dbproc = dbopen(login, o->server);
	dbloginfree(login);
	return dbproc;
}

/* One query, all its results read. 0 on success. */
static int run_query(DBPROCESS *dbproc, const char *sql)
{
	RETCODE rc;
	int failed = 0;

	if (dbcmd(dbproc, sql) != SUCCEED || dbsqlexec(dbproc) != SUCCEED)
		return -1;
	while ((rc = dbresults(dbproc)) != NO_MORE_RESULTS) {
		if (rc == FAIL) {
			failed = 1;
			if (DBDEAD(dbproc))
				return -1;
			continue;
		}
		while (dbnextrow(dbproc) != NO_MORE_ROWS)
			;
	}
	return failed ? -1 : 0;
}

static int bench_single(const struct bench_opts *o)
{
	DBPROCESS *dbproc = connect_one(o);
	double start, took;
	long i, failed = 0;

	if (!dbproc) {
		fprintf(stderr, "lab_qps: cannot connect to '%s'\n", o->server);
		return -1;
	}
	/* warm up: the first queries pay for allocations on both sides */
	for (i = 0; i < 100; i++)
		run_query(dbproc, o->sql);
	start = now_seconds();
	for (i = 0; i < o->single_queries; i++)
		if (run_query(dbproc, o->sql) != 0)
			failed++;
	took = now_seconds() - start;
	dbclose(dbproc);
	printf("single: %ld queries over 1 connection in %.3f s = %.0f queries/s"
	       " (%.1f us per round trip), %ld failed\n",
	       o->single_queries, took, (double)o->single_queries / took,
	       took * 1e6 / (double)o->single_queries, failed);
	return failed ? -1 : 0;
}

struct worker {
	pthread_t thread;
	const struct bench_opts *opts;
	pthread_barrier_t *ready;
	long done;
	long failed;
	int connected;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	DBPROCESS *dbproc = connect_one(w->opts);
	long i;

	w->connected = dbproc != NULL;
	pthread_barrier_wait(w->ready);
	if (!dbproc)
		return NULL;
	for (i = 0; i < w->opts->per_connection; i++) {
		if (run_query(dbproc, w->opts->sql) != 0)
			w->failed++;
		w->done++;
	}
	dbclose(dbproc);
	return NULL;
}

static int bench_concurrent(const struct bench_opts *o)
{
	struct worker *workers = calloc((size_t)o->connections, sizeof(*workers));
	pthread_barrier_t ready;
	double start, took;
	long i, done = 0, failed = 0, connected = 0;

	if (!workers)
		abort();
	pthread_barrier_init(&ready, NULL, (unsigned)o->connections + 1);
	for (i = 0; i < o->connections; i++) {
		workers[i].opts = o;
		workers[i].ready = &ready;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
			fprintf(stderr, "lab_qps: cannot start thread %ld\n", i);
			abort();
		}
	}
	pthread_barrier_wait(&ready); /* every connection logged in (or failed) */
	start = now_seconds();
	for (i = 0; i < o->connections; i++) {
		pthread_join(workers[i].thread, NULL);
		done += workers[i].done;
		failed += workers[i].failed;
		connected += workers[i].connected;
	}
	took = now_seconds() - start;
	pthread_barrier_destroy(&ready);
	free(workers);
	printf("concurrent: %ld/%ld connections logged in, %ld queries in %.3f s"
	       " = %.0f queries/s, %ld failed\n",
	       connected, o->connections, done, took, (double)done / took, failed);
	return (failed || connected != o->connections) ? -1 : 0;
}

static long parse_count(const char *s)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 100000000) {
		fprintf(stderr, "lab_qps: bad count '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
	        .sql = "SELECT 1",
	        .single_queries = 50000,
	        .connections = 200,
	        .per_connection = 500,
	};
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc || argv[i][0] != '-' || argv[i][2] != '\0') {
			fputs("usage: lab_qps -S SERVER -U USER -P PASSWORD [-n N] [-c CONNS]"
			      " [-m N] [-q SQL]\n",
			      stderr);
			return 2;
		}
		switch (argv[i][1]) {
		case 'S':
			o.server = argv[++i];
			break;
		case 'U':
			o.user = argv[++i];
			break;
		case 'P':
			o.password = argv[++i];
			break;
		case 'q':
			o.sql = argv[++i];
			break;
		case 'n':
			o.single_queries = parse_count(argv[++i]);
			break;
		case 'c':
			o.connections = parse_count(argv[++i]);
			break;
		case 'm':
			o.per_connection = parse_count(argv[++i]);
			break;
		default:
			fprintf(stderr, "lab_qps: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!o.server || !o.user || !o.password) {
		fputs("lab_qps: -S, -U and -P are required\n", stderr);
		return 2;
	}
	if (dbinit() == FAIL)
		return 2;
	dberrhandle(err_handler);
	dbmsghandle(msg_handler);
	dbsetlogintime(30);
	/* db-lib's default limit is below what a 200-connection run needs on
	 * some builds; ask for room explicitly */
	dbsetmaxprocs((int)o.connections + 8);

	if (bench_single(&o) != 0)
		rc = 1;
	if (bench_concurrent(&o) != 0)
		rc = 1;
	printf("errors: %ld from the server, %ld from db-lib\n", atomic_load(&server_errors),
	       atomic_load(&client_errors));
	if (atomic_load(&server_errors) || atomic_load(&client_errors))
		rc = 1;
	dbexit();
	return rc;
}
