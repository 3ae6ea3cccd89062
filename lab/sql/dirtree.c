/*
 * dirtree: master.sys.xp_dirtree 'path' [, depth [, file]], the
 * undocumented extended procedure that log shipping tools use to list a
 * share: one row per entry (subdirectory, depth[, file]), directories
 * walked to `depth` levels (0 = all, bounded here to 16 levels and 10000
 * rows). The path maps as backup devices do (lab/BACKUP-FORMAT.md); a
 * path that does not map, cannot be reached or does not exist gives an
 * empty result, as SQL Server's does. Entries are sorted by name per
 * directory.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lab/sql/admin.h"
#include "lab/sql/value.h"
#include "util/xalloc.h"

#define DIRTREE_MAX_ROWS  10000
#define DIRTREE_MAX_DEPTH 16

struct dtree {
	struct sqlctx *c;
	bool files;
	int64_t max_depth;
	size_t rows;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void emit(struct dtree *t, const char *name, int depth, bool is_file)
{
	struct lab_value *v = arena_calloc(t->c->a, 3, sizeof(*v)); /* rows are queued */

	v[0] = sqlval_cstr(t->c->a, name);
	v[1] = sqlval_int(LAB_T_INT, depth);
	v[2] = sqlval_int(LAB_T_INT, is_file);
	sqlout_row(t->c, v, t->files ? 3 : 2);
	t->rows++;
}

static void walk(struct dtree *t, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return;
	while ((e = readdir(d)) && n < DIRTREE_MAX_ROWS) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    strstr(e->d_name, ".tmp"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n) /* an empty folder: names is NULL, which qsort must not get */
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		bool is_dir;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		if ((is_dir || t->files) && t->rows < DIRTREE_MAX_ROWS)
			emit(t, names[i], depth, !is_dir);
		if (is_dir && depth < t->max_depth)
			walk(t, path, depth + 1);
		free(names[i]);
	}
	free(names);
}

static int64_t arg_int(struct procarg *args, size_t n, size_t i)
{
	if (i >= n || args[i].is_default || args[i].value.is_null)
		return 0;
	return sqlval_is_int(args[i].value.type) ? args[i].value.i
	                                         : (int64_t)sqlval_double(&args[i].value);
}

int dirtree_xp(struct sqlctx *c, struct procarg *args, size_t n, int line, int32_t *status)
{
	static const struct lab_column cols[] = {
	        {"subdirectory", LAB_T_NVARCHAR, 512, 0, 0, true},
	        {"depth", LAB_T_INT, 4, 0, 0, true},
	        {"file", LAB_T_INT, 4, 0, 0, true},
	};
	struct dtree t = {c, arg_int(args, n, 2) != 0, arg_int(args, n, 1), 0};
	char path[PATH_MAX];
	const char *win = NULL;
	size_t len;
	bool ok;

	(void)line;
	if (n > 0 && !args[0].is_default && !args[0].value.is_null)
		win = sqlval_text(&args[0].value, c->a, &len);
	if (t.max_depth <= 0 || t.max_depth > DIRTREE_MAX_DEPTH)
		t.max_depth = DIRTREE_MAX_DEPTH;
	pthread_mutex_lock(&c->inst->lock);
	ok = win && world_share_path(c->inst, win, path, sizeof(path)) == 0 &&
	     (strncmp(win, "\\\\", 2) || world_share_reachable(c->inst));
	sqlout_columns(c, cols, t.files ? 3 : 2);
	if (ok)
		walk(&t, path, 1);
	sqlout_done(c, LAB_DONE_COUNT, 0xC1, t.rows);
	c->rowcount = t.rows;
	pthread_mutex_unlock(&c->inst->lock);
	*status = 0;
	return 0;
}
