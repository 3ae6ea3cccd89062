/*
 * model_json: the core's models (reconciler/core/model.h), observed and
 * desired, as JSON and back, so that a test or a bug report can feed the
 * pure planner any situation (`pcdr debug plan --desired D --observed O`)
 * and a lab run can be captured as a fixture (`pcdr debug observe`). The
 * format is documented in docs/plan.md ("Model files"); LSNs are decimal
 * strings (they exceed 64 bits), enums are spelled as SQL Server and the
 * pool cmdlets spell them, and unknown keys are errors. This module maps
 * data only: it does not plan, observe or check that a model makes sense.
 */
#ifndef PCDR_PLAN_MODEL_JSON_H
#define PCDR_PLAN_MODEL_JSON_H

#include <jansson.h>

#include "reconciler/core/model.h"

#define MODEL_JSON_FORMAT_VERSION 1
#define MODEL_JSON_MAX_BYTES      (16 * 1024 * 1024)

/* `m` as a JSON object (new reference, caller decrefs). Desired models
 * also carry their topology and each copy's `want`. */
json_t *model_json_dump(const struct model *m);

/*
 * Fill `out` (allocated in `arena`) from `doc`. Returns 0, or ERR_INVALID
 * with err_last() naming the offending field ("instances[1].databases[0]:
 * unknown state 'ONLNE'").
 */
int model_json_load(struct model *out, struct arena *arena, const json_t *doc);

/* Read and load the file `path` (capped at MODEL_JSON_MAX_BYTES).
 * ERR_IO / ERR_NOTFOUND when it cannot be read, ERR_INVALID otherwise. */
int model_json_read_file(struct model *out, struct arena *arena, const char *path);

#endif
