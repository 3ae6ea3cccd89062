/*
 * observe_sql: the observation batch. One constant text per section,
 * each SELECT tagged by the name of its first column; the only values
 * that enter it (database names, the row limit) go through sqlquote. The
 * catalog views and msdb tables come from sqlserver-dr-facts.md section
 * 1; recovery LSNs and tblServerIdentity run as dynamic SQL last, so a
 * server (or the lab) that cannot answer them loses only those sets, and
 * a RESTORING chat database is never named in a compiled statement (927).
 * Each chat database (one per pool on the instance) gets its own
 * tblServerIdentity set, tagged with its name.
 */
#include <stdlib.h>

#include "providers/mssql/observe.h"
#include "providers/mssql/sqlquote.h"

static const char observe_fixed[] =
        "SET NOCOUNT ON;\n"
        "SELECT 0 AS pcdr_server, @@SERVERNAME AS server_name,\n"
        "  CAST(SERVERPROPERTY(N'ProductVersion') AS nvarchar(128)) AS product_version,\n"
        "  GETDATE() AS server_time;\n"
        "SELECT 0 AS pcdr_databases, d.database_id, d.name, d.state, d.state_desc,\n"
        "  d.is_in_standby, d.is_read_only, d.user_access_desc, d.recovery_model_desc\n"
        "FROM sys.databases AS d WHERE d.database_id > 4 ORDER BY d.name;\n"
        "SELECT 0 AS pcdr_mirroring, d.name, m.mirroring_role_desc, m.mirroring_state_desc,\n"
        "  m.mirroring_safety_level_desc, m.mirroring_partner_name, m.mirroring_partner_instance,\n"
        "  m.mirroring_witness_name, m.mirroring_witness_state_desc, m.mirroring_role_sequence,\n"
        "  m.mirroring_failover_lsn, m.mirroring_end_of_log_lsn\n"
        "FROM sys.database_mirroring AS m JOIN sys.databases AS d ON d.database_id = "
        "m.database_id\n"
        "WHERE m.mirroring_guid IS NOT NULL ORDER BY d.name;\n"
        "SELECT 0 AS pcdr_endpoints, e.name, e.role_desc, e.state_desc, e.is_encryption_enabled,\n"
        "  e.connection_auth_desc, e.encryption_algorithm_desc, t.port\n"
        "FROM sys.database_mirroring_endpoints AS e\n"
        "JOIN sys.tcp_endpoints AS t ON t.endpoint_id = e.endpoint_id;\n"
        "SELECT 0 AS pcdr_ls_primary, pd.primary_database, pd.backup_directory, pd.backup_share,\n"
        "  pd.backup_retention_period, pd.monitor_server, pd.last_backup_file, "
        "pd.last_backup_date,\n"
        "  bj.enabled AS backup_job_enabled, ps.secondary_server, ps.secondary_database\n"
        "FROM msdb.dbo.log_shipping_primary_databases AS pd\n"
        "LEFT JOIN msdb.dbo.log_shipping_primary_secondaries AS ps ON ps.primary_id = "
        "pd.primary_id\n"
        "LEFT JOIN msdb.dbo.sysjobs AS bj ON bj.job_id = pd.backup_job_id\n"
        "ORDER BY pd.primary_database, ps.secondary_server;\n"
        "SELECT 0 AS pcdr_ls_secondary, lsd.secondary_database, lss.primary_server,\n"
        "  lss.primary_database, lss.backup_source_directory, lss.backup_destination_directory,\n"
        "  lss.last_copied_file, lss.last_copied_date, lsd.restore_delay, lsd.restore_all,\n"
        "  lsd.restore_mode, lsd.disconnect_users, lsd.last_restored_file, "
        "lsd.last_restored_date,\n"
        "  cj.enabled AS copy_job_enabled, rj.enabled AS restore_job_enabled\n"
        "FROM msdb.dbo.log_shipping_secondary AS lss\n"
        "JOIN msdb.dbo.log_shipping_secondary_databases AS lsd ON lsd.secondary_id = "
        "lss.secondary_id\n"
        "LEFT JOIN msdb.dbo.sysjobs AS cj ON cj.job_id = lss.copy_job_id\n"
        "LEFT JOIN msdb.dbo.sysjobs AS rj ON rj.job_id = lss.restore_job_id\n"
        "ORDER BY lsd.secondary_database;\n"
        "SELECT 0 AS pcdr_ls_monitor_primary, primary_server, primary_database, backup_threshold,\n"
        "  last_backup_file, last_backup_date\n"
        "FROM msdb.dbo.log_shipping_monitor_primary ORDER BY primary_database;\n"
        "SELECT 0 AS pcdr_ls_monitor_secondary, secondary_server, secondary_database, "
        "primary_server,\n"
        "  primary_database, restore_threshold, last_copied_file, last_copied_date,\n"
        "  last_restored_file, last_restored_date, last_restored_latency\n"
        "FROM msdb.dbo.log_shipping_monitor_secondary ORDER BY secondary_database;\n"
        "SELECT 0 AS pcdr_sessions, d.name, COUNT(*) AS sessions\n"
        "FROM sys.dm_exec_sessions AS s JOIN sys.databases AS d ON d.database_id = s.database_id\n"
        "WHERE s.is_user_process = 1 AND s.session_id <> @@SPID AND d.database_id > 4\n"
        "GROUP BY d.name ORDER BY d.name;\n";

