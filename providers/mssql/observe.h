/*
 * observe: what one SQL Server instance says about itself, read with ONE
 * batch per instance (connected to master) and kept as plain facts:
 * databases, mirroring, the mirroring endpoint, the msdb log shipping
 * tables, recent backup sets with their LSNs and files, user sessions per
 * database, recovery forks and LSNs, the end of each ONLINE database's
 * log where the server has sys.dm_db_log_stats, and the Persistent Chat servers that
 * pinged mgc.dbo.tblServerIdentity (read only where that database is
 * ONLINE, through dynamic SQL, because naming a RESTORING database in a
 * batch fails it with error 927).
 *
 * Each result set starts with a constant column whose NAME says which
 * set it is (pcdr_databases, ...), so the parser never depends on the
 * order or number of sets: a set the server could not produce is simply
 * absent (`sections` says which arrived) and the server's message is
 * kept in `errors`. An instance that cannot be reached, refuses the
 * login, or times out is a fact (`failure`, `reason`), not an abort.
 *
 * Values are kept as the server sent them (text; LSNs as exact decimal
 * strings; NULL as NULL); reconciler/plan/observed.c converts them to
 * the planner's observed model. This module makes no decision.
 */
#ifndef PCDR_PROVIDERS_MSSQL_OBSERVE_H
#define PCDR_PROVIDERS_MSSQL_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "providers/mssql/mssql.h"
#include "util/arena.h"

enum mssql_section {
	MSSQL_SEC_SERVER = 1 << 0,
	MSSQL_SEC_DATABASES = 1 << 1,
	MSSQL_SEC_MIRRORING = 1 << 2,
	MSSQL_SEC_ENDPOINTS = 1 << 3,
	MSSQL_SEC_LS_PRIMARY = 1 << 4,
	MSSQL_SEC_LS_SECONDARY = 1 << 5,
	MSSQL_SEC_LS_MONITOR_PRIMARY = 1 << 6,
	MSSQL_SEC_LS_MONITOR_SECONDARY = 1 << 7,
	MSSQL_SEC_BACKUPS = 1 << 8,
	MSSQL_SEC_SESSIONS = 1 << 9,
	MSSQL_SEC_RECOVERY = 1 << 10,
	MSSQL_SEC_SERVER_IDENTITY = 1 << 11,
	MSSQL_SEC_RESTORES = 1 << 12,
	MSSQL_SEC_LOG_END = 1 << 13,
};

/* sys.databases (user databases, database_id > 4) */
struct mssql_obs_database {
	const char *name;
	int database_id;
	int state; /* 0 ONLINE, 1 RESTORING, ... ; -1 unknown */
	const char *state_desc;
	bool is_in_standby;
	bool is_read_only;
	const char *user_access_desc;
	const char *recovery_model_desc;
};

/* sys.database_mirroring joined to names (mirrored databases only) */
struct mssql_obs_mirroring {
	const char *database;
	const char *role_desc;  /* PRINCIPAL, MIRROR */
	const char *state_desc; /* SYNCHRONIZED, SUSPENDED, ... */
	const char *safety_level_desc;
	const char *partner_name; /* TCP://host:5022 */
	const char *partner_instance;
	const char *witness_name;
	const char *witness_state_desc;
	int role_sequence;
	const char *failover_lsn;
	const char *end_of_log_lsn;
};

/* sys.database_mirroring_endpoints + sys.tcp_endpoints.port */
struct mssql_obs_endpoint {
	const char *name;
	const char *role_desc;
	const char *state_desc;
	bool is_encryption_enabled;
	const char *connection_auth_desc;
	const char *encryption_algorithm_desc;
	int port;
};

/* log_shipping_primary_databases LEFT JOIN primary_secondaries: one row
 * per (primary database, secondary), secondary NULL when none. */
