/*
 * logship: internal interfaces of the log shipping code: the job bodies
 * (logship_run.c for the backup and the shared helpers, logship_copy.c
 * for copy and restore) and the procedures (logship.c, logship_del.c,
 * logship_help.c). Internal to lab/sql.
 */
#ifndef PCDR_LAB_SQL_LOGSHIP_H
#define PCDR_LAB_SQL_LOGSHIP_H

#include "lab/sql/agent.h"

/* One run of a log shipping job. */
struct lsctx {
	struct sqlinstance *inst;
	uint8_t agent_id[16];
	int agent_type; /* 0 backup, 1 copy, 2 restore */
	char database[129];
	struct agentstep_result *r;
};

/* A success line (step message + history detail) / an error (step
 * fails; error detail and history detail). */
void logship_say(struct lsctx *l, const char *text);
void logship_fail(struct lsctx *l, const char *text);
/* Lab time of "<db>_<yyyymmddhhmmss>.trn", 0 when the name is not one. */
int64_t logship_file_time(const char *name, const char *db);
/* Sorted names of db's .trn files in a local folder; free with _free_list. */
size_t logship_list(const char *dir, const char *db, char ***out);
void logship_free_list(char **names, size_t n);
const char *logship_base(const char *winpath);
void logship_join(char *out, size_t cap, const char *dir, const char *name);
void logship_copy_text(char *dst, size_t cap, const char *s);
void logship_copy(struct lsctx *l);
void logship_restore(struct lsctx *l);

/* Delete a primary's configuration: its row, backup job, monitor rows,
 * secondaries and history (instance lock held). */
void logship_drop_primary(struct sqlctx *c, struct lab_value *row);
/* log_shipping_secondary's row for primary server + database, or NULL. */
struct lab_value *logship_secondary_row(struct sqlctx *c, const char *server, const char *db);
/* Delete a secondary_id's configuration: log_shipping_secondary, copy
 * and restore jobs, monitor rows and history (instance lock held). */
void logship_drop_secondary(struct sqlctx *c, struct lab_value *row);

/* Procedures, called through procs.c's table. */
int logship_add_primary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                 int32_t *status);
int logship_add_primary_secondary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status);
int logship_add_secondary_primary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status);
int logship_add_secondary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                   int32_t *status);
int logship_del_primary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                 int32_t *status);
int logship_del_primary_secondary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status);
int logship_del_secondary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                   int32_t *status);
int logship_del_secondary_primary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status);
int logship_help_monitor(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);
int logship_help_primary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status);

/* Agent procedures (agentproc.c, agentproc_run.c, agenthelp.c). */
struct procbind;
/* 229 unless the session is sysadmin: -1 after queuing it. */
int agentproc_allowed(struct sqlctx *c, const char *proc, int line);
/* The sysjobs row named by @job_id or @job_name (exactly one), instance
 * lock held; NULL after 14294/14262 (*rc = 1) or a bad GUID (*rc = -1). */
struct lab_value *agentproc_job_arg(struct sqlctx *c, const struct procbind *b, int *rc);
const uint8_t *agentproc_job_id(struct sqlctx *c, const struct lab_value *job_row);

/* Bind a procedure's parameters or return -1 from the caller. */
#define LS_BIND(c, b, proc_name, list, args, n, ln)                                                \
	do {                                                                                       \
		(b).proc = proc_name;                                                              \
		(b).names = list;                                                                  \
		(b).n = sizeof(list) / sizeof(list[0]);                                            \
		(b).line = ln;                                                                     \
		if (agentproc_allowed(c, proc_name, ln) || procbind_bind(c, &(b), args, n))        \
			return -1;                                                                 \
	} while (0)

int agentproc_add_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);
int agentproc_add_jobstep(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);
int agentproc_add_jobserver(struct sqlctx *c, struct procarg *a, size_t n, int line,
                            int32_t *status);
int agentproc_add_schedule(struct sqlctx *c, struct procarg *a, size_t n, int line,
                           int32_t *status);
int agentproc_attach_schedule(struct sqlctx *c, struct procarg *a, size_t n, int line,
                              int32_t *status);
int agentproc_add_jobschedule(struct sqlctx *c, struct procarg *a, size_t n, int line,
                              int32_t *status);
int agentproc_update_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);
int agentproc_delete_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);
int agentproc_start_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);
int agentproc_stop_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);
int agentproc_help_job(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status);

#endif
