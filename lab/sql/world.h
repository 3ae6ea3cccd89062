/*
 * world: the engine's internal model of the simulated SQL Server
 * instances: databases with their state and mirroring metadata, stored
 * tables, endpoints and live sessions, and the execution context of a
 * batch. Internal to lab/sql (the public contract is lab/engine.h); the
 * next issue's log shipping, backup/restore and mirroring code uses these
 * structures and the world_* helpers to change state. Every field of an
 * instance is guarded by its mutex, which the executor holds while one
 * statement runs and never while calling the sink.
 */
#ifndef PCDR_LAB_SQL_WORLD_H
#define PCDR_LAB_SQL_WORLD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lab/engine.h"
#include "lab/sql/ast.h"
#include "util/arena.h"
#include "util/vec.h"

#define DB_ONLINE           0
#define DB_RESTORING        1
#define DB_RECOVERING       2
#define DB_RECOVERY_PENDING 3
#define DB_SUSPECT          4
#define DB_EMERGENCY        5
#define DB_OFFLINE          6

struct sqltable {
	char *schema;
	char *name;
	struct lab_column *cols; /* names on the heap */
	size_t n_cols;
	VEC(struct lab_value *) rows; /* each n_cols values, strings on the heap */
};

struct sqlmirror {
	bool on; /* false: every mirroring_* column is NULL */
	uint8_t guid[16];
	uint8_t role;          /* 1 principal, 2 mirror */
	uint8_t state;         /* 0 suspended .. 4 synchronized */
	uint8_t safety;        /* 0 unknown, 1 off, 2 full */
	uint8_t witness_state; /* 0 unknown, 1 connected, 2 disconnected */
	int32_t role_sequence;
	int32_t safety_sequence;
	int32_t connection_timeout;
	char partner_name[256]; /* TCP://host:5022 */
	char partner_instance[256];
	char witness_name[256]; /* "" = no witness */
	char failover_lsn[40];  /* decimal, "" = NULL */
	char end_of_log_lsn[40];
	char replication_lsn[40];
	int64_t catchup_end_us; /* SYNCHRONIZING after a reconnection: until then
	                           (world_mono_us), the mirror receives the
	                           backlog (mirror_ship.c) */
};

/* The recovery fork and LSNs of sys.database_recovery_status and
 * sys.master_files (restore and backup set them; "" = NULL). */
struct sqlrecovery {
	uint8_t database_guid[16];
	uint8_t family_guid[16];
	uint8_t recovery_fork_guid[16];
	uint8_t first_recovery_fork_guid[16];
	char last_log_backup_lsn[40];
	char fork_point_lsn[40];
	char redo_start_lsn[40]; /* while RESTORING */
	uint8_t redo_start_fork_guid[16];
	bool has_redo_start_fork;
	uint8_t data_file_guid[16];
	uint8_t log_file_guid[16];
};

struct sqldb {
	char *name;
	int32_t id;
	uint8_t state; /* DB_ONLINE ... */
	bool is_in_standby;
	bool is_read_only;
	uint8_t user_access;    /* 0 multi, 1 single, 2 restricted */
	uint8_t recovery_model; /* 1 full, 2 bulk-logged, 3 simple */
	unsigned size_mb;
	int64_t create_us;
	struct sqlmirror mirror;
	struct sqlrecovery recovery;
	VEC(struct sqltable *) tables;
	struct dblog *log; /* dblog.c: user databases, created on first use */
	/* recovery.c: damage to the database's files (a fault verb) and
	 * the recovery in progress (state DB_RECOVERING until recover_end_us
	 * on the monotonic clock, then recover_to) */
	uint8_t file_fault; /* DBFILE_* */
	uint8_t recover_to;
	int64_t recover_end_us;
};

#define DBFILE_OK      0
#define DBFILE_LOST    1 /* a data or log file is missing: RECOVERY_PENDING */
#define DBFILE_CORRUPT 2 /* a file is damaged: recovery fails, SUSPECT */

