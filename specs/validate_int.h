/*
 * validate_int: what validate.c (shape, types, the model) and
 * validate_refs.c (rules across fields) share while checking one document.
 * Not used outside specs/.
 */
#ifndef PCDR_SPECS_VALIDATE_INT_H
#define PCDR_SPECS_VALIDATE_INT_H

#include <stdbool.h>

#include "specs/validate.h"

/* One key of a fixed-shape mapping. */
struct vfield {
	const char *key;
	bool required;
	const char *hint; /* shown when it is missing or has the wrong type */
};

/* A list of names with the node each came from; an invalid entry is NULL. */
struct vlist {
	const char **items;
	const struct yamltree_node **nodes;
	size_t n;
	bool refused; /* the whole list was refused (wrong type, too long) */
};

/* The nodes of one site, for the checks across sites. */
struct vsite {
	const struct yamltree_node *key;
	const struct yamltree_node *principal, *mirror;
	struct vlist servers;
	struct vlist near_sites;
};

struct vctx {
	struct spec_set *set;
	struct arena *tmp;
	const char *file;
	size_t n_diags;
	struct spec_pool *pool;
	struct vsite *sites; /* parallel to pool->sites */
	const struct yamltree_node *home, *primary, *from, *to, *log_shipping;
	struct vlist active;
	bool sites_incomplete; /* a site name or spec.sites itself was invalid */
	bool shipping_unknown; /* a database's logShipping could not be read */
	const char *shipped;   /* the first database with logShipping: true */
};

void validate_diag(struct vctx *v, const struct yamltree_node *at, const char *hint,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
char *validate_hint(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *validate_quote(struct vctx *v, const char *s);

/* Report unknown, duplicate and missing keys of `map`; values[i] is the
 * value of fields[i] or NULL. `where` ends messages: "in spec". n <= 16. */
void validate_fields(struct vctx *v, const struct yamltree_node *map, const char *where,
                     const struct vfield *fields, size_t n, const struct yamltree_node **values);
bool validate_is_kind(struct vctx *v, const struct yamltree_node *node, enum yamltree_kind kind,
                      const char *path, const char *hint);
const char *validate_string(struct vctx *v, const struct yamltree_node *node, const char *path,
                            const char *hint);
bool validate_bool(struct vctx *v, const struct yamltree_node *node, const char *path, bool *out);
const char *validate_name(struct vctx *v, const struct yamltree_node *node, const char *path,
                          const char *what, bool (*check)(const char *, char *), const char *hint);

/* validate_spec.c: the `spec:` mapping, into v->pool and the v fields. */
void validate_spec_section(struct vctx *v, const struct yamltree_node *spec);

/* validate_refs.c: the rules that relate fields (site references,
 * instance and server uniqueness, active servers, log shipping). */
void validate_refs_check(struct vctx *v);

#endif
