/*
 * render_dot_int: what render_dot.c (clusters and nodes) and
 * render_dot_edge.c (mirroring and log shipping arrows) share: one side
 * of the drawing, DOT quoting and node ids. Node ids are
 * "SIDE/sql/INSTANCE/DB" for a copy, "SIDE/sql/INSTANCE" for an instance
 * drawn as one node (it did not answer, or holds no copy),
 * "SIDE/server/FQDN", "SIDE/pool" and "SIDE/other/NAME" for a partner the
 * model does not hold; host names contain no '/', so no two collide.
 */
#ifndef PCDR_CORE_RENDER_DOT_INT_H
#define PCDR_CORE_RENDER_DOT_INT_H

#include <stdbool.h>

#include "reconciler/core/model.h"
#include "util/strbuf.h"

struct render_dot_side {
	const char *key;                   /* "current" or "desired" */
	const struct model *m;             /* what this side draws */
	const struct model_topology *topo; /* sites and servers; NULL: unknown */
	bool desired;
	struct strbuf *out;
};

enum render_dot_edge_kind {
	RENDER_DOT_MIRRORING,
	RENDER_DOT_LOG_SHIPPING,
};

struct render_dot_edge {
	enum render_dot_edge_kind kind;
	const char *from, *to; /* instance names, as the copy spells them */
	const char *db;
	const struct model_db *copy; /* the copy whose facts name the edge */
	bool one_sided;              /* named by the far end only (the near end
	                                did not answer or says otherwise) */
};

/* Append `s` escaped for a DOT string: backslash, quote, line breaks. */
void render_dot_escape(struct strbuf *out, const char *s);

/* Append `"SIDE/KIND[/NAME[/DB]]"`. */
void render_dot_id(struct strbuf *out, const struct render_dot_side *s, const char *kind,
                   const char *name, const char *db);

/* Append TABs for `depth`. */
void render_dot_indent(struct strbuf *out, int depth);

/* Call `fn` for every arrow of the side, in model order, each once. */
void render_dot_each_edge(const struct render_dot_side *s,
                          void (*fn)(const struct render_dot_side *s,
                                     const struct render_dot_edge *e, void *ctx),
                          void *ctx);

/* Append every arrow of the side at `depth`. */
void render_dot_edges(const struct render_dot_side *s, int depth);

#endif
