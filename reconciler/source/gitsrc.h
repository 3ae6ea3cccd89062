/*
 * gitsrc: pool specs from git. Opens a local repository (bare or not) or
 * keeps a clone of a remote one (file://, ssh://, https://) in a cache
 * folder, fetching it on every open; resolves a ref the way git does
 * (branch, origin/branch, tag, full or abbreviated commit id, HEAD~1);
 * and reads every DIR/ *.yaml from that commit's tree, sorted by name,
 * with the commit's id, author, date and subject.
 *
 * It reads objects only: never the work tree, the index or uncommitted
 * edits, and it never checks anything out. It does not parse YAML (that
 * is specs/), push, or write anything but the cache. A password in a URL
 * is removed from every message and never written to the cache's config.
 * libgit2 is initialized once per process and shut down at exit.
 *
 * libgit2 1.5 does not check ssh host keys itself: gitsrc does, against
 * known_hosts, and refuses an unknown host or a changed key.
 */
#ifndef PCDR_SOURCE_GITSRC_H
#define PCDR_SOURCE_GITSRC_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define GITSRC_DEFAULT_DIR "pools"
#define GITSRC_DEFAULT_REF "HEAD"

struct gitsrc;

struct gitsrc_options {
	/* Where remote repositories are cloned. NULL: $XDG_CACHE_HOME/pcdr,
	 * or ~/.cache/pcdr. Created (mode 0700) when missing. */
	const char *cache_dir;
	/* ssh host keys are checked against this file. NULL:
	 * ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
	const char *known_hosts;
	/* The branch pcdr writes its records on in this repository (the
	 * audit branch): a cache's fetch neither moves nor prunes it. NULL:
	 * "pcdr/audit", the default audit branch. */
	const char *own_branch;
};

/* clang-format off */
#define GITSRC_OPTIONS_INIT { NULL, NULL, NULL }
/* clang-format on */

/* Author, email and subject are printable: control characters become '?'. */
struct gitsrc_commit {
	char id[41];         /* full hex id */
	char short_id[41];   /* unique abbreviation, 7 characters or more */
	const char *author;  /* author name */
	const char *email;   /* author email */
	int64_t time;        /* author time, seconds since the epoch */
	int offset;          /* author's UTC offset in minutes */
	char date[32];       /* author time in its offset: "2026-11-28 14:02:11 +0100" */
	const char *subject; /* first paragraph of the message, one line */
};

struct gitsrc_file {
	const char *path; /* "pools/atl-pchat.yaml", relative to the repository root */
	const char *data; /* contents, NUL-terminated (data[len] == 0) */
	size_t len;
};

struct gitsrc_specs {
	struct arena arena; /* owns every string and file below */
	struct gitsrc_commit commit;
	const char *dir;           /* the folder read, "pools" */
	struct gitsrc_file *files; /* DIR/ *.yaml, sorted by name */
	size_t n_files;
};

/*
 * Open `location`: a local path (a work tree or a bare repository; no
 * search in parent folders), or a URL (scheme://... or user@host:path),
 * which is cloned into the cache on first use and fetched afterwards.
 * `opts` may be NULL. Free with gitsrc_free.
 * Errors: ERR_NOTFOUND (no repository there), ERR_IO (cache folder,
 * clone or fetch failed), ERR_INVALID (an empty location).
 */
int gitsrc_open(struct gitsrc **out, const char *location, const struct gitsrc_options *opts);

/* Close a source; NULL is fine. */
void gitsrc_free(struct gitsrc *src);

/* The location as given, password removed (borrowed). */
const char *gitsrc_location(const struct gitsrc *src);

/* The cache folder of a remote source, NULL for a local one (borrowed). */
const char *gitsrc_cache_path(const struct gitsrc *src);

/*
 * Read every `dir`/ *.yaml (dir NULL: "pools"; "" or ".": the root) at
 * the commit `ref` resolves to (NULL: HEAD). Free with gitsrc_specs_free.
 * Errors: ERR_NOTFOUND (ref not found, or no such folder at that
 * commit), ERR_INVALID (ref ambiguous or not a commit, a bad `dir`, an
 * entry *.yaml that is not a regular file or whose name has control
 * characters), ERR_LIMIT (a file over
 * SPEC_MAX_BYTES).
 */
int gitsrc_read(struct gitsrc_specs **out, struct gitsrc *src, const char *ref, const char *dir);

/* Free what gitsrc_read returned; NULL is fine. */
void gitsrc_specs_free(struct gitsrc_specs *specs);

/* 1 when `location` is a URL gitsrc clones, 0 when it is a local path. */
int gitsrc_is_url(const char *location);

/* `url` with the password of user:password@ removed (caller frees). */
char *gitsrc_redact(const char *url);

/*
 * The cache folder name for `url`: a sanitized repository name, a dash
 * and 16 hex digits of a hash of the password-free URL, ".git"
 * ("specs-1a2b3c4d5e6f7081.git"). Caller frees.
 */
char *gitsrc_cache_name(const char *url);

/* The default cache folder, as for gitsrc_options.cache_dir = NULL.
 * ERR_NOTFOUND when neither XDG_CACHE_HOME nor HOME is set. */
int gitsrc_default_cache_dir(char **out);

#endif
