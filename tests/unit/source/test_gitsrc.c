/*
 * Unit tests for reconciler/source (gitsrc): real repositories built in a
 * temporary folder by running git (fork/exec with an argument vector),
 * read back through gitsrc. Covers reading a commit's tree (never the
 * work tree), ref resolution, clone-then-fetch through the cache over
 * file://, and every refusal with its message.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reconciler/source/gitsrc.h"
#include "reconciler/source/gitsrc_int.h"
#include "specs/spec.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "tests/unit/git_fixture.h"

static char tmp_root[64];

/* ---- helpers: repositories (files and git: tests/unit/git_fixture.h) - */

/* A new folder tmp_root/<name>, made a repository on branch main. */
static char *new_repo(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp_root, name);
	assert_int_equal(mkdir(path, 0700), 0);
	GIT(path, "init", "-q", "-b", "main");
	return path;
}

static void commit_all(const char *repo, const char *message)
{
	GIT(repo, "add", "-A");
	GIT(repo, "commit", "-q", "-m", message);
}

/* A repository with pools/atl-pchat.yaml at "v1" (HEAD~1) then "v2" (HEAD). */
static char *two_commit_repo(const char *name)
{
	char *repo = new_repo(name);
	char pools[300];

	snprintf(pools, sizeof(pools), "%s/pools", repo);
	assert_int_equal(mkdir(pools, 0700), 0);
	fx_write_file(pools, "atl-pchat.yaml", "v1\n");
	commit_all(repo, "Add atl-pchat");
	fx_write_file(pools, "atl-pchat.yaml", "v2\n");
	commit_all(repo, "Fail over to dc2");
	return repo;
}

static struct gitsrc *open_ok(const char *location, const char *cache)
{
	struct gitsrc_options opts = GITSRC_OPTIONS_INIT;
	struct gitsrc *src = NULL;

	opts.cache_dir = cache;
	err_clear();
	if (gitsrc_open(&src, location, &opts) < 0)
		fail_msg("gitsrc_open('%s'): %s", location, err_last());
	return src;
}

static struct gitsrc_specs *read_ok(struct gitsrc *src, const char *ref, const char *dir)
{
	struct gitsrc_specs *specs = NULL;

	if (gitsrc_read(&specs, src, ref, dir) < 0)
		fail_msg("gitsrc_read('%s'): %s", ref ? ref : "HEAD", err_last());
	return specs;
}

/* The error gitsrc_read gives for `ref` and `dir` (its message in err_last). */
static int read_error(struct gitsrc *src, const char *ref, const char *dir)
{
	struct gitsrc_specs *specs = NULL;
	int error;

	err_clear();
	error = gitsrc_read(&specs, src, ref, dir);
	assert_null(specs);
	return error;
}

/* ---- tests ---------------------------------------------------------- */

static void test_gitsrc__reads_the_commit_not_the_work_tree(void **state)
{
	char *repo = two_commit_repo("worktree");
	struct gitsrc *src;
	struct gitsrc_specs *head, *prev;
	char pools[300];

	(void)state;
	snprintf(pools, sizeof(pools), "%s/pools", repo);
	fx_write_file(pools, "atl-pchat.yaml", "uncommitted edit\n");
	fx_write_file(pools, "untracked.yaml", "not committed\n");
	GIT(repo, "add", "pools/atl-pchat.yaml"); /* staged is not committed either */
	src = open_ok(repo, NULL);
	assert_null(gitsrc_cache_path(src));
	head = read_ok(src, NULL, NULL);
	assert_int_equal(head->n_files, 1);
	assert_string_equal(head->files[0].path, "pools/atl-pchat.yaml");
	assert_string_equal(head->files[0].data, "v2\n");
	assert_int_equal(head->files[0].len, 3);
	prev = read_ok(src, "HEAD~1", "pools");
	assert_string_equal(prev->files[0].data, "v1\n");
	assert_string_equal(prev->commit.subject, "Add atl-pchat");
	assert_string_not_equal(prev->commit.id, head->commit.id);
	gitsrc_specs_free(prev);
	gitsrc_specs_free(head);
	gitsrc_free(src);
}

