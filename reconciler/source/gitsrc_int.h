/*
 * gitsrc_int: what the gitsrc files share and nobody else
 * sees: the source struct, the libgit2 error conversion, the ssh host
 * key check. Unit tests include it too.
 */
#ifndef PCDR_SOURCE_GITSRC_INT_H
#define PCDR_SOURCE_GITSRC_INT_H

#include <git2.h>
#include <stddef.h>

struct gitsrc {
	git_repository *repo;
	char *location;   /* as given, password removed */
	char *cache_path; /* NULL for a local repository */
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

/* The port of scheme://[user@]host:port/..., 0 when none is given. */
int gitsrc_url_port(const char *url);

#endif
