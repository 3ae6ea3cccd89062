/*
 * bkcommon: shared parts of BACKUP and RESTORE (bkcommon.h). Error
 * texts follow the 3000-3999 message list: 3201 "Cannot open backup
 * device", 3203 "Read on ... failed", 3241 "The media family on device
 * ... is incorrectly formed", 3013 "... is terminating abnormally.",
 * 3211 "%d percent processed.", 3014 the success summary.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab/sql/bkcommon.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"

int bk_fail(struct sqlctx *c, int line, const char *kind, int32_t number, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sqlexec_message(c, number, 16, 1, line, text);
	sqlexec_message(c, 3013, 16, 1, line, "");
	c->out.items[c->out.len - 1].msg.text =
	        arena_sprintf(c->a, "%s is terminating abnormally.", kind);
	if (c->abort < AB_STMT)
		c->abort = AB_STMT;
	return -1;
}

int bk_path(struct sqlctx *c, int line, const char *kind, const char *winpath, char *out,
            size_t cap)
{
	bool unc = winpath && winpath[0] == '\\' && winpath[1] == '\\';

	if (winpath && world_share_path(c->inst, winpath, out, cap) == 0 &&
	    (!unc || world_share_reachable(c->inst)))
		return 0;
	return bk_fail(c, line, kind, 3201,
	               "Cannot open backup device '%s'. Operating system error %s.",
	               winpath ? winpath : "",
	               unc ? "53(The network path was not found.)"
	                   : "3(The system cannot find the path specified.)");
}

int bk_open(struct sqlctx *c, int line, const char *kind, const char *winpath, const char *path,
            struct bkfile *f)
{
	int rc = bkfile_read(f, path);

	if (rc == BK_OK)
		return 0;
	if (rc == BK_NOFILE)
		return bk_fail(c, line, kind, 3201,
		               "Cannot open backup device '%s'. Operating system error "
		               "2(The system cannot find the file specified.).",
		               winpath);
	if (rc == BK_TRUNCATED)
		return bk_fail(c, line, kind, 3203,
		               "Read on \"%s\" failed: 38(Reached the end of the file.)", winpath);
	return bk_fail(c, line, kind, 3241,
	               "The media family on device '%s' is incorrectly formed. SQL Server cannot "
	               "process this media family.",
	               winpath);
}

static bool cancelled(struct sqlctx *c)
{
	if (!c->cancelled && c->sink->cancelled && c->sink->cancelled(c->sink->ctx))
		c->cancelled = true;
	if (!c->cancelled && __atomic_load_n(&c->s->killed, __ATOMIC_ACQUIRE)) {
		c->cancelled = true;
		c->abort = AB_CONN;
	}
	return c->cancelled;
}

int bk_wait(struct sqlctx *c, double size_mb, int64_t stats, int line)
{
	double mbps = world_throughput_mbps(c->inst->world);
	int64_t total_ms = mbps > 0 ? (int64_t)(size_mb * 1000.0 / mbps) : 0, waited = 0;
	int64_t next = stats > 0 ? stats : 101;

	sqlout_flush(c);
	for (;;) {
		int64_t pct = total_ms > 0 ? waited * 100 / total_ms : 100;

		while (pct >= next && next <= 100) {
			char text[64];

			snprintf(text, sizeof(text), "%d percent processed.", (int)next);
			sqlout_info(c, 3211, 1, line, text);
			next += stats;
		}
		sqlout_flush(c);
		if (waited >= total_ms)
			return 0;
		if (cancelled(c))
			return -1;
		{
			int64_t step = total_ms - waited < 10 ? total_ms - waited : 10;
			struct timespec ts = {0, (long)step * 1000000L};

			nanosleep(&ts, NULL);
			waited += step;
		}
	}
}

int64_t bk_pages(double size_mb)
{
	int64_t p = (int64_t)(size_mb * 128.0);

	return p > 0 ? p : 1;
}

void bk_done_msg(struct sqlctx *c, int line, const char *kind, int64_t pages, int64_t us)
{
	double secs = (double)us / 1e6, mb = (double)pages * 8192.0 / 1048576.0;
	double rate = secs > 0.0005 ? mb / secs : mb / 0.001;
	char text[256];

	if (us < 1000)
		us = 1000;
	snprintf(text, sizeof(text),
	         "%s successfully processed %lld pages in %lld.%03lld seconds (%.3f MB/sec).", kind,
	         (long long)pages, (long long)(us / 1000000), (long long)(us / 1000 % 1000), rate);
	sqlout_info(c, 3014, 1, line, text);
}

/* --- msdb history ---------------------------------------------------- */

static int col_of(const struct sqltable *t, const char *name)
{
	for (size_t k = 0; k < t->n_cols; k++)
		if (!strcmp(t->cols[k].name, name))
			return (int)k;
	return -1;
}