static void test_gitsrc__reports_author_date_and_subject(void **state)
{
	char *repo = new_repo("author");
	struct gitsrc *src;
	struct gitsrc_specs *specs;

	(void)state;
	fx_write_file(repo, "x.yaml", "x\n");
	setenv("GIT_AUTHOR_NAME", "Alice Martin", 1);
	setenv("GIT_AUTHOR_EMAIL", "alice@litwareinc.com", 1);
	setenv("GIT_AUTHOR_DATE", "2026-11-28T14:02:11+0100", 1);
	commit_all(repo, "Fail over to dc2\n\nThe dc1 SAN is down.");
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	unsetenv("GIT_AUTHOR_DATE");
	src = open_ok(repo, NULL);
	specs = read_ok(src, "main", ".");
	assert_string_equal(specs->commit.author, "Alice Martin");
	assert_string_equal(specs->commit.email, "alice@litwareinc.com");
	assert_string_equal(specs->commit.date, "2026-11-28 14:02:11 +0100");
	assert_int_equal(specs->commit.time, 1795870931);
	assert_int_equal(specs->commit.offset, 60);
	assert_string_equal(specs->commit.subject, "Fail over to dc2");
	assert_int_equal(strlen(specs->commit.id), 40);
	assert_true(strlen(specs->commit.short_id) >= 7);
	assert_memory_equal(specs->commit.id, specs->commit.short_id,
	                    strlen(specs->commit.short_id));
	/* the root folder: x.yaml at the top level */
	assert_int_equal(specs->n_files, 1);
	assert_string_equal(specs->files[0].path, "x.yaml");
	gitsrc_specs_free(specs);

	/* a terminal escape in a commit message is not passed on */
	fx_write_file(repo, "x.yaml", "y\n");
	commit_all(repo, "\033[2J\033[31mred");
	specs = read_ok(src, NULL, "");
	assert_string_equal(specs->commit.subject, "?[2J?[31mred");
	gitsrc_specs_free(specs);
	/* nor a file name with a newline in it */
	fx_write_file(repo, "evil\nname.yaml", "z\n");
	commit_all(repo, "Odd name");
	assert_int_equal(read_error(src, NULL, ""), ERR_INVALID);
	assert_non_null(strstr(err_last(), "control characters"));
	gitsrc_free(src);
}

