/*
 * backupfile: the lab's backup file format (lab/BACKUP-FORMAT.md): a
 * file holds one or more backup sets, each a header of Name=Value lines
 * (RESTORE HEADERONLY's columns), the data (redo operations for a full
 * backup, log records for a log backup) and a CRC-32 over both. Reading
 * checks every set whole before returning any: a truncated file gives
 * BK_TRUNCATED, a damaged one BK_DAMAGED, never half a set.
 */
#ifndef PCDR_LAB_SQL_BACKUPFILE_H
#define PCDR_LAB_SQL_BACKUPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BK_TYPE_DATABASE 1
#define BK_TYPE_LOG      2
#define BK_MAX_SETS      256
#define BK_MAX_FILE      (1u << 30)

enum bk_error { BK_OK = 0, BK_NOFILE = -1, BK_TRUNCATED = -2, BK_DAMAGED = -3, BK_IO = -4 };

struct bkset {
	int type;
	int position; /* 1-based, in the file */
	char database_name[129];
	char server_name[256];
	char user_name[129];
	uint8_t database_guid[16];
	uint8_t family_guid[16];
	uint8_t recovery_fork[16];
	uint8_t first_recovery_fork[16];
	uint8_t backup_set_guid[16];
	uint64_t first_lsn, last_lsn, checkpoint_lsn, database_backup_lsn, fork_point_lsn;
	int64_t start_us, finish_us, db_create_us;
	int recovery_model; /* 1 FULL, 2 BULK_LOGGED, 3 SIMPLE */
	bool copy_only, begins_log_chain, force_offline, checksum;
	unsigned size_mb;
	const uint8_t *data; /* into the file's buffer */
	size_t len;
};

struct bkfile {
	uint8_t *buf;
	size_t len;
	struct bkset *sets;
	size_t n_sets;
};

uint32_t bk_crc32(const uint8_t *p, size_t n);
/* Serialise one set (header + data + CRC) onto `out` (malloc'd). */
void bkset_encode(const struct bkset *s, const uint8_t *data, size_t len, uint8_t **out,
                  size_t *out_len);
/* Parse a whole file held in memory (takes `buf`). */
int bkfile_parse(struct bkfile *f, uint8_t *buf, size_t len);
int bkfile_read(struct bkfile *f, const char *path);
/* Write `set` to `path`: a new file when `init` or missing, else appended
 * (its position is set). Written to a temporary file and renamed. */
int bkfile_write(const char *path, struct bkset *set, const uint8_t *data, size_t len, bool init);
void bkfile_free(struct bkfile *f);

#endif
