/*
 * mssql: FreeTDS db-lib behind a small connection API. dbinit runs once;
 * the error and message handlers are process-wide (db-lib allows nothing
 * else) and route each message to its connection: dbgetuserdata after
 * login, the connecting thread's _Thread_local pointer during dbopen
 * (db-lib calls handlers on the calling thread). db-lib keeps the login
 * timeout in a global, so connects that need different timeouts take
 * turns through a small gate; connects with the same timeout run in
 * parallel. Values are converted to text here so nothing above needs
 * db-lib types. Passwords go to the LOGINREC only and are never copied;
 * the TDS version is pinned to 7.4, never "auto" (see mssql_login).
 */
#include "providers/mssql/mssql.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sybfront.h>
#include <sybdb.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct mssql_conn {
	DBPROCESS *proc;
	char name[256];
	char where[256];
	struct mssql_result *res; /* where messages go while a batch runs */
	char server_msg[512];     /* first message of severity > 10 */
	int server_msgno;
	char lib_msg[512]; /* first db-lib error */
	int lib_err;
	bool timed_out;
	size_t bytes;
	mssql_message_fn on_message;
	void *on_message_ctx;
};

static pthread_once_t mssql_once = PTHREAD_ONCE_INIT;
static int mssql_init_failed;
static _Thread_local struct mssql_conn *mssql_connecting;

static pthread_mutex_t mssql_gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mssql_gate_cond = PTHREAD_COND_INITIALIZER;
static int mssql_gate_timeout = -1;
static unsigned mssql_gate_users;

const char *mssql_failure_name(enum mssql_failure f)
{
	switch (f) {
	case MSSQL_FAIL_UNREACHABLE:
		return "unreachable";
	case MSSQL_FAIL_LOGIN:
		return "login failed";
	case MSSQL_FAIL_TIMEOUT:
		return "timeout";
	case MSSQL_FAIL_TLS:
		return "not encrypted";
	case MSSQL_FAIL_QUERY:
		return "query failed";
	default:
		return "ok";
	}
}

static struct mssql_conn *mssql_conn_of(DBPROCESS *proc)
{
	struct mssql_conn *c = proc ? (struct mssql_conn *)dbgetuserdata(proc) : NULL;

	return c ? c : mssql_connecting;
}

static int mssql_err_handler(DBPROCESS *proc, int severity, int dberr, int oserr, char *dberrstr,
                             char *oserrstr)
{
	struct mssql_conn *c = mssql_conn_of(proc);

	(void)severity;
	if (!c)
		return INT_CANCEL;
	if (dberr == SYBETIME)
		c->timed_out = true;
	if (!c->lib_msg[0] || dberr == SYBETIME) {
		snprintf(c->lib_msg, sizeof(c->lib_msg), "%s%s%s",
		         dberrstr ? dberrstr : "db-lib error", oserr && oserrstr ? ": " : "",
		         oserr && oserrstr ? oserrstr : "");
		c->lib_err = dberr;
	}
	return INT_CANCEL;
}

static int mssql_msg_handler(DBPROCESS *proc, DBINT msgno, int msgstate, int severity,
                             char *msgtext, char *srvname, char *procname, int line)
{
	struct mssql_conn *c = mssql_conn_of(proc);
	struct mssql_message m;

	(void)srvname;
	/* database context and language changes: noise of every login */
	if (!c || msgno == 5701 || msgno == 5703)
		return 0;
	if (severity > 10 && !c->server_msg[0]) {
		snprintf(c->server_msg, sizeof(c->server_msg), "%s", msgtext ? msgtext : "");
		c->server_msgno = (int)msgno;
	}
	m.number = (int)msgno;
	m.severity = severity;
	m.state = msgstate;
	m.line = line;
	m.text = msgtext ? msgtext : "";
	m.proc = procname ? procname : "";
	if (c->res && c->res->n_messages < 10000)
		mssql_result_add_message(c->res, &m);
	if (c->on_message)
		c->on_message(c->on_message_ctx, &m);
	return 0;
}

