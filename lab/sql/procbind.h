/*
 * procbind: parameter binding for the system procedures written in C
 * (Agent and log shipping): named or positional arguments matched to a
 * procedure's documented parameter list (8145 for an unknown name, 8144
 * for too many, 201 for a missing required one), typed reads with
 * defaults, and OUTPUT parameters written back to the caller's
 * variables (EXEC ... @p = @v OUTPUT). Internal to lab/sql.
 */
#ifndef PCDR_LAB_SQL_PROCBIND_H
#define PCDR_LAB_SQL_PROCBIND_H

#include "lab/sql/exec.h"

struct procbind {
	const char *proc;         /* for messages */
	const char *const *names; /* "@job_name", ... */
	size_t n;
	struct procarg *slot[48]; /* by parameter; NULL when absent or DEFAULT */
	int line;
};

/* Match args to b->names. 0, or -1 with the error queued. */
int procbind_bind(struct sqlctx *c, struct procbind *b, struct procarg *args, size_t n);
/* The argument for `name` (NULL: absent, DEFAULT or NULL value). */
const struct lab_value *procbind_value(const struct procbind *b, const char *name);
bool procbind_given(const struct procbind *b, const char *name);
/* Text of a parameter (NULL when absent or NULL); in c's arena. */
const char *procbind_text(struct sqlctx *c, const struct procbind *b, const char *name);
/* Integer of a parameter, `dflt` when absent or NULL; -1 and an error
 * (8114-like conversion failure) when it is not a number. */
int procbind_int(struct sqlctx *c, const struct procbind *b, const char *name, int64_t dflt,
                 int64_t *out);
/* GUID parameter: 1 given (out filled), 0 absent, -1 bad (8169 queued). */
int procbind_guid(struct sqlctx *c, const struct procbind *b, const char *name, uint8_t out[16]);
/* 201 unless the parameter was given. */
int procbind_require(struct sqlctx *c, const struct procbind *b, const char *name);
/* Write `v` to the variable passed as `name` OUTPUT, if any. */
void procbind_output(struct sqlctx *c, const struct procbind *b, const char *name,
                     const struct lab_value *v);
void procbind_output_guid(struct sqlctx *c, const struct procbind *b, const char *name,
                          const uint8_t g[16]);
void procbind_output_int(struct sqlctx *c, const struct procbind *b, const char *name, int64_t i);
/* A procedure's own error (RAISERROR inside it): queued, severity 16,
 * the procedure goes on to return 1. Returns 1 (the return code). */
int procbind_raise(struct sqlctx *c, const struct procbind *b, int32_t number, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#endif
