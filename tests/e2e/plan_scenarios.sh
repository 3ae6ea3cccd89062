#!/usr/bin/env bash
# pcdr status and pcdr plan against the lab through the scenarios of
# issue 5 (plan_lab_setup.bash: the lab's own host configuration, the
# example spec in a git repository): the bare topology (the bootstrap
# plan), an instance stopped with `pcdr-lab stop` while its steps are
# needed (blocked, exit 3) and while they are not (nothing blocked); a
# database name that needs quoting, checked in the T-SQL FreeTDS sent
# (TDSDUMP=stderr logs each dbcmd text, each connection and each batch;
# a dump file is reopened by each thread and loses lines; the lab does
# not show what it received); one login and one batch per instance
# per plan; the pool converged by `pcdr apply --auto-approve` (zero steps,
# exit 0 with --detailed-exitcode); drift made by hand: an active server
# added through the pool command and a manual SET PARTNER FAILOVER
# through tsql (`pcdr plan` reads the last applied spec from the audit
# branch, as apply does, and refuses it as drift with the spec change to
# adopt it; `pcdr debug plan` without --previous plans the way back);
# then dc1 stopped and the spec moved to dc2: the disaster failover plan
# with its exposure, which names the last log on the share (read by a
# second round trip to sqla.dc2, xp_dirtree then RESTORE HEADERONLY, made
# only for such a plan).
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/plan_lab_setup.bash"
export XDG_CACHE_HOME="$TMP/cache"
"$PCDR_LAB" --dir "$LAB_DIR" throughput 5000 >/dev/null
plan() { "$PCDR" plan --config "$CONFIG" --repo "$TMP/specs" "$@"; }
status() { "$PCDR" status --config "$CONFIG" --repo "$TMP/specs" "$@"; }
lab() { "$PCDR_LAB" --dir "$LAB_DIR" "$@" >/dev/null; }
sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1 |
		grep -v '^locale\|^using default\|^1> 2> 1>\|^1> $\|^1> 2> $'
}

# --- bare --------------------------------------------------------------------------
st=$(status)
is "$?" 0 "bare: status exit 0"
like "$st" "^sqla\\.dc1\\.lab +dc1 +yes +mgc +ONLINE +- +- +- +0$" "bare: status shows mgc on sqla.dc1 only"
like "$st" "^sqlb\\.dc1\\.lab +dc1 +yes +\\(no user database\\)" "bare: sqlb.dc1 is empty"
out=$(TDSDUMP=stderr plan --detailed-exitcode 2>"$TMP/bare.dump")
is "$?" 2 "bare: the bootstrap plan has changes (exit 2)"
like "$out" "^plan for pool 'atl-pchat': ready, 7 steps, 0 blocked$" "bare: the bootstrap plan, 7 steps"
is "$(grep -o 'tdsdbopen(' "$TMP/bare.dump" | wc -l)" 4 "bare: one login per instance"
is "$(grep -o 'dbsqlexec(' "$TMP/bare.dump" | wc -l)" 4 "bare: one batch per instance"
is "$(grep -oE 'dbsqlexec\(0x[0-9a-f]+' "$TMP/bare.dump" | sort | uniq -d)" "" \
	"bare: no connection sends a second batch"

# --- an instance stopped ------------------------------------------------------------
lab stop sqlb.dc2.lab
out=$(plan --detailed-exitcode)
is "$?" 2 "sqlb.dc2 stopped, not needed: exit 2 (changes, none blocked)"
like "$out" "ready, 7 steps, 0 blocked" "sqlb.dc2 stopped, not needed: nothing blocked"
like "$(status)" "^sqlb\\.dc2\\.lab +dc2 +no +" "sqlb.dc2 stopped: status says unreachable"
lab start sqlb.dc2.lab
lab stop sqla.dc2.lab
out=$(plan --detailed-exitcode)
is "$?" 3 "sqla.dc2 stopped, needed for log shipping: exit 3"
like "$out" "BLOCKED: 'sqla\\.dc2\\.lab' is unreachable" "sqla.dc2 stopped: the blocked step says why"
lab start sqla.dc2.lab

# --- a database name that needs quoting --------------------------------------------
mkdir -p "$TMP/hostile/pools"
sed 's/^    mgc: { logShipping: true }/    mgc-x: { logShipping: true }/' \
	"$TMP/specs/pools/atl-pchat.yaml" >"$TMP/hostile/pools/atl-pchat.yaml"
