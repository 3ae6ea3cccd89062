/*
 * mssql: connections to SQL Server through FreeTDS db-lib, and batches
 * whose result sets come back as plain text cells. mssql.c is the only
 * file of pcdr that includes sybdb.h: db-lib's conventions (SUCCEED/FAIL,
 * process-wide error and message handlers, global login timeout) stop
 * here. Each connection receives its own server messages: the handlers
 * find the connection through dbgetuserdata, or, while dbopen is still
 * logging in, through the connecting thread's own pointer; there is no
 * global "current connection".
 *
 * mssql does not know what it queries: T-SQL text comes from sqlquote
 * builders (observe.c, later the apply steps); meaning comes from the
 * callers. Every value arrives as text (numbers in decimal, numeric(25,0)
 * LSNs exactly, GUIDs in their usual form, dates as
 * YYYY-MM-DDTHH:MM:SS.fff), NULL as a NULL pointer.
 */
#ifndef PCDR_PROVIDERS_MSSQL_MSSQL_H
#define PCDR_PROVIDERS_MSSQL_MSSQL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

#define MSSQL_RESULT_MAX_BYTES (16 * 1024 * 1024) /* text of one batch's results */
#define MSSQL_RESULT_MAX_ROWS  100000             /* rows of one result set */

enum mssql_tls {
	MSSQL_TLS_REQUIRE = 0,
	MSSQL_TLS_REQUEST,
	MSSQL_TLS_OFF,
};

/* Where and how to connect; every pointer is borrowed for the call. */
struct mssql_target {
	const char *name;    /* the instance name, for messages */
	const char *address; /* "host:port", or NULL when `server` is set */
	const char *server;  /* a freetds.conf server name */
	enum mssql_tls tls;
	unsigned login_timeout_s; /* 0: 15 */
	unsigned query_timeout_s; /* 0: none */
	const char *user;         /* from config_credentials; never copied */
	const char *password;
};

/* A message the server sent (PRINT, RESTORE progress, errors). */
struct mssql_message {
	int number;
	int severity; /* as received: 10 arrives as 0 */
	int state;
	int line;
	const char *text;
	const char *proc; /* "" outside a procedure */
};

struct mssql_rowset {
	const char **columns; /* names, "" for an unnamed expression */
	size_t n_columns;
	const char **cells; /* n_rows * n_columns, row-major; NULL = SQL NULL */
	size_t n_rows;
};

/* Everything one batch returned. Lives in `arena`. */
struct mssql_result {
	struct arena arena;
	struct mssql_rowset *sets;
	size_t n_sets, cap_sets;
	struct mssql_message *messages;
	size_t n_messages, cap_messages;
	const char *first_error; /* text of the first message of severity > 10 */
	int first_error_number;
};

void mssql_result_init(struct mssql_result *res);
void mssql_result_release(struct mssql_result *res);
/* Append an empty set / a message (the lab-free tests build results too). */
struct mssql_rowset *mssql_result_add_set(struct mssql_result *res, const char *const *columns,
                                          size_t n_columns);
void mssql_rowset_add_row(struct mssql_result *res, struct mssql_rowset *set,
                          const char *const *cells);
void mssql_result_add_message(struct mssql_result *res, const struct mssql_message *msg);

/* Why a connection failed: what the observed facts record. */
enum mssql_failure {
	MSSQL_FAIL_NONE = 0,
	MSSQL_FAIL_UNREACHABLE, /* no TCP connection, name not resolved, TLS failed */
	MSSQL_FAIL_LOGIN,       /* the server refused the login (18456, 4060, ...) */
	MSSQL_FAIL_TIMEOUT,     /* login or query took longer than allowed */
	MSSQL_FAIL_TLS,         /* tls: require, but the session is not encrypted */
	MSSQL_FAIL_QUERY,       /* the batch failed or the connection died in it */
};

struct mssql_conn;

/*
 * Connect to `t`, database master. Returns 0 with *out set (close with
 * mssql_close), or a negative code with *out NULL, err_last() set to
 * "cannot connect to 'NAME': REASON" (REASON: the server's message, else
 * db-lib's) and *failure saying which kind: ERR_UNREACHABLE, ERR_TIMEOUT,
 * ERR_GENERIC (login refused: MSSQL_FAIL_LOGIN), ERR_CONFLICT (`tls:
 * require` on a session that is not encrypted), ERR_INVALID (no address
 * or credentials). Thread-safe; connections are independent.
 */
int mssql_connect(struct mssql_conn **out, enum mssql_failure *failure,
                  const struct mssql_target *t);

/*
 * Run one batch and collect every result set and message into `res`
 * (initialised by the caller). Returns 0 when the batch ran to its end,
 * even if some statements failed (their messages are in res; see
 * first_error); ERR_TIMEOUT, ERR_LIMIT (results too large), or
 * ERR_GENERIC / ERR_UNREACHABLE when the batch could not run or the
 * connection died, with *failure set.
 */
int mssql_exec(struct mssql_conn *conn, const char *sql, struct mssql_result *res,
               enum mssql_failure *failure);

/*
 * Call `fn` for every message the server sends on `conn` (PRINT, errors,
 * RESTORE ... WITH STATS progress: 3211 "n percent processed.", severity
 * 0), as it arrives, on the thread that runs mssql_exec; `msg` is only
 * valid during the call. NULL removes the callback.
 */
typedef void (*mssql_message_fn)(void *ctx, const struct mssql_message *msg);
void mssql_on_message(struct mssql_conn *conn, mssql_message_fn fn, void *ctx);

void mssql_close(struct mssql_conn *conn);

const char *mssql_failure_name(enum mssql_failure f);

#endif
