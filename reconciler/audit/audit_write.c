/*
 * audit_write: one record, end to end. Check the envelope, serialize,
 * refuse a record or message that holds a known secret, commit the blob
 * on top of the audit branch, add the note line (final records), then
 * push the branch and the notes. A rejected push is answered by a fetch
 * of the remote's ref and a rebuild of our unpushed commits (or of our
 * note line) on top of it, then another push, at most max_attempts
 * times: the remote's history is always kept, never overwritten.
 */
#include "reconciler/audit/audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/strbuf.h"

/* What a rebuild needs to put our work on top of the fetched ref. */
struct audit_rebuild_ctx {
	const char *ref;      /* ours: the branch or the notes ref */
	const char *tracking; /* where the remote's copy is fetched */
	const git_oid *spec;  /* notes only: the spec commit */
	const char *line;     /* notes only: our note line */
};

static int audit_rebuild_on(git_oid *out, struct audit *audit, const struct audit_rebuild_ctx *rb,
                            const git_oid *remote)
{
	git_oid local;
	int error;

	if (rb->line) /* the note: our line added to the remote's note */
		return audit_note_build(out, audit, remote, rb->spec, rb->line);
	if ((error = audit_ref_get(&local, audit, rb->ref)) < 0)
		return error;
	return audit_rebuild(out, audit, &local, remote);
}

/* Push rb->ref, fetching and rebuilding after each rejection. */
static int audit_push_retry(struct audit *audit, const struct audit_rebuild_ctx *rb, int *attempts)
{
	git_oid remote, tip;
	int rejected, error;

	for (*attempts = 1;; ++*attempts) {
		if ((error = audit_push(audit, rb->ref, &rejected)) < 0)
			return error;
		if (!rejected) {
			if (audit_ref_get(&tip, audit, rb->ref) == 0)
				audit_ref_set(audit, rb->tracking, &tip, "pcdr: pushed");
			return 0;
		}
		if (*attempts >= audit->max_attempts)
			break;
		if ((error = audit_fetch(audit, rb->ref, rb->tracking)) < 0 ||
		    (error = audit_ref_get(&remote, audit, rb->tracking)) < 0 ||
		    (error = audit_rebuild_on(&tip, audit, rb, &remote)) < 0 ||
		    (error = audit_ref_set(audit, rb->ref, &tip, "pcdr: rebuilt on the remote's")) <
		            0)
			return error;
	}
	return err_set(ERR_CONFLICT,
	               "the remote kept rejecting '%s' after %d attempts (fetched and rebuilt "
	               "each time; never forced)",
	               rb->ref, *attempts);
}

/* The record's user as the commit author: "alice <alice@host>". */
static int audit_author(git_signature **out, const json_t *record)
{
	const json_t *who = json_object_get(record, "reconciler");
	const char *user = json_string_value(json_object_get(who, "user"));
	const char *host = json_string_value(json_object_get(who, "host"));
	char email[300];

	snprintf(email, sizeof(email), "%s@%s", user ? user : "pcdr", host ? host : "localhost");
	if (user && *user && git_signature_now(out, user, email) == 0)
		return 0;
	return git_signature_now(out, "pcdr", "pcdr@localhost");
}

