/*
 * audit: the apply audit trail in git (docs/audit.md). Each record is one
 * JSON file committed to the audit branch (default pcdr/audit) of the
 * spec repository: an intent record before the first step, the final
 * record after the last. Commits are built from objects alone (a tree
 * builder on top of the branch's previous tree), so the work tree, the
 * index and HEAD are never touched. The final record also adds a line to
 * the git note (refs/notes/pcdr) of the spec commit that was applied.
 * When the repository has a remote (origin, or the URL of a cached
 * clone), the branch and the notes are pushed, never forced: a rejected
 * push is fetched, our unpushed commits are rebuilt on top of the
 * remote's, and pushed again, a bounded number of times.
 *
 * It also answers "was a newer spec already applied?" (no replay) and
 * lists the records for `pcdr history` (history.h). It does not decide
 * what a record says beyond its envelope: the apply executor builds the
 * record (audit_record_new helps) and calls audit_redact on anything that
 * may hold a credential; audit_record_write refuses a record in which a
 * known secret survived.
 */
#ifndef PCDR_AUDIT_AUDIT_H
#define PCDR_AUDIT_AUDIT_H

#include <jansson.h>
#include <stdint.h>

struct gitsrc;

#define AUDIT_DEFAULT_BRANCH   "pcdr/audit"
#define AUDIT_NOTES_REF        "refs/notes/pcdr"
#define AUDIT_FORMAT_VERSION   1
#define AUDIT_DEFAULT_REMOTE   "origin"
#define AUDIT_DEFAULT_ATTEMPTS 5

struct audit;

struct audit_options {
	const char *branch; /* NULL: AUDIT_DEFAULT_BRANCH */
	int no_push;        /* 1: never fetch or push, even with a remote */
	/* A cached clone pushes to its URL: give it as the source was opened
	 * with (it may hold user:password@, used in memory only). NULL: the
	 * source's password-free location. A local repository pushes to its
	 * remote `origin`, when it has one. */
	const char *url;
	int max_attempts;           /* pushes tried per write; 0: 5 */
	const char *const *secrets; /* NULL-terminated strings no record may contain */
};

/* clang-format off */
#define AUDIT_OPTIONS_INIT { NULL, 0, NULL, 0, NULL }
/* clang-format on */

/* What audit_record_write did. */
struct audit_written {
	char commit[41];      /* the audit commit, as pushed ("" when none was made) */
	char path[256];       /* "records/atl-pchat/20261128T140211Z-1a2b3c4d.json" */
	char note_commit[41]; /* the notes commit, "" for an intent record */
	int has_remote;       /* 1 when there is a remote to push to */
	int pushed;           /* 1 when the remote has the commit (and the note) */
	int push_attempts;    /* pushes of the branch tried, 0 without a remote */
};

/*
 * Open the audit trail of the repository behind `src` (borrowed: it must
 * outlive the audit). With a remote and no opts->no_push, fetch the
 * remote's audit branch first and put any local commits the remote does
 * not have on top of it, so the no-replay check sees every apply.
 * A fetch that fails is not an error here (a failover may run while the
 * git server is down): audit_remote_error() says why.
 * Errors: ERR_INVALID (a branch name git refuses), ERR_IO.
 */
int audit_open(struct audit **out, struct gitsrc *src, const struct audit_options *opts);

/* Close; NULL is fine. */
void audit_free(struct audit *audit);

/* The message of the last failed fetch or push, NULL when none (borrowed). */
const char *audit_remote_error(const struct audit *audit);

/*
 * A new record with its envelope filled in: format_version, apply_id (8
 * random hex digits), pool, spec_commit, result "intent", started_at (now,
 * UTC), reconciler {user, host, version} and an empty steps array. The
 * caller adds plan, steps, observed states, kind, ... (docs/audit.md) and
 * owns the result (json_decref).
 */
json_t *audit_record_new(const char *pool, const char *spec_commit);

/*
 * Commit `record` (a JSON object, see docs/audit.md; not modified) to the
 * audit branch, add the note for a final record, and push when there is a
 * remote. Intent and final records of one apply share apply_id and go to
 * different files ("...-ID.intent.json", "...-ID.json").
 * `written` is filled as far as the write got, in every case.
 * Errors: ERR_INVALID (a required field missing or malformed, or the
 * serialized record or message holds one of opts->secrets: nothing is
 * written), ERR_IO (git failed locally), ERR_UNREACHABLE (the commit is
 * local but the remote could not be reached), ERR_CONFLICT (the remote
 * kept rejecting the push after max_attempts rebuilds; or, with nothing
 * written, the audit branch is checked out in the repository's work tree).
 */
int audit_record_write(struct audit_written *written, struct audit *audit, const json_t *record);

/*
 * Replace, in every string of `record` (recursively), each occurrence of
 * each of the NULL-terminated `secrets` by "***", and the password of any
 * scheme://user:password@host URL. Returns how many strings changed.
 */
size_t audit_redact(json_t *record, const char *const *secrets);

/*
 * The kind of an apply, from where the primary was and went and the pool
 * state before and after (any may be NULL): "failover" (primary moved away
 * from home, or Normal -> FailedOver), "failback" (back to home, or
 * FailedOver -> Normal), "switchover" (primary moved between two sites
 * that are not home), "converge" (steps ran, primary unchanged) or "none".
 * Static string.
 */
const char *audit_kind(const char *home, const char *from_primary, const char *to_primary,
                       const char *state_before, const char *state_after, int steps_run);

/*
 * No replay: the last applied spec commit for `pool` (docs/audit.md says
 * which records count) must be `spec_commit` or one of its ancestors.
 * `last_applied` gets its id ("" when the pool was never applied).
 * Returns 0 when it is, or when `allow_rewind` is set; ERR_CONFLICT naming
 * both commits otherwise; ERR_NOTFOUND when spec_commit is not a commit.
 */
int audit_check_descends(struct audit *audit, const char *pool, const char *spec_commit,
                         int allow_rewind, char last_applied[41]);

/*
 * The spec commit of `pool`'s newest record when that record is a final
 * one that says `succeeded` with no step blocked (Steps-Blocked: 0); ""
 * when a step was blocked (exit 3), when the pool was never applied, or its
 * last apply failed or was interrupted, or died after its intent record
 * (SIGKILL, a lost host: the newest record is an intent with no final
 * record): then the world is half way to a spec on purpose, and no spec
 * is "last applied" for the planner's drift rule (docs/PLANNER.md).
 * 0, or audit_walk's error.
 */
int audit_last_succeeded(struct audit *audit, const char *pool, char spec_commit[41]);

/* One audit commit, as its trailers describe it. */
struct audit_entry {
	char commit[41]; /* the audit commit */
	int64_t time;    /* its commit time */
	char pool[128];
	char result[16]; /* intent, succeeded, failed, interrupted */
	char spec_commit[41];
	char apply_id[32];
	char kind[16];
	char record_path[256];
	int steps_run;
	int steps_blocked; /* Steps-Blocked: 0 when absent (records before it) */
};

/*
 * Call fn for each commit of the audit branch, newest first (first
 * parents), until fn returns non-zero (that value is returned). A commit
 * without pcdr trailers is skipped. 0 when the branch does not exist.
 */
int audit_walk(struct audit *audit, int (*fn)(const struct audit_entry *entry, void *payload),
               void *payload);

/* The record `entry` names, parsed (caller decrefs). ERR_NOTFOUND, ERR_INVALID. */
int audit_read_record(json_t **out, struct audit *audit, const struct audit_entry *entry);

/* The audit branch's name (borrowed). */
const char *audit_branch(const struct audit *audit);

#endif
