/*
 * Unit tests for reconciler/audit: real spec repositories made by git in
 * a temporary folder. An intent and a final record are appended to the
 * audit branch without touching the work tree, the index or HEAD; the
 * trailers parse; the spec commit gets its note; the branch and the notes
 * reach a bare remote (through origin, and through a cached clone's URL);
 * a push rejected because someone else pushed meanwhile is fetched,
 * rebuilt and pushed again, never forced; the no-replay check; and no
 * byte of any object in the repository holds a password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/audit/audit_fixture.h"

static void write_ok(struct audit_written *w, struct audit *audit, json_t *record)
{
	err_clear();
	if (audit_record_write(w, audit, record) < 0)
		fail_msg("audit_record_write: %s", err_last());
	json_decref(record);
}

/* An apply of ids[1]: intent, then the final record with `result`. */
static void apply(struct audit *audit, const char *spec, const char *result, int steps_run,
                  struct audit_written *intent, struct audit_written *final)
{
	write_ok(intent, audit, fx_record(spec, "intent", "failover", "dc1", "dc2", 7, "pending"));
	write_ok(final, audit,
	         fx_record(spec, result, "failover", "dc1", "dc2", 7,
	                   steps_run ? result : "not_run"));
}

static void test_audit__intent_and_final_commits_leave_the_work_tree_alone(void **state)
{
	char ids[3][41];
	const char *repo = fx_spec_repo("plain", ids);
	struct audit_written intent, final;
	struct gitsrc *src;
	struct audit *audit;
	char *head_before, *head_after, *status, *count, *files, *subject, *trailer;

	(void)state;
	fx_write_file(repo, "dirty.txt", "an uncommitted file\n");
	head_before = GIT_OUT(repo, "rev-parse", "HEAD");
	src = fx_open_src(repo, NULL);
	audit = fx_open_audit(src, NULL);
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	assert_false(intent.has_remote);
	assert_string_equal(intent.path, "records/atl-pchat/20261128T140211Z-1a2b3c4d.intent.json");
	assert_string_equal(final.path, "records/atl-pchat/20261128T140211Z-1a2b3c4d.json");
	count = GIT_OUT(repo, "rev-list", "--count", "pcdr/audit");
	assert_string_equal(count, "2");
	files = GIT_OUT(repo, "ls-tree", "-r", "--name-only", "pcdr/audit");
	assert_string_equal(files, "records/atl-pchat/20261128T140211Z-1a2b3c4d.intent.json\n"
	                           "records/atl-pchat/20261128T140211Z-1a2b3c4d.json");
	subject = GIT_OUT(repo, "log", "-1", "--format=%s", "pcdr/audit");
	assert_string_equal(subject, "apply atl-pchat: failover dc1 -> dc2 (succeeded, 7 steps)");
	free(subject);
	subject = GIT_OUT(repo, "log", "-1", "--format=%s", "pcdr/audit~1");
	assert_string_equal(subject,
	                    "apply atl-pchat: failover dc1 -> dc2 (intent, 7 steps planned)");
	trailer = GIT_OUT(repo, "log", "-1",
	                  "--format=%(trailers:key=Result,valueonly)%(trailers:key=Spec-Commit,"
	                  "valueonly)%(trailers:key=Pool,valueonly)",
	                  "pcdr/audit");
	assert_non_null(strstr(trailer, "succeeded\n"));
	assert_non_null(strstr(trailer, ids[2]));
	assert_non_null(strstr(trailer, "atl-pchat"));
	/* HEAD, the branch, the index and the work tree are as they were */
	head_after = GIT_OUT(repo, "rev-parse", "HEAD");
	assert_string_equal(head_before, head_after);
	status = GIT_OUT(repo, "status", "--porcelain");
	assert_string_equal(status, "?? dirty.txt");
	free(head_after);
	head_after = GIT_OUT(repo, "symbolic-ref", "HEAD");
	assert_string_equal(head_after, "refs/heads/main");
	free(head_before), free(head_after), free(status), free(count), free(files), free(trailer);
	free(subject);
	audit_free(audit);
	gitsrc_free(src);
}

/* audit_walk callback: the entries, newest first. */
static int collect(const struct audit_entry *e, void *p)
{
	struct audit_entry *out = p;
	int i = 0;

	while (out[i].commit[0])
		i++;
	out[i] = *e;
	return 0;
}

