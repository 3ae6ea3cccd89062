# tests/e2e/lab_drill.bash: what the lab drills share (sourced, never run
# by itself: tests/run runs *.sh only): the lab world at a 60x clock, T-SQL
# through the db-lib client, the pool, chat and ledger helpers, and the
# set-up steps (mirroring, log shipping) that the runbook prescribes.
. "$TOP/tests/lib.sh"

TOPO="$TOP/examples/lab/topology.yaml"
SHARE='\\fs1.lab\pchat-ls'
SCALE=60
P=sqla.dc1.lab
M=sqlb.dc1.lab
S=sqla.dc2.lab

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 60 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1 |
		grep -v '^locale\|^using default'
}
lab() { "$PCDR_LAB" --dir "$LAB_DIR" "$@"; }
err() { printf '%s' "$1" | grep -E 'Msg [0-9]+ \(severity 1[1-9]' | head -3; }

wait_for() { # INSTANCE QUERY REGEX: poll up to 15 s
	local out
	for _ in $(seq 1 75); do
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

ledger() { grep -v '^#' "$LAB_DIR/ledger"; }
# lab_now INSTANCE: the lab clock now, as the instance shows it
lab_now() {
	sql "$1" "SELECT CONVERT(varchar(30), SYSUTCDATETIME(), 126) AS t" | grep -oE '^[0-9]{4}-[0-9T:.-]+'
}
# tail_check T NLOST INSTANCE: the lost messages are exactly the unshipped
# tail. T is a lab-clock time (the last shipped backup's start), compared
# with the ledger's LAB-AT (field 7). A message committed just before the
# backup's start but acknowledged just after it is shipped: the boundary
# is exact up to the acknowledgement latency, GRACE (50 ms of real time,
# 3 s of lab time at the 60x clock). So: every message dc1 acknowledged
# at or after T+GRACE is absent from the authority, and NLOST lies
# between the counts after T+GRACE and after T.
GRACE_US=$((50000 * SCALE))
tail_check() {
	local t=$1 nlost=$2 tg n_t n_tg ids present
	tg=$(python3 -c 'import sys, datetime as d
t = d.datetime.strptime(sys.argv[1].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f") + d.timedelta(microseconds=int(sys.argv[2]))
print(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$t" "$GRACE_US")
	n_t=$(ledger | awk -F'\t' -v t="$t" '$7 >= t && $4 == "sqla.dc1.lab"' | grep -c .)
	n_tg=$(ledger | awk -F'\t' -v t="$tg" '$7 >= t && $4 == "sqla.dc1.lab"' | grep -c .)
	ids=$(ledger | awk -F'\t' -v t="$tg" '$7 >= t && $4 == "sqla.dc1.lab" { print $1 }' | paste -sd, -)
	present=$(sql "$3" "SELECT COUNT(*) AS n FROM mgc.dbo.tblChat WHERE chatId IN (${ids:-0})" |
		grep -oE '^[[:space:]]*[0-9]+[[:space:]]*$' | tr -d '[:space:]')
	is "$present" 0 "none of the $n_tg messages dc1 acknowledged after the backup (+50 ms) is on $3"
	ok "$([ "$nlost" -ge "$n_tg" ] && [ "$nlost" -le "$n_t" ] && echo 0 || echo 1)" \
		"lost $nlost = the messages acknowledged after the backup's time ($n_t; $((n_t - n_tg)) within 50 ms of it)"
}
# lsn_check L OUT: verify by LSN. L is the LastLSN of the last log backup
# that reached the authority: the messages at or after it (ledger field
# 6) may be lost, nothing before it. Passes with L; fails with the LSN
# just after the first lost message's (one too late); OUT is verify's
# output without an allowance.
lsn_check() {
	local l=$1 out=$2 first late n_after
	out=$(lab verify --allow-loss-after "$l")
	is "$?" 0 "verify --allow-loss-after LSN $l (the last restored log's LastLSN) passes"
	like "$out" "lost but allowed \(acknowledged at or after LSN $l\): [1-9]" "... allowing the tail by LSN"
	n_after=$(ledger | awk -F'\t' -v l="$l" 'length($6) > length(l) || (length($6) == length(l) && $6 >= l)' | grep -c .)
	ok "$([ "$n_after" -gt 0 ] && echo 0 || echo 1)" "messages were acknowledged at or after that LSN ($n_after)"
	first=$(printf '%s\n' "$2" | sed -n 's/^lost: //p' | tr ' ' '\n' | grep -E '^[0-9]+$' | head -1)
	first=$(ledger | awk -F'\t' -v id="$first" '$1 == id { print $6 }' | head -1)
	late=$(python3 -c 'import sys; print(int(sys.argv[1]) + 1)' "$first")
	lab verify --allow-loss-after "$late" >/dev/null
	is "$?" 1 "verify --allow-loss-after a later LSN ($late, after a lost message's) fails"
}
# acked_since LABTIME: ids in the ledger acknowledged at or after it (lab clock)
acked_since() { ledger | awk -F'\t' -v t="$1" '$7 >= t { print $1 }' | sort; }

LAB_DIR="$TMP/lab"
"$PCDR_LAB" up --topology "$TOPO" --dir "$LAB_DIR" --clock-scale $SCALE >"$TMP/up.log" 2>&1 || {
	cat "$TMP/up.log"
	echo "not ok - lab did not start"
	exit 1
}
# shellcheck disable=SC1091
. "$LAB_DIR/env"
lab throughput 100000 >/dev/null

EP="CREATE ENDPOINT Mirroring STATE = STARTED AS TCP (LISTENER_PORT = 5022)
    FOR DATABASE_MIRRORING (ROLE = PARTNER)"
MSTATE="SELECT m.mirroring_role_desc + ' ' + m.mirroring_state_desc AS s
    FROM sys.database_mirroring AS m WHERE m.database_id = DB_ID(N'mgc')"
SCHED="@freq_type = 4, @freq_interval = 1, @freq_subday_type = 4, @freq_subday_interval = 1"

# logship PRIMARY SECONDARY: configure log shipping of mgc with the
# procedures (configure-log-shipping-sql-server.md order), jobs enabled
logship() {
	local p=$1 s=$2 out
	out=$(sql "$p" "DECLARE @rc int
EXEC @rc = master.dbo.sp_add_log_shipping_primary_database @database = N'mgc',
  @backup_directory = N'$SHARE', @backup_share = N'$SHARE',
  @backup_job_name = N'LSBackup_mgc', @backup_retention_period = 4320, @overwrite = 1
EXEC msdb.dbo.sp_add_jobschedule @job_name = N'LSBackup_mgc', @name = N'LSBackupSchedule', $SCHED
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
	like "$out" "rc=0" "$p: sp_add_log_shipping_primary_database returns 0 $(err "$out")"
	out=$(sql "$s" "DECLARE @rc int
EXEC @rc = master.dbo.sp_add_log_shipping_secondary_primary @primary_server = N'$p',
  @primary_database = N'mgc', @backup_source_directory = N'$SHARE',
  @backup_destination_directory = N'D:\LSCopy', @copy_job_name = N'LSCopy_mgc',
  @restore_job_name = N'LSRestore_mgc', @file_retention_period = 4320, @overwrite = 1
EXEC msdb.dbo.sp_add_jobschedule @job_name = N'LSCopy_mgc', @name = N'LSCopySchedule', $SCHED
EXEC msdb.dbo.sp_add_jobschedule @job_name = N'LSRestore_mgc', @name = N'LSRestoreSchedule', $SCHED
EXEC @rc = master.dbo.sp_add_log_shipping_secondary_database @secondary_database = N'mgc',
  @primary_server = N'$p', @primary_database = N'mgc', @restore_delay = 0,
  @restore_mode = 0, @disconnect_users = 0, @overwrite = 1
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
	like "$out" "rc=0" "$s: secondary_primary and secondary_database added $(err "$out")"
	out=$(sql "$p" "DECLARE @rc int
EXEC @rc = master.dbo.sp_add_log_shipping_primary_secondary @primary_database = N'mgc',
  @secondary_server = N'$s', @secondary_database = N'mgc', @overwrite = 1
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
	like "$out" "rc=0" "$p: sp_add_log_shipping_primary_secondary returns 0 $(err "$out")"
	like "$(sql "$s" "SELECT name, enabled FROM msdb.dbo.sysjobs ORDER BY name")" \
		"LSCopy_mgc[[:space:]]+0" "$s: the copy and restore jobs are created disabled"
	sql "$p" "EXEC msdb.dbo.sp_update_job @job_name = N'LSBackup_mgc', @enabled = 1" >/dev/null
	sql "$s" "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_mgc', @enabled = 1
EXEC msdb.dbo.sp_update_job @job_name = N'LSRestore_mgc', @enabled = 1" >/dev/null
}

# mirror PRINCIPAL MIRROR TAG: seed the mirror (full + log WITH NORECOVERY),
# endpoints, SET PARTNER on the mirror then on the principal
mirror() {
	local p=$1 m=$2 tag=$3 out
	out=$(sql "$p" "BACKUP DATABASE mgc TO DISK = N'$SHARE\\mgc_${tag}_mirror.bak' WITH INIT
BACKUP LOG mgc TO DISK = N'$SHARE\\mgc_${tag}_mirror.trn' WITH INIT")
	like "$out" "BACKUP LOG successfully processed" "$p: full and log backup to seed the mirror"
	out=$(sql "$m" "RESTORE DATABASE mgc FROM DISK = N'$SHARE\\mgc_${tag}_mirror.bak' WITH REPLACE, NORECOVERY
RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_${tag}_mirror.trn' WITH NORECOVERY")
	like "$out" "RESTORE LOG successfully processed" "$m: restored WITH NORECOVERY $(err "$out")"
	sql "$p" "$EP" >/dev/null
	sql "$m" "$EP" >/dev/null
	out=$(sql "$m" "ALTER DATABASE mgc SET PARTNER = N'TCP://$p:5022'")$(sql "$p" "ALTER DATABASE mgc SET PARTNER = N'TCP://$m:5022'")
	unlike "$out" "Msg [0-9]+ \(severity 1" "SET PARTNER on $m, then on $p $(err "$out")"
	like "$(sql "$p" "$MSTATE")" "PRINCIPAL SYNCHRONIZED" "$p: PRINCIPAL SYNCHRONIZED"
}
