/*
 * audit_fixture: what the audit unit tests share: a temporary folder,
 * git run from an argument vector (fork/exec, as in
 * tests/unit/source/test_gitsrc.c), spec repositories with a few commits,
 * and records built through audit_record_new. Functions are static
 * inline so a test file that does not use one is still warning-free.
 */
#ifndef PCDR_TEST_AUDIT_FIXTURE_H
#define PCDR_TEST_AUDIT_FIXTURE_H

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reconciler/audit/audit.h"
#include "reconciler/source/gitsrc.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "tests/unit/git_fixture.h"

static char tmp_root[64];

/* tmp_root/NAME, a repository on main with pools/atl-pchat.yaml at three
 * commits (v1, v2, v3); `ids` gets their full ids, oldest first. */
static inline const char *fx_spec_repo(const char *name, char ids[3][41])
{
	static char path[256];
	char pools[300];

	snprintf(path, sizeof(path), "%s/%s", tmp_root, name);
	assert_int_equal(mkdir(path, 0700), 0);
	GIT(path, "init", "-q", "-b", "main");
	snprintf(pools, sizeof(pools), "%s/pools", path);
	assert_int_equal(mkdir(pools, 0700), 0);
	for (int i = 0; i < 3; i++) {
		char text[16], msg[32];
		char *id;

		snprintf(text, sizeof(text), "v%d\n", i + 1);
		snprintf(msg, sizeof(msg), "spec v%d", i + 1);
		fx_write_file(pools, "atl-pchat.yaml", text);
		GIT(path, "add", "-A");
		GIT(path, "commit", "-q", "-m", msg);
		id = GIT_OUT(path, "rev-parse", "HEAD");
		snprintf(ids[i], 41, "%s", id);
		free(id);
	}
	return path;
}

static inline struct gitsrc *fx_open_src(const char *location, const char *cache)
{
	struct gitsrc_options opts = GITSRC_OPTIONS_INIT;
	struct gitsrc *src = NULL;

	opts.cache_dir = cache;
	if (gitsrc_open(&src, location, &opts) < 0)
		fail_msg("gitsrc_open('%s'): %s", location, err_last());
	return src;
}

static inline struct audit *fx_open_audit(struct gitsrc *src, const struct audit_options *opts)
{
	struct audit *audit = NULL;

	if (audit_open(&audit, src, opts) < 0)
		fail_msg("audit_open: %s", err_last());
	return audit;
}

/* A record of a failover dc1 -> dc2 of atl-pchat with `n_steps` steps, all
 * `step_result`; result `result`. Caller decrefs. */
static inline json_t *fx_record(const char *spec, const char *result, const char *kind,
                                const char *from, const char *to, int n_steps,
                                const char *step_result)
{
	json_t *r = audit_record_new("atl-pchat", spec);
	json_t *steps = json_object_get(r, "steps");

	json_object_set_new(r, "result", json_string(result));
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set_new(r, "home", json_string("dc1"));
	json_object_set_new(r, "from_primary", json_string(from));
	json_object_set_new(r, "to_primary", json_string(to));
	json_object_set_new(r, "started_at", json_string("2026-11-28T14:02:11Z"));
	json_object_set_new(r, "apply_id", json_string("1a2b3c4d"));
	for (int i = 0; i < n_steps; i++)
		json_array_append_new(steps,
		                      json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "name",
		                                i == 0 ? "pool.set_active_servers" : "sql.catch_up",
		                                "target", "mgc", "result", step_result,
		                                "started_at", "2026-11-28T14:02:12Z", "messages",
		                                "RESTORE LOG successfully"));
	return r;
}

static inline int fx_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int fx_setup(void **state)
{
	char home[128];

	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "%s/pcdr-audit.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp_root))
		return -1;
	snprintf(home, sizeof(home), "%s/home", tmp_root);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	setenv("USER", "alice", 1);
	unsetenv("XDG_CACHE_HOME");
	return 0;
}

static inline int fx_teardown(void **state)
{
	(void)state;
	if (getenv("PCDR_KEEP_TMP"))
		return 0;
	return nftw(tmp_root, fx_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
