#!/usr/bin/env bash
# End-to-end: the database states RECOVERING, RECOVERY_PENDING and SUSPECT
# (SQL Server "Database States"). `stop` is a crash: `start` runs crash
# recovery, mgc shows RECOVERING for the time the redo of its retained log
# takes at the throughput (opening it meanwhile gives 922), then ONLINE
# with its rows. A lost database file (lose-db-file, refused while the
# instance runs) makes it RECOVERY_PENDING (945; SET ONLINE fails with
# 5120, 5069) until a RESTORE ... WITH REPLACE; a damaged one
# (corrupt-db-file) SUSPECT (926), which survives down/up.
. "$TOP/tests/lib.sh"

lab_up "$TOP/examples/lab/topology.yaml"
lab() { "$PCDR_LAB" --dir "$LAB_DIR" "$@"; }
sql() { # INSTANCE SQL [DATABASE]
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" ${3:+-D "$3"} 2>&1 |
		grep -v '^locale\|^using default'
}
P=sqla.dc1.lab
SHARE='\\fs1.lab\pchat-ls'
STATE="SELECT name + ':' + state_desc AS s FROM sys.databases WHERE name IN (N'mgc', N'mgccomp') ORDER BY name"
wait_state() { # REGEX: poll sys.databases on $P up to 20 s
	local out
	for _ in $(seq 1 100); do
		out=$(sql $P "$STATE")
		printf '%s' "$out" | grep -qE -- "$1" && { printf '%s' "$out"; return 0; }
		sleep 0.2
	done
	printf '%s' "$out"
	return 1
}

# a log to redo: a full backup starts the chain (the log is kept from
# then on), then 300 rows
out=$(sql $P "BACKUP DATABASE mgc TO DISK = N'$SHARE\\rec.bak' WITH INIT")
like "$out" "BACKUP DATABASE successfully processed" "a full backup of mgc starts its log chain"
x400=$(printf 'x%.0s' $(seq 1 400))
sql $P "DECLARE @i int = 0
WHILE @i < 300
BEGIN
  INSERT INTO mgc.dbo.tblChat (channelId, chatId, chatDate, userId, isAlert, content)
  VALUES (1, 900000 + @i, 0, 1, 0, N'$x400')
  SET @i = @i + 1
END" >/dev/null
mb=$(sql $P "SELECT CONVERT(varchar(30), active_log_size_mb) AS mb FROM sys.dm_db_log_stats(DB_ID(N'mgc'))" |
	grep -oE '^[0-9.e+-]+$' | head -1)
ok "$(awk -v m="${mb:-0}" 'BEGIN { exit !(m > 0) }'; echo $?)" "mgc has a log to redo ($mb MB)"
# the redo should take about 2 s
tp=$(awk -v m="$mb" 'BEGIN { printf "%.6f", m / 2 }')
like "$(lab throughput "$tp")" "MB/s" "throughput $tp MB/s: 2 s of redo"

# --- crash recovery ------------------------------------------------------------------
lab stop $P >/dev/null
t0=$(date +%s.%N)
like "$(lab start $P)" "'$P' started" "$P starts again after a crash (stop)"
out=$(sql $P "$STATE")
like "$out" "mgc:RECOVERING" "mgc is RECOVERING while its log is redone"
like "$(sql $P "SELECT state_desc FROM sys.databases WHERE name = N'msdb'")" "ONLINE" \
	"the system databases are ONLINE meanwhile"
out=$(sql $P "USE mgc")
like "$out" "Msg 922 \(severity 14, state 1\)" "USE mgc meanwhile: 922"
like "$out" "Database 'mgc' is being recovered. Waiting until recovery is finished." "... its text"
out=$(sql $P "SELECT 1 AS one" mgc)
like "$out" "922|being recovered" "a login to mgc meanwhile fails with 922"
out=$(wait_state "mgc:ONLINE")
ok "$?" "then mgc comes ONLINE by itself"
t1=$(date +%s.%N)
took=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
ok "$(awk -v t="$took" 'BEGIN { exit !(t >= 1.5) }'; echo $?)" "recovery took about the redo time ($took s for 2 s)"
is "$(sql $P "SELECT COUNT(*) AS n FROM mgc.dbo.tblChat WHERE chatId >= 900000" | grep -oE '^[0-9]+$')" \
	300 "every committed row survived the crash"
