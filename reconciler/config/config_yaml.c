/*
 * config_yaml: the generic half of the configuration walk. Problems are
 * collected as "file:line:col: message" (1-based, libyaml's marks) and
 * the walk continues; typed scalar readers (string, duration, bool,
 * bounded integer) and the key-table walk over a mapping that rejects
 * unknown and duplicate keys and reports missing required ones. Messages
 * quote keys and names from the file, never values of credential keys
 * (config_secret.c never passes those here).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/config/config_int.h"
#include "util/xalloc.h"

static void config_vproblem(struct config_walk *w, int line, int col, const char *fmt, va_list ap)
{
	char msg[512], *item;
	size_t need;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	need = strlen(w->file) + strlen(msg) + 32;
	item = xmalloc(need);
	snprintf(item, need, "%s:%d:%d: %s", w->file, line, col, msg);
	w->n_problems++;
	if (!w->problems) {
		free(item);
		return;
	}
	if (w->problems->len == w->problems->cap) {
		w->problems->cap = w->problems->cap ? 2 * w->problems->cap : 8;
		w->problems->items =
		        xrealloc(w->problems->items, w->problems->cap * sizeof(char *));
	}
	w->problems->items[w->problems->len++] = item;
}

void config_problem_at(struct config_walk *w, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_vproblem(w, line, col, fmt, ap);
	va_end(ap);
}

void config_problem(struct config_walk *w, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_vproblem(w, (int)mark->line + 1, (int)mark->column + 1, fmt, ap);
	va_end(ap);
}

yaml_node_t *config_node(struct config_walk *w, int index)
{
	return yaml_document_get_node(w->doc, index);
}

static const char *config_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

const char *config_string(struct config_walk *w, yaml_node_t *node, const char *what)
{
	const char *s;
	size_t len;

	if (node->type != YAML_SCALAR_NODE) {
		config_problem(w, &node->start_mark, "'%s' must be a string, not %s", what,
		               config_kind(node));
		return NULL;
	}
	s = (const char *)node->data.scalar.value;
	len = node->data.scalar.length;
	if (len == 0 || strlen(s) != len) {
		config_problem(w, &node->start_mark, "'%s' must be a non-empty string%s", what,
		               len ? " without NUL characters" : "");
		return NULL;
	}
	return arena_strndup(&w->cfg->arena, s, len);
}

bool config_duration(struct config_walk *w, yaml_node_t *node, const char *what, unsigned *out)
{
	const char *s;
	unsigned long v = 0, mult;
	size_t i = 0;

	if (!(s = config_string(w, node, what)))
		return false;
	while (s[i] >= '0' && s[i] <= '9' && v <= 1000000)
		v = v * 10 + (unsigned long)(s[i++] - '0');
	mult = !strcmp(s + i, "s") ? 1 : !strcmp(s + i, "m") ? 60 : !strcmp(s + i, "h") ? 3600 : 0;
	if (i == 0 || mult == 0 || v == 0 || v * mult > 7 * 24 * 3600) {
		config_problem(w, &node->start_mark,
		               "'%s' must be a duration such as 30s, 5m or 2h (at most 7 days), "
		               "not '%.40s'",
		               what, s);
		return false;
	}
	*out = (unsigned)(v * mult);
	return true;
}

bool config_bool(struct config_walk *w, yaml_node_t *node, const char *what, bool *out)
{
	const char *s;

	if (!(s = config_string(w, node, what)))
		return false;
	if (!strcmp(s, "true") || !strcmp(s, "false")) {
		*out = s[0] == 't';
		return true;
	}
	config_problem(w, &node->start_mark, "'%s' must be true or false, not '%.40s'", what, s);
	return false;
}

bool config_uint(struct config_walk *w, yaml_node_t *node, const char *what, unsigned max,
                 unsigned *out)
{
	const char *s;
	unsigned long v = 0;
	size_t i = 0;

	if (!(s = config_string(w, node, what)))
		return false;
	while (s[i] >= '0' && s[i] <= '9' && v <= max)
		v = v * 10 + (unsigned long)(s[i++] - '0');
	if (i == 0 || s[i] || v == 0 || v > max) {
		config_problem(w, &node->start_mark,
		               "'%s' must be a whole number from 1 to %u, not '%.40s'", what, max,
		               s);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static void config_expected_keys(const struct config_key *keys, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; keys[i].name && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
		                         keys[i].name);
}

static void config_walk_pair(struct config_walk *w, yaml_node_pair_t *pair,
                             const struct config_key *keys, void *target, const char *what,
                             bool *seen)
{
	yaml_node_t *key = config_node(w, pair->key), *value = config_node(w, pair->value);
	const char *name;
	char expected[300];
	size_t i;

	if (key->type != YAML_SCALAR_NODE) {
		config_problem(w, &key->start_mark, "keys in '%s' must be strings", what);
		return;
	}
	name = (const char *)key->data.scalar.value;
	for (i = 0; keys[i].name; i++)
		if (!strcmp(keys[i].name, name))
			break;
	if (!keys[i].name) {
		config_expected_keys(keys, expected, sizeof(expected));
		config_problem(w, &key->start_mark, "unknown key '%.64s' in '%s' (expected: %s)",
		               name, what, expected);
		return;
	}
	if (seen[i]) {
		config_problem(w, &key->start_mark, "duplicate key '%s' in '%s'", name, what);
		return;
	}
	seen[i] = true;
	keys[i].fn(w, value, target);
}

void config_walk_map(struct config_walk *w, yaml_node_t *map, const struct config_key *keys,
                     void *target, const char *what)
{
	bool seen[32] = {false};
	yaml_node_pair_t *pair;
	size_t i;

	if (map->type != YAML_MAPPING_NODE) {
		config_problem(w, &map->start_mark, "'%s' must be a mapping, not %s", what,
		               config_kind(map));
		return;
	}
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++)
		config_walk_pair(w, pair, keys, target, what, seen);
	for (i = 0; keys[i].name; i++)
		if (keys[i].required && !seen[i])
			config_problem(w, &map->start_mark, "'%s' needs the key '%s'", what,
			               keys[i].name);
}

void config_problems_release(struct config_problems *problems)
{
	if (!problems)
		return;
	for (size_t i = 0; i < problems->len; i++)
		free(problems->items[i]);
	free(problems->items);
	problems->items = NULL;
	problems->len = problems->cap = 0;
}
