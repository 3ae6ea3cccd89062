/*
 * catalog_files: the views about connections and a database's files and
 * recovery fork: sys.dm_exec_connections (one row per live session; the
 * lab speaks TCP without TLS, so encrypt_option is FALSE),
 * sys.database_recovery_status (database and family GUIDs, recovery
 * forks, last log backup LSN) and sys.master_files (one ROWS and one LOG
 * file per database, with the redo start LSN and fork while RESTORING).
 * A documented subset of each view's columns; values come from live
 * engine state at query time. Sizes are derived from the topology's
 * size_mb; physical names follow SQL Server's default data folder.
 */
#include <stdio.h>
#include <string.h>

#include "lab/sql/catalog.h"
#include "lab/sql/dblog.h"
#include "lab/sql/value.h"

void catalog_put_guid(struct builder *b, const uint8_t g[16])
{
	b->row[b->k] = sqlval_null(LAB_T_UNIQUEIDENTIFIER);
	b->row[b->k].is_null = false;
	memcpy(b->row[b->k].guid, g, 16);
	b->k++;
}

void catalog_connections(struct sqlctx *c, struct rowset *rs)
{
	static const struct colspec spec[] = {
	        C_INT("session_id", true),
	        C_INT("most_recent_session_id", true),
	        C_DT("connect_time", false),
	        {"net_transport", LAB_T_NVARCHAR, 40, 0, 0, false},
	        {"protocol_type", LAB_T_NVARCHAR, 40, 0, 0, true},
	        C_INT("protocol_version", true),
	        C_INT("endpoint_id", true),
	        {"encrypt_option", LAB_T_NVARCHAR, 40, 0, 0, false},
	        {"auth_scheme", LAB_T_NVARCHAR, 40, 0, 0, false},
	        C_INT("net_packet_size", true),
	        {"client_net_address", LAB_T_VARCHAR, 48, 0, 0, true},
	        C_INT("client_tcp_port", true),
	        {"local_net_address", LAB_T_VARCHAR, 48, 0, 0, true},
	        C_INT("local_tcp_port", true),
	        {"connection_id", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, false},
	};
	struct builder b;

	catalog_start(&b, c, rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->sessions.len);
	for (size_t i = 0; i < c->inst->sessions.len; i++) {
		const struct lab_session *s = c->inst->sessions.items[i];
		uint8_t id[16] = {0};

		if (!c->s->sysadmin && s != c->s)
			continue;
		memcpy(id, &s->spid, sizeof(s->spid));
		memcpy(id + 8, &s->login_us, sizeof(s->login_us));
		catalog_row(&b);
		catalog_put_int(&b, s->spid);
		catalog_put_int(&b, s->spid);
		catalog_put_time(&b, s->login_us);
		catalog_put_text(&b, "TCP");
		catalog_put_text(&b, "TSQL");
		catalog_put_int(&b, (int32_t)s->tds_version);
		catalog_put_int(&b, 4);
		catalog_put_text(&b, "FALSE");
		catalog_put_text(&b, "SQL");
		catalog_put_int(&b, s->packet_size ? (int32_t)s->packet_size : 4096);
		b.row[b.k++] = sqlval_cstr(c->a, "127.0.0.1");
		b.row[b.k - 1].type = LAB_T_VARCHAR;
		catalog_put_null(&b);
		b.row[b.k++] = sqlval_cstr(c->a, "127.0.0.1");
		b.row[b.k - 1].type = LAB_T_VARCHAR;
		catalog_put_null(&b);
		catalog_put_guid(&b, id);
	}
}

