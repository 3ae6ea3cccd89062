/*
 * chain: the log chain as an instance sees it on the backup share. Walks
 * log backups from an LSN in LSN order (each next set must contain the
 * LSN the previous one ends at: FirstLSN <= needed < LastLSN), reports how
 * far the chain reaches and the first gap after it. Pure: it reads the
 * backup sets an observation listed and nothing else; it does not decide
 * what a gap means (the planner does, with the policy).
 */
#ifndef PCDR_CORE_CHAIN_H
#define PCDR_CORE_CHAIN_H

#include "reconciler/core/model.h"

struct chain_result {
	struct model_lsn end;              /* the chain reaches this LSN */
	size_t n_logs;                     /* log backups it would restore */
	const struct model_backup *last;   /* last one restored; NULL when none */
	const char *fork;                  /* the fork of the last fork point crossed; NULL: none */
	struct model_lsn fork_lsn;         /* that fork point; zero: none */
	bool gap;                          /* a later log exists past a hole */
	struct model_lsn gap_from, gap_to; /* the missing range [from, to) */
};

/*
 * Walk `db`'s log backups visible to `viewer` from `from`, using sets of
 * fork `fork_a` or `fork_b` (NULL forks on either side match anything).
 * With `fork_b` NULL (the walk is not told where it must end up: a
 * disaster's catch-up), also a set that spans a fork point from the
 * current fork (first_fork) while the LSN reached is not past that fork
 * point; the walk then goes on in the set's fork. With `fork_b` given,
 * it never leaves the two forks (a divergent branch is not a chain).
 */
void chain_walk(const struct model_instance *viewer, const char *db, struct model_lsn from,
                const char *fork_a, const char *fork_b, struct chain_result *out);

/*
 * chain_walk from `fork` (crossing fork points) over the sets of `viewer`
 * that are on the backup share as listed (on_share) or that the plan
 * writes there: what a catch-up can restore, not what msdb remembers
 * (log shipping deletes its backup files after the retention period).
 */
void chain_walk_share(const struct model_instance *viewer, const char *db, struct model_lsn from,
                      const char *fork, struct chain_result *out);

/* The greatest LastLSN of any backup of `db` on `fork` visible to `viewer`
 * (zero when none); a tail-log backup starts there. */
struct model_lsn chain_backed_up_to(const struct model_instance *viewer, const char *db,
                                    const char *fork);

#endif
