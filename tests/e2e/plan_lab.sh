#!/usr/bin/env bash
# pcdr plan and pcdr status against the lab: a host configuration that
# points at the lab's instances (its freetds.conf, its login in the
# environment), a spec repository made with git from examples/lab/pools/,
# and a pool command. The lab has no pool verb yet, so the pool command is
# a small script in the test folder that keeps the pool state in a JSON
# file. The lab starts bare (mgc on sqla.dc1 only): plan shows the
# bootstrap plan, status the databases; an instance that does not answer
# blocks the steps that need it; a failing pool command blocks the pool
# steps.
. "$TOP/tests/lib.sh"

lab_up

# --- the spec repository, the pool command, the host configuration --------
mkdir -p "$TMP/specs/pools"
cp "$TOP/examples/lab/pools/atl-pchat.yaml" "$TMP/specs/pools/"
git -C "$TMP/specs" init -q -b main
git -C "$TMP/specs" add .
git -C "$TMP/specs" -c user.name=Lab -c user.email=lab@example.invalid commit -qm "Lab pool, primary dc1"
commit=$(git -C "$TMP/specs" rev-parse --short=7 HEAD)

cat >"$TMP/pool.sh" <<'SH'
#!/bin/sh
# a pool command for tests: the pool state in pool.json beside this script
f="$(dirname "$0")/pool.json"
[ -f "$f" ] || printf '{"state": "Normal", "activeServers": []}\n' >"$f"
case "$1" in
get) cat "$f" ;;
fail) exit 3 ;;
*) echo "pool.sh: '$1' is not supported here" >&2; exit 2 ;;
esac
SH
chmod +x "$TMP/pool.sh"

config() { # config [INSTANCE ADDRESS]: writes $TMP/config.yaml, one instance maybe moved
	{
		printf 'source:\n  repository: %s\n  ref: main\n' "$TMP/specs"
		printf 'credentials:\n  env: { user: PCDR_SQL_USER, password: PCDR_SQL_PASSWORD }\n'
		printf 'sql:\n  tls: off\n  loginTimeout: 5s\ninstances:\n'
		for i in sqla.dc1.lab sqlb.dc1.lab sqla.dc2.lab sqlb.dc2.lab; do
			if [ "$i" = "${1:-}" ]; then
				printf '  %s: { address: "%s" }\n' "$i" "$2"
			else
				printf '  %s: { server: %s }\n' "$i" "$i"
			fi
		done
		printf 'pools:\n  atl-pchat:\n    command: [%s]\n    timeout: 10s\n' "$TMP/pool.sh"
	} >"$TMP/config.yaml"
}
config

# --- plan: the bootstrap plan ----------------------------------------------
out=$("$PCDR" plan --config "$TMP/config.yaml" --detailed-exitcode 2>"$TMP/err")
is "$?" 2 "plan: bootstrap has changes (exit 2 with --detailed-exitcode)"
is "$(cat "$TMP/err")" "" "plan: nothing on stderr"
like "$out" "^spec commit $commit: Lab pool, primary dc1$" "plan: names the spec commit"
like "$out" "^plan for pool 'atl-pchat': ready, 7 steps, 0 blocked$" "plan: ready, 7 steps"
like "$out" "unfence  pool\\.set_active_servers \\[pc1\\.dc1\\.lab, pc2\\.dc1\\.lab\\]" \
	"plan: sets the active servers"
like "$out" "protect  sql\\.seed mgc sqla\\.dc1\\.lab -> sqlb\\.dc1\\.lab" "plan: seeds the mirror"
like "$out" "protect  sql\\.establish_mirroring mgc principal sqla\\.dc1\\.lab, mirror sqlb\\.dc1\\.lab" \
	"plan: establishes mirroring"
like "$out" "protect  sql\\.seed mgc sqla\\.dc1\\.lab -> sqla\\.dc2\\.lab" "plan: seeds dc2"
like "$out" "protect  sql\\.configure_log_shipping mgc sqla\\.dc1\\.lab \\+ sqlb\\.dc1\\.lab -> sqla\\.dc2\\.lab" \
	"plan: configures log shipping"
"$PCDR" plan --config "$TMP/config.yaml" >/dev/null 2>&1
is "$?" 0 "plan: exit 0 without --detailed-exitcode"
PCDR_CONFIG="$TMP/config.yaml" "$PCDR" plan --pool atl-pchat >/dev/null 2>&1
is "$?" 0 "plan: PCDR_CONFIG names the configuration"

