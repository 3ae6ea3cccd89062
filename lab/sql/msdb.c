/*
 * msdb: see msdb.h. The Agent tables that part 1 did not create are
 * added here (CREATE TABLE text through world_run_ddl) the first time
 * any of them is asked for, so an instance saved before this existed
 * gains them too. Columns follow the msdb pages cited in CONFORMANCE.md;
 * only the columns the Agent and log shipping use are modelled.
 */
#include "lab/sql/msdb.h"

#include <string.h>
#include <strings.h>

#include "lab/sql/value.h"
#include "util/xalloc.h"

static const char agent_ddl[] =
        "CREATE TABLE dbo.sysjobsteps (job_id uniqueidentifier NOT NULL, step_id int NOT NULL,"
        " step_name sysname NOT NULL, subsystem nvarchar(40) NOT NULL,"
        " command nvarchar(max) NULL, flags int NOT NULL, database_name sysname NULL,"
        " on_success_action tinyint NOT NULL, on_fail_action tinyint NOT NULL,"
        " retry_attempts int NOT NULL, retry_interval int NOT NULL,"
        " last_run_outcome int NOT NULL, last_run_duration int NOT NULL,"
        " last_run_retries int NOT NULL, last_run_date int NOT NULL,"
        " last_run_time int NOT NULL, step_uid uniqueidentifier NULL);"
        "CREATE TABLE dbo.sysschedules (schedule_id int NOT NULL,"
        " schedule_uid uniqueidentifier NOT NULL, originating_server_id int NOT NULL,"
        " name sysname NOT NULL, owner_sid varbinary(85) NOT NULL, enabled int NOT NULL,"
        " freq_type int NOT NULL, freq_interval int NOT NULL, freq_subday_type int NOT NULL,"
        " freq_subday_interval int NOT NULL, freq_relative_interval int NOT NULL,"
        " freq_recurrence_factor int NOT NULL, active_start_date int NOT NULL,"
        " active_end_date int NOT NULL, active_start_time int NOT NULL,"
        " active_end_time int NOT NULL, date_created datetime NOT NULL,"
        " date_modified datetime NOT NULL, version_number int NOT NULL);"
        "CREATE TABLE dbo.sysjobschedules (schedule_id int NULL, job_id uniqueidentifier NULL,"
        " next_run_date int NOT NULL, next_run_time int NOT NULL);"
        "CREATE TABLE dbo.syscategories (category_id int NOT NULL, category_class int NOT NULL,"
        " category_type tinyint NOT NULL, name sysname NOT NULL);"
        "CREATE TABLE dbo.syssessions (session_id int NOT NULL, agent_start_date datetime NOT "
        "NULL);";

static const struct {
	int id;
	const char *name;
} categories[] = {
        {0, "[Uncategorized (Local)]"}, {3, "Database Maintenance"}, {6, "Log Shipping"},
        {100, "Log Shipping Backup"},   {101, "Log Shipping Copy"},  {102, "Log Shipping Restore"},
        {103, "Log Shipping Alert"},
};

static void install_categories(struct sqltable *t)
{
	if (t->rows.len)
		return;
	for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++) {
		struct lab_value *row = msdb_add(t);

		msdb_set_int(t, row, "category_id", categories[i].id);
		msdb_set_int(t, row, "category_class", 1);
		msdb_set_int(t, row, "category_type", 1);
		msdb_set_text(t, row, "name", categories[i].name);
	}
}

struct sqltable *msdb_table(struct sqlinstance *inst, const char *name)
{
	struct sqldb *db = world_db_by_name(inst, "msdb");
	struct sqltable *t;

	if (!db)
		return NULL;
	if (!world_table_find(db, "dbo", "syssessions")) {
		world_run_ddl(db, agent_ddl);
		install_categories(world_table_find(db, "dbo", "syscategories"));
	}
	t = world_table_find(db, "dbo", name);
	return t;
}

int msdb_col(const struct sqltable *t, const char *col)
{
	for (size_t i = 0; t && i < t->n_cols; i++)
		if (!strcasecmp(t->cols[i].name, col))
			return (int)i;
	return -1;
}

static bool text_eq(const struct lab_value *v, const char *s)
{
	size_t n = strlen(s), m;

	if (v->is_null || !v->s)
		return false;
	for (m = v->slen; m > 0 && v->s[m - 1] == ' ';) /* trailing spaces don't count */
		m--;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return m == n && !strncasecmp(v->s, s, n);
}

struct lab_value *msdb_find_text(struct sqltable *t, const char *col, const char *text)
{
	int k = msdb_col(t, col);

	for (size_t r = 0; k >= 0 && text && r < t->rows.len; r++)
		if (text_eq(&t->rows.items[r][k], text))
			return t->rows.items[r];
	return NULL;
}

struct lab_value *msdb_next_guid(struct sqltable *t, const char *col, const uint8_t g[16],
                                 struct lab_value *prev)
{
	int k = msdb_col(t, col);
	size_t r = 0;

	if (k < 0 || !g)
		return NULL;
	while (prev && r < t->rows.len && t->rows.items[r] != prev)
		r++;
	for (r = prev ? r + 1 : 0; r < t->rows.len; r++)
		if (!t->rows.items[r][k].is_null && !memcmp(t->rows.items[r][k].guid, g, 16))
			return t->rows.items[r];
	return NULL;
}

struct lab_value *msdb_find_guid(struct sqltable *t, const char *col, const uint8_t g[16])
{
	return msdb_next_guid(t, col, g, NULL);
}

struct lab_value *msdb_find_int(struct sqltable *t, const char *col, int64_t i)
{
	int k = msdb_col(t, col);

