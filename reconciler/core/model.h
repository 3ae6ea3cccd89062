/*
 * model: the world as pcdr sees it (observed) and as the spec wants it
 * (desired), in one shape. Per instance: its name, site, whether it
 * answered, each database copy (state, standby, recovery model, mirroring,
 * log shipping primary and secondary configuration, recovery fork and LSN,
 * user sessions) and the backup sets it can see on the backup share; per
 * pool: state, active servers and the servers that recently pinged
 * tblServerIdentity on the authority. A desired model also carries the
 * topology the spec names (sites, databases, log shipping, policy) and,
 * per copy, which fields it specifies (`want`); fields it does not want
 * are "don't care".
 *
 * Everything lives in an arena supplied by the caller; strings are
 * borrowed or arena copies, never freed one by one. This module does no
 * I/O: providers fill observed models, desired.c fills desired ones.
 * LSNs are numeric(25,0) in SQL Server and exceed 64 bits, so they are
 * kept as two 64-bit halves of one unsigned 128-bit number and only ever
 * compared, parsed and printed, never used in arithmetic.
 */
#ifndef PCDR_CORE_MODEL_H
#define PCDR_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/strbuf.h"

#define MODEL_LSN_STRLEN 48 /* enough for any 128-bit decimal + NUL */

struct model_lsn {
	uint64_t hi;
	uint64_t lo;
};

enum model_db_state {
	MODEL_DB_ABSENT = 0, /* no such database on the instance */
	MODEL_DB_ONLINE,
	MODEL_DB_RESTORING,
	MODEL_DB_RECOVERING,
	MODEL_DB_RECOVERY_PENDING,
	MODEL_DB_SUSPECT,
	MODEL_DB_EMERGENCY,
	MODEL_DB_OFFLINE,
};

enum model_recovery {
	MODEL_RECOVERY_UNKNOWN = 0,
	MODEL_RECOVERY_FULL,
	MODEL_RECOVERY_BULK_LOGGED,
	MODEL_RECOVERY_SIMPLE,
};

enum model_role {
	MODEL_ROLE_NONE = 0, /* not mirrored */
	MODEL_ROLE_PRINCIPAL,
	MODEL_ROLE_MIRROR,
};

enum model_mirror_state {
	MODEL_MSTATE_NONE = 0,
	MODEL_MSTATE_SUSPENDED,
	MODEL_MSTATE_DISCONNECTED,
	MODEL_MSTATE_SYNCHRONIZING,
	MODEL_MSTATE_PENDING_FAILOVER,
	MODEL_MSTATE_SYNCHRONIZED,
};

enum model_safety {
	MODEL_SAFETY_NONE = 0,
	MODEL_SAFETY_OFF,
	MODEL_SAFETY_FULL,
};

enum model_pool_state {
	MODEL_POOL_UNKNOWN = 0,
	MODEL_POOL_NORMAL,
	MODEL_POOL_FAILED_OVER,
};

/* What a desired copy specifies; an observed copy has want == 0. */
enum {
	MODEL_WANT_STATE = 1 << 0,        /* state (and standby, see standby_ok) */
	MODEL_WANT_MIRRORING = 1 << 1,    /* role, partner and safety */
	MODEL_WANT_LS_PRIMARY = 1 << 2,   /* log shipping primary configuration */
	MODEL_WANT_LS_SECONDARY = 1 << 3, /* log shipping secondary configuration */
	MODEL_WANT_IN_CHAIN = 1 << 4,     /* restorable from the authority's log chain */
	MODEL_WANT_EXISTS = 1 << 5,       /* the database exists, in any state */
};

struct model_mirroring {
	enum model_role role;
	enum model_mirror_state state;
	const char *partner; /* partner instance name; NULL when not mirrored */
	enum model_safety safety;
	int role_sequence;
};

struct model_ls_primary {
	bool configured;
	const char *backup_share;
	const char **secondaries; /* instance names */
	size_t n_secondaries;
	/* Observed: the backup job exists and is disabled (msdb sysjobs).
	 * Desired: false, the job enabled. A job that is gone is not this. */
	bool job_disabled;
};

struct model_ls_secondary {
	bool configured;
	const char *primary;     /* primary instance the configuration names */
	const char *primary_alt; /* desired only: the other acceptable primary */
	const char *last_copied_file;
	const char *last_restored_file;
	struct model_lsn last_restored_lsn;
	/* Observed: the copy or the restore job is disabled. Desired: false. */
	bool job_disabled;
};

struct model_db {
	const char *name;
	enum model_db_state state;
	bool is_in_standby;
	enum model_recovery recovery;
	struct model_mirroring mirroring;
	struct model_ls_primary ls_primary;
	struct model_ls_secondary ls_secondary;
	/*
	 * Lineage: the recovery fork the copy is on (recovery_fork_guid),
	 * the fork it branched from and where. `lsn` is the end of log for
	 * an ONLINE copy and the next LSN needed (redo start) for a
	 * RESTORING one.
	 */
	const char *fork;
	const char *fork_parent;
	struct model_lsn fork_lsn;
	struct model_lsn lsn;
	unsigned user_sessions;
	bool safety_backup_taken; /* set by the sql.safety_backup effect */
	unsigned want;            /* desired only: MODEL_WANT_* */
	bool standby_ok;          /* desired only: RESTORING may be STANDBY */
};

