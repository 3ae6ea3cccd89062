#!/usr/bin/env bash
# End-to-end: the steps of Microsoft's Persistent Chat fail-over and
# fail-back runbook (reference 5.3) that need no log shipping procedures,
# by hand in T-SQL through FreeTDS tsql: log backups of mgc on
# sqla.dc1.lab to the share, listed with xp_dirtree and read with RESTORE
# HEADERONLY, restored on sqla.dc2.lab in LSN order (4305 after a missing
# file, 4326 for one already applied, a file from the copy folder D:\),
# the tail backed up WITH NORECOVERY, recovery (3153 the second time),
# then fail back: a full backup of the dc2 copy restored over dc1 WITH
# REPLACE, RECOVERY. msdb keeps the backup and restore history.
. "$TOP/tests/lib.sh"

lab_up
"$PCDR_LAB" --dir "$LAB_DIR" throughput 5000 >/dev/null

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1 |
		grep -v '^locale\|^using default\|^1> 2> 1>\|^1> $\|^1> 2> $'
}
SHARE='\\fs1.lab\pchat-ls'
ins() { sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES ($1, N'net.tcp://pc$1', GETUTCDATE())" >/dev/null; }

# --- the primary backs up, the secondary is seeded ------------------------------------
ins 1
out=$(sql sqla.dc1.lab "BACKUP DATABASE mgc TO DISK = N'$SHARE\\mgc_full.bak' WITH INIT")
like "$out" "BACKUP DATABASE successfully processed" "full backup of mgc"
out=$(sql sqla.dc2.lab "RESTORE DATABASE mgc FROM DISK = N'$SHARE\\mgc_full.bak' WITH NORECOVERY")
like "$out" "RESTORE DATABASE successfully processed" "seeded on sqla.dc2.lab WITH NORECOVERY"
for n in 1 2 3 4; do
	ins $((n + 1))
	sql sqla.dc1.lab "BACKUP LOG mgc TO DISK = N'$SHARE\\mgc_$n.trn' WITH INIT" >/dev/null
done
out=$(sql sqla.dc2.lab "EXEC master.sys.xp_dirtree N'$SHARE', 1, 1")
like "$out" "mgc_4.trn	1	1" "xp_dirtree lists the share (subdirectory, depth, file)"
h1=$(sql sqla.dc2.lab "RESTORE HEADERONLY FROM DISK = N'$SHARE\\mgc_1.trn'")
like "$h1" "BackupType" "RESTORE HEADERONLY has its documented columns"
like "$h1" "Transaction Log" "BackupTypeDescription of a log backup"
out=$(sql sqla.dc1.lab "SELECT COUNT(*) FROM msdb.dbo.backupset AS bs JOIN msdb.dbo.backupmediafamily AS bmf ON bmf.media_set_id = bs.media_set_id WHERE bs.database_name = N'mgc' AND bs.type = 'L'")
like "$out" "^4$" "msdb.backupset and backupmediafamily know the four log backups"
out=$(sql sqla.dc1.lab "SELECT COUNT(*) FROM msdb.dbo.backupset WHERE database_name = N'mgc' AND type = 'L' AND first_lsn < last_lsn")
like "$out" "^4$" "each log backup covers [first_lsn, last_lsn)"

# --- apply in LSN order; a missing file stops the chain -------------------------------
out=$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_1.trn' WITH NORECOVERY")
like "$out" "RESTORE LOG successfully processed" "log 1 applied"
mkdir -p "$LAB_DIR/disks/sqla.dc2.lab/D/pchat-copy"
mv "$LAB_DIR/share/mgc_2.trn" "$LAB_DIR/disks/sqla.dc2.lab/D/pchat-copy/"
out=$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_2.trn' WITH NORECOVERY")
like "$out" "Msg 3201" "a file missing from the share: 3201"
out=$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_3.trn' WITH NORECOVERY")
like "$out" "Msg 4305.*" "skipping a log: 4305"
like "$out" "too recent to apply to the database" "4305 says the log is too recent"
like "$out" "RESTORE LOG is terminating abnormally" "followed by 3013"
out=$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'D:\\pchat-copy\\mgc_2.trn' WITH NORECOVERY")
like "$out" "RESTORE LOG successfully processed" "log 2 from the copy folder (D:\\ of sqla.dc2.lab)"
out=$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'D:\\pchat-copy\\mgc_2.trn' WITH NORECOVERY")
like "$out" "Msg 4326" "the same log again: 4326 (too early)"
out=$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_3.trn' WITH NORECOVERY
RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_4.trn' WITH NORECOVERY")
unlike "$out" "Msg [0-9]+ \(severity 1" "logs 3 and 4 applied in order"

# --- the primary is still reachable: back up its tail ---------------------------------
ins 6
out=$(sql sqla.dc1.lab "BACKUP LOG mgc TO DISK = N'$SHARE\\mgc_tail.trn' WITH INIT, NORECOVERY
SELECT state_desc FROM sys.databases WHERE name = N'mgc'")
like "$out" "RESTORING" "tail-log backup leaves the primary RESTORING"
out=$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_tail.trn' WITH NORECOVERY")
like "$out" "RESTORE LOG successfully processed" "the tail is applied"

# --- end connections and recover -------------------------------------------------------
like "$(sql sqla.dc2.lab "KILL 999")" "Msg 6106" "KILL of no session: 6106"
out=$(sql sqla.dc2.lab "RESTORE DATABASE mgc WITH RECOVERY
SELECT state_desc FROM sys.databases WHERE name = N'mgc'
SELECT COUNT(*) FROM mgc.dbo.tblServerIdentity")
like "$out" "RESTORE DATABASE successfully processed 0 pages" "recovery-only restore"
like "$out" "ONLINE" "the secondary is ONLINE"
like "$out" "^6$" "every acknowledged row arrived, the tail included"
like "$(sql sqla.dc2.lab "RESTORE DATABASE mgc WITH RECOVERY")" "Msg 3153" "recovered twice: 3153"
like "$(sql sqla.dc2.lab "RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_4.trn'")" "Msg 3117" \
	"no log onto a recovered database: 3117"
like "$(sql sqla.dc2.lab "SELECT COUNT(*) FROM msdb.dbo.restorehistory WHERE destination_database_name = N'mgc'")" \
	"^7$" "msdb.restorehistory has every successful restore (7)"

# --- fail back --------------------------------------------------------------------------
sql sqla.dc2.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES (7, N'net.tcp://pc7', GETUTCDATE())" >/dev/null
out=$(sql sqla.dc2.lab "BACKUP DATABASE mgc TO DISK = N'$SHARE\\mgc_back.bak' WITH INIT")
like "$out" "BACKUP DATABASE successfully processed" "full backup of the dc2 copy"
out=$(sql sqla.dc1.lab "RESTORE DATABASE mgc FROM DISK = N'$SHARE\\mgc_back.bak' WITH REPLACE, RECOVERY
SELECT COUNT(*) FROM mgc.dbo.tblServerIdentity")
like "$out" "^7$" "restored over dc1 WITH REPLACE, RECOVERY: every row"
done_testing
