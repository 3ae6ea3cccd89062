#!/usr/bin/env bash
# End-to-end: the lab's fault verbs against a running lab, seen by a real
# client (tsql). stop/start of an instance and of a site (connections
# refused, then accepted, state kept), partition/heal (clients inside a
# site still connect), latency measurable on a round trip, lose-file and
# corrupt-file changing the share, rebuild giving fresh databases, every
# fault logged with the lab clock, and the usage errors.
. "$TOP/tests/lib.sh"

TOPO="$TOP/examples/lab/topology.yaml"

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1
}

LAB_DIR="$TMP/lab"
"$PCDR_LAB" up --topology "$TOPO" --dir "$LAB_DIR" --clock-scale 60 >"$TMP/up.log" 2>&1 || {
	cat "$TMP/up.log"
	echo "not ok - lab did not start"
	exit 1
}
# shellcheck disable=SC1091
. "$LAB_DIR/env"
like "$(cat "$LAB_DIR/clock")" "^scale 60" "up --clock-scale keeps the scale in DIR/clock"

# --- usage ---------------------------------------------------------------------
"$PCDR_LAB" --dir "$LAB_DIR" stop >/dev/null 2>&1
is "$?" 129 "stop without an instance is a usage error"
"$PCDR_LAB" --dir "$LAB_DIR" stop nosuch.lab >"$TMP/out" 2>&1
is "$?" 1 "stop of an unknown instance is refused"
like "$(cat "$TMP/out")" "no instance or site 'nosuch.lab'" "the refusal names it"
"$PCDR_LAB" --dir "$TMP/nolab" heal >/dev/null 2>&1
is "$?" 2 "a fault verb without a running lab exits 2"

# --- stop and start an instance ---------------------------------------------------
sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblServerIdentity VALUES (42, N'net.tcp://x', GETUTCDATE())" >/dev/null
out=$("$PCDR_LAB" --dir "$LAB_DIR" stop sqla.dc1.lab)
is "$?" 0 "stop an instance"
like "$out" "'sqla.dc1.lab' stopped" "stop says what it stopped"
unlike "$(sql sqla.dc1.lab "SELECT 1")" "\(1 row affected\)" "a stopped instance refuses connections"
like "$(sql sqlb.dc1.lab "SELECT 1 AS x")" "\(1 row affected\)" "its neighbour still answers"
"$PCDR_LAB" --dir "$LAB_DIR" start sqla.dc1.lab >/dev/null
is "$?" 0 "start it again"
like "$(sql sqla.dc1.lab "SELECT serverID FROM mgc.dbo.tblServerIdentity")" "42" \
	"after start it accepts connections and its data survived"

# --- stop and start a site --------------------------------------------------------
out=$("$PCDR_LAB" --dir "$LAB_DIR" stop dc2)
like "$out" "'sqla.dc2.lab' stopped, 'sqlb.dc2.lab' stopped" "stop a site stops its instances"
unlike "$(sql sqla.dc2.lab "SELECT 1")" "\(1 row affected\)" "site stopped: sqla.dc2.lab refuses"
unlike "$(sql sqlb.dc2.lab "SELECT 1")" "\(1 row affected\)" "site stopped: sqlb.dc2.lab refuses"
"$PCDR_LAB" --dir "$LAB_DIR" start dc2 >/dev/null
like "$(sql sqlb.dc2.lab "SELECT 1 AS x")" "\(1 row affected\)" "site started: it answers again"

# --- partition and heal -----------------------------------------------------------
out=$("$PCDR_LAB" --dir "$LAB_DIR" partition dc1 dc2)
is "$?" 0 "partition two sites"
like "$out" "sites 'dc1' and 'dc2' cut apart" "partition says so"
like "$(sql sqla.dc2.lab "SELECT 1 AS x")" "\(1 row affected\)" "clients inside a site still connect"
"$PCDR_LAB" --dir "$LAB_DIR" partition dc1 dc9 >/dev/null 2>&1
is "$?" 1 "partition with an unknown site is refused"
"$PCDR_LAB" --dir "$LAB_DIR" heal >/dev/null
is "$?" 0 "heal"

