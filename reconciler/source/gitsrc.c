/*
 * gitsrc: opening spec repositories. A local path is opened as it is;
 * a URL gets a bare repository of its own in the cache, named from the
 * URL, into which every fetch mirrors the remote's branches (as local
 * branches and as origin/...) and tags, pruned (gitsrc_mirror.c: all but
 * the audit branch, which is pcdr's own), so a branch name always
 * means the remote's branch as of this fetch and HEAD follows the
 * remote's default branch. Reading the tree is in gitsrc_read.c.
 *
 * An ssh server's host key must be in known_hosts (gitsrc_hostkey.c);
 * TLS certificates are libgit2's to check.
 *
 * It never checks out, never pushes, and never stores a password: the
 * cache's config records the password-free URL (pcdr.url) and the remote
 * used to fetch exists in memory only.
 */
#include "reconciler/source/gitsrc.h"
#include "reconciler/source/gitsrc_int.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define GITSRC_URL_KEY "pcdr.url" /* the password-free URL a cache folder mirrors */

static pthread_once_t gitsrc_once = PTHREAD_ONCE_INIT;
static int gitsrc_init_rc;

static void gitsrc_shutdown(void)
{
	git_libgit2_shutdown();
}

static void gitsrc_init(void)
{
	gitsrc_init_rc = git_libgit2_init();
	if (gitsrc_init_rc >= 0)
		atexit(gitsrc_shutdown);
}

int gitsrc_global_init(void)
{
	pthread_once(&gitsrc_once, gitsrc_init);
	if (gitsrc_init_rc < 0)
		return err_set(ERR_GENERIC, "cannot initialize libgit2");
	return 0;
}

/* Replace every occurrence of `secret` in `sb` with "***". */
static void gitsrc_scrub(struct strbuf *sb, const char *secret)
{
	struct strbuf out = STRBUF_INIT;
	const char *p, *hit;
	size_t n;

	if (!secret || !*secret || !sb->ptr || !strstr(sb->ptr, secret))
		return;
	n = strlen(secret);
	for (p = sb->ptr; (hit = strstr(p, secret)); p = hit + n) {
		strbuf_add(&out, p, (size_t)(hit - p));
		strbuf_puts(&out, "***");
	}
	strbuf_puts(&out, p);
	strbuf_release(sb);
	*sb = out;
}

int gitsrc_git_err(int code, const char *secret, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (e && e->message && *e->message) {
		size_t len;

		strbuf_printf(&sb, ": %s", e->message);
		/* libgit2 messages often end with a period or newline */
		len = sb.len;
		while (len && (sb.ptr[len - 1] == '\n' || sb.ptr[len - 1] == '.'))
			len--;
		strbuf_truncate(&sb, len);
	}
	gitsrc_scrub(&sb, secret);
	err_set(code, "%s", strbuf_cstr(&sb));
	strbuf_release(&sb);
	return code;
}

int gitsrc_is_url(const char *location)
{
	const char *colon, *slash;

	if (!location)
		return 0;
	if (strstr(location, "://"))
		return 1;
	/* scp-like user@host:path, as git reads it: a colon before any slash */
	colon = strchr(location, ':');
	slash = strchr(location, '/');
	return colon && colon - location > 1 && (!slash || colon < slash);
}

/*
 * The authority of scheme://[user[:password]@]host[:port]/...: *host is
 * where the host starts, *at the '@' (NULL without user info), *colon the
 * ':' before a password (NULL without one), *end the end of the
 * authority. 0 when `url` has no "://".
 */
static int gitsrc_authority(const char *url, const char **host, const char **at, const char **colon,
                            const char **end)
{
	const char *auth = strstr(url, "://");

	if (!auth)
		return 0;
	auth += 3;
	*end = auth + strcspn(auth, "/?#");
	*at = NULL;
	for (const char *p = auth; p < *end; p++)
		if (*p == '@')
			*at = p;
	*host = *at ? *at + 1 : auth;
	*colon = *at ? memchr(auth, ':', (size_t)(*at - auth)) : NULL;
	return 1;
}

char *gitsrc_password(const char *url)
{
	const char *host, *at, *colon, *end;

	if (!gitsrc_authority(url, &host, &at, &colon, &end) || !colon)
		return NULL;
	return xstrndup(colon + 1, (size_t)(at - colon - 1));
}

int gitsrc_url_port(const char *url)
{
	const char *host, *at, *colon, *end, *port_colon;
	long port = 0;

	if (!gitsrc_authority(url, &host, &at, &colon, &end))
		return 0; /* user@host:path has no port */
	if (*host == '[') /* [::1]:2222 */
		host = memchr(host, ']', (size_t)(end - host));
	port_colon = host ? memchr(host, ':', (size_t)(end - host)) : NULL;
	for (const char *p = port_colon ? port_colon + 1 : end; p < end; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return 0;
		port = port * 10 + (*p - '0');
	}
	return port <= 65535 ? (int)port : 0;
}

