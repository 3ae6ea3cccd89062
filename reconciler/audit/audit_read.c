/*
 * audit_read: reading the audit branch back. Commits are walked newest
 * first along first parents and described by their trailers (Pool:,
 * Result:, Spec-Commit:, Apply-Id:, Kind:, Steps-Run:, Record:); the
 * record itself is read from the commit's tree only when asked.
 *
 * The no-replay check lives here: which apply counts as "applied" is
 * decided in audit_counts() and documented in docs/audit.md.
 */
#include "reconciler/audit/audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define AUDIT_RECORD_MAX_BYTES (16 * 1024 * 1024)

static void audit_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

int audit_entry_parse(struct audit_entry *entry, const char *message)
{
	struct {
		const char *key;
		char *dst;
		size_t size;
	} fields[] = {
	        {"Pool", entry->pool, sizeof(entry->pool)},
	        {"Result", entry->result, sizeof(entry->result)},
	        {"Spec-Commit", entry->spec_commit, sizeof(entry->spec_commit)},
	        {"Apply-Id", entry->apply_id, sizeof(entry->apply_id)},
	        {"Kind", entry->kind, sizeof(entry->kind)},
	        {"Record", entry->record_path, sizeof(entry->record_path)},
	};
	git_message_trailer_array arr = {0};

	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
		fields[f].dst[0] = '\0';
	entry->steps_run = entry->steps_blocked = 0;
	if (git_message_trailers(&arr, message) < 0)
		return err_set(ERR_NOTFOUND, "no trailers");
	for (size_t i = 0; i < arr.count; i++) {
		const char *k = arr.trailers[i].key, *v = arr.trailers[i].value;

		if (!strcmp(k, "Steps-Run"))
			entry->steps_run = (int)strtol(v, NULL, 10);
		if (!strcmp(k, "Steps-Blocked"))
			entry->steps_blocked = (int)strtol(v, NULL, 10);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			if (!strcmp(k, fields[f].key))
				audit_copy(fields[f].dst, fields[f].size, v);
	}
	git_message_trailer_array_free(&arr);
	if (!entry->pool[0] || !entry->result[0])
		return err_set(ERR_NOTFOUND, "not an audit commit");
	return 0;
}

int audit_walk(struct audit *audit, int (*fn)(const struct audit_entry *entry, void *payload),
               void *payload)
{
	struct audit_entry entry;
	git_revwalk *walk = NULL;
	git_commit *commit = NULL;
	git_oid id;
	int error = 0, rc;

	if (audit_ref_get(&id, audit, audit->branch_ref) < 0) {
		err_clear(); /* no audit branch: nothing was applied */
		return 0;
	}
	if (git_revwalk_new(&walk, audit->repo) < 0 || git_revwalk_push(walk, &id) < 0 ||
	    git_revwalk_simplify_first_parent(walk) < 0) {
		error = audit_git_err(audit, ERR_IO, "cannot walk '%s'", audit->branch);
		goto done;
	}
	while ((rc = git_revwalk_next(&id, walk)) == 0) {
		if (git_commit_lookup(&commit, audit->repo, &id) < 0) {
			error = audit_git_err(audit, ERR_IO, "cannot read an audit commit");
			goto done;
		}
		if (audit_entry_parse(&entry, git_commit_message(commit)) == 0) {
			git_oid_tostr(entry.commit, sizeof(entry.commit), &id);
			entry.time = git_commit_time(commit);
			if ((error = fn(&entry, payload)) != 0)
				goto done;
		}
		err_clear();
		git_commit_free(commit);
		commit = NULL;
	}
	if (rc != GIT_ITEROVER)
		error = audit_git_err(audit, ERR_IO, "cannot walk '%s'", audit->branch);
done:
	git_commit_free(commit);
	git_revwalk_free(walk);
	return error;
}

int audit_read_record(json_t **out, struct audit *audit, const struct audit_entry *entry)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	json_error_t jerr;
	git_oid id;
	int error = 0;

	*out = NULL;
	if (git_oid_fromstr(&id, entry->commit) < 0 ||
	    git_commit_lookup(&commit, audit->repo, &id) < 0 ||
	    git_commit_tree(&tree, commit) < 0 ||
	    git_tree_entry_bypath(&te, tree, entry->record_path) < 0 ||
	    git_blob_lookup(&blob, audit->repo, git_tree_entry_id(te)) < 0) {
		error = err_set(ERR_NOTFOUND, "audit commit %.12s has no record '%s'",
		                entry->commit, entry->record_path);
		goto done;
	}
	if (git_blob_rawsize(blob) > AUDIT_RECORD_MAX_BYTES) {
		error = err_set(ERR_LIMIT, "audit record '%s' is too large", entry->record_path);
		goto done;
	}
	*out = json_loadb(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), 0, &jerr);
	if (!*out)
		error = err_set(ERR_INVALID, "audit record '%s' is not JSON: %s",
		                entry->record_path, jerr.text);
