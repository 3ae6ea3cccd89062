/*
 * validate: the pcdr/v1 rules over a yamltree (DESIGN.md "The spec (v1)"),
 * producing the typed model of spec.h. Internal to specs/: spec.c is its
 * only caller, and spec_diag_add (spec.c) is how it reports.
 */
#ifndef PCDR_SPECS_VALIDATE_H
#define PCDR_SPECS_VALIDATE_H

#include "specs/spec.h"
#include "specs/yamltree.h"

/*
 * Check the document `root` read from `file` (a string owned by the set's
 * arena). Every problem becomes a diagnostic in `set`. Returns 0 and a
 * pool allocated in set->arena in *out when there was none, otherwise
 * ERR_INVALID and *out NULL. `tmp` holds scratch memory.
 */
int validate_pool(struct spec_pool **out, struct spec_set *set, struct arena *tmp, const char *file,
                  const struct yamltree_node *root);

/* Add a diagnostic (message and hint are copied; hint may be NULL). */
void spec_diag_add(struct spec_set *set, const char *file, int line, int col, const char *message,
                   const char *hint);

#endif
