#!/usr/bin/env bash
# End-to-end: log shipping moving real data. A full backup of mgc on the
# primary restored WITH NORECOVERY on the secondary, log shipping
# configured with the procedures, a row written on the primary; the
# Agent's backup, copy and restore jobs (lab clock 600x) carry it over
# (.trn files in the share named like SQL Server's, copied to the copy
# folder, restored in order, monitor rows advancing); a log backup lost
# from the share stops the restore with 4305; and once log shipping is
# removed, RESTORE ... WITH RECOVERY shows the row on the secondary.
# A primary that is a database mirroring mirror backs nothing up and
# says so.
. "$TOP/tests/lib.sh"

TOPO="$TOP/examples/lab/topology.yaml"
SHARE='\\fs1.lab\pchat-ls'
P=sqla.dc1.lab
S=sqla.dc2.lab

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 60 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1
}

wait_for() { # INSTANCE QUERY REGEX: poll up to 15 s
	local i out
	for i in $(seq 1 75); do
		out=$(sql "$1" "$2")
		if printf '%s' "$out" | grep -qE -- "$3"; then
			printf '%s' "$out"
			return 0
		fi
		sleep 0.2
	done
	printf '%s' "$out"
	return 1
}

LAB_DIR="$TMP/lab"
"$PCDR_LAB" up --topology "$TOPO" --dir "$LAB_DIR" --clock-scale 600 >"$TMP/up.log" 2>&1 || {
	cat "$TMP/up.log"
	echo "not ok - lab did not start"
	exit 1
}
# shellcheck disable=SC1091
. "$LAB_DIR/env"
"$PCDR_LAB" --dir "$LAB_DIR" throughput 100000 >/dev/null

# --- initialize the secondary, configure ---------------------------------------------
like "$(sql $P "BACKUP DATABASE mgc TO DISK = N'$SHARE\mgc_full.bak' WITH INIT")" \
	"BACKUP DATABASE successfully processed" "full backup of the primary to the share"
like "$(sql $S "RESTORE DATABASE mgc FROM DISK = N'$SHARE\mgc_full.bak' WITH NORECOVERY")" \
	"RESTORE DATABASE successfully processed" "restored on the secondary WITH NORECOVERY"

sql $P "EXEC sp_add_log_shipping_primary_database @database = N'mgc', @backup_directory = N'$SHARE',
  @backup_share = N'$SHARE', @backup_job_name = N'LSBackup_mgc', @backup_retention_period = 4320
EXEC msdb.dbo.sp_add_jobschedule @job_name = N'LSBackup_mgc', @name = N'LSBackupSchedule',
  @freq_type = 4, @freq_interval = 1, @freq_subday_type = 4, @freq_subday_interval = 1
EXEC sp_add_log_shipping_primary_secondary @primary_database = N'mgc',
  @secondary_server = N'sqla.dc2.lab', @secondary_database = N'mgc'" >/dev/null
sql $S "EXEC sp_add_log_shipping_secondary_primary @primary_server = N'sqla.dc1.lab',
  @primary_database = N'mgc', @backup_source_directory = N'$SHARE',
  @backup_destination_directory = N'D:\LSCopy', @copy_job_name = N'LSCopy_mgc',
  @restore_job_name = N'LSRestore_mgc'
EXEC msdb.dbo.sp_add_jobschedule @job_name = N'LSCopy_mgc', @name = N'LSCopySchedule',
  @freq_type = 4, @freq_interval = 1, @freq_subday_type = 4, @freq_subday_interval = 1
EXEC msdb.dbo.sp_add_jobschedule @job_name = N'LSRestore_mgc', @name = N'LSRestoreSchedule',
  @freq_type = 4, @freq_interval = 1, @freq_subday_type = 4, @freq_subday_interval = 1
EXEC sp_add_log_shipping_secondary_database @secondary_database = N'mgc',
  @primary_server = N'sqla.dc1.lab', @primary_database = N'mgc'" >/dev/null