static void set_val(struct sqltable *t, struct lab_value *row, const char *col, struct lab_value v,
                    struct arena *a)
{
	int k = col_of(t, col);
	struct sqltype ty;
	struct sqlerr e;
	struct lab_value out;

	if (k < 0)
		return;
	ty.type = t->cols[k].type;
	ty.length = t->cols[k].length;
	ty.precision = t->cols[k].precision;
	ty.scale = t->cols[k].scale;
	if (sqlval_convert(&out, &v, &ty, -1, a, &e) == 0)
		row[k] = out;
}

static struct sqltable *msdb_tab(struct sqlinstance *inst, const char *name)
{
	struct sqldb *msdb = world_db_by_name(inst, "msdb");

	return msdb ? world_table_find(msdb, "dbo", name) : NULL;
}

static struct lab_value *null_row(struct sqltable *t, struct arena *a)
{
	struct lab_value *row = arena_calloc(a, t->n_cols, sizeof(*row));

	for (size_t k = 0; k < t->n_cols; k++)
		row[k] = sqlval_null(t->cols[k].type);
	return row;
}

static int32_t next_id(const struct sqltable *t, const char *col)
{
	int k = col_of(t, col);
	int64_t max = 0;

	for (size_t r = 0; k >= 0 && r < t->rows.len; r++)
		if (!t->rows.items[r][k].is_null && t->rows.items[r][k].i > max)
			max = t->rows.items[r][k].i;
	return (int32_t)max + 1;
}

static struct lab_value lsn_val(struct arena *a, uint64_t lsn)
{
	char buf[32];

	lsn_format(buf, sizeof(buf), lsn);
	return lsn ? sqlval_cstr(a, buf) : sqlval_null(LAB_T_NVARCHAR);
}

static struct lab_value guid_val(const uint8_t g[16])
{
	struct lab_value v = sqlval_null(LAB_T_UNIQUEIDENTIFIER);

	v.is_null = false;
	memcpy(v.guid, g, 16);
	return v;
}

static void backupset_row(struct sqltable *t, struct lab_value *row, const struct bkset *s,
                          struct arena *a)
{
	static const char *const models[] = {"", "FULL", "BULK_LOGGED", "SIMPLE"};

	set_val(t, row, "position", sqlval_int(LAB_T_INT, s->position), a);
	set_val(t, row, "backup_start_date", sqlval_time(LAB_T_DATETIME, s->start_us), a);
	set_val(t, row, "backup_finish_date", sqlval_time(LAB_T_DATETIME, s->finish_us), a);
	set_val(t, row, "type", sqlval_cstr(a, s->type == BK_TYPE_LOG ? "L" : "D"), a);
	set_val(t, row, "database_name", sqlval_cstr(a, s->database_name), a);
	set_val(t, row, "server_name", sqlval_cstr(a, s->server_name), a);
	set_val(t, row, "machine_name", sqlval_cstr(a, s->server_name), a);
	set_val(t, row, "user_name", sqlval_cstr(a, s->user_name), a);
	set_val(t, row, "first_lsn", lsn_val(a, s->first_lsn), a);
	set_val(t, row, "last_lsn", lsn_val(a, s->last_lsn), a);
	set_val(t, row, "checkpoint_lsn", lsn_val(a, s->checkpoint_lsn), a);
	set_val(t, row, "database_backup_lsn", lsn_val(a, s->database_backup_lsn), a);
	set_val(t, row, "fork_point_lsn", lsn_val(a, s->fork_point_lsn), a);
	set_val(t, row, "database_creation_date", sqlval_time(LAB_T_DATETIME, s->db_create_us), a);
	set_val(t, row, "recovery_model",
	        sqlval_cstr(
	                a,
	                models[s->recovery_model >= 1 && s->recovery_model <= 3 ? s->recovery_model
	                                                                        : 1]),
	        a);
	set_val(t, row, "has_incomplete_metadata", sqlval_int(LAB_T_BIT, 0), a);
	set_val(t, row, "is_copy_only", sqlval_int(LAB_T_BIT, s->copy_only), a);
	set_val(t, row, "is_force_offline", sqlval_int(LAB_T_BIT, s->force_offline), a);
	set_val(t, row, "begins_log_chain", sqlval_int(LAB_T_BIT, s->begins_log_chain), a);
	set_val(t, row, "database_guid", guid_val(s->database_guid), a);
	set_val(t, row, "family_guid", guid_val(s->family_guid), a);
	set_val(t, row, "first_recovery_fork_guid", guid_val(s->first_recovery_fork), a);
	set_val(t, row, "last_recovery_fork_guid", guid_val(s->recovery_fork), a);
	set_val(t, row, "backup_size", sqlval_int(LAB_T_BIGINT, (int64_t)s->len + 1024), a);
}