struct sqlendpoint {
	int32_t id;
	char name[129];
	uint8_t type;                 /* 2 TSQL, 4 DATABASE_MIRRORING */
	uint8_t protocol;             /* 2 TCP, 3 NAMED_PIPES, 4 SHARED_MEMORY, 5 VIA */
	uint8_t state;                /* 0 started, 1 stopped, 2 disabled */
	uint8_t role;                 /* mirroring: 0 none, 1 partner, 2 witness, 3 all */
	bool encryption;              /* mirroring: REQUIRED/SUPPORTED vs DISABLED */
	uint8_t encryption_algorithm; /* 0 NONE, 1 RC4, 2 AES, ... */
	uint8_t connection_auth;      /* 1 NTLM, 2 KERBEROS, 3 NEGOTIATE, 4 CERTIFICATE */
	int32_t port;
	char ip[64]; /* "" = all */
};

struct sqlinstance {
	struct lab_world *world;
	char *name;
	char *site;
	pthread_mutex_t lock;
	VEC(struct sqldb *) dbs;
	int32_t next_db_id;
	VEC(struct lab_session *) sessions;
	int32_t next_spid;
	VEC(struct sqlendpoint) endpoints;
	int64_t start_us;
};

struct sqllogin {
	char *name;
	char *password;
	bool sysadmin;
};

struct worldfaults;
struct dblog;
struct agentset;

struct lab_world {
	struct sqlinstance **inst;
	size_t n_inst;
	struct sqllogin *logins;
	size_t n_logins;
	char *state_dir;
	char *share_unc;            /* the backup share as instances name it; NULL: none */
	char *share_dir;            /* the folder that holds it on this machine */
	struct worldfaults *faults; /* fault.c: stopped instances, cuts, latency */
	struct agentset *agents;    /* agent.c: one SQL Server Agent per instance */
};

struct sqlundo;

struct lab_session {
	struct sqlinstance *inst;
	int32_t spid;
	char login[129];
	char host[129];
	char app[129];
	bool sysadmin;
	int32_t db_id;
	int64_t login_us;
	int64_t last_batch_us;
	bool nocount;
	bool running;
	bool killed; /* KILL by another session: set under the lock, read atomically */
	uint64_t batches;
	uint32_t tds_version;
	uint32_t packet_size;
	int32_t trancount;        /* @@TRANCOUNT */
	VEC(struct sqlundo) undo; /* txn.c */
};

/* --- instance helpers (caller holds inst->lock) ----------------------- */

/* A random (version 4) GUID in wire order. */
void world_new_guid(uint8_t g[16]);
struct sqldb *world_db_by_name(struct sqlinstance *inst, const char *name);
struct sqldb *world_db_by_id(struct sqlinstance *inst, int32_t id);
/* Create a database with the model's system tables; NULL if it exists. */
struct sqldb *world_db_create(struct sqlinstance *inst, const char *name, int32_t id);
struct sqltable *world_table_find(struct sqldb *db, const char *schema, const char *name);
struct sqltable *world_table_create(struct sqldb *db, const char *schema, const char *name,
                                    const struct sqlcoldef *cols, size_t n_cols);
void world_table_drop(struct sqldb *db, struct sqltable *t);
/* Append a row (values are copied onto the heap). */
void world_table_insert(struct sqltable *t, const struct lab_value *vals);
void world_table_free(struct sqltable *t);
void world_db_free(struct sqldb *db);
/* Run DDL text (CREATE TABLE ...; ...) against a database, for the
 * system tables of msdb and mgc. 0 or -1. */
int world_run_ddl(struct sqldb *db, const char *ddl);
/* Create msdb's and mgc's tables in `db` when its name calls for them. */
int systables_install(struct sqldb *db);

/* 927 (restoring), 954 (mirror), 942 (offline) into *e; 0 when the
 * database can be opened. */
int world_db_openable(const struct sqldb *db, struct sqlerr *e);

/*
 * Transactions (txn.c): while s->trancount > 0 each change records how to
 * undo itself. The log_* functions return true when the log took
 * ownership of the row/value/table passed (the caller must not free it).
 * Caller holds the instance lock.
 */
bool txn_active(const struct lab_session *s);
void txn_log_insert(struct lab_session *s, const struct sqldb *db, const struct sqltable *t,
                    struct lab_value *row);
