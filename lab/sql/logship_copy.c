/*
 * logship_copy: the copy and restore bodies of sqllogship.exe (see
 * logship_run.c). Copy reads the backup share as the secondary's site
 * sees it: while a partition cuts that site from the share's, or the
 * instance is stopped, the copy fails with the network error a Windows
 * copy gives. Restore applies the copied files in name (= LSN) order
 * through RESTORE LOG on an internal session, so the engine's LSN chain
 * rules decide; 4326 (already applied) skips a file, anything else stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/sql/logship.h"
#include "lab/sql/value.h"
#include "util/strbuf.h"

struct lscopy {
	char primary_db[129];
	char source[501], dest[501], last_copied[501];
};

static int copy_file(const char *from, const char *to)
{
	char buf[65536], tmp[PATH_MAX + 8];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t k = 0;
	int rc = 0;

	if (in < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.part", to);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((k = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)k) != k) {
			rc = -1;
			break;
		}
	if (k < 0)
		rc = -1;
	close(in);
	if (close(out) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, to) < 0)
		rc = -1;
	if (rc)
		unlink(tmp);
	return rc;
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return;
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (tmp[i] == '/' || tmp[i] == '\0') {
			char ch = tmp[i];

			tmp[i] = '\0';
			mkdir(tmp, 0755);
			tmp[i] = ch;
		}
}

static bool load_copy(struct lsctx *l, struct lscopy *c)
{
	struct sqltable *t = msdb_table(l->inst, "log_shipping_secondary");
	struct lab_value *row = t ? msdb_find_guid(t, "secondary_id", l->agent_id) : NULL;

	if (!row)
		return false;
	logship_copy_text(c->primary_db, sizeof(c->primary_db),
	                  msdb_text(t, row, "primary_database"));
	logship_copy_text(c->source, sizeof(c->source),
	                  msdb_text(t, row, "backup_source_directory"));
	logship_copy_text(c->dest, sizeof(c->dest),
	                  msdb_text(t, row, "backup_destination_directory"));
	logship_copy_text(c->last_copied, sizeof(c->last_copied),
	                  logship_base(msdb_text(t, row, "last_copied_file")));
	return true;
}

/* last_copied_* in log_shipping_secondary and each monitor row of it. */
static void record_copy(struct lsctx *l, const char *file, int64_t now)
{
	struct sqltable *t = msdb_table(l->inst, "log_shipping_secondary");
	struct sqltable *m = msdb_table(l->inst, "log_shipping_monitor_secondary");
	struct lab_value *row = t ? msdb_find_guid(t, "secondary_id", l->agent_id) : NULL;

	if (row) {
		msdb_set_text(t, row, "last_copied_file", file);
		msdb_set_time(t, row, "last_copied_date", now);
	}
	for (row = NULL; m && (row = msdb_next_guid(m, "secondary_id", l->agent_id, row));) {
		msdb_set_text(m, row, "last_copied_file", file);
		msdb_set_time(m, row, "last_copied_date", now);
		msdb_set_time(m, row, "last_copied_date_utc", now);
	}
}

static bool source_reachable(struct lsctx *l, const char *source)
{
	const char *unc = l->inst->world->share_unc;

	if (source[0] != '\\' || !unc)
		return world_instance_running(l->inst);
	return world_share_reachable(l->inst);
}

static int copy_new(struct lsctx *l, const struct lscopy *c, const char *src, const char *dst,
                    char *last, size_t cap)
{
	char **names, from[PATH_MAX], to[PATH_MAX], text[1200];
	size_t n = logship_list(src, c->primary_db, &names), copied = 0;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		if (c->last_copied[0] && strcmp(names[i], c->last_copied) <= 0)
			continue;
		if (snprintf(from, sizeof(from), "%s/%s", src, names[i]) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", dst, names[i]) >= (int)sizeof(to))
			continue;
		if (access(to, F_OK) == 0 || copy_file(from, to) == 0) {
			logship_join(last, cap, c->dest, names[i]);
			copied++;
		} else {
			snprintf(text, sizeof(text), "Could not copy file '%s' to '%s': %s",
			         names[i], c->dest, strerror(errno));
			logship_fail(l, text);
			rc = -1;
		}
	}
	logship_free_list(names, n);
	snprintf(text, sizeof(text), "The copy operation was %s. %zu file(s) copied.",
	         rc ? "stopped" : "successful", copied);
	if (rc == 0)
		logship_say(l, text);
	return rc;
}

