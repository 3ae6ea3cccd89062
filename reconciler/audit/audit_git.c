/*
 * audit_git: the git objects of the audit trail, built from objects
 * alone. A record commit's tree is its parent's tree plus one blob,
 * inserted with tree builders level by level (records/, records/POOL/),
 * so the work tree, the index and HEAD are never read or written. The
 * same insertion rebuilds our unpushed commits on top of a fetched
 * branch (each commit's own changes replayed, message and author kept),
 * and adds a line to a spec commit's note in a given notes commit.
 *
 * Refs written here are ours only: the audit branch, the notes ref and
 * their remote-tracking copies.
 */
#include "reconciler/audit/audit_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/strbuf.h"

int audit_ref_get(git_oid *out, struct audit *audit, const char *ref)
{
	int rc = git_reference_name_to_id(out, audit->repo, ref);

	if (rc == GIT_ENOTFOUND)
		return err_set(ERR_NOTFOUND, "no ref '%s'", ref);
	if (rc < 0)
		return audit_git_err(audit, ERR_IO, "cannot read ref '%s'", ref);
	return 0;
}

int audit_ref_set(struct audit *audit, const char *ref, const git_oid *id, const char *why)
{
	git_reference *r = NULL;
	int rc = git_reference_create(&r, audit->repo, ref, id, 1, why);

	git_reference_free(r);
	if (rc < 0)
		return audit_git_err(audit, ERR_IO, "cannot update '%s'", ref);
	return 0;
}

static int audit_committer(git_signature **out)
{
	char host[256] = "localhost", email[300];

	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(email, sizeof(email), "pcdr@%s", host);
	return git_signature_now(out, "pcdr", email);
}

/* `base` (NULL: empty) with `blob` at `path`; *out is the new tree. */
static int audit_tree_insert(git_oid *out, git_repository *repo, const git_tree *base,
                             const char *path, const git_oid *blob)
{
	const char *slash = strchr(path, '/');
	git_treebuilder *tb = NULL;
	git_tree *sub = NULL;
	char name[256];
	git_oid sub_id;
	int rc;

	snprintf(name, sizeof(name), "%.*s", slash ? (int)(slash - path) : (int)strlen(path), path);
	if ((rc = git_treebuilder_new(&tb, repo, base)) < 0)
		goto done;
	if (!slash) {
		rc = git_treebuilder_insert(NULL, tb, name, blob, GIT_FILEMODE_BLOB);
	} else {
		const git_tree_entry *e = base ? git_tree_entry_byname(base, name) : NULL;

		if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		    (rc = git_tree_lookup(&sub, repo, git_tree_entry_id(e))) < 0)
			goto done;
		if ((rc = audit_tree_insert(&sub_id, repo, sub, slash + 1, blob)) < 0)
			goto done;
		rc = git_treebuilder_insert(NULL, tb, name, &sub_id, GIT_FILEMODE_TREE);
	}
	if (rc >= 0)
		rc = git_treebuilder_write(out, tb);
done:
	git_tree_free(sub);
	git_treebuilder_free(tb);
	return rc;
}

int audit_commit_build(git_oid *out, struct audit *audit, const git_oid *base, const char *path,
                       const git_oid *blob, const char *message, const git_signature *author)
{
	git_commit *parent = NULL;
	git_tree *base_tree = NULL, *tree = NULL;
	git_signature *committer = NULL;
	git_oid tree_id;
	int error = 0;

	if ((base && (git_commit_lookup(&parent, audit->repo, base) < 0 ||
	              git_commit_tree(&base_tree, parent) < 0)) ||
	    audit_tree_insert(&tree_id, audit->repo, base_tree, path, blob) < 0 ||
	    git_tree_lookup(&tree, audit->repo, &tree_id) < 0 || audit_committer(&committer) < 0 ||
	    git_commit_create(out, audit->repo, NULL, author, committer, NULL, message, tree,
	                      parent ? 1 : 0, (const git_commit **)&parent) < 0)
		error = audit_git_err(audit, ERR_IO, "cannot commit '%s' to '%s'", path,
		                      audit->branch);
	git_signature_free(committer);
	git_tree_free(tree);
	git_tree_free(base_tree);
	git_commit_free(parent);
	return error;
}

/* Replay what `commit` added or changed (against its first parent) on
 * top of *tip, with its message and author. */