sql $P "INSERT INTO mgc.dbo.tblServerIdentity VALUES (77, N'net.tcp://shipped', GETUTCDATE())" >/dev/null
sql $P "EXEC msdb.dbo.sp_update_job @job_name = N'LSBackup_mgc', @enabled = 1" >/dev/null
sql $S "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_mgc', @enabled = 1
EXEC msdb.dbo.sp_update_job @job_name = N'LSRestore_mgc', @enabled = 1" >/dev/null

# --- the jobs move the log ------------------------------------------------------------
out=$(wait_for $P "SELECT last_backup_file FROM msdb.dbo.log_shipping_primary_databases" 'mgc_[0-9]{14}\.trn')
ok "$?" "the backup job records last_backup_file"
like "$out" 'pchat-ls\\mgc_[0-9]{14}\.trn' "backup files are named <db>_<yyyymmddhhmmss>.trn in the share"
ok "$(ls "$LAB_DIR/share" | grep -cE '^mgc_[0-9]{14}\.trn$' | awk '{ exit !($1 >= 1) }'; echo $?)" \
	"the .trn files are in the share folder"
like "$(sql $P "SELECT last_backup_file FROM msdb.dbo.log_shipping_monitor_primary")" 'mgc_[0-9]{14}\.trn' \
	"log_shipping_monitor_primary follows"
out=$(wait_for $S "SELECT last_restored_file FROM msdb.dbo.log_shipping_secondary_databases" 'LSCopy\\mgc_[0-9]{14}\.trn')
ok "$?" "the restore job records last_restored_file"
like "$(sql $S "SELECT last_copied_file, last_restored_latency FROM msdb.dbo.log_shipping_monitor_secondary")" \
	'LSCopy\\mgc_[0-9]{14}\.trn[[:space:]]+[0-9]+' "monitor: last copied file and restore latency"
like "$(sql $S "SELECT state_desc FROM sys.databases WHERE name = N'mgc'")" "RESTORING" \
	"the secondary stays RESTORING (NORECOVERY)"
like "$(sql $S "SELECT COUNT(*) AS n FROM msdb.dbo.restorehistory WHERE restore_type = 'L'")" \
	"(^|[[:space:]])[1-9][0-9]*([[:space:]]|$)" "restorehistory has the log restores"
first=$(sql $S "SELECT last_restored_file FROM msdb.dbo.log_shipping_secondary_databases" | grep -oE 'mgc_[0-9]{14}')
sleep 1
second=$(sql $S "SELECT last_restored_file FROM msdb.dbo.log_shipping_secondary_databases" | grep -oE 'mgc_[0-9]{14}')
ok "$([[ "$second" > "$first" ]] && echo 0 || echo 1)" "last_restored_file advances ($first -> $second)"

# --- a lost log backup: 4305 ------------------------------------------------------------
sql $S "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_mgc', @enabled = 0" >/dev/null
sleep 0.5
last=$(sql $S "SELECT last_copied_file FROM msdb.dbo.log_shipping_secondary" | grep -oE 'mgc_[0-9]{14}\.trn')
lost=""
for i in $(seq 1 50); do
	lost=$(ls "$LAB_DIR/share" | grep -E '^mgc_[0-9]{14}\.trn$' | sort | awk -v l="$last" '$0 > l' | head -1)
	n=$(ls "$LAB_DIR/share" | grep -E '^mgc_[0-9]{14}\.trn$' | sort | awk -v l="$last" '$0 > l' | wc -l)
	[ -n "$lost" ] && [ "$n" -ge 2 ] && break
	sleep 0.2
done
"$PCDR_LAB" --dir "$LAB_DIR" lose-file "$lost" >/dev/null
is "$?" 0 "lose the next log backup ($lost) from the share"
sql $S "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_mgc', @enabled = 1" >/dev/null
out=$(wait_for $S "SELECT TOP 1 message FROM msdb.dbo.sysjobhistory WHERE step_id = 1 AND run_status = 0" "Error 4305")
ok "$?" "the next restore fails with 4305 (log chain gap)"
like "$(sql $S "SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_monitor_error_detail WHERE agent_type = 2")" \
	"(^|[[:space:]])[1-9][0-9]*([[:space:]]|$)" "the restore error is in log_shipping_monitor_error_detail"