char *gitsrc_redact(const char *url)
{
	const char *host, *at, *colon, *end;
	struct strbuf sb = STRBUF_INIT;

	if (!gitsrc_authority(url, &host, &at, &colon, &end) || !colon)
		return xstrdup(url);
	strbuf_add(&sb, url, (size_t)(colon - url));
	strbuf_puts(&sb, at);
	return strbuf_detach(&sb, NULL);
}

/* The last path component of a URL without ".git", as [A-Za-z0-9._-]. */
static void gitsrc_put_name(struct strbuf *sb, const char *url)
{
	size_t len = strlen(url), start, n = 0;

	while (len && url[len - 1] == '/')
		len--;
	if (len >= 4 && !memcmp(url + len - 4, ".git", 4))
		len -= 4;
	start = len;
	while (start && url[start - 1] != '/' && url[start - 1] != ':')
		start--;
	while (start < len && (url[start] == '.' || url[start] == '-'))
		start++;
	for (size_t i = start; i < len && n < 40; i++, n++) {
		char c = url[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';

		strbuf_putc(sb, keep ? c : '-');
	}
	if (!n)
		strbuf_puts(sb, "repo");
}

char *gitsrc_cache_name(const char *url)
{
	char *clean = gitsrc_redact(url);
	struct strbuf sb = STRBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t len = strlen(clean);
	git_oid oid;

	gitsrc_global_init();
	gitsrc_put_name(&sb, clean);
	while (len > 1 && clean[len - 1] == '/')
		len--; /* ".../specs.git/" is ".../specs.git" */
	if (git_odb_hash(&oid, clean, len, GIT_OBJECT_BLOB) < 0)
		memset(&oid, 0, sizeof(oid));
	git_oid_tostr(hex, sizeof(hex), &oid);
	strbuf_printf(&sb, "-%.16s.git", hex);
	free(clean);
	return strbuf_detach(&sb, NULL);
}

int gitsrc_default_cache_dir(char **out)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	struct strbuf sb = STRBUF_INIT;

	*out = NULL;
	/* the XDG spec says a relative XDG_CACHE_HOME is to be ignored */
	if (xdg && xdg[0] == '/')
		strbuf_printf(&sb, "%s/pcdr", xdg);
	else if (home && *home)
		strbuf_printf(&sb, "%s/.cache/pcdr", home);
	else
		return err_set(ERR_NOTFOUND,
		               "no cache folder: set XDG_CACHE_HOME or HOME, or give --cache");
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

/* mkdir -p, new folders private to the user. */
static int gitsrc_mkdirs(const char *path)
{
	char *copy = xstrdup(path);
	int error = 0;

	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			error = err_set_errno(ERR_IO, "cannot create cache folder '%s'", copy);
			goto done;
		}
		*p = saved;
		if (!saved)
			break;
	}
done:
	free(copy);
	return error;
}

static int gitsrc_open_local(struct gitsrc *src, const char *path)
{
	struct stat st;
	int rc;

	if (stat(path, &st) < 0)
		return err_set(ERR_NOTFOUND, "repository '%s' not found: no such folder", path);
	if (!S_ISDIR(st.st_mode))
		return err_set(ERR_NOTFOUND, "repository '%s' not found: not a folder", path);
	rc = git_repository_open_ext(&src->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND)
		return err_set(ERR_NOTFOUND, "repository '%s' not found: not a git repository",
		               path);
	if (rc < 0)
		return gitsrc_git_err(ERR_IO, NULL, "cannot open repository '%s'", path);
	return 0;
}

/* Create the cache repository; it records which URL it mirrors. */
static int gitsrc_cache_create(git_repository **out, const char *path, const char *shown)
{
	git_config *cfg = NULL;
	int error = 0;

	if (git_repository_init(out, path, 1) < 0) {
		error = gitsrc_git_err(ERR_IO, NULL, "cannot create cache repository '%s'", path);
		goto done;
	}
	if (git_repository_config(&cfg, *out) < 0 ||
	    git_config_set_string(cfg, GITSRC_URL_KEY, shown) < 0)
		error = gitsrc_git_err(ERR_IO, NULL, "cannot configure cache repository '%s'",
		                       path);
done:
	git_config_free(cfg);
	return error;
}