static void test_gitsrc__reads_only_yaml_files_sorted_by_name(void **state)
{
	char *repo = new_repo("sorted");
	char pools[300], sub[320];
	struct gitsrc *src;
	struct gitsrc_specs *specs;

	(void)state;
	snprintf(pools, sizeof(pools), "%s/pools", repo);
	snprintf(sub, sizeof(sub), "%s/nested", pools);
	assert_int_equal(mkdir(pools, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	fx_write_file(pools, "zrh-pchat.yaml", "z\n");
	fx_write_file(pools, "atl-pchat.yaml", "a\n");
	fx_write_file(pools, "atl-pchat.yaml.d", "no\n");
	fx_write_file(pools, "README.md", "no\n");
	fx_write_file(pools, "notes.yml", "no\n");
	fx_write_file(pools, ".hidden.yaml", "no\n");
	fx_write_file(sub, "deep.yaml", "no\n");
	commit_all(repo, "Two pools");
	src = open_ok(repo, NULL);
	specs = read_ok(src, "HEAD", "./pools/");
	assert_string_equal(specs->dir, "pools");
	assert_int_equal(specs->n_files, 2);
	assert_string_equal(specs->files[0].path, "pools/atl-pchat.yaml");
	assert_string_equal(specs->files[1].path, "pools/zrh-pchat.yaml");
	gitsrc_specs_free(specs);
	specs = read_ok(src, "HEAD", "pools/nested");
	assert_int_equal(specs->n_files, 1);
	assert_string_equal(specs->files[0].path, "pools/nested/deep.yaml");
	gitsrc_specs_free(specs);
	assert_int_equal(read_error(src, "HEAD", "../etc"), ERR_INVALID);
	assert_int_equal(read_error(src, "HEAD", "/etc"), ERR_INVALID);
	assert_int_equal(read_error(src, "HEAD", "pools//nested"), ERR_INVALID);
	gitsrc_free(src);
}

static void test_gitsrc__tags_and_abbreviated_ids_resolve(void **state)
{
	char *repo = two_commit_repo("tags");
	struct gitsrc *src;
	struct gitsrc_specs *specs, *prev;
	char abbrev[9];

	(void)state;
	GIT(repo, "tag", "light", "HEAD~1");
	GIT(repo, "tag", "-a", "-m", "Drill of November", "annotated", "HEAD~1");
	src = open_ok(repo, NULL);
	prev = read_ok(src, "HEAD~1", NULL);
	specs = read_ok(src, "light", NULL);
	assert_string_equal(specs->commit.id, prev->commit.id);
	gitsrc_specs_free(specs);
	specs = read_ok(src, "annotated", NULL);
	assert_string_equal(specs->commit.id, prev->commit.id);
	assert_string_equal(specs->files[0].data, "v1\n");
	gitsrc_specs_free(specs);
	specs = read_ok(src, prev->commit.id, NULL);
	assert_string_equal(specs->commit.id, prev->commit.id);
	gitsrc_specs_free(specs);
	snprintf(abbrev, sizeof(abbrev), "%.8s", prev->commit.id);
	specs = read_ok(src, abbrev, NULL);
	assert_string_equal(specs->commit.id, prev->commit.id);
	gitsrc_specs_free(specs);
	/* a tag of a blob is a ref, but not a commit */
	GIT(repo, "tag", "blobtag", "HEAD:pools/atl-pchat.yaml");
	assert_int_equal(read_error(src, "blobtag", NULL), ERR_INVALID);
	assert_non_null(strstr(err_last(), "not a commit"));
	gitsrc_specs_free(prev);
	gitsrc_free(src);
}

static void test_gitsrc__ref_not_found(void **state)
{
	char *repo = two_commit_repo("noref");
	struct gitsrc *src = open_ok(repo, NULL);
	char want[400];

	(void)state;
	assert_int_equal(read_error(src, "no-such-branch", NULL), ERR_NOTFOUND);
	snprintf(want, sizeof(want), "ref 'no-such-branch' not found in '%s'", repo);
	assert_string_equal(err_last(), want);
	assert_int_equal(read_error(src, "HEAD~5", NULL), ERR_NOTFOUND);
	assert_int_equal(read_error(src, "0000000000000000000000000000000000000001", NULL),
	                 ERR_NOTFOUND);
	gitsrc_free(src);
	src = open_ok(new_repo("empty"), NULL);
	assert_int_equal(read_error(src, NULL, NULL), ERR_NOTFOUND);
	assert_non_null(strstr(err_last(), "(the repository has no commits)"));
	gitsrc_free(src);
}

static void test_gitsrc__repository_missing(void **state)
{
	struct gitsrc_options opts = GITSRC_OPTIONS_INIT;
	struct gitsrc *src = (struct gitsrc *)&opts;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-repo", tmp_root);
	assert_int_equal(gitsrc_open(&src, path, &opts), ERR_NOTFOUND);
	assert_null(src);
	assert_non_null(strstr(err_last(), "not found: no such folder"));
	snprintf(path, sizeof(path), "%s/plain-folder", tmp_root);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(gitsrc_open(&src, path, &opts), ERR_NOTFOUND);
	assert_non_null(strstr(err_last(), "not a git repository"));
	assert_int_equal(gitsrc_open(&src, "", &opts), ERR_INVALID);
	gitsrc_free(NULL);
	gitsrc_specs_free(NULL);
}

static void test_gitsrc__no_pools_folder(void **state)
{
	char *repo = new_repo("nopools");
	struct gitsrc *src;

	(void)state;
	fx_write_file(repo, "README.md", "specs go in pools/\n");
	fx_write_file(repo, "pools", "a file, not a folder\n");
	commit_all(repo, "No pools yet");
	src = open_ok(repo, NULL);
	assert_int_equal(read_error(src, NULL, "specs"), ERR_NOTFOUND);
	assert_non_null(strstr(err_last(), "no folder 'specs/' at commit "));
	assert_int_equal(read_error(src, NULL, NULL), ERR_NOTFOUND);
	assert_non_null(strstr(err_last(), "'pools' is not a folder at commit "));
	gitsrc_free(src);
}

static void test_gitsrc__refuses_entries_that_are_not_files(void **state)
{
	char *repo = two_commit_repo("notfiles");
	char target[400], link[400];
	struct gitsrc *src;
	struct strbuf id = STRBUF_INIT;
	const char *rev[] = {"rev-parse", "HEAD", NULL};

	(void)state;
	src = open_ok(repo, NULL);
	snprintf(target, sizeof(target), "%s/secret.txt", repo);
	fx_write_file(repo, "secret.txt", "not a spec\n");
	snprintf(link, sizeof(link), "%s/pools/x.yaml", repo);
	assert_int_equal(symlink("../secret.txt", link), 0);
	commit_all(repo, "A symlink");
	assert_int_equal(read_error(src, NULL, NULL), ERR_INVALID);
	assert_non_null(strstr(err_last(), "'pools/x.yaml' at commit "));
	assert_non_null(strstr(err_last(), "is a symbolic link"));
	GIT(repo, "rm", "-q", "pools/x.yaml");
	assert_int_equal(mkdir(link, 0700), 0);
	fx_write_file(link, "inner.yaml", "x\n");
	commit_all(repo, "A folder named x.yaml");
	assert_int_equal(read_error(src, NULL, NULL), ERR_INVALID);
	assert_non_null(strstr(err_last(), "is a folder"));
	GIT(repo, "rm", "-q", "-r", "pools/x.yaml");
	assert_int_equal(fx_git_run(repo, &id, rev), 0);
	{
		char cacheinfo[128];

		snprintf(cacheinfo, sizeof(cacheinfo), "160000,%s,pools/x.yaml", strbuf_cstr(&id));
		GIT(repo, "update-index", "--add", "--cacheinfo", cacheinfo);
	}
	GIT(repo, "commit", "-q", "-m", "A submodule named x.yaml");
	assert_int_equal(read_error(src, NULL, NULL), ERR_INVALID);
	assert_non_null(strstr(err_last(), "is a submodule"));
	strbuf_release(&id);
	gitsrc_free(src);
}

static void test_gitsrc__refuses_files_over_the_cap(void **state)
{
	char *repo = new_repo("big");
	char pools[300], path[320];
	struct gitsrc *src;
	FILE *f;

	(void)state;
	snprintf(pools, sizeof(pools), "%s/pools", repo);
	assert_int_equal(mkdir(pools, 0700), 0);
	snprintf(path, sizeof(path), "%s/big.yaml", pools);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i <= SPEC_MAX_BYTES; i++)
		fputc('#', f);
	fclose(f);
	commit_all(repo, "Too big");
	src = open_ok(repo, NULL);
	assert_int_equal(read_error(src, NULL, NULL), ERR_LIMIT);
	assert_non_null(strstr(err_last(), "'pools/big.yaml' at commit "));
	assert_non_null(strstr(err_last(), "over the limit"));
	gitsrc_free(src);
}

/* A bare remote cloned over file://, a push to it, a second open fetches. */
static void test_gitsrc__clones_a_remote_then_fetches(void **state)
{
	char *work = two_commit_repo("upstream");
	char remote[300], url[320], cache[300], marker[400], pools[300];
	struct gitsrc *src;
	struct gitsrc_specs *specs;
	char *first_cache;
	struct stat st;

	(void)state;
	snprintf(remote, sizeof(remote), "%s/remote.git", tmp_root);
	snprintf(url, sizeof(url), "file://%s", remote);
	snprintf(cache, sizeof(cache), "%s/cache/nested", tmp_root);
	GIT(tmp_root, "clone", "-q", "--bare", work, remote);
	src = open_ok(url, cache);
	assert_non_null(gitsrc_cache_path(src));
	assert_memory_equal(gitsrc_cache_path(src), cache, strlen(cache));
	assert_string_equal(gitsrc_location(src), url);
	specs = read_ok(src, NULL, NULL);
	assert_string_equal(specs->files[0].data, "v2\n");
	assert_string_equal(specs->commit.subject, "Fail over to dc2");
	gitsrc_specs_free(specs);
	first_cache = strdup(gitsrc_cache_path(src));
	snprintf(marker, sizeof(marker), "%s/pcdr-test-marker", first_cache);
	fx_write_file(first_cache, "pcdr-test-marker", "still here\n");
	gitsrc_free(src);

	snprintf(pools, sizeof(pools), "%s/pools", work);
	fx_write_file(pools, "atl-pchat.yaml", "v3\n");
	commit_all(work, "Fail back to dc1");
	GIT(work, "tag", "-a", "-m", "Before the failback", "before-failback", "HEAD~1");
	GIT(work, "push", "-q", remote, "main", "before-failback");

	src = open_ok(url, cache);
	assert_string_equal(gitsrc_cache_path(src), first_cache);
	assert_int_equal(stat(marker, &st), 0); /* fetched into, not cloned again */
	specs = read_ok(src, NULL, NULL);
	assert_string_equal(specs->files[0].data, "v3\n");
	assert_string_equal(specs->commit.subject, "Fail back to dc1");
	gitsrc_specs_free(specs);
	specs = read_ok(src, "origin/main", NULL);
	assert_string_equal(specs->files[0].data, "v3\n");
	gitsrc_specs_free(specs);
	specs = read_ok(src, "main~1", NULL);
	assert_string_equal(specs->files[0].data, "v2\n");
	gitsrc_specs_free(specs);
	specs = read_ok(src, "before-failback", NULL); /* an annotated tag, fetched */
	assert_string_equal(specs->files[0].data, "v2\n");
	gitsrc_specs_free(specs);
	gitsrc_free(src);

	/* a cache folder that mirrors another URL is refused, not reused */
	{
		char config[450];
		struct gitsrc_options opts = GITSRC_OPTIONS_INIT;

		snprintf(config, sizeof(config), "%s/config", first_cache);
		GIT(tmp_root, "config", "--file", config, "pcdr.url", "file:///elsewhere.git");
		opts.cache_dir = cache;
		assert_int_equal(gitsrc_open(&src, url, &opts), ERR_CONFLICT);
		assert_non_null(strstr(err_last(), "holds 'file:///elsewhere.git'"));
	}

	/* the bare remote opened as a local path */
	src = open_ok(remote, NULL);
	specs = read_ok(src, "HEAD", NULL);
	assert_string_equal(specs->files[0].data, "v3\n");
	gitsrc_specs_free(specs);
	gitsrc_free(src);
	free(first_cache);
}

/* The rev-parse of `rev` in `repo`, or "" when it does not resolve. */
static void rev_of(char out[64], const char *repo, const char *rev)
{
	char cmd[700];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse -q --verify '%s' 2>/dev/null", repo, rev);
	out[0] = '\0';
	f = popen(cmd, "r");
	assert_non_null(f);
	if (!fgets(out, 64, f))
		out[0] = '\0';
	pclose(f);
	out[strcspn(out, "\n")] = '\0';
}

/*
 * The cache's audit branch is pcdr's own: a fetch neither prunes an
 * unpushed one nor moves it back to the remote's older commit (the next
 * audit write pushes it, audit_push.c).
 */
static void test_gitsrc__fetch_keeps_the_local_audit_branch(void **state)
{
	char *work = two_commit_repo("upstream-audit");
	char remote[300], url[320], cache[300], before[64], after[64], remote_audit[64];
	struct gitsrc_options opts = GITSRC_OPTIONS_INIT;
	struct gitsrc *src;
	char *path;

	(void)state;
	snprintf(remote, sizeof(remote), "%s/remote-audit.git", tmp_root);
	snprintf(url, sizeof(url), "file://%s", remote);
	snprintf(cache, sizeof(cache), "%s/cache-audit", tmp_root);
	GIT(tmp_root, "clone", "-q", "--bare", work, remote);
	src = open_ok(url, cache);
	path = strdup(gitsrc_cache_path(src));
	gitsrc_free(src);

	/* never pushed: a fetch must not prune it */
	GIT(path, "branch", "pcdr/audit", "main~1");
	rev_of(before, path, "refs/heads/pcdr/audit");
	assert_string_not_equal(before, "");
	gitsrc_free(open_ok(url, cache));
	rev_of(after, path, "refs/heads/pcdr/audit");
	assert_string_equal(after, before);

	/* pushed once, then a local commit ahead of the remote: kept */
	GIT(path, "push", "-q", remote, "pcdr/audit");
	GIT(path, "branch", "-f", "pcdr/audit", "main");
	rev_of(before, path, "refs/heads/pcdr/audit");
	gitsrc_free(open_ok(url, cache));
	rev_of(after, path, "refs/heads/pcdr/audit");
	assert_string_equal(after, before);
	rev_of(remote_audit, remote, "refs/heads/pcdr/audit");
	assert_string_not_equal(remote_audit, after);

	/* a configured branch name is kept the same way */
	opts.cache_dir = cache;
	opts.own_branch = "ops/dr-audit";
	GIT(path, "branch", "ops/dr-audit", "main");
	assert_int_equal(gitsrc_open(&src, url, &opts), 0);
	gitsrc_free(src);
	rev_of(after, path, "refs/heads/ops/dr-audit");
	assert_string_equal(after, before);
	free(path);
}

/* Two processes opening one URL at once both get a good cache. */
static void test_gitsrc__concurrent_opens_share_the_cache(void **state)
{
	char *work = two_commit_repo("concurrent");
	char url[320], cache[300];
	pid_t pids[3];

	(void)state;
	snprintf(url, sizeof(url), "file://%s", work);
	snprintf(cache, sizeof(cache), "%s/cache-concurrent", tmp_root);
	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct gitsrc_options opts = GITSRC_OPTIONS_INIT;
			struct gitsrc_specs *specs = NULL;
			struct gitsrc *src = NULL;
			int ok;

			opts.cache_dir = cache;
			ok = gitsrc_open(&src, url, &opts) == 0 &&
			     gitsrc_read(&specs, src, NULL, NULL) == 0 &&
			     !strcmp(specs->files[0].data, "v2\n");
			if (!ok)
				fprintf(stderr, "# child %d: %s\n", i, err_last());
			_exit(ok ? 0 : 1);
		}
	}
	for (int i = 0; i < 3; i++) {
		int status;

		waitpid(pids[i], &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

static void test_gitsrc__fetch_failure_names_the_url_without_password(void **state)
{
	struct gitsrc_options opts = GITSRC_OPTIONS_INIT;
	struct gitsrc *src = NULL;
	char cache[300], url[400];

	(void)state;
	snprintf(cache, sizeof(cache), "%s/cache-missing", tmp_root);
	snprintf(url, sizeof(url), "file://%s/no-such-remote.git", tmp_root);
	opts.cache_dir = cache;
	assert_int_equal(gitsrc_open(&src, url, &opts), ERR_IO);
	assert_null(src);
	assert_non_null(strstr(err_last(), "cannot fetch 'file://"));
	assert_non_null(strstr(err_last(), "no-such-remote.git"));
	{
		/* the failed first clone left nothing in the cache */
		DIR *d = opendir(cache);
		struct dirent *e;
		int entries = 0;

		assert_non_null(d);
		while ((e = readdir(d)))
			entries += e->d_name[0] != '.' && !strstr(e->d_name, ".lock");
		closedir(d);
		assert_int_equal(entries, 0);
	}

	err_clear();
	assert_true(gitsrc_open(&src, "https://alice:s3cret@127.0.0.1:1/specs.git", &opts) < 0);
	assert_null(src);
	assert_non_null(strstr(err_last(), "'https://alice@127.0.0.1:1/specs.git'"));
	assert_null(strstr(err_last(), "s3cret"));
}

static void test_gitsrc__urls_are_redacted_and_named(void **state)
{
	char *s, *a, *b;

	(void)state;
	s = gitsrc_redact("https://alice:s3cret@git.litwareinc.com/ops/specs.git");
	assert_string_equal(s, "https://alice@git.litwareinc.com/ops/specs.git");
	free(s);
	s = gitsrc_redact("ssh://git@host:2222/specs.git");
	assert_string_equal(s, "ssh://git@host:2222/specs.git");
	free(s);
	s = gitsrc_redact("https://host/a@b:c");
	assert_string_equal(s, "https://host/a@b:c");
	free(s);
	s = gitsrc_redact("https://ops:p@ss:w0rd@host");
	assert_string_equal(s, "https://ops@host"); /* the last '@' ends the user info */
	free(s);
	s = gitsrc_redact("/srv/git/specs");
	assert_string_equal(s, "/srv/git/specs");
	free(s);

	a = gitsrc_cache_name("https://alice:one@git.litwareinc.com/ops/Spec Repo.git/");
	b = gitsrc_cache_name("https://alice:two@git.litwareinc.com/ops/Spec Repo.git");
	assert_string_equal(a, b); /* a new password is the same repository */
	assert_int_equal(strlen(a), strlen("Spec-Repo-") + 16 + 4);
	assert_memory_equal(a, "Spec-Repo-", 10);
	assert_string_equal(a + strlen(a) - 4, ".git");
	free(b);
	b = gitsrc_cache_name("https://git.litwareinc.com/other/Spec Repo.git");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	a = gitsrc_cache_name("file:///../..");
	assert_null(strchr(a, '/'));
	assert_true(a[0] != '.');
	free(a);

	assert_true(gitsrc_is_url("file:///srv/specs.git"));
	assert_true(gitsrc_is_url("git@github.com:litware/specs.git"));
	assert_true(gitsrc_is_url("https://host/specs"));
	assert_false(gitsrc_is_url("/srv/specs"));
	assert_false(gitsrc_is_url("./specs"));
	assert_false(gitsrc_is_url("specs"));
	assert_false(gitsrc_is_url("dir/with:colon"));
}

static void test_gitsrc__default_cache_dir_follows_xdg(void **state)
{
	char *dir = NULL;
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	(void)state;
	setenv("XDG_CACHE_HOME", "/var/cache/x", 1);
	assert_int_equal(gitsrc_default_cache_dir(&dir), 0);
	assert_string_equal(dir, "/var/cache/x/pcdr");
	free(dir);
	setenv("XDG_CACHE_HOME", "relative", 1);
	setenv("HOME", "/home/ops", 1);
	assert_int_equal(gitsrc_default_cache_dir(&dir), 0);
	assert_string_equal(dir, "/home/ops/.cache/pcdr");
	free(dir);
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	assert_int_equal(gitsrc_default_cache_dir(&dir), ERR_NOTFOUND);
	assert_null(dir);
	if (home)
		setenv("HOME", home, 1);
	free(home);
}

/* ---- ssh host keys ---------------------------------------------------- */

/* Run argv (no shell), output discarded; it must exit 0. */
static void run_quietly(const char *const *argv)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int b64_value(char c)
{
	const char *digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(digits, c) : NULL;

	return p ? (int)(p - digits) : -1;
}

/* A new ed25519 key `name` in tmp_root: its base64 blob and raw bytes. */
static size_t new_host_key(const char *name, char *b64, size_t b64_size, unsigned char *raw)
{
	char path[300], pub[310], line[512];
	const char *keygen[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path, NULL};
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_root, name);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	run_quietly(keygen);
	f = fopen(pub, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(sscanf(line, "%*s %400s", b64), 1);
	assert_true(strlen(b64) < b64_size);
	for (const char *p = b64; *p && *p != '='; p++) {
		acc = (acc << 6) | (unsigned)b64_value(*p);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

static void test_gitsrc__ssh_host_keys_are_checked_against_known_hosts(void **state)
{
	char a64[512], b64[512], known[300], text[2048];
	unsigned char a[300], b[300];
	size_t alen = new_host_key("key-a", a64, sizeof(a64), a);
	size_t blen = new_host_key("key-b", b64, sizeof(b64), b);
	const char *host = "git.litwareinc.com";
	FILE *f;

	(void)state;
	snprintf(known, sizeof(known), "%s/known_hosts", tmp_root);
	snprintf(text, sizeof(text),
	         "# comment\n"
	         "%s,10.0.0.5 ssh-ed25519 %s\n"
	         "[%s]:2222 ssh-ed25519 %s\n",
	         host, a64, host, b64);
	fx_write_file(tmp_root, "known_hosts", text);
	assert_int_equal(gitsrc_hostkey_check(host, 0, a, alen, known), 0);
	assert_int_equal(gitsrc_hostkey_check(host, 22, a, alen, known), 0);
	assert_int_equal(gitsrc_hostkey_check("10.0.0.5", 0, a, alen, known), 0);
	assert_int_equal(gitsrc_hostkey_check(host, 2222, b, blen, known), 0);
	assert_int_equal(gitsrc_hostkey_check(host, 0, b, blen, known), ERR_CONFLICT);
	assert_non_null(strstr(err_last(), "'git.litwareinc.com' does not match known_hosts"));
	assert_int_equal(gitsrc_hostkey_check(host, 2222, a, alen, known), ERR_CONFLICT);
	assert_non_null(strstr(err_last(), "'[git.litwareinc.com]:2222'"));
	assert_int_equal(gitsrc_hostkey_check("evil.example", 0, a, alen, known), ERR_NOTFOUND);
	assert_string_equal(err_last(), "'evil.example' is not in known_hosts: check its host key "
	                                "fingerprint, then add it (ssh-keyscan)");

	/* hashed entries, as ssh writes them with HashKnownHosts */
	{
		const char *hash[] = {"ssh-keygen", "-H", "-f", known, NULL};

		run_quietly(hash);
	}
	f = fopen(known, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_null(strstr(text, host)); /* really hashed */
	assert_int_equal(gitsrc_hostkey_check(host, 0, a, alen, known), 0);
	assert_int_equal(gitsrc_hostkey_check(host, 0, b, blen, known), ERR_CONFLICT);

	/* a revoked key is refused even where it is also listed */
	snprintf(text, sizeof(text), "%s ssh-ed25519 %s\n@revoked * ssh-ed25519 %s\n", host, a64,
	         a64);
	fx_write_file(tmp_root, "known_hosts", text);
	assert_int_equal(gitsrc_hostkey_check(host, 0, a, alen, known), ERR_CONFLICT);
	assert_non_null(strstr(err_last(), "revoked"));
	/* no known_hosts at all: unknown */
	snprintf(known, sizeof(known), "%s/no-such-known-hosts", tmp_root);
	assert_int_equal(gitsrc_hostkey_check(host, 0, a, alen, known), ERR_NOTFOUND);
}

static void test_gitsrc__url_ports(void **state)
{
	(void)state;
	assert_int_equal(gitsrc_url_port("ssh://git@host:2222/specs.git"), 2222);
	assert_int_equal(gitsrc_url_port("ssh://host/specs.git"), 0);
	assert_int_equal(gitsrc_url_port("ssh://a:b@host:22/x"), 22);
	assert_int_equal(gitsrc_url_port("ssh://git@[::1]:2200/x"), 2200);
	assert_int_equal(gitsrc_url_port("ssh://git@[::1]/x"), 0);
	assert_int_equal(gitsrc_url_port("git@host:specs.git"), 0);
	assert_int_equal(gitsrc_url_port("https://host:99999/x"), 0);
	assert_int_equal(gitsrc_url_port("https://host:12ab/x"), 0);
}

/* ---- fixture -------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char home[128];

	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "%s/pcdr-gitsrc.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp_root))
		return -1;
	snprintf(home, sizeof(home), "%s/home", tmp_root);
	mkdir(home, 0700);
	/* no user or system git configuration leaks into the fixtures */
	setenv("HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	unsetenv("XDG_CACHE_HOME");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("PCDR_KEEP_TMP"))
		return 0;
	return nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_gitsrc__reads_the_commit_not_the_work_tree),
	        cmocka_unit_test(test_gitsrc__reports_author_date_and_subject),
	        cmocka_unit_test(test_gitsrc__reads_only_yaml_files_sorted_by_name),
	        cmocka_unit_test(test_gitsrc__tags_and_abbreviated_ids_resolve),
	        cmocka_unit_test(test_gitsrc__ref_not_found),
	        cmocka_unit_test(test_gitsrc__repository_missing),
	        cmocka_unit_test(test_gitsrc__no_pools_folder),
	        cmocka_unit_test(test_gitsrc__refuses_entries_that_are_not_files),
	        cmocka_unit_test(test_gitsrc__refuses_files_over_the_cap),
	        cmocka_unit_test(test_gitsrc__clones_a_remote_then_fetches),
	        cmocka_unit_test(test_gitsrc__concurrent_opens_share_the_cache),
	        cmocka_unit_test(test_gitsrc__fetch_failure_names_the_url_without_password),
	        cmocka_unit_test(test_gitsrc__urls_are_redacted_and_named),
	        cmocka_unit_test(test_gitsrc__default_cache_dir_follows_xdg),
	        cmocka_unit_test(test_gitsrc__ssh_host_keys_are_checked_against_known_hosts),
	        cmocka_unit_test(test_gitsrc__url_ports),
	        cmocka_unit_test(test_gitsrc__fetch_keeps_the_local_audit_branch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
