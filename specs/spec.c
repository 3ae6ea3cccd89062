/*
 * spec: the public face of the spec loader (spec.h). It owns the set:
 * the arena every pool, string and diagnostic lives in, the list of valid
 * pools and the list of diagnostics. Loading a file runs yamltree (YAML
 * to nodes) then validate (nodes to model) over a scratch arena that dies
 * with the call; diagnostics of one file are capped at SPEC_MAX_DIAGS and
 * sorted by position. Reading a file is the only I/O here; it does not
 * walk folders or talk to git (reconciler/source does).
 */
#include "specs/spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "specs/validate.h"
#include "specs/yamltree.h"
#include "util/err.h"
#include "util/xalloc.h"

void spec_set_init(struct spec_set *set)
{
	memset(set, 0, sizeof(*set));
	arena_init(&set->arena);
}

void spec_set_release(struct spec_set *set)
{
	if (!set)
		return;
	arena_release(&set->arena);
	memset(set, 0, sizeof(*set));
}

/* Make room for one more element in an arena-backed array. */
static void *spec_grow(struct arena *arena, void *items, size_t n, size_t *cap, size_t size)
{
	void *bigger;

	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 16;
	bigger = arena_calloc(arena, *cap, size);
	if (n)
		memcpy(bigger, items, n * size);
	return bigger;
}

static void spec_diag_push(struct spec_set *set, const char *file, int line, int col,
                           const char *message, const char *hint)
{
	struct spec_diag *d;

	set->diags = spec_grow(&set->arena, set->diags, set->n_diags, &set->cap_diags,
	                       sizeof(*set->diags));
	d = &set->diags[set->n_diags++];
	d->pos.file = file;
	d->pos.line = line;
	d->pos.col = col;
	d->message = arena_strdup(&set->arena, message);
	d->hint = arena_strdup(&set->arena, hint);
}

void spec_diag_add(struct spec_set *set, const char *file, int line, int col, const char *message,
                   const char *hint)
{
	if (set->n_diags - set->load_first_diag >= SPEC_MAX_DIAGS) {
		set->load_dropped++;
		return;
	}
	spec_diag_push(set, file, line, col, message, hint);
}

struct spec_load {
	struct spec_set *set;
	const char *file;
};

static void spec_report(void *ctx, int line, int col, const char *message, const char *hint)
{
	struct spec_load *load = ctx;

	spec_diag_add(load->set, load->file, line, col, message, hint);
}

static bool spec_diag_before(const struct spec_diag *a, const struct spec_diag *b)
{
	return a->pos.line < b->pos.line || (a->pos.line == b->pos.line && a->pos.col < b->pos.col);
}

/* Stable insertion sort of diags[first..] by position (at most SPEC_MAX_DIAGS). */
static void spec_sort_diags(struct spec_set *set, size_t first)
{
	for (size_t i = first + 1; i < set->n_diags; i++) {
		struct spec_diag d = set->diags[i];
		size_t j = i;

		while (j > first && spec_diag_before(&d, &set->diags[j - 1])) {
			set->diags[j] = set->diags[j - 1];
			j--;
		}
		set->diags[j] = d;
	}
}

static void spec_add_pool(struct spec_set *set, struct spec_pool *pool)
{
	set->pools = spec_grow(&set->arena, set->pools, set->n_pools, &set->cap_pools,
	                       sizeof(*set->pools));
	set->pools[set->n_pools++] = pool;
}

int spec_set_load_buffer(struct spec_set *set, const char *filename, const char *data, size_t len)
{
	struct arena tmp = ARENA_INIT;
	struct spec_load load = {set, arena_strdup(&set->arena, filename)};
	struct yamltree_node *root = NULL;
	struct spec_pool *pool = NULL;
	int error;

	set->load_first_diag = set->n_diags;
	set->load_dropped = 0;
	error = yamltree_parse(&root, &tmp, data, len, spec_report, &load);
	if (error == 0)
		error = validate_pool(&pool, set, &tmp, load.file, root);
	spec_sort_diags(set, set->load_first_diag);
	if (set->load_dropped) {
		char message[96];

		snprintf(message, sizeof(message), "%zu more problems in this file were not shown",
		         set->load_dropped);
		spec_diag_push(set, load.file, 1, 1, message,
		               "fix the problems above and run again");
	}
	if (set->n_diags > set->load_first_diag) {
		error = ERR_INVALID;
		goto done;
	}
	spec_add_pool(set, pool);
	error = 0;
done:
	arena_release(&tmp);
	return error;
}

int spec_set_load_file(struct spec_set *set, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len;
	int error;

	if (!f)
		return err_set_errno(ERR_IO, "cannot open spec '%s'", path);
	data = xmalloc(SPEC_MAX_BYTES + 1);
	len = fread(data, 1, SPEC_MAX_BYTES + 1, f);
	if (ferror(f)) {
		error = err_set_errno(ERR_IO, "cannot read spec '%s'", path);
		goto done;
	}
	error = spec_set_load_buffer(set, path, data, len);
done:
	free(data);
	fclose(f);
	return error;
}

/* Report pools[i] when an earlier pool has the same name or identity;
 * true when it was reported. */
static bool spec_check_pool(struct spec_set *set, size_t i)
{
	const struct spec_pool *p = set->pools[i];
	char message[256], hint[256];

	for (size_t j = 0; j < i; j++) {
		const struct spec_pool *q = set->pools[j];
		bool same_name = strcmp(p->name, q->name) == 0;
		const struct spec_pos *at = same_name ? &q->name_pos : &q->identity_pos;

		if (!same_name && strcmp(p->identity, q->identity) != 0)
			continue;
		snprintf(message, sizeof(message),
		         same_name ? "pool '%s' is already defined"
		                   : "pool identity '%s' is already used",
		         same_name ? p->name : p->identity);
		snprintf(hint, sizeof(hint), "see %s:%d:%d; each pool is described by one file",
		         at->file, at->line, at->col);
		spec_diag_push(set, p->file, same_name ? p->name_pos.line : p->identity_pos.line,
		               same_name ? p->name_pos.col : p->identity_pos.col, message, hint);
		return true;
	}
	return false;
}

int spec_set_check(struct spec_set *set)
{
	size_t kept = 0, before = set->n_diags;

	for (size_t i = 0; i < set->n_pools; i++) {
		if (spec_check_pool(set, i))
			continue; /* the later file loses its place among the valid pools */
		set->pools[kept++] = set->pools[i];
	}
	set->n_pools = kept;
	return set->n_diags > before ? ERR_INVALID : 0;
}

const struct spec_pool *spec_set_find(const struct spec_set *set, const char *name)
{
	for (size_t i = 0; i < set->n_pools; i++)
		if (strcmp(set->pools[i]->name, name) == 0)
			return set->pools[i];
	return NULL;
}

const struct spec_site *spec_pool_site(const struct spec_pool *pool, const char *name)
{
	for (size_t i = 0; name && i < pool->n_sites; i++)
		if (strcmp(pool->sites[i].name, name) == 0)
			return &pool->sites[i];
	return NULL;
}

const char *spec_pool_state_name(enum spec_pool_state state)
{
	return state == SPEC_POOL_FAILED_OVER ? "FailedOver" : "Normal";
}

void spec_diag_format(const struct spec_diag *diag, struct strbuf *out)
{
	strbuf_printf(out, "%s:%d:%d: %s", diag->pos.file ? diag->pos.file : "-", diag->pos.line,
	              diag->pos.col, diag->message);
	if (diag->hint)
		strbuf_printf(out, "\n  hint: %s", diag->hint);
}
