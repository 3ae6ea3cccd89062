/*
 * chain: LSN chain walking over the backup sets an instance listed
 * (chain.h). The rules are SQL Server's (reference section 3): a log
 * backup covers [FirstLSN, LastLSN); the next one to restore must satisfy
 * FirstLSN <= needed LSN < LastLSN; a set that begins after the needed LSN
 * means a hole. Pure and allocation free.
 */
#include "reconciler/core/chain.h"

#include <string.h>

static bool fork_matches(const char *set_fork, const char *a, const char *b)
{
	if (!set_fork || (!a && !b))
		return true;
	return (a && strcmp(set_fork, a) == 0) || (b && strcmp(set_fork, b) == 0);
}

/*
 * A set that starts on fork `a` and spans a fork point into another fork:
 * RESTORE takes it onto a copy of that first fork that has not gone past
 * the fork point (reference section 3; the first log backup of a new
 * primary after a switchover, which the old primary's tail-log backup
 * left at the fork point).
 */
static bool crosses_from(const struct model_backup *b, struct model_lsn need, const char *a)
{
	if (!a || !b->first_fork || !b->fork || model_lsn_is_zero(b->fork_lsn) ||
	    strcmp(b->first_fork, a) != 0)
		return false;
	return model_lsn_cmp(need, b->fork_lsn) <= 0;
}

/* A set the walk may use: with `share`, only those listed on the backup
 * share and those the plan itself writes there ("(planned)"). */
static bool usable(const struct model_backup *b, const char *db, bool share)
{
	return b->type == 'L' && strcmp(b->database, db) == 0 &&
	       (!share || b->on_share || (b->finished && !strcmp(b->finished, "(planned)")));
}

static const struct model_backup *next_log(const struct model_instance *viewer, const char *db,
                                           struct model_lsn need, const char *fa, const char *fb,
                                           bool share)
{
	const struct model_backup *best = NULL;
	bool best_on_fork = false;

	for (size_t i = 0; i < viewer->n_backups; i++) {
		const struct model_backup *b = &viewer->backups[i];
		bool on_fork;

		if (!usable(b, db, share))
			continue;
		on_fork = fork_matches(b->fork, fa, fb);
		if (!on_fork && (fb || !crosses_from(b, need, fa)))
			continue;
		if (model_lsn_cmp(b->first_lsn, need) > 0 || model_lsn_cmp(need, b->last_lsn) >= 0)
			continue;
		/* a set on the copy's own fork first, then the longest */
		if (!best || (on_fork && !best_on_fork) ||
		    (on_fork == best_on_fork && model_lsn_cmp(b->last_lsn, best->last_lsn) > 0)) {
			best = b;
			best_on_fork = on_fork;
		}
	}
	return best;
}

static void walk(const struct model_instance *viewer, const char *db, struct model_lsn from,
                 const char *fork_a, const char *fork_b, bool share, struct chain_result *out)
{
	const struct model_backup *b;

	memset(out, 0, sizeof(*out));
	out->end = from;
	if (!viewer)
		return;
	while ((b = next_log(viewer, db, out->end, fork_a, fork_b, share)) != NULL) {
		if (!fork_matches(b->fork, fork_a, fork_b)) { /* crossed a fork point */
			fork_a = b->fork;
			fork_b = NULL;
			out->fork = b->fork;
			out->fork_lsn = b->fork_lsn;
		}
		out->end = b->last_lsn;
		out->last = b;
		out->n_logs++;
	}
	for (size_t i = 0; i < viewer->n_backups; i++) {
		const struct model_backup *g = &viewer->backups[i];

		if (!usable(g, db, share) ||
		    !(fork_matches(g->fork, fork_a, fork_b) ||
		      (!fork_b && crosses_from(g, out->end, fork_a))) ||
		    model_lsn_cmp(g->first_lsn, out->end) <= 0)
			continue;
		if (!out->gap || model_lsn_cmp(g->first_lsn, out->gap_to) < 0)
			out->gap_to = g->first_lsn;
		out->gap = true;
		out->gap_from = out->end;
	}
}

void chain_walk(const struct model_instance *viewer, const char *db, struct model_lsn from,
                const char *fork_a, const char *fork_b, struct chain_result *out)
{
	walk(viewer, db, from, fork_a, fork_b, false, out);
}

void chain_walk_share(const struct model_instance *viewer, const char *db, struct model_lsn from,
                      const char *fork, struct chain_result *out)
{
	walk(viewer, db, from, fork, NULL, true, out);
}

struct model_lsn chain_backed_up_to(const struct model_instance *viewer, const char *db,
                                    const char *fork)
{
	struct model_lsn best = model_lsn_u64(0);

	for (size_t i = 0; viewer && i < viewer->n_backups; i++) {
		const struct model_backup *b = &viewer->backups[i];

		if (strcmp(b->database, db) != 0 || !fork_matches(b->fork, fork, NULL))
			continue;
		if (model_lsn_cmp(b->last_lsn, best) > 0)
			best = b->last_lsn;
	}
	return best;
}
