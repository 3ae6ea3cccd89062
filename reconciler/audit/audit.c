/*
 * audit: opening the audit trail, the record's envelope and everything
 * derived from it as text: the record's path, the commit message with its
 * trailers, the note line; plus redaction and the secret check that runs
 * before anything is written. Git objects are in audit_git.c, the remote
 * in audit_push.c, reading the branch in audit_read.c.
 *
 * The message and note are derived from the record only, so what the
 * commit says can never disagree with the record it carries.
 */
#include "reconciler/audit/audit.h"
#include "reconciler/audit/audit_int.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reconciler/source/gitsrc.h"
#include "reconciler/source/gitsrc_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#ifndef PCDR_VERSION
#define PCDR_VERSION "0.1.0"
#endif

int audit_git_err(const struct audit *audit, int code, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	/* gitsrc_git_err appends libgit2's message and scrubs the password */
	gitsrc_git_err(code, audit ? audit->secret : NULL, "%s", strbuf_cstr(&sb));
	strbuf_release(&sb);
	return code;
}

static int audit_has_origin(git_repository *repo)
{
	char *url = NULL;
	int found = audit_origin_url(&url, repo, 0) == 0;

	free(url);
	git_error_clear();
	return found;
}

static void audit_copy_secrets(struct audit *audit, const char *const *secrets)
{
	size_t n = 0, k = 0;

	while (secrets && secrets[n])
		n++;
	audit->secrets = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		if (*secrets[i])
			audit->secrets[k++] = xstrdup(secrets[i]);
}

static int audit_set_names(struct audit *audit, const char *branch)
{
	struct strbuf sb = STRBUF_INIT;
	int valid = 0;

	strbuf_printf(&sb, "refs/heads/%s", branch);
	if (git_reference_name_is_valid(&valid, strbuf_cstr(&sb)) < 0 || !valid ||
	    strchr(branch, ' ')) {
		strbuf_release(&sb);
		return err_set(ERR_INVALID, "'%s' is not a valid audit branch name", branch);
	}
	audit->branch = xstrdup(branch);
	audit->branch_ref = strbuf_detach(&sb, NULL);
	strbuf_printf(&sb, "refs/remotes/%s/%s", AUDIT_DEFAULT_REMOTE, branch);
	audit->tracking_ref = strbuf_detach(&sb, NULL);
	audit->notes_tracking = xstrdup("refs/remotes/" AUDIT_DEFAULT_REMOTE "/notes/pcdr");
	return 0;
}

/* Bring the local branch up to the remote's: fetch, rebuild local-only
 * commits on top. A failure is remembered, not returned. */
static void audit_sync(struct audit *audit)
{
	git_oid local, remote, tip;
	int have_local;

	if (audit_branch_checked_out(audit) < 0) {
		audit->remote_error = xstrdup(err_last());
		err_clear();
		return;
	}
	if (audit_fetch(audit, audit->branch_ref, audit->tracking_ref) < 0) {
		audit->remote_error = xstrdup(err_last());
		log_warn("audit: %s", err_last());
		err_clear();
		return;
	}
	if (audit_ref_get(&remote, audit, audit->tracking_ref) < 0) {
		err_clear(); /* the remote has no audit branch yet */
		return;
	}
	have_local = audit_ref_get(&local, audit, audit->branch_ref) == 0;
	if (have_local && audit_rebuild(&tip, audit, &local, &remote) < 0) {
		audit->remote_error = xstrdup(err_last());
		err_clear();
		return;
	}
	audit_ref_set(audit, audit->branch_ref, have_local ? &tip : &remote, "pcdr: audit sync");
	err_clear();
}

int audit_open(struct audit **out, struct gitsrc *src, const struct audit_options *opts)
{
	struct audit *audit = xcalloc(1, sizeof(*audit));
	const char *cache = gitsrc_cache_path(src);
	int error;

	*out = NULL;
	audit->src = src;
	audit->repo = src->repo;
	audit->max_attempts =
	        opts && opts->max_attempts > 0 ? opts->max_attempts : AUDIT_DEFAULT_ATTEMPTS;
	audit_copy_secrets(audit, opts ? opts->secrets : NULL);
	if ((error = audit_set_names(audit, opts && opts->branch ? opts->branch
	                                                         : AUDIT_DEFAULT_BRANCH)) < 0)
		goto done;
	if (cache) {
		audit->url = xstrdup(opts && opts->url ? opts->url : gitsrc_location(src));
		audit->secret = gitsrc_password(audit->url);
		audit->has_remote = 1;
	} else {
		audit->has_remote = audit_has_origin(audit->repo);
	}
	if (opts && opts->no_push)
		audit->has_remote = 0;
	if (audit->has_remote)
		audit_sync(audit);
	*out = audit;
	audit = NULL;
done:
	audit_free(audit);
	return error;
}