void catalog_recovery_status(struct sqlctx *c, struct rowset *rs)
{
	static const struct colspec spec[] = {
	        C_INT("database_id", false),
	        {"database_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        {"family_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        C_LSN("last_log_backup_lsn"),
	        {"recovery_fork_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        {"first_recovery_fork_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        C_LSN("fork_point_lsn"),
	};
	struct builder b;

	catalog_start(&b, c, rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->dbs.len);
	for (size_t i = 0; i < c->inst->dbs.len; i++) {
		const struct sqldb *db = c->inst->dbs.items[i];
		const struct sqlrecovery *r = &db->recovery;

		catalog_row(&b);
		catalog_put_int(&b, db->id);
		if (db->state != DB_ONLINE) {
			b.k = b.rs->n_cols; /* NULL while the database is not started */
			continue;
		}
		catalog_put_guid(&b, r->database_guid);
		catalog_put_guid(&b, r->family_guid);
		catalog_put_lsn(&b, r->last_log_backup_lsn);
		catalog_put_guid(&b, r->recovery_fork_guid);
		catalog_put_guid(&b, r->first_recovery_fork_guid);
		catalog_put_lsn(&b, r->fork_point_lsn);
	}
}

static void file_row(struct builder *b, const struct sqldb *db, bool log)
{
	static const char *const state_desc[] = {"ONLINE",           "RESTORING", "RECOVERING",
	                                         "RECOVERY_PENDING", "SUSPECT",   "ONLINE",
	                                         "OFFLINE"};
	const struct sqlrecovery *r = &db->recovery;
	char name[300], path[600], redo_lsn[40];
	uint64_t redo;
	uint8_t redo_fork[16];
	int64_t pages = (int64_t)(db->size_mb ? db->size_mb : 8) * 128;

	snprintf(name, sizeof(name), "%s%s", db->name, log ? "_log" : "");
	snprintf(path, sizeof(path),
	         "C:\\Program Files\\Microsoft SQL Server\\MSSQL13.MSSQLSERVER\\MSSQL\\DATA\\%s%s",
	         db->name, log ? "_log.ldf" : ".mdf");
	catalog_row(b);
	catalog_put_int(b, db->id);
	catalog_put_int(b, log ? 2 : 1);
	catalog_put_guid(b, log ? r->log_file_guid : r->data_file_guid);
	catalog_put_int(b, log ? 1 : 0);
	catalog_put_text(b, log ? "LOG" : "ROWS");
	catalog_put_int(b, log ? 0 : 1);
	catalog_put_text(b, name);
	catalog_put_text(b, path);
	catalog_put_int(b, db->state < 7 ? db->state : 6);
	catalog_put_text(b, state_desc[db->state < 7 ? db->state : 6]);
	catalog_put_int(b, log ? pages / 4 : pages);
	catalog_put_int(b, log ? 268435456 : -1);
	catalog_put_int(b, log ? 10 : 8192);
	catalog_put_int(b, db->is_read_only);
	catalog_put_int(b, log ? 1 : 0);
	catalog_put_null(b); /* create_lsn */
	catalog_put_null(b); /* differential_base_lsn */
	catalog_put_null(b); /* differential_base_guid */
	/* NULL unless RESTORING; the (LSN, fork) pair the next roll forward
	 * starts from, NULL when the files' state is unknown */
	if (db->state == DB_RESTORING && dblog_redo_start(db, &redo, redo_fork)) {
		lsn_format(redo_lsn, sizeof(redo_lsn), redo);
		catalog_put_lsn(b, redo_lsn);
		catalog_put_guid(b, redo_fork);
	} else {
		catalog_put_null(b);
		catalog_put_null(b);
	}
	catalog_put_null(b); /* backup_lsn */
}

void catalog_master_files(struct sqlctx *c, struct rowset *rs)
{
	static const struct colspec spec[] = {
	        C_INT("database_id", false),
	        C_INT("file_id", false),
	        {"file_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        C_TINY("type", false),
	        C_DESC("type_desc"),
	        C_INT("data_space_id", false),
	        C_SYSNAME("name", false),
	        {"physical_name", LAB_T_NVARCHAR, 260, 0, 0, false},
	        C_TINY("state", true),
	        C_DESC("state_desc"),
	        C_INT("size", false),
	        C_INT("max_size", false),
	        C_INT("growth", false),
	        C_BIT("is_read_only", true),
	        C_BIT("is_percent_growth", false),
	        C_LSN("create_lsn"),
	        C_LSN("differential_base_lsn"),
	        {"differential_base_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        C_LSN("redo_start_lsn"),
	        {"redo_start_fork_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        C_LSN("backup_lsn"),
	};
	struct builder b;

	catalog_start(&b, c, rs, spec, sizeof(spec) / sizeof(spec[0]), 2 * c->inst->dbs.len);
	for (size_t i = 0; i < c->inst->dbs.len; i++) {
		file_row(&b, c->inst->dbs.items[i], false);
		file_row(&b, c->inst->dbs.items[i], true);
	}
}