static const char observe_recovery[] =
        "SELECT 0 AS pcdr_recovery, d.name, rs.recovery_fork_guid, rs.first_recovery_fork_guid, "
        "rs.fork_point_lsn, rs.last_log_backup_lsn, mf.redo_start_lsn, mf.redo_start_fork_guid "
        "FROM sys.databases AS d "
        "LEFT JOIN sys.database_recovery_status AS rs ON rs.database_id = d.database_id "
        "LEFT JOIN sys.master_files AS mf ON mf.database_id = d.database_id AND mf.file_id = 1 "
        "WHERE d.database_id > 4 ORDER BY d.name;";

/* The end of each ONLINE database's log. sys.dm_db_log_stats exists from
 * SQL Server 2016 SP2; OBJECT_ID says whether this server has it (the lab
 * does not, and its OBJECT_ID is NULL for every system object). */
static const char observe_log_end[] =
        "SELECT 0 AS pcdr_log_end, d.name, ls.log_end_lsn FROM sys.databases AS d "
        "CROSS APPLY sys.dm_db_log_stats(d.database_id) AS ls "
        "WHERE d.database_id > 4 AND d.state = 0 ORDER BY d.name;";

static void observe_sql_backups(struct sqlquote *q, const struct mssql_observe_request *req)
{
	sqlquote_add(
	        q,
	        "SELECT TOP (%u) 0 AS pcdr_backups, bs.database_name, bs.type, bs.first_lsn,\n"
	        "  bs.last_lsn, bs.database_backup_lsn, bs.checkpoint_lsn, bs.backup_finish_date,\n"
	        "  bs.is_copy_only, bs.server_name, bs.first_recovery_fork_guid,\n"
	        "  bs.last_recovery_fork_guid, bs.fork_point_lsn, bmf.physical_device_name\n"
	        "FROM msdb.dbo.backupset AS bs\n"
	        "JOIN msdb.dbo.backupmediafamily AS bmf ON bmf.media_set_id = bs.media_set_id\n",
	        req->backup_rows ? req->backup_rows : 200u);
	for (size_t i = 0; i < req->n_databases; i++)
		sqlquote_add(q, i ? ", %L" : "WHERE bs.database_name IN (%L", req->databases[i]);
	if (req->n_databases)
		sqlquote_add(q, ")\n");
	sqlquote_add(q, "ORDER BY bs.backup_finish_date DESC, bs.backup_set_id DESC;\n");
}

/* The newest restores (what a RESTORING copy has applied, and from where). */
static void observe_sql_restores(struct sqlquote *q, const struct mssql_observe_request *req)
{
	sqlquote_add(q,
	             "SELECT TOP (%u) 0 AS pcdr_restores, rh.destination_database_name,\n"
	             "  rh.restore_date, rh.restore_type, rh.recovery, bs.type, bs.first_lsn,\n"
	             "  bs.last_lsn, bs.first_recovery_fork_guid, bs.last_recovery_fork_guid,\n"
	             "  bs.fork_point_lsn, bs.server_name, bmf.physical_device_name\n"
	             "FROM msdb.dbo.restorehistory AS rh\n"
	             "JOIN msdb.dbo.backupset AS bs ON bs.backup_set_id = rh.backup_set_id\n"
	             "LEFT JOIN msdb.dbo.backupmediafamily AS bmf ON bmf.media_set_id = "
	             "bs.media_set_id\n",
	             req->backup_rows ? req->backup_rows : 200u);
	for (size_t i = 0; i < req->n_databases; i++)
		sqlquote_add(q, i ? ", %L" : "WHERE rh.destination_database_name IN (%L",
		             req->databases[i]);
	if (req->n_databases)
		sqlquote_add(q, ")\n");
	sqlquote_add(q, "ORDER BY rh.restore_history_id DESC;\n");
}

int mssql_observe_batch(char **out, const struct mssql_observe_request *req)
{
	struct sqlquote q, inner;
	int error;

	*out = NULL;
	sqlquote_init(&q, 0);
	sqlquote_init(&inner, 0);
	sqlquote_add(&q, observe_fixed); /* constant text without directives */
	observe_sql_backups(&q, req);
	observe_sql_restores(&q, req);
	sqlquote_add(&q, "EXEC sys.sp_executesql %L;\n", observe_recovery);
	sqlquote_add(&q,
	             "IF OBJECT_ID(N'sys.dm_db_log_stats') IS NOT NULL\n"
	             "  EXEC sys.sp_executesql %L;\n",
	             observe_log_end);
	for (size_t i = 0; i <= req->n_more_chat_databases; i++) {
		const char *chat = i ? req->more_chat_databases[i - 1] : req->chat_database;

		if (!chat)
			continue;
		sqlquote_release(&inner);
		sqlquote_init(&inner, 0);
		sqlquote_add(
		        &inner,
		        "SELECT 0 AS pcdr_server_identity, serverID, serverAddress, "
		        "serverLastPingTime, %L AS chat_database FROM %I.dbo.tblServerIdentity "
		        "ORDER BY serverID;",
		        chat, chat);
		if ((error = sqlquote_error(&inner)) < 0)
			goto done;
		sqlquote_add(&q,
		             "IF EXISTS (SELECT 1 FROM sys.databases WHERE name = %L AND state = 0 "
		             "AND user_access = 0)\n"
		             "  EXEC sys.sp_executesql %L;\n",
		             chat, sqlquote_cstr(&inner));
	}
	if ((error = sqlquote_error(&q)) == 0)
		*out = sqlquote_detach(&q);
done:
	sqlquote_release(&inner);
	sqlquote_release(&q);
	return error;
}