/* Refuse a cache folder that mirrors another URL than `shown`. */
static int gitsrc_cache_check(git_repository *repo, const char *path, const char *shown)
{
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT;
	int error = 0;

	if (git_repository_config_snapshot(&cfg, repo) < 0 ||
	    git_config_get_string_buf(&url, cfg, GITSRC_URL_KEY) < 0) {
		error = gitsrc_git_err(ERR_CONFLICT, NULL,
		                       "cache folder '%s' was not made by pcdr (remove it)", path);
		goto done;
	}
	if (strcmp(url.ptr, shown))
		error = err_set(ERR_CONFLICT, "cache folder '%s' holds '%s', not '%s' (remove it)",
		                path, url.ptr, shown);
done:
	git_buf_dispose(&url);
	git_config_free(cfg);
	return error;
}

/* Hold `root`/NAME.lock while creating or fetching the cache folder, so
 * two pcdr processes (a watch loop and a validate) never fetch into one
 * repository at once. The lock goes with the descriptor. */
static int gitsrc_cache_lock(int *fd, const char *root, const char *shown)
{
	char *name = gitsrc_cache_name(shown);
	struct strbuf path = STRBUF_INIT;
	int error;

	if ((error = gitsrc_mkdirs(root)) < 0)
		goto done;
	strbuf_printf(&path, "%s/%s.lock", root, name);
	*fd = open(strbuf_cstr(&path), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		error = err_set_errno(ERR_IO, "cannot open '%s'", strbuf_cstr(&path));
		goto done;
	}
	while ((error = flock(*fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (error < 0)
		error = err_set_errno(ERR_IO, "cannot lock '%s'", strbuf_cstr(&path));
done:
	free(name);
	strbuf_release(&path);
	return error;
}

static int gitsrc_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Open (or create) the cache repository of `shown`, the redacted URL.
 * *created says whether it is new (and can go if the first fetch fails). */
static int gitsrc_cache_open(struct gitsrc *src, const char *root, const char *shown, int *created)
{
	char *name = gitsrc_cache_name(shown);
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int error;

	if ((error = gitsrc_mkdirs(root)) < 0)
		goto done;
	strbuf_printf(&path, "%s/%s", root, name);
	src->cache_path = xstrdup(strbuf_cstr(&path));
	if (stat(src->cache_path, &st) < 0) {
		*created = 1;
		error = gitsrc_cache_create(&src->repo, src->cache_path, shown);
		goto done;
	}
	if (git_repository_open_ext(&src->repo, src->cache_path,
	                            GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
	                            NULL) < 0) {
		error = gitsrc_git_err(ERR_IO, NULL,
		                       "cache folder '%s' is not a usable repository (remove it)",
		                       src->cache_path);
		goto done;
	}
	error = gitsrc_cache_check(src->repo, src->cache_path, shown);
done:
	free(name);
	strbuf_release(&path);
	return error;
}

/* ssh: the agent, once. https: libgit2 uses user:password@ from the URL
 * itself; anything else is refused rather than prompted for. */
static int gitsrc_credentials(git_credential **out, const char *url, const char *user,
                              unsigned int allowed, void *payload)
{
	struct gitsrc_fetch_ctx *ctx = payload;

	(void)url;
	if (ctx->attempts++ > 0)
		return GIT_PASSTHROUGH;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user ? user : "git");
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user ? user : "git");
	return GIT_PASSTHROUGH;
}

/* ssh: the server's key must be in known_hosts. TLS: libgit2's verdict. */
static int gitsrc_certificate_check(git_cert *cert, int valid, const char *host, void *payload)
{
	struct gitsrc_fetch_ctx *ctx = payload;
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;

	(void)valid;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return GIT_PASSTHROUGH;
	if (!(hk->type & GIT_CERT_SSH_RAW))
		ctx->hostkey_error = err_set(ERR_IO, "the ssh server '%s' sent no host key", host);
	else
		ctx->hostkey_error =
		        gitsrc_hostkey_check(host, ctx->port, (const unsigned char *)hk->hostkey,
		                             hk->hostkey_len, ctx->known_hosts);
	if (ctx->hostkey_error == 0)
		return 0;
	git_error_set_str(GIT_ERROR_SSH, err_last());
	return GIT_ECERTIFICATE;
}

/* Point HEAD at the remote's default branch, when it has one. */
static int gitsrc_follow_head(git_repository *repo, git_remote *remote, const char *shown)
{
	git_buf head = GIT_BUF_INIT;
	int rc = git_remote_default_branch(&head, remote);
	int error = 0;

	if (rc == GIT_ENOTFOUND)
		goto done; /* an empty remote: HEAD stays unborn */
	if (rc < 0 || git_repository_set_head(repo, head.ptr) < 0)
		error = gitsrc_git_err(ERR_IO, NULL, "cannot follow HEAD of '%s'", shown);
done:
	git_buf_dispose(&head);
	return error;
}

void gitsrc_remote_callbacks(git_remote_callbacks *cb, struct gitsrc_fetch_ctx *ctx,
                             const char *url, const char *known_hosts)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->port = gitsrc_url_port(url);
	ctx->known_hosts = known_hosts;
	cb->credentials = gitsrc_credentials;
	cb->certificate_check = gitsrc_certificate_check;
	cb->payload = ctx;
}

