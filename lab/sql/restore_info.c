/*
 * restore_info: RESTORE HEADERONLY, RESTORE FILELISTONLY and RESTORE
 * VERIFYONLY FROM DISK = ... [WITH FILE = n]: one row per backup set (or
 * per file of the chosen set) with the columns the RESTORE HEADERONLY and
 * RESTORE FILELISTONLY pages document, in their order (up to Containment
 * and SnapshotUrl). A damaged or truncated file fails as a restore does
 * (3241/3203, then 3013 naming RESTORE HEADERONLY, RESTORE FILELIST or
 * VERIFY DATABASE).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lab/sql/bkcommon.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"

struct colspec {
	const char *name;
	enum lab_type type;
	int32_t len;
	uint8_t prec;
};

#define NV(n)                                                                                      \
	{                                                                                          \
		n, LAB_T_NVARCHAR, 128, 0                                                          \
	}
#define LSN(n)                                                                                     \
	{                                                                                          \
		n, LAB_T_NUMERIC, 17, 25                                                           \
	}
#define BIT(n)                                                                                     \
	{                                                                                          \
		n, LAB_T_BIT, 1, 0                                                                 \
	}
#define GUID(n)                                                                                    \
	{                                                                                          \
		n, LAB_T_UNIQUEIDENTIFIER, 16, 0                                                   \
	}
#define INT(n)                                                                                     \
	{                                                                                          \
		n, LAB_T_INT, 4, 0                                                                 \
	}
#define DT(n)                                                                                      \
	{                                                                                          \
		n, LAB_T_DATETIME, 8, 0                                                            \
	}

static const struct colspec header_cols[] = {
        NV("BackupName"),
        {"BackupDescription", LAB_T_NVARCHAR, 255, 0},
        {"BackupType", LAB_T_SMALLINT, 2, 0},
        DT("ExpirationDate"),
        {"Compressed", LAB_T_TINYINT, 1, 0},
        {"Position", LAB_T_SMALLINT, 2, 0},
        {"DeviceType", LAB_T_TINYINT, 1, 0},
        NV("UserName"),
        NV("ServerName"),
        NV("DatabaseName"),
        INT("DatabaseVersion"),
        DT("DatabaseCreationDate"),
        {"BackupSize", LAB_T_NUMERIC, 13, 20},
        LSN("FirstLSN"),
        LSN("LastLSN"),
        LSN("CheckpointLSN"),
        LSN("DatabaseBackupLSN"),
        DT("BackupStartDate"),
        DT("BackupFinishDate"),
        {"SortOrder", LAB_T_SMALLINT, 2, 0},
        {"CodePage", LAB_T_SMALLINT, 2, 0},
        INT("UnicodeLocaleId"),
        INT("UnicodeComparisonStyle"),
        {"CompatibilityLevel", LAB_T_TINYINT, 1, 0},
        INT("SoftwareVendorId"),
        INT("SoftwareVersionMajor"),
        INT("SoftwareVersionMinor"),
        INT("SoftwareVersionBuild"),
        NV("MachineName"),
        INT("Flags"),
        GUID("BindingID"),
        GUID("RecoveryForkID"),
        NV("Collation"),
        GUID("FamilyGUID"),
        BIT("HasBulkLoggedData"),
        BIT("IsSnapshot"),
        BIT("IsReadOnly"),
        BIT("IsSingleUser"),
        BIT("HasBackupChecksums"),
        BIT("IsDamaged"),
        BIT("BeginsLogChain"),
        BIT("HasIncompleteMetaData"),
        BIT("IsForceOffline"),
        BIT("IsCopyOnly"),
        GUID("FirstRecoveryForkID"),
        LSN("ForkPointLSN"),
        {"RecoveryModel", LAB_T_NVARCHAR, 60, 0},
        LSN("DifferentialBaseLSN"),
        GUID("DifferentialBaseGUID"),
        {"BackupTypeDescription", LAB_T_NVARCHAR, 60, 0},
        GUID("BackupSetGUID"),
        {"CompressedBackupSize", LAB_T_BIGINT, 8, 0},
        {"Containment", LAB_T_TINYINT, 1, 0},
};

static const struct colspec filelist_cols[] = {
        NV("LogicalName"),
        {"PhysicalName", LAB_T_NVARCHAR, 260, 0},
        {"Type", LAB_T_NVARCHAR, 1, 0},
        NV("FileGroupName"),
        {"Size", LAB_T_NUMERIC, 13, 20},
        {"MaxSize", LAB_T_NUMERIC, 13, 20},
        {"FileId", LAB_T_BIGINT, 8, 0},
        LSN("CreateLSN"),
        LSN("DropLSN"),
        GUID("UniqueId"),
        LSN("ReadOnlyLSN"),
        LSN("ReadWriteLSN"),
        {"BackupSizeInBytes", LAB_T_BIGINT, 8, 0},
        INT("SourceBlockSize"),
        INT("FileGroupId"),
        GUID("LogGroupGUID"),
        LSN("DifferentialBaseLSN"),
        GUID("DifferentialBaseGUID"),
        BIT("IsReadOnly"),
        BIT("IsPresent"),
        {"TDEThumbprint", LAB_T_VARBINARY, 32, 0},
        {"SnapshotUrl", LAB_T_NVARCHAR, 360, 0},
};

static struct lab_column *columns(struct sqlctx *c, const struct colspec *s, size_t n)
{
	struct lab_column *cols = arena_calloc(c->a, n, sizeof(*cols));

	for (size_t i = 0; i < n; i++) {
		cols[i].name = s[i].name;
		cols[i].type = s[i].type;
		cols[i].length = s[i].len;
		cols[i].precision = s[i].prec;
		cols[i].nullable = true;
	}
	return cols;
}

static struct lab_value *nulls(struct sqlctx *c, const struct colspec *s, size_t n)
{
	struct lab_value *v = arena_calloc(c->a, n, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = sqlval_null(s[i].type);
	return v;
}

static void put_num(struct sqlctx *c, struct lab_value *v, uint64_t n)
{
	char buf[32];

	if (!n)
		return;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	*v = sqlval_str(c->a, LAB_T_NUMERIC, buf, strlen(buf));
}

static void put_guid(struct lab_value *v, const uint8_t g[16])
{
	v->is_null = false;
	memcpy(v->guid, g, 16);
}

static void header_row(struct sqlctx *c, const struct bkset *s)
{
	static const char *const models[] = {"FULL", "FULL", "BULK-LOGGED", "SIMPLE"};
	struct lab_value *v = nulls(c, header_cols, sizeof(header_cols) / sizeof(*header_cols));
	bool log = s->type == BK_TYPE_LOG;

	v[2] = sqlval_int(LAB_T_SMALLINT, s->type);
	v[4] = sqlval_int(LAB_T_TINYINT, 0);
	v[5] = sqlval_int(LAB_T_SMALLINT, s->position);
	v[6] = sqlval_int(LAB_T_TINYINT, 2);
	v[7] = sqlval_cstr(c->a, s->user_name);
	v[8] = sqlval_cstr(c->a, s->server_name);
	v[9] = sqlval_cstr(c->a, s->database_name);
	v[10] = sqlval_int(LAB_T_INT, 869);
	v[11] = sqlval_time(LAB_T_DATETIME, s->db_create_us);
	put_num(c, &v[12], (uint64_t)s->len + 1024);
	put_num(c, &v[13], s->first_lsn);
	put_num(c, &v[14], s->last_lsn);
	put_num(c, &v[15], s->checkpoint_lsn);
	put_num(c, &v[16], s->database_backup_lsn);
	v[17] = sqlval_time(LAB_T_DATETIME, s->start_us);
	v[18] = sqlval_time(LAB_T_DATETIME, s->finish_us);
	v[23] = sqlval_int(LAB_T_TINYINT, 130);
	v[24] = sqlval_int(LAB_T_INT, 4608);
	v[25] = sqlval_int(LAB_T_INT, 13);
	v[27] = sqlval_int(LAB_T_INT, 7000);
	v[28] = sqlval_cstr(c->a, s->server_name);
	put_guid(&v[30], s->family_guid);
	put_guid(&v[31], s->recovery_fork);
	v[32] = sqlval_cstr(c->a, "SQL_Latin1_General_CP1_CI_AS");
	put_guid(&v[33], s->family_guid);
	v[38] = sqlval_int(LAB_T_BIT, s->checksum);
	v[40] = sqlval_int(LAB_T_BIT, s->begins_log_chain);
	v[42] = sqlval_int(LAB_T_BIT, s->force_offline);
	v[43] = sqlval_int(LAB_T_BIT, s->copy_only);
	put_guid(&v[44], s->first_recovery_fork);
	put_num(c, &v[45], s->fork_point_lsn);
	v[46] = sqlval_cstr(c->a, models[s->recovery_model & 3]);
	v[48].is_null = true;
	v[49] = sqlval_cstr(c->a, log ? "Transaction Log" : "Database");
	put_guid(&v[50], s->backup_set_guid);
	v[51] = sqlval_int(LAB_T_BIGINT, (int64_t)s->len + 1024);
	v[52] = sqlval_int(LAB_T_TINYINT, 0);
	for (size_t i = 34; i <= 43; i++)
		if (v[i].is_null)
			v[i] = sqlval_int(LAB_T_BIT, 0);
	sqlout_row(c, v, sizeof(header_cols) / sizeof(*header_cols));
}

static void file_row(struct sqlctx *c, const struct bkset *s, bool log)
{
	size_t n = sizeof(filelist_cols) / sizeof(*filelist_cols);
	struct lab_value *v = nulls(c, filelist_cols, n);
	const char *name = s->database_name;

	v[0] = sqlval_cstr(c->a, log ? arena_sprintf(c->a, "%s_log", name) : name);
	v[1] = sqlval_cstr(c->a,
	                   arena_sprintf(c->a, "D:\\Data\\%s%s", name, log ? "_log.ldf" : ".mdf"));
	v[2] = sqlval_cstr(c->a, log ? "L" : "D");
	if (!log)
		v[3] = sqlval_cstr(c->a, "PRIMARY");
	put_num(c, &v[4], log ? 8388608ull : (uint64_t)s->size_mb * 1048576ull);
	put_num(c, &v[5], 2199023255552ull);
	v[6] = sqlval_int(LAB_T_BIGINT, log ? 2 : 1);
	put_guid(&v[9], s->family_guid);
	v[12] = sqlval_int(LAB_T_BIGINT, log ? 0 : (int64_t)s->len);
	v[13] = sqlval_int(LAB_T_INT, 512);
	v[14] = sqlval_int(LAB_T_INT, log ? 0 : 1);
	v[18] = sqlval_int(LAB_T_BIT, 0);
	v[19] = sqlval_int(LAB_T_BIT, 1);
	sqlout_row(c, v, n);
}

static int info(struct sqlctx *c, const struct sqlstmt *st, const char *kind, struct bkfile *f)
{
	const struct sqladmopt *o = admin_opt(st->adm, "FILE");
	char path[PATH_MAX];
	const char *device;
	int64_t file = 0;

	if (admin_text(c, st->adm->disks[0], &device) ||
	    (o && o->expr && admin_int(c, o->expr, &file)))
		return -1;
	if (bk_path(c, st->line, kind, device, path, sizeof(path)) ||
	    bk_open(c, st->line, kind, device, path, f))
		return -1;
	if (file < 0 || (size_t)file > f->n_sets ||
	    (file == 0 && st->adm->verb != AD_RESTORE_HEADERONLY))
		file = file == 0 ? 1 : file;
	if ((size_t)file > f->n_sets)
		return bk_fail(c, st->line, kind, 3206,
		               "No entry in sysfiles for backup set %lld on device '%s'.",
		               (long long)file, device);
	if (st->adm->verb == AD_RESTORE_HEADERONLY) {
		sqlout_columns(c,
		               columns(c, header_cols, sizeof(header_cols) / sizeof(*header_cols)),
		               sizeof(header_cols) / sizeof(*header_cols));
		for (size_t i = 0; i < f->n_sets; i++)
			if (file == 0 || (size_t)file == i + 1)
				header_row(c, &f->sets[i]);
		sqlout_done(c, LAB_DONE_COUNT, 0xC1, file ? 1 : f->n_sets);
	} else if (st->adm->verb == AD_RESTORE_FILELISTONLY) {
		sqlout_columns(
		        c,
		        columns(c, filelist_cols, sizeof(filelist_cols) / sizeof(*filelist_cols)),
		        sizeof(filelist_cols) / sizeof(*filelist_cols));
		file_row(c, &f->sets[file - 1], false);
		file_row(c, &f->sets[file - 1], true);
		sqlout_done(c, LAB_DONE_COUNT, 0xC1, 2);
	} else {
		sqlout_info(c, 3262, 1, st->line,
		            arena_sprintf(c->a, "The backup set on file %lld is valid.",
		                          (long long)file));
		sqlout_done(c, 0, 0, 0);
	}
	return 0;
}

int restore_info_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	enum admin_verb v = st->adm->verb;
	const char *kind = v == AD_RESTORE_HEADERONLY     ? "RESTORE HEADERONLY"
	                   : v == AD_RESTORE_FILELISTONLY ? "RESTORE FILELIST"
	                                                  : "VERIFY DATABASE";
	struct bkfile f;
	int rc;

	memset(&f, 0, sizeof(f));
	pthread_mutex_lock(&c->inst->lock);
	rc = info(c, st, kind, &f);
	if (rc)
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
	pthread_mutex_unlock(&c->inst->lock);
	bkfile_free(&f);
	return rc;
}
