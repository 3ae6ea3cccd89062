/*
 * steps_mirror: sql.seed and sql.establish_mirroring (steps.h), after
 * reference 2.3 and 2.9. A seed takes a full and a log backup of the
 * source to the share and restores both on the target WITH NORECOVERY:
 * MOVE clauses only when the target's default folders differ from the
 * backup's (RESTORE FILELISTONLY against SERVERPROPERTY; when either is
 * unknown the files keep their paths), REPLACE only when apply says the
 * planner overwrites an existing copy. Mirroring makes sure both
 * partners have a started DATABASE_MIRRORING endpoint (created with
 * ROLE = PARTNER when missing), then SET PARTNER on the mirror first and
 * on the principal second, then SAFETY FULL on the principal. A session
 * that is already there only gets SAFETY FULL.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "providers/mssql/steps.h"
#include "util/err.h"

#define STEPS_MAX_FILES 64

static size_t read_moves(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                         const char *file, struct steps_move *moves)
{
	struct steps_file files[STEPS_MAX_FILES];
	struct mssql_result fl, dp;
	struct sqlquote q;
	size_t n = 0, k = 0;
	const char *data_dir = NULL, *log_dir = NULL;

	mssql_result_init(&fl);
	mssql_result_init(&dp);
	sqlquote_init(&q, 0);
	steps_sql_filelistonly(&q, file);
	if (io->exec(io->ctx, inst, sqlquote_cstr(&q), &fl) == 0 && !fl.first_error)
		n = steps_rows(&fl, "LogicalName");
	sqlquote_release(&q);
	sqlquote_init(&q, 0);
	steps_sql_default_paths(&q);
	if (n && io->exec(io->ctx, inst, sqlquote_cstr(&q), &dp) == 0 && !dp.first_error) {
		data_dir = steps_cell(&dp, "data_path", 0);
		log_dir = steps_cell(&dp, "log_path", 0);
	}
	for (size_t i = 0; i < n && i < STEPS_MAX_FILES; i++) {
		const char *type = steps_cell(&fl, "Type", i);

		files[i].logical = steps_cell(&fl, "LogicalName", i);
		files[i].physical = steps_cell(&fl, "PhysicalName", i);
		files[i].type = type && (*type == 'L' || *type == 'l') ? 'L' : 'D';
	}
	if (data_dir && log_dir)
		k = steps_moves(moves, STEPS_MAX_FILES, &out->arena, files,
		                n < STEPS_MAX_FILES ? n : STEPS_MAX_FILES, data_dir, log_dir);
	for (size_t i = 0; i < k; i++) { /* keep them past the results */
		moves[i].logical = arena_strdup(&out->arena, moves[i].logical);
		moves[i].physical = arena_strdup(&out->arena, moves[i].physical);
	}
	sqlquote_release(&q);
	mssql_result_release(&fl);
	mssql_result_release(&dp);
	return k;
}

/*
 * The seed's own log backup is COPY_ONLY, so it starts where the last
 * regular log backup ended: when a log shipping backup ran between the
 * seed's full and log backups, it does not reach back to the full
 * backup and RESTORE LOG refuses it (4305, too recent). Then restore the
 * chain from the share as a catch-up does (the log shipping backup,
 * then the rest) up to the seed log's LastLSN.
 */
static int roll_forward(struct steps_outcome *out, const struct plan_step *s,
                        const struct steps_env *env, const struct steps_io *io, const char *log)
{
	struct mssql_result res;
	struct plan_step cs;
	struct sqlquote q;
	const char *last;
	int rc;

	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_headeronly(&q, log);
	rc = steps_exec(out, io, s->peer, &q, &res, "RESTORE HEADERONLY");
	last = steps_cell(&res, "LastLSN", 0);
	memset(&cs, 0, sizeof(cs));
	cs.kind = PLAN_SQL_CATCH_UP;
	cs.database = s->database;
	cs.instance = s->peer;
	if (rc == 0 && last && model_lsn_parse(&cs.lsn, last) == 0) {
		cs.has_lsn = true;
		rc = steps_catch_up(out, &cs, env, io);
	} else if (rc == 0)
		rc = steps_fail(out, ERR_CONFLICT, "RESTORE HEADERONLY of '%s' on '%s' gave no %s",
		                log, s->peer, "LastLSN");
	sqlquote_release(&q);
	mssql_result_release(&res);
	return rc;
}

