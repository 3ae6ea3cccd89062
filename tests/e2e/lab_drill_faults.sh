#!/usr/bin/env bash
# Drill: faults under chat traffic, checked against the ledger.
#  1. The mirror of a synchronous pair stops (`stop sqlb.dc1.lab`): the
#     principal keeps acknowledging, sys.database_mirroring shows
#     DISCONNECTED; the mirror starts again and the pair catches up
#     (SYNCHRONIZING -> SYNCHRONIZED); verify finds nothing lost.
#  2. A lost log backup (`lose-file`) on a restore sequence by hand: the
#     next RESTORE LOG gives 4305, followed by 3013.
#  3. The sites are cut apart (`partition dc1 dc2`) while mgc is log
#     shipped dc1 -> dc2: the copy job fails (job history), the backup job
#     keeps backing up on dc1. Then the disaster (`stop dc1`) at that
#     point: dc2 recovers from what reached it, and the ledger shows
#     exactly the unshipped tail: lost = the messages acknowledged after
#     the start of the last log backup that reached dc2.
# The world and helpers are lab_drill.bash's, shared with lab_drill_runbook.sh.
. "$TOP/tests/e2e/lab_drill.bash"

# ======================================================================================
# 1. The mirror is lost and comes back, under traffic
# ======================================================================================
mirror $P $M dc1
lab pool set-active-servers pc1.dc1.lab pc2.dc1.lab
lab chat start --rate 20 >/dev/null
is "$?" 0 "chat traffic starts (dc1 servers active, pool Normal)"
sleep 1
lab stop $M >/dev/null
is "$?" 0 "the mirror $M stops"
n0=$(ledger | grep -c .)
out=$(wait_for $P "$MSTATE" "PRINCIPAL DISCONNECTED")
ok "$?" "the principal runs exposed: sys.database_mirroring shows PRINCIPAL DISCONNECTED"
sleep 1.5
n1=$(ledger | grep -c .)
ok "$([ "$n1" -gt "$((n0 + 20))" ] && echo 0 || echo 1)" "the principal keeps acknowledging without its mirror ($n0 -> $n1)"
is "$(ledger | awk -F'\t' -v n="$n0" 'NR > n { print $4 }' | sort -u | tr '\n' ' ')" "$P " \
	"... every one of them acknowledged by $P"
like "$(sql $P "SELECT mirroring_partner_name FROM sys.database_mirroring WHERE database_id = DB_ID(N'mgc')")" \
	"TCP://$M:5022" "the session is kept (the partner is still named)"
# Catching up takes the time the backlog (the log the mirror missed)
# takes to send at the throughput: at 4 KB/s a second's worth of chat
# messages is several seconds of SYNCHRONIZING, during which the principal
# keeps committing without waiting for the mirror; then SYNCHRONIZED.
lab throughput 0.004 >/dev/null
lab start $M >/dev/null
is "$?" 0 "the mirror starts again"
like "$(sql $P "$MSTATE")" "PRINCIPAL SYNCHRONIZING" "reconnected: SYNCHRONIZING (the mirror catches up)"
n2=$(ledger | grep -c .)
sleep 0.5
like "$(sql $P "$MSTATE")" "PRINCIPAL SYNCHRONIZING" "still SYNCHRONIZING half a second later: the backlog takes time"
like "$(sql $M "$MSTATE")" "MIRROR SYNCHRONIZING" "$M: MIRROR SYNCHRONIZING"
ok "$([ "$(ledger | grep -c .)" -gt "$((n2 + 5))" ] && echo 0 || echo 1)" \
	"the principal keeps acknowledging while the mirror catches up"
t0=$(date +%s)
out=$(wait_for $P "$MSTATE" "PRINCIPAL SYNCHRONIZED")
ok "$?" "then SYNCHRONIZED (caught up, after $(($(date +%s) - t0)) s more)"
lab throughput 100000 >/dev/null
n2=$(ledger | grep -c .)
sleep 1
ok "$([ "$(ledger | grep -c .)" -gt "$((n2 + 10))" ] && echo 0 || echo 1)" "the writers go on, synchronously mirrored again"
like "$(sql $M "$MSTATE")" "MIRROR SYNCHRONIZED" "$M: MIRROR SYNCHRONIZED"
out=$(lab verify)
is "$?" 0 "verify passes"
like "$out" "lost 0, duplicates 0, split-brain 0" "verify: nothing lost while the mirror was away"