struct mssql_obs_ls_primary {
	const char *primary_database;
	const char *backup_directory;
	const char *backup_share;
	int backup_retention_period;
	const char *monitor_server;
	const char *last_backup_file;
	const char *last_backup_date;
	int backup_job_enabled; /* -1: no such job */
	const char *secondary_server;
	const char *secondary_database;
};

/* log_shipping_secondary JOIN secondary_databases: one row per database */
struct mssql_obs_ls_secondary {
	const char *secondary_database;
	const char *primary_server;
	const char *primary_database;
	const char *backup_source_directory;
	const char *backup_destination_directory;
	const char *last_copied_file;
	const char *last_copied_date;
	int restore_delay;
	bool restore_all;
	int restore_mode; /* 0 NORECOVERY, 1 STANDBY */
	bool disconnect_users;
	const char *last_restored_file;
	const char *last_restored_date;
	int copy_job_enabled; /* -1: the job is gone */
	int restore_job_enabled;
};

struct mssql_obs_ls_monitor_primary {
	const char *primary_server;
	const char *primary_database;
	int backup_threshold;
	const char *last_backup_file;
	const char *last_backup_date;
};

struct mssql_obs_ls_monitor_secondary {
	const char *secondary_server;
	const char *secondary_database;
	const char *primary_server;
	const char *primary_database;
	int restore_threshold;
	const char *last_copied_file;
	const char *last_copied_date;
	const char *last_restored_file;
	const char *last_restored_date;
	int last_restored_latency; /* -1: NULL */
};

/* msdb.dbo.backupset JOIN backupmediafamily, newest first */
struct mssql_obs_backup {
	const char *database;
	char type; /* 'D' full, 'I' differential, 'L' log */
	const char *first_lsn;
	const char *last_lsn;
	const char *database_backup_lsn;
	const char *checkpoint_lsn;
	const char *finish_date;
	bool is_copy_only;
	const char *server_name; /* where it was taken (restores add rows too) */
	const char *first_recovery_fork_guid;
	const char *last_recovery_fork_guid;
	const char *fork_point_lsn;
	const char *physical_device_name;
};

/* msdb.dbo.restorehistory JOIN backupset, newest first */
struct mssql_obs_restore {
	const char *database; /* destination_database_name */
	const char *restore_date;
	char restore_type; /* 'D', 'L', ... */
	bool recovery;     /* 1 WITH RECOVERY, 0 NORECOVERY */
	char backup_type;
	const char *first_lsn;
	const char *last_lsn; /* where the next restore must start */
	const char *first_recovery_fork_guid;
	const char *last_recovery_fork_guid;
	const char *fork_point_lsn;
	const char *server_name; /* where the restored set was taken */
	const char *physical_device_name;
};

/* user sessions per database (not counting pcdr's own) */
struct mssql_obs_sessions {
	const char *database;
	int sessions;
};

/* sys.database_recovery_status + sys.master_files (file 1) */
struct mssql_obs_recovery {
	const char *database;
	const char *recovery_fork_guid;
	const char *first_recovery_fork_guid;
	const char *fork_point_lsn;
	const char *last_log_backup_lsn;
	const char *redo_start_lsn; /* RESTORING: where the next restore starts */
	const char *redo_start_fork_guid;
};

/* sys.dm_db_log_stats (SQL Server 2016 SP2 and later): ONLINE databases */
struct mssql_obs_log_end {
	const char *database;
	const char *log_end_lsn; /* "0000002a:000000f0:0003": VLF, block, slot in hex */
};

/* <chat database>.dbo.tblServerIdentity, one set per chat database */
struct mssql_obs_server_identity {
	int server_id;
	const char *server_address;
	const char *last_ping_time;
	const char *database; /* the chat database it was read from */
};

#define MSSQL_OBS_LIST(type, name)                                                                 \
	struct type *name;                                                                         \
	size_t n_##name