/* One backup set as an instance lists it (backupset / RESTORE HEADERONLY). */
struct model_backup {
	const char *database;
	const char *file;
	char type; /* 'D' full, 'L' log */
	struct model_lsn first_lsn;
	struct model_lsn last_lsn; /* LSN of the next record after the set */
	const char *fork;          /* NULL: unknown, matches any */
	/* a log backup that spans a recovery fork point (FirstRecoveryForkID
	 * differs from RecoveryForkID): the fork it starts on and the fork
	 * point; NULL and zero otherwise or when unknown */
	const char *first_fork;
	struct model_lsn fork_lsn;
	const char *finished; /* backup_finish_date as observed */
	bool on_share;        /* listed on the backup share (RESTORE HEADERONLY) */
};

struct model_instance {
	const char *name;
	const char *site;
	bool reachable;
	const char *unreachable_reason;
	struct model_db *dbs;
	size_t n_dbs, cap_dbs;
	struct model_backup *backups;
	size_t n_backups, cap_backups;
	bool share_listed; /* the backup share was read from it (backups on_share) */
};

struct model_pool {
	bool reachable;
	const char *unreachable_reason;
	enum model_pool_state state;
	const char **active_servers;
	size_t n_active_servers;
	const char **pings; /* tblServerIdentity rows recently pinged, on the authority */
	size_t n_pings;
};

/* Desired only: what the spec names. */
struct model_site {
	const char *name;
	const char *principal;
	const char *mirror; /* NULL: no mirror */
	const char **servers;
	size_t n_servers;
};

struct model_dbspec {
	const char *name;
	bool shipped;
};

struct model_topology {
	const char *identity; /* pool identity for the cmdlets */
	const char *home;
	const char *primary;
	struct model_site *sites;
	size_t n_sites;
	struct model_dbspec *databases;
	size_t n_databases;
	bool ls_enabled;
	const char *ls_from, *ls_to;
	const char *backup_share;
	const char *copy_to;
	bool allow_data_loss;
	bool service_first;
};

struct model {
	struct arena *arena; /* not owned */
	const char *pool_name;
	struct model_instance *instances;
	size_t n_instances, cap_instances;
	struct model_pool pool;
	struct model_topology topo; /* desired only (zero in observed models) */
};

/* An empty model whose memory comes from `arena` (borrowed). */
void model_init(struct model *m, struct arena *arena, const char *pool_name);

/*
 * Add an instance / a database copy / a backup set. The returned pointer
 * is valid until the next add to the same container. Strings are copied.
 */
struct model_instance *model_add_instance(struct model *m, const char *name, const char *site);
struct model_db *model_add_db(struct model *m, struct model_instance *inst, const char *name);
struct model_backup *model_add_backup(struct model *m, struct model_instance *inst,
                                      const char *database, const char *file, char type,
                                      struct model_lsn first, struct model_lsn last,
                                      const char *fork, const char *finished);
void model_set_active_servers(struct model *m, const char *const *servers, size_t n);
void model_set_ls_secondaries(struct model *m, struct model_db *db, const char *const *names,
                              size_t n);

/* Lookups (borrowed, NULL when absent). Instance names compare case-insensitively. */
struct model_instance *model_instance(const struct model *m, const char *name);
struct model_db *model_db(const struct model_instance *inst, const char *name);
struct model_db *model_copy_of(const struct model *m, const char *inst, const char *db);
const struct model_site *model_site(const struct model *m, const char *name);
const struct model_dbspec *model_dbspec(const struct model *m, const char *name);
bool model_same_name(const char *a, const char *b);

/* Deep copy of `src` into `dst`, allocated in `arena`. */
void model_copy(struct model *dst, struct arena *arena, const struct model *src);

/* LSNs. parse: 0 or ERR_INVALID (not 1..39 decimal digits or too big). */
int model_lsn_parse(struct model_lsn *out, const char *decimal);
struct model_lsn model_lsn_u64(uint64_t v);
int model_lsn_cmp(struct model_lsn a, struct model_lsn b);
bool model_lsn_is_zero(struct model_lsn a);
void model_lsn_format(struct model_lsn lsn, char out[MODEL_LSN_STRLEN]);
/* An arena copy of the decimal form. */
const char *model_lsn_str(struct arena *arena, struct model_lsn lsn);

/* Names as SQL Server and the pool cmdlets spell them. */
const char *model_db_state_name(enum model_db_state s);
const char *model_role_name(enum model_role r);
const char *model_mirror_state_name(enum model_mirror_state s);
const char *model_safety_name(enum model_safety s);
const char *model_recovery_name(enum model_recovery r);
const char *model_pool_state_name(enum model_pool_state s);

/* A copy is writable: ONLINE, not in standby, not a mirror. */
bool model_db_writable(const struct model_db *db);
/* A copy accepts log restores: RESTORING, or ONLINE in standby. */
bool model_db_restoring(const struct model_db *db);

/*
 * Compare a predicted (or observed) model with the desired one. Appends
 * one line per difference to `why` (may be NULL) and returns how many
 * there are. Unreachable instances are not compared (nothing is known of
 * them). IN_CHAIN wants refer to the copy on the desired primary site's
 * principal, and are not checked when that instance did not answer.
 */
size_t model_diff(const struct model *desired, const struct model *actual, struct strbuf *why);

/* The same lineage test the diff uses: `copy` can be rolled forward to `auth`. */
bool model_lineage_ok(const struct model_db *copy, const struct model_db *auth);

#endif