int steps_seed(struct steps_outcome *out, const struct plan_step *s, const struct steps_env *env,
               const struct steps_io *io)
{
	/* one pair of files per target, so two seeds of one apply never share a file */
	const char *what =
	        arena_sprintf(&out->arena, "seed-%.*s", (int)strcspn(s->peer, "\\,:"), s->peer);
	const char *full = steps_backup_file(&out->arena, env->backup_share, s->database,
	                                     env->stamp, what, "bak");
	const char *log = steps_backup_file(&out->arena, env->backup_share, s->database, env->stamp,
	                                    what, "trn");
	struct steps_move moves[STEPS_MAX_FILES];
	struct sqlquote q;
	size_t n_moves;
	int rc;

	sqlquote_init(&q, 0);
	steps_sql_backup_database(&q, s->database, full, false);
	if ((rc = steps_run_one(out, io, s->instance, &q, "BACKUP DATABASE")) < 0)
		goto done;
	out->file = full;
	/* COPY_ONLY: a regular log backup here would be a hole in the log shipping
	 * chain (the copy job only takes log shipping's own files) */
	steps_sql_backup_log_copy_only(&q, s->database, log);
	if ((rc = steps_run_one(out, io, s->instance, &q, "BACKUP LOG")) < 0)
		goto done;
	n_moves = read_moves(out, io, s->peer, full, moves);
	steps_sql_restore_database(&q, s->database, full, env->replace, moves, n_moves);
	if ((rc = steps_run_one(out, io, s->peer, &q, "RESTORE DATABASE WITH NORECOVERY")) < 0)
		goto done;
	steps_sql_restore_log(&q, s->database, log, 1);
	if ((rc = steps_run_one(out, io, s->peer, &q, "RESTORE LOG WITH NORECOVERY")) < 0) {
		out->error = NULL; /* its message stays in out->messages */
		err_clear();
		rc = roll_forward(out, s, env, io, log);
	}
done:
	sqlquote_release(&q);
	return rc;
}

/* Make sure `inst` has a started mirroring endpoint; its port goes to *port. */
static int ensure_endpoint(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                           unsigned want_port, unsigned *port)
{
	struct mssql_result res;
	struct sqlquote q;
	const char *name, *state, *p;
	int rc;

	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_endpoints(&q);
	if ((rc = steps_exec(out, io, inst, &q, &res, "reading the mirroring endpoint")) < 0)
		goto done;
	sqlquote_release(&q);
	sqlquote_init(&q, 0);
	name = steps_cell(&res, "name", 0);
	state = steps_cell(&res, "state_desc", 0);
	p = steps_cell(&res, "port", 0);
	if (!name) {
		steps_sql_create_endpoint(&q, want_port);
		*port = want_port ? want_port : STEPS_ENDPOINT_PORT;
		rc = steps_run_one(out, io, inst, &q, "CREATE ENDPOINT");
		goto done;
	}
	*port = steps_parse_int(p) > 0 ? (unsigned)steps_parse_int(p) : STEPS_ENDPOINT_PORT;
	if (!state || strcasecmp(state, "STARTED")) {
		steps_sql_start_endpoint(&q, name);
		rc = steps_run_one(out, io, inst, &q, "ALTER ENDPOINT STATE = STARTED");
	}
done:
	sqlquote_release(&q);
	mssql_result_release(&res);
	return rc;
}

/* Is `db` on the principal already mirrored? (role desc or NULL) */
static int mirroring_role(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                          const char *db, char role[16])
{
	struct mssql_result res;
	struct sqlquote q;
	const char *r;
	int rc;

	role[0] = '\0';
	mssql_result_init(&res);
	sqlquote_init(&q, 0);
	steps_sql_mirroring_of(&q, db);
	rc = steps_exec(out, io, inst, &q, &res, "reading sys.database_mirroring");
	if (rc == 0 && (r = steps_cell(&res, "mirroring_role_desc", 0)) != NULL)
		snprintf(role, 16, "%s", r);
	sqlquote_release(&q);
	mssql_result_release(&res);
	return rc;
}

int steps_establish_mirroring(struct steps_outcome *out, const struct plan_step *s,
                              const struct steps_env *env, const struct steps_io *io)
{
	unsigned pport = 0, mport = 0;
	char role[16];
	struct sqlquote q;
	int rc;

	sqlquote_init(&q, 0);
	if ((rc = mirroring_role(out, io, s->instance, s->database, role)) < 0)
		goto done;
	if (strcasecmp(role, "PRINCIPAL")) {
		if ((rc = ensure_endpoint(out, io, s->instance, env->endpoint_port, &pport)) < 0 ||
		    (rc = ensure_endpoint(out, io, s->peer, env->endpoint_port, &mport)) < 0)
			goto done;
		steps_sql_set_partner(&q, s->database,
		                      steps_partner_address(&out->arena, s->instance, pport));
		if ((rc = steps_run_one(out, io, s->peer, &q, "SET PARTNER (on the mirror)")) < 0)
			goto done;
		steps_sql_set_partner(&q, s->database,
		                      steps_partner_address(&out->arena, s->peer, mport));
		if ((rc = steps_run_one(out, io, s->instance, &q,
		                        "SET PARTNER (on the principal)")) < 0)
			goto done;
	}
	steps_sql_partner(&q, s->database, "SAFETY FULL");
	rc = steps_run_one(out, io, s->instance, &q, "SET PARTNER SAFETY FULL");
done:
	sqlquote_release(&q);
	return rc;
}
