#!/usr/bin/env bash
# pcdr plan against the lab (plan_lab_setup.bash: the lab's own host
# configuration, a spec repository made with git, `pcdr-lab pool` as the
# pool command). The lab starts bare (mgc on sqla.dc1 only): plan shows
# the bootstrap plan as text, markdown and JSON, saves it, and exits 2
# with --detailed-exitcode; an instance that does not answer and a
# failing pool command block the steps that need them (exit 3).
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/plan_lab_setup.bash"
plan() { "$PCDR" plan --config "$CONFIG" --repo "$TMP/specs" "$@"; }

# --- the bootstrap plan --------------------------------------------------------
out=$(plan --detailed-exitcode 2>"$TMP/err")
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
plan >/dev/null 2>&1
is "$?" 0 "plan: exit 0 without --detailed-exitcode"
PCDR_CONFIG="$CONFIG" "$PCDR" plan --repo "$TMP/specs" --ref main --pool atl-pchat >/dev/null 2>&1
is "$?" 0 "plan: PCDR_CONFIG names the configuration"

md=$(plan --output markdown)
like "$md" "^Spec commit \`$commit\`: Lab pool, primary dc1$" "markdown: spec commit"
like "$md" '^\| current \| Normal \| \(none\) \|$' "markdown: current pool state"
like "$md" '^Service: the pool is not fenced; it keeps serving throughout' "markdown: service"

plan --output json >"$TMP/plan.json"
is "$(python3 -c "import json; d=json.load(open('$TMP/plan.json')); print(d['format_version'], d['status'], len(d['steps']), d['spec']['path'])")" \
	"1 ready 7 pools/atl-pchat.yaml" "json: format_version, status, steps, spec path"

plan --out "$TMP/saved.json" >/dev/null
is "$?" 0 "--out: exit 0"
is "$(python3 -c "import json; d=json.load(open('$TMP/saved.json')); print(d['spec']['commit'] == '$(git -C "$TMP/specs" rev-parse HEAD)', d['fingerprint']['facts']['sqla.dc1.lab/mgc.state'])")" \
	"True ONLINE" "--out: the spec commit and the facts"

# --- an instance that does not answer blocks what needs it -----------------
lab_config unreachable sqla.dc2.lab
out=$("$PCDR" plan --config "$TMP/config.yaml" --repo "$TMP/specs" --detailed-exitcode)
is "$?" 3 "unreachable sqla.dc2.lab: exit 3"
like "$out" "BLOCKED: 'sqla\\.dc2\\.lab' is unreachable" "unreachable: the blocked step says why"

# --- a failing pool command blocks the pool steps ---------------------------
lab_config pool-command false
out=$("$PCDR" plan --config "$TMP/config.yaml" --repo "$TMP/specs")
is "$?" 3 "failing pool command: exit 3"
like "$out" "BLOCKED: .*pool" "failing pool command: the pool step is blocked"

# --- errors -------------------------------------------------------------------
"$PCDR" plan --config "$TMP/nonexistent.yaml" >/dev/null 2>"$TMP/err"
is "$?" 1 "missing configuration: exit 1"
plan --pool nope >/dev/null 2>"$TMP/err"
is "$?" 1 "unknown pool: exit 1"
like "$(cat "$TMP/err")" "no pool 'nope' in 'pools/' at commit $commit" "unknown pool: says so"
plan --output yaml >/dev/null 2>&1
is "$?" 129 "bad --output: usage error"

done_testing
