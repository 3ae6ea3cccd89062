/*
 * labverbs: the entry points lab/main.c's verb table calls for the pool,
 * chat and verify verbs (which take words after the verb, unlike up/down/
 * status) and the `up` wrapper that also writes DIR/pcdr.yaml. Keeping
 * them here leaves main.c one row and one line per verb.
 */
#ifndef PCDR_LAB_LABVERBS_H
#define PCDR_LAB_LABVERBS_H

#include "lab/labd.h"

/*
 * Run verb `verb` ("pool", "chat", "verify") with the words after it.
 * `dir` is the global --dir (NULL when not given); --dir DIR and -h may
 * also come after the verb. Returns a process exit code (129: usage).
 */
int labverbs_run(const char *verb, const char *dir, int argc, char **argv);

/* labd_up, then DIR/pcdr.yaml (before starting, with --foreground). */
int labverbs_up(const struct labd_opts *opts);

#endif