static void mssql_init_once(void)
{
	if (dbinit() == FAIL) {
		mssql_init_failed = 1;
		return;
	}
	dberrhandle(mssql_err_handler);
	dbmsghandle(mssql_msg_handler);
}

/* db-lib's login timeout is global: connects needing another value wait. */
static void mssql_gate_enter(int timeout_s)
{
	pthread_mutex_lock(&mssql_gate_lock);
	while (mssql_gate_users && mssql_gate_timeout != timeout_s)
		pthread_cond_wait(&mssql_gate_cond, &mssql_gate_lock);
	if (mssql_gate_timeout != timeout_s) {
		dbsetlogintime(timeout_s);
		mssql_gate_timeout = timeout_s;
	}
	mssql_gate_users++;
	pthread_mutex_unlock(&mssql_gate_lock);
}

static void mssql_gate_leave(void)
{
	pthread_mutex_lock(&mssql_gate_lock);
	if (--mssql_gate_users == 0)
		pthread_cond_broadcast(&mssql_gate_cond);
	pthread_mutex_unlock(&mssql_gate_lock);
}

static LOGINREC *mssql_login(const struct mssql_target *t)
{
	LOGINREC *login = dblogin();

	if (!login)
		return NULL;
	DBSETLUSER(login, t->user);
	DBSETLPWD(login, t->password);
	DBSETLAPP(login, "pcdr");
	DBSETLCHARSET(login, "UTF-8");
	DBSETLDBNAME(login, "master");
	/* Never "auto": after a timeout FreeTDS would retry as TDS 5.0, whose
	 * login carries the password in clear text. 7.4 is negotiated down
	 * by older servers (SQL Server 2008 R2 answers 7.3). */
	DBSETLVERSION(login, DBVERSION_74);
#ifdef DBSETENCRYPTION
	dbsetlname(login,
	           t->tls == MSSQL_TLS_REQUIRE   ? "require"
	           : t->tls == MSSQL_TLS_REQUEST ? "request"
	                                         : "off",
	           DBSETENCRYPTION);
#endif
	return login;
}

/* Classify a failed dbopen and set the message. */
static int mssql_connect_failed(struct mssql_conn *c, enum mssql_failure *failure)
{
	const char *why = c->server_msg[0] ? c->server_msg
	                  : c->lib_msg[0]  ? c->lib_msg
	                                   : "the server did not accept the connection";
	int code;

	if (c->timed_out) {
		*failure = MSSQL_FAIL_TIMEOUT;
		code = ERR_TIMEOUT;
		why = c->lib_msg[0] ? c->lib_msg : why;
	} else if (c->server_msgno) {
		*failure = MSSQL_FAIL_LOGIN;
		code = ERR_GENERIC;
	} else {
		*failure = MSSQL_FAIL_UNREACHABLE;
		code = ERR_UNREACHABLE;
	}
	if (strcmp(c->name, c->where))
		return err_set(code, "cannot connect to '%s' at '%s': %s", c->name, c->where, why);
	return err_set(code, "cannot connect to '%s': %s", c->name, why);
}

/* tls: require without per-connection encryption in db-lib: check it. */
static int mssql_check_encrypted(struct mssql_conn *c, enum mssql_failure *failure)
{
	struct mssql_result res;
	enum mssql_failure f;
	const char *got = NULL;
	int error;

	mssql_result_init(&res);
	error = mssql_exec(c,
	                   "SELECT encrypt_option FROM sys.dm_exec_connections "
	                   "WHERE session_id = @@SPID;",
	                   &res, &f);
	if (!error && res.n_sets == 1 && res.sets[0].n_rows == 1 && res.sets[0].n_columns == 1)
		got = res.sets[0].cells[0];
	if (!got || strcmp(got, "TRUE")) {
		*failure = MSSQL_FAIL_TLS;
		error = err_set(
		        ERR_CONFLICT,
		        "cannot connect to '%s': tls is 'require' but the connection is not "
		        "encrypted (set 'encryption = require' in freetds.conf)",
		        c->name);
	}
	mssql_result_release(&res);
	return error;
}

