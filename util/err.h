/*
 * err: the error model (after libgit2). Functions return 0 or a negative
 * code; the message is stored once, where the failure is seen, in a
 * per-thread "last error" and is never overwritten on the way up.
 * Each command, daemon tick and apply step starts with err_clear().
 */
#ifndef PCDR_UTIL_ERR_H
#define PCDR_UTIL_ERR_H

enum err_code {
	ERR_OK = 0,
	ERR_GENERIC = -1,     /* anything without a more specific code */
	ERR_NOTFOUND = -2,    /* a named thing does not exist */
	ERR_INVALID = -3,     /* input rejected (spec, config, argument) */
	ERR_CONFLICT = -4,    /* the world is not in the state the caller assumed */
	ERR_IO = -5,          /* a system call or file failed */
	ERR_TIMEOUT = -6,     /* a deadline passed */
	ERR_LIMIT = -7,       /* a size cap was hit */
	ERR_UNREACHABLE = -8, /* a server did not answer */
	ERR_LOCKED = -9,      /* a lock is held by someone else */
	ERR_STALE = -10,      /* a saved plan no longer matches the world */
};

/*
 * Set the calling thread's last error and return `code`, so that a
 * failure reads `return err_set(ERR_INVALID, "bad '%s'", name);`.
 * Message style: lower case, what failed first, subject in quotes.
 */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like err_set, appending ": strerror(errno)". */
int err_set_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last message (borrowed; "" when none). */
const char *err_last(void);

/* The calling thread's last code (ERR_OK when none). */
int err_last_code(void);

/* Forget the calling thread's last error. */
void err_clear(void);

/* A short name for a code ("not found", "invalid", ...). */
const char *err_code_name(int code);

#endif