lab throughput 200 >/dev/null

# --- a lost file: RECOVERY_PENDING -----------------------------------------------------
out=$(lab lose-db-file $P mgc 2>&1)
is "$?" 1 "lose-db-file on a running instance is refused"
like "$out" "holds its files" "... SQL Server holds the files of an open database"
lab lose-db-file $P nosuchdb >/dev/null 2>&1
is "$?" 1 "lose-db-file of an unknown database is refused"
lab stop $P >/dev/null
like "$(lab lose-db-file $P mgc)" "a file of 'mgc' on '$P' is lost" "lose-db-file on the stopped instance"
lab start $P >/dev/null
out=$(wait_state "mgc:RECOVERY_PENDING")
ok "$?" "mgc comes up RECOVERY_PENDING"
like "$out" "mgccomp:ONLINE" "the other database is ONLINE"
out=$(sql $P "USE mgc")
like "$out" "Msg 945 \(severity 16" "USE mgc: 945"
like "$out" "cannot be opened due to inaccessible files" "... its text"
out=$(sql $P "ALTER DATABASE mgc SET ONLINE")
like "$out" "Msg 5120 \(severity 16" "SET ONLINE retries recovery and fails: 5120"
like "$out" "Msg 5069" "... then 5069"
like "$(sql $P "$STATE")" "mgc:RECOVERY_PENDING" "mgc stays RECOVERY_PENDING"
out=$(sql $P "RESTORE DATABASE mgc FROM DISK = N'$SHARE\\rec.bak' WITH REPLACE")
like "$out" "RESTORE DATABASE successfully processed" "RESTORE DATABASE ... WITH REPLACE writes new files"
like "$(sql $P "$STATE")" "mgc:ONLINE" "mgc is ONLINE again"
lab stop $P >/dev/null
lab start $P >/dev/null
like "$(wait_state "mgc:ONLINE")" "mgc:ONLINE" "... and stays ONLINE across the next restart"

# --- a damaged file: SUSPECT -----------------------------------------------------------
lab stop $P >/dev/null
like "$(lab corrupt-db-file $P mgccomp)" "a file of 'mgccomp' on '$P' is damaged" "corrupt-db-file"
lab start $P >/dev/null
out=$(wait_state "mgccomp:SUSPECT")
ok "$?" "mgccomp comes up SUSPECT (recovery fails)"
out=$(sql $P "USE mgccomp")
like "$out" "Msg 926 \(severity 14" "USE mgccomp: 926"
like "$out" "marked SUSPECT by recovery" "... its text"
like "$(sql $P "SELECT DATABASEPROPERTYEX(N'mgccomp', 'Status') AS s")" "SUSPECT" "DATABASEPROPERTYEX Status: SUSPECT"
like "$(sql $P "ALTER DATABASE mgccomp SET RECOVERY SIMPLE")" "Msg 5052" "other ALTER DATABASE options: 5052"
"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null
"$PCDR_LAB" up --dir "$LAB_DIR" >/dev/null 2>&1
is "$?" 0 "down, then up"
like "$(wait_state "mgccomp:SUSPECT")" "mgccomp:SUSPECT" "the damage survives down/up: mgccomp SUSPECT"
like "$(sql $P "$STATE")" "mgc:ONLINE" "mgc is ONLINE after the clean restart"
like "$(sql $P "DROP DATABASE mgccomp")" "^$|^[^M]*$" "a SUSPECT database can be dropped"
unlike "$(sql $P "$STATE")" "mgccomp" "... and is gone"
done_testing
