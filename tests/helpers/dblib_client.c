/*
 * dblib_client: a small FreeTDS db-lib client for the lab conformance
 * suite (tests/conformance/dblib.sh). It logs in, runs one or more
 * batches (separated by lines holding only GO) and prints everything
 * db-lib reports, in the transcript format of tests/conformance/compare.py:
 * result sets with column names and db-lib types (dbcoltype, with
 * precision and scale for NUMERIC), rows with NULL markers, DBCOUNT row
 * counts, server messages (number, severity, state, text), return status
 * and database changes. With -c SECONDS it cancels the first batch
 * (dbcancel, i.e. a TDS ATTENTION) that long after sending it.
 *
 * It interprets nothing: comparing with SQL Server's expected behaviour
 * is compare.py's job. It is a test helper, not product code, so it may
 * include <sybdb.h> (only providers/mssql may, in the product).
 *
 * Usage: dblib_client -S SERVER -U USER [-P PASSWORD] [-D DATABASE]
 *                     [-c SECONDS] [-f FILE | BATCH...]
 * With neither -f nor BATCH the batches are read from stdin. Exit status:
 * 0 when it ran (whatever the server answered), 2 on a usage error,
 * 3 when the login failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sybfront.h>
#include <sybdb.h>

#define MAX_SQL (1024 * 1024)
/* UNIQUEIDENTIFIER: FreeTDS's SYBUNIQUE (include/freetds/proto.h), not
 * exported by <sybdb.h> */
#define DBLIB_UNIQUE 36

/* Login messages (5701, 5703) are printed only when the login fails. */
static int in_login = 1;
static char login_msgs[8192];
static size_t login_msgs_len;

static void print_quoted(FILE *out, const char *s, size_t n)
{
	fputc('\'', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'')
			fputc('\'', out);
		if (s[i] == '\n')
			fputs("\\n", out);
		else if (s[i] != '\0')
			fputc(s[i], out);
	}
	fputc('\'', out);
}

static int msg_handler(DBPROCESS *dbproc, DBINT msgno, int msgstate, int severity, char *msgtext,
                       char *srvname, char *procname, int line)
{
	(void)dbproc;
	(void)srvname;
	(void)procname;
	(void)line;
	if (in_login) {
		int n = snprintf(login_msgs + login_msgs_len, sizeof(login_msgs) - login_msgs_len,
		                 "msg: %d %d %d %s\n", (int)msgno, severity, msgstate,
		                 msgtext ? msgtext : "");
		if (n > 0 && login_msgs_len + (size_t)n < sizeof(login_msgs))
			login_msgs_len += (size_t)n;
		return 0;
	}
	printf("msg: %d %d %d %s\n", (int)msgno, severity, msgstate, msgtext ? msgtext : "");
	return 0;
}

static int err_handler(DBPROCESS *dbproc, int severity, int dberr, int oserr, char *dberrstr,
                       char *oserrstr)
{
	(void)dbproc;
	(void)severity;
	(void)oserr;
	(void)oserrstr;
	/* SYBESMSG only says "check the server's messages": already shown */
	if (dberr != SYBESMSG)
		fprintf(stderr, "db-lib error %d: %s\n", dberr, dberrstr ? dberrstr : "");
	return INT_CANCEL;
}

