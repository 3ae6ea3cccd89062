/*
 * chatdb: the lab's own TDS client for the chat servers and verify, on
 * FreeTDS db-lib (a system library; the lab shares no code with
 * providers/mssql). Instances are named by their DIR/freetds.conf
 * section. Server messages are routed per connection (dbsetuserdata, a
 * thread-local while dbopen runs) so that the first error number of a
 * batch (954, 927, ...) is known to its caller. Rows come back as text
 * through a callback. The password goes to the LOGINREC only.
 */
#ifndef PCDR_LAB_CHATDB_H
#define PCDR_LAB_CHATDB_H

#include <stdbool.h>
#include <stdint.h>

struct chatdb;

struct chatdb_login {
	const char *server; /* freetds.conf section = instance name */
	const char *user;
	const char *password; /* never copied, never printed */
	const char *database; /* the login database */
	int login_timeout_s;
	int query_timeout_s;
};

/* Point FreeTDS at DIR/freetds.conf and initialise db-lib once.
 * 0 or ERR_GENERIC. */
int chatdb_init(const char *dir);

/* Connect. 0, or ERR_UNREACHABLE (nothing answered) / ERR_GENERIC (the
 * server refused: *error_number gets its error, 18456, 4060, 954, 927...)
 * with the message set. */
int chatdb_connect(struct chatdb **out, const struct chatdb_login *login, int *error_number);

typedef void (*chatdb_row_fn)(void *ctx, int n, const char *const *cells);

/*
 * Run a batch; `row` (may be NULL) gets every row of every result set,
 * NULL cells as NULL. 0 when no statement reported an error, else
 * ERR_UNREACHABLE (the connection is dead), ERR_TIMEOUT, or ERR_GENERIC
 * with *error_number set to the server's first error number.
 * *affected gets the row count of the first statement (or -1).
 */
int chatdb_exec(struct chatdb *c, const char *sql, chatdb_row_fn row, void *ctx, int *error_number,
                int64_t *affected);

bool chatdb_dead(struct chatdb *c);
void chatdb_close(struct chatdb *c);

#endif
