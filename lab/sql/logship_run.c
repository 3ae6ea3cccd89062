/*
 * logship_run: what sqllogship.exe does when a log shipping job step
 * calls it, run by the Agent (agentrun.c). -Backup: BACKUP LOG of the
 * primary database to the backup folder as <db>_<yyyymmddhhmmss>.trn
 * (UTC lab time), through the same engine as a client's BACKUP, then
 * last_backup_file/date in msdb; while the database is a mirroring
 * mirror (or RESTORING) it only records that it skipped, and succeeds,
 * as SQL Server does with log shipping over mirroring. -Copy: copies the
 * primary's new .trn files from the backup share to the copy folder,
 * failing while the share is unreachable from the secondary's site.
 * -Restore: RESTORE LOG of each copied file in file-name order (which is
 * LSN order) WITH NORECOVERY or STANDBY, skipping files the database
 * already has (4326), stopping at the first other error. Every run
 * writes log_shipping_monitor_history_detail, errors also
 * log_shipping_monitor_error_detail. Retention clean-up and the alert
 * job are not modelled.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/sql/logship.h"
#include "lab/sql/value.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define LS_MAX_FILES 4096

static void detail(struct lsctx *l, const char *table, int status, const char *text)
{
	struct sqltable *t;
	struct lab_value *row;
	int64_t now = sqlval_now_us();

	pthread_mutex_lock(&l->inst->lock);
	if ((t = msdb_table(l->inst, table))) {
		row = msdb_add(t);
		msdb_set_guid(t, row, "agent_id", l->agent_id);
		msdb_set_int(t, row, "agent_type", l->agent_type);
		msdb_set_int(t, row, "session_id", agent_session_id(l->inst));
		msdb_set_text(t, row, "database_name", l->database);
		if (status >= 0)
			msdb_set_int(t, row, "session_status", status);
		else
			msdb_set_int(t, row, "sequence_number", 1);
		msdb_set_time(t, row, "log_time", now);
		msdb_set_time(t, row, "log_time_utc", now);
		msdb_set_text(t, row, "message", text);
		if (status < 0)
			msdb_set_text(t, row, "source",
			              "Microsoft.SqlServer.Management.LogShipping");
	}
	pthread_mutex_unlock(&l->inst->lock);
}

void logship_say(struct lsctx *l, const char *text)
{
	agentrun_say(l->r, "%s%s", agentrun_sep(l->r), text);
	detail(l, "log_shipping_monitor_history_detail", 2, text);
}

void logship_fail(struct lsctx *l, const char *text)
{
	agentrun_say(l->r, "%s*** Error: %s ***", agentrun_sep(l->r), text);
	l->r->failed = true;
	detail(l, "log_shipping_monitor_error_detail", -1, text);
	detail(l, "log_shipping_monitor_history_detail", 4, text);
}

void logship_copy_text(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

/* "<db>_<yyyymmddhhmmss>.trn": the backup's lab time, 0 when not one. */
int64_t logship_file_time(const char *name, const char *db)
{
	size_t n = strlen(db), len = strlen(name);
	int32_t date, time;

	if (len != n + 19 || strncasecmp(name, db, n) || name[n] != '_' ||
	    strcasecmp(name + len - 4, ".trn"))
		return 0;
	for (size_t i = n + 1; i < n + 15; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	date = (int32_t)strtol((char[]){name[n + 1], name[n + 2], name[n + 3], name[n + 4],
	                                name[n + 5], name[n + 6], name[n + 7], name[n + 8], 0},
	                       NULL, 10);
	time = (int32_t)strtol((char[]){name[n + 9], name[n + 10], name[n + 11], name[n + 12],
	                                name[n + 13], name[n + 14], 0},
	                       NULL, 10);
	return agentjob_run_us(date, time);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .trn files of `db` in `dir`, sorted (names are timestamps). */
size_t logship_list(const char *dir, const char *db, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = xcalloc(LS_MAX_FILES, sizeof(*names));
	size_t n = 0;

	while (d && (e = readdir(d)) && n < LS_MAX_FILES)
		if (logship_file_time(e->d_name, db) > 0)
			names[n++] = xstrdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	return n;
}

void logship_free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

const char *logship_base(const char *path)
{
	const char *a = path ? strrchr(path, '\\') : NULL, *b = path ? strrchr(path, '/') : NULL;

	if (!path)
		return "";
	if (b > a)
		a = b;
	return a ? a + 1 : path;
}

void logship_join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	snprintf(out, cap, "%s%s%s", dir,
	         n && (dir[n - 1] == '\\' || dir[n - 1] == '/') ? "" : "\\", name);
}

static int parse_command(const char *command, char *verb, size_t cap, uint8_t id[16])
{
	static const char *const verbs[] = {"-Backup", "-Copy", "-Restore"};

	for (size_t i = 0; i < 3; i++) {
		const char *p = strcasestr(command, verbs[i]);

		if (!p)
			continue;
		p += strlen(verbs[i]);
		while (*p == ' ')
			p++;
		logship_copy_text(verb, cap, verbs[i] + 1);
		return sqlval_parse_guid(id, p, 36);
	}
	return -1;
}

/* --- -Backup ------------------------------------------------------------ */

struct lsbackup {
	char db[129];
	char dir[501]; /* where BACKUP writes: backup_directory if UNC, else the share */
	int db_state;  /* -1 no such database */
	bool is_mirror;
};

static bool load_backup(struct lsctx *l, struct lsbackup *b)
{
	struct sqltable *t = msdb_table(l->inst, "log_shipping_primary_databases");
	struct lab_value *row = t ? msdb_find_guid(t, "primary_id", l->agent_id) : NULL;
	const char *dir, *share;
	struct sqldb *db;

	if (!row)
		return false;
	logship_copy_text(b->db, sizeof(b->db), msdb_text(t, row, "primary_database"));
	dir = msdb_text(t, row, "backup_directory");
	share = msdb_text(t, row, "backup_share");
	logship_copy_text(b->dir, sizeof(b->dir),
	                  dir && dir[0] == '\\' && dir[1] == '\\' ? dir
	                  : share                                 ? share
	                                                          : dir);
	db = world_db_by_name(l->inst, b->db);
	b->db_state = db ? db->state : -1;
	b->is_mirror = db && db->mirror.on && db->mirror.role == 2;
	logship_copy_text(l->database, sizeof(l->database), b->db);
	return true;
}

static void record_backup(struct lsctx *l, const char *file, int64_t now)
{
	struct sqltable *t = msdb_table(l->inst, "log_shipping_primary_databases");
	struct sqltable *m = msdb_table(l->inst, "log_shipping_monitor_primary");
	struct lab_value *row;

	if (t && (row = msdb_find_guid(t, "primary_id", l->agent_id))) {
		msdb_set_text(t, row, "last_backup_file", file);
		msdb_set_time(t, row, "last_backup_date", now);
	}
	if (m && (row = msdb_find_guid(m, "primary_id", l->agent_id))) {
		msdb_set_text(m, row, "last_backup_file", file);
		msdb_set_time(m, row, "last_backup_date", now);
		msdb_set_time(m, row, "last_backup_date_utc", now);
	}
}

static void run_backup(struct lsctx *l)
{
	struct lsbackup b;
	char name[200], file[800], text[1200], stamp[32];
	int64_t now = sqlval_now_us();
	struct strbuf sql = STRBUF_INIT;
	bool found;

	pthread_mutex_lock(&l->inst->lock);
	found = load_backup(l, &b);
	pthread_mutex_unlock(&l->inst->lock);
	if (!found) {
		logship_fail(l, "The specified agent_id or agent_type do not form a valid pair for "
		                "log shipping monitoring processing.");
		l->r->sql_message_id = 32016;
		return;
	}
	if (b.is_mirror || b.db_state == DB_RESTORING) {
		snprintf(text, sizeof(text),
		         "Skipping log backup for database '%s' because it is a %s. The backup "
		         "job does nothing until the database is the principal (ONLINE).",
		         b.db,
		         b.is_mirror ? "database mirroring mirror" : "database in RESTORING state");
		logship_say(l, text);
		return;
	}
	if (b.db_state != DB_ONLINE) {
		snprintf(text, sizeof(text),
		         "Database %s is not ONLINE. The backup job will not be performed until "
		         "this "
		         "database is brought online.",
		         b.db);
		logship_fail(l, text);
		l->r->sql_message_id = 32008;
		return;
	}
	sqlval_format_time(stamp, sizeof(stamp), now, 0, 0);
	snprintf(name, sizeof(name), "%s_%.4s%.2s%.2s%.2s%.2s%.2s.trn", b.db, stamp, stamp + 5,
	         stamp + 8, stamp + 11, stamp + 14, stamp + 17);
	logship_join(file, sizeof(file), b.dir, name);
	strbuf_printf(&sql, "BACKUP LOG [%s] TO DISK = N'%s'", b.db, file);
	agentrun_tsql(l->inst, "master", strbuf_cstr(&sql), "SQLAgent - Log shipping backup", l->r);
	strbuf_release(&sql);
	if (l->r->failed) {
		snprintf(text, sizeof(text), "Backup of database '%s' to '%s' failed.", b.db, file);
		logship_fail(l, text);
		return;
	}
	pthread_mutex_lock(&l->inst->lock);
	record_backup(l, file, now);
	pthread_mutex_unlock(&l->inst->lock);
	snprintf(text, sizeof(text), "Backed up log of database '%s' to file '%s'.", b.db, file);
	logship_say(l, text);
}

void logship_run(struct sqlinstance *inst, const char *command, struct agentstep_result *r)
{
	struct lsctx l;
	char verb[16];

	memset(&l, 0, sizeof(l));
	l.inst = inst;
	l.r = r;
	if (parse_command(command, verb, sizeof(verb), l.agent_id) < 0) {
		agentrun_say(r,
		             "sqllogship.exe: usage: -Backup|-Copy|-Restore <id> -server <name>");
		r->failed = true;
		return;
	}
	l.agent_type = !strcasecmp(verb, "Backup") ? 0 : !strcasecmp(verb, "Copy") ? 1 : 2;
	if (l.agent_type == 0)
		run_backup(&l);
	else if (l.agent_type == 1)
		logship_copy(&l);
	else
		logship_restore(&l);
}