int32_t bk_history_backup(struct sqlinstance *inst, const struct bkset *s, const char *device)
{
	struct sqltable *bs = msdb_tab(inst, "backupset"),
	                *mf = msdb_tab(inst, "backupmediafamily");
	struct arena a = ARENA_INIT;
	struct lab_value *row;
	int32_t id, media;

	if (!bs || !mf)
		return 0;
	id = next_id(bs, "backup_set_id");
	media = next_id(mf, "media_set_id");
	if (next_id(bs, "media_set_id") > media)
		media = next_id(bs, "media_set_id");
	row = null_row(bs, &a);
	set_val(bs, row, "backup_set_id", sqlval_int(LAB_T_INT, id), &a);
	set_val(bs, row, "media_set_id", sqlval_int(LAB_T_INT, media), &a);
	backupset_row(bs, row, s, &a);
	world_table_insert(bs, row);
	row = null_row(mf, &a);
	set_val(mf, row, "media_set_id", sqlval_int(LAB_T_INT, media), &a);
	set_val(mf, row, "family_sequence_number", sqlval_int(LAB_T_TINYINT, 1), &a);
	set_val(mf, row, "physical_device_name", sqlval_cstr(&a, device), &a);
	set_val(mf, row, "device_type", sqlval_int(LAB_T_TINYINT, 2), &a);
	set_val(mf, row, "mirror", sqlval_int(LAB_T_TINYINT, 0), &a);
	world_table_insert(mf, row);
	arena_release(&a);
	return id;
}

void bk_history_restore(struct sqlinstance *inst, const struct bkset *s, const char *device,
                        const char *dest, bool replace, bool recovery, const char *user)
{
	struct sqltable *rh = msdb_tab(inst, "restorehistory");
	struct arena a = ARENA_INIT;
	struct lab_value *row;
	int32_t set_id = s ? bk_history_backup(inst, s, device) : 0;

	if (!rh) {
		arena_release(&a);
		return;
	}
	row = null_row(rh, &a);
	set_val(rh, row, "restore_history_id",
	        sqlval_int(LAB_T_INT, next_id(rh, "restore_history_id")), &a);
	set_val(rh, row, "restore_date", sqlval_time(LAB_T_DATETIME, sqlval_now_us()), &a);
	set_val(rh, row, "destination_database_name", sqlval_cstr(&a, dest), &a);
	set_val(rh, row, "user_name", sqlval_cstr(&a, user), &a);
	set_val(rh, row, "backup_set_id", sqlval_int(LAB_T_INT, set_id), &a);
	set_val(rh, row, "restore_type",
	        sqlval_cstr(&a, !s                       ? "V"
	                        : s->type == BK_TYPE_LOG ? "L"
	                                                 : "D"),
	        &a);
	set_val(rh, row, "replace", sqlval_int(LAB_T_BIT, replace), &a);
	set_val(rh, row, "recovery", sqlval_int(LAB_T_BIT, recovery), &a);
	set_val(rh, row, "restart", sqlval_int(LAB_T_BIT, 0), &a);
	set_val(rh, row, "device_count", sqlval_int(LAB_T_TINYINT, 1), &a);
	set_val(rh, row, "stop_before", sqlval_int(LAB_T_BIT, 0), &a);
	world_table_insert(rh, row);
	arena_release(&a);
}

int bk_check_options(struct sqlctx *c, int line, const char *kind, const struct sqladmin *a)
{
	/* modelled, or without effect in the lab (media and informational) */
	static const char *const known[] = {
	        "INIT",           "NOINIT",
	        "FORMAT",         "NOFORMAT",
	        "COPY_ONLY",      "NORECOVERY",
	        "RECOVERY",       "STANDBY",
	        "CHECKSUM",       "NO_CHECKSUM",
	        "STATS",          "REPLACE",
	        "MOVE",           "FILE",
	        "NAME",           "DESCRIPTION",
	        "SKIP",           "NOSKIP",
	        "UNLOAD",         "NOUNLOAD",
	        "REWIND",         "NOREWIND",
	        "BUFFERCOUNT",    "MAXTRANSFERSIZE",
	        "BLOCKSIZE",      "STOP_ON_ERROR",
	        "MEDIANAME",      "MEDIADESCRIPTION",
	        "RETAINDAYS",     "EXPIREDATE",
	        "NO_COMPRESSION", "COMPRESSION",
	        "LOADHISTORY",    "KEEP_REPLICATION",
	        "ENABLE_BROKER",  "ERROR_BROKER_CONVERSATIONS",
	        "NEW_BROKER",
	};

	for (size_t i = 0; i < a->n_opts; i++) {
		const char *k = a->opts[i].key;
		bool ok = false;

		for (size_t n = 0; n < sizeof(known) / sizeof(known[0]) && !ok; n++)
			ok = !strcasecmp(k, known[n]);
		if (!ok)
			return bk_fail(
			        c, line, kind, 50000,
			        "pcdr-lab does not model %s ... WITH %s (see lab/CONFORMANCE.md, "
			        "\"Engine: not supported\").",
			        kind, k);
	}
	return 0;
}