static void test_audit__trailers_and_record_read_back(void **state)
{
	char ids[3][41];
	const char *repo = fx_spec_repo("readback", ids);
	struct audit_written intent, final;
	struct audit_entry e[4];
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	json_t *record = NULL;

	(void)state;
	memset(e, 0, sizeof(e));
	apply(audit, ids[1], "failed", 1, &intent, &final);
	assert_int_equal(audit_walk(audit, collect, e), 0);
	assert_string_equal(e[0].commit, final.commit);
	assert_string_equal(e[1].commit, intent.commit);
	assert_string_equal(e[2].commit, "");
	for (int i = 0; i < 2; i++) {
		assert_string_equal(e[i].pool, "atl-pchat");
		assert_string_equal(e[i].apply_id, "1a2b3c4d");
		assert_string_equal(e[i].kind, "failover");
		assert_string_equal(e[i].spec_commit, ids[1]);
	}
	assert_string_equal(e[0].result, "failed");
	assert_string_equal(e[1].result, "intent");
	assert_int_equal(e[0].steps_run, 7);
	assert_int_equal(e[1].steps_run, 0);
	assert_string_equal(e[0].record_path, final.path);
	assert_int_equal(audit_read_record(&record, audit, &e[0]), 0);
	assert_string_equal(json_string_value(json_object_get(record, "result")), "failed");
	assert_int_equal(json_array_size(json_object_get(record, "steps")), 7);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(record, "reconciler"), "user")),
	        "alice");
	json_decref(record);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__note_on_the_spec_commit(void **state)
{
	char ids[3][41];
	const char *repo = fx_spec_repo("note", ids);
	struct audit_written intent, final, again;
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	json_t *record;
	char *note;

	(void)state;
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	assert_string_equal(intent.note_commit, "");
	assert_int_equal(strlen(final.note_commit), 40);
	note = GIT_OUT(repo, "notes", "--ref=pcdr", "show", ids[2]);
	assert_true(!strncmp(note,
	                     "2026-11-28T14:02:11Z pcdr apply 1a2b3c4d: failover dc1 -> dc2 "
	                     "on atl-pchat (succeeded, 7 steps) by alice@",
	                     82));
	assert_null(strchr(note, '\n'));
	free(note);
	/* a second apply of the same commit adds a line, keeps the first */
	record = fx_record(ids[2], "succeeded", "converge", "dc2", "dc2", 1, "succeeded");
	json_object_set_new(record, "apply_id", json_string("5e6f7a8b"));
	write_ok(&again, audit, record);
	note = GIT_OUT(repo, "notes", "--ref=pcdr", "show", ids[2]);
	assert_non_null(strchr(note, '\n'));
	free(note);
	audit_free(audit);
	gitsrc_free(src);
}

/* tmp_root/NAME.git, a bare clone of `spec`; and tmp_root/NAME-work, a
 * clone of that whose origin is the bare one. */
static const char *remote_pair(const char *name, const char *spec, char *work, size_t size)
{
	static char bare[256];

	snprintf(bare, sizeof(bare), "%s/%s.git", tmp_root, name);
	snprintf(work, size, "%s/%s-work", tmp_root, name);
	GIT(tmp_root, "clone", "-q", "--bare", spec, bare);
	GIT(tmp_root, "clone", "-q", bare, work);
	return bare;
}

