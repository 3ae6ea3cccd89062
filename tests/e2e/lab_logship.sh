#!/usr/bin/env bash
# End-to-end: log shipping configured by hand with the system procedures,
# in Microsoft's order (configure-log-shipping-sql-server.md), against a
# lab on a fast clock (--clock-scale 600: a lab minute every 100 ms), seen
# through tsql: return codes and OUTPUT parameters, msdb rows, jobs
# created disabled, errors for bad parameters, the Agent running the
# enabled jobs on their schedules (sysjobhistory, sysjobactivity,
# monitor rows), sp_start_job, the copy job failing across a partition
# and succeeding after heal, and removal (the last secondary database
# takes the copy and restore jobs with it). The full backup -> copy ->
# restore chain over real BACKUP/RESTORE is lab_logship_chain.sh.
. "$TOP/tests/lib.sh"

TOPO="$TOP/examples/lab/topology.yaml"
SHARE='\\fs1.lab\pchat-ls'

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1
}

# wait_for INSTANCE QUERY REGEX: poll (up to 10 s) until the output matches
wait_for() {
	local i out
	for i in $(seq 1 50); do
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
P=sqla.dc1.lab
S=sqla.dc2.lab

# --- primary: sp_add_log_shipping_primary_database ----------------------------------
out=$(sql $P "DECLARE @job uniqueidentifier, @pid uniqueidentifier, @rc int
EXEC @rc = master.dbo.sp_add_log_shipping_primary_database @database = N'mgc',
  @backup_directory = N'$SHARE', @backup_share = N'$SHARE',
  @backup_job_name = N'LSBackup_mgc', @backup_retention_period = 4320,
  @backup_threshold = 60, @history_retention_period = 5760,
  @backup_job_id = @job OUTPUT, @primary_id = @pid OUTPUT, @overwrite = 1
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc,
  CASE WHEN @job IS NOT NULL AND @pid IS NOT NULL THEN 'ids=yes' ELSE 'ids=no' END AS ids")
like "$out" "rc=0" "primary database added: return code 0"
like "$out" "ids=yes" "primary database added: @backup_job_id and @primary_id OUTPUT"
like "$(sql $P "SELECT name, enabled FROM msdb.dbo.sysjobs")" "LSBackup_mgc[[:space:]]+0" \
	"the backup job is created disabled"
like "$(sql $P "SELECT primary_database, backup_retention_period FROM msdb.dbo.log_shipping_primary_databases")" \
	"mgc[[:space:]]+4320" "log_shipping_primary_databases has the row"
like "$(sql $P "SELECT primary_server, backup_threshold FROM msdb.dbo.log_shipping_monitor_primary")" \
	"sqla\.dc1\.lab[[:space:]]+60" "log_shipping_monitor_primary has the row"

out=$(sql $P "DECLARE @rc int
EXEC @rc = sp_add_log_shipping_primary_database @database = N'mgc', @backup_directory = N'$SHARE',
  @backup_share = N'$SHARE', @backup_job_name = N'LSBackup_mgc', @backup_retention_period = 1
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
like "$out" "Msg 32009" "adding it twice: 32009"
like "$out" "rc=1" "adding it twice: return code 1"
out=$(sql $P "EXEC sp_add_log_shipping_primary_database @database = N'tempdb', @backup_directory = N'x',
  @backup_share = N'x', @backup_job_name = N'LSBackup_tempdb', @backup_retention_period = 1")
like "$out" "Msg 32015" "a SIMPLE database cannot be a primary: 32015"
like "$(sql $P "EXEC sp_add_log_shipping_primary_database @database = N'mgc'")" "Msg 201" \
	"a missing parameter: 201"

out=$(sql $P "EXEC msdb.dbo.sp_add_jobschedule @job_name = N'LSBackup_mgc', @name = N'LSBackupSchedule',
  @enabled = 1, @freq_type = 4, @freq_interval = 1, @freq_subday_type = 4, @freq_subday_interval = 1,
  @active_start_time = 0, @active_end_time = 235900")
unlike "$out" "Msg " "the backup job gets a schedule"

# --- secondary: sp_add_log_shipping_secondary_primary / _secondary_database ---------
sql $S "CREATE DATABASE mgc" >/dev/null
out=$(sql $S "DECLARE @c uniqueidentifier, @r uniqueidentifier, @s uniqueidentifier, @rc int
EXEC @rc = master.dbo.sp_add_log_shipping_secondary_primary @primary_server = N'sqla.dc1.lab',
  @primary_database = N'mgc', @backup_source_directory = N'$SHARE',
  @backup_destination_directory = N'D:\LSCopy', @copy_job_name = N'LSCopy_sqla.dc1.lab_mgc',
  @restore_job_name = N'LSRestore_sqla.dc1.lab_mgc', @file_retention_period = 4320,
  @copy_job_id = @c OUTPUT, @restore_job_id = @r OUTPUT, @secondary_id = @s OUTPUT
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc,
  CASE WHEN @c IS NOT NULL AND @r IS NOT NULL AND @s IS NOT NULL THEN 'ids=yes' ELSE 'ids=no' END AS ids")
like "$out" "rc=0" "secondary primary added: return code 0"
like "$out" "ids=yes" "copy, restore job and secondary ids come back OUTPUT"
out=$(sql $S "SELECT name, enabled FROM msdb.dbo.sysjobs ORDER BY name")
like "$out" "LSCopy_sqla\.dc1\.lab_mgc[[:space:]]+0" "the copy job is created disabled"
like "$out" "LSRestore_sqla\.dc1\.lab_mgc[[:space:]]+0" "the restore job is created disabled"
for j in LSCopy LSRestore; do
	sql $S "EXEC msdb.dbo.sp_add_jobschedule @job_name = N'${j}_sqla.dc1.lab_mgc', @name = N'${j}Schedule',
  @freq_type = 4, @freq_interval = 1, @freq_subday_type = 4, @freq_subday_interval = 1" >/dev/null
done
out=$(sql $S "EXEC master.dbo.sp_add_log_shipping_secondary_database @secondary_database = N'mgc',
  @primary_server = N'sqla.dc9.lab', @primary_database = N'mgc'")
like "$out" "Msg 32023" "a secondary database of an unregistered primary: 32023"
out=$(sql $S "DECLARE @rc int
EXEC @rc = master.dbo.sp_add_log_shipping_secondary_database @secondary_database = N'mgc',
  @primary_server = N'sqla.dc1.lab', @primary_database = N'mgc', @restore_delay = 0,
  @restore_mode = 0, @disconnect_users = 0, @restore_threshold = 45
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
like "$out" "rc=0" "secondary database added: return code 0"
like "$(sql $S "SELECT secondary_database, restore_threshold FROM msdb.dbo.log_shipping_monitor_secondary")" \
	"mgc[[:space:]]+45" "log_shipping_monitor_secondary has the row"
like "$(sql $S "SELECT lss.primary_server, lsd.secondary_database, sj1.name, sj2.name
FROM msdb.dbo.log_shipping_secondary AS lss
JOIN msdb.dbo.log_shipping_secondary_databases AS lsd ON lsd.secondary_id = lss.secondary_id
JOIN msdb.dbo.sysjobs AS sj1 ON sj1.job_id = lss.copy_job_id
JOIN msdb.dbo.sysjobs AS sj2 ON sj2.job_id = lss.restore_job_id")" \
	"sqla\.dc1\.lab[[:space:]]+mgc[[:space:]]+LSCopy" "dbatools' recovery query finds the configuration"

out=$(sql $P "DECLARE @rc int
EXEC @rc = sp_add_log_shipping_primary_secondary @primary_database = N'mgc',
  @secondary_server = N'sqla.dc2.lab', @secondary_database = N'mgc'
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
like "$out" "rc=0" "primary learns its secondary: return code 0"

# --- OUTPUT parameters over RPC (RETURNVALUE), as a driver calls a procedure ---------
out=$(/usr/bin/python3 - "$(awk -v n=$P '$1 == n { print $2 }' "$LAB_DIR/ports")" \
	"$PCDR_SQL_USER" "$PCDR_SQL_PASSWORD" <<'EOF' 2>&1
import sys, pytds
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with pytds.connect('127.0.0.1', port=port, user=user, password=pw, autocommit=True) as c:
    cur = c.cursor()
    r = cur.callproc('msdb.dbo.sp_add_job',
                     ('rpc_probe', 1, None, None, None, None, None, None, None, None, None,
                      None, None, None, None, pytds.output(param_type='uniqueidentifier')))
    print('rc', cur.return_value, 'job_id', r[15])
EOF
)
like "$out" "rc 0 job_id [0-9a-f]{8}-" "RPC: sp_add_job returns @job_id as a RETURNVALUE"
sql $P "EXEC msdb.dbo.sp_delete_job @job_name = N'rpc_probe'" >/dev/null

# --- the Agent runs the enabled jobs on the lab clock ------------------------------
sql $P "EXEC msdb.dbo.sp_update_job @job_name = N'LSBackup_mgc', @enabled = 1" >/dev/null
like "$(sql $P "SELECT enabled FROM msdb.dbo.sysjobs")" "(^|[[:space:]])1([[:space:]]|$)" "sp_update_job enables the backup job"
out=$(wait_for $P "SELECT COUNT(*) AS n FROM msdb.dbo.sysjobhistory WHERE step_id = 0" "^[[:space:]]*[2-9][0-9]*[[:space:]]*$")
ok "$?" "the backup job runs on its schedule (sysjobhistory step 0 rows)"
like "$(sql $P "SELECT TOP 1 message FROM msdb.dbo.sysjobhistory WHERE step_id = 0")" \
	"The Job was invoked by Schedule [0-9]+ \(LSBackupSchedule\)" "the outcome row says the schedule invoked it"
like "$(sql $P "SELECT COUNT(*) AS n FROM msdb.dbo.sysjobactivity WHERE stop_execution_date IS NOT NULL")" \
	"(^|[[:space:]])1([[:space:]]|$)" "sysjobactivity has the run's stop_execution_date"
like "$(sql $P "SELECT COUNT(*) AS n FROM master.dbo.sysprocesses WHERE program_name LIKE 'SQLAgent%'")" \
	"(^|[[:space:]])[1-9]([[:space:]]|$)" "the Agent has a session (dbatools' running check)"

out=$(sql $S "EXEC msdb.dbo.sp_start_job @job_name = N'LSCopy_sqla.dc1.lab_mgc'")
like "$out" "Job 'LSCopy_sqla\.dc1\.lab_mgc' started successfully\." "sp_start_job: 14243"
like "$(sql $S "EXEC msdb.dbo.sp_start_job @job_name = N'nope'")" "Msg 14262" "sp_start_job of an unknown job: 14262"
like "$(sql $S "EXEC msdb.dbo.sp_help_job @job_name = N'LSCopy_sqla.dc1.lab_mgc', @job_aspect = N'JOB'")" \
	"LSCopy_sqla\.dc1\.lab_mgc" "sp_help_job reports the job"

# --- copy across a partition ---------------------------------------------------------
stamp=$(date -u +%Y%m%d%H%M%S)
printf 'not a real backup\n' >"$LAB_DIR/share/mgc_${stamp}.trn"
"$PCDR_LAB" --dir "$LAB_DIR" partition dc1 dc2 >/dev/null
sql $S "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_sqla.dc1.lab_mgc', @enabled = 1" >/dev/null
out=$(wait_for $S "SELECT message FROM msdb.dbo.log_shipping_monitor_error_detail WHERE agent_type = 1" "network path was not found")
ok "$?" "while dc2 is cut from the share the copy job fails"
ok "$([ -e "$LAB_DIR/disks/sqla.dc2.lab/D/LSCopy/mgc_${stamp}.trn" ] && echo 1 || echo 0)" \
	"nothing was copied across the cut"
"$PCDR_LAB" --dir "$LAB_DIR" heal >/dev/null
out=$(wait_for $S "SELECT last_copied_file FROM msdb.dbo.log_shipping_secondary" "mgc_${stamp}\.trn")
ok "$?" "after heal the copy job copies the new file (last_copied_file)"
ok "$([ -e "$LAB_DIR/disks/sqla.dc2.lab/D/LSCopy/mgc_${stamp}.trn" ] && echo 0 || echo 1)" \
	"the file is in the copy folder"
like "$(sql $S "SELECT last_copied_file FROM msdb.dbo.log_shipping_monitor_secondary")" "mgc_${stamp}\.trn" \
	"log_shipping_monitor_secondary has the last copied file"

out=$(sql $S "EXEC master.dbo.sp_help_log_shipping_monitor")
like "$out" "sqla\.dc2\.lab[[:space:]]+mgc" "sp_help_log_shipping_monitor lists the secondary"

# --- removal, Microsoft's order --------------------------------------------------------
out=$(sql $P "EXEC sp_delete_log_shipping_primary_database @database = N'mgc'")
like "$out" "Msg 32011" "a primary with secondaries cannot be deleted: 32011"
sql $P "EXEC sp_delete_log_shipping_primary_secondary @primary_database = N'mgc',
  @secondary_server = N'sqla.dc2.lab', @secondary_database = N'mgc'" >/dev/null
out=$(sql $S "DECLARE @rc int
EXEC @rc = master.dbo.sp_delete_log_shipping_secondary_database @secondary_database = N'mgc'
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
like "$out" "rc=0" "the secondary database is removed"
like "$(sql $S "SELECT COUNT(*) AS n FROM msdb.dbo.sysjobs WHERE name LIKE 'LS%'")" "(^|[[:space:]])0([[:space:]]|$)" \
	"removing the last secondary database deleted the copy and restore jobs"
like "$(sql $S "SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_secondary")" "(^|[[:space:]])0([[:space:]]|$)" \
	"and the log_shipping_secondary row"
like "$(sql $S "EXEC sp_delete_log_shipping_secondary_database @secondary_database = N'mgc'")" "Msg 32014" \
	"removing it again: 32014"
sql $P "EXEC sp_delete_log_shipping_primary_database @database = N'mgc'" >/dev/null
like "$(sql $P "SELECT COUNT(*) AS n FROM msdb.dbo.sysjobs")" "(^|[[:space:]])0([[:space:]]|$)" \
	"removing the primary deleted the backup job"

done_testing
