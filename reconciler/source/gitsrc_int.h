/*
 * gitsrc_int: what the gitsrc files share: the source struct, the
 * libgit2 error conversion, the ssh host key check, and the remote
 * callbacks. Besides gitsrc, only reconciler/audit (which writes its
 * branch into the same repository and pushes it with the same
 * credentials and host key checks) and unit tests include it.
 */
#ifndef PCDR_SOURCE_GITSRC_INT_H
#define PCDR_SOURCE_GITSRC_INT_H

#include <git2.h>
#include <stddef.h>

struct gitsrc {
	git_repository *repo;
	char *location;    /* as given, password removed */
	char *cache_path;  /* NULL for a local repository */
	char *known_hosts; /* gitsrc_options.known_hosts, or NULL */
};

/* git_libgit2_init, once per process (shut down at exit). */
int gitsrc_global_init(void);

/*
 * err_set(code, "<fmt>: <libgit2's last message>"), every occurrence of
 * `secret` (may be NULL) replaced by "***". Returns code.
 */
int gitsrc_git_err(int code, const char *secret, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * 0 when the ssh host key `key` (raw, as sent by the server) is listed
 * for host (port 0 or 22: the default) in `known_hosts` (NULL:
 * ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts). ERR_NOTFOUND when the
 * host is not listed, ERR_CONFLICT when it is listed with other keys or
 * this key is @revoked; other codes when ssh-keygen cannot run.
 */
int gitsrc_hostkey_check(const char *host, int port, const unsigned char *key, size_t len,
                         const char *known_hosts);

struct gitsrc_fetch_ctx {
	int attempts;            /* credentials asked for */
	int port;                /* of the URL, 0 for the default */
	const char *known_hosts; /* NULL: the user's and the system's */
	int hostkey_error;       /* why the host key was refused, or 0 */
};

/*
 * Fill the credentials and certificate callbacks of `cb` (and its
 * payload, `ctx`, which must outlive the fetch or push) the way gitsrc
 * fetches `url`: the ssh agent once, no prompt, an ssh host key checked
 * against `known_hosts` (NULL: the user's and the system's). After a
 * failure, ctx->hostkey_error says whether the host key was refused.
 */
void gitsrc_remote_callbacks(git_remote_callbacks *cb, struct gitsrc_fetch_ctx *ctx,
                             const char *url, const char *known_hosts);

/* A remote for `url` that lives in memory only (no config written, no
 * url.insteadOf, no default fetchspec). Returns libgit2's code. */
int gitsrc_remote(git_remote **out, git_repository *repo, const char *url);

/* The password of scheme://user:password@host/..., or NULL (caller
 * frees, after zeroing it). */
char *gitsrc_password(const char *url);

/* The port of scheme://[user@]host:port/..., 0 when none is given. */
int gitsrc_url_port(const char *url);

/* What a cache's fetch mirrors (gitsrc_mirror.c): every remote branch
 * but `own` (the audit branch, NULL: "pcdr/audit"), and the tags. */
struct gitsrc_mirror {
	git_strarray specs;
	const char *own;
};

/* After git_remote_connect: the refspecs for the remote's branches. */
int gitsrc_mirror_specs(struct gitsrc_mirror *m, git_remote *remote, const char *own);
/* After the fetch: delete local branches and origin/ branches the remote
 * no longer has (never the own branch). */
int gitsrc_mirror_prune(const struct gitsrc_mirror *m, git_repository *repo, git_remote *remote);
void gitsrc_mirror_free(struct gitsrc_mirror *m);

#endif