static void test_audit__pushes_branch_and_notes_to_origin(void **state)
{
	char ids[3][41], work[256];
	const char *spec = fx_spec_repo("pushspec", ids);
	const char *bare = remote_pair("push", spec, work, sizeof(work));
	struct audit_written intent, final;
	struct gitsrc *src = fx_open_src(work, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	char *tip, *note;

	(void)state;
	assert_null(audit_remote_error(audit));
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	assert_true(intent.has_remote && intent.pushed && final.pushed);
	assert_int_equal(final.push_attempts, 1);
	tip = GIT_OUT(bare, "rev-parse", "pcdr/audit");
	assert_string_equal(tip, final.commit);
	note = GIT_OUT(bare, "notes", "--ref=pcdr", "show", ids[2]);
	assert_non_null(strstr(note, "pcdr apply 1a2b3c4d"));
	free(tip), free(note);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__rejected_push_is_fetched_rebuilt_and_retried(void **state)
{
	char ids[3][41], work[256], other[300], records[400];
	const char *spec = fx_spec_repo("racespec", ids);
	const char *bare = remote_pair("race", spec, work, sizeof(work));
	struct audit_written intent, final;
	struct gitsrc *src = fx_open_src(work, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	char *theirs, *log, *files, *base;

	(void)state;
	write_ok(&intent, audit,
	         fx_record(ids[2], "intent", "failover", "dc1", "dc2", 2, "pending"));
	assert_true(intent.pushed);
	/* meanwhile another host pushes an apply of another pool to the branch */
	snprintf(other, sizeof(other), "%s/race-other", tmp_root);
	GIT(tmp_root, "clone", "-q", "-b", "pcdr/audit", bare, other);
	snprintf(records, sizeof(records), "%s/records/lyon-pchat", other);
	assert_int_equal(mkdir(records, 0700), 0);
	fx_write_file(records, "20261128T140500Z-99999999.json", "{}\n");
	GIT(other, "add", "-A");
	GIT(other, "commit", "-q", "-m", "apply lyon-pchat: converge (succeeded, 1 step)");
	GIT(other, "push", "-q", "origin", "pcdr/audit");
	theirs = GIT_OUT(other, "rev-parse", "HEAD");
	/* our final record: rejected once, then rebuilt on theirs */
	write_ok(&final, audit,
	         fx_record(ids[2], "succeeded", "failover", "dc1", "dc2", 2, "succeeded"));
	assert_true(final.pushed);
	assert_int_equal(final.push_attempts, 2);
	log = GIT_OUT(bare, "log", "--format=%s", "pcdr/audit");
	assert_string_equal(log, "apply atl-pchat: failover dc1 -> dc2 (succeeded, 2 steps)\n"
	                         "apply lyon-pchat: converge (succeeded, 1 step)\n"
	                         "apply atl-pchat: failover dc1 -> dc2 (intent, 2 steps planned)");
	/* theirs is an ancestor of the new tip: nothing was forced */
	base = GIT_OUT(bare, "merge-base", theirs, "pcdr/audit");
	assert_string_equal(base, theirs);
	files = GIT_OUT(bare, "ls-tree", "-r", "--name-only", "pcdr/audit");
	assert_non_null(strstr(files, "lyon-pchat/20261128T140500Z-99999999.json"));
	assert_non_null(strstr(files, "atl-pchat/20261128T140211Z-1a2b3c4d.json"));
	assert_non_null(strstr(files, "atl-pchat/20261128T140211Z-1a2b3c4d.intent.json"));
	free(theirs), free(log), free(base), free(files);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__notes_push_rejected_is_rebuilt_keeping_their_note(void **state)
{
	char ids[3][41], work[256], other[300];
	const char *spec = fx_spec_repo("notespec", ids);
	const char *bare = remote_pair("notes", spec, work, sizeof(work));
	struct audit_written intent, final;
	struct gitsrc *src = fx_open_src(work, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	char *note;

	(void)state;
	snprintf(other, sizeof(other), "%s/notes-other", tmp_root);
	GIT(tmp_root, "clone", "-q", bare, other);
	GIT(other, "notes", "--ref=pcdr", "add", "-m", "reviewed by bob", ids[2]);
	GIT(other, "push", "-q", "origin", "refs/notes/pcdr");
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	assert_true(final.pushed);
	note = GIT_OUT(bare, "notes", "--ref=pcdr", "show", ids[2]);
	assert_non_null(strstr(note, "reviewed by bob\n"));
	assert_non_null(strstr(note, "pcdr apply 1a2b3c4d"));
	free(note);
	audit_free(audit);
	gitsrc_free(src);
}

/* Another host pushes a commit adding records/lyon-pchat/NAME.json to the
 * remote's audit branch (creating the branch if needed); returns its id. */
static char *other_host_pushes(const char *bare, const char *name)
{
	char other[300], records[400], file[64];
	const char *argv[] = {"rev-parse", "-q", "--verify", "origin/pcdr/audit", NULL};

	snprintf(other, sizeof(other), "%s/%s-other", tmp_root, name);
	GIT(tmp_root, "clone", "-q", bare, other);
	if (fx_git_run(other, NULL, argv) == 0) {
		GIT(other, "checkout", "-q", "-b", "pcdr/audit", "origin/pcdr/audit");
	} else {
		GIT(other, "checkout", "-q", "--orphan", "pcdr/audit");
		GIT(other, "rm", "-rqf", ".");
	}
	snprintf(records, sizeof(records), "%s/records", other);
	mkdir(records, 0700); /* may exist already */
	snprintf(records, sizeof(records), "%s/records/lyon-pchat", other);
	mkdir(records, 0700);
	snprintf(file, sizeof(file), "%s.json", name);
	fx_write_file(records, file, "{}\n");
	GIT(other, "add", "-A");
	GIT(other, "commit", "-q", "-m", "apply lyon-pchat: converge (succeeded, 1 step)");
	GIT(other, "push", "-q", "origin", "pcdr/audit");
	return GIT_OUT(other, "rev-parse", "HEAD");
}

static void test_audit__open_puts_unpushed_commits_on_top_of_the_remote(void **state)
{
	char ids[3][41], work[256], last[41];
	const char *spec = fx_spec_repo("syncspec", ids);
	const char *bare = remote_pair("sync", spec, work, sizeof(work));
	struct audit_options offline = AUDIT_OPTIONS_INIT;
	struct audit_written local, intent;
	struct gitsrc *src = fx_open_src(work, NULL);
	struct audit *audit;
	char *theirs, *log, *parent;

	(void)state;
	offline.no_push = 1; /* as if the remote had been down */
	audit = fx_open_audit(src, &offline);
	write_ok(&local, audit,
	         fx_record(ids[1], "succeeded", "failover", "dc1", "dc2", 1, "succeeded"));
	assert_false(local.has_remote);
	audit_free(audit);
	theirs = other_host_pushes(bare, "sync");
	/* back online: open fetches theirs and puts our commit on top */
	audit = fx_open_audit(src, NULL);
	assert_null(audit_remote_error(audit));
	parent = GIT_OUT(work, "rev-parse", "pcdr/audit~1");
	assert_string_equal(parent, theirs);
	/* and the no-replay check sees our apply */
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[0], 0, last), ERR_CONFLICT);
	assert_string_equal(last, ids[1]);
	write_ok(&intent, audit,
	         fx_record(ids[2], "intent", "converge", "dc2", "dc2", 1, "pending"));
	assert_true(intent.pushed);
	assert_int_equal(intent.push_attempts, 1);
	log = GIT_OUT(bare, "log", "--format=%s", "pcdr/audit");
	assert_string_equal(log, "apply atl-pchat: converge (intent, 1 step planned)\n"
	                         "apply atl-pchat: failover dc1 -> dc2 (succeeded, 1 step)\n"
	                         "apply lyon-pchat: converge (succeeded, 1 step)");
	free(theirs), free(log), free(parent);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__push_retries_are_bounded_and_never_forced(void **state)
{
	char ids[3][41], work[256];
	const char *spec = fx_spec_repo("boundspec", ids);
	const char *bare = remote_pair("bound", spec, work, sizeof(work));
	struct audit_options opts = AUDIT_OPTIONS_INIT;
	struct audit_written w;
	struct gitsrc *src = fx_open_src(work, NULL);
	struct audit *audit;
	json_t *record;
	char *theirs, *tip;

	(void)state;
	opts.max_attempts = 1;
	audit = fx_open_audit(src, &opts);
	write_ok(&w, audit, fx_record(ids[2], "intent", "failover", "dc1", "dc2", 1, "pending"));
	theirs = other_host_pushes(bare, "bound");
	record = fx_record(ids[2], "succeeded", "failover", "dc1", "dc2", 1, "succeeded");
	err_clear();
	assert_int_equal(audit_record_write(&w, audit, record), ERR_CONFLICT);
	json_decref(record);
	assert_non_null(strstr(err_last(), "after 1 attempts"));
	assert_false(w.pushed);
	assert_int_equal(w.push_attempts, 1);
	tip = GIT_OUT(bare, "rev-parse", "pcdr/audit");
	assert_string_equal(tip, theirs); /* theirs was kept */
	free(tip), free(theirs);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__cached_clone_pushes_to_its_url(void **state)
{
	char ids[3][41], work[256], url[300], cache[300];
	const char *spec = fx_spec_repo("cachespec", ids);
	const char *bare = remote_pair("cached", spec, work, sizeof(work));
	struct audit_written intent, final;
	struct gitsrc *src;
	struct audit *audit;
	char *tip;

	(void)state;
	snprintf(url, sizeof(url), "file://%s", bare);
	snprintf(cache, sizeof(cache), "%s/cache", tmp_root);
	src = fx_open_src(url, cache);
	assert_non_null(gitsrc_cache_path(src));
	audit = fx_open_audit(src, NULL);
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	assert_true(final.has_remote && final.pushed);
	tip = GIT_OUT(bare, "rev-parse", "pcdr/audit");
	assert_string_equal(tip, final.commit);
	free(tip);
	tip = GIT_OUT(gitsrc_cache_path(src), "rev-parse", "pcdr/audit");
	assert_string_equal(tip, final.commit);
	free(tip);
	audit_free(audit);
	gitsrc_free(src);
	/* the next open (a fetch into the cache) still has it */
	src = fx_open_src(url, cache);
	tip = GIT_OUT(gitsrc_cache_path(src), "rev-parse", "pcdr/audit");
	assert_string_equal(tip, final.commit);
	free(tip);
	gitsrc_free(src);
}

static void test_audit__unreachable_remote_keeps_the_local_commit(void **state)
{
	char ids[3][41], work[256], gone[300];
	const char *spec = fx_spec_repo("gonespec", ids);
	const char *bare = remote_pair("gone", spec, work, sizeof(work));
	struct audit_written w;
	struct gitsrc *src = fx_open_src(work, NULL);
	struct audit *audit;
	json_t *record;
	char *tip;

	(void)state;
	audit = fx_open_audit(src, NULL);
	write_ok(&w, audit, fx_record(ids[2], "intent", "failover", "dc1", "dc2", 1, "pending"));
	assert_true(w.pushed);
	snprintf(gone, sizeof(gone), "%s.moved", bare);
	assert_int_equal(rename(bare, gone), 0);
	record = fx_record(ids[2], "succeeded", "failover", "dc1", "dc2", 1, "succeeded");
	err_clear();
	assert_int_equal(audit_record_write(&w, audit, record), ERR_UNREACHABLE);
	json_decref(record);
	assert_false(w.pushed);
	tip = GIT_OUT(work, "rev-parse", "pcdr/audit");
	assert_string_equal(tip, w.commit);
	free(tip);
	audit_free(audit);
	audit = fx_open_audit(src, NULL);
	assert_non_null(audit_remote_error(audit)); /* the fetch failed: not fatal */
	audit_free(audit);
	/* back online: the remote is behind us, our commit keeps its id */
	assert_int_equal(rename(gone, bare), 0);
	audit = fx_open_audit(src, NULL);
	assert_null(audit_remote_error(audit));
	tip = GIT_OUT(work, "rev-parse", "pcdr/audit");
	assert_string_equal(tip, w.commit);
	free(tip);
	record = fx_record(ids[2], "succeeded", "converge", "dc2", "dc2", 0, "succeeded");
	json_object_set_new(record, "apply_id", json_string("feedf00d"));
	write_ok(&w, audit, record);
	assert_true(w.pushed);
	tip = GIT_OUT(bare, "rev-list", "--count", "pcdr/audit");
	assert_string_equal(tip, "3");
	free(tip);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__no_replay(void **state)
{
	char ids[3][41], last[41], unrelated[41];
	const char *repo = fx_spec_repo("replay", ids);
	struct audit_written intent, final;
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	char *id;

	(void)state;
	GIT(repo, "checkout", "-q", "--orphan", "other");
	GIT(repo, "commit", "-q", "-m", "unrelated history");
	id = GIT_OUT(repo, "rev-parse", "HEAD");
	snprintf(unrelated, sizeof(unrelated), "%s", id);
	free(id);
	/* never applied: anything goes */
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[0], 0, last), 0);
	assert_string_equal(last, "");
	/* an intent, or a failure before any step, does not count */
	apply(audit, ids[2], "failed", 0, &intent, &final);
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[0], 0, last), 0);
	assert_string_equal(last, "");
	apply(audit, ids[1], "succeeded", 1, &intent, &final);
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[2], 0, last), 0);
	assert_string_equal(last, ids[1]);
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[1], 0, last), 0);
	err_clear();
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[0], 0, last), ERR_CONFLICT);
	assert_non_null(strstr(err_last(), ids[0]));
	assert_non_null(strstr(err_last(), ids[1]));
	err_clear();
	assert_int_equal(audit_check_descends(audit, "atl-pchat", unrelated, 0, last),
	                 ERR_CONFLICT);
	assert_non_null(strstr(err_last(), unrelated));
	assert_non_null(strstr(err_last(), ids[1]));
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[0], 1, last), 0);
	assert_string_equal(last, ids[1]);
	/* another pool has its own history */
	assert_int_equal(audit_check_descends(audit, "lyon-pchat", ids[0], 0, last), 0);
	/* a failed apply whose steps ran counts */
	apply(audit, ids[2], "failed", 1, &intent, &final);
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[1], 0, last), ERR_CONFLICT);
	assert_string_equal(last, ids[2]);
	assert_int_equal(audit_check_descends(audit, "atl-pchat", "0123456", 0, last),
	                 ERR_NOTFOUND);
	audit_free(audit);
	gitsrc_free(src);
}