git -C "$TMP/hostile" init -q -b main
git -C "$TMP/hostile" add .
git -C "$TMP/hostile" -c user.name=Lab -c user.email=lab@example.invalid commit -qm "mgc-x"
TDSDUMP=stderr "$PCDR" plan --config "$CONFIG" --repo "$TMP/hostile" >/dev/null 2>"$TMP/hostile.dump"
ok "$([ $? -le 3 ] && echo 0 || echo 1)" "mgc-x: plan ran"
sent=$(grep -oE ".{0,2}mgc-x.{0,2}" "$TMP/hostile.dump" | sort -u)
like "$(grep -o "FROM \[mgc-x\]\.dbo\.tblServerIdentity" "$TMP/hostile.dump")" "." \
	"mgc-x: an identifier as [mgc-x]"
like "$sent" "N'mgc-x'" "mgc-x: a literal as N'mgc-x'"
is "$(printf '%s\n' "$sent" | grep -vE "\\[mgc-x\\]|'mgc-x'" | head -3)" "" \
	"mgc-x: never sent unquoted"

# --- converged by apply ---------------------------------------------------------------
"$PCDR" apply --config "$CONFIG" --repo "$TMP/specs" --auto-approve >"$TMP/apply.log" 2>&1
is "$?" 0 "apply --auto-approve converges the bare lab"
out=$(TDSDUMP=stderr plan --detailed-exitcode 2>"$TMP/conv.dump")
is "$?" 0 "converged: exit 0 with --detailed-exitcode"
like "$out" "^plan for pool 'atl-pchat': converged, 0 steps, 0 blocked$" "converged: zero steps"
is "$(grep -o 'dbsqlexec(' "$TMP/conv.dump" | wc -l)" 4 "converged: one batch per instance"
is "$(grep -c 'xp_dirtree' "$TMP/conv.dump")" 0 "converged: the share is not read (no catch-up)"
st=$(status)
like "$st" "^sqla\\.dc1\\.lab +dc1 +yes +mgc +ONLINE +PRINCIPAL SYNCHRONIZED sqlb\\.dc1\\.lab +primary -> sqla\\.dc2\\.lab" \
	"converged: status shows the principal shipping to dc2"
like "$st" "^sqlb\\.dc1\\.lab +dc1 +yes +mgc +RESTORING +MIRROR SYNCHRONIZED sqla\\.dc1\\.lab" \
	"converged: status shows the mirror"
like "$st" "^sqla\\.dc2\\.lab +dc2 +yes +mgc +RESTORING +- +secondary <- sqla\\.dc1\\.lab" \
	"converged: status shows the log shipping secondary"
"$PCDR" debug observe --config "$CONFIG" --repo "$TMP/specs" >"$TMP/conv.json"
is "$(python3 -c "
import json; d = json.load(open('$TMP/conv.json'))
i = [i for i in d['instances'] if i['name'] == 'sqla.dc1.lab'][0]
print([db['lsn'] != '0' for db in i['databases']])")" "[True, True]" \
	"converged: the principal's end-of-log LSNs are observed"
lab stop sqlb.dc2.lab
out=$(plan --detailed-exitcode)
is "$?" 0 "converged, sqlb.dc2 stopped (not needed): exit 0"
unlike "$out" "BLOCKED" "converged, sqlb.dc2 stopped: nothing blocked"
lab start sqlb.dc2.lab

# --- drift: an active server added by hand --------------------------------------------
lab pool set-active-servers pc1.dc1.lab pc2.dc1.lab pc1.dc2.lab
out=$(plan --detailed-exitcode)
is "$?" 2 "active server added: exit 2"
like "$out" "ready, 1 steps?, 0 blocked" "active server added: one step"
like "$out" "pool\\.set_active_servers \\[pc1\\.dc1\\.lab, pc2\\.dc1\\.lab\\]" \
	"active server added: sets the spec's servers back"
lab pool set-active-servers pc1.dc1.lab pc2.dc1.lab

# --- drift: a manual mirroring failover -----------------------------------------------
out=$(sql sqla.dc1.lab "ALTER DATABASE mgc SET PARTNER FAILOVER")
unlike "$out" "Msg [0-9]+ \\(severity 1" "manual SET PARTNER FAILOVER through tsql"
like "$(status)" "^sqlb\\.dc1\\.lab +dc1 +yes +mgc +ONLINE +PRINCIPAL " "failover: sqlb.dc1 is the principal"
out=$(plan --detailed-exitcode)
is "$?" 1 "failover: pcdr plan refuses (exit 1): the spec did not change since the last apply"
like "$out" "^refused: role drift" "failover: pcdr plan reads the last applied spec: the role change is drift"
like "$out" "To adopt it, change the spec: sites\\.dc1\\.principal: sqlb\\.dc1\\.lab, sites\\.dc1\\.mirror: sqla\\.dc1\\.lab" \
	"failover: pcdr plan proposes the spec change"