/* Commit the record (and the note) locally; the refs move. */
static int audit_commit_local(struct audit_written *w, struct audit *audit, const json_t *record,
                              const struct audit_facts *facts, const char *text,
                              const char *message, const char *note_line)
{
	git_signature *author = NULL;
	git_oid blob, base, id, spec, notes_parent, notes;
	int have_base, have_notes, error;

	have_base = audit_ref_get(&base, audit, audit->branch_ref) == 0;
	if (audit_author(&author, record) < 0 ||
	    git_blob_create_from_buffer(&blob, audit->repo, text, strlen(text)) < 0) {
		error = audit_git_err(audit, ERR_IO, "cannot write the audit record");
		goto done;
	}
	if ((error = audit_commit_build(&id, audit, have_base ? &base : NULL, w->path, &blob,
	                                message, author)) < 0 ||
	    (error = audit_ref_set(audit, audit->branch_ref, &id, "pcdr: audit record")) < 0)
		goto done;
	git_oid_tostr(w->commit, sizeof(w->commit), &id);
	if (!note_line)
		goto done;
	git_oid_fromstr(&spec, facts->spec_commit);
	have_notes = audit_ref_get(&notes_parent, audit, AUDIT_NOTES_REF) == 0;
	if ((error = audit_note_build(&notes, audit, have_notes ? &notes_parent : NULL, &spec,
	                              note_line)) < 0 ||
	    (error = audit_ref_set(audit, AUDIT_NOTES_REF, &notes, "pcdr: apply note")) < 0)
		goto done;
	git_oid_tostr(w->note_commit, sizeof(w->note_commit), &notes);
done:
	if (!error)
		err_clear(); /* a missing branch or notes ref is not a failure */
	git_signature_free(author);
	return error;
}

static int audit_push_all(struct audit_written *w, struct audit *audit,
                          const struct audit_facts *facts, const char *note_line)
{
	struct audit_rebuild_ctx branch = {audit->branch_ref, audit->tracking_ref, NULL, NULL};
	struct audit_rebuild_ctx notes = {AUDIT_NOTES_REF, audit->notes_tracking, NULL, note_line};
	git_oid spec, tip;
	int attempts = 0, error;

	error = audit_push_retry(audit, &branch, &w->push_attempts);
	if (audit_ref_get(&tip, audit, audit->branch_ref) == 0) /* rebuilt: a new id */
		git_oid_tostr(w->commit, sizeof(w->commit), &tip);
	if (error < 0 || !note_line)
		goto done;
	git_oid_fromstr(&spec, facts->spec_commit);
	notes.spec = &spec;
	error = audit_push_retry(audit, &notes, &attempts);
	if (audit_ref_get(&tip, audit, AUDIT_NOTES_REF) == 0)
		git_oid_tostr(w->note_commit, sizeof(w->note_commit), &tip);
done:
	w->pushed = error == 0;
	return error;
}

int audit_record_write(struct audit_written *written, struct audit *audit, const json_t *record)
{
	struct audit_facts facts;
	struct strbuf path = STRBUF_INIT, message = STRBUF_INIT, note = STRBUF_INIT;
	char *text = NULL;
	int error;

	memset(written, 0, sizeof(*written));
	written->has_remote = audit->has_remote;
	if ((error = audit_facts_get(&facts, record)) < 0 ||
	    (error = audit_branch_checked_out(audit)) < 0)
		goto done;
	audit_record_path(&path, &facts);
	snprintf(written->path, sizeof(written->path), "%s", strbuf_cstr(&path));
	audit_message(&message, record, &facts, written->path);
	if (!facts.is_intent)
		audit_note_line(&note, record, &facts);
	text = json_dumps(record, JSON_INDENT(2));
	if (!text) {
		error = err_set(ERR_INVALID, "the audit record cannot be serialized");
		goto done;
	}
	if ((error = audit_check_secrets(audit, text, strlen(text))) < 0 ||
	    (error = audit_check_secrets(audit, message.ptr, message.len)) < 0 ||
	    (error = audit_check_secrets(audit, strbuf_cstr(&note), note.len)) < 0)
		goto done;
	strbuf_reset(&path);
	strbuf_printf(&path, "%s\n", text);
	if ((error = audit_commit_local(written, audit, record, &facts, strbuf_cstr(&path),
	                                message.ptr, facts.is_intent ? NULL : note.ptr)) < 0)
		goto done;
	if (audit->has_remote)
		error = audit_push_all(written, audit, &facts, facts.is_intent ? NULL : note.ptr);
done:
	free(text);
	strbuf_release(&path);
	strbuf_release(&message);
	strbuf_release(&note);
	return error;
}
