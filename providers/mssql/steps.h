/*
 * steps: every SQL step kind of the plan vocabulary (DESIGN.md) as the
 * T-SQL and procedure calls the reference prescribes (sections 2.1-2.10
 * and 3), run through a small I/O interface so that the unit tests can
 * check the exact text each step sends. steps_sql.c builds the text
 * (sqlquote only: no name ever reaches SQL Server unquoted), steps.c,
 * steps_ls.c and steps_catchup.c run the sequences, read what SQL Server
 * answered (result sets, return codes of the log shipping procedures,
 * RESTORE HEADERONLY LSNs) and stop at the first error with SQL
 * Server's own message. steps_conn.c is the real I/O: one db-lib
 * connection per instance, connected to master, with the percent
 * processed messages (3211) of WITH STATS routed to a callback.
 *
 * A step does not decide whether it should run: apply checks its
 * precondition and postcondition on fresh observations. A step never
 * rolls back what it did before an error.
 */
#ifndef PCDR_PROVIDERS_MSSQL_STEPS_H
#define PCDR_PROVIDERS_MSSQL_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "providers/mssql/mssql.h"
#include "providers/mssql/sqlquote.h"
#include "reconciler/core/plan.h"
#include "util/arena.h"

#define STEPS_STATS_PERCENT 10   /* WITH STATS = 10 on backups and restores */
#define STEPS_ENDPOINT_PORT 5022 /* a new mirroring endpoint listens here */
#define STEPS_ENDPOINT_NAME "Mirroring"
#define STEPS_RETENTION_MIN 4320  /* log shipping file retention, minutes */
#define STEPS_HISTORY_MIN   14420 /* log shipping history retention, minutes */
#define STEPS_MAX_LOG_FILES 10000 /* catch-up: files read from one folder */

/* Where the SQL goes. exec runs one batch on `instance` (connected to
 * master) and fills `res` (initialised by the caller): 0 when the batch
 * ran, even if a statement failed (res->first_error); a negative err.h
 * code when it could not run. */
struct steps_io {
	void *ctx;
	int (*exec)(void *ctx, const char *instance, const char *sql, struct mssql_result *res);
};

/* What a step needs besides the plan step. */
struct steps_env {
	const char *backup_share; /* UNC folder the instances share */
	const char *copy_to;      /* log shipping copy folder on the secondary; may be NULL */
	unsigned interval_s;      /* log shipping backup/copy/restore interval */
	const char *stamp;        /* "20261128T140211Z": file names of this apply */
	bool replace;             /* sql.seed: RESTORE ... WITH REPLACE (the planner overwrites) */
	unsigned endpoint_port;   /* 0: STEPS_ENDPOINT_PORT */
};

/* What a step did, for the audit record and the progress output. */
struct steps_outcome {
	struct arena arena;
	const char **messages; /* "sqla.dc1.lab: 3014: BACKUP LOG successfully ..." */
	size_t n_messages, cap_messages;
	const char *error;     /* the first failure, SQL Server's message */
	const char *file;      /* backup file written (tail, safety, seed full) */
	const char *lsn;       /* tail: its LastLSN (demotion token); catch-up: LSN reached */
	const char *last_file; /* catch-up: last log restored */
	unsigned n_restored;   /* catch-up: log backups restored */
	bool gap;              /* catch-up: stopped at a gap in the chain */
	bool nothing_to_do;    /* found already done (idempotent re-run) */
};

void steps_outcome_init(struct steps_outcome *out);
void steps_outcome_release(struct steps_outcome *out);

/*
 * Run the SQL step `step` (any kind but pool.*). 0 when every statement
 * succeeded; ERR_GENERIC with err_last() and out->error holding SQL
 * Server's message when one failed (nothing after it ran);
 * ERR_UNREACHABLE / ERR_TIMEOUT when an instance could not be used;
 * ERR_CONFLICT when what the step found contradicts it (a log
 * shipping procedure returned non-zero, the log chain stops before the
 * LSN to reach); ERR_INVALID for a name that cannot be quoted.
 */
int steps_run(struct steps_outcome *out, const struct plan_step *step, const struct steps_env *env,
              const struct steps_io *io);

/* --- the T-SQL text (steps_sql.c); each appends to `q` -------------------- */

/* "TCP://host:port", host being the instance name without \INSTANCE or ,port. */
const char *steps_partner_address(struct arena *arena, const char *instance, unsigned port);
/* `name` as a file name part: only [A-Za-z0-9._-], no "..", others '_'. */
const char *steps_file_part(struct arena *arena, const char *name);
/* "<share>\<db>_<stamp>_<what>.<ext>" (a '\' is added when missing; db
 * and what pass through steps_file_part, so no name can leave the share). */
const char *steps_backup_file(struct arena *arena, const char *share, const char *db,
                              const char *stamp, const char *what, const char *ext);

