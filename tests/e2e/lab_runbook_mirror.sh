#!/usr/bin/env bash
# End-to-end: database mirroring set up and operated by hand in T-SQL
# through FreeTDS tsql, as reference 2.3-2.7 describe it: a full and a
# log backup of mgc on sqla.dc1.lab to the share, restored WITH
# NORECOVERY on sqlb.dc1.lab, endpoints, SET PARTNER on the mirror then
# the principal (and the 1416 when the order is wrong), SYNCHRONIZED; a
# manual failover and back; the principal lost and forced service on the
# mirror, the old principal returning as a SUSPENDED mirror, RESUME.
. "$TOP/tests/lib.sh"

lab_up
"$PCDR_LAB" --dir "$LAB_DIR" throughput 5000 >/dev/null

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1 |
		grep -v '^locale\|^using default\|^1> 2> 1>\|^1> $\|^1> 2> $'
}
SHARE='\\fs1.lab\pchat-ls'
EP="CREATE ENDPOINT Mirroring STATE = STARTED AS TCP (LISTENER_PORT = 5022)
    FOR DATABASE_MIRRORING (ROLE = PARTNER, ENCRYPTION = REQUIRED ALGORITHM AES)"
STATE="SELECT m.mirroring_role_desc + ' ' + m.mirroring_state_desc AS s
    FROM sys.database_mirroring AS m WHERE m.database_id = DB_ID(N'mgc')"

# --- seed the mirror -------------------------------------------------------------
sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES (1, N'net.tcp://pc1', GETUTCDATE())" >/dev/null
out=$(sql sqla.dc1.lab "BACKUP DATABASE mgc TO DISK = N'$SHARE\\mgc_full.bak' WITH INIT, CHECKSUM, STATS = 50
BACKUP LOG mgc TO DISK = N'$SHARE\\mgc_1.trn' WITH INIT")
like "$out" "BACKUP DATABASE successfully processed [0-9]+ pages" "full backup of mgc to the share"
like "$out" "BACKUP LOG successfully processed" "log backup of mgc to the share"
like "$out" "50 percent processed" "STATS reports progress (3211)"
out=$(sql sqlb.dc1.lab "RESTORE DATABASE mgc FROM DISK = N'$SHARE\\mgc_full.bak' WITH NORECOVERY
RESTORE LOG mgc FROM DISK = N'$SHARE\\mgc_1.trn' WITH NORECOVERY
SELECT state_desc FROM sys.databases WHERE name = N'mgc'")
like "$out" "RESTORE LOG successfully processed" "restored WITH NORECOVERY on sqlb.dc1.lab"
like "$out" "RESTORING" "the mirror copy is RESTORING"
out=$(sql sqlb.dc1.lab "SELECT COUNT(*) FROM mgc.dbo.tblServerIdentity")
like "$out" "Msg 927" "a RESTORING database cannot be opened (927)"

# --- endpoints and partners ------------------------------------------------------------
sql sqla.dc1.lab "$EP" >/dev/null
sql sqlb.dc1.lab "$EP" >/dev/null
out=$(sql sqla.dc1.lab "SELECT e.name, e.role_desc, e.state_desc, t.port FROM sys.database_mirroring_endpoints AS e JOIN sys.tcp_endpoints AS t ON t.endpoint_id = e.endpoint_id")
like "$out" "Mirroring	PARTNER	STARTED	5022" "endpoint listed by the catalog views"
out=$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc1.lab:5022'")
like "$out" "Msg 1416" "principal first: 1416 (the mirror must name its principal first)"
out=$(sql sqlb.dc1.lab "ALTER DATABASE mgc SET PARTNER = N'TCP://sqla.dc1.lab:5022'")
unlike "$out" "Msg [0-9]+ \(severity 1" "mirror names the principal"
out=$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER = N'TCP://sqlb.dc1.lab:5022'")
unlike "$out" "Msg [0-9]+ \(severity 1" "principal names the mirror"
like "$(sql sqla.dc1.lab "$STATE")" "PRINCIPAL SYNCHRONIZED" "principal: SYNCHRONIZED"
like "$(sql sqlb.dc1.lab "$STATE")" "MIRROR SYNCHRONIZED" "mirror: SYNCHRONIZED"
like "$(sql sqlb.dc1.lab "SELECT COUNT(*) FROM mgc.dbo.tblServerIdentity")" "Msg 954" \
	"a mirror database cannot be opened (954)"

# --- the mirror is lost for a while: exposed, then caught up -------------------------------
"$PCDR_LAB" --dir "$LAB_DIR" stop sqlb.dc1.lab >/dev/null
sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES (5, N'net.tcp://pc5', GETUTCDATE())" >/dev/null
like "$(sql sqla.dc1.lab "$STATE")" "PRINCIPAL DISCONNECTED" "mirror stopped: the principal runs exposed (DISCONNECTED)"
like "$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER FAILOVER")" "Msg 1447" \
	"no failover while disconnected (1447)"
"$PCDR_LAB" --dir "$LAB_DIR" start sqlb.dc1.lab >/dev/null
like "$(sql sqla.dc1.lab "$STATE")" "PRINCIPAL SYNCHRONIZING" "mirror back: SYNCHRONIZING"
like "$(sql sqla.dc1.lab "$STATE")" "PRINCIPAL SYNCHRONIZED" "then SYNCHRONIZED"
sql sqla.dc1.lab "DELETE FROM mgc.dbo.tblServerIdentity WHERE serverID = 5" >/dev/null

# --- manual failover ---------------------------------------------------------------------
sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES (2, N'net.tcp://pc2', GETUTCDATE())" >/dev/null
out=$(sql sqla.dc1.lab "USE master
ALTER DATABASE mgc SET PARTNER FAILOVER")
unlike "$out" "Msg [0-9]+ \(severity 1" "SET PARTNER FAILOVER on the principal"
like "$(sql sqlb.dc1.lab "$STATE")" "PRINCIPAL SYNCHRONIZED" "sqlb.dc1.lab is the principal"
like "$(sql sqla.dc1.lab "$STATE")" "MIRROR SYNCHRONIZED" "sqla.dc1.lab is the mirror"
like "$(sql sqlb.dc1.lab "SELECT mirroring_role_sequence FROM sys.database_mirroring WHERE database_id = DB_ID(N'mgc')")" \
	"^2$" "role sequence counts the failover"
like "$(sql sqlb.dc1.lab "SELECT COUNT(*) FROM mgc.dbo.tblServerIdentity")" "^2$" \
	"the committed rows are on the new principal"
like "$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER FAILOVER")" "Msg 1470" \
	"failover from the mirror is refused (1470)"

# --- the principal is lost: forced service ------------------------------------------------
sql sqlb.dc1.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES (3, N'net.tcp://pc3', GETUTCDATE())" >/dev/null
like "$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS")" "Msg 1455" \
	"forced service while the principal runs is refused (1455)"