static const char *type_name(int type)
{
	switch (type) {
	case SYBINT1:
		return "SYBINT1";
	case SYBINT2:
		return "SYBINT2";
	case SYBINT4:
		return "SYBINT4";
	case SYBINT8:
		return "SYBINT8";
	case SYBBIT:
		return "SYBBIT";
	case SYBCHAR:
		return "SYBCHAR";
	case SYBVARCHAR:
		return "SYBVARCHAR";
	case SYBTEXT:
		return "SYBTEXT";
	case SYBNTEXT:
		return "SYBNTEXT";
	case SYBFLT8:
		return "SYBFLT8";
	case SYBREAL:
		return "SYBREAL";
	case SYBDATETIME:
		return "SYBDATETIME";
	case SYBDATETIME4:
		return "SYBDATETIME4";
	case SYBMSDATETIME2:
		return "SYBMSDATETIME2";
	case SYBMSDATE:
		return "SYBMSDATE";
	case SYBMSTIME:
		return "SYBMSTIME";
	case DBLIB_UNIQUE:
		return "SYBUNIQUE";
	case SYBNUMERIC:
		return "SYBNUMERIC";
	case SYBDECIMAL:
		return "SYBDECIMAL";
	case SYBBINARY:
		return "SYBBINARY";
	case SYBVARBINARY:
		return "SYBVARBINARY";
	case SYBIMAGE:
		return "SYBIMAGE";
	case SYBMONEY:
		return "SYBMONEY";
	default:
		return NULL;
	}
}

/* Shortest %g spelling that reads back as the same double. */
static void print_double(double v)
{
	char buf[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, stdout);
}

static void print_converted(DBPROCESS *dbproc, int type, BYTE *data, DBINT len)
{
	char buf[256];
	DBINT n = dbconvert(dbproc, type, data, len, SYBCHAR, (BYTE *)buf, (DBINT)sizeof(buf) - 1);
	if (n < 0) {
		fputs("'<unconvertible>'", stdout);
		return;
	}
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	fputs(buf, stdout);
}

static void print_date(DBPROCESS *dbproc, int type, BYTE *data)
{
	DBDATEREC2 d;
	memset(&d, 0, sizeof(d));
	if (dbanydatecrack(dbproc, &d, type, data) != SUCCEED) {
		fputs("'<bad date>'", stdout);
		return;
	}
	printf("'%04d-%02d-%02d %02d:%02d:%02d", (int)d.dateyear, (int)d.datemonth + 1,
	       (int)d.datedmonth, (int)d.datehour, (int)d.dateminute, (int)d.datesecond);
	if (type == SYBDATETIME)
		printf(".%03d'", (int)((d.datensecond + 500000) / 1000000));
	else
		printf(".%07d'", (int)(d.datensecond / 100));
}

static void print_value(DBPROCESS *dbproc, int col)
{
	int type = dbcoltype(dbproc, col);
	BYTE *data = dbdata(dbproc, col);
	DBINT len = dbdatlen(dbproc, col);

	if (data == NULL) { /* db-lib: NULL data pointer = SQL NULL */
		fputs("NULL", stdout);
		return;
	}
	switch (type) {
	case SYBINT1:
		printf("%u", (unsigned)*(DBTINYINT *)data);
		break;
	case SYBINT2:
		printf("%d", (int)*(DBSMALLINT *)data);
		break;
	case SYBINT4:
		printf("%d", (int)*(DBINT *)data);
		break;
	case SYBINT8:
		printf("%lld", (long long)*(DBBIGINT *)data);
		break;
	case SYBBIT:
		printf("%u", (unsigned)*(DBBIT *)data);
		break;
	case SYBFLT8:
		print_double(*(DBFLT8 *)data);
		break;
	case SYBREAL:
		print_double((double)*(DBREAL *)data);
		break;
	case SYBCHAR:
	case SYBVARCHAR:
	case SYBTEXT:
	case SYBNTEXT:
		print_quoted(stdout, (const char *)data, (size_t)len);
		break;
	case SYBDATETIME:
	case SYBMSDATETIME2:
		print_date(dbproc, type, data);
		break;
	case DBLIB_UNIQUE:
		fputc('\'', stdout);
		print_converted(dbproc, type, data, len);
		fputc('\'', stdout);
		break;
	default:
		print_converted(dbproc, type, data, len);
		break;
	}
}

