/*
 * engine: the simulated SQL Server instances of the lab and how the TDS
 * layer talks to them. This header is the contract between lab/tds (the
 * protocol: bytes in, tokens out) and lab/sql (the engine: sessions,
 * T-SQL, catalog, state). The protocol never interprets SQL; the engine
 * never sees a packet.
 *
 * Results flow through a sink of callbacks, in the order a SQL Server
 * token stream has them: columns, rows..., done; messages anywhere. The
 * TDS layer decides DONE_MORE (every DONE but the last of a response).
 *
 * Threading: one TDS thread per connection calls into the engine; the
 * engine serialises access to shared state itself.
 */
#ifndef PCDR_LAB_ENGINE_H
#define PCDR_LAB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/topology.h"

struct lab_world;
struct lab_session;

enum lab_type {
	LAB_T_INT = 0,
	LAB_T_BIGINT,
	LAB_T_SMALLINT,
	LAB_T_TINYINT,
	LAB_T_BIT,
	LAB_T_NVARCHAR, /* length: chars, -1 = MAX */
	LAB_T_VARCHAR,  /* length: bytes, -1 = MAX */
	LAB_T_DATETIME,
	LAB_T_DATETIME2, /* scale 0..7 */
	LAB_T_UNIQUEIDENTIFIER,
	LAB_T_NUMERIC, /* precision, scale */
	LAB_T_FLOAT,
	LAB_T_VARBINARY, /* length: bytes, -1 = MAX */
};

struct lab_column {
	const char *name; /* "" for an unnamed expression */
	enum lab_type type;
	int32_t length;
	uint8_t precision;
	uint8_t scale;
	bool nullable;
};

struct lab_value {
	bool is_null;
	enum lab_type type;
	int64_t i;        /* integers, BIT */
	double f;         /* FLOAT */
	const char *s;    /* UTF-8 text; NUMERIC as decimal digits
	                     with optional '-' and '.'; VARBINARY bytes */
	size_t slen;      /* bytes in s */
	uint8_t guid[16]; /* UNIQUEIDENTIFIER, in SQL Server's wire order */
	int64_t time_us;  /* DATETIME/DATETIME2: microseconds since
	                     1970-01-01 00:00:00 (server local = UTC) */
	uint16_t time_ns; /* DATETIME2(7) only: nanoseconds past time_us
	                     (0..999, in steps of 100); 0 otherwise */
};

enum lab_done_kind {
	LAB_DONE = 0,     /* a statement of the batch */
	LAB_DONE_PROC,    /* end of a stored procedure (RPC) */
	LAB_DONE_IN_PROC, /* a statement inside a procedure */
};

#define LAB_DONE_COUNT 0x0010 /* rowcount is valid */
#define LAB_DONE_ERROR 0x0002 /* the statement failed */
#define LAB_DONE_ATTN  0x0020 /* acknowledges a cancel */

struct lab_message {
	bool is_error; /* ERROR token (sev >= 11) or INFO */
	int32_t number;
	uint8_t state;
	uint8_t severity; /* as sent: 10 is already turned into 0 */
	const char *text;
	const char *server; /* instance name */
	const char *proc;   /* "" outside a procedure */
	int32_t line;
};

struct lab_sink {
	void *ctx;
	void (*columns)(void *ctx, const struct lab_column *cols, size_t n);
	void (*row)(void *ctx, const struct lab_value *vals, size_t n);
	/* curcmd: the TDS CurCmd (0xC1 SELECT, 0xC3 INSERT, 0xC4 DELETE,
	 * 0xC5 UPDATE, 0xE0 EXEC ...; 0 when unknown) */
	void (*done)(void *ctx, enum lab_done_kind kind, uint16_t status, uint16_t curcmd,
	             uint64_t rowcount);
	void (*message)(void *ctx, const struct lab_message *msg);
	void (*env_database)(void *ctx, const char *new_db, const char *old_db);
	void (*return_status)(void *ctx, int32_t status);
	/* true once the client sent ATTENTION: stop at the next statement */
	bool (*cancelled)(void *ctx);
	/* an RPC's OUTPUT parameter after RETURNSTATUS (RETURNVALUE): its
	 * 0-based position in the call (as SQL Server numbers it), its name
	 * ("" when positional) and value; NULL: not wanted */
	void (*return_value)(void *ctx, uint16_t ordinal, const char *name,
	                     const struct lab_value *value);
};

struct lab_param {
	const char *name; /* "@p1"; NULL for a positional RPC param */
	struct lab_value value;
	bool output;
};

struct lab_login {
	const char *user;
	const char *password; /* decoded; never logged */
	const char *database; /* "" = the login's default (master) */
	const char *app_name;
	const char *host_name;
	const char *language;
	uint32_t tds_version;
	uint32_t packet_size;
};

