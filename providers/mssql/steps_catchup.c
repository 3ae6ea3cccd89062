/*
 * steps_catchup: sql.catch_up (steps.h), the log restores pcdr does
 * itself instead of relying on the copy and restore jobs (which
 * sp_delete_log_shipping_secondary_database deletes; reference 2.1 and
 * 3). It reads where the copy's redo starts (sys.master_files
 * redo_start_lsn), lists the backup share and the copy folder with
 * xp_dirtree, reads each candidate's header (RESTORE HEADERONLY:
 * BackupType 2, DatabaseName, FirstLSN, LastLSN, Position), then
 * restores in LSN order WITH NORECOVERY the one set that contains the
 * LSN needed (FirstLSN <= needed < LastLSN) until none does. A set
 * starting past the needed LSN is a gap: it stops there. Recovery forks
 * (RecoveryForkID, FirstRecoveryForkID, redo_start_fork_guid): a set is
 * a candidate only when RESTORE takes it, on the copy's redo fork or
 * crossing a fork point from it (4330 otherwise), and once the LSN to
 * reach is reached the copy never leaves its fork: a log backup of
 * another branch that begins at the same fork point (the lost primary's
 * first log after its own recovery) would take it off its source's
 * lineage. A set on the copy's fork is preferred to one that crosses.
 * When the step
 * names an LSN to reach (a planned switchover's tail), stopping short of
 * it is an error; otherwise the LSN reached is the outcome (a disaster
 * failover's exposure). LSNs are compared as decimal numbers, never
 * computed with.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "providers/mssql/steps.h"
#include "util/err.h"
#include "util/xalloc.h"

struct log_set {
	const char *file;
	unsigned position;
	struct model_lsn first, last;
	const char *last_text;
	const char *first_fork, *fork; /* FirstRecoveryForkID, RecoveryForkID; NULL: unknown */
};

struct catchup {
	struct steps_outcome *out;
	const struct plan_step *s;
	const struct steps_io *io;
	struct log_set *sets;
	size_t n_sets, cap_sets;
	const char **seen; /* file names already listed */
	size_t n_seen;
	const char *unlisted;    /* each folder that did not answer or listed nothing, and why */
	struct model_lsn gap_to; /* the first LSN past the hole, when out->gap */
	const char *fork;        /* the copy's redo fork (redo_start_fork_guid); NULL: unknown */
};

/* "<db>_....trn", the database's name as written by log shipping or by pcdr. */
static bool candidate(const char *name, const char *db, const char *db_file)
{
	size_t n = strlen(name), d = strlen(db), f = strlen(db_file);

	if (n < 5 || strcasecmp(name + n - 4, ".trn"))
		return false;
	return (n > d + 5 && !strncasecmp(name, db, d) && name[d] == '_') ||
	       (n > f + 5 && !strncasecmp(name, db_file, f) && name[f] == '_');
}

static bool seen(struct catchup *c, const char *name)
{
	for (size_t i = 0; i < c->n_seen; i++)
		if (!strcasecmp(c->seen[i], name))
			return true;
	return false;
}

static void add_set(struct catchup *c, const struct log_set *set)
{
	if (c->n_sets == c->cap_sets) {
		c->cap_sets = c->cap_sets ? 2 * c->cap_sets : 16;
		c->sets = xrealloc(c->sets, c->cap_sets * sizeof(*c->sets));
	}
	c->sets[c->n_sets++] = *set;
}

/* Read the headers of `file`; keep its log backup sets of the database. */
static int read_headers(struct catchup *c, const char *file)
{
	struct mssql_result res;
	struct sqlquote q;
	int rc;

	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_headeronly(&q, file);
	rc = steps_exec(c->out, c->io, c->s->instance, &q, &res, "RESTORE HEADERONLY");
	for (size_t i = 0; rc == 0 && i < steps_rows(&res, "FirstLSN"); i++) {
		const char *type = steps_cell(&res, "BackupType", i);
		const char *name = steps_cell(&res, "DatabaseName", i);
		const char *pos = steps_cell(&res, "Position", i);
		struct log_set set = {
		        arena_strdup(&c->out->arena, file), 1, {0, 0}, {0, 0}, NULL, NULL, NULL};

		if (!type || strcmp(type, "2") || (name && strcasecmp(name, c->s->database)))
			continue;
		if (model_lsn_parse(&set.first, steps_cell(&res, "FirstLSN", i)) < 0 ||
		    model_lsn_parse(&set.last, steps_cell(&res, "LastLSN", i)) < 0)
			continue;
		set.position = steps_parse_int(pos) > 0 ? (unsigned)steps_parse_int(pos) : 1;
		set.last_text = arena_strdup(&c->out->arena, steps_cell(&res, "LastLSN", i));
		set.first_fork =
		        arena_strdup(&c->out->arena, steps_cell(&res, "FirstRecoveryForkID", i));
		set.fork = arena_strdup(&c->out->arena, steps_cell(&res, "RecoveryForkID", i));
		add_set(c, &set);
	}
	sqlquote_release(&q);
	mssql_result_release(&res);
	return rc;
}

