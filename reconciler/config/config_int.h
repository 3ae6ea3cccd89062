/*
 * config_int: what the files of reconciler/config share and nobody else
 * sees: the walk over a libyaml document with file:line:col problems
 * (config_yaml.c), and credential resolution (config_secret.c).
 */
#ifndef PCDR_RECONCILER_CONFIG_CONFIG_INT_H
#define PCDR_RECONCILER_CONFIG_CONFIG_INT_H

#include <stdbool.h>
#include <yaml.h>

#include "reconciler/config/config.h"

struct config_walk {
	const char *file;
	yaml_document_t *doc;
	struct config *cfg;
	struct config_problems *problems;
	size_t n_problems;
};

/* A key of a mapping and what to do with its value. */
struct config_key {
	const char *name;
	void (*fn)(struct config_walk *w, yaml_node_t *value, void *target);
	bool required;
};

void config_problem(struct config_walk *w, const yaml_mark_t *mark, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void config_problem_at(struct config_walk *w, int line, int col, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Walk a mapping with a key table: unknown, duplicate and missing required
 * keys are problems; `what` names the mapping in messages ("sql"). */
void config_walk_map(struct config_walk *w, yaml_node_t *map, const struct config_key *keys,
                     void *target, const char *what);
yaml_node_t *config_node(struct config_walk *w, int index);

/* A scalar as a string (arena copy), or NULL after a problem. */
const char *config_string(struct config_walk *w, yaml_node_t *node, const char *what);
/* `10s`, `5m`, `2h`: *out seconds; false after a problem. */
bool config_duration(struct config_walk *w, yaml_node_t *node, const char *what, unsigned *out);
bool config_bool(struct config_walk *w, yaml_node_t *node, const char *what, bool *out);
bool config_uint(struct config_walk *w, yaml_node_t *node, const char *what, unsigned max,
                 unsigned *out);

/* The `sql:` defaults and the `instances:` map (config_sql.c). */
void config_read_sql(struct config_walk *w, yaml_node_t *node);
void config_read_instances(struct config_walk *w, yaml_node_t *node);

/* The `credentials:` block: resolve into a new secret owned by the
 * config; NULL after a problem. */
const struct config_credentials *config_credentials_parse(struct config_walk *w, yaml_node_t *node);

#endif