/* No replay after a killed apply: its intent (no final record after it)
 * counts, since the world may have moved toward its spec. */
static void test_audit__no_replay_after_a_killed_apply(void **state)
{
	char ids[3][41], last[41];
	const char *repo = fx_spec_repo("killed", ids);
	struct audit_written intent, final;
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	json_t *r;

	(void)state;
	apply(audit, ids[1], "succeeded", 1, &intent, &final);
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[1], 0, last), 0);
	r = fx_record(ids[2], "intent", "failover", "dc1", "dc2", 7, "pending");
	json_object_set_new(r, "apply_id", json_string("5e5e5e5e"));
	write_ok(&intent, audit, r);
	err_clear();
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[1], 0, last), ERR_CONFLICT);
	assert_string_equal(last, ids[2]);
	assert_non_null(strstr(err_last(), ids[2]));
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[2], 0, last), 0);
	/* once that apply's final record is written, the final one decides */
	r = fx_record(ids[2], "failed", "failover", "dc1", "dc2", 7, "not_run");
	json_object_set_new(r, "apply_id", json_string("5e5e5e5e"));
	write_ok(&final, audit, r);
	assert_int_equal(audit_check_descends(audit, "atl-pchat", ids[1], 0, last), 0);
	assert_string_equal(last, ids[1]);
	audit_free(audit);
	gitsrc_free(src);
}