void audit_free(struct audit *audit)
{
	if (!audit)
		return;
	for (size_t i = 0; audit->secrets && audit->secrets[i]; i++) {
		memset(audit->secrets[i], 0, strlen(audit->secrets[i]));
		free(audit->secrets[i]);
	}
	if (audit->secret)
		memset(audit->secret, 0, strlen(audit->secret));
	if (audit->url)
		memset(audit->url, 0, strlen(audit->url));
	free(audit->secrets);
	free(audit->secret);
	free(audit->url);
	free(audit->branch);
	free(audit->branch_ref);
	free(audit->tracking_ref);
	free(audit->notes_tracking);
	free(audit->remote_error);
	free(audit);
}

const char *audit_remote_error(const struct audit *audit)
{
	return audit->remote_error;
}

const char *audit_branch(const struct audit *audit)
{
	return audit->branch;
}

static void audit_now_utc(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void audit_random_hex(char *out, size_t n_bytes)
{
	unsigned char raw[16] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (fd < 0 || read(fd, raw, n_bytes) != (ssize_t)n_bytes)
		for (size_t i = 0; i < n_bytes; i++) /* no urandom: time and pid */
			raw[i] = (unsigned char)((ts.tv_nsec >> (i * 3)) ^ getpid());
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < n_bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

json_t *audit_record_new(const char *pool, const char *spec_commit)
{
	char now[32], id[17], host[256] = "localhost";
	const char *user = getenv("USER");
	struct passwd *pw = (user && *user) ? NULL : getpwuid(geteuid());

	if (pw && pw->pw_name)
		user = pw->pw_name;

	audit_now_utc(now, sizeof(now));
	audit_random_hex(id, 4);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:[]}",
	                 "format_version", AUDIT_FORMAT_VERSION, "apply_id", id, "pool",
	                 pool ? pool : "", "spec_commit", spec_commit ? spec_commit : "", "result",
	                 "intent", "started_at", now, "reconciler", "user",
	                 user && *user ? user : "unknown", "host", host, "version", PCDR_VERSION,
	                 "steps");
}

/* Passwords of scheme://user:password@host in `s` become "***". */
static void audit_redact_urls(struct strbuf *out, const char *s)
{
	const char *p = s, *sep;

	while ((sep = strstr(p, "://"))) {
		const char *auth = sep + 3, *end = auth + strcspn(auth, "/?# \t\n\"'"), *at = NULL;
		const char *colon;

		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (!colon) {
			strbuf_add(out, p, (size_t)(end - p));
		} else {
			strbuf_add(out, p, (size_t)(colon + 1 - p));
			strbuf_puts(out, "***");
			strbuf_add(out, at, (size_t)(end - at));
		}
		p = end;
	}
	strbuf_puts(out, p);
}

static char *audit_redact_string(const char *s, const char *const *secrets)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	audit_redact_urls(&a, s);
	for (size_t i = 0; secrets && secrets[i]; i++) {
		size_t n = strlen(secrets[i]);
		const char *p = strbuf_cstr(&a), *hit;

		if (!n || !strstr(p, secrets[i]))
			continue;
		strbuf_reset(&b);
		for (; (hit = strstr(p, secrets[i])); p = hit + n) {
			strbuf_add(&b, p, (size_t)(hit - p));
			strbuf_puts(&b, "***");
		}
		strbuf_puts(&b, p);
		strbuf_reset(&a);
		strbuf_puts(&a, strbuf_cstr(&b));
	}
	strbuf_release(&b);
	return strbuf_detach(&a, NULL);
}

size_t audit_redact(json_t *record, const char *const *secrets)
{
	size_t changed = 0, i;
	const char *key;
	json_t *v;

	if (json_is_string(record)) {
		char *clean = audit_redact_string(json_string_value(record), secrets);

		if (strcmp(clean, json_string_value(record))) {
			json_string_set(record, clean);
			changed = 1;
		}
		free(clean);
	} else if (json_is_object(record)) {
		json_object_foreach(record, key, v) changed += audit_redact(v, secrets);
	} else if (json_is_array(record)) {
		json_array_foreach(record, i, v) changed += audit_redact(v, secrets);
	}
	return changed;
}

int audit_check_secrets(const struct audit *audit, const char *text, size_t len)
{
	for (size_t i = 0; audit->secrets[i]; i++)
		if (memmem(text, len, audit->secrets[i], strlen(audit->secrets[i])))
			return err_set(ERR_INVALID,
			               "the audit record holds a credential "
			               "(secret %zu): redact it with audit_redact",
			               i + 1);
	return 0;
}

static int audit_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

const char *audit_kind(const char *home, const char *from_primary, const char *to_primary,
                       const char *state_before, const char *state_after, int steps_run)
{
	if (from_primary && to_primary && strcmp(from_primary, to_primary)) {
		if (audit_eq(to_primary, home))
			return "failback";
		if (audit_eq(from_primary, home) || !home)
			return "failover";
		return "switchover";
	}
	if (audit_eq(state_before, "Normal") && audit_eq(state_after, "FailedOver"))
		return "failover";
	if (audit_eq(state_before, "FailedOver") && audit_eq(state_after, "Normal"))
		return "failback";
	return steps_run > 0 ? "converge" : "none";
}