unlike "$out" "sql\\.mirror_failover" "failover: pcdr plan does not plan the swap back"
"$PCDR" debug observe --config "$CONFIG" --repo "$TMP/specs" >"$TMP/drift.json"
"$PCDR" debug desired "$TMP/specs/pools/atl-pchat.yaml" >"$TMP/desired.json"
out=$("$PCDR" debug plan --desired "$TMP/desired.json" --observed "$TMP/drift.json")
like "$out" "sql\\.mirror_failover mgc" "failover: without a last applied spec, the swap back is planned"
sql sqlb.dc1.lab "ALTER DATABASE mgc SET PARTNER FAILOVER" >/dev/null

# --- disaster: dc1 lost, the spec moves the primary to dc2 -----------------------------
lab stop dc1
sed -i 's/^  primary: dc1/  primary: dc2/; s/^    from: dc1/    from: dc2/; s/^    to: dc2/    to: dc1/
	s/^  activeServers: .*/  activeServers: [pc1.dc2.lab, pc2.dc2.lab]/' "$TMP/specs/pools/atl-pchat.yaml"
git -C "$TMP/specs" -c user.name=Lab -c user.email=lab@example.invalid commit -qam "primary dc2"
out=$(plan --detailed-exitcode)
is "$?" 3 "disaster: exit 3 (re-protecting dc1 waits for it)"
like "$out" "^note: exposure: 'mgc' on lost authority 'sqla\\.dc1\\.lab': changes after LSN [0-9]+ are lost" \
	"disaster: the data-loss exposure"
like "$out" "^note: exposure: .*\\(last shipped log '[^']*mgc_[^']*\\.trn', finished [0-9]{4}-" \
	"disaster: the exposure names the last log on the share, not 'unknown'"
TDSDUMP=stderr plan >/dev/null 2>"$TMP/disaster.dump"
like "$(grep -o "xp_dirtree N'[^']*', 1, 1" "$TMP/disaster.dump" | sort -u)" "xp_dirtree N'.*pchat-ls', 1, 1" \
	"disaster: the share is listed (the second round trip)"
like "$(grep -o "RESTORE HEADERONLY FROM DISK = N'[^']*mgc_[^']*\\.trn'" "$TMP/disaster.dump" | head -1)" "." \
	"disaster: a header read per .trn file, quoted"

like "$out" "move     sql\\.recover mgc on sqla\\.dc2\\.lab" "disaster: recovers the dc2 copy"
like "$out" "switch   pool\\.set_state FailedOver" "disaster: fails the pool over"
like "$out" "unfence  pool\\.set_active_servers \\[pc1\\.dc2\\.lab, pc2\\.dc2\\.lab\\]" \
	"disaster: service restored on dc2's servers"

# A saved plan reads the share too, and apply reads it again: not stale.
plan --out "$TMP/disaster-saved.json" >/dev/null
like "$(cat "$TMP/disaster-saved.json")" "last shipped log '[^']*mgc_[^']*\\.trn'" \
	"disaster: the saved plan carries the share's facts"
out=$("$PCDR" apply --config "$CONFIG" --repo "$TMP/specs" --auto-approve --allow-data-loss \
	"$TMP/disaster-saved.json" 2>&1)
rc=$?
unlike "$out" "stale|moved since" "disaster: apply of the saved plan is not stale"
is "$rc" 3 "disaster: the saved plan applied (exit 3: dc1's re-protection waits for dc1)"
hist=$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat)
like "$hist" "FAILOVER dc1 -> dc2  succeeded \\([0-9]+ steps, [1-9][0-9]* blocked: not converged yet\\)" \
	"disaster: history says the move is not converged yet"
like "$hist" "unplanned \\(disaster\\), exposure: last_lsn [0-9]+" \
	"disaster: history names the exposure (nothing to catch up: the LSN recovered at)"
like "$hist" "'mgc' on lost authority 'sqla\\.dc1\\.lab': changes after LSN [0-9]+ are lost" \
	"disaster: and the plan's exposure sentence"

done_testing