/* A remote for this fetch only: nothing about it is written to config, and
 * url.insteadOf is not applied (the URL given is the URL used). */
int gitsrc_remote(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options opts;

	git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	opts.repository = repo;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &opts);
}

static int gitsrc_fetch(struct gitsrc *src, const char *url, const char *secret,
                        const struct gitsrc_options *opts)
{
	struct gitsrc_mirror mirror = {{NULL, 0}, NULL};
	struct gitsrc_fetch_ctx ctx;
	git_fetch_options fo;
	git_remote *remote = NULL;
	int error = 0;

	/* the _INIT macros leave fields out, which -Wextra refuses */
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	gitsrc_remote_callbacks(&fo.callbacks, &ctx, url, opts ? opts->known_hosts : NULL);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE; /* the refspec fetches them */
	if (gitsrc_remote(&remote, src->repo, url) < 0 ||
	    git_remote_connect(remote, GIT_DIRECTION_FETCH, &fo.callbacks, NULL, NULL) < 0 ||
	    gitsrc_mirror_specs(&mirror, remote, opts ? opts->own_branch : NULL) < 0 ||
	    git_remote_download(remote, &mirror.specs, &fo) < 0 ||
	    git_remote_update_tips(remote, &fo.callbacks, 0, fo.download_tags, "pcdr: fetch") < 0 ||
	    git_remote_prune(remote, &fo.callbacks) < 0 ||
	    gitsrc_mirror_prune(&mirror, src->repo, remote) < 0) {
		error = gitsrc_git_err(ctx.hostkey_error ? ctx.hostkey_error : ERR_IO, secret,
		                       "cannot fetch '%s'", src->location);
		goto done;
	}
	error = gitsrc_follow_head(src->repo, remote, src->location);
done:
	gitsrc_mirror_free(&mirror);
	if (remote)
		git_remote_disconnect(remote);
	git_remote_free(remote);
	return error;
}

static int gitsrc_open_url(struct gitsrc *src, const char *url, const struct gitsrc_options *opts)
{
	const char *cache_dir = opts ? opts->cache_dir : NULL;
	char *root = NULL, *secret = gitsrc_password(url);
	int created = 0, lock = -1;
	int error;

	if (cache_dir && *cache_dir)
		root = xstrdup(cache_dir);
	else if ((error = gitsrc_default_cache_dir(&root)) < 0)
		goto done;
	if ((error = gitsrc_cache_lock(&lock, root, src->location)) < 0 ||
	    (error = gitsrc_cache_open(src, root, src->location, &created)) < 0)
		goto done;
	error = gitsrc_fetch(src, url, secret, opts);
done:
	if (error < 0 && created) {
		/* a failed first clone leaves no half-made folder behind */
		git_repository_free(src->repo);
		src->repo = NULL;
		nftw(src->cache_path, gitsrc_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	if (lock >= 0)
		close(lock); /* releases the flock */
	if (secret) {
		memset(secret, 0, strlen(secret));
		free(secret);
	}
	free(root);
	return error;
}

int gitsrc_open(struct gitsrc **out, const char *location, const struct gitsrc_options *opts)
{
	struct gitsrc *src = NULL;
	int error;

	*out = NULL;
	if (!location || !*location)
		return err_set(ERR_INVALID, "no repository given");
	if ((error = gitsrc_global_init()) < 0)
		return error;
	src = xcalloc(1, sizeof(*src));
	src->location = gitsrc_redact(location);
	if (opts && opts->known_hosts)
		src->known_hosts = xstrdup(opts->known_hosts);
	if (gitsrc_is_url(location))
		error = gitsrc_open_url(src, location, opts);
	else
		error = gitsrc_open_local(src, location);
	if (error < 0)
		goto done;
	*out = src;
	src = NULL;
done:
	gitsrc_free(src);
	return error;
}

void gitsrc_free(struct gitsrc *src)
{
	if (!src)
		return;
	git_repository_free(src->repo);
	free(src->location);
	free(src->cache_path);
	free(src->known_hosts);
	free(src);
}

const char *gitsrc_location(const struct gitsrc *src)
{
	return src->location;
}

const char *gitsrc_cache_path(const struct gitsrc *src)
{
	return src->cache_path;
}
