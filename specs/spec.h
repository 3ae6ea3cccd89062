/*
 * spec: the pcdr/v1 PersistentChatPool spec (DESIGN.md "The spec (v1)").
 * YAML (libyaml) -> a node tree that keeps file:line:col for every node ->
 * this typed model. Validation collects every problem in a file instead of
 * stopping at the first, each as a diagnostic with a position and a hint.
 *
 * The model is plain data in an arena owned by the spec_set; every string
 * is NUL-terminated and already validated (names match their grammar,
 * database names are SQL Server identifiers), so later layers never see
 * unchecked text. This module does no I/O except spec_set_load_file.
 */
#ifndef PCDR_SPECS_SPEC_H
#define PCDR_SPECS_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/strbuf.h"

#define SPEC_MAX_BYTES     (1024 * 1024) /* one spec file */
#define SPEC_MAX_NODES     100000        /* YAML nodes in one file */
#define SPEC_MAX_DEPTH     64
#define SPEC_MAX_DIAGS     100 /* diagnostics kept per file */
#define SPEC_MAX_SITES     16  /* sites in one pool */
#define SPEC_MAX_DATABASES 32  /* databases in one pool */
#define SPEC_MAX_LIST      64  /* servers of a site, active servers, near sites */

struct spec_pos {
	const char *file;
	int line; /* 1-based */
	int col;  /* 1-based */
};

struct spec_site {
	const char *name;      /* [a-z0-9-]+ */
	const char *principal; /* instance name */
	const char *mirror;    /* NULL when the site has no mirror */
	const char **servers;  /* Persistent Chat server FQDNs */
	size_t n_servers;
	const char **near_sites; /* sites whose servers may be active too */
	size_t n_near_sites;
	struct spec_pos pos;
};

struct spec_database {
	const char *name;  /* SQL Server identifier */
	bool log_shipping; /* true: follows the primary (mgc) */
	struct spec_pos pos;
};

struct spec_log_shipping {
	bool enabled;              /* false for `logShipping: none` */
	const char *from;          /* site; == primary */
	const char *to;            /* site */
	const char *backup_share;  /* UNC path */
	const char *copy_to;       /* local folder on the secondary */
	unsigned interval_seconds; /* from `interval: 5m` */
	struct spec_pos pos;
};

struct spec_policy {
	bool allow_data_loss; /* default false */
	bool service_first;   /* default true */
};

enum spec_pool_state {
	SPEC_POOL_NORMAL = 0,  /* primary == home */
	SPEC_POOL_FAILED_OVER, /* primary != home */
};

struct spec_pool {
	const char *file;        /* the file it was read from */
	const char *name;        /* metadata.name, [a-z0-9-]+ */
	const char *identity;    /* spec.pool: given to the pool cmdlets */
	const char *home;        /* site */
	const char *primary;     /* site */
	struct spec_site *sites; /* in file order */
	size_t n_sites;
	struct spec_database *databases; /* in file order */
	size_t n_databases;
	struct spec_log_shipping log_shipping;
	const char **active_servers;
	size_t n_active_servers;
	struct spec_policy policy;
	enum spec_pool_state state; /* derived, never written in the spec */
	struct spec_pos pos;
	struct spec_pos name_pos;     /* of metadata.name */
	struct spec_pos identity_pos; /* of spec.pool */
};

struct spec_diag {
	struct spec_pos pos;
	const char *message; /* "unknown key 'primry'" */
	const char *hint;    /* "did you mean 'primary'?"; may be NULL */
};

struct spec_set {
	struct arena arena;       /* owns every pool, string and diagnostic */
	struct spec_pool **pools; /* valid pools only, in load order */
	size_t n_pools;
	struct spec_diag *diags; /* every problem found, in load order */
	size_t n_diags;
	size_t cap_pools, cap_diags;
	size_t load_first_diag; /* first diagnostic of the file being loaded */
	size_t load_dropped;    /* diagnostics past SPEC_MAX_DIAGS in that file */
};

/* A new, empty set; free with spec_set_release. */
void spec_set_init(struct spec_set *set);
void spec_set_release(struct spec_set *set);

/*
 * Parse and validate one file's contents. A valid pool is added to
 * set->pools; each problem is added to set->diags. Returns 0 when the file
 * was valid, ERR_INVALID when it added diagnostics. `filename` is what the
 * diagnostics name (copied).
 */
int spec_set_load_buffer(struct spec_set *set, const char *filename, const char *data, size_t len);

/* Read a file (capped at SPEC_MAX_BYTES) and load it. ERR_IO when it
 * cannot be read (err_last() says why), otherwise as load_buffer. */
int spec_set_load_file(struct spec_set *set, const char *path);

/*
 * Checks across every file loaded so far (two pools with one name).
 * Call once after the last load. 0 or ERR_INVALID (diagnostics added).
 */
int spec_set_check(struct spec_set *set);

/* The pool called `name`, or NULL (borrowed). */
const struct spec_pool *spec_set_find(const struct spec_set *set, const char *name);

/* The site called `name` in a pool, or NULL (borrowed). */
const struct spec_site *spec_pool_site(const struct spec_pool *pool, const char *name);

/* "Normal" or "FailedOver". */
const char *spec_pool_state_name(enum spec_pool_state state);

/*
 * Append "FILE:LINE:COL: message" and, when there is a hint, a second
 * line "  hint: ..." to `out`, without a final newline.
 */
void spec_diag_format(const struct spec_diag *diag, struct strbuf *out);

#endif
