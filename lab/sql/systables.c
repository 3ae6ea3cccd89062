/*
 * systables: the stored system tables a fresh instance starts with,
 * written as CREATE TABLE text and created through the lab's own parser:
 * msdb's backup/restore history, SQL Server Agent job tables and the log
 * shipping tables (empty until the next issue's procedures fill them),
 * and, in a database named mgc, the two Persistent Chat tables pcdr
 * observes: tblServerIdentity and tblChat. Column names, types and
 * nullability follow the documentation pages cited in lab/CONFORMANCE.md;
 * only a subset of msdb's columns is modelled (listed there).
 */
#include <string.h>
#include <strings.h>

#include "lab/sql/world.h"
#include "util/err.h"

static const char msdb_ddl[] =
        "CREATE TABLE dbo.backupset (backup_set_id int NOT NULL, media_set_id int NOT NULL,"
        " first_family_number tinyint NULL, last_family_number tinyint NULL,"
        " name nvarchar(128) NULL, description nvarchar(255) NULL, user_name nvarchar(128) NULL,"
        " software_major_version tinyint NULL, software_minor_version tinyint NULL,"
        " software_build_version smallint NULL, position int NULL, expiration_date datetime NULL,"
        " backup_start_date datetime NULL, backup_finish_date datetime NULL, type char(1) NULL,"
        " database_name nvarchar(128) NULL, server_name nvarchar(128) NULL,"
        " machine_name nvarchar(128) NULL, first_lsn numeric(25,0) NULL,"
        " last_lsn numeric(25,0) NULL, checkpoint_lsn numeric(25,0) NULL,"
        " database_backup_lsn numeric(25,0) NULL, database_creation_date datetime NULL,"
        " recovery_model nvarchar(60) NULL, has_incomplete_metadata bit NULL,"
        " is_copy_only bit NULL, is_force_offline bit NULL, begins_log_chain bit NULL,"
        " is_snapshot bit NULL, is_readonly bit NULL, is_damaged bit NULL,"
        " database_guid uniqueidentifier NULL, family_guid uniqueidentifier NULL,"
        " first_recovery_fork_guid uniqueidentifier NULL,"
        " last_recovery_fork_guid uniqueidentifier NULL, fork_point_lsn numeric(25,0) NULL,"
        " differential_base_lsn numeric(25,0) NULL, backup_size numeric(20,0) NULL,"
        " compressed_backup_size numeric(20,0) NULL);"
        "CREATE TABLE dbo.backupmediafamily (media_set_id int NOT NULL,"
        " family_sequence_number tinyint NOT NULL, media_family_id uniqueidentifier NULL,"
        " media_count int NULL, logical_device_name nvarchar(128) NULL,"
        " physical_device_name nvarchar(260) NULL, device_type tinyint NULL,"
        " physical_block_size int NULL, mirror tinyint NOT NULL);"
        "CREATE TABLE dbo.restorehistory (restore_history_id int NOT NULL,"
        " restore_date datetime NULL, destination_database_name nvarchar(128) NULL,"
        " user_name nvarchar(128) NULL, backup_set_id int NOT NULL, restore_type char(1) NULL,"
        " replace bit NULL, recovery bit NULL, restart bit NULL, stop_at datetime NULL,"
        " device_count tinyint NULL, stop_at_mark_name nvarchar(128) NULL,"
        " stop_before bit NULL);"
        "CREATE TABLE dbo.sysjobs (job_id uniqueidentifier NOT NULL,"
        " originating_server_id int NOT NULL, name sysname NOT NULL, enabled tinyint NOT NULL,"
        " description nvarchar(512) NULL, start_step_id int NOT NULL, category_id int NOT NULL,"
        " owner_sid varbinary(85) NOT NULL, notify_level_eventlog int NOT NULL,"
        " notify_level_email int NOT NULL, notify_level_netsend int NOT NULL,"
        " notify_level_page int NOT NULL, delete_level int NOT NULL,"
        " date_created datetime NOT NULL, date_modified datetime NOT NULL,"
        " version_number int NOT NULL);"
        "CREATE TABLE dbo.sysjobservers (job_id uniqueidentifier NOT NULL,"
        " server_id int NOT NULL, last_run_outcome tinyint NOT NULL,"
        " last_outcome_message nvarchar(4000) NULL, last_run_date int NOT NULL,"
        " last_run_time int NOT NULL, last_run_duration int NOT NULL);"
        "CREATE TABLE dbo.sysjobactivity (session_id int NOT NULL,"
        " job_id uniqueidentifier NOT NULL, run_requested_date datetime NULL,"
        " run_requested_source sysname NULL, queued_date datetime NULL,"
        " start_execution_date datetime NULL, last_executed_step_id int NULL,"
        " last_executed_step_date datetime NULL, stop_execution_date datetime NULL,"
        " job_history_id int NULL, next_scheduled_run_date datetime NULL);"
        "CREATE TABLE dbo.sysjobhistory (instance_id int NOT NULL,"
        " job_id uniqueidentifier NOT NULL, step_id int NOT NULL, step_name sysname NOT NULL,"
        " sql_message_id int NOT NULL, sql_severity int NOT NULL, message nvarchar(4000) NULL,"
        " run_status int NOT NULL, run_date int NOT NULL, run_time int NOT NULL,"
        " run_duration int NOT NULL, operator_id_emailed int NOT NULL,"
        " operator_id_netsent int NOT NULL, operator_id_paged int NOT NULL,"
        " retries_attempted int NOT NULL, server sysname NOT NULL);"
        "CREATE TABLE dbo.log_shipping_primary_databases (primary_id uniqueidentifier NOT NULL,"
        " primary_database sysname NOT NULL, backup_directory nvarchar(500) NULL,"
        " backup_share nvarchar(500) NULL, backup_retention_period int NULL,"
        " backup_job_id uniqueidentifier NULL, monitor_server sysname NULL,"
        " monitor_server_security_mode bit NULL, last_backup_file nvarchar(500) NULL,"
        " last_backup_date datetime NULL, user_specified_monitor bit NULL,"
        " backup_compression tinyint NULL);"
        "CREATE TABLE dbo.log_shipping_primary_secondaries (primary_id uniqueidentifier NOT NULL,"
        " secondary_server sysname NOT NULL, secondary_database sysname NOT NULL);"
        "CREATE TABLE dbo.log_shipping_monitor_primary (primary_id uniqueidentifier NOT NULL,"
        " primary_server sysname NOT NULL, primary_database sysname NOT NULL,"
        " backup_threshold int NULL, threshold_alert int NULL, threshold_alert_enabled bit NULL,"
        " last_backup_file nvarchar(500) NULL, last_backup_date datetime NULL,"
        " last_backup_date_utc datetime NULL, history_retention_period int NULL);"
        "CREATE TABLE dbo.log_shipping_secondary (secondary_id uniqueidentifier NOT NULL,"
        " primary_server sysname NOT NULL, primary_database sysname NOT NULL,"
        " backup_source_directory nvarchar(500) NULL,"
        " backup_destination_directory nvarchar(500) NULL, file_retention_period int NULL,"
        " copy_job_id uniqueidentifier NULL, restore_job_id uniqueidentifier NULL,"
        " monitor_server sysname NULL, monitor_server_security_mode bit NULL,"
        " user_specified_monitor bit NULL, last_copied_file nvarchar(500) NULL,"
        " last_copied_date datetime NULL);"
        "CREATE TABLE dbo.log_shipping_secondary_databases (secondary_database sysname NOT NULL,"
        " secondary_id uniqueidentifier NOT NULL, restore_delay int NULL, restore_all bit NULL,"
        " restore_mode bit NULL, disconnect_users bit NULL, block_size int NULL,"
        " buffer_count int NULL, max_transfer_size int NULL,"
        " last_restored_file nvarchar(500) NULL, last_restored_date datetime NULL);"
        "CREATE TABLE dbo.log_shipping_monitor_secondary (secondary_server sysname NOT NULL,"
        " secondary_database sysname NOT NULL, secondary_id uniqueidentifier NOT NULL,"
        " primary_server sysname NOT NULL, primary_database sysname NOT NULL,"
        " restore_threshold int NULL, threshold_alert int NULL,"
        " threshold_alert_enabled bit NULL, last_copied_file nvarchar(500) NULL,"
        " last_copied_date datetime NULL, last_copied_date_utc datetime NULL,"
        " last_restored_file nvarchar(500) NULL, last_restored_date datetime NULL,"
        " last_restored_date_utc datetime NULL, last_restored_latency int NULL,"
        " history_retention_period int NULL);"
        "CREATE TABLE dbo.log_shipping_monitor_error_detail (agent_id uniqueidentifier NOT NULL,"
        " agent_type tinyint NOT NULL, session_id int NULL, database_name sysname NULL,"
        " sequence_number int NULL, log_time datetime NULL, log_time_utc datetime NULL,"
        " message nvarchar(4000) NULL, source nvarchar(4000) NULL, help_url nvarchar(4000) NULL);"
        "CREATE TABLE dbo.log_shipping_monitor_history_detail (agent_id uniqueidentifier NOT NULL,"
        " agent_type tinyint NOT NULL, session_id int NULL, database_name sysname NULL,"
        " session_status tinyint NULL, log_time datetime NULL, log_time_utc datetime NULL,"
        " message nvarchar(4000) NULL);";