/* The drift rule's "last applied" spec: the newest record decides, and an
 * apply that died after its intent record (no final one) leaves none. */
static void test_audit__last_succeeded_after_a_crash(void **state)
{
	char ids[3][41], last[41];
	const char *repo = fx_spec_repo("crash", ids);
	struct audit_written intent, final;
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = fx_open_audit(src, NULL);

	(void)state;
	assert_int_equal(audit_last_succeeded(audit, "atl-pchat", last), 0);
	assert_string_equal(last, "");
	apply(audit, ids[1], "succeeded", 1, &intent, &final);
	assert_int_equal(audit_last_succeeded(audit, "atl-pchat", last), 0);
	assert_string_equal(last, ids[1]);
	/* killed after its intent: no final record */
	write_ok(&intent, audit,
	         fx_record(ids[2], "intent", "failover", "dc1", "dc2", 7, "pending"));
	assert_int_equal(audit_last_succeeded(audit, "atl-pchat", last), 0);
	assert_string_equal(last, "");
	/* another pool's intent is not this pool's business */
	assert_int_equal(audit_last_succeeded(audit, "lyon-pchat", last), 0);
	assert_string_equal(last, "");
	/* the next apply that succeeds is the last applied again */
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	assert_int_equal(audit_last_succeeded(audit, "atl-pchat", last), 0);
	assert_string_equal(last, ids[2]);
	apply(audit, ids[2], "failed", 1, &intent, &final);
	assert_int_equal(audit_last_succeeded(audit, "atl-pchat", last), 0);
	assert_string_equal(last, "");
	audit_free(audit);
	gitsrc_free(src);
}