"$PCDR_LAB" --dir "$LAB_DIR" stop sqlb.dc1.lab >/dev/null
out=$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS
$STATE")
like "$out" "PRINCIPAL SUSPENDED" "forced service: principal, SUSPENDED"
like "$(sql sqla.dc1.lab "SELECT COUNT(*) FROM mgc.dbo.tblServerIdentity")" "^3$" "no acknowledged row lost"
sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES (4, N'net.tcp://pc4', GETUTCDATE())" >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" start sqlb.dc1.lab >/dev/null
like "$(sql sqlb.dc1.lab "$STATE")" "MIRROR SUSPENDED" "the old principal returns as a SUSPENDED mirror"
sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER RESUME" >/dev/null
sql sqla.dc1.lab "$STATE" >/dev/null
like "$(sql sqla.dc1.lab "$STATE")" "PRINCIPAL SYNCHRONIZED" "RESUME: SYNCHRONIZED again"
like "$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER SAFETY OFF
ALTER DATABASE mgc SET PARTNER FAILOVER")" "Msg 1477" "failover needs SAFETY FULL (1477)"

# --- remove mirroring ---------------------------------------------------------------------
sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER OFF" >/dev/null
like "$(sql sqlb.dc1.lab "SELECT state_desc FROM sys.databases WHERE name = N'mgc'")" "RESTORING" \
	"SET PARTNER OFF leaves the mirror RESTORING"
like "$(sql sqlb.dc1.lab "RESTORE DATABASE mgc WITH RECOVERY
SELECT COUNT(*) FROM mgc.dbo.tblServerIdentity")" "^4$" "the former mirror recovers with every row"
done_testing
