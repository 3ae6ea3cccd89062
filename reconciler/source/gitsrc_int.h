/*
 * gitsrc_int: what gitsrc.c and gitsrc_read.c share and nobody else
 * sees: the source struct and the libgit2 error conversion.
 */
#ifndef PCDR_SOURCE_GITSRC_INT_H
#define PCDR_SOURCE_GITSRC_INT_H

#include <git2.h>

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

#endif
