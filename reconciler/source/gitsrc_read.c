/*
 * gitsrc_read: the spec files of one commit. Resolves a ref with git's
 * own revision syntax, peels tags to the commit, and reads DIR/ *.yaml
 * straight from that commit's tree objects, sorted by name, each checked
 * to be a regular blob under SPEC_MAX_BYTES before it is loaded.
 *
 * It reads no work tree and no index, so uncommitted edits are never
 * seen, and it does not recurse into sub-folders of DIR or parse YAML.
 * Names starting with '.' are skipped, as a shell's *.yaml would; a name
 * with control characters is refused, and control characters in the
 * commit's author and subject become '?', so all of it prints safely.
 */
#include "reconciler/source/gitsrc.h"
#include "reconciler/source/gitsrc_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specs/spec.h"
#include "util/err.h"
#include "util/vec.h"
#include "util/xalloc.h"

typedef VEC(struct gitsrc_file) gitsrc_file_vec;

static int gitsrc_resolve(git_commit **out, struct gitsrc *src, const char *ref)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc = git_revparse_single(&obj, src->repo, ref);
	int error = 0;

	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EUNBORNBRANCH) {
		error = err_set(ERR_NOTFOUND, "ref '%s' not found in '%s'%s", ref, src->location,
		                git_repository_head_unborn(src->repo) == 1
		                        ? " (the repository has no commits)"
		                        : "");
		goto done;
	}
	if (rc == GIT_EAMBIGUOUS) {
		error = err_set(ERR_INVALID, "ref '%s' is ambiguous in '%s': give more of the id",
		                ref, src->location);
		goto done;
	}
	if (rc < 0) {
		error = gitsrc_git_err(ERR_IO, NULL, "cannot resolve '%s' in '%s'", ref,
		                       src->location);
		goto done;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		error = err_set(ERR_INVALID, "ref '%s' names a %s, not a commit", ref,
		                git_object_type2string(git_object_type(obj)));
		goto done;
	}
	*out = (git_commit *)peeled;
	peeled = NULL;
done:
	git_object_free(peeled);
	git_object_free(obj);
	return error;
}

static void gitsrc_format_date(char *out, size_t size, int64_t when, int offset)
{
	time_t t = (time_t)(when + (int64_t)offset * 60);
	int abs_off = offset < 0 ? -offset : offset;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&t, &tm) || !(n = strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm))) {
		snprintf(out, size, "@%" PRId64, when);
		return;
	}
	snprintf(out + n, size - n, " %c%02d%02d", offset < 0 ? '-' : '+', abs_off / 60,
	         abs_off % 60);
}

/* A copy with control characters (a terminal escape in a commit message)
 * replaced by '?', so printing it is safe. */
static char *gitsrc_printable(struct arena *a, const char *s)
{
	char *copy = arena_strdup(a, s);

	for (char *p = copy; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return copy;
}

static int gitsrc_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int gitsrc_describe(struct gitsrc_specs *specs, git_commit *commit)
{
	const git_signature *author = git_commit_author(commit);
	const char *summary = git_commit_summary(commit);
	git_buf short_id = GIT_BUF_INIT;
	struct gitsrc_commit *c = &specs->commit;

	git_oid_tostr(c->id, sizeof(c->id), git_commit_id(commit));
	if (git_object_short_id(&short_id, (const git_object *)commit) < 0)
		return gitsrc_git_err(ERR_IO, NULL, "cannot abbreviate commit '%s'", c->id);
	snprintf(c->short_id, sizeof(c->short_id), "%s", short_id.ptr);
	git_buf_dispose(&short_id);
	c->author = gitsrc_printable(&specs->arena, author->name);
	c->email = gitsrc_printable(&specs->arena, author->email);
	c->time = author->when.time;
	c->offset = author->when.offset;
	gitsrc_format_date(c->date, sizeof(c->date), c->time, c->offset);
	c->subject = gitsrc_printable(&specs->arena, summary ? summary : "");
	return 0;
}

/* "pools/", "./pools" -> "pools"; "." or "" -> ""; NULL on "..", "/x", "a//b". */
static char *gitsrc_clean_dir(struct arena *a, const char *dir)
{
	size_t len;
	const char *p;

	while (dir[0] == '.' && dir[1] == '/')
		dir += 2;
	len = strlen(dir);
	while (len && dir[len - 1] == '/')
		len--;
	if (len == 1 && dir[0] == '.')
		len = 0;
	if (dir[0] == '/')
		return NULL;
	for (p = dir; p < dir + len;) {
		size_t n = strcspn(p, "/");

		if (p + n > dir + len)
			n = (size_t)(dir + len - p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return NULL;
		p += n + 1;
	}
	return arena_strndup(a, dir, len);
}

static int gitsrc_subtree(git_tree **out, struct gitsrc *src, git_commit *commit, const char *dir,
                          const char *short_id)
{
	git_tree *root = NULL;
	git_tree_entry *entry = NULL;
	int rc, error = 0;

	if (git_commit_tree(&root, commit) < 0) {
		error = gitsrc_git_err(ERR_IO, NULL, "cannot read the tree of commit %s", short_id);
		goto done;
	}
	if (!*dir) {
		*out = root;
		root = NULL;
		goto done;
	}
	rc = git_tree_entry_bypath(&entry, root, dir);
	if (rc == GIT_ENOTFOUND) {
		error = err_set(ERR_NOTFOUND, "no folder '%s/' at commit %s in '%s'", dir, short_id,
		                src->location);
		goto done;
	}
	if (rc < 0 || git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
		error = err_set(ERR_NOTFOUND, "'%s' is not a folder at commit %s in '%s'", dir,
		                short_id, src->location);
		goto done;
	}
	if (git_tree_lookup(out, src->repo, git_tree_entry_id(entry)) < 0)
		error = gitsrc_git_err(ERR_IO, NULL, "cannot read '%s/' at commit %s", dir,
		                       short_id);
done:
	git_tree_entry_free(entry);
	git_tree_free(root);
	return error;
}

static int gitsrc_is_spec_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".yaml");
}

