/*
 * admin: the administrative statements of issue 4 as parsed trees and
 * their executors: CREATE/DROP/ALTER DATABASE (alterdb.c), BACKUP
 * (backup.c), RESTORE (restore.c), CREATE/ALTER/DROP ENDPOINT and
 * ALTER DATABASE ... SET PARTNER/WITNESS (mirror*.c). These statements
 * take the instance lock themselves (a backup sleeps without it), so
 * exec_stmt.c hands them over before locking. Internal to lab/sql.
 */
#ifndef PCDR_LAB_SQL_ADMIN_H
#define PCDR_LAB_SQL_ADMIN_H

#include "lab/sql/exec.h"
#include "lab/sql/parser.h"

enum admin_verb {
	AD_BACKUP_DB = 1,
	AD_BACKUP_LOG,
	AD_RESTORE_DB,
	AD_RESTORE_LOG,
	AD_RESTORE_HEADERONLY,
	AD_RESTORE_FILELISTONLY,
	AD_RESTORE_VERIFYONLY,
	AD_CREATE_DB,
	AD_DROP_DB,
	AD_ALTER_DB,
	AD_CREATE_EP,
	AD_ALTER_EP,
	AD_DROP_EP,
};

/* One option: WITH key [= expr], SET key word [word2], ENDPOINT key = word
 * [ALGORITHM word2]. Keys and words are upper case. */
struct sqladmopt {
	const char *key;
	const char *word;
	const char *word2;
	struct sqlexpr *expr;
	struct sqlexpr *expr2; /* MOVE 'logical' TO expr2 */
};

struct sqladmin {
	enum admin_verb verb;
	const char *name; /* database or endpoint; NULL for HEADERONLY & co */
	bool if_exists;
	struct sqlexpr **disks;
	size_t n_disks;
	struct sqladmopt *opts;
	size_t n_opts;
};

/* True when the current token starts an admin statement. */
bool sqlparse_is_admin(struct parser *p);
int sqlparse_admin(struct parser *p, struct sqlstmt *s);

/* Run one (takes and releases the instance lock itself). */
int sqladmin_exec(struct sqlctx *c, const struct sqlstmt *st);

/* The option named `key` (first), or NULL. */
const struct sqladmopt *admin_opt(const struct sqladmin *a, const char *key);
/* Evaluate a constant expression to text / integer (under the lock). */
int admin_text(struct sqlctx *c, const struct sqlexpr *e, const char **out);
int admin_int(struct sqlctx *c, const struct sqlexpr *e, int64_t *out);

/* Executors (caller does NOT hold the lock). */
int alterdb_exec(struct sqlctx *c, const struct sqlstmt *st);
int backup_exec(struct sqlctx *c, const struct sqlstmt *st);
int restore_exec(struct sqlctx *c, const struct sqlstmt *st);
int restore_info_exec(struct sqlctx *c, const struct sqlstmt *st);
int mirror_endpoint_exec(struct sqlctx *c, const struct sqlstmt *st);
/* ALTER DATABASE ... SET PARTNER/WITNESS (caller holds no lock). */
int mirror_alter_exec(struct sqlctx *c, const struct sqlstmt *st, const struct sqladmopt *o);

/* master.sys.xp_dirtree 'path', depth, file (dirtree.c). */
int dirtree_xp(struct sqlctx *c, struct procarg *args, size_t n, int line, int32_t *status);

/* Sessions other than `self` whose current database is `db_id`. */
size_t admin_users(struct sqlinstance *inst, int32_t db_id, const struct lab_session *self);

#endif
