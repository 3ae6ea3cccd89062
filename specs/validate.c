/*
 * validate: walks the node tree of one spec document, checks the shape
 * (known keys, required keys, types, name grammars) and builds the typed
 * model as it goes, then checks the rules that relate fields to each other
 * (validate_refs.c). It never stops at the first problem: each one becomes
 * a diagnostic at the position of the node at fault, with a hint, and the
 * walk goes on with what it can still make sense of. It does no I/O and
 * knows nothing of libyaml (yamltree.c has already refused what YAML
 * alone can get wrong).
 */
#include "specs/validate_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "specs/spec_name.h"
#include "util/err.h"
#include "util/strbuf.h"

void validate_diag(struct vctx *v, const struct yamltree_node *at, const char *hint,
                   const char *fmt, ...)
{
	va_list ap;
	char *message;

	va_start(ap, fmt);
	message = arena_vsprintf(v->tmp, fmt, ap);
	va_end(ap);
	v->n_diags++;
	spec_diag_add(v->set, v->file, at->line, at->col, message, hint);
}

char *validate_hint(struct vctx *v, const char *fmt, ...)
{
	va_list ap;
	char *hint;

	va_start(ap, fmt);
	hint = arena_vsprintf(v->tmp, fmt, ap);
	va_end(ap);
	return hint;
}

/* `s` for a message: at most 60 characters, non-printable bytes as \xNN. */
const char *validate_quote(struct vctx *v, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *out;
	size_t i;

	for (i = 0; s[i] && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			strbuf_printf(&sb, "\\x%02X", c);
		else
			strbuf_putc(&sb, (char)c);
	}
	if (s[i])
		strbuf_puts(&sb, "...");
	out = arena_strdup(v->tmp, strbuf_cstr(&sb));
	strbuf_release(&sb);
	return out;
}

/* Optimal string alignment distance, ignoring case; both short. */
static size_t validate_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[65][65];

	if (la > 64 || lb > 64)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int same = tolower((unsigned char)a[i - 1]) ==
			           tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (same ? 0 : 1);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The field closest to `key`, or -1 when none is close enough. */
static int validate_closest(const char *key, const struct vfield *fields, size_t n)
{
	size_t best = 99;
	int found = -1;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(fields[i].key);
		size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
		size_t d = validate_distance(key, fields[i].key);

		if (d <= limit && d < best) {
			best = d;
			found = (int)i;
		}
	}
	return found;
}

static const char *validate_allowed_keys(struct vctx *v, const struct vfield *fields, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	const char *out;

	strbuf_puts(&sb, "allowed keys here: ");
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&sb, "%s%s", i ? ", " : "", fields[i].key);
	out = arena_strdup(v->tmp, strbuf_cstr(&sb));
	strbuf_release(&sb);
	return out;
}

static int validate_field_index(const char *key, const struct vfield *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, fields[i].key) == 0)
			return (int)i;
	return -1;
}

