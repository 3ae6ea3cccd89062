/*
 * logship_help: the log shipping report procedures:
 * sp_help_log_shipping_monitor (one row per local primary and secondary
 * monitor row, minutes since the last backup, copy and restore on the
 * lab clock, status 1 when a threshold is exceeded or nothing ran yet),
 * sp_help_log_shipping_primary_database and
 * sp_help_log_shipping_secondary_database (32010 / 32014 when not
 * configured). Result columns as the procedure pages list them.
 */
#include <string.h>

#include "lab/sql/catalog.h"
#include "lab/sql/logship.h"
#include "lab/sql/procbind.h"
#include "lab/sql/value.h"

static void emit(struct sqlctx *c, struct rowset *rs)
{
	sqlout_columns(c, rs->cols, rs->n_cols);
	for (size_t r = 0; r < rs->n_rows; r++)
		sqlout_row(c, rs->rows[r], rs->n_cols);
	sqlout_done(c, LAB_DONE_COUNT, 0xC1, rs->n_rows);
	c->rowcount = rs->n_rows;
}

static void put_minutes(struct builder *b, int64_t since_us, int64_t now)
{
	if (since_us)
		catalog_put_int(b, (now - since_us) / 60000000);
	else
		catalog_put_null(b);
}

static void put_col_text(struct builder *b, const struct sqltable *t, const struct lab_value *row,
                         const char *col)
{
	catalog_put_text(b, msdb_text(t, row, col));
}

static void put_col_int(struct builder *b, const struct sqltable *t, const struct lab_value *row,
                        const char *col)
{
	int k = msdb_col(t, col);

	if (k >= 0 && !row[k].is_null)
		catalog_put_int(b, row[k].i);
	else
		catalog_put_null(b);
}

static const struct colspec monitor_spec[] = {
        C_BIT("status", false),
        C_BIT("is_primary", false),
        C_SYSNAME("server", false),
        C_SYSNAME("database_name", false),
        C_INT("time_since_last_backup", true),
        {"last_backup_file", LAB_T_NVARCHAR, 500, 0, 0, true},
        C_INT("backup_threshold", true),
        C_BIT("is_backup_alert_enabled", true),
        C_INT("time_since_last_copy", true),
        {"last_copied_file", LAB_T_NVARCHAR, 500, 0, 0, true},
        C_INT("time_since_last_restore", true),
        {"last_restored_file", LAB_T_NVARCHAR, 500, 0, 0, true},
        C_INT("last_restored_latency", true),
        C_INT("restore_threshold", true),
        C_BIT("is_restore_alert_enabled", true),
};

static void monitor_primary(struct builder *b, struct sqltable *m, int64_t now)
{
	for (size_t r = 0; m && r < m->rows.len; r++) {
		const struct lab_value *row = m->rows.items[r];
		int64_t last = msdb_time(m, row, "last_backup_date");
		int64_t thr = msdb_int(m, row, "backup_threshold", 60);

		catalog_row(b);
		catalog_put_int(b, !last || (now - last) / 60000000 > thr);
		catalog_put_int(b, 1);
		put_col_text(b, m, row, "primary_server");
		put_col_text(b, m, row, "primary_database");
		put_minutes(b, last, now);
		put_col_text(b, m, row, "last_backup_file");
		put_col_int(b, m, row, "backup_threshold");
		put_col_int(b, m, row, "threshold_alert_enabled");
		for (int i = 0; i < 7; i++)
			catalog_put_null(b);
	}
}

static void monitor_secondary(struct builder *b, struct sqltable *m, int64_t now)
{
	for (size_t r = 0; m && r < m->rows.len; r++) {
		const struct lab_value *row = m->rows.items[r];
		int64_t restored = msdb_time(m, row, "last_restored_date");
		int64_t thr = msdb_int(m, row, "restore_threshold", 45);

		catalog_row(b);
		catalog_put_int(b, !restored || (now - restored) / 60000000 > thr);
		catalog_put_int(b, 0);
		put_col_text(b, m, row, "secondary_server");
		put_col_text(b, m, row, "secondary_database");
		for (int i = 0; i < 4; i++)
			catalog_put_null(b);
		put_minutes(b, msdb_time(m, row, "last_copied_date"), now);
		put_col_text(b, m, row, "last_copied_file");
		put_minutes(b, restored, now);
		put_col_text(b, m, row, "last_restored_file");
		put_col_int(b, m, row, "last_restored_latency");
		put_col_int(b, m, row, "restore_threshold");
		put_col_int(b, m, row, "threshold_alert_enabled");
	}
}