/* A success with blocked steps (exit 3: an instance down) did not converge:
 * its spec is not "last applied" either, and the trailer says why. */
static void test_audit__last_succeeded_not_with_blocked_steps(void **state)
{
	char ids[3][41], last[41];
	const char *repo = fx_spec_repo("blocked", ids);
	struct audit_written intent, final;
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	json_t *r;
	char *trailer;

	(void)state;
	apply(audit, ids[1], "succeeded", 1, &intent, &final);
	assert_int_equal(audit_last_succeeded(audit, "atl-pchat", last), 0);
	assert_string_equal(last, ids[1]);
	write_ok(&intent, audit,
	         fx_record(ids[2], "intent", "failover", "dc1", "dc2", 3, "pending"));
	r = fx_record(ids[2], "succeeded", "failover", "dc1", "dc2", 3, "succeeded");
	json_object_set_new(json_array_get(json_object_get(r, "steps"), 2), "result",
	                    json_string("blocked"));
	write_ok(&final, audit, r);
	trailer = GIT_OUT(repo, "log", "-1",
	                  "--format=%(trailers:key=Steps-Blocked,valueonly,separator=)",
	                  "pcdr/audit");
	assert_string_equal(trailer, "1");
	assert_int_equal(audit_last_succeeded(audit, "atl-pchat", last), 0);
	assert_string_equal(last, "");
	free(trailer);
	audit_free(audit);
	gitsrc_free(src);
}

