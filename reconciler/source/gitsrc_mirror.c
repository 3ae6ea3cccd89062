/*
 * gitsrc_mirror: what a cache's fetch mirrors. Every branch of the remote
 * becomes a local branch and origin/<branch>, and a local branch the
 * remote no longer has is pruned, except one: the branch pcdr writes its
 * own records on (the audit branch). The audit code fetches that one
 * itself and rebuilds unpushed commits on top of the remote's
 * (reconciler/audit/audit_git.c); mirroring it would move an unpushed
 * audit commit back to the remote's older one, or prune a branch never
 * pushed. libgit2 1.5 refuses negative refspecs ("^refs/heads/x"), so the
 * refspecs name each remote branch but that one.
 */
#include "reconciler/source/gitsrc_int.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define HEADS  "refs/heads/"
#define ORIGIN "refs/remotes/origin/"
#define TAGS   "+refs/tags/*:refs/tags/*"

void gitsrc_mirror_free(struct gitsrc_mirror *m)
{
	for (size_t i = 0; i < m->specs.count; i++)
		free(m->specs.strings[i]);
	free(m->specs.strings);
	memset(m, 0, sizeof(*m));
}

static int is_own(const char *name, const char *own)
{
	return !strncmp(name, HEADS, strlen(HEADS)) && !strcmp(name + strlen(HEADS), own);
}

int gitsrc_mirror_specs(struct gitsrc_mirror *m, git_remote *remote, const char *own)
{
	const git_remote_head **heads;
	size_t n, k = 0;

	memset(m, 0, sizeof(*m));
	m->own = own ? own : "pcdr/audit";
	if (git_remote_ls(&heads, &n, remote) < 0)
		return -1;
	m->specs.strings = xcalloc(2 * n + 1, sizeof(char *));
	m->specs.strings[k++] = xstrdup(TAGS);
	for (size_t i = 0; i < n; i++) {
		const char *name = heads[i]->name;
		const char *b = name + strlen(HEADS);
		size_t len = strlen(name) + strlen(ORIGIN) + strlen(b) + 4;

		if (strncmp(name, HEADS, strlen(HEADS)) || is_own(name, m->own))
			continue;
		m->specs.strings[k] = xmalloc(len);
		snprintf(m->specs.strings[k++], len, "+%s:%s", name, name);
		m->specs.strings[k] = xmalloc(len);
		snprintf(m->specs.strings[k++], len, "+%s:%s%s", name, ORIGIN, b);
	}
	m->specs.count = k;
	return 0;
}

/* Does the remote (its ls) have refs/heads/<b>? */
static int remote_has(git_remote *remote, const char *b)
{
	const git_remote_head **heads;
	size_t n;

	if (git_remote_ls(&heads, &n, remote) < 0)
		return 1; /* unknown: keep */
	for (size_t i = 0; i < n; i++)
		if (!strncmp(heads[i]->name, HEADS, strlen(HEADS)) &&
		    !strcmp(heads[i]->name + strlen(HEADS), b))
			return 1;
	return 0;
}

int gitsrc_mirror_prune(const struct gitsrc_mirror *m, git_repository *repo, git_remote *remote)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int error = 0;

	if (git_reference_iterator_new(&it, repo) < 0)
		return -1;
	while (!error && git_reference_next(&ref, it) == 0) {
		const char *name = git_reference_name(ref);
		const char *b = NULL;

		if (!strncmp(name, HEADS, strlen(HEADS)) && !is_own(name, m->own))
			b = name + strlen(HEADS);
		else if (!strncmp(name, ORIGIN, strlen(ORIGIN)) &&
		         strcmp(name + strlen(ORIGIN), "HEAD"))
			b = name + strlen(ORIGIN);
		if (b && !remote_has(remote, b) && git_reference_delete(ref) < 0)
			error = -1;
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return error;
}
