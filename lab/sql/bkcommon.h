/*
 * bkcommon: what BACKUP and RESTORE share: Windows path to lab file
 * (3201 when no folder backs it or the share is cut off), the error pair
 * SQL Server sends for a failed backup or restore (the error, then 3013
 * "<STATEMENT> is terminating abnormally."), the wait that makes a backup
 * or restore cost size / throughput seconds (without the instance lock,
 * with 3211 progress messages and ATTENTION honoured), and rows of
 * msdb's backupset, backupmediafamily and restorehistory.
 */
#ifndef PCDR_LAB_SQL_BKCOMMON_H
#define PCDR_LAB_SQL_BKCOMMON_H

#include "lab/sql/admin.h"
#include "lab/sql/backupfile.h"

/* Queue `number` then 3013 for `kind` ("RESTORE LOG"); returns -1. */
int bk_fail(struct sqlctx *c, int line, const char *kind, int32_t number, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
/* Refuse a WITH option the lab does not model but SQL Server would act
 * on (DIFFERENTIAL, STOPAT, NO_TRUNCATE ...): running such a statement
 * as a plain one would be a silent lie. 50000 + 3013; options it models
 * and media options without effect here (NAME, SKIP, NOUNLOAD ...) pass. */
int bk_check_options(struct sqlctx *c, int line, const char *kind, const struct sqladmin *a);
/* Map a device path; 3201 + 3013 on failure. Caller holds the lock. */
int bk_path(struct sqlctx *c, int line, const char *kind, const char *winpath, char *out,
            size_t cap);
/* Read a backup file; 3201/3203/3241 + 3013 on failure. */
int bk_open(struct sqlctx *c, int line, const char *kind, const char *winpath, const char *path,
            struct bkfile *f);
/* Sleep size_mb / throughput seconds without the lock, sending 3211
 * every `stats` percent (0: none). -1 when the client cancelled. */
int bk_wait(struct sqlctx *c, double size_mb, int64_t stats, int line);
/* 3014: "<kind> successfully processed N pages in s.mmm seconds (x MB/sec)." */
void bk_done_msg(struct sqlctx *c, int line, const char *kind, int64_t pages, int64_t us);
/* The pages a backup of this size moves (128 per MB). */
int64_t bk_pages(double size_mb);

/* msdb rows; caller holds the lock. Returns the backup_set_id. */
int32_t bk_history_backup(struct sqlinstance *inst, const struct bkset *s, const char *device);
void bk_history_restore(struct sqlinstance *inst, const struct bkset *s, const char *device,
                        const char *dest, bool replace, bool recovery, const char *user);

#endif