# ======================================================================================
# 3 (set-up). Log shipping dc1 -> dc2, the Agent ships
# ======================================================================================
out=$(sql $P "BACKUP DATABASE mgc TO DISK = N'$SHARE\\mgc_ls_init.bak' WITH INIT")
like "$out" "BACKUP DATABASE successfully processed" "full backup to initialize the log shipping secondary"
out=$(sql $S "RESTORE DATABASE mgc FROM DISK = N'$SHARE\\mgc_ls_init.bak' WITH NORECOVERY")
like "$out" "RESTORE DATABASE successfully processed" "$S: restored WITH NORECOVERY"
logship $P $S
out=$(wait_for $S "SELECT COUNT(*) AS n FROM msdb.dbo.restorehistory WHERE restore_type = 'L'" \
	"(^|[[:space:]])([3-9]|[1-9][0-9]+)([[:space:]]|$)")
ok "$?" "the Agent ships logs: $S restored at least 3 log backups"

# ======================================================================================
# 2. A lost log backup: 4305, then 3013 (a restore sequence by hand on sqlb.dc2.lab)
# ======================================================================================
mapfile -t copied < <(ls "$LAB_DIR/disks/$S/D/LSCopy" | grep -E '^mgc_[0-9]{14}\.trn$' | sort)
out=$(sql sqlb.dc2.lab "RESTORE DATABASE mgc FROM DISK = N'$SHARE\\mgc_ls_init.bak' WITH NORECOVERY
RESTORE LOG mgc FROM DISK = N'$SHARE\\${copied[0]}' WITH NORECOVERY")
like "$out" "RESTORE LOG successfully processed" "sqlb.dc2.lab: full backup and the first log (${copied[0]})"
out=$(lab lose-file "${copied[1]}")
is "$?" 0 "lose-file ${copied[1]} (already copied to dc2: log shipping is not affected)"
out=$(sql sqlb.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\${copied[1]}' WITH NORECOVERY")
like "$out" "Msg 3201" "the lost file cannot be opened: 3201"
out=$(sql sqlb.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\${copied[2]}' WITH NORECOVERY")
like "$out" "Msg 4305 \(severity 16" "the next restore: 4305"
like "$out" "too recent to apply to the database" "... the log is too recent"
is "$(printf '%s' "$out" | grep -oE 'Msg [0-9]+ \(severity' | grep -oE '[0-9]+' | tr '\n' ' ')" \
	"4305 3013 " "... followed by 3013 (and nothing else)"
like "$out" "RESTORE LOG is terminating abnormally" "3013: RESTORE LOG is terminating abnormally"
like "$(sql sqlb.dc2.lab "SELECT state_desc FROM sys.databases WHERE name = N'mgc'")" "RESTORING" \
	"nothing was applied: the database is still RESTORING"

# ======================================================================================
# 3. Partition: the copy job fails, dc1 keeps backing up; then the disaster
# ======================================================================================
sql $S "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_mgc', @enabled = 0" >/dev/null
sleep 0.3
out=$(lab partition dc1 dc2)
like "$out" "sites 'dc1' and 'dc2' cut apart" "PARTITION: dc1 and dc2 cut apart"
sql $S "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_mgc', @enabled = 1" >/dev/null
cut_files=$(ls "$LAB_DIR/share" | grep -cE '^mgc_[0-9]{14}\.trn$')
out=$(wait_for $S "SELECT TOP 1 h.run_status, h.message FROM msdb.dbo.sysjobhistory AS h
JOIN msdb.dbo.sysjobs AS j ON j.job_id = h.job_id
WHERE j.name = N'LSCopy_mgc' AND h.step_id = 1 ORDER BY h.instance_id DESC" "network path was not found")
ok "$?" "the copy job fails across the cut (sysjobhistory)"
like "$out" "(^|[[:space:]])0[[:space:]]" "... run_status 0 (failed)"
like "$(sql $S "SELECT COUNT(*) AS n FROM msdb.dbo.log_shipping_monitor_error_detail WHERE agent_type = 1")" \
	"(^|[[:space:]])[1-9][0-9]*([[:space:]]|$)" "log_shipping_monitor_error_detail has the copy errors"
for _ in $(seq 1 50); do
	[ "$(ls "$LAB_DIR/share" | grep -cE '^mgc_[0-9]{14}\.trn$')" -ge $((cut_files + 2)) ] && break
	sleep 0.1
done
after=$(ls "$LAB_DIR/share" | grep -cE '^mgc_[0-9]{14}\.trn$')
ok "$([ "$after" -ge $((cut_files + 2)) ] && echo 0 || echo 1)" "the backup job keeps backing up on dc1 ($cut_files -> $after files)"
like "$(sql $P "SELECT TOP 1 h.run_status FROM msdb.dbo.sysjobhistory AS h JOIN msdb.dbo.sysjobs AS j ON j.job_id = h.job_id
WHERE j.name = N'LSBackup_mgc' AND h.step_id = 0 ORDER BY h.instance_id DESC")" \
	"(^|[[:space:]])1([[:space:]]|$)" "... and succeeds"

out=$(lab stop dc1)
like "$out" "'sqla\.dc1\.lab' stopped" "DISASTER at that point: dc1 stops"
stop_lab=$(lab_now $S)

# dc2 recovers from what reached it: every file in the copy folder
sql $S "EXEC msdb.dbo.sp_update_job @job_name = N'LSRestore_mgc', @enabled = 0" >/dev/null
sleep 0.3
out=$(sql $S "DECLARE @rc int
EXEC @rc = sp_delete_log_shipping_secondary_database @secondary_database = N'mgc'
SELECT 'rc=' + CAST(@rc AS varchar(5)) AS rc")
like "$out" "rc=0" "log shipping removed on $S"
# xp_dirtree of a path it cannot reach returns an empty list, no error
out=$(sql $S "EXEC master.sys.xp_dirtree N'$SHARE', 1, 1")
like "$out" "subdirectory" "xp_dirtree answers on $S"
unlike "$out" "mgc_" "... with nothing: the share stays out of reach from dc2"
for f in $(ls "$LAB_DIR/disks/$S/D/LSCopy" | grep -E '^mgc_[0-9]{14}\.trn$' | sort); do
	out=$(sql $S "RESTORE LOG mgc FROM DISK = N'D:\\LSCopy\\$f' WITH NORECOVERY")
	printf '%s' "$out" | grep -qE 'Msg 4326' && continue # already applied
	printf '%s' "$out" | grep -E 'Msg [0-9]+ \(severity 1' | sed 's/^/# /'
done
out=$(sql $S "RESTORE DATABASE mgc WITH RECOVERY
SELECT state_desc FROM sys.databases WHERE name = N'mgc'")
like "$out" "ONLINE" "$S recovered with every log that reached dc2"
lastlab=$(sql $S "SELECT TOP 1 CONVERT(varchar(30), bs.backup_start_date, 126) AS t
FROM msdb.dbo.restorehistory AS rh JOIN msdb.dbo.backupset AS bs ON bs.backup_set_id = rh.backup_set_id
WHERE rh.destination_database_name = N'mgc' AND rh.restore_type = 'L' ORDER BY bs.last_lsn DESC" |
	grep -oE '^[0-9]{4}-[0-9T:.-]+')
T=$lastlab
L=$(sql $S "SELECT TOP 1 bs.last_lsn FROM msdb.dbo.restorehistory AS rh
JOIN msdb.dbo.backupset AS bs ON bs.backup_set_id = rh.backup_set_id
WHERE rh.destination_database_name = N'mgc' AND rh.restore_type = 'L' ORDER BY bs.last_lsn DESC" |
	grep -oE '^[[:space:]]*[0-9]{15,}' | tr -d '[:space:]')
echo "# last log that reached dc2: backup_start_date $T, LastLSN $L (lab clock); dc1 stopped at $stop_lab"
lab pool set-state FailedOver
lab pool set-active-servers pc1.dc2.lab pc2.dc2.lab
sleep 1
lab chat stop >/dev/null

tail_n=$(ledger | awk -F'\t' -v t="$T" '$7 >= t && $4 == "sqla.dc1.lab"' | grep -c .)
ok "$([ "$tail_n" -gt 0 ] && echo 0 || echo 1)" "messages were acknowledged in dc1 after the last log that reached dc2 ($tail_n)"
out=$(lab verify)
is "$?" 1 "verify fails without an allowance"
like "$out" "authority: '$S' \(pool FailedOver\)" "verify reads the dc2 copy"
nlost=$(printf '%s\n' "$out" | sed -n 's/.* lost \([0-9]*\),.*/\1/p')
tail_check "$T" "$nlost" $S
like "$out" "duplicates 0, split-brain 0" "no duplicate, no split brain"
listed=$(printf '%s\n' "$out" | sed -n 's/^lost: //p' | tr ' ' '\n' | grep -cE '^[0-9]+$')
outside=$(printf '%s\n' "$out" | sed -n 's/^lost: //p' | tr ' ' '\n' | grep -E '^[0-9]+$' |
	grep -vxF -f <(ledger | awk -F'\t' -v t="$T" '$7 >= t && $4 == "sqla.dc1.lab" { print $1 }') | grep -c .)
ok "$([ "$listed" -gt 0 ] && [ "$outside" -eq 0 ] && echo 0 || echo 1)" \
	"every lost id verify names was acknowledged after that backup ($listed named, $outside not)"
lost_out=$out
out=$(lab verify --allow-loss-after "$T")
is "$?" 0 "verify --allow-loss-after that lab time passes"
like "$out" "lost but allowed \(acknowledged at or after lab time $T\): $nlost" "... allowing exactly the lost ones"
lsn_check "$L" "$lost_out"
done_testing