static void print_columns(DBPROCESS *dbproc)
{
	int ncols = dbnumcols(dbproc);
	fputs("columns: ", stdout);
	for (int c = 1; c <= ncols; c++) {
		int type = dbcoltype(dbproc, c);
		const char *name = dbcolname(dbproc, c);
		const char *tname = type_name(type);
		if (c > 1)
			fputs(" | ", stdout);
		fputs(name && name[0] ? name : "''", stdout);
		if (tname)
			printf(" %s", tname);
		else
			printf(" SYBTYPE%d", type);
		if (type == SYBNUMERIC || type == SYBDECIMAL) {
			DBTYPEINFO *ti = dbcoltypeinfo(dbproc, c);
			if (ti)
				printf("(%d,%d)", (int)ti->precision, (int)ti->scale);
		}
	}
	fputc('\n', stdout);
}

/* Read every result of the current batch. */
static void drain_results(DBPROCESS *dbproc)
{
	RETCODE rc;
	int had_status = 0;

	while ((rc = dbresults(dbproc)) != NO_MORE_RESULTS) {
		if (!had_status && dbhasretstat(dbproc)) {
			printf("return: %d\n", (int)dbretstatus(dbproc));
			had_status = 1;
		} else if (!dbhasretstat(dbproc)) {
			had_status = 0;
		}
		if (rc == FAIL) {
			if (DBDEAD(dbproc))
				break;
			continue;
		}
		if (dbnumcols(dbproc) > 0) {
			print_columns(dbproc);
			while (dbnextrow(dbproc) != NO_MORE_ROWS) {
				int ncols = dbnumcols(dbproc);
				fputs("row: ", stdout);
				for (int c = 1; c <= ncols; c++) {
					if (c > 1)
						fputs(" | ", stdout);
					print_value(dbproc, c);
				}
				fputc('\n', stdout);
			}
		}
		if (DBCOUNT(dbproc) >= 0)
			printf("count: %d\n", (int)DBCOUNT(dbproc));
	}
	if (!had_status && dbhasretstat(dbproc))
		printf("return: %d\n", (int)dbretstatus(dbproc));
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Send the batch, wait `after` seconds, cancel. "cancel: ok" means the
 * server had not answered before the cancel and acknowledged it quickly.
 */
static void run_cancelled(DBPROCESS *dbproc, double after)
{
	double start;
	struct pollfd pfd;
	int answered;
	struct timespec ts;

	if (dbsqlsend(dbproc) != SUCCEED) {
		puts("cancel: send-failed");
		return;
	}
	ts.tv_sec = (time_t)after;
	ts.tv_nsec = (long)((after - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	pfd.fd = dbiordesc(dbproc);
	pfd.events = POLLIN;
	pfd.revents = 0;
	answered = poll(&pfd, 1, 0) > 0;
	start = now_seconds();
	if (dbcancel(dbproc) != SUCCEED) {
		puts("cancel: failed");
		return;
	}
	if (answered)
		puts("cancel: too-late (the server answered before the cancel)");
	else if (now_seconds() - start > 2.0)
		printf("cancel: slow (%.1f s to acknowledge)\n", now_seconds() - start);
	else
		puts("cancel: ok");
}

static int is_go(const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	return n == 2 && (line[0] == 'G' || line[0] == 'g') && (line[1] == 'O' || line[1] == 'o');
}

/* Run the batches of `text` (separated by GO lines). */
static void run_text(DBPROCESS *dbproc, const char *text, double cancel_after)
{
	const char *p = text;
	int batch_no = 0;

	while (*p) {
		const char *start = p, *end = p;
		/* find the end of this batch: a GO line or the end */
		while (*end) {
			const char *eol = strchr(end, '\n');
			size_t n = eol ? (size_t)(eol - end) : strlen(end);
			if (is_go(end, n))
				break;
			end += n + (eol ? 1 : 0);
		}
		{
			size_t blen = (size_t)(end - start);
			const char *q = start;
			int blank = 1;
			for (; q < end; q++)
				if (*q != ' ' && *q != '\n' && *q != '\r' && *q != '\t')
					blank = 0;
			if (!blank) {
				char *sql = malloc(blen + 1);
				if (!sql)
					abort();
				memcpy(sql, start, blen);
				sql[blen] = '\0';
				char db_before[256];
				const char *db = dbname(dbproc);
				snprintf(db_before, sizeof(db_before), "%s", db ? db : "");
				puts("batch");
				fflush(stdout);
				batch_no++;
				if (dbcmd(dbproc, sql) != SUCCEED)
					puts("# dbcmd failed");
				else if (batch_no == 1 && cancel_after > 0)
					run_cancelled(dbproc, cancel_after);
				else if (dbsqlexec(dbproc) == SUCCEED || !DBDEAD(dbproc))
					drain_results(dbproc);
				db = dbname(dbproc);
				if (db && strcmp(db, db_before) != 0)
					printf("database: %s\n", db);
				free(sql);
				fflush(stdout);
			}
		}
		p = end;
		if (*p) { /* skip the GO line */
			const char *eol = strchr(p, '\n');
			p = eol ? eol + 1 : p + strlen(p);
		}
	}
}

static char *read_all(FILE *f)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	if (!buf)
		abort();
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 >= cap) {
			if (cap >= MAX_SQL) {
				fputs("dblib_client: input too large\n", stderr);
				exit(2);
			}
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
	}
	buf[len] = '\0';
	return buf;
}

static void usage(void)
{
	fputs("usage: dblib_client -S SERVER -U USER [-P PASSWORD] [-D DATABASE]"
	      " [-c SECONDS] [-f FILE | BATCH...]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *server = NULL, *user = NULL, *password = "", *database = NULL;
	const char *file = NULL;
	double cancel_after = 0;
	char *text = NULL;
	LOGINREC *login;
	DBPROCESS *dbproc;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc || opt[2] != '\0')
			usage();
		switch (opt[1]) {
		case 'S':
			server = argv[++i];
			break;
		case 'U':
			user = argv[++i];
			break;
		case 'P':
			password = argv[++i];
			break;
		case 'D':
			database = argv[++i];
			break;
		case 'f':
			file = argv[++i];
			break;
		case 'c': {
			char *end;
			errno = 0;
			cancel_after = strtod(argv[++i], &end);
			if (errno || *end || cancel_after < 0 || cancel_after > 60)
				usage();
			break;
		}
		default:
			usage();
		}
	}
	if (!server || !user)
		usage();

	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			fprintf(stderr, "dblib_client: cannot open '%s': %s\n", file,
			        strerror(errno));
			return 2;
		}
		text = read_all(f);
		fclose(f);
	} else if (i < argc) {
		size_t total = 1;
		for (int j = i; j < argc; j++)
			total += strlen(argv[j]) + 1;
		text = calloc(1, total);
		if (!text)
			abort();
		for (int j = i; j < argc; j++) {
			size_t used = strlen(text);
			snprintf(text + used, total - used, "%s%s", j > i ? " " : "", argv[j]);
		}
	} else {
		text = read_all(stdin);
	}

	if (dbinit() == FAIL)
		return 2;
	dberrhandle(err_handler);
	dbmsghandle(msg_handler);
	dbsetlogintime(10);
	login = dblogin();
	DBSETLUSER(login, user);
	DBSETLPWD(login, password);
	DBSETLAPP(login, "pcdr-dblib-client");
	DBSETLCHARSET(login, "UTF-8");
	if (database)
		DBSETLDBNAME(login, database);

	dbproc = dbopen(login, server);
	dbloginfree(login);
	in_login = 0;
	if (!dbproc) {
		/* print what the server said about the refused login */
		puts("batch");
		fwrite(login_msgs, 1, login_msgs_len, stdout);
		puts("login: failed");
		free(text);
		dbexit();
		return 3;
	}
	run_text(dbproc, text, cancel_after);
	free(text);
	dbclose(dbproc);
	dbexit();
	return 0;
}