static const char mgc_ddl[] =
        "CREATE TABLE dbo.tblServerIdentity (serverID int NOT NULL,"
        " serverAddress nvarchar(256) NOT NULL, serverLastPingTime datetime NOT NULL);"
        "CREATE TABLE dbo.tblChat (channelId int NOT NULL, chatId bigint NOT NULL,"
        " chatDate bigint NOT NULL, userId int NOT NULL, isAlert bit NOT NULL,"
        " content nvarchar(max) NOT NULL, rtf varchar(max) NULL);";

int world_run_ddl(struct sqldb *db, const char *ddl)
{
	struct arena a = ARENA_INIT;
	struct sqlbatch b;
	struct sqlerr e;
	int rc = 0;

	memset(&e, 0, sizeof(e));
	if (sqlparse_batch(&b, ddl, strlen(ddl), &a, &e)) {
		rc = err_set(ERR_GENERIC, "system table definition: %s", e.text);
		goto done;
	}
	for (size_t i = 0; i < b.n; i++) {
		const struct sqlstmt *st = b.stmts[i];

		if (st->kind != ST_CREATE_TABLE ||
		    world_table_find(db, st->obj.schema, st->obj.name))
			continue;
		world_table_create(db, st->obj.schema, st->obj.name, st->cols, st->n_cols);
	}
done:
	arena_release(&a);
	return rc;
}

int systables_install(struct sqldb *db)
{
	if (strcasecmp(db->name, "msdb") == 0)
		return world_run_ddl(db, msdb_ddl);
	if (strcasecmp(db->name, "mgc") == 0)
		return world_run_ddl(db, mgc_ddl);
	return 0;
}
