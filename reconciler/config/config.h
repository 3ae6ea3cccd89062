/*
 * config: the host configuration (DESIGN.md "Host configuration"), the
 * part of pcdr's setup that is not in git: where the spec repository is,
 * how to reach and log in to each SQL instance, which command drives each
 * pool, the audit branch, the lock and the watch interval. Every key is
 * documented in docs/config.md.
 *
 * Loading is strict, after h2o's configurator: unknown keys, wrong types
 * and bad values are reported with file:line:col and loading goes on, so
 * one run lists every problem. Credentials are resolved while loading
 * (environment variables named in the file, or a credential file that
 * must be a regular file owned by the user and not readable by anyone
 * else) into config_credentials structs, which are zeroed when the config
 * is freed and never reach a message. The config is read once and then
 * only read; it is safe to share between threads.
 */
#ifndef PCDR_RECONCILER_CONFIG_CONFIG_H
#define PCDR_RECONCILER_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

#define CONFIG_DEFAULT_PATH "/etc/pcdr/config.yaml"
#define CONFIG_MAX_BYTES    (256 * 1024)
#define CONFIG_SECRET_MAX   256 /* bytes, user name or password */

enum config_tls {
	CONFIG_TLS_REQUIRE = 0, /* encrypt or refuse the connection */
	CONFIG_TLS_REQUEST,     /* encrypt when the server can */
	CONFIG_TLS_OFF,         /* never (lab on loopback only) */
};

/* The secret. Zeroed (explicit_bzero) when the config is freed. */
struct config_credentials {
	char user[CONFIG_SECRET_MAX + 1];
	char password[CONFIG_SECRET_MAX + 1];
	char origin[300]; /* "file '/etc/pcdr/sql.cred'" or "environment": safe to print */
};

struct config_instance {
	const char *name;    /* as the spec names it: host[\INSTANCE][,port] */
	const char *address; /* "host:port", or NULL when `server` is used */
	const char *server;  /* a freetds.conf server name, or NULL */
	enum config_tls tls;
	unsigned login_timeout_s;
	unsigned query_timeout_s;
	const struct config_credentials *credentials; /* owned by the config */
	bool listed;           /* false: defaults for an instance not in the file */
	char address_buf[272]; /* storage for a derived address */
};

struct config_pool {
	const char *name;           /* metadata.name of the pool spec */
	const char *const *command; /* argv, NULL-terminated, at least one word */
	unsigned timeout_s;
};

struct config {
	const char *path;
	struct {
		const char *repository;      /* local path or URL */
		const char *ref;             /* default "main" */
		const char *folder;          /* default "pools" */
		const char *allowed_signers; /* NULL: signatures not checked */
	} source;
	struct {
		const char *branch; /* default "pcdr/audit" */
		bool push;          /* default true */
	} audit;
	struct {
		unsigned ttl_s;  /* lease length, default 600 */
		unsigned wait_s; /* wait for a held lock, default 0 */
	} lock;
	unsigned watch_interval_s;         /* default 60 */
	unsigned max_connections;          /* parallel SQL connections, default 8 */
	struct config_instance defaults;   /* `sql:` and `credentials:` */
	struct config_instance *instances; /* in file order */
	size_t n_instances;
	struct config_pool *pools; /* in file order */
	size_t n_pools;
	struct config_credentials **secrets; /* every credential set, zeroed on free */
	size_t n_secrets;
	struct arena arena;
};

/* Problems found while loading, each "file:line:col: message". */
struct config_problems {
	char **items;
	size_t len;
	size_t cap;
};

#define CONFIG_PROBLEMS_INIT                                                                       \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Which file to read: `flag` (--config) if given, else $PCDR_CONFIG if
 * set and not empty, else CONFIG_DEFAULT_PATH. Borrowed. */
const char *config_path(const char *flag);

/*
 * Load and check `path`. Returns 0 with *out set (free with config_free),
 * or ERR_INVALID with every problem appended to `problems` (may be NULL)
 * and err_last() holding the first one and a count, or ERR_IO /
 * ERR_NOTFOUND when the file cannot be read. No message ever holds a
 * credential value.
 */
int config_load(struct config **out, const char *path, struct config_problems *problems);

/* Parse `len` bytes of text named `path` (for messages and for resolving
 * relative credential files). Same contract as config_load. */
int config_parse(struct config **out, const char *path, const char *text, size_t len,
                 struct config_problems *problems);

/* Zeroes every credential set, then frees. NULL is fine. */
void config_free(struct config *cfg);

/* The settings for `name`: its own entry, or the defaults (address = the
 * name, with ",port" spelled ":port"; listed = false) written to
 * `scratch`. Never NULL. */
const struct config_instance *config_instance(const struct config *cfg, const char *name,
                                              struct config_instance *scratch);

/* The pool command for `name`, or NULL (with ERR_NOTFOUND set). */
const struct config_pool *config_pool(const struct config *cfg, const char *name);

const char *config_tls_name(enum config_tls tls);

void config_problems_release(struct config_problems *problems);

#endif