struct mssql_facts {
	const char *instance;
	enum mssql_failure failure; /* MSSQL_FAIL_NONE: observed */
	const char *reason;         /* why not, with the server's message */
	unsigned sections;          /* MSSQL_SEC_* that arrived */
	const char *server_name;    /* @@SERVERNAME */
	const char *product_version;
	const char *server_time; /* GETDATE() as YYYY-MM-DDTHH:MM:SS.fff */
	MSSQL_OBS_LIST(mssql_obs_database, databases);
	MSSQL_OBS_LIST(mssql_obs_mirroring, mirroring);
	MSSQL_OBS_LIST(mssql_obs_endpoint, endpoints);
	MSSQL_OBS_LIST(mssql_obs_ls_primary, ls_primary);
	MSSQL_OBS_LIST(mssql_obs_ls_secondary, ls_secondary);
	MSSQL_OBS_LIST(mssql_obs_ls_monitor_primary, ls_monitor_primary);
	MSSQL_OBS_LIST(mssql_obs_ls_monitor_secondary, ls_monitor_secondary);
	MSSQL_OBS_LIST(mssql_obs_backup, backups);
	MSSQL_OBS_LIST(mssql_obs_restore, restores);
	MSSQL_OBS_LIST(mssql_obs_sessions, sessions);
	MSSQL_OBS_LIST(mssql_obs_recovery, recovery);
	MSSQL_OBS_LIST(mssql_obs_log_end, log_end);
	MSSQL_OBS_LIST(mssql_obs_server_identity, server_identity);
	const char **errors; /* server errors and result shape problems */
	size_t n_errors;
	struct arena arena; /* everything above */
};

struct mssql_observe_request {
	const char *const *databases; /* limits backups to these; NULL: all user databases */
	size_t n_databases;
	const char *chat_database; /* whose dbo.tblServerIdentity to read; NULL: none */
	unsigned backup_rows;      /* newest backup sets and restores kept; 0: 200 */
	const char *const *more_chat_databases; /* also read these (several pools, one instance) */
	size_t n_more_chat_databases;
};

/* Build the observation batch into *out (caller frees). ERR_INVALID when a
 * database name cannot be quoted. */
int mssql_observe_batch(char **out, const struct mssql_observe_request *req);

/* Turn one batch's results into facts (already initialised with
 * mssql_facts_init). Never fails: problems go to facts->errors. */
void mssql_observe_parse(struct mssql_facts *facts, const struct mssql_result *res);

void mssql_facts_init(struct mssql_facts *facts, const char *instance);
void mssql_facts_release(struct mssql_facts *facts);

/*
 * The log backups of `dbs` on the backup share, seen from `target`
 * (observe_share.c): the listing, then each .trn file's header. Fills
 * facts->backups only (type 'L', physical_device_name the file, newest
 * last); 0, or the connect/exec error with facts->failure and reason.
 */
int mssql_observe_share(struct mssql_facts *facts, const struct mssql_target *target,
                        const char *share, const char *const *dbs, size_t n_dbs);

/*
 * Observe one instance: connect, run the batch, parse. Always fills
 * `facts` (initialised here); returns 0 when the instance was observed,
 * else the connect/exec error code, with facts->failure and
 * facts->reason saying what happened.
 */
int mssql_observe(struct mssql_facts *facts, const struct mssql_target *target,
                  const struct mssql_observe_request *req);

/*
 * Observe `n` instances in parallel with at most `max_connections` at a
 * time (0: 8). facts[i] belongs to targets[i]; every one is filled and
 * must be released by the caller. Returns how many were observed.
 */
size_t mssql_observe_all(struct mssql_facts *facts, const struct mssql_target *targets, size_t n,
                         const struct mssql_observe_request *req, unsigned max_connections);

struct mssql_early;

/* The same with a request of its own for each target: reqs[i] for
 * targets[i]; an instance with a login in `early` (early.h, may be NULL)
 * uses it instead of logging in. Put the early targets first so the
 * connections stay within max_connections. */
size_t mssql_observe_each(struct mssql_facts *facts, const struct mssql_target *targets,
                          const struct mssql_observe_request *reqs, size_t n,
                          unsigned max_connections, struct mssql_early *early);

#endif
