/*
 * backupfile: reading and writing the lab's backup files. Layout of one
 * set (lab/BACKUP-FORMAT.md):
 *   "PCDRBAK1"  8 bytes of magic
 *   u32 H       header length, then H bytes of "Name=Value\n" lines
 *   u64 D       data length, then D bytes of data
 *   u32 CRC     CRC-32 (IEEE) of everything from the magic to the data
 * Integers little-endian. A file is sets back to back. The reader checks
 * magic, lengths and CRC of every set before the caller sees any.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/sql/backupfile.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define BK_MAGIC    "PCDRBAK1"
#define BK_MAX_HEAD 65536

uint32_t bk_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void put_guid(struct strbuf *sb, const char *k, const uint8_t g[16])
{
	char buf[40];

	sqlval_format_guid(buf, sizeof(buf), g);
	strbuf_printf(sb, "%s=%s\n", k, buf);
}

static void header_text(struct strbuf *sb, const struct bkset *s)
{
	strbuf_printf(sb, "BackupType=%d\nDatabaseName=%s\nServerName=%s\nUserName=%s\n", s->type,
	              s->database_name, s->server_name, s->user_name);
	strbuf_printf(sb,
	              "FirstLSN=%" PRIu64 "\nLastLSN=%" PRIu64 "\nCheckpointLSN=%" PRIu64
	              "\nDatabaseBackupLSN=%" PRIu64 "\nForkPointLSN=%" PRIu64 "\n",
	              s->first_lsn, s->last_lsn, s->checkpoint_lsn, s->database_backup_lsn,
	              s->fork_point_lsn);
	put_guid(sb, "DatabaseGUID", s->database_guid);
	put_guid(sb, "FamilyGUID", s->family_guid);
	put_guid(sb, "RecoveryForkID", s->recovery_fork);
	put_guid(sb, "FirstRecoveryForkID", s->first_recovery_fork);
	put_guid(sb, "BackupSetGUID", s->backup_set_guid);
	strbuf_printf(sb,
	              "BackupStartDate=%" PRId64 "\nBackupFinishDate=%" PRId64
	              "\nDatabaseCreationDate=%" PRId64 "\nRecoveryModel=%d\nIsCopyOnly=%d\n"
	              "BeginsLogChain=%d\nIsForceOffline=%d\nHasBackupChecksums=%d\nSizeMB=%u\n",
	              s->start_us, s->finish_us, s->db_create_us, s->recovery_model, s->copy_only,
	              s->begins_log_chain, s->force_offline, s->checksum, s->size_mb);
}

void bkset_encode(const struct bkset *s, const uint8_t *data, size_t len, uint8_t **out,
                  size_t *out_len)
{
	struct strbuf head = STRBUF_INIT, sb = STRBUF_INIT;
	size_t n;

	header_text(&head, s);
	strbuf_add(&sb, BK_MAGIC, 8);
	dbw_u32(&sb, (uint32_t)head.len);
	strbuf_add(&sb, head.ptr, head.len);
	dbw_u64(&sb, len);
	if (len)
		strbuf_add(&sb, data, len);
	dbw_u32(&sb, bk_crc32((const uint8_t *)sb.ptr, sb.len));
	strbuf_release(&head);
	n = sb.len;
	*out = (uint8_t *)strbuf_detach(&sb, &n);
	*out_len = n;
}

static int guid_field(uint8_t g[16], const char *v)
{
	return sqlval_parse_guid(g, v, strlen(v)) ? -1 : 0;
}

static int header_field(struct bkset *s, const char *k, const char *v)
{
	uint64_t n = lsn_parse(v);
	int64_t i = (int64_t)n;

	if (!strcmp(k, "BackupType"))
		s->type = (int)i;
	else if (!strcmp(k, "DatabaseName"))
		snprintf(s->database_name, sizeof(s->database_name), "%s", v);
	else if (!strcmp(k, "ServerName"))
		snprintf(s->server_name, sizeof(s->server_name), "%s", v);
	else if (!strcmp(k, "UserName"))
		snprintf(s->user_name, sizeof(s->user_name), "%s", v);
	else if (!strcmp(k, "FirstLSN"))
		s->first_lsn = n;
	else if (!strcmp(k, "LastLSN"))
		s->last_lsn = n;
	else if (!strcmp(k, "CheckpointLSN"))
		s->checkpoint_lsn = n;
	else if (!strcmp(k, "DatabaseBackupLSN"))
		s->database_backup_lsn = n;
	else if (!strcmp(k, "ForkPointLSN"))
		s->fork_point_lsn = n;
	else if (!strcmp(k, "DatabaseGUID"))
		return guid_field(s->database_guid, v);
	else if (!strcmp(k, "FamilyGUID"))
		return guid_field(s->family_guid, v);
	else if (!strcmp(k, "RecoveryForkID"))
		return guid_field(s->recovery_fork, v);
	else if (!strcmp(k, "FirstRecoveryForkID"))
		return guid_field(s->first_recovery_fork, v);
	else if (!strcmp(k, "BackupSetGUID"))
		return guid_field(s->backup_set_guid, v);
	else if (!strcmp(k, "BackupStartDate"))
		s->start_us = i;
	else if (!strcmp(k, "BackupFinishDate"))
		s->finish_us = i;
	else if (!strcmp(k, "DatabaseCreationDate"))
		s->db_create_us = i;
	else if (!strcmp(k, "RecoveryModel"))
		s->recovery_model = (int)i;
	else if (!strcmp(k, "IsCopyOnly"))
		s->copy_only = i != 0;
	else if (!strcmp(k, "BeginsLogChain"))
		s->begins_log_chain = i != 0;
	else if (!strcmp(k, "IsForceOffline"))
		s->force_offline = i != 0;
	else if (!strcmp(k, "HasBackupChecksums"))
		s->checksum = i != 0;
	else if (!strcmp(k, "SizeMB"))
		s->size_mb = (unsigned)i;
	return 0;
}

static int parse_header(struct bkset *s, const uint8_t *p, size_t n)
{
	char *text = xstrndup((const char *)p, n), *line = text;
	int rc = 0;

	if (strlen(text) != n)
		rc = -1;
	while (rc == 0 && *line) {
		char *nl = strchr(line, '\n'), *eq;

		if (!nl)
			break;
		*nl = '\0';
		eq = strchr(line, '=');
		if (!eq)
			rc = -1;
		else {
			*eq = '\0';
			rc = header_field(s, line, eq + 1);
		}
		line = nl + 1;
	}
	free(text);
	if (s->type != BK_TYPE_DATABASE && s->type != BK_TYPE_LOG)
		rc = -1;
	return rc;
}

static int parse_set(struct dbrd *r, struct bkset *s)
{
	size_t start = r->i, hn;
	const uint8_t *magic, *head;
	uint64_t dn;

	if (r->n - r->i < 8)
		return BK_TRUNCATED;
	magic = r->p + r->i;
	if (memcmp(magic, BK_MAGIC, 8))
		return BK_DAMAGED;
	r->i += 8;
	hn = dbr_u32(r);
	if (r->bad)
		return BK_TRUNCATED;
	if (hn > BK_MAX_HEAD)
		return BK_DAMAGED;
	if (hn > r->n - r->i)
		return BK_TRUNCATED;
	head = r->p + r->i;
	r->i += hn;
	dn = dbr_u64(r);
	if (r->bad || dn > r->n - r->i || r->n - r->i - dn < 4)
		return dn > BK_MAX_FILE ? BK_DAMAGED : BK_TRUNCATED;
	s->data = r->p + r->i;
	s->len = (size_t)dn;
	r->i += (size_t)dn;
	if (bk_crc32(r->p + start, r->i - start) != dbr_u32(r))
		return BK_DAMAGED;
	return parse_header(s, head, hn) ? BK_DAMAGED : BK_OK;
}

int bkfile_parse(struct bkfile *f, uint8_t *buf, size_t len)
{
	struct dbrd r = {buf, len, 0, false};

	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	if (len == 0)
		return BK_TRUNCATED;
	f->sets = xcalloc(BK_MAX_SETS, sizeof(*f->sets));
	while (r.i < r.n) {
		int rc;

		if (f->n_sets >= BK_MAX_SETS)
			return BK_DAMAGED;
		rc = parse_set(&r, &f->sets[f->n_sets]);
		if (rc)
			return rc;
		f->sets[f->n_sets].position = (int)f->n_sets + 1;
		f->n_sets++;
	}
	return BK_OK;
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (!fp)
		return errno == ENOENT || errno == ENOTDIR ? BK_NOFILE : BK_IO;
	if (fstat(fileno(fp), &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)BK_MAX_FILE) {
		fclose(fp);
		return BK_IO;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, fp);
	fclose(fp);
	*out = buf;
	return 0;
}

int bkfile_read(struct bkfile *f, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = read_all(path, &buf, &len);

	memset(f, 0, sizeof(*f));
	if (rc) {
		free(buf);
		return rc;
	}
	return bkfile_parse(f, buf, len);
}

void bkfile_free(struct bkfile *f)
{
	free(f->buf);
	free(f->sets);
	memset(f, 0, sizeof(*f));
}

int bkfile_write(const char *path, struct bkset *set, const uint8_t *data, size_t len, bool init)
{
	struct bkfile old;
	uint8_t *enc;
	size_t n;
	char tmp[4200];
	FILE *fp;
	int rc = 0;

	memset(&old, 0, sizeof(old));
	set->position = 1;
	if (!init && bkfile_read(&old, path) == BK_OK)
		set->position = (int)old.n_sets + 1;
	else
		old.len = 0;
	bkset_encode(set, data, len, &enc, &n);
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	fp = fopen(tmp, "wb");
	if (!fp) {
		rc = BK_NOFILE;
	} else {
		if ((old.len && fwrite(old.buf, 1, old.len, fp) != old.len) ||
		    fwrite(enc, 1, n, fp) != n)
			rc = BK_IO;
		if (fclose(fp) && rc == 0)
			rc = BK_IO;
		if (rc == 0 && rename(tmp, path))
			rc = BK_IO;
		if (rc)
			unlink(tmp);
	}
	free(enc);
	bkfile_free(&old);
	return rc;
}
