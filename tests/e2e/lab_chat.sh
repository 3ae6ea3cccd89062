#!/usr/bin/env bash
# End-to-end: pcdr-lab's chat traffic and verify. Only active servers
# write, to mgc on the home principal (sqla.dc1.lab in the bare world of
# the example topology, where mgc is ONLINE); every acknowledged message
# is in DIR/ledger and verify finds them all; rows deleted by hand are
# reported lost (exactly those ids, exit 1) unless acknowledged after
# --allow-loss-after; a row present twice and a message acknowledged by
# a copy in the wrong site are reported too; a fence stops the writes.
# Then, in a world where mgc lives on the home site's second instance and
# on the backup principal: the servers move to the failover partner, then
# follow the pool to the backup site, and verify reads the new authority.
. "$TOP/tests/lib.sh"

lab_up "$TOP/examples/lab/topology.yaml"
lab() { "$PCDR_LAB" --dir "$LAB_DIR" "$@"; }
sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1
}
ledger_ids() { grep -v '^#' "$LAB_DIR/ledger" | cut -f1; }

like "$(sql sqla.dc1.lab "SELECT state_desc FROM sys.databases WHERE name = 'mgc'")" \
	"ONLINE" "mgc is ONLINE on the home principal"

# --- usage and state ------------------------------------------------------------
lab chat status >/dev/null
is "$?" 3 "status before start: exit 3 (not running)"
lab chat start --rate 0 >/dev/null 2>&1
is "$?" 129 "a rate of 0 is a usage error"
lab chat bounce >/dev/null 2>&1
is "$?" 129 "an unknown chat verb is a usage error"

# --- traffic ---------------------------------------------------------------------
lab pool set-active-servers pc1.dc1.lab pc2.dc1.lab
out=$(lab chat start --rate 100)
is "$?" 0 "chat start exits 0"
like "$out" "100 messages/s per active server" "... and says at what rate"
ok "$([ -s "$LAB_DIR/chat.pid" ] && echo 0 || echo 1)" "chat.pid is written"
out=$(lab chat start 2>&1)
is "$?" 1 "a second start is refused"
like "$out" "already running" "... saying why"
sleep 3
out=$(lab chat status)
is "$?" 0 "status while running exits 0"
like "$out" "pc1.dc1.lab +active +acked [1-9][0-9]* .*instance sqla.dc1.lab" \
	"status: pc1.dc1.lab writes to sqla.dc1.lab"
like "$out" "pc1.dc2.lab +inactive +acked 0 " "status: an inactive server writes nothing"
lab pool set-active-servers
n1=$(ledger_ids | wc -l)
sleep 1
n2=$(ledger_ids | wc -l)
is "$n2" "$n1" "after the fence nothing more is acknowledged"
out=$(lab chat stop)
is "$?" 0 "chat stop exits 0"
ok "$([ ! -e "$LAB_DIR/chat.pid" ] && echo 0 || echo 1)" "chat.pid is removed"
lab chat status >/dev/null
is "$?" 3 "status after stop: exit 3"

acked=$(ledger_ids | wc -l)
ok "$([ "$acked" -ge 200 ] && echo 0 || echo 1)" "the ledger holds at least 200 messages ($acked)"
is "$(grep -v '^#' "$LAB_DIR/ledger" | cut -f4 | sort -u)" "sqla.dc1.lab" \
	"every message was acknowledged by sqla.dc1.lab"
is "$(grep -v '^#' "$LAB_DIR/ledger" | cut -f2 | sort -u | tr '\n' ' ')" \
	"pc1.dc1.lab pc2.dc1.lab " "only the active servers wrote"