static const char *join(struct arena *a, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	return arena_sprintf(a, "%s%s%s", dir,
	                     n && (dir[n - 1] == '\\' || dir[n - 1] == '/') ? "" : "\\", name);
}

/* List `dir` (a folder that does not answer lists nothing) and read the new files. */
static int list_folder(struct catchup *c, const char *dir)
{
	struct mssql_result res;
	struct sqlquote q;
	size_t n, listed = 0;
	int rc = 0;

	if (!dir)
		return 0;
	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_dirtree(&q, dir);
	if (steps_exec(c->out, c->io, c->s->instance, &q, &res, "xp_dirtree") < 0) {
		/* the other folder may still have the logs; say why if they fall short */
		c->unlisted = arena_sprintf(&c->out->arena, "%s%s'%s' did not answer (%s)",
		                            c->unlisted ? c->unlisted : "", c->unlisted ? "; " : "",
		                            dir, c->out->error ? c->out->error : err_last());
		c->out->error = NULL;
		err_clear();
		goto done;
	}
	n = steps_rows(&res, "subdirectory");
	c->seen = xrealloc(c->seen, (c->n_seen + n + 1) * sizeof(*c->seen));
	for (size_t i = 0; rc == 0 && i < n && i < STEPS_MAX_LOG_FILES; i++) {
		const char *name = steps_cell(&res, "subdirectory", i);
		const char *isfile = steps_cell(&res, "file", i);

		if (!name || (isfile && strcmp(isfile, "1")) ||
		    !candidate(name, c->s->database,
		               steps_file_part(&c->out->arena, c->s->database)) ||
		    seen(c, name))
			continue;
		c->seen[c->n_seen++] = arena_strdup(&c->out->arena, name);
		rc = read_headers(c, join(&c->out->arena, dir, name));
		listed++;
	}
	if (rc == 0 && listed == 0) /* xp_dirtree lists an unreachable share as empty */
		c->unlisted = arena_sprintf(&c->out->arena, "%s%s'%s' listed no log backup of '%s'",
		                            c->unlisted ? c->unlisted : "", c->unlisted ? "; " : "",
		                            dir, c->s->database);
done:
	sqlquote_release(&q);
	mssql_result_release(&res);
	return rc;
}

/*
 * No redo_start_lsn: the LastLSN of whatever put the copy in RESTORING
 * last, from msdb (reference 3): its newest restore, or its own tail-log
 * backup WITH NORECOVERY (is_force_offline), whichever is later.
 */
static int last_lsn_in_history(struct catchup *c, struct model_lsn *needed)
{
	struct mssql_result res;
	struct sqlquote q;
	const char *best = NULL, *best_at = NULL;
	int rc;

	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_last_lsns(&q, c->s->database);
	rc = steps_exec(c->out, c->io, c->s->instance, &q, &res, "reading msdb for the redo LSN");
	for (size_t k = 0; rc == 0 && k < res.n_sets; k++) { /* one set per source */
		const struct mssql_rowset *set = &res.sets[k];

		for (size_t r = 0; set->n_columns == 2 && r < set->n_rows; r++) {
			const char *lsn = set->cells[r * 2], *at = set->cells[r * 2 + 1];

			if (lsn && at && (!best_at || strcmp(at, best_at) > 0)) {
				best = lsn;
				best_at = at;
			}
		}
	}
	if (rc == 0 && model_lsn_parse(needed, best) < 0)
		rc = steps_fail(c->out, ERR_CONFLICT,
		                "'%s' on '%s' has no redo start LSN and no restore or tail-log "
		                "backup in msdb%s",
		                c->s->database, c->s->instance, "");
	sqlquote_release(&q);
	mssql_result_release(&res);
	return rc;
}

/* The LSN the copy needs next, and whether it is RESTORING. */
static int redo_start(struct catchup *c, struct model_lsn *needed)
{
	struct mssql_result res;
	struct sqlquote q;
	const char *state, *lsn, *fork;
	int rc;

	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_redo_start(&q, c->s->database);
	rc = steps_exec(c->out, c->io, c->s->instance, &q, &res, "reading redo_start_lsn");
	state = steps_cell(&res, "state_desc", 0);
	lsn = steps_cell(&res, "redo_start_lsn", 0);
	fork = steps_cell(&res, "redo_start_fork_guid", 0);
	c->fork = fork && *fork ? arena_strdup(&c->out->arena, fork) : NULL;
	if (rc == 0 && (!state || strcasecmp(state, "RESTORING")))
		rc = steps_fail(c->out, ERR_CONFLICT, "'%s' on '%s' is %s, not RESTORING",
		                c->s->database, c->s->instance, state ? state : "absent");
	else if (rc == 0 && model_lsn_parse(needed, lsn) < 0)
		rc = last_lsn_in_history(c, needed);
	sqlquote_release(&q);
	mssql_result_release(&res);
	return rc;
}

