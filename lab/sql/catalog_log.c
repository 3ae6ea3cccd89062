/*
 * catalog_log: sys.dm_db_log_stats (database_id), the one table-valued
 * function the lab knows in FROM. One row about a database's transaction
 * log, from lab/sql/dblog.c's state: LSNs in the nvarchar(24) hexadecimal
 * VLF:block:slot form the DMF shows (the decimal LSN 34000000012300001 is
 * 00000022:0000007b:0001), sizes from the retained log records. NULL or
 * DEFAULT (or nothing) means the current database; an id that names no
 * database gives no row. System databases keep no log in the lab: their
 * row has NULL LSNs and sizes.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/catalog.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"

#define C_HEXLSN(n)                                                                                \
	{                                                                                          \
		n, LAB_T_NVARCHAR, 24, 0, 0, true                                                  \
	}
#define C_BIG(n)                                                                                   \
	{                                                                                          \
		n, LAB_T_BIGINT, 8, 19, 0, true                                                    \
	}
#define C_FLT(n)                                                                                   \
	{                                                                                          \
		n, LAB_T_FLOAT, 8, 53, 0, true                                                     \
	}

static void put_hexlsn(struct builder *b, uint64_t lsn)
{
	char buf[40];

	if (lsn) {
		snprintf(buf, sizeof(buf), "%08llx:%08llx:%04llx",
		         (unsigned long long)(lsn / LSN_VLF_UNIT),
		         (unsigned long long)((lsn % LSN_VLF_UNIT) / LSN_BLK_UNIT),
		         (unsigned long long)(lsn % LSN_BLK_UNIT));
		catalog_put_text(b, buf);
	} else {
		catalog_put_null(b);
	}
}

static void put_float(struct builder *b, double f)
{
	b->row[b->k++] = sqlval_float(f);
}

bool catalog_is_function(const struct sqlname *n)
{
	return n->schema && !strcasecmp(n->schema, "sys") &&
	       !strcasecmp(n->name, "dm_db_log_stats");
}

/* The log's last record: what log_end_lsn shows. */
uint64_t dblog_end_lsn(const struct dblog *log)
{
	if (log->last)
		return log->last;
	return log->next > 1 ? log->next - 1 : log->next;
}

static void log_row(struct builder *b, struct sqldb *db)
{
	static const char *const model[] = {NULL, "FULL", "BULK_LOGGED", "SIMPLE"};
	struct dblog *log = dblog_of(db);
	uint64_t end, min;
	double active = 0, since = 0;
	bool mirrored = db->mirror.on && db->mirror.role == 1;

	catalog_row(b);
	catalog_put_int(b, db->id);
	catalog_put_text(b, model[db->recovery_model & 3]);
	if (!log) {
		b->k = b->rs->n_cols;
		return;
	}
	end = dblog_end_lsn(log);
	min = log->recs.len ? log->recs.items[0].lsn : end;
	for (size_t i = 0; i < log->recs.len; i++) {
		active += (double)log->recs.items[i].len / 1048576.0;
		if (log->recs.items[i].lsn >= log->last_log_backup)
			since += (double)log->recs.items[i].len / 1048576.0;
	}
	put_hexlsn(b, min);                                /* log_min_lsn */
	put_hexlsn(b, end);                                /* log_end_lsn */
	catalog_put_int(b, (int64_t)(end / LSN_VLF_UNIT)); /* current_vlf_sequence_number */
	catalog_put_null(b);                               /* current_vlf_size_mb */
	catalog_put_int(b, (int64_t)(end / LSN_VLF_UNIT - min / LSN_VLF_UNIT + 1));
	put_float(b, active); /* total_log_size_mb */
	catalog_put_int(b, (int64_t)(end / LSN_VLF_UNIT - min / LSN_VLF_UNIT + 1));
	put_float(b, active); /* active_log_size_mb */
	catalog_put_text(b, mirrored ? "DATABASE_MIRRORING" : "NOTHING");
	catalog_put_null(b); /* log_backup_time */
	put_hexlsn(b, log->last_log_backup);
	put_float(b, since); /* log_since_last_log_backup_mb */
	catalog_put_null(b); /* log_checkpoint_lsn */
	catalog_put_null(b); /* log_recovery_lsn */
	catalog_put_null(b); /* log_recovery_size_mb */
	catalog_put_null(b); /* recovery_vlf_count */
}

int catalog_call(struct sqlctx *c, const struct sqlname *n, struct rowset *out)
{
	static const struct colspec spec[] = {
	        C_INT("database_id", false),
	        C_DESC("recovery_model"),
	        C_HEXLSN("log_min_lsn"),
	        C_HEXLSN("log_end_lsn"),
	        C_BIG("current_vlf_sequence_number"),
	        C_FLT("current_vlf_size_mb"),
	        C_BIG("total_vlf_count"),
	        C_FLT("total_log_size_mb"),
	        C_BIG("active_vlf_count"),
	        C_FLT("active_log_size_mb"),
	        C_DESC("log_truncation_holdup_reason"),
	        C_DT("log_backup_time", true),
	        C_HEXLSN("log_backup_lsn"),
	        C_FLT("log_since_last_log_backup_mb"),
	        C_HEXLSN("log_checkpoint_lsn"),
	        C_HEXLSN("log_recovery_lsn"),
	        C_FLT("log_recovery_size_mb"),
	        C_BIG("recovery_vlf_count"),
	};
	struct evalenv env;
	struct lab_value v;
	struct sqldb *db;
	struct builder b;

	if (!catalog_is_function(n))
		return 0;
	memset(&env, 0, sizeof(env));
	if (n->arg && sqleval(c, &env, n->arg, &v))
		return -1;
	if (!n->arg || v.is_null)
		db = sqlexec_current_db(c);
	else
		db = v.type == LAB_T_INT || v.type == LAB_T_BIGINT || v.type == LAB_T_SMALLINT ||
		                     v.type == LAB_T_TINYINT
		             ? world_db_by_id(c->inst, (int32_t)v.i)
		             : NULL;
	catalog_start(&b, c, out, spec, sizeof(spec) / sizeof(spec[0]), 1);
	if (db)
		log_row(&b, db);
	return 1;
}