/* Refuse anything but a regular blob under the cap, then load it. */
static int gitsrc_read_entry(struct gitsrc_specs *specs, struct gitsrc *src,
                             const git_tree_entry *entry, const char *path)
{
	const char *sid = specs->commit.short_id;
	const char *what = NULL;
	git_blob *blob = NULL;
	git_odb *odb = NULL;
	git_object_t type;
	struct gitsrc_file file;
	size_t size;
	char *data;
	int error = 0;

	switch (git_tree_entry_filemode(entry)) {
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		break;
	case GIT_FILEMODE_LINK:
		what = "a symbolic link";
		break;
	case GIT_FILEMODE_COMMIT:
		what = "a submodule";
		break;
	case GIT_FILEMODE_TREE:
		what = "a folder";
		break;
	default:
		what = "not a regular file";
		break;
	}
	if (what)
		return err_set(ERR_INVALID, "'%s' at commit %s is %s: a pool spec must be a file",
		               path, sid, what);
	if (git_repository_odb(&odb, src->repo) < 0 ||
	    git_odb_read_header(&size, &type, odb, git_tree_entry_id(entry)) < 0) {
		error = gitsrc_git_err(ERR_IO, NULL, "cannot read '%s' at commit %s", path, sid);
		goto done;
	}
	if (size > SPEC_MAX_BYTES) {
		error = err_set(ERR_LIMIT, "'%s' at commit %s is %zu bytes, over the limit of %d",
		                path, sid, size, SPEC_MAX_BYTES);
		goto done;
	}
	if (git_blob_lookup(&blob, src->repo, git_tree_entry_id(entry)) < 0) {
		error = gitsrc_git_err(ERR_IO, NULL, "cannot read '%s' at commit %s", path, sid);
		goto done;
	}
	file.len = (size_t)git_blob_rawsize(blob);
	data = arena_alloc(&specs->arena, file.len + 1);
	memcpy(data, git_blob_rawcontent(blob), file.len);
	file.data = data;
	file.path = path;
	specs->files[specs->n_files++] = file;
done:
	git_blob_free(blob);
	git_odb_free(odb);
	return error;
}

static int gitsrc_cmp_name(const void *a, const void *b)
{
	const git_tree_entry *const *x = a, *const *y = b;

	return strcmp(git_tree_entry_name(*x), git_tree_entry_name(*y));
}

static int gitsrc_read_dir(struct gitsrc_specs *specs, struct gitsrc *src, git_tree *tree)
{
	VEC(const git_tree_entry *) entries = VEC_INIT;
	size_t n = git_tree_entrycount(tree);
	int error = 0;

	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);

		if (gitsrc_is_spec_name(git_tree_entry_name(e)))
			vec_push(&entries, e);
	}
	if (entries.len)
		qsort(entries.items, entries.len, sizeof(entries.items[0]), gitsrc_cmp_name);
	specs->files =
	        arena_calloc(&specs->arena, entries.len ? entries.len : 1, sizeof(specs->files[0]));
	for (size_t i = 0; i < entries.len && !error; i++) {
		const char *name = git_tree_entry_name(entries.items[i]);
		const char *path = *specs->dir
		                           ? arena_sprintf(&specs->arena, "%s/%s", specs->dir, name)
		                           : arena_strdup(&specs->arena, name);

		if (gitsrc_has_control(path))
			error = err_set(ERR_INVALID,
			                "a file name in '%s/' at commit %s has control characters",
			                specs->dir, specs->commit.short_id);
		else
			error = gitsrc_read_entry(specs, src, entries.items[i], path);
	}
	vec_free(&entries);
	return error;
}

int gitsrc_read(struct gitsrc_specs **out, struct gitsrc *src, const char *ref, const char *dir)
{
	struct gitsrc_specs *specs = xcalloc(1, sizeof(*specs));
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int error;

	*out = NULL;
	arena_init(&specs->arena);
	ref = ref && *ref ? ref : GITSRC_DEFAULT_REF;
	specs->dir = gitsrc_clean_dir(&specs->arena, dir ? dir : GITSRC_DEFAULT_DIR);
	if (!specs->dir) {
		error = err_set(ERR_INVALID, "bad folder '%s': give a path inside the repository",
		                dir);
		goto done;
	}
	if ((error = gitsrc_resolve(&commit, src, ref)) < 0 ||
	    (error = gitsrc_describe(specs, commit)) < 0 ||
	    (error = gitsrc_subtree(&tree, src, commit, specs->dir, specs->commit.short_id)) < 0 ||
	    (error = gitsrc_read_dir(specs, src, tree)) < 0)
		goto done;
	*out = specs;
	specs = NULL;
done:
	git_tree_free(tree);
	git_commit_free(commit);
	gitsrc_specs_free(specs);
	return error;
}

void gitsrc_specs_free(struct gitsrc_specs *specs)
{
	if (!specs)
		return;
	arena_release(&specs->arena);
	free(specs);
}