is "$(ledger_ids | sort | uniq -d | wc -l)" 0 "no id is used twice"
out=$(sql sqla.dc1.lab "SELECT serverID, serverAddress FROM mgc.dbo.tblServerIdentity ORDER BY serverID")
like "$out" "net.tcp://pc1.dc1.lab:8011" "pc1.dc1.lab pinged tblServerIdentity"
unlike "$out" "pc1.dc2.lab" "an inactive server did not ping"
unlike "$(cat "$LAB_DIR/chat.log")" "$PCDR_SQL_PASSWORD" "no password in chat.log"

out=$(lab verify)
is "$?" 0 "verify passes"
like "$out" "acknowledged $acked, present $acked, lost 0, duplicates 0, split-brain 0" \
	"verify: every acknowledged message is present"

# --- loss ------------------------------------------------------------------------
lost=$(ledger_ids | sed -n '10p;20p;30p' | sort -n)
in_list=$(echo "$lost" | paste -sd, -)
sql sqla.dc1.lab "DELETE FROM mgc.dbo.tblChat WHERE chatId IN ($in_list)" >/dev/null
out=$(lab verify)
is "$?" 1 "verify fails when rows are missing"
like "$out" "acknowledged $acked, present $((acked - 3)), lost 3, duplicates 0, split-brain 0" \
	"verify counts three lost"
is "$(printf '%s\n' "$out" | sed -n 's/^lost: //p')" "$(echo "$lost" | paste -sd' ' -)" \
	"verify names exactly the deleted ids"
# every line has its position: the LSN after the commit and the lab clock
is "$(grep -v '^#' "$LAB_DIR/ledger" | awk -F'\t' 'NF != 7 || $6 !~ /^[0-9]+$/ ||
	$7 !~ /^20[0-9-]+T[0-9:.]+Z$/' | wc -l)" 0 "every ledger line has an LSN and a lab time"
first=$(grep -v '^#' "$LAB_DIR/ledger" | sed -n '10p' | cut -f7)
out=$(lab verify --allow-loss-after "$first")
is "$?" 0 "--allow-loss-after the first lost message's lab time: verify passes"
like "$out" "lost but allowed \(acknowledged at or after lab time $first\): 3" "... and says so"
like "$out" "acknowledged at or after the allowance and present: [1-9]" \
	"... and counts the later messages that survived"
last=$(grep -v '^#' "$LAB_DIR/ledger" | sed -n '30p' | cut -f7)
lab verify --allow-loss-after "$last" >/dev/null
is "$?" 1 "--allow-loss-after the last lost message's lab time: verify fails"
lsn1=$(grep -v '^#' "$LAB_DIR/ledger" | sed -n '10p' | cut -f6)
out=$(lab verify --allow-loss-after "$lsn1")
is "$?" 0 "--allow-loss-after the first lost message's LSN: verify passes"
like "$out" "lost but allowed \(acknowledged at or after LSN $lsn1\): 3" "... and says so"
lsn3=$(grep -v '^#' "$LAB_DIR/ledger" | sed -n '30p' | cut -f6)
lab verify --allow-loss-after "$lsn3" >/dev/null
is "$?" 1 "--allow-loss-after the last lost message's LSN: verify fails"
lab verify --allow-loss-after yesterday >/dev/null 2>&1
is "$?" 2 "a bad time is an error (exit 2)"
lab verify --allow-loss-after >/dev/null 2>&1
is "$?" 129 "--allow-loss-after without a time is a usage error"

# --- duplicates and split brain --------------------------------------------------
dup=$(ledger_ids | sed -n '40p')
sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblChat SELECT * FROM mgc.dbo.tblChat WHERE chatId = $dup" \
	>/dev/null
out=$(lab verify --allow-loss-after "$first")
is "$?" 1 "verify fails on a duplicate"
like "$out" "duplicates 1, split-brain 0" "verify counts one duplicate"
like "$out" "duplicates: $dup" "... naming it"
printf '42\tpc1.dc2.lab\t%s\tsqla.dc2.lab\tONLINE\t-\t-\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)" \
	>>"$LAB_DIR/ledger"