void logship_copy(struct lsctx *l)
{
	struct lscopy c;
	char src[PATH_MAX], dst[PATH_MAX], last[600] = "", text[1200];
	bool found;

	pthread_mutex_lock(&l->inst->lock);
	found = load_copy(l, &c);
	pthread_mutex_unlock(&l->inst->lock);
	if (!found) {
		logship_fail(l, "The specified agent_id or agent_type do not form a valid pair for "
		                "log shipping monitoring processing.");
		l->r->sql_message_id = 32016;
		return;
	}
	if (world_share_path(l->inst, c.source, src, sizeof(src)) < 0 ||
	    world_share_path(l->inst, c.dest, dst, sizeof(dst)) < 0 ||
	    !source_reachable(l, c.source)) {
		snprintf(text, sizeof(text),
		         "Could not find a part of the path '%s'. The network path was not found.",
		         c.source);
		logship_fail(l, text);
		return;
	}
	mkdirs(dst);
	if (copy_new(l, &c, src, dst, last, sizeof(last)) == 0 && last[0]) {
		pthread_mutex_lock(&l->inst->lock);
		record_copy(l, last, sqlval_now_us());
		pthread_mutex_unlock(&l->inst->lock);
	}
}

/* --- -Restore ----------------------------------------------------------- */

struct lsrestore {
	char db[129];
	char primary_db[129];
	char dest[501];
	char last_restored[501];
	int64_t delay_min;
	bool all, standby;
};

static size_t load_restores(struct lsctx *l, struct lsrestore *out, size_t cap)
{
	struct sqltable *s = msdb_table(l->inst, "log_shipping_secondary");
	struct sqltable *d = msdb_table(l->inst, "log_shipping_secondary_databases");
	struct lab_value *srow = s ? msdb_find_guid(s, "secondary_id", l->agent_id) : NULL;
	struct lab_value *row = NULL;
	size_t n = 0;

	if (!srow || !d)
		return 0;
	while (n < cap && (row = msdb_next_guid(d, "secondary_id", l->agent_id, row))) {
		struct lsrestore *r = &out[n++];

		logship_copy_text(r->db, sizeof(r->db), msdb_text(d, row, "secondary_database"));
		logship_copy_text(r->primary_db, sizeof(r->primary_db),
		                  msdb_text(s, srow, "primary_database"));
		logship_copy_text(r->dest, sizeof(r->dest),
		                  msdb_text(s, srow, "backup_destination_directory"));
		logship_copy_text(r->last_restored, sizeof(r->last_restored),
		                  logship_base(msdb_text(d, row, "last_restored_file")));
		r->delay_min = msdb_int(d, row, "restore_delay", 0);
		r->all = msdb_int(d, row, "restore_all", 1) != 0;
		r->standby = msdb_int(d, row, "restore_mode", 0) != 0;
	}
	return n;
}

static void record_restore(struct lsctx *l, const char *db, const char *file, int64_t backup_us)
{
	struct sqltable *d = msdb_table(l->inst, "log_shipping_secondary_databases");
	struct sqltable *m = msdb_table(l->inst, "log_shipping_monitor_secondary");
	struct lab_value *row;
	int64_t now = sqlval_now_us();

	if (d && (row = msdb_find_text(d, "secondary_database", db))) {
		msdb_set_text(d, row, "last_restored_file", file);
		msdb_set_time(d, row, "last_restored_date", now);
	}
	if (m && (row = msdb_find_text(m, "secondary_database", db))) {
		msdb_set_text(m, row, "last_restored_file", file);
		msdb_set_time(m, row, "last_restored_date", now);
		msdb_set_time(m, row, "last_restored_date_utc", now);
		msdb_set_int(m, row, "last_restored_latency", (now - backup_us) / 60000000);
	}
}