# --- latency ----------------------------------------------------------------------
rt() { # seconds for one round trip (login + one batch) to $1
	local t0 t1
	t0=$(date +%s.%N)
	sql "$1" "SELECT 1" >/dev/null
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}
"$PCDR_LAB" --dir "$LAB_DIR" latency sqlb.dc1.lab 400 >/dev/null
is "$?" 0 "set a latency"
slow=$(rt sqlb.dc1.lab)
ok "$(awk -v t="$slow" 'BEGIN { exit !(t >= 1.2) }'; echo $?)" \
	"PRELOGIN, LOGIN7 and one batch take at least 3 x 400 ms ($slow s)"
t0=$(date +%s.%N)
printf 'exit\n' | timeout 30 tsql -S sqlb.dc1.lab -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" >/dev/null 2>&1
t1=$(date +%s.%N)
login=$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')
ok "$(awk -v t="$login" 'BEGIN { exit !(t >= 0.8) }'; echo $?)" \
	"a login alone (PRELOGIN and LOGIN7) is delayed too: at least 2 x 400 ms ($login s)"
"$PCDR_LAB" --dir "$LAB_DIR" latency sqlb.dc1.lab 0 >/dev/null
fast=$(rt sqlb.dc1.lab)
ok "$(awk -v s="$slow" -v f="$fast" 'BEGIN { exit !(f < s - 0.3) }'; echo $?)" \
	"latency 0 removes it ($fast s)"
"$PCDR_LAB" --dir "$LAB_DIR" latency sqlb.dc1.lab soon >/dev/null 2>&1
is "$?" 1 "a latency that is not a number is refused"

# --- throughput -------------------------------------------------------------------
like "$("$PCDR_LAB" --dir "$LAB_DIR" throughput 50)" "50 MB/s" "throughput sets the backup speed"

# --- lose-file and corrupt-file ---------------------------------------------------
printf 'TAPE0123456789abcdefghijklmnopqrstuvwxyz0123456789\n' >"$LAB_DIR/share/mgc_x.trn"
cp "$LAB_DIR/share/mgc_x.trn" "$TMP/orig"
"$PCDR_LAB" --dir "$LAB_DIR" corrupt-file 'mgc_x.trn' >/dev/null
is "$?" 0 "corrupt-file"
ok "$(cmp -s "$TMP/orig" "$LAB_DIR/share/mgc_x.trn" && echo 1 || echo 0)" "the file changed"
is "$(stat -c %s "$LAB_DIR/share/mgc_x.trn")" "$(stat -c %s "$TMP/orig")" "its size did not"
"$PCDR_LAB" --dir "$LAB_DIR" lose-file '\\fs1.lab\pchat-ls\mgc_x.trn' >/dev/null
is "$?" 0 "lose-file by its UNC name"
ok "$([ -e "$LAB_DIR/share/mgc_x.trn" ] && echo 1 || echo 0)" "the file is gone"
"$PCDR_LAB" --dir "$LAB_DIR" lose-file mgc_x.trn >"$TMP/out" 2>&1
is "$?" 1 "losing a missing file is refused"
"$PCDR_LAB" --dir "$LAB_DIR" lose-file ../topology.yaml >/dev/null 2>&1
is "$?" 1 "a path out of the share is refused"

# --- rebuild ----------------------------------------------------------------------
q="SELECT CONVERT(nvarchar(36), database_guid) AS g FROM sys.database_recovery_status WHERE database_id = DB_ID(N'mgccomp')"
before=$(sql sqla.dc2.lab "$q" | grep -oE '[0-9A-F]{8}-[0-9A-F-]{27}')
qsize="SELECT size FROM sys.master_files WHERE database_id = DB_ID(N'mgccomp') AND type = 0"
is "$(sql sqla.dc2.lab "$qsize" | grep -oE '^ *[0-9]+ *$' | tr -d ' ')" $((128 * 128)) \
	"before: the data file has the topology's sizeMB (128 MB, in 8 KB pages)"
