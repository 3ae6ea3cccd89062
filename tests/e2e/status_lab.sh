#!/usr/bin/env bash
# pcdr status against the lab (plan_lab_setup.bash): the bare lab's
# databases and pool state as a table and as JSON, an instance that does
# not answer, `pcdr debug observe`, whose fixture plans exactly as the
# live pool does, and the chat servers' pings once they run.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/plan_lab_setup.bash"
status() { "$PCDR" status --config "$CONFIG" --repo "$TMP/specs" "$@"; }

st=$(status)
is "$?" 0 "status: exit 0"
like "$st" "^spec commit $commit: Lab pool, primary dc1$" "status: names the spec commit"
like "$st" "^pool 'atl-pchat': Normal, active servers \\(none\\)$" "status: pool state"
like "$st" "^spec: Normal, active servers pc1\\.dc1\\.lab, pc2\\.dc1\\.lab$" "status: the spec's pool"
like "$st" "^INSTANCE +SITE +REACHABLE +DATABASE +STATE +MIRRORING +LOG SHIPPING +LAST RESTORED +SESSIONS +NOTE$" \
	"status: the columns"
like "$st" "^sqla\\.dc1\\.lab +dc1 +yes +mgc +ONLINE +- +- +- +0$" "status: mgc online on sqla.dc1.lab"
like "$st" "^ +mgccomp +ONLINE " "status: mgccomp online"
like "$st" "^sqla\\.dc2\\.lab +dc2 +yes +mgccomp +ONLINE " "status: mgccomp on sqla.dc2.lab"
like "$st" "^sqlb\\.dc1\\.lab +dc1 +yes +\\(no user database\\)" "status: sqlb.dc1.lab is empty"

status --output json >"$TMP/status.json"
is "$?" 0 "status json: exit 0"
is "$(python3 -c "import json; d=json.load(open('$TMP/status.json')); print(d['format_version'], d['pool'], [db['name'] for db in d['observed']['instances'][0]['databases']], d['observed']['pool']['state'])")" \
	"1 atl-pchat ['mgc', 'mgccomp'] Normal" "status json: the databases and the pool"
status --output markdown >/dev/null 2>&1
is "$?" 129 "status: markdown is not an output of status"

lab_config unreachable sqlb.dc2.lab
st=$("$PCDR" status --config "$TMP/config.yaml" --repo "$TMP/specs")
is "$?" 0 "status: an unreachable instance is not an error"
like "$st" "^sqlb\\.dc2\\.lab +dc2 +no +.*sqlb\\.dc2\\.lab" "status: unreachable, and why"

"$PCDR" debug observe --config "$CONFIG" --repo "$TMP/specs" >"$TMP/observed.json"
is "$?" 0 "debug observe: exit 0"
unlike "$(cat "$TMP/observed.json")" "$PCDR_SQL_PASSWORD" "debug observe: no credential in the fixture"
"$PCDR" debug desired "$TMP/specs/pools/atl-pchat.yaml" >"$TMP/desired.json"
"$PCDR" debug plan --desired "$TMP/desired.json" --observed "$TMP/observed.json" >"$TMP/replay"
"$PCDR" plan --config "$CONFIG" --repo "$TMP/specs" | tail -n +2 >"$TMP/live"
is "$(cat "$TMP/replay")" "$(cat "$TMP/live")" "debug observe: its fixture plans as the live pool does"

# --- chat servers pinging tblServerIdentity ----------------------------------
"$PCDR_LAB" --dir "$LAB_DIR" pool set-active-servers pc1.dc1.lab pc2.dc1.lab
"$PCDR_LAB" --dir "$LAB_DIR" chat start >/dev/null 2>&1
for _ in 1 2 3 4 5 6 7 8 9 10; do
	st=$(status)
	printf '%s' "$st" | grep -q '^recent pings: pc1\.dc1\.lab pc2\.dc1\.lab$' && break
	sleep 0.5
done
"$PCDR_LAB" --dir "$LAB_DIR" chat stop >/dev/null 2>&1
like "$st" "^pool 'atl-pchat': Normal, active servers pc1\\.dc1\\.lab, pc2\\.dc1\\.lab$" \
	"status: the active servers the pool command reports"
like "$st" "^recent pings: pc1\\.dc1\\.lab pc2\\.dc1\\.lab$" \
	"status: the servers pinging tblServerIdentity, by host name"

done_testing