void steps_sql_list_sessions(struct sqlquote *q, const char *db);
void steps_sql_kill(struct sqlquote *q, int session_id);
void steps_sql_backup_log(struct sqlquote *q, const char *db, const char *file, bool norecovery);
void steps_sql_backup_log_copy_only(struct sqlquote *q, const char *db, const char *file);
void steps_sql_backup_database(struct sqlquote *q, const char *db, const char *file,
                               bool copy_only);
void steps_sql_headeronly(struct sqlquote *q, const char *file);
void steps_sql_filelistonly(struct sqlquote *q, const char *file);
void steps_sql_default_paths(struct sqlquote *q);
void steps_sql_restore_log(struct sqlquote *q, const char *db, const char *file, unsigned position);

/* One MOVE clause of a RESTORE DATABASE. */
struct steps_move {
	const char *logical;
	const char *physical;
};
void steps_sql_restore_database(struct sqlquote *q, const char *db, const char *file, bool replace,
                                const struct steps_move *moves, size_t n_moves);
void steps_sql_recover(struct sqlquote *q, const char *db);
void steps_sql_redo_start(struct sqlquote *q, const char *db);
void steps_sql_dirtree(struct sqlquote *q, const char *folder);
/* The newest restore's and the newest tail-log backup's LastLSN (columns last_lsn, at). */
void steps_sql_last_lsns(struct sqlquote *q, const char *db);
void steps_sql_partner(struct sqlquote *q, const char *db, const char *what);
void steps_sql_set_partner(struct sqlquote *q, const char *db, const char *address);
void steps_sql_mirroring_of(struct sqlquote *q, const char *db);
void steps_sql_endpoints(struct sqlquote *q);
void steps_sql_create_endpoint(struct sqlquote *q, unsigned port);
void steps_sql_start_endpoint(struct sqlquote *q, const char *name);

/*
 * MOVE clauses for restoring a backup whose files are `files` (from
 * RESTORE FILELISTONLY: logical, physical, type 'D' or 'L') on an
 * instance whose default data and log folders are `data_dir` and
 * `log_dir` (SERVERPROPERTY; NULL when unknown): a file whose folder
 * differs from its default folder is moved there under its own file
 * name. Returns how many moves were written to `out` (at most `max`);
 * none when a folder is unknown.
 */
struct steps_file {
	const char *logical;
	const char *physical;
	char type;
};
size_t steps_moves(struct steps_move *out, size_t max, struct arena *arena,
                   const struct steps_file *files, size_t n, const char *data_dir,
                   const char *log_dir);

/* --- internal, shared by steps*.c ----------------------------------------- */

/* Run `q`'s text on `inst`; messages go to `out`; a failed statement is
 * an error naming `what`. */
int steps_exec(struct steps_outcome *out, const struct steps_io *io, const char *inst,
               struct sqlquote *q, struct mssql_result *res, const char *what);
/* The cell of column `col` in row `row` of the first set that has it; NULL. */
const char *steps_cell(const struct mssql_result *res, const char *col, size_t row);
/* Rows of the first set that has column `col`. */
size_t steps_rows(const struct mssql_result *res, const char *col);
/* Run a procedure call batch ending in SELECT @rc AS pcdr_rc; a
 * non-zero return code is ERR_CONFLICT. */
int steps_exec_rc(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                  struct sqlquote *q, const char *proc);

int steps_parse_int(const char *text); /* -1 when not a non-negative int */
/* Run `q`, forget its results, reset `q`. */
int steps_run_one(struct steps_outcome *out, const struct steps_io *io, const char *inst,
                  struct sqlquote *q, const char *what);
/* Record a failure as the step's error; returns `code`. */
int steps_fail(struct steps_outcome *out, int code, const char *fmt, const char *a, const char *b,
               const char *c);
int steps_seed(struct steps_outcome *out, const struct plan_step *step, const struct steps_env *env,
               const struct steps_io *io);
int steps_establish_mirroring(struct steps_outcome *out, const struct plan_step *step,
                              const struct steps_env *env, const struct steps_io *io);
int steps_catch_up(struct steps_outcome *out, const struct plan_step *step,
                   const struct steps_env *env, const struct steps_io *io);
int steps_configure_log_shipping(struct steps_outcome *out, const struct plan_step *step,
                                 const struct steps_env *env, const struct steps_io *io);
int steps_drop_log_shipping(struct steps_outcome *out, const struct plan_step *step,
                            const struct steps_io *io);

/* --- the real I/O (steps_conn.c) ------------------------------------------- */

/* Called for every 3211 "n percent processed." message. */
typedef void (*steps_progress_fn)(void *ctx, const char *instance, int percent);

struct steps_conn;

/*
 * An I/O over db-lib: `targets` (borrowed, they must outlive it) name
 * the instances it may connect to; each is connected on first use and
 * kept until steps_conn_free. `progress` may be NULL.
 */
struct steps_conn *steps_conn_new(const struct mssql_target *targets, size_t n,
                                  steps_progress_fn progress, void *progress_ctx);
void steps_conn_io(struct steps_io *io, struct steps_conn *conn);
void steps_conn_free(struct steps_conn *conn);

#endif