struct lab_login_result {
	int32_t error; /* 0, or SQL Server's error number (18456, 4060) */
	uint8_t severity;
	uint8_t state;
	char message[512];
	char database[129]; /* database the session starts in */
	char partner[256];  /* mirroring partner for ENVCHANGE 13, or "" */
	int32_t spid;
};

/* The whole simulated world: every instance of a topology. State lives
 * under `state_dir` and survives a restart. */
int lab_world_create(struct lab_world **out, const struct lab_topology *topo,
                     const char *state_dir);
void lab_world_free(struct lab_world *world);
/* Persist every instance's state under state_dir (called on down). */
int lab_world_save(struct lab_world *world);

size_t lab_world_instance_count(const struct lab_world *world);
const char *lab_world_instance_name(const struct lab_world *world, size_t i);

/*
 * Log in to instance `i`. Returns 0 with *out set on success, or -1 with
 * result->error set (the TDS layer sends it as an ERROR token and closes).
 */
int lab_session_open(struct lab_world *world, size_t instance, const struct lab_login *login,
                     struct lab_session **out, struct lab_login_result *result);
void lab_session_close(struct lab_session *session);

/* Run a SQL batch (UTF-8). Returns 0, or -1 when the connection must be
 * closed (a fatal error, severity >= 20, was already sent to the sink). */
int lab_session_batch(struct lab_session *session, const char *sql, const struct lab_sink *sink);

/* Run an RPC: `proc` is a name ("sp_executesql", "msdb.dbo.sp_help_job")
 * or a well-known ProcID spelled as its name by the TDS layer. */
int lab_session_rpc(struct lab_session *session, const char *proc, const struct lab_param *params,
                    size_t n_params, const struct lab_sink *sink);

/* Batches received on this session (for tests that count round trips). */
uint64_t lab_session_batches(const struct lab_session *session);

/*
 * The lab clock (lab/sql/clock.c): what GETDATE() and SQL Server Agent
 * read. It runs `scale` times faster than the wall clock from `lab_us`
 * (lab time at the moment of the call; 0 = the wall clock now). Set once
 * by the daemon before serving; a process that never sets it runs on
 * the wall clock.
 */
void lab_clock_set(double scale, int64_t lab_us);
int64_t lab_clock_now_us(void);
double lab_clock_scale(void);

/*
 * Faults (lab/sql/fault.c), driven by the daemon's control verbs. Each
 * returns 0, or ERR_NOTFOUND/ERR_INVALID with err_last() saying why.
 * Stopping an instance marks it down for the engine (mirroring, share,
 * Agent); closing its listener and connections is lab/server.c's part.
 * Rebuild replaces an instance's databases with a fresh install of the
 * topology's (new GUIDs, new recovery fork, ONLINE) and closes its
 * sessions' state; its connections must already be gone.
 */
int lab_world_instance_index(const struct lab_world *world, const char *name);
const char *lab_world_instance_site(const struct lab_world *world, size_t i);
void lab_world_set_running(struct lab_world *world, size_t i, bool running);
bool lab_world_running(const struct lab_world *world, size_t i);
int lab_world_partition(struct lab_world *world, const char *site_a, const char *site_b);
void lab_world_heal(struct lab_world *world);
void lab_world_set_latency(struct lab_world *world, size_t i, int ms);
/* Sleep for instance i's latency (the TDS layer calls it before answering
 * each request, PRELOGIN and LOGIN7: every round trip). */
void lab_world_delay(struct lab_world *world, size_t i);
void lab_world_set_throughput(struct lab_world *world, double mbps);
int lab_world_rebuild(struct lab_world *world, size_t i, const struct lab_topo_instance *ti);
/* Instance i starts after `stop` (an unclean shutdown): each user
 * database that was ONLINE (or RECOVERING, RECOVERY_PENDING, SUSPECT)
 * runs crash recovery (lab/sql/recovery.c). */
void lab_world_crash_recovery(struct lab_world *world, size_t i);
/* Damage a database's files (`lost`: a file is missing, else corrupt);
 * refused (ERR_INVALID) unless the instance is stopped or the database
 * OFFLINE: SQL Server holds the files of an open database. It shows at
 * the database's next startup. */
int lab_world_damage_db(struct lab_world *world, size_t i, const char *db, bool lost);
/* The share folder (absolute) and UNC name, NULL without a lab dir. */
const char *lab_world_share_dir(const struct lab_world *world);

/*
 * SQL Server Agent (lab/sql/agent.c): one thread per instance that runs
 * enabled jobs on their schedules on the lab clock and the jobs
 * sp_start_job asks for. Start after lab_world_create, stop before
 * lab_world_save. 0 or ERR_GENERIC.
 */
int lab_agent_start(struct lab_world *world);
void lab_agent_stop(struct lab_world *world);
/* Is instance i's Agent running a job right now? */
bool lab_agent_busy(struct lab_world *world, size_t i);

#endif
