/*
 * audit_remote: fetching and pushing the audit branch and the notes ref.
 * A local repository talks to its remote `origin`; a cached clone to the
 * URL it mirrors, through a remote that lives in memory only (so a
 * password in the URL is never written to the cache's config). Both use
 * gitsrc's credentials and ssh host key callbacks.
 *
 * A push is never forced: the refspec has no '+'. libgit2 refuses a
 * non-fast-forward before sending (GIT_ENONFASTFORWARD) and the server
 * may refuse one it sees (a status for the ref); both are reported to the
 * caller as a rejection, which it answers with a fetch and a rebuild.
 */
#include "reconciler/audit/audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/source/gitsrc_int.h"
#include "util/err.h"
#include "util/xalloc.h"

struct audit_remote_ctx {
	struct gitsrc_fetch_ctx git; /* first: gitsrc's callbacks read it as their payload */
	int rejected;
	char status[200];
};

/* The push (or fetch) URL of origin: remote.origin.pushurl, else .url. */
int audit_origin_url(char **out, git_repository *repo, int push)
{
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = git_repository_config_snapshot(&cfg, repo)) < 0)
		return rc;
	if (!push || (rc = git_config_get_string_buf(
	                      &url, cfg, "remote." AUDIT_DEFAULT_REMOTE ".pushurl")) < 0)
		rc = git_config_get_string_buf(&url, cfg, "remote." AUDIT_DEFAULT_REMOTE ".url");
	if (rc == 0)
		*out = xstrdup(url.ptr);
	git_buf_dispose(&url);
	git_config_free(cfg);
	return rc;
}

/* A remote in memory for the cache's URL or origin's. (Not
 * git_remote_lookup: libgit2 1.5 leaks in it, and url.insteadOf is not
 * applied either way, as in gitsrc.) */
static int audit_remote_open(git_remote **out, struct audit *audit, int push)
{
	char *origin = NULL;
	int rc;

	if (audit->url)
		rc = gitsrc_remote(out, audit->repo, audit->url);
	else if ((rc = audit_origin_url(&origin, audit->repo, push)) == 0)
		rc = gitsrc_remote(out, audit->repo, origin);
	free(origin);
	if (rc < 0)
		return audit_git_err(audit, ERR_IO, "cannot set up the remote of the audit branch");
	return 0;
}

static void audit_remote_callbacks(git_remote_callbacks *cb, struct audit_remote_ctx *ctx,
                                   struct audit *audit, git_remote *remote)
{
	const char *url = git_remote_url(remote);

	memset(ctx, 0, sizeof(*ctx));
	gitsrc_remote_callbacks(cb, &ctx->git, url ? url : "", audit->src->known_hosts);
}

int audit_fetch(struct audit *audit, const char *src, const char *dst)
{
	struct audit_remote_ctx ctx;
	struct strbuf spec = STRBUF_INIT;
	git_fetch_options fo;
	git_remote *remote = NULL;
	char *specs[1];
	git_strarray arr = {specs, 1};
	int error;

	if ((error = audit_remote_open(&remote, audit, 0)) < 0)
		goto done;
	strbuf_printf(&spec, "+%s:%s", src, dst);
	specs[0] = spec.ptr;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	audit_remote_callbacks(&fo.callbacks, &ctx, audit, remote);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.prune = GIT_FETCH_NO_PRUNE;
	if (git_remote_fetch(remote, &arr, &fo, "pcdr: fetch audit") < 0)
		error = audit_git_err(audit, ERR_UNREACHABLE, "cannot fetch '%s' from the remote",
		                      src);
done:
	git_remote_free(remote);
	strbuf_release(&spec);
	return error;
}

static int audit_push_status(const char *refname, const char *status, void *data)
{
	struct audit_remote_ctx *ctx = data;

	(void)refname;
	if (status) {
		ctx->rejected = 1;
		snprintf(ctx->status, sizeof(ctx->status), "%s", status);
	}
	return 0;
}

int audit_push(struct audit *audit, const char *ref, int *rejected)
{
	struct audit_remote_ctx ctx;
	struct strbuf spec = STRBUF_INIT;
	git_push_options po;
	git_remote *remote = NULL;
	char *specs[1];
	git_strarray arr = {specs, 1};
	int error, rc;

	*rejected = 0;
	if ((error = audit_remote_open(&remote, audit, 1)) < 0)
		goto done;
	strbuf_printf(&spec, "%s:%s", ref, ref); /* no '+': never forced */
	specs[0] = spec.ptr;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	audit_remote_callbacks(&po.callbacks, &ctx, audit, remote);
	po.callbacks.push_update_reference = audit_push_status;
	rc = git_remote_push(remote, &arr, &po);
	if (rc == GIT_ENONFASTFORWARD || (rc == 0 && ctx.rejected)) {
		*rejected = 1;
		git_error_clear();
	} else if (rc < 0) {
		error = audit_git_err(
		        audit, ctx.git.hostkey_error ? ctx.git.hostkey_error : ERR_UNREACHABLE,
		        "cannot push '%s'", ref);
	}
done:
	git_remote_free(remote);
	strbuf_release(&spec);
	return error;
}