static bool same_fork(const char *a, const char *b)
{
	return a && b && !strcasecmp(a, b);
}

/* 2: on the copy's fork (or forks unknown), 1: crosses a fork point from
 * it (allowed only before the LSN to reach), 0: another recovery path. */
static int fork_fit(const struct catchup *c, const struct log_set *s, struct model_lsn needed)
{
	if (!c->fork || !s->fork || same_fork(s->fork, c->fork))
		return 2;
	if (!same_fork(s->first_fork, c->fork))
		return 0;
	return c->s->has_lsn && model_lsn_cmp(needed, c->s->lsn) >= 0 ? 0 : 1;
}

/* The set containing `needed` that RESTORE takes (fork_fit); NULL when none.
 * *gap: a later such set exists (the first past the hole in *gap_to). */
static const struct log_set *next_set(const struct catchup *c, struct model_lsn needed, bool *gap,
                                      struct model_lsn *gap_to)
{
	const struct log_set *best = NULL;
	int best_fit = 0;

	*gap = false;
	for (size_t i = 0; i < c->n_sets; i++) {
		const struct log_set *s = &c->sets[i];
		int fit = fork_fit(c, s, needed);

		if (!fit)
			continue;
		if (model_lsn_cmp(s->first, needed) <= 0 && model_lsn_cmp(needed, s->last) < 0) {
			if (fit > best_fit) {
				best = s;
				best_fit = fit;
			}
			continue;
		}
		if (model_lsn_cmp(s->first, needed) > 0 &&
		    (!*gap || model_lsn_cmp(s->first, *gap_to) < 0)) {
			*gap = true;
			*gap_to = s->first;
		}
	}
	if (best)
		*gap = false;
	return best;
}

/* Why the chain fell short of the LSN to reach: where it stopped, the gap, the folders that did not
 * answer. */
static const char *short_of(struct catchup *c)
{
	struct arena *a = &c->out->arena;

	const char *text = arena_sprintf(
	        a,
	        "the log chain of '%s' visible to '%s' stops at LSN %s, before LSN %s, the LSN to "
	        "reach%s%s%s%s; nothing was recovered",
	        c->s->database, c->s->instance, c->out->lsn, model_lsn_str(a, c->s->lsn),
	        c->out->gap ? ": gap in the log chain, the next log backup starts at LSN " : "",
	        c->out->gap ? model_lsn_str(a, c->gap_to) : "", c->unlisted ? "; " : "",
	        c->unlisted ? c->unlisted : "");

	/* a switchover's tail: the demoted source holds every change */
	if (c->out->gap && c->s->peer)
		text = arena_sprintf(a,
		                     "%s. Put the missing log backup back on the share, or recover "
		                     "'%s' on '%s' (RESTORE DATABASE WITH RECOVERY: it holds every "
		                     "change) and apply again, which then reseeds '%s'",
		                     text, c->s->database, c->s->peer, c->s->instance);
	return text;
}

static int restore_chain(struct catchup *c, struct model_lsn needed)
{
	const struct log_set *set;
	struct sqlquote q;
	int rc = 0;

	sqlquote_init(&q, 0);
	while (rc == 0 && (set = next_set(c, needed, &c->out->gap, &c->gap_to)) != NULL) {
		steps_sql_restore_log(&q, c->s->database, set->file, set->position);
		if ((rc = steps_run_one(c->out, c->io, c->s->instance, &q,
		                        "RESTORE LOG WITH NORECOVERY")) < 0)
			break;
		needed = set->last;
		if (c->fork && set->fork)
			c->fork = set->fork;
		c->out->n_restored++;
		c->out->last_file = set->file;
		c->out->lsn = set->last_text;
	}
	if (rc == 0 && !c->out->lsn)
		c->out->lsn = model_lsn_str(&c->out->arena, needed);
	if (rc == 0 && c->s->has_lsn && model_lsn_cmp(needed, c->s->lsn) < 0)
		rc = steps_fail(c->out, ERR_CONFLICT, "%s", short_of(c), NULL, NULL);
	sqlquote_release(&q);
	return rc;
}

int steps_catch_up(struct steps_outcome *out, const struct plan_step *s,
                   const struct steps_env *env, const struct steps_io *io)
{
	struct catchup c = {out, s, io, NULL, 0, 0, NULL, 0, NULL, {0, 0}, NULL};
	struct model_lsn needed;
	int rc;

	if ((rc = redo_start(&c, &needed)) < 0 || (rc = list_folder(&c, env->backup_share)) < 0 ||
	    (rc = list_folder(&c, env->copy_to)) < 0)
		goto done;
	rc = restore_chain(&c, needed);
	if (rc == 0 && out->n_restored == 0)
		out->nothing_to_do = true;
done:
	free(c.sets);
	free(c.seen);
	return rc;
}