# --- break log shipping, recover: the row arrived ------------------------------------------
sql $S "EXEC sp_delete_log_shipping_secondary_database @secondary_database = N'mgc'" >/dev/null
like "$(sql $S "SELECT COUNT(*) AS n FROM msdb.dbo.sysjobs")" "(^|[[:space:]])0([[:space:]]|$)" \
	"deleting the secondary database deleted the copy and restore jobs"
sleep 0.3
like "$(sql $S "RESTORE DATABASE mgc WITH RECOVERY")" "RESTORE DATABASE successfully processed" \
	"RESTORE DATABASE mgc WITH RECOVERY"
like "$(sql $S "SELECT serverAddress FROM mgc.dbo.tblServerIdentity WHERE serverID = 77")" \
	"net\.tcp://shipped" "the row written on the primary is on the recovered secondary"

# --- a mirror's backup job does nothing ----------------------------------------------------
sql $P "EXEC sp_delete_log_shipping_primary_secondary @primary_database = N'mgc',
  @secondary_server = N'sqla.dc2.lab', @secondary_database = N'mgc'
EXEC sp_delete_log_shipping_primary_database @database = N'mgc'" >/dev/null
M=sqlb.dc1.lab
sql $P "BACKUP DATABASE mgc TO DISK = N'$SHARE\mgc_m.bak' WITH INIT
BACKUP LOG mgc TO DISK = N'$SHARE\mgc_m.trn' WITH INIT" >/dev/null
sql $M "RESTORE DATABASE mgc FROM DISK = N'$SHARE\mgc_m.bak' WITH NORECOVERY
RESTORE LOG mgc FROM DISK = N'$SHARE\mgc_m.trn' WITH NORECOVERY" >/dev/null
sql $M "CREATE ENDPOINT Mirroring STATE = STARTED AS TCP (LISTENER_PORT = 5022) FOR DATABASE_MIRRORING (ROLE = PARTNER)" >/dev/null
sql $P "CREATE ENDPOINT Mirroring STATE = STARTED AS TCP (LISTENER_PORT = 5022) FOR DATABASE_MIRRORING (ROLE = PARTNER)" >/dev/null
sql $M "ALTER DATABASE mgc SET PARTNER = N'TCP://sqla.dc1.lab:5022'" >/dev/null
out=$(sql $P "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc1.lab:5022'")
like "$(sql $M "SELECT mirroring_role_desc FROM sys.database_mirroring WHERE database_id = DB_ID(N'mgc')")" \
	"MIRROR" "sqlb.dc1.lab is the mirror of mgc ($(printf '%s' "$out" | grep -m1 Msg))"
sql $M "EXEC sp_add_log_shipping_primary_database @database = N'mgc', @backup_directory = N'$SHARE',
  @backup_share = N'$SHARE', @backup_job_name = N'LSBackup_mgc_mirror', @backup_retention_period = 4320
EXEC msdb.dbo.sp_update_job @job_name = N'LSBackup_mgc_mirror', @enabled = 1
EXEC msdb.dbo.sp_start_job @job_name = N'LSBackup_mgc_mirror'" >/dev/null
out=$(wait_for $M "SELECT run_status, message FROM msdb.dbo.sysjobhistory WHERE step_id = 1" "Skipping log backup")
ok "$?" "on the mirror the backup job skips and says so"
like "$out" "(^|[[:space:]])1[[:space:]]" "and succeeds"
like "$(sql $M "SELECT message FROM msdb.dbo.log_shipping_monitor_history_detail")" "mirror" \
	"log_shipping_monitor_history_detail records it"
like "$(sql $M "SELECT ISNULL(last_backup_file, N'none') AS f FROM msdb.dbo.log_shipping_primary_databases")" \
	"none" "no backup file was made"

done_testing