void validate_fields(struct vctx *v, const struct yamltree_node *map, const char *where,
                     const struct vfield *fields, size_t n, const struct yamltree_node **values)
{
	bool suggested[16] = {false};
	const struct yamltree_node *keys[16] = {NULL};

	for (size_t i = 0; i < n; i++)
		values[i] = NULL;
	if (map->n_pairs > 4 * n + 16) { /* bounds the work spent on unknown keys */
		validate_diag(v, map, validate_allowed_keys(v, fields, n), "too many keys (%zu) %s",
		              map->n_pairs, where);
		return;
	}
	for (size_t p = 0; p < map->n_pairs; p++) {
		const struct yamltree_node *key = map->pairs[p].key;
		int idx = validate_field_index(key->text, fields, n);

		if (idx < 0) {
			int near = validate_closest(key->text, fields, n);

			if (near >= 0)
				suggested[near] = true;
			validate_diag(
			        v, key,
			        near >= 0 ? validate_hint(v, "did you mean '%s'?", fields[near].key)
			                  : validate_allowed_keys(v, fields, n),
			        "unknown key '%s' %s", validate_quote(v, key->text), where);
		} else if (values[idx]) {
			validate_diag(
			        v, key,
			        validate_hint(v,
			                      "it is already set at line %d, column %d; keep one",
			                      keys[idx]->line, keys[idx]->col),
			        "duplicate key '%s' %s", fields[idx].key, where);
		} else {
			values[idx] = map->pairs[p].value;
			keys[idx] = key;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (fields[i].required && !values[i] && !suggested[i])
			validate_diag(v, map, fields[i].hint, "missing required key '%s' %s",
			              fields[i].key, where);
}

bool validate_is_kind(struct vctx *v, const struct yamltree_node *node, enum yamltree_kind kind,
                      const char *path, const char *hint)
{
	static const char *const names[] = {"a string", "a sequence", "a mapping"};

	if (node->kind == kind && !(kind == YAMLTREE_SCALAR && yamltree_is_null(node)))
		return true;
	if (yamltree_is_null(node))
		validate_diag(v, node, hint, "%s has no value", path);
	else
		validate_diag(v, node, hint, "%s must be %s, not %s", path, names[kind],
		              yamltree_kind_name(node));
	return false;
}

const char *validate_string(struct vctx *v, const struct yamltree_node *node, const char *path,
                            const char *hint)
{
	if (!validate_is_kind(v, node, YAMLTREE_SCALAR, path, hint))
		return NULL;
	if (strlen(node->text) != node->len) {
		validate_diag(v, node, "remove the \\0 escape", "%s contains a NUL character",
		              path);
		return NULL;
	}
	return node->text;
}

static const char *const validate_not_booleans[] = {
        "yes", "no", "on", "off", "y",   "n",  "True", "False", "TRUE", "FALSE",
        "Yes", "No", "On", "Off", "YES", "NO", "ON",   "OFF",   "Y",    "N",
};

bool validate_bool(struct vctx *v, const struct yamltree_node *node, const char *path, bool *out)
{
	if (!validate_is_kind(v, node, YAMLTREE_SCALAR, path, "write true or false"))
		return false;
	if (!node->plain) {
		validate_diag(v, node, "remove the quotes: write true or false",
		              "%s must be true or false, not the string \"%s\"", path,
		              validate_quote(v, node->text));
		return false;
	}
	if (strcmp(node->text, "true") == 0 || strcmp(node->text, "false") == 0) {
		*out = node->text[0] == 't';
		return true;
	}
	for (size_t i = 0; i < sizeof(validate_not_booleans) / sizeof(*validate_not_booleans);
	     i++) {
		if (strcmp(node->text, validate_not_booleans[i]) == 0) {
			validate_diag(
			        v, node,
			        "write true or false in lower case; YAML 1.1 words such as yes, "
			        "no, on and off are not booleans in a spec",
			        "%s must be true or false, not '%s'", path, node->text);
			return false;
		}
	}
	validate_diag(v, node, "write true or false", "%s must be true or false, not '%s'", path,
	              validate_quote(v, node->text));
	return false;
}

/* A name-like scalar checked by `check`; NULL (reported) when invalid. */
const char *validate_name(struct vctx *v, const struct yamltree_node *node, const char *path,
                          const char *what, bool (*check)(const char *, char *), const char *hint)
{
	char why[SPEC_NAME_WHY_MAX];
	const char *s = validate_string(v, node, path, hint);

	if (!s)
		return NULL;
	if (!check(s, why)) {
		validate_diag(v, node, hint, "invalid %s '%s' in %s: %s", what,
		              validate_quote(v, s), path, why);
		return NULL;
	}
	return arena_strdup(&v->set->arena, s);
}

static const struct vfield top_fields[] = {
        {"apiVersion", true, "add 'apiVersion: pcdr/v1' as the first line"},
        {"kind", true, "add 'kind: PersistentChatPool'"},
        {"metadata", true, "add 'metadata:' with 'name: <pool name>'"},
        {"spec", true, "add 'spec:' with the pool's topology (see docs/spec.md)"},
};

static const struct vfield metadata_fields[] = {
        {"name", true, "add 'name: <pool name>' (lower-case letters, digits and '-')"},
};

static void validate_constant(struct vctx *v, const struct yamltree_node *node, const char *path,
                              const char *want)
{
	const char *s =
	        validate_string(v, node, path, validate_hint(v, "write '%s: %s'", path, want));

	if (s && strcmp(s, want) != 0)
		validate_diag(v, node,
		              validate_hint(v, "this version of pcdr reads '%s: %s'", path, want),
		              "unsupported %s '%s'", path, validate_quote(v, s));
}

static void validate_metadata(struct vctx *v, const struct yamltree_node *node)
{
	const struct yamltree_node *f[1];

	if (!validate_is_kind(v, node, YAMLTREE_MAPPING, "metadata", top_fields[2].hint))
		return;
	validate_fields(v, node, "in metadata", metadata_fields, 1, f);
	if (!f[0])
		return;
	v->pool->name =
	        validate_name(v, f[0], "metadata.name", "pool name", spec_name_check_site,
	                      "pool names use lower-case letters, digits and '-' (at most 63)");
	v->pool->name_pos = (struct spec_pos){v->file, f[0]->line, f[0]->col};
}

int validate_pool(struct spec_pool **out, struct spec_set *set, struct arena *tmp, const char *file,
                  const struct yamltree_node *root)
{
	const struct yamltree_node *f[4];
	struct vctx v;

	memset(&v, 0, sizeof(v));
	v.set = set;
	v.tmp = tmp;
	v.file = file;
	v.pool = arena_alloc(&set->arena, sizeof(*v.pool));
	v.pool->file = file;
	v.pool->pos = (struct spec_pos){file, root->line, root->col};
	v.pool->policy.service_first = true;
	*out = NULL;
	if (!validate_is_kind(&v, root, YAMLTREE_MAPPING, "the document",
	                      "a spec is a mapping with apiVersion, kind, metadata and spec"))
		return ERR_INVALID;
	validate_fields(&v, root, "at the top level", top_fields, 4, f);
	if (f[0])
		validate_constant(&v, f[0], "apiVersion", "pcdr/v1");
	if (f[1])
		validate_constant(&v, f[1], "kind", "PersistentChatPool");
	if (f[2])
		validate_metadata(&v, f[2]);
	if (f[3]) {
		validate_spec_section(&v, f[3]);
		validate_refs_check(&v);
	}
	if (v.n_diags)
		return ERR_INVALID;
	v.pool->state = strcmp(v.pool->primary, v.pool->home) == 0 ? SPEC_POOL_NORMAL
	                                                           : SPEC_POOL_FAILED_OVER;
	*out = v.pool;
	return 0;
}
