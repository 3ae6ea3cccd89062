/*
 * runcmd: run an external program from an argument vector, never through
 * a shell (after git's run-command). The caller gives the bytes for the
 * program's stdin, a timeout and caps; runcmd collects stdout (capped: a
 * program that says too much is an error, ERR_LIMIT), keeps the first
 * bytes of stderr for the error message, and reports how the program
 * ended. The program runs in its own process group, so a timeout kills
 * it and everything it started. runcmd interprets nothing the program
 * prints; parsing belongs to the caller (providers/pool).
 */
#ifndef PCDR_UTIL_RUNCMD_H
#define PCDR_UTIL_RUNCMD_H

#include <stddef.h>

#include "util/strbuf.h"

#define RUNCMD_STDOUT_LIMIT_DEFAULT (1024 * 1024)
#define RUNCMD_STDERR_LIMIT_DEFAULT (16 * 1024)

struct runcmd_opts {
	const char *const *argv;    /* NULL-terminated; argv[0] looked up in PATH */
	const char *const *env_add; /* NULL or NULL-terminated "NAME=value"
	                               entries added to the inherited environment */
	const char *stdin_data;     /* NULL: the program reads /dev/null */
	size_t stdin_len;
	int timeout_ms;      /* 0: no timeout */
	size_t stdout_limit; /* 0: RUNCMD_STDOUT_LIMIT_DEFAULT */
	size_t stderr_limit; /* 0: RUNCMD_STDERR_LIMIT_DEFAULT; more is dropped */
};

struct runcmd_result {
	struct strbuf out; /* everything the program wrote to stdout */
	struct strbuf err; /* the first stderr_limit bytes of stderr */
	int exited;        /* 1: exited normally, exit_code is valid */
	int exit_code;
	int term_signal; /* signal that ended it, or 0 */
};

#define RUNCMD_RESULT_INIT                                                                         \
	{                                                                                          \
		STRBUF_INIT, STRBUF_INIT, 0, -1, 0                                                 \
	}

/*
 * Run opts->argv[0] with the arguments in opts->argv and wait for it.
 * Returns 0 when the program exited with status 0. Otherwise a negative
 * code with the message set, naming the program:
 *   ERR_NOTFOUND  the program does not exist (or is not executable)
 *   ERR_TIMEOUT   it ran past timeout_ms; its process group was killed
 *   ERR_LIMIT     it wrote more than stdout_limit bytes; it was killed
 *   ERR_GENERIC   it exited non-zero or died of a signal; the message ends
 *                 with the first line of its stderr
 *   ERR_IO        a pipe or spawn failed
 * `res` is filled as far as the run got (stdout, stderr, status) in every
 * case; the caller owns it and releases it with runcmd_result_release.
 */
int runcmd_run(struct runcmd_result *res, const struct runcmd_opts *opts);

void runcmd_result_release(struct runcmd_result *res);

#endif
