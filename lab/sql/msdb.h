/*
 * msdb: row-level access to msdb's stored tables for the Agent and log
 * shipping code (agent*.c, logship*.c): find a table (creating the Agent
 * tables part 1 did not define: sysjobsteps, sysschedules,
 * sysjobschedules, syscategories, syssessions), find, add, change and
 * delete rows by column name. Values are stored in the column's type.
 * Every function expects the instance lock held. Internal to lab/sql.
 */
#ifndef PCDR_LAB_SQL_MSDB_H
#define PCDR_LAB_SQL_MSDB_H

#include "lab/sql/world.h"

/* msdb.dbo.<name>, or NULL when the instance has no msdb or no such table. */
struct sqltable *msdb_table(struct sqlinstance *inst, const char *name);
/* Column index of `col`; -1 when the table has none. */
int msdb_col(const struct sqltable *t, const char *col);

/* The first row whose `col` equals the text / GUID / integer (NULL: none). */
struct lab_value *msdb_find_text(struct sqltable *t, const char *col, const char *text);
struct lab_value *msdb_find_guid(struct sqltable *t, const char *col, const uint8_t g[16]);
struct lab_value *msdb_find_int(struct sqltable *t, const char *col, int64_t i);
/* The next row after `prev` (NULL: from the start) whose GUID `col` is g. */
struct lab_value *msdb_next_guid(struct sqltable *t, const char *col, const uint8_t g[16],
                                 struct lab_value *prev);

/* A new row, every column NULL; fill it with msdb_set_*. */
struct lab_value *msdb_add(struct sqltable *t);
void msdb_set_text(struct sqltable *t, struct lab_value *row, const char *col, const char *s);
void msdb_set_int(struct sqltable *t, struct lab_value *row, const char *col, int64_t i);
void msdb_set_guid(struct sqltable *t, struct lab_value *row, const char *col, const uint8_t g[16]);
void msdb_set_time(struct sqltable *t, struct lab_value *row, const char *col, int64_t us);
void msdb_set_null(struct sqltable *t, struct lab_value *row, const char *col);

/* Read a column: text (NULL when NULL), integer (dflt when NULL),
 * GUID (NULL when NULL), time (0 when NULL). */
const char *msdb_text(const struct sqltable *t, const struct lab_value *row, const char *col);
int64_t msdb_int(const struct sqltable *t, const struct lab_value *row, const char *col,
                 int64_t dflt);
const uint8_t *msdb_guid(const struct sqltable *t, const struct lab_value *row, const char *col);
int64_t msdb_time(const struct sqltable *t, const struct lab_value *row, const char *col);

/* Delete rows whose GUID `col` is g (every row when g is NULL); count. */
size_t msdb_delete_guid(struct sqltable *t, const char *col, const uint8_t *g);
/* Delete one row. */
void msdb_delete_row(struct sqltable *t, struct lab_value *row);
/* Largest integer in `col` (0 for none). */
int64_t msdb_max_int(const struct sqltable *t, const char *col);

/* SQL Server's int dates of sysjobhistory and sysjobservers. */
int32_t msdb_date_int(int64_t us); /* yyyymmdd */
int32_t msdb_time_int(int64_t us); /* hhmmss */

#endif
