/*
 * dblog: the transaction log of a user database. Every committed change
 * to a user table becomes a log record with an LSN in SQL Server's shape
 * (VLF sequence, 10-digit block offset, 5-digit slot: 34000000012300001),
 * strictly increasing. A record is a list of redo operations (rows
 * inserted or deleted by value, tables created, dropped or replaced), so
 * the same bytes serve log backups, restores and mirroring. Changes are
 * captured at their first touch inside a statement (txn.c calls
 * dblog_touch) and committed when the statement ends outside a
 * transaction, or at the outermost COMMIT (dblog_stmt_end). System
 * databases (ids 1-4) keep no log. Caller holds the instance lock.
 */
#ifndef PCDR_LAB_SQL_DBLOG_H
#define PCDR_LAB_SQL_DBLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/sql/world.h"
#include "util/strbuf.h"

#define LSN_VLF_UNIT  1000000000000000ull /* 10^15 */
#define LSN_BLK_UNIT  100000ull           /* 10^5 */
#define DBLOG_MAX_OPS (1u << 20)

struct dblogrec {
	uint64_t lsn;
	uint8_t *data; /* redo operations */
	size_t len;
};

struct dbrow {
	uint8_t *p;
	size_t n;
};

struct dbpending {
	int32_t spid;
	char *schema;
	char *name;
	bool existed;
	bool insert_only;  /* only rows appended so far: no pre-image needed */
	size_t n_before;   /* insert_only: the rows the table had before */
	struct dbrow *pre; /* the rows before the change, encoded, sorted */
	size_t n_pre;
};

struct dblog {
	uint64_t next;             /* LSN the next record gets */
	VEC(struct dblogrec) recs; /* retained since the last log backup */
	uint64_t chain_first;      /* FirstLSN of the full that began the chain; 0 = none */
	uint64_t last_full_ckpt;   /* CheckpointLSN of the latest full backup */
	uint64_t last_log_backup;  /* LastLSN of the latest log backup (0: none) */
	bool begins_chain;         /* the next log backup begins a log chain */
	uint64_t redo_next;        /* while restoring: the LSN needed next */
	uint8_t redo_fork[16];     /* the fork the restore sequence is on */
	uint64_t fork_point;       /* LSN where the current fork began (0 none) */
	uint8_t prev_fork[16];
	uint64_t mirror_sent; /* mirroring: records below this reached the mirror */
	uint64_t trunc_lsn;   /* records below this were truncated away */
	uint64_t last;        /* LSN of the newest record (0: none yet) */
	VEC(struct dbpending) pending;
};

/* The database's log, created on first use (NULL for system databases). */
struct dblog *dblog_of(struct sqldb *db);
void dblog_free(struct dblog *log);
/* sys.master_files redo_start_lsn and redo_start_fork_guid: while the
 * database is RESTORING (or in STANDBY), the LSN at which the next roll
 * forward must start and the recovery fork it is on, as every transition
 * left them (a tail-log backup WITH NORECOVERY, a restore, the mirror's
 * redo, a mirroring role switch). false (lsn 0): NULL, the files' state
 * is unknown or the database is not restoring. */
bool dblog_redo_start(const struct sqldb *db, uint64_t *lsn, uint8_t fork[16]);
/* Replace the database's log by an empty one whose next LSN is `next`
 * (a restore: the database continues the backed-up log). */
struct dblog *dblog_reset(struct sqldb *db, uint64_t next);
/* Apply the log records of a log backup's data whose LSN lies in
 * [from, to) (apply = false: check them only). 0 or -1. */
int dblog_apply_records(struct sqldb *db, const uint8_t *data, size_t len, uint64_t from,
                        uint64_t to, bool apply);
/* RESTORE ... WITH RECOVERY: ONLINE, and a new recovery fork. */
void dblog_recover(struct sqldb *db);
bool dblog_user_db(const struct sqldb *db);

/* LSN text (decimal digits) and back; 0 for "" or malformed. */
void lsn_format(char *buf, size_t cap, uint64_t lsn);
uint64_t lsn_parse(const char *s);
/* The LSN after `lsn` (slot + 1, carrying into the block). */
uint64_t lsn_succ(uint64_t lsn);

/* Capture a table's rows before the session changes it (txn.c). When
 * `added` is not NULL it is a row already appended that the pre-image
 * must leave out. `created`: the table did not exist before. */
void dblog_touch(struct lab_session *s, struct sqldb *db, const struct sqltable *t,
                 const struct lab_value *added, bool created);
/* Commit the session's captured changes when no transaction is open. */
void dblog_stmt_end(struct lab_session *s);
/* Append a record (takes `data`); returns its LSN. */
uint64_t dblog_append(struct dblog *log, uint8_t *data, size_t len);
/* An image of every user table of `db` as redo operations (CLEAR first). */
void dblog_image(struct strbuf *sb, const struct sqldb *db);
/* Check (apply = false) or apply redo operations to `db`. 0 or -1. */
int dblog_redo(struct sqldb *db, const uint8_t *data, size_t len, bool apply);
/* Keep a copy of a record received from elsewhere (a restored log
 * backup, the mirroring partner) under its own LSN. */
void dblog_keep(struct dblog *log, uint64_t lsn, const uint8_t *data, size_t len);
/* The LSN of the log's last record (sys.dm_db_log_stats log_end_lsn). */
uint64_t dblog_end_lsn(const struct dblog *log);
/* Drop retained records below `lsn`. */
void dblog_truncate(struct dblog *log, uint64_t lsn);

/* Bounded readers and writers of the encoding (shared with backupfile). */
struct dbrd {
	const uint8_t *p;
	size_t n, i;
	bool bad;
};
void dbw_u8(struct strbuf *sb, uint8_t v);
void dbw_u32(struct strbuf *sb, uint32_t v);
void dbw_u64(struct strbuf *sb, uint64_t v);
void dbw_bytes(struct strbuf *sb, const void *p, size_t n);
uint8_t dbr_u8(struct dbrd *r);
uint32_t dbr_u32(struct dbrd *r);
uint64_t dbr_u64(struct dbrd *r);
const uint8_t *dbr_bytes(struct dbrd *r, size_t *n);

enum { DBOP_CLEAR = 1, DBOP_CREATE, DBOP_DROP, DBOP_INS, DBOP_DEL };
void dbenc_value(struct strbuf *sb, const struct lab_value *v);
void dbenc_row(struct strbuf *sb, const struct sqltable *t, const struct lab_value *row);
void dbenc_head(struct strbuf *sb, int op, const char *schema, const char *name);
void dbenc_create(struct strbuf *sb, const struct sqltable *t);

#endif
