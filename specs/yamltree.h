/*
 * yamltree: one YAML document (libyaml events) -> a tree of scalars,
 * sequences and mappings in an arena, each node with its 1-based line and
 * column. It enforces what a spec must be at the YAML level (UTF-8, one
 * document, no anchors, aliases or tags, size, node and depth caps) and
 * reports YAML syntax errors at libyaml's own position. It knows nothing
 * of the pcdr/v1 schema: that is validate.c.
 */
#ifndef PCDR_SPECS_YAMLTREE_H
#define PCDR_SPECS_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

enum yamltree_kind {
	YAMLTREE_SCALAR = 0,
	YAMLTREE_SEQUENCE,
	YAMLTREE_MAPPING,
};

struct yamltree_pair;

struct yamltree_node {
	enum yamltree_kind kind;
	int line; /* 1-based */
	int col;  /* 1-based, in characters */
	/* YAMLTREE_SCALAR */
	const char *text; /* NUL-terminated; may hold an earlier NUL (len says) */
	size_t len;
	bool plain; /* unquoted: `true` and `"true"` differ */
	/* YAMLTREE_SEQUENCE */
	struct yamltree_node **items;
	size_t n_items;
	/* YAMLTREE_MAPPING; keys are always scalars */
	struct yamltree_pair *pairs;
	size_t n_pairs;
};

struct yamltree_pair {
	struct yamltree_node *key;
	struct yamltree_node *value;
};

/* Receives each problem: position, message and hint (both borrowed). */
typedef void (*yamltree_report_fn)(void *ctx, int line, int col, const char *message,
                                   const char *hint);

/*
 * Parse `data` (len bytes) into *out, allocating in `arena`. Returns 0, or
 * ERR_INVALID after calling `report` for each problem (then *out is NULL).
 * A document that is empty or holds only comments is a problem too.
 */
int yamltree_parse(struct yamltree_node **out, struct arena *arena, const char *data, size_t len,
                   yamltree_report_fn report, void *ctx);

/* True for an unquoted empty, `~` or `null` scalar. */
bool yamltree_is_null(const struct yamltree_node *node);

/* "a mapping", "a sequence", "a string", "null" (for messages). */
const char *yamltree_kind_name(const struct yamltree_node *node);

#endif
