/*
 * status: the observed topology of a pool for `pcdr status`: one table
 * row per database copy (instance, site, reachable, state, mirroring
 * role/state/partner, log shipping role, last restored file and LSN,
 * user sessions), the pool state and active servers beside what the spec
 * wants, and the copies the spec does not manage (stale copies, never
 * dropped). Text for a terminal, or JSON. It renders a model; it does
 * not observe or plan.
 */
#ifndef PCDR_PLAN_STATUS_H
#define PCDR_PLAN_STATUS_H

#include <jansson.h>

#include "reconciler/core/model.h"
#include "util/strbuf.h"

#define STATUS_JSON_FORMAT_VERSION 1

/* Append the status of `observed` (its pool compared with `desired`'s,
 * which may be NULL) as aligned text to `out`. */
void status_render_text(const struct model *observed, const struct model *desired,
                        struct strbuf *out);

/* The same as JSON (new reference): format_version, pool, desired_pool,
 * observed (a model_json document), stale_copies. */
json_t *status_json(const struct model *observed, const struct model *desired);

#endif