sql sqla.dc1.lab "INSERT INTO mgc.dbo.tblChat (channelId, chatId, chatDate, userId, isAlert,
	content) VALUES (3, 42, 0, 3, 0, N'forged')" >/dev/null
out=$(lab verify --allow-loss-after "$first")
like "$out" "split-brain 1" "a message acknowledged in dc2 while the pool was Normal is split brain"
like "$out" "split-brain: 42" "... naming it"

# --- following the pool and the failover partner ---------------------------------
# A world where mgc is ONLINE on the home site's second instance (as after a
# mirroring failover) and on the backup site's principal. The engine has no
# mirroring yet, so the home principal answers 4060 (no mgc) rather than 954:
# the same path for a chat server, which must move to the partner.
"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null
rm -rf "$LAB_DIR"
cat >"$TMP/moved.yaml" <<'YAML'
pool: "service:atl-pchat.lab"
share: { unc: '\\fs1.lab\pchat-ls', dir: share }
sites:
  - { name: dc1, home: true, chatServers: [pc1.dc1.lab, pc2.dc1.lab] }
  - { name: dc2, chatServers: [pc1.dc2.lab, pc2.dc2.lab] }
instances:
  - { name: sqla.dc1.lab, site: dc1 }
  - name: sqlb.dc1.lab
    site: dc1
    databases: [{ name: mgc, recovery: FULL, sizeMB: 64 }]
  - name: sqla.dc2.lab
    site: dc2
    databases: [{ name: mgc, recovery: FULL, sizeMB: 64 }]
  - { name: sqlb.dc2.lab, site: dc2 }
logins:
  - { name: pcdr, password: "Lab-Pcdr-2026!", sysadmin: true }
YAML
lab_up "$TMP/moved.yaml"
like "$(sql sqlb.dc1.lab "SELECT name FROM sys.databases WHERE name = 'mgc'")" "mgc" \
	"moved world: mgc is on sqlb.dc1.lab"
lab pool set-active-servers pc1.dc1.lab
lab chat start --rate 50 >/dev/null
sleep 1.5
lab pool set-active-servers
sleep 0.3
lab pool set-state FailedOver
lab pool set-active-servers pc1.dc2.lab
sleep 1.5
lab chat stop >/dev/null
insts=$(grep -v '^#' "$LAB_DIR/ledger" | cut -f4 | uniq | tr '\n' ' ')
is "$insts" "sqlb.dc1.lab sqla.dc2.lab " \
	"acknowledged by the home partner, then by the backup principal after FailedOver"
like "$(cat "$LAB_DIR/chat.log")" "pc1.dc1.lab: cannot connect to 'sqla.dc1.lab'" \
	"chat.log: the home principal refused the login"
like "$(cat "$LAB_DIR/chat.log")" "pc1.dc1.lab: connected to mgc on 'sqlb.dc1.lab'" \
	"chat.log: ... and the server moved to its partner"
home=$(grep -v '^#' "$LAB_DIR/ledger" | grep -c 'sqlb.dc1.lab')
total=$(ledger_ids | wc -l)
out=$(lab verify)
is "$?" 1 "verify after FailedOver without shipping: the home site's messages are lost"
like "$out" "authority: 'sqla.dc2.lab' \(pool FailedOver\)" "verify reads the backup principal"
like "$out" "acknowledged $total, present $((total - home)), lost $home, duplicates 0, split-brain 0" \
	"every message acknowledged in dc1 is lost, none is split brain"
first=$(grep -v '^#' "$LAB_DIR/ledger" | head -1 | cut -f7)
lab verify --allow-loss-after "$first" >/dev/null
is "$?" 0 "... which --allow-loss-after the first message allows"

# --- the lab stopping stops the traffic ---------------------------------------------
lab chat start >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do
	lab chat status >/dev/null || break
	sleep 0.5
done
lab chat status >/dev/null
is "$?" 3 "chat traffic stops by itself once the lab is down"

done_testing