/* Every byte of every object in the repository (records, messages,
 * notes, trees), NUL bytes made spaces so string searches see it all. */
static char *all_objects(const char *repo, size_t *len)
{
	const char *argv[] = {"cat-file", "--batch-all-objects", "--batch", NULL};
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(fx_git_run(repo, &out, argv), 0);
	for (size_t i = 0; i < out.len; i++)
		if (!out.ptr[i])
			out.ptr[i] = ' ';
	return strbuf_detach(&out, len);
}

static void test_audit__records_never_hold_a_password(void **state)
{
	static const char *const secrets[] = {"S3cr3t-pw!", "hunter2", NULL};
	char ids[3][41], *objects;
	size_t len;
	const char *repo = fx_spec_repo("secrets", ids);
	struct audit_options opts = AUDIT_OPTIONS_INIT;
	struct audit_written w;
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit;
	json_t *record, *step;

	(void)state;
	opts.secrets = secrets;
	audit = fx_open_audit(src, &opts);
	record = fx_record(ids[2], "failed", "failover", "dc1", "dc2", 1, "failed");
	step = json_array_get(json_object_get(record, "steps"), 0);
	json_object_set_new(step, "error",
	                    json_string("Login failed for user 'pcdr' "
	                                "(password 'S3cr3t-pw!')"));
	json_object_set_new(record, "source",
	                    json_string("https://ops:hunter2@git.example/specs.git"));
	json_object_set_new(record, "other", json_string("https://ops:n0t-listed@git.example/x"));
	err_clear();
	assert_int_equal(audit_record_write(&w, audit, record), ERR_INVALID);
	assert_null(strstr(err_last(), "S3cr3t"));
	assert_string_equal(w.commit, ""); /* nothing written */
	assert_int_equal(audit_redact(record, secrets), 3);
	assert_string_equal(json_string_value(json_object_get(record, "source")),
	                    "https://ops:***@git.example/specs.git");
	assert_string_equal(json_string_value(json_object_get(record, "other")),
	                    "https://ops:***@git.example/x");
	write_ok(&w, audit, record);
	objects = all_objects(repo, &len);
	assert_true(len > 1000);
	assert_non_null(strstr(objects, "password '***'"));
	for (size_t i = 0; secrets[i]; i++)
		assert_null(memmem(objects, len, secrets[i], strlen(secrets[i])));
	assert_null(strstr(objects, "n0t-listed"));
	free(objects);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__invalid_records_are_refused(void **state)
{
	char ids[3][41];
	const char *repo = fx_spec_repo("invalid", ids);
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = fx_open_audit(src, NULL);
	struct audit_written w;
	static const struct {
		const char *key;
		const char *value;
		const char *message;
	} cases[] = {
	        {"pool", "../x", "'pool'"},      {"spec_commit", "abc", "'spec_commit'"},
	        {"result", "maybe", "'result'"}, {"started_at", "yesterday", "'started_at'"},
	        {"apply_id", "", "'apply_id'"},  {"kind", "teleport", "'kind'"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = fx_record(ids[2], "intent", "failover", "dc1", "dc2", 1, "pending");

		json_object_set_new(r, cases[i].key, json_string(cases[i].value));
		err_clear();
		assert_int_equal(audit_record_write(&w, audit, r), ERR_INVALID);
		assert_non_null(strstr(err_last(), cases[i].message));
		json_decref(r);
	}
	assert_int_equal(
	        fx_git_run(repo, NULL,
	                   (const char *[]){"rev-parse", "-q", "--verify", "pcdr/audit", NULL}),
	        1);
	audit_free(audit);
	gitsrc_free(src);
}

static void test_audit__kind(void **state)
{
	(void)state;
	assert_string_equal(audit_kind("dc1", "dc1", "dc2", NULL, NULL, 5), "failover");
	assert_string_equal(audit_kind("dc1", "dc2", "dc1", NULL, NULL, 5), "failback");
	assert_string_equal(audit_kind("dc1", "dc2", "dc3", NULL, NULL, 5), "switchover");
	assert_string_equal(audit_kind("dc1", "dc1", "dc1", "Normal", "FailedOver", 2), "failover");
	assert_string_equal(audit_kind("dc1", "dc2", "dc2", "FailedOver", "Normal", 2), "failback");
	assert_string_equal(audit_kind("dc1", "dc1", "dc1", "Normal", "Normal", 1), "converge");
	assert_string_equal(audit_kind("dc1", "dc1", "dc1", "Normal", "Normal", 0), "none");
	assert_string_equal(audit_kind(NULL, "dc1", "dc2", NULL, NULL, 1), "failover");
}

static void test_audit__branch_name_is_configurable(void **state)
{
	char ids[3][41];
	const char *repo = fx_spec_repo("branch", ids);
	struct audit_options opts = AUDIT_OPTIONS_INIT;
	struct gitsrc *src = fx_open_src(repo, NULL);
	struct audit *audit = NULL;
	struct audit_written intent, final;
	json_t *record;
	char *count;

	(void)state;
	opts.branch = "bad..name";
	assert_int_equal(audit_open(&audit, src, &opts), ERR_INVALID);
	/* a work tree with the audit branch checked out is never written to */
	audit = fx_open_audit(src, NULL);
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	GIT(repo, "checkout", "-q", "pcdr/audit");
	record = fx_record(ids[2], "intent", "failover", "dc1", "dc2", 1, "pending");
	err_clear();
	assert_int_equal(audit_record_write(&intent, audit, record), ERR_CONFLICT);
	assert_non_null(strstr(err_last(), "is checked out"));
	json_decref(record);
	GIT(repo, "checkout", "-q", "main");
	audit_free(audit);
	opts.branch = "ops/audit-atl";
	audit = fx_open_audit(src, &opts);
	assert_string_equal(audit_branch(audit), "ops/audit-atl");
	apply(audit, ids[2], "succeeded", 1, &intent, &final);
	count = GIT_OUT(repo, "rev-list", "--count", "ops/audit-atl");
	assert_string_equal(count, "2");
	free(count);
	audit_free(audit);
	gitsrc_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_audit__intent_and_final_commits_leave_the_work_tree_alone),
	        cmocka_unit_test(test_audit__trailers_and_record_read_back),
	        cmocka_unit_test(test_audit__note_on_the_spec_commit),
	        cmocka_unit_test(test_audit__pushes_branch_and_notes_to_origin),
	        cmocka_unit_test(test_audit__rejected_push_is_fetched_rebuilt_and_retried),
	        cmocka_unit_test(test_audit__notes_push_rejected_is_rebuilt_keeping_their_note),
	        cmocka_unit_test(test_audit__open_puts_unpushed_commits_on_top_of_the_remote),
	        cmocka_unit_test(test_audit__push_retries_are_bounded_and_never_forced),
	        cmocka_unit_test(test_audit__cached_clone_pushes_to_its_url),
	        cmocka_unit_test(test_audit__unreachable_remote_keeps_the_local_commit),
	        cmocka_unit_test(test_audit__no_replay),
	        cmocka_unit_test(test_audit__no_replay_after_a_killed_apply),
	        cmocka_unit_test(test_audit__last_succeeded_after_a_crash),
	        cmocka_unit_test(test_audit__last_succeeded_not_with_blocked_steps),
	        cmocka_unit_test(test_audit__records_never_hold_a_password),
	        cmocka_unit_test(test_audit__invalid_records_are_refused),
	        cmocka_unit_test(test_audit__kind),
	        cmocka_unit_test(test_audit__branch_name_is_configurable),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