static int audit_replay_one(git_oid *tip, struct audit *audit, git_commit *commit)
{
	git_commit *parent = NULL;
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	int error = 0;

	if ((git_commit_parentcount(commit) && git_commit_parent(&parent, commit, 0) < 0) ||
	    (parent && git_commit_tree(&old, parent) < 0) || git_commit_tree(&new, commit) < 0 ||
	    git_diff_tree_to_tree(&diff, audit->repo, old, new, NULL) < 0) {
		error = audit_git_err(audit, ERR_IO, "cannot read audit commit to rebuild it");
		goto done;
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_MODIFIED)
			continue; /* records are never deleted */
		if ((error = audit_commit_build(tip, audit, tip, d->new_file.path, &d->new_file.id,
		                                git_commit_message(commit),
		                                git_commit_author(commit))) < 0)
			goto done;
	}
done:
	git_diff_free(diff);
	git_tree_free(new);
	git_tree_free(old);
	git_commit_free(parent);
	return error;
}

int audit_rebuild(git_oid *out, struct audit *audit, const git_oid *local, const git_oid *onto)
{
	git_revwalk *walk = NULL;
	git_commit *commit = NULL;
	git_oid id;
	int error = 0, rc;

	if (git_oid_equal(local, onto) || git_graph_descendant_of(audit->repo, local, onto) == 1) {
		git_oid_cpy(out, local); /* onto is behind us: nothing to rebuild */
		return 0;
	}
	git_oid_cpy(out, onto);
	if (git_revwalk_new(&walk, audit->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, local) < 0 || git_revwalk_hide(walk, onto) < 0) {
		error = audit_git_err(audit, ERR_IO, "cannot walk the audit branch '%s'",
		                      audit->branch);
		goto done;
	}
	while ((rc = git_revwalk_next(&id, walk)) == 0) {
		if (git_commit_lookup(&commit, audit->repo, &id) < 0) {
			error = audit_git_err(audit, ERR_IO, "cannot read audit commit");
			goto done;
		}
		if ((error = audit_replay_one(out, audit, commit)) < 0)
			goto done;
		git_commit_free(commit);
		commit = NULL;
	}
	if (rc != GIT_ITEROVER)
		error = audit_git_err(audit, ERR_IO, "cannot walk the audit branch '%s'",
		                      audit->branch);
done:
	git_commit_free(commit);
	git_revwalk_free(walk);
	return error;
}

/* The note of `spec` in notes commit `notes` ("" when none; caller frees). */
static int audit_note_text(struct strbuf *out, struct audit *audit, git_commit *notes,
                           const git_oid *spec)
{
	git_note *note = NULL;
	int rc;

	if (!notes)
		return 0;
	rc = git_note_commit_read(&note, audit->repo, notes, spec);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return audit_git_err(audit, ERR_IO, "cannot read the note of a spec commit");
	strbuf_puts(out, git_note_message(note));
	if (out->len && out->ptr[out->len - 1] != '\n')
		strbuf_putc(out, '\n');
	git_note_free(note);
	return 0;
}

int audit_note_build(git_oid *out, struct audit *audit, const git_oid *parent, const git_oid *spec,
                     const char *line)
{
	struct strbuf text = STRBUF_INIT;
	git_commit *notes = NULL;
	git_signature *committer = NULL;
	git_oid blob;
	int error;

	if (parent && git_commit_lookup(&notes, audit->repo, parent) < 0) {
		error = audit_git_err(audit, ERR_IO, "cannot read '%s'", AUDIT_NOTES_REF);
		goto done;
	}
	if ((error = audit_note_text(&text, audit, notes, spec)) < 0)
		goto done;
	if (strstr(strbuf_cstr(&text), line)) {
		git_oid_cpy(out, parent); /* already there (a rebuild after a fetch) */
		goto done;
	}
	strbuf_puts(&text, line);
	if (audit_committer(&committer) < 0 ||
	    git_note_commit_create(out, &blob, audit->repo, notes, committer, committer, spec,
	                           strbuf_cstr(&text), 1) < 0)
		error = audit_git_err(audit, ERR_IO, "cannot write the note of a spec commit");
done:
	git_signature_free(committer);
	git_commit_free(notes);
	strbuf_release(&text);
	return error;
}

/* Moving a branch a work tree has checked out would leave that work tree
 * out of step with its HEAD: refuse, as git refuses to fetch into it. */
int audit_branch_checked_out(struct audit *audit)
{
	git_reference *head = NULL;
	int out = 0;

	if (!git_repository_is_bare(audit->repo) &&
	    git_reference_lookup(&head, audit->repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    !strcmp(git_reference_symbolic_target(head), audit->branch_ref))
		out = err_set(ERR_CONFLICT,
		              "the audit branch '%s' is checked out in '%s': check out another "
		              "branch there, pcdr never touches a work tree",
		              audit->branch, git_repository_workdir(audit->repo));
	git_reference_free(head);
	git_error_clear();
	return out;
}
