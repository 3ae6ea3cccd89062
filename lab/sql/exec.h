/*
 * exec: the execution context of one batch (or RPC) and the interfaces
 * between the executor's parts: statements (exec.c, exec_dml.c),
 * expressions (eval.c), queries (query.c), catalog views (catalog.c) and
 * procedures (procs.c). Internal to lab/sql.
 *
 * Output is queued in the batch arena while a statement runs under the
 * instance lock, and handed to the sink after the lock is released, so a
 * slow client never blocks other sessions.
 */
#ifndef PCDR_LAB_SQL_EXEC_H
#define PCDR_LAB_SQL_EXEC_H

#include "lab/sql/ast.h"
#include "lab/sql/world.h"

/* How far an error unwinds, as SQL Server does (Sommarskog's terms). */
enum sqlabort {
	AB_NONE = 0,
	AB_STMT,  /* the statement fails, the batch goes on (2812, 515, 8134) */
	AB_SCOPE, /* the batch or procedure stops, the caller goes on (208, 207) */
	AB_BATCH, /* the whole batch stops (245, THROW) */
	AB_CONN,  /* severity >= 20: the connection closes */
};

/* An error caught by TRY, for its CATCH block and ERROR_*() functions. */
struct sqlcaught {
	int32_t number;
	uint8_t severity;
	uint8_t state;
	int line;
	const char *text;
	const char *proc;
};

struct sqlvar {
	const char *name;
	struct sqltype type;
	struct lab_value v;
	struct sqlvar *next;
};

enum outev_kind { OUT_COLS, OUT_ROW, OUT_DONE, OUT_MSG, OUT_ENVDB, OUT_RETSTATUS };

struct outev {
	enum outev_kind kind;
	const struct lab_column *cols;
	const struct lab_value *vals;
	size_t n;
	enum lab_done_kind done_kind;
	uint16_t status;
	uint16_t curcmd;
	uint64_t rowcount;
	struct lab_message msg;
	const char *s1, *s2;
	int32_t ret;
};

/* INSERT ... EXEC: the result sets the procedure sends land here (all
 * with the first one's column count, else `mismatch`). */
struct sqlcapture {
	const struct lab_column *cols;
	size_t n_cols;
	VEC(const struct lab_value *) rows;
	bool mismatch;
};

struct sqlctx {
	struct lab_session *s;
	struct sqlinstance *inst;
	struct arena *a;
	const struct lab_sink *sink;
	VEC(struct outev) out;
	struct sqlvar *vars;
	const char *proc;  /* "" outside a procedure */
	int depth;         /* procedure nesting */
	uint64_t rowcount; /* @@ROWCOUNT */
	int32_t error;     /* @@ERROR */
	int32_t return_status;
	bool returned;                    /* RETURN ran in this scope */
	int loop_jump;                    /* 1 BREAK, 2 CONTINUE pending in the innermost WHILE */
	int try_depth;                    /* TRY blocks being run */
	int try_level;                    /* procedure depth of the innermost TRY */
	bool catch_pending;               /* an error was caught: unwind to TRY */
	struct sqlcaught caught;          /* that error */
	const struct sqlcaught *handling; /* in a CATCH block: its error */
	bool cancelled;
	bool done_sent;               /* a DONE reached the sink */
	bool compiling;               /* binding names before the batch runs */
	enum sqlabort abort;          /* set by a failing statement */
	struct sqlerr err;            /* scratch for conversion errors */
	uint64_t work;                /* rows visited, for cancellation polls */
	struct sqlcapture *capture;   /* INSERT ... EXEC running its EXEC */
	const struct rowset *ins_src; /* ... then the rows it captured */
};

/* --- output --------------------------------------------------------- */

void sqlout_columns(struct sqlctx *c, const struct lab_column *cols, size_t n);
void sqlout_row(struct sqlctx *c, const struct lab_value *vals, size_t n);
void sqlout_done(struct sqlctx *c, uint16_t status, uint16_t curcmd, uint64_t rowcount);
void sqlout_info(struct sqlctx *c, int32_t number, uint8_t state, int line, const char *text);
void sqlout_env_database(struct sqlctx *c, const char *new_db, const char *old_db);
void sqlout_return_status(struct sqlctx *c, int32_t status);
void sqlout_flush(struct sqlctx *c);
/*
 * Queue an error message and mark how far it unwinds: returns -1 so a
 * failing step reads `return sqlexec_fail(c, AB_SCOPE, 208, 16, line,
 * "Invalid object name '%s'.", name);`. Severity 10 or less is sent as
 * INFO with severity 0.
 */