int mssql_connect(struct mssql_conn **out, enum mssql_failure *failure,
                  const struct mssql_target *t)
{
	const char *where = t->address ? t->address : t->server;
	struct mssql_conn *c;
	LOGINREC *login;
	char secs[16];
	int error = 0;

	*out = NULL;
	*failure = MSSQL_FAIL_NONE;
	if (!where || !*where || !t->user || !t->password)
		return err_set(ERR_INVALID, "cannot connect to '%s': no address or no credentials",
		               t->name);
	pthread_once(&mssql_once, mssql_init_once);
	if (mssql_init_failed)
		return err_set(ERR_GENERIC, "cannot initialise FreeTDS db-lib");
	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", t->name);
	snprintf(c->where, sizeof(c->where), "%s", where);
	if (!(login = mssql_login(t))) {
		free(c);
		return err_set(ERR_GENERIC, "cannot connect to '%s': dblogin failed", t->name);
	}
	mssql_connecting = c;
	mssql_gate_enter(t->login_timeout_s ? (int)t->login_timeout_s : 15);
	c->proc = dbopen(login, where);
	mssql_gate_leave();
	mssql_connecting = NULL;
	dbloginfree(login);
	if (!c->proc) {
		error = mssql_connect_failed(c, failure);
		free(c);
		return error;
	}
	dbsetuserdata(c->proc, (BYTE *)c);
	if (t->query_timeout_s) {
		snprintf(secs, sizeof(secs), "%u", t->query_timeout_s);
		dbsetopt(c->proc, DBSETTIME, secs, 0);
	}
#ifndef DBSETENCRYPTION
	if (t->tls == MSSQL_TLS_REQUIRE && (error = mssql_check_encrypted(c, failure)) < 0) {
		mssql_close(c);
		return error;
	}
#else
	(void)mssql_check_encrypted;
#endif
	*out = c;
	return 0;
}

static void mssql_hex(struct strbuf *sb, const BYTE *data, DBINT len)
{
	static const char digits[] = "0123456789ABCDEF";

	strbuf_puts(sb, "0x");
	for (DBINT i = 0; i < len; i++) {
		strbuf_putc(sb, digits[data[i] >> 4]);
		strbuf_putc(sb, digits[data[i] & 15]);
	}
}

static bool mssql_is_date(int type)
{
	return type == SYBDATETIME || type == SYBDATETIME4 || type == SYBDATETIMN ||
	       type == SYBMSDATE || type == SYBMSDATETIME2 || type == SYBMSDATETIMEOFFSET;
}

/* One cell as text into `sb` (reset first); false for SQL NULL. */
static bool mssql_cell(DBPROCESS *proc, int col, struct strbuf *sb)
{
	int type = dbcoltype(proc, col);
	BYTE *data = dbdata(proc, col);
	DBINT len = dbdatlen(proc, col);
	DBDATEREC2 di;
	char buf[128];
	DBINT n;

	strbuf_reset(sb);
	if (!data)
		return false;
	if (type == SYBCHAR || type == SYBVARCHAR || type == SYBTEXT) {
		strbuf_add(sb, data, (size_t)len);
	} else if (type == SYBBINARY || type == SYBVARBINARY || type == SYBIMAGE) {
		mssql_hex(sb, data, len);
	} else if (mssql_is_date(type) && dbanydatecrack(proc, &di, type, data) == SUCCEED) {
		/* db-lib without MSDBLIB counts months from 0 */
		strbuf_printf(sb, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", di.dateyear,
		              di.datemonth + 1, di.datedmonth, di.datehour, di.dateminute,
		              di.datesecond, di.datensecond / 1000000);
	} else {
		n = dbconvert(proc, type, data, len, SYBCHAR, (BYTE *)buf, (DBINT)sizeof(buf) - 1);
		if (n < 0)
			n = 0;
		strbuf_add(sb, buf, (size_t)n);
	}
	return true;
}

