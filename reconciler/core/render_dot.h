/*
 * render_dot: a pool's topology as Graphviz DOT, for `pcdr graph`. The
 * current (observed) world and the desired one sit side by side as two
 * clusters; inside each, one cluster per site and per SQL instance, one
 * node per database copy with its state and roles, mirroring arrows
 * (principal -> mirror), log shipping arrows (primary -> secondary, with
 * the last restored LSN when the secondary reported one), the pool with
 * its state and an arrow to each active server. An instance that did not
 * answer is grey and dashed. Pure like the other renderers: it appends to
 * a strbuf, reads no clock or environment, and equal models give equal
 * bytes (no addresses, model order only). It draws what the models hold
 * and judges nothing: differences are the planner's business.
 */
#ifndef PCDR_CORE_RENDER_DOT_H
#define PCDR_CORE_RENDER_DOT_H

#include "reconciler/core/model.h"
#include "util/strbuf.h"

struct render_dot_opts {
	const char *title; /* a second line for the graph label, e.g. the spec
	                      commit; NULL: none */
};

/*
 * Append one `digraph` to `out`. `desired` names the sites, their servers
 * and the pool identity (and is drawn as the "desired" cluster);
 * `observed` is drawn as the "current" cluster. Either may be NULL (spec
 * only, or a world without its spec); `opts` may be NULL.
 */
void render_dot(const struct model *desired, const struct model *observed,
                const struct render_dot_opts *opts, struct strbuf *out);

#endif
