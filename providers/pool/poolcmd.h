/*
 * poolcmd: the pool provider. Skype for Business has no API pcdr can call
 * directly, so the pool (state Normal/FailedOver and its active server
 * list) is driven through an external command the operator configures
 * per pool in the host configuration, as an argument vector. The contract
 * (docs/pool-command.md):
 *
 *   ARGV... get                          prints {"state": ..., "activeServers": [...]}
 *   ARGV... set-state Normal|FailedOver
 *   ARGV... set-active-servers [FQDN...] replaces the list; none clears it
 *
 * with PCDR_POOL (the spec's pool identity) and PCDR_POOL_NAME in the
 * environment, stdin from /dev/null, a timeout and capped output. The
 * output of `get` is parsed strictly: an unknown or missing field, a
 * wrong type or a malformed server name is an error, never a guess.
 * poolcmd does not decide anything; the planner and apply do.
 */
#ifndef PCDR_PROVIDERS_POOL_POOLCMD_H
#define PCDR_PROVIDERS_POOL_POOLCMD_H

#include <stddef.h>

#define POOLCMD_TIMEOUT_MS_DEFAULT (120 * 1000)
#define POOLCMD_OUTPUT_LIMIT       (64 * 1024)
#define POOLCMD_MAX_SERVERS        256

enum poolcmd_state {
	POOLCMD_NORMAL = 0,
	POOLCMD_FAILED_OVER,
};

struct poolcmd {
	const char *name;        /* pool name (metadata.name), for messages */
	const char *identity;    /* spec.pool, given as PCDR_POOL; may be NULL */
	const char *const *argv; /* the configured command, NULL-terminated */
	int timeout_ms;          /* 0: POOLCMD_TIMEOUT_MS_DEFAULT */
};

struct poolcmd_status {
	enum poolcmd_state state;
	char **active_servers; /* owned; as the command printed them */
	size_t n_active_servers;
};

#define POOLCMD_STATUS_INIT                                                                        \
	{                                                                                          \
		POOLCMD_NORMAL, NULL, 0                                                            \
	}

/* "Normal" / "FailedOver". */
const char *poolcmd_state_name(enum poolcmd_state state);
/* 0 and *out set, or ERR_INVALID for any other spelling. */
int poolcmd_state_parse(enum poolcmd_state *out, const char *name);

/*
 * Run `get` and parse what it printed into *out (caller releases it with
 * poolcmd_status_release, also on error). Errors: those of runcmd_run
 * (ERR_NOTFOUND, ERR_TIMEOUT, ERR_LIMIT, ERR_GENERIC for a non-zero exit
 * with the command's stderr in the message, ERR_IO) and ERR_INVALID for
 * output that breaks the contract. Every message names the pool.
 */
int poolcmd_get(struct poolcmd_status *out, const struct poolcmd *cmd);

/* Parse `get` output (`len` bytes). ERR_INVALID with a message naming
 * `what` (e.g. "pool command 'get' for 'atl-pchat'"). */
int poolcmd_parse_status(struct poolcmd_status *out, const char *json, size_t len,
                         const char *what);

/* Run `set-state STATE`. Errors as poolcmd_get. */
int poolcmd_set_state(const struct poolcmd *cmd, enum poolcmd_state state);

/* Run `set-active-servers FQDN...` (n == 0 clears the list: the fence).
 * Each FQDN is checked first (ERR_INVALID): a name that could be read as
 * an option or is not a host name never reaches the command. */
int poolcmd_set_active_servers(const struct poolcmd *cmd, const char *const *servers, size_t n);

/* 0 when `name` is a host name: 1-253 chars of [A-Za-z0-9.-], labels of
 * 1-63 chars that neither start nor end with '-'. ERR_INVALID otherwise. */
int poolcmd_check_fqdn(const char *name);

void poolcmd_status_release(struct poolcmd_status *st);

#endif
