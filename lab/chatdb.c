/*
 * chatdb: a minimal db-lib client (chatdb.h). db-lib's handlers are
 * process-wide; each routes to the connection it concerns (userdata
 * after login, a thread-local pointer while dbopen runs on this thread)
 * and keeps the first error of the current batch.
 */
#include "lab/chatdb.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sybfront.h>
#include <sybdb.h>

#include "lab/labfile.h"
#include "util/err.h"
#include "util/xalloc.h"

struct chatdb {
	DBPROCESS *proc;
	char name[256];
	int server_error; /* first error (severity > 10) of the batch */
	char server_msg[256];
	char lib_msg[256];
	bool timed_out;
};

static pthread_once_t chatdb_once = PTHREAD_ONCE_INIT;
static int chatdb_init_failed;
static _Thread_local struct chatdb *chatdb_connecting;

static struct chatdb *conn_of(DBPROCESS *proc)
{
	struct chatdb *c = proc ? (struct chatdb *)dbgetuserdata(proc) : NULL;

	return c ? c : chatdb_connecting;
}

static int on_error(DBPROCESS *proc, int severity, int dberr, int oserr, char *dberrstr,
                    char *oserrstr)
{
	struct chatdb *c = conn_of(proc);

	(void)severity;
	(void)oserr;
	(void)oserrstr;
	if (c && dberr == SYBETIME)
		c->timed_out = true;
	if (c && !c->lib_msg[0])
		snprintf(c->lib_msg, sizeof(c->lib_msg), "%s",
		         dberrstr ? dberrstr : "db-lib error");
	return INT_CANCEL;
}

static int on_message(DBPROCESS *proc, DBINT msgno, int msgstate, int severity, char *msgtext,
                      char *srvname, char *procname, int line)
{
	struct chatdb *c = conn_of(proc);

	(void)msgstate;
	(void)srvname;
	(void)procname;
	(void)line;
	if (c && severity > 10 && !c->server_error) {
		c->server_error = (int)msgno;
		snprintf(c->server_msg, sizeof(c->server_msg), "%s", msgtext ? msgtext : "");
	}
	return 0;
}

static void init_once(void)
{
	if (dbinit() == FAIL) {
		chatdb_init_failed = 1;
		return;
	}
	dberrhandle(on_error);
	dbmsghandle(on_message);
}

int chatdb_init(const char *dir)
{
	char path[PATH_MAX];

	if (setenv("FREETDSCONF", labfile_path(path, sizeof(path), dir, "freetds.conf"), 1) < 0)
		return err_set_errno(ERR_GENERIC, "cannot set FREETDSCONF");
	pthread_once(&chatdb_once, init_once);
	if (chatdb_init_failed)
		return err_set(ERR_GENERIC, "cannot initialise FreeTDS db-lib");
	return 0;
}

static void reset(struct chatdb *c)
{
	c->server_error = 0;
	c->server_msg[0] = c->lib_msg[0] = '\0';
	c->timed_out = false;
}

int chatdb_connect(struct chatdb **out, const struct chatdb_login *l, int *error_number)
{
	struct chatdb *c = xcalloc(1, sizeof(*c));
	LOGINREC *login = dblogin();
	int error;

	*out = NULL;
	*error_number = 0;
	snprintf(c->name, sizeof(c->name), "%s", l->server);
	if (!login) {
		free(c);
		return err_set(ERR_GENERIC, "cannot connect to '%s': dblogin failed", l->server);
	}
	DBSETLUSER(login, l->user);
	DBSETLPWD(login, l->password);
	DBSETLAPP(login, "pcdr-lab chat");
	DBSETLCHARSET(login, "UTF-8");
	DBSETLDBNAME(login, l->database);
	DBSETLVERSION(login, DBVERSION_74);
	dbsetlogintime(l->login_timeout_s);
	chatdb_connecting = c;
	c->proc = dbopen(login, l->server);
	chatdb_connecting = NULL;
	dbloginfree(login);
	if (!c->proc) {
		*error_number = c->server_error;
		error = err_set(c->server_error ? ERR_GENERIC : ERR_UNREACHABLE,
		                "cannot connect to '%s': %s", l->server,
		                c->server_msg[0] ? c->server_msg
		                : c->lib_msg[0]  ? c->lib_msg
		                                 : "no answer");
		free(c);
		return error;
	}
	dbsetuserdata(c->proc, (BYTE *)c);
	if (l->query_timeout_s > 0) {
		char secs[16];
		snprintf(secs, sizeof(secs), "%d", l->query_timeout_s);
		dbsetopt(c->proc, DBSETTIME, secs, 0);
	}
	*out = c;
	return 0;
}

/* The rows of the current result set, as text, to `row`. */
static void read_rows(struct chatdb *c, chatdb_row_fn row, void *ctx)
{
	int n = dbnumcols(c->proc);
	char **cells = xcalloc((size_t)n + 1, sizeof(char *));
	char *bufs = xcalloc((size_t)n + 1, 256);
	STATUS st;

	while ((st = dbnextrow(c->proc)) != NO_MORE_ROWS && st != FAIL) {
		for (int i = 0; i < n && row; i++) {
			BYTE *data = dbdata(c->proc, i + 1);
			int type = dbcoltype(c->proc, i + 1);
			DBINT len = dbdatlen(c->proc, i + 1), k;
			char *buf = bufs + (size_t)i * 256;

			if (!data) {
				cells[i] = NULL;
				continue;
			}
			k = dbconvert(c->proc, type, data, len, SYBCHAR, (BYTE *)buf, 255);
			buf[k > 0 ? k : 0] = '\0';
			cells[i] = buf;
		}
		if (row)
			row(ctx, n, (const char *const *)cells);
	}
	free(bufs);
	free(cells);
}

int chatdb_exec(struct chatdb *c, const char *sql, chatdb_row_fn row, void *ctx, int *error_number,
                int64_t *affected)
{
	RETCODE rc;
	bool first = true, failed = false;

	reset(c);
	*error_number = 0;
	*affected = -1;
	dbfreebuf(c->proc);
	if (dbcmd(c->proc, sql) == FAIL || dbsqlexec(c->proc) == FAIL)
		failed = true;
	while (!DBDEAD(c->proc) && (rc = dbresults(c->proc)) != NO_MORE_RESULTS) {
		if (rc == FAIL) {
			failed = true;
			if (DBDEAD(c->proc))
				break;
			continue;
		}
		if (DBROWS(c->proc) == SUCCEED)
			read_rows(c, row, ctx);
		if (first)
			*affected = dbcount(c->proc);
		first = false;
	}
	*error_number = c->server_error;
	if (DBDEAD(c->proc))
		return err_set(ERR_UNREACHABLE, "connection to '%s' was lost%s%s", c->name,
		               c->lib_msg[0] ? ": " : "", c->lib_msg);
	if (c->timed_out)
		return err_set(ERR_TIMEOUT, "query on '%s' timed out", c->name);
	if (failed || c->server_error)
		return err_set(ERR_GENERIC, "query on '%s' failed: %s", c->name,
		               c->server_msg[0] ? c->server_msg
		               : c->lib_msg[0]  ? c->lib_msg
		                                : "the batch could not run");
	return 0;
}

bool chatdb_dead(struct chatdb *c)
{
	return !c || DBDEAD(c->proc);
}

void chatdb_close(struct chatdb *c)
{
	if (!c)
		return;
	dbclose(c->proc);
	free(c);
}