int sqlexec_fail(struct sqlctx *c, enum sqlabort ab, int32_t number, uint8_t severity, int line,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same from a prepared sqlerr (conversion, syntax). */
int sqlexec_fail_err(struct sqlctx *c, enum sqlabort ab, const struct sqlerr *e, int line);
/* Send a message with given number/severity/state (RAISERROR, THROW). */
void sqlexec_message(struct sqlctx *c, int32_t number, uint8_t severity, uint8_t state, int line,
                     const char *text);

/* --- statements ------------------------------------------------------ */

/*
 * Bind the batch's names before it runs, as SQL Server compiles a batch:
 * USE of a missing database (911) and a column missing from a table that
 * exists now (207, 209, 4104) fail the whole batch; statements naming a
 * table that does not exist yet are left to run time (deferred name
 * resolution, 208). 0, or -1 with the error queued (compile.c).
 */
int sqlcompile_batch(struct sqlctx *c, const struct sqlbatch *b);
/* Run a parsed batch in the current scope. 0, or -1 when it stopped. */
int sqlexec_batch(struct sqlctx *c, const struct sqlbatch *b);
/* Run SQL text as a nested scope (sp_executesql, EXEC('...')). */
int sqlexec_nested(struct sqlctx *c, const char *sql, struct sqlvar *params);
/* One statement that is not control flow (exec_stmt.c). */
int sqlexec_stmt_leaf(struct sqlctx *c, const struct sqlstmt *st);
/* RAISERROR (caller holds the lock) and EXEC (takes it) (exec_proc.c). */
int sqlexec_raiserror(struct sqlctx *c, const struct sqlstmt *st);
int sqlexec_exec(struct sqlctx *c, const struct sqlstmt *st);
/* DML and DDL statements (exec_dml.c); caller holds the instance lock. */
int sqlexec_dml(struct sqlctx *c, const struct sqlstmt *st);
/* The database a session is in (never NULL while the session lives). */
struct sqldb *sqlexec_current_db(struct sqlctx *c);
struct sqlvar *sqlexec_var(struct sqlctx *c, const char *name);
/* Resolve [db.][schema.]table to a stored table; 208 when missing. */
int sqlexec_table(struct sqlctx *c, const struct sqlname *n, int line, struct sqldb **db_out,
                  struct sqltable **out);

/* --- queries and expressions ----------------------------------------- */

struct rowset {
	const struct lab_column *cols;
	size_t n_cols;
	struct lab_value **rows;
	size_t n_rows;
};

struct scope_src {
	const char *alias; /* exposed name: alias or table name */
	struct rowset rs;
	const struct lab_value *cur; /* current row; NULL = the NULL row */
};

struct evalenv {
	struct scope_src *src;
	size_t n_src;
	struct evalenv *outer; /* correlated subqueries */
	/* aggregate evaluation: the group's rows, as arrays of n_src row
	 * pointers; NULL outside an aggregate query */
	const struct lab_value ***group;
	size_t n_group;
	/* ORDER BY may name select-list aliases */
	const struct sqlitem *items;
	const struct lab_value *item_vals;
	size_t n_items;
};

int sqleval(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e, struct lab_value *out);
/* Truth of a predicate: 1 true, 0 false or unknown, -1 error. */
int sqleval_bool(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e);
/* Result column metadata of an expression. */
int sqleval_type(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_column *out);
bool sqleval_has_agg(const struct sqlexpr *e);
/* Pieces of evaluation shared by eval*.c. */
int sqleval_resolve(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct evalenv **fenv, size_t *fsrc, size_t *fcol);
int sqleval_col(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                struct lab_value *out);
int sqleval_arith(struct sqlctx *c, const struct sqlexpr *e, struct lab_value *x,
                  struct lab_value *y, struct lab_value *out);
int sqleval_cmp(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *x,
                const struct lab_value *y, struct lab_value *out);
int sqleval_logic(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                  struct lab_value *out);
int sqleval_in(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
               struct lab_value *out);
int sqleval_like(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_value *out);
int sqleval_between(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                    struct lab_value *out);
/* A scalar function (eval_func.c). */
int sqlfunc_call(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_value *out);
int sqlfunc_type(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_column *out);

/*
 * Run a SELECT. With `emit`, send its result set (or assign variables);
 * otherwise fill *out (subqueries, INSERT ... SELECT). 0 or -1.
 */
int sqlquery_run(struct sqlctx *c, struct evalenv *outer, const struct sqlselect *q, bool emit,
                 struct rowset *out);
/* Open a table or catalog view by name as a rowset (caller holds the
 * instance lock). 0, or -1 after queuing 208. */
int sqlquery_open(struct sqlctx *c, const struct sqlname *n, int line, struct rowset *out);

/* Catalog views generated from engine state (catalog.c): 1 when `name`
 * is a view of `schema` (and filled), 0 when not a view. */
int catalog_open(struct sqlctx *c, struct sqldb *db, const char *schema, const char *name,
                 struct rowset *out);
/* Table-valued functions in FROM (catalog_log.c: sys.dm_db_log_stats):
 * catalog_is_function tells whether `n` names one; catalog_call fills
 * *out (1), 0 when `n` is not a function, -1 after queuing an error. */
bool catalog_is_function(const struct sqlname *n);
int catalog_call(struct sqlctx *c, const struct sqlname *n, struct rowset *out);

/* --- procedures ------------------------------------------------------ */

struct procarg {
	const char *name; /* @p or NULL */
	struct lab_value value;
	bool is_default;
	bool output;
	const char *var; /* the variable passed for OUTPUT */
};

/* Run a system procedure by name. 0 (return status in *status), -1 on
 * error, 1 when no such procedure (2812 not yet sent). */
int sqlproc_call(struct sqlctx *c, const struct sqlname *name, struct procarg *args, size_t n_args,
                 int line, int32_t *status);

#endif