sql sqla.dc2.lab "CREATE TABLE mgccomp.dbo.marker (a int)" >/dev/null
out=$("$PCDR_LAB" --dir "$LAB_DIR" rebuild dc2)
is "$?" 0 "rebuild a site"
like "$out" "'sqla.dc2.lab' rebuilt, 'sqlb.dc2.lab' rebuilt" "rebuild names its instances"
after=$(sql sqla.dc2.lab "$q" | grep -oE '[0-9A-F]{8}-[0-9A-F-]{27}')
ok "$([ -n "$after" ] && [ "$after" != "$before" ] && echo 0 || echo 1)" "mgccomp has a fresh GUID"
like "$(sql sqla.dc2.lab "SELECT COUNT(*) AS n FROM mgccomp.dbo.marker")" "Invalid object name" \
	"the rebuilt database is empty"
like "$(sql sqla.dc2.lab "SELECT name, state_desc FROM sys.databases WHERE database_id > 4")" \
	"mgccomp[[:space:]]+ONLINE" "the topology's database is back ONLINE"
is "$(sql sqla.dc2.lab "$qsize" | grep -oE '^ *[0-9]+ *$' | tr -d ' ')" $((8 * 128)) \
	"a reinstalled database is new and empty: 8 MB, as CREATE DATABASE makes it"

# --- the log ------------------------------------------------------------------------
log=$(cat "$LAB_DIR/lab.log")
like "$log" "fault: 'sqla.dc1.lab' stopped \(lab clock\)" "lab.log records stop"
like "$log" "fault: sites 'dc1' and 'dc2' cut apart" "lab.log records partition"
like "$log" "fault: lost '" "lab.log records lose-file"
like "$log" "fault: 'sqla.dc2.lab' rebuilt" "lab.log records rebuild"

# --- the faults survive down / up ------------------------------------------------------
printf 'x\n' >"$LAB_DIR/share/probe.trn"
dirtree="EXEC master.sys.xp_dirtree N'\\\\fs1.lab\\pchat-ls', 1, 1"
like "$(sql sqla.dc2.lab "$dirtree")" "probe.trn" "dc2 sees the share before the cut"
"$PCDR_LAB" --dir "$LAB_DIR" partition dc1 dc2 >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" latency sqlb.dc1.lab 300 >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" throughput 77 >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" stop sqlb.dc2.lab >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null
like "$(cat "$LAB_DIR/state/faults")" "throughput 77" "down saves the faults in DIR/state/faults"
"$PCDR_LAB" up --dir "$LAB_DIR" >/dev/null 2>&1
is "$?" 0 "up again"
like "$("$PCDR_LAB" --dir "$LAB_DIR" status)" "sqlb.dc2.lab +[0-9]+ +down" "a stopped instance stays stopped"
like "$("$PCDR_LAB" --dir "$LAB_DIR" status)" "sqla.dc2.lab +[0-9]+ +up" "... the others are up"
unlike "$(sql sqla.dc2.lab "$dirtree")" "probe.trn" "the cut is still there: dc2 cannot see the share"
slow=$(rt sqlb.dc1.lab)
ok "$(awk -v t="$slow" 'BEGIN { exit !(t >= 0.9) }'; echo $?)" "the latency is still there ($slow s for 3 round trips of 300 ms)"
like "$(cat "$LAB_DIR/state/faults" 2>/dev/null; "$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null;
	cat "$LAB_DIR/state/faults")" "throughput 77" "... and the throughput"
"$PCDR_LAB" up --dir "$LAB_DIR" >/dev/null 2>&1
"$PCDR_LAB" --dir "$LAB_DIR" heal >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" start sqlb.dc2.lab >/dev/null
like "$(sql sqlb.dc2.lab "SELECT 1 AS one")" "\(1 row affected\)" "start brings it back"
like "$(sql sqla.dc2.lab "$dirtree")" "probe.trn" "heal brings the share back"

done_testing