md=$("$PCDR" plan --config "$TMP/config.yaml" --output markdown)
like "$md" "^Spec commit \`$commit\`: Lab pool, primary dc1$" "markdown: spec commit"
like "$md" '^\| current \| Normal \| \(none\) \|$' "markdown: current pool state"

"$PCDR" plan --config "$TMP/config.yaml" --output json >"$TMP/plan.json"
is "$(python3 -c "import json; d=json.load(open('$TMP/plan.json')); print(d['format_version'], d['status'], len(d['steps']), d['spec']['path'])")" \
	"1 ready 7 pools/atl-pchat.yaml" "json: format_version, status, steps, spec path"

"$PCDR" plan --config "$TMP/config.yaml" --out "$TMP/saved.json" >/dev/null
is "$?" 0 "--out: exit 0"
is "$(python3 -c "import json; d=json.load(open('$TMP/saved.json')); print(d['spec']['commit'] == '$(git -C "$TMP/specs" rev-parse HEAD)', d['fingerprint']['facts']['sqla.dc1.lab/mgc.state'])")" \
	"True ONLINE" "--out: the spec commit and the facts"

# --- status ------------------------------------------------------------------
st=$("$PCDR" status --config "$TMP/config.yaml")
is "$?" 0 "status: exit 0"
like "$st" "^pool 'atl-pchat': Normal, active servers \\(none\\)$" "status: pool state"
like "$st" "^sqla\\.dc1\\.lab +dc1 +yes +mgc +ONLINE " "status: mgc online on sqla.dc1.lab"
like "$st" "^ +mgccomp +ONLINE " "status: mgccomp online"
like "$st" "^sqla\\.dc2\\.lab +dc2 +yes +mgccomp +ONLINE " "status: mgccomp on sqla.dc2.lab"
like "$st" "^sqlb\\.dc1\\.lab +dc1 +yes +\\(no user database\\)" "status: sqlb.dc1.lab is empty"
"$PCDR" status --config "$TMP/config.yaml" --output json >"$TMP/status.json"
is "$(python3 -c "import json; d=json.load(open('$TMP/status.json')); print(d['format_version'], [db['name'] for db in d['observed']['instances'][0]['databases']])")" \
	"1 ['mgc', 'mgccomp']" "status json: the databases"

"$PCDR" debug observe --config "$TMP/config.yaml" >"$TMP/observed.json"
is "$?" 0 "debug observe: exit 0"
"$PCDR" debug desired "$TMP/specs/pools/atl-pchat.yaml" >"$TMP/desired.json"
"$PCDR" debug plan --desired "$TMP/desired.json" --observed "$TMP/observed.json" >"$TMP/replay"
"$PCDR" plan --config "$TMP/config.yaml" | tail -n +2 >"$TMP/live"
is "$(cat "$TMP/replay")" "$(cat "$TMP/live")" "debug observe: its fixture plans as the live pool does"

# --- an instance that does not answer blocks what needs it -----------------
config sqla.dc2.lab 127.0.0.1:1
out=$("$PCDR" plan --config "$TMP/config.yaml" --detailed-exitcode)
is "$?" 3 "unreachable sqla.dc2.lab: exit 3"
like "$out" "BLOCKED: 'sqla\\.dc2\\.lab' is unreachable" "unreachable: the blocked step says why"
st=$("$PCDR" status --config "$TMP/config.yaml")
like "$st" "^sqla\\.dc2\\.lab +dc2 +no: " "status: unreachable instance"

# --- a failing pool command blocks the pool steps ---------------------------
config
sed -i "s|command: \\[$TMP/pool.sh\\]|command: [$TMP/pool.sh, fail]|" "$TMP/config.yaml"
out=$("$PCDR" plan --config "$TMP/config.yaml")
is "$?" 3 "failing pool command: exit 3"
like "$out" "BLOCKED: .*pool" "failing pool command: the pool step is blocked"

# --- errors -------------------------------------------------------------------
"$PCDR" plan --config "$TMP/nonexistent.yaml" >/dev/null 2>"$TMP/err"
is "$?" 1 "missing configuration: exit 1"
config
"$PCDR" plan --config "$TMP/config.yaml" --pool nope >/dev/null 2>"$TMP/err"
is "$?" 1 "unknown pool: exit 1"
like "$(cat "$TMP/err")" "no pool 'nope' in 'pools/' at commit $commit" "unknown pool: says so"
"$PCDR" plan --config "$TMP/config.yaml" --output yaml >/dev/null 2>&1
is "$?" 129 "bad --output: usage error"

done_testing