	for (size_t r = 0; k >= 0 && r < t->rows.len; r++)
		if (!t->rows.items[r][k].is_null && t->rows.items[r][k].i == i)
			return t->rows.items[r];
	return NULL;
}

struct lab_value *msdb_add(struct sqltable *t)
{
	struct lab_value *row = xcalloc(t->n_cols ? t->n_cols : 1, sizeof(*row));

	for (size_t i = 0; i < t->n_cols; i++)
		row[i] = sqlval_null(t->cols[i].type);
	vec_push(&t->rows, row);
	return row;
}

static void put(struct sqltable *t, struct lab_value *row, const char *col, struct lab_value v)
{
	int k = msdb_col(t, col);

	if (k < 0)
		return;
	sqlval_free_heap(&row[k]);
	row[k] = sqlval_dup_heap(&v);
}

void msdb_set_text(struct sqltable *t, struct lab_value *row, const char *col, const char *s)
{
	int k = msdb_col(t, col);
	struct lab_value v;

	if (k < 0)
		return;
	if (!s) {
		msdb_set_null(t, row, col);
		return;
	}
	memset(&v, 0, sizeof(v));
	v.type = t->cols[k].type == LAB_T_VARCHAR || t->cols[k].type == LAB_T_VARBINARY
	                 ? t->cols[k].type
	                 : LAB_T_NVARCHAR;
	v.s = s;
	v.slen = strlen(s);
	put(t, row, col, v);
}

void msdb_set_int(struct sqltable *t, struct lab_value *row, const char *col, int64_t i)
{
	int k = msdb_col(t, col);

	if (k >= 0)
		put(t, row, col,
		    sqlval_int(t->cols[k].type, t->cols[k].type == LAB_T_BIT ? !!i : i));
}

void msdb_set_guid(struct sqltable *t, struct lab_value *row, const char *col, const uint8_t g[16])
{
	struct lab_value v = sqlval_null(LAB_T_UNIQUEIDENTIFIER);

	if (g) {
		v.is_null = false;
		memcpy(v.guid, g, 16);
	}
	put(t, row, col, v);
}

void msdb_set_time(struct sqltable *t, struct lab_value *row, const char *col, int64_t us)
{
	struct arena a = ARENA_INIT;
	struct sqltype dt = {LAB_T_DATETIME, 8, 23, 3};
	struct lab_value raw = sqlval_time(LAB_T_DATETIME2, us), out;
	struct sqlerr e;

	if (sqlval_convert(&out, &raw, &dt, -1, &a, &e) == 0)
		put(t, row, col, out);
	arena_release(&a);
}

void msdb_set_null(struct sqltable *t, struct lab_value *row, const char *col)
{
	int k = msdb_col(t, col);

	if (k >= 0)
		put(t, row, col, sqlval_null(t->cols[k].type));
}

const char *msdb_text(const struct sqltable *t, const struct lab_value *row, const char *col)
{
	int k = msdb_col(t, col);

	return k < 0 || row[k].is_null ? NULL : row[k].s ? row[k].s : "";
}

int64_t msdb_int(const struct sqltable *t, const struct lab_value *row, const char *col,
                 int64_t dflt)
{
	int k = msdb_col(t, col);

	return k < 0 || row[k].is_null ? dflt : row[k].i;
}

const uint8_t *msdb_guid(const struct sqltable *t, const struct lab_value *row, const char *col)
{
	int k = msdb_col(t, col);

	return k < 0 || row[k].is_null ? NULL : row[k].guid;
}

int64_t msdb_time(const struct sqltable *t, const struct lab_value *row, const char *col)
{
	int k = msdb_col(t, col);

	return k < 0 || row[k].is_null ? 0 : row[k].time_us;
}

void msdb_delete_row(struct sqltable *t, struct lab_value *row)
{
	for (size_t r = 0; r < t->rows.len; r++) {
		if (t->rows.items[r] != row)
			continue;
		for (size_t i = 0; i < t->n_cols; i++)
			sqlval_free_heap(&row[i]);
		free(row);
		memmove(&t->rows.items[r], &t->rows.items[r + 1],
		        (t->rows.len - r - 1) * sizeof(row));
		t->rows.len--;
		return;
	}
}

size_t msdb_delete_guid(struct sqltable *t, const char *col, const uint8_t *g)
{
	int k = msdb_col(t, col);
	size_t n = 0;

	for (size_t r = t ? t->rows.len : 0; k >= 0 && r-- > 0;) {
		struct lab_value *row = t->rows.items[r];

		if (!g || (!row[k].is_null && !memcmp(row[k].guid, g, 16))) {
			msdb_delete_row(t, row);
			n++;
		}
	}
	return n;
}

int64_t msdb_max_int(const struct sqltable *t, const char *col)
{
	int k = msdb_col(t, col);
	int64_t m = 0;

	for (size_t r = 0; k >= 0 && r < t->rows.len; r++)
		if (!t->rows.items[r][k].is_null && t->rows.items[r][k].i > m)
			m = t->rows.items[r][k].i;
	return m;
}

int32_t msdb_date_int(int64_t us)
{
	char buf[40];

	sqlval_format_time(buf, sizeof(buf), us, 0, 0); /* "YYYY-MM-DD hh:mm:ss" */
	return (int32_t)(((buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 +
	                  (buf[3] - '0')) *
	                         10000 +
	                 ((buf[5] - '0') * 10 + (buf[6] - '0')) * 100 + (buf[8] - '0') * 10 +
	                 (buf[9] - '0'));
}

int32_t msdb_time_int(int64_t us)
{
	int64_t s = (us / 1000000) % 86400;

	if (s < 0)
		s += 86400;
	return (int32_t)((s / 3600) * 10000 + (s / 60 % 60) * 100 + s % 60);
}