done:
	git_blob_free(blob);
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_commit_free(commit);
	return error;
}

/* The apply ids of the final records seen so far (newer than the walk's
 * position): an intent whose id is not among them has no final record. */
#define AUDIT_FINALS_MAX 64

struct audit_last {
	const char *pool;
	struct audit_entry found;
	int have;
	char finals[AUDIT_FINALS_MAX][32];
	size_t n_finals;
};

static int audit_final_seen(const struct audit_last *last, const char *apply_id)
{
	for (size_t i = 0; i < last->n_finals; i++)
		if (!strcmp(last->finals[i], apply_id))
			return 1;
	return 0;
}

/*
 * Does this apply count as having applied its spec commit? A succeeded
 * apply does, even with no step (the world was checked to match it); a
 * failed or interrupted one does when at least one step ran (the world
 * may have moved toward it); so does an intent with no final record
 * after it (an apply killed or lost with its host: written just before
 * its first step, it may have moved the world). An intent whose apply
 * wrote its final record never counts by itself.
 */
static int audit_counts(const struct audit_last *last, const struct audit_entry *e)
{
	if (!strcmp(e->result, "succeeded"))
		return 1;
	if (!strcmp(e->result, "failed") || !strcmp(e->result, "interrupted"))
		return e->steps_run > 0;
	if (!strcmp(e->result, "intent"))
		return e->apply_id[0] && !audit_final_seen(last, e->apply_id);
	return 0;
}

static int audit_find_last(const struct audit_entry *e, void *payload)
{
	struct audit_last *last = payload;

	if (strcmp(e->pool, last->pool))
		return 0;
	if (!audit_counts(last, e)) {
		if (strcmp(e->result, "intent") && last->n_finals < AUDIT_FINALS_MAX)
			audit_copy(last->finals[last->n_finals++], 32, e->apply_id);
		return 0;
	}
	last->found = *e;
	last->have = 1;
	return 1; /* stop: newest first */
}

static int audit_descends(struct audit *audit, const git_oid *spec, const char *last_hex)
{
	git_oid last;

	if (git_oid_fromstr(&last, last_hex) < 0)
		return 0;
	if (git_oid_equal(spec, &last))
		return 1;
	return git_graph_descendant_of(audit->repo, spec, &last) == 1;
}

int audit_check_descends(struct audit *audit, const char *pool, const char *spec_commit,
                         int allow_rewind, char last_applied[41])
{
	struct audit_last last;
	git_object *obj = NULL;
	int error;

	memset(&last, 0, sizeof(last));
	last.pool = pool;
	last_applied[0] = '\0';
	if (git_revparse_single(&obj, audit->repo, spec_commit) < 0 ||
	    git_object_type(obj) != GIT_OBJECT_COMMIT) {
		git_object_free(obj);
		return err_set(ERR_NOTFOUND, "spec commit '%s' not found", spec_commit);
	}
	if ((error = audit_walk(audit, audit_find_last, &last)) < 0)
		goto done;
	error = 0;
	if (!last.have)
		goto done;
	audit_copy(last_applied, 41, last.found.spec_commit);
	if (allow_rewind || audit_descends(audit, git_object_id(obj), last_applied))
		goto done;
	error = err_set(ERR_CONFLICT,
	                "spec commit %s does not descend from %s, the last commit applied to "
	                "pool '%s' (audit commit %.12s): refusing to replay an older or "
	                "unrelated spec (allow it with --allow-rewind)",
	                git_oid_tostr_s(git_object_id(obj)), last_applied, pool, last.found.commit);
done:
	git_object_free(obj);
	return error;
}

struct audit_final {
	const char *pool;
	char *commit;
};

static int audit_find_final(const struct audit_entry *e, void *payload)
{
	struct audit_final *f = payload;

	if (strcmp(e->pool, f->pool))
		return 0;
	/* the pool's newest record decides; an intent newest of all has no
	 * final record after it: that apply was killed (or still runs) and
	 * left the world half way, like a failed one */
	/* a success with blocked steps (exit 3: an instance down) did not
	 * converge either: the world is between two specs */
	if (!strcmp(e->result, "succeeded") && e->steps_blocked == 0)
		audit_copy(f->commit, 41, e->spec_commit);
	return 1; /* stop: newest first */
}

int audit_last_succeeded(struct audit *audit, const char *pool, char spec_commit[41])
{
	struct audit_final f = {pool, spec_commit};
	int error;

	spec_commit[0] = '\0';
	if ((error = audit_walk(audit, audit_find_final, &f)) < 0)
		return error;
	return 0;
}