int logship_help_monitor(struct sqlctx *c, struct procarg *a, size_t n, int line, int32_t *status)
{
	static const char *const names[] = {"@dummy"};
	struct procbind b;
	struct builder bl;
	struct rowset rs;
	struct sqltable *mp, *ms;
	int64_t now = sqlval_now_us();

	LS_BIND(c, b, "sp_help_log_shipping_monitor", names, a, n, line);
	(void)status;
	pthread_mutex_lock(&c->inst->lock);
	mp = msdb_table(c->inst, "log_shipping_monitor_primary");
	ms = msdb_table(c->inst, "log_shipping_monitor_secondary");
	catalog_start(&bl, c, &rs, monitor_spec, sizeof(monitor_spec) / sizeof(monitor_spec[0]),
	              (mp ? mp->rows.len : 0) + (ms ? ms->rows.len : 0));
	monitor_primary(&bl, mp, now);
	monitor_secondary(&bl, ms, now);
	emit(c, &rs);
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}

static const struct colspec primary_spec[] = {
        {"primary_id", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, false},
        C_SYSNAME("primary_database", false),
        {"backup_directory", LAB_T_NVARCHAR, 500, 0, 0, true},
        {"backup_share", LAB_T_NVARCHAR, 500, 0, 0, true},
        C_INT("backup_retention_period", true),
        C_TINY("backup_compression", true),
        {"backup_job_id", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
        C_SYSNAME("monitor_server", true),
        C_BIT("monitor_server_security_mode", true),
        C_INT("backup_threshold", true),
        C_INT("threshold_alert", true),
        C_BIT("threshold_alert_enabled", true),
        {"last_backup_file", LAB_T_NVARCHAR, 500, 0, 0, true},
        C_DT("last_backup_date", true),
        C_DT("last_backup_date_utc", true),
        C_INT("history_retention_period", true),
};

static void put_col(struct builder *b, const struct sqltable *t, const struct lab_value *row,
                    const char *col)
{
	int k = msdb_col(t, col);

	if (k >= 0)
		b->row[b->k] = sqlval_dup(b->c->a, &row[k]);
	b->k++;
}

int logship_help_primary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status)
{
	static const char *const names[] = {"@database", "@primary_id"};
	static const char *const pcols[] = {
	        "primary_id",    "primary_database",        "backup_directory",
	        "backup_share",  "backup_retention_period", "backup_compression",
	        "backup_job_id", "monitor_server",          "monitor_server_security_mode"};
	static const char *const mcols[] = {"backup_threshold",        "threshold_alert",
	                                    "threshold_alert_enabled", "last_backup_file",
	                                    "last_backup_date",        "last_backup_date_utc",
	                                    "history_retention_period"};
	struct procbind b;
	struct builder bl;
	struct rowset rs;
	struct sqltable *p, *m;
	struct lab_value *row, *mrow;
	uint8_t pid[16];
	int has_id;
	const char *db;

	LS_BIND(c, b, "sp_help_log_shipping_primary_database", names, a, n, line);
	if ((has_id = procbind_guid(c, &b, "@primary_id", pid)) < 0)
		return -1;
	db = procbind_text(c, &b, "@database");
	pthread_mutex_lock(&c->inst->lock);
	p = msdb_table(c->inst, "log_shipping_primary_databases");
	m = msdb_table(c->inst, "log_shipping_monitor_primary");
	row = db       ? msdb_find_text(p, "primary_database", db)
	      : has_id ? msdb_find_guid(p, "primary_id", pid)
	               : NULL;
	if (!row) {
		pthread_mutex_unlock(&c->inst->lock);
		*status = procbind_raise(c, &b, 32010,
		                         "Database %s does not exist as log shipping primary.",
		                         db ? db : "(null)");
		return 0;
	}
	mrow = msdb_find_guid(m, "primary_id", msdb_guid(p, row, "primary_id"));
	catalog_start(&bl, c, &rs, primary_spec, sizeof(primary_spec) / sizeof(primary_spec[0]), 1);
	catalog_row(&bl);
	for (size_t i = 0; i < 9; i++)
		put_col(&bl, p, row, pcols[i]);
	for (size_t i = 0; i < 7; i++)
		if (mrow)
			put_col(&bl, m, mrow, mcols[i]);
	emit(c, &rs);
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}
