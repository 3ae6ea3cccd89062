/*
 * plan_json: a plan as JSON (`pcdr plan --output json`) and the saved
 * plan of `pcdr plan --out FILE`, with jansson. Kept out of the core so
 * that the core includes no third-party header; the data is the core's
 * struct plan, unchanged. The JSON carries `format_version` and, for
 * every step, its number, phase, kind, targets, reason, risk,
 * dependencies (step numbers), blocked flag and reason, and the observed
 * facts it was planned against. A saved plan adds the spec commit and a
 * fingerprint of every fact the steps depend on, which apply compares
 * with a fresh observation. docs/plan.md documents both formats.
 */
#ifndef PCDR_PLAN_PLAN_JSON_H
#define PCDR_PLAN_PLAN_JSON_H

#include <jansson.h>

#include "reconciler/core/plan.h"
#include "util/strbuf.h"

#define PLAN_JSON_FORMAT_VERSION 1

/* Where the spec came from, for saved plans (every field may be NULL). */
struct plan_json_spec {
	const char *commit;  /* full commit id */
	const char *subject; /* its subject line */
	const char *path;    /* "pools/atl-pchat.yaml" */
};

/* `plan` as a JSON object (new reference). */
json_t *plan_json(const struct plan *plan);

/*
 * The canonical text of every fact the steps of `plan` carry: one
 * "key=value" line each, sorted, duplicates dropped, appended to `out`.
 */
void plan_json_facts_text(const struct plan *plan, struct strbuf *out);

/*
 * The fingerprint of those facts: the git blob id (SHA-1, 40 hex digits)
 * of their canonical text, so `git hash-object` on the text reproduces
 * it. Returns 0, or ERR_GENERIC if hashing failed.
 */
int plan_json_fingerprint(char out[41], const struct plan *plan);

/* The saved plan document (new reference): format_version, spec, pool,
 * plan, fingerprint {algorithm, value, facts}. NULL only if hashing failed. */
json_t *plan_json_saved(const struct plan *plan, const struct plan_json_spec *spec);

/* Write `doc` to `path` (indented, a final newline) through a temporary
 * file renamed into place. 0, or ERR_IO. */
int plan_json_write_file(const json_t *doc, const char *path);

#endif