bool txn_log_delete(struct lab_session *s, const struct sqldb *db, const struct sqltable *t,
                    struct lab_value *row);
bool txn_log_update(struct lab_session *s, const struct sqldb *db, const struct sqltable *t,
                    struct lab_value *row, size_t col, struct lab_value old);
void txn_log_create(struct lab_session *s, const struct sqldb *db, const struct sqltable *t);
bool txn_log_drop(struct lab_session *s, const struct sqldb *db, struct sqltable *t);
void txn_rollback(struct lab_session *s);
void txn_commit_all(struct lab_session *s);
void txn_release(struct lab_session *s);
/* Take a table out of its database without freeing it. */
void world_table_detach(struct sqldb *db, struct sqltable *t);

/*
 * Faults (fault.c): what the fault verbs changed. Safe to call with or
 * without an instance lock held (the fault state has its own).
 * world_instance_running: false while `pcdr-lab stop` holds it down.
 * world_link_up: both instances run and no partition cuts their sites
 * (true for a == b). world_share_reachable: the instance runs and its
 * site reaches the share's (the home site's). world_share_path maps a
 * Windows path an instance names (the share's UNC, or a local
 * `X:\dir\file` kept per instance under DIR/disks/<instance>/X/) to a
 * file on this machine: 0, or -1 when no folder backs it (another UNC).
 * world_throughput_mbps: MB/s that backup and restore move (0: no cost).
 */
bool world_instance_running(const struct sqlinstance *inst);
bool world_link_up(const struct sqlinstance *a, const struct sqlinstance *b);
bool world_share_reachable(const struct sqlinstance *inst);
int world_share_path(const struct sqlinstance *inst, const char *winpath, char *out, size_t cap);
double world_throughput_mbps(const struct lab_world *w);
/* A database CREATE DATABASE makes is the size of model: 8 MB. */
#define WORLD_NEW_DB_MB 8
/* Build a fresh instance (system databases, then the topology's); the
 * instance must hold no database (world.c). `reinstalled`: the databases
 * are new and empty (a Topology Builder reinstall after `rebuild`), so
 * WORLD_NEW_DB_MB each instead of the topology's sizeMB, which describes
 * the databases with their data at `up`. 0 or -1. */
int world_instance_fresh(struct sqlinstance *inst, const struct lab_topo_instance *ti,
                         bool reinstalled);
void world_faults_init(struct lab_world *w, const struct lab_topology *topo);
void world_faults_free(struct lab_world *w);
/* The fault state in <state_dir>/faults (saved at `down`, loaded at
 * `up`): throughput, stopped instances, latencies, cuts. 0 or -1. */
int world_faults_save(struct lab_world *w);
int world_faults_load(struct lab_world *w);

/*
 * Recovery (recovery.c). world_db_recover starts a user database's
 * recovery (caller holds the instance lock): RECOVERY_PENDING at once
 * when a file is lost; otherwise RECOVERING for `secs` seconds (the redo
 * time, world_redo_secs of the megabytes to redo), then ONLINE, or
 * SUSPECT when a file is damaged. A background thread of the world
 * makes the transitions on time (world_recovery_kick starts it; it never
 * touches a stopped instance); world_recovery_stop ends it before the
 * instances are freed. world_db_redo_mb: the log a crash leaves to redo
 * (the lab takes no checkpoints: every retained log record).
 */
void world_db_recover(struct sqldb *db, double secs);
/* Microseconds on the monotonic clock (recovery and catch-up deadlines). */
int64_t world_mono_us(void);
double world_db_redo_mb(const struct sqldb *db);
double world_redo_secs(const struct lab_world *w, double mb);
void world_recovery_tick(struct sqlinstance *inst);
void world_recovery_kick(struct lab_world *w);
void world_recovery_stop(struct lab_world *w);

/* Persistence (persist.c). */
int persist_save_instance(struct sqlinstance *inst, const char *dir);
/* 0 loaded, 1 no saved state, -1 error (err_last). */
int persist_load_instance(struct sqlinstance *inst, const char *dir);

#endif