/* RESTORE LOG one file: 0 applied, 1 skipped (already applied), -1 error. */
static int restore_one(struct lsctx *l, const struct lsrestore *r, const char *file)
{
	struct agentstep_result one;
	struct strbuf sql = STRBUF_INIT;
	char undo[700], name[200];

	memset(&one, 0, sizeof(one));
	strbuf_printf(&sql, "RESTORE LOG [%s] FROM DISK = N'%s' WITH ", r->db, file);
	if (r->standby) {
		snprintf(name, sizeof(name), "%s_undo.tuf", r->db);
		logship_join(undo, sizeof(undo), r->dest, name);
		strbuf_printf(&sql, "STANDBY = N'%s'", undo);
	} else {
		strbuf_puts(&sql, "NORECOVERY");
	}
	agentrun_tsql(l->inst, "master", strbuf_cstr(&sql), "SQLAgent - Log shipping restore",
	              &one);
	strbuf_release(&sql);
	if (one.failed && one.sql_message_id == 4326)
		return 1;
	agentrun_say(l->r, "%s%s", agentrun_sep(l->r), one.message);
	if (one.failed) {
		l->r->sql_message_id = one.sql_message_id;
		l->r->sql_severity = one.sql_severity;
		return -1;
	}
	return 0;
}

static void restore_db(struct lsctx *l, const struct lsrestore *r)
{
	char dst[PATH_MAX], file[700], text[1200], **names;
	size_t n, applied = 0;
	int64_t now = sqlval_now_us();
	int rc = 0;

	logship_copy_text(l->database, sizeof(l->database), r->db);
	if (world_share_path(l->inst, r->dest, dst, sizeof(dst)) < 0) {
		snprintf(text, sizeof(text), "Could not find a part of the path '%s'.", r->dest);
		logship_fail(l, text);
		return;
	}
	n = logship_list(dst, r->primary_db, &names);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		int64_t at = logship_file_time(names[i], r->primary_db);

		if (r->last_restored[0] && strcmp(names[i], r->last_restored) <= 0)
			continue;
		if (at + r->delay_min * 60000000 > now)
			break;
		logship_join(file, sizeof(file), r->dest, names[i]);
		if ((rc = restore_one(l, r, file)) < 0) {
			snprintf(text, sizeof(text),
			         "The restore of file '%s' to database '%s' failed.", file, r->db);
			logship_fail(l, text);
			break;
		}
		pthread_mutex_lock(&l->inst->lock);
		record_restore(l, r->db, file, at);
		pthread_mutex_unlock(&l->inst->lock);
		applied += rc == 0;
		if (!r->all && rc == 0)
			break;
	}
	logship_free_list(names, n);
	if (rc >= 0) {
		snprintf(
		        text, sizeof(text),
		        "The restore operation was successful. Secondary Database: '%s', Number of "
		        "log backup files restored: %zu",
		        r->db, applied);
		logship_say(l, text);
	}
}

void logship_restore(struct lsctx *l)
{
	struct lsrestore r[16];
	size_t n;

	pthread_mutex_lock(&l->inst->lock);
	n = load_restores(l, r, sizeof(r) / sizeof(r[0]));
	pthread_mutex_unlock(&l->inst->lock);
	if (n == 0) {
		logship_fail(l, "The specified agent_id or agent_type do not form a valid pair for "
		                "log shipping monitoring processing.");
		l->r->sql_message_id = 32016;
		return;
	}
	for (size_t i = 0; i < n; i++)
		restore_db(l, &r[i]);
}