/* Read the rows of the current result set into a new set of `res`. */
static int mssql_read_set(struct mssql_conn *c, struct mssql_result *res)
{
	int ncols = dbnumcols(c->proc), i;
	const char **names = xcalloc((size_t)ncols, sizeof(char *));
	const char **cells = xcalloc((size_t)ncols, sizeof(char *));
	struct strbuf *bufs = xcalloc((size_t)ncols, sizeof(struct strbuf));
	struct mssql_rowset *set;
	STATUS row;
	int error = 0;

	for (i = 0; i < ncols; i++)
		names[i] = dbcolname(c->proc, i + 1);
	set = mssql_result_add_set(res, names, (size_t)ncols);
	while ((row = dbnextrow(c->proc)) != NO_MORE_ROWS) {
		if (row == FAIL) {
			error = ERR_GENERIC;
			break;
		}
		if (row != REG_ROW)
			continue; /* COMPUTE rows: never asked for */
		for (i = 0; i < ncols; i++) {
			cells[i] =
			        mssql_cell(c->proc, i + 1, &bufs[i]) ? strbuf_cstr(&bufs[i]) : NULL;
			c->bytes += bufs[i].len + 1;
		}
		if (c->bytes > MSSQL_RESULT_MAX_BYTES || set->n_rows >= MSSQL_RESULT_MAX_ROWS) {
			dbcancel(c->proc);
			error = err_set(ERR_LIMIT, "results from '%s' exceed %d bytes or %d rows",
			                c->name, MSSQL_RESULT_MAX_BYTES, MSSQL_RESULT_MAX_ROWS);
			break;
		}
		mssql_rowset_add_row(res, set, cells);
	}
	for (i = 0; i < ncols; i++)
		strbuf_release(&bufs[i]);
	free(bufs);
	free(cells);
	free(names);
	return error;
}

static int mssql_exec_failed(struct mssql_conn *c, enum mssql_failure *failure)
{
	const char *why = c->lib_msg[0] ? c->lib_msg : "the batch could not run";

	if (c->timed_out) {
		*failure = MSSQL_FAIL_TIMEOUT;
		return err_set(ERR_TIMEOUT, "query on '%s' timed out: %s", c->name, why);
	}
	*failure = MSSQL_FAIL_QUERY;
	if (DBDEAD(c->proc))
		return err_set(ERR_UNREACHABLE, "connection to '%s' was lost: %s", c->name, why);
	return err_set(ERR_GENERIC, "query on '%s' failed: %s", c->name,
	               c->server_msg[0] ? c->server_msg : why);
}

int mssql_exec(struct mssql_conn *c, const char *sql, struct mssql_result *res,
               enum mssql_failure *failure)
{
	RETCODE rc;
	int error = 0, fails = 0;

	*failure = MSSQL_FAIL_NONE;
	c->res = res;
	c->server_msg[0] = c->lib_msg[0] = '\0';
	c->server_msgno = c->lib_err = 0;
	c->timed_out = false;
	c->bytes = 0;
	dbfreebuf(c->proc);
	if (dbcmd(c->proc, sql) == FAIL ||
	    (dbsqlexec(c->proc) == FAIL && (DBDEAD(c->proc) || c->timed_out))) {
		error = mssql_exec_failed(c, failure);
		goto done;
	}
	/* a failed statement is FAIL here; the batch goes on to the next one */
	while ((rc = dbresults(c->proc)) != NO_MORE_RESULTS) {
		if (rc == FAIL) {
			if (DBDEAD(c->proc) || c->timed_out || ++fails > 1000) {
				error = mssql_exec_failed(c, failure);
				goto done;
			}
			continue;
		}
		if (dbnumcols(c->proc) > 0 && (error = mssql_read_set(c, res)) < 0) {
			if (error != ERR_LIMIT)
				error = mssql_exec_failed(c, failure);
			else
				*failure = MSSQL_FAIL_QUERY;
			goto done;
		}
	}
done:
	c->res = NULL;
	return error;
}

void mssql_on_message(struct mssql_conn *c, mssql_message_fn fn, void *ctx)
{
	c->on_message = fn;
	c->on_message_ctx = ctx;
}

void mssql_close(struct mssql_conn *c)
{
	if (!c)
		return;
	if (c->proc)
		dbclose(c->proc);
	free(c);
}
