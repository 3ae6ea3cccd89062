/*
 * audit_int: what the audit files share and nobody else sees: the audit
 * struct and the steps of a write (record checks and message in audit.c,
 * objects and refs in audit_git.c, fetch and push in audit_push.c,
 * reading the branch in audit_read.c).
 */
#ifndef PCDR_AUDIT_AUDIT_INT_H
#define PCDR_AUDIT_AUDIT_INT_H

#include <git2.h>
#include <jansson.h>

#include "reconciler/audit/audit.h"
#include "util/strbuf.h"

struct audit {
	struct gitsrc *src;   /* borrowed */
	git_repository *repo; /* borrowed from src */
	char *branch;         /* "pcdr/audit" */
	char *branch_ref;     /* "refs/heads/pcdr/audit" */
	char *tracking_ref;   /* "refs/remotes/origin/pcdr/audit": the remote's, as last fetched */
	char *notes_tracking; /* "refs/remotes/origin/notes/pcdr" */
	char *url;            /* a cached clone's URL (may hold a password); NULL: origin */
	char *secret;         /* that URL's password, scrubbed from messages */
	int has_remote;
	int max_attempts;
	char **secrets; /* NULL-terminated copies of audit_options.secrets */
	char *remote_error;
};

/* Facts about a record that was checked (borrowed from the json). */
struct audit_facts {
	const char *pool;
	const char *apply_id;
	const char *spec_commit;
	const char *result;
	const char *started_at;
	const char *kind;
	int steps_run;
	int steps_blocked; /* in a final record: steps the plan could not run */
	int n_steps;
	int is_intent;
};

/* Check the envelope of `record`; ERR_INVALID naming the field. */
int audit_facts_get(struct audit_facts *facts, const json_t *record);

/* "records/POOL/YYYYMMDDTHHMMSSZ-ID[.intent].json" */
void audit_record_path(struct strbuf *out, const struct audit_facts *facts);

/* The commit message: summary line, body, trailers. */
void audit_message(struct strbuf *out, const json_t *record, const struct audit_facts *facts,
                   const char *path);

/* The one line added to the spec commit's note. */
void audit_note_line(struct strbuf *out, const json_t *record, const struct audit_facts *facts);

/* ERR_INVALID when one of audit->secrets occurs in text[0..len). */
int audit_check_secrets(const struct audit *audit, const char *text, size_t len);

/* err_set(code, "<fmt>: <libgit2 message>"), the URL's password scrubbed. */
int audit_git_err(const struct audit *audit, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * A commit whose tree is `base`'s tree (none: empty) plus `blob` at
 * `path`, with `base` as its parent. The author is the record's user.
 */
int audit_commit_build(git_oid *out, struct audit *audit, const git_oid *base, const char *path,
                       const git_oid *blob, const char *message, const git_signature *author);

/*
 * Put the commits reachable from `local` but not from `onto` on top of
 * `onto`, oldest first, each replaying the files it added or changed,
 * with its message and author. *out is the new tip; `local`
 * itself when `onto` is already in its history (ids are kept).
 */
int audit_rebuild(git_oid *out, struct audit *audit, const git_oid *local, const git_oid *onto);

/*
 * Add `line` to the note of `spec` in the notes commit `parent` (NULL:
 * none yet), keeping the lines already there. *out is the notes commit.
 */
int audit_note_build(git_oid *out, struct audit *audit, const git_oid *parent, const git_oid *spec,
                     const char *line);

/* Point `ref` at `id` (created or moved; our own refs only). */
int audit_ref_set(struct audit *audit, const char *ref, const git_oid *id, const char *why);

/* ERR_CONFLICT (with a message) when the repository's work tree has the
 * audit branch checked out: then pcdr must not move it. */
int audit_branch_checked_out(struct audit *audit);

/* The id `ref` points to; ERR_NOTFOUND when it does not exist. */
int audit_ref_get(git_oid *out, struct audit *audit, const char *ref);

/* origin's URL (push: its pushurl when set), caller frees; libgit2's
 * code, GIT_ENOTFOUND when there is no origin. */
int audit_origin_url(char **out, git_repository *repo, int push);

/* Fetch `src` of the remote into `dst` (forced: dst is a tracking ref). */
int audit_fetch(struct audit *audit, const char *src, const char *dst);

/*
 * Push `ref` (our branch or notes ref) to the same name on the remote,
 * never forced. *rejected is set when the remote refused it as not a
 * fast-forward (or any other per-ref refusal); 0 with *rejected = 0 when
 * it was pushed. ERR_UNREACHABLE when the remote could not be reached.
 */
int audit_push(struct audit *audit, const char *ref, int *rejected);

/* Trailers of a commit message into an entry (commit and time left alone).
 * 0, or ERR_NOTFOUND when the message has no Pool: or Result: trailer. */
int audit_entry_parse(struct audit_entry *entry, const char *message);

#endif
