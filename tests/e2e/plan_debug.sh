#!/usr/bin/env bash
# pcdr debug plan on model files (tests/data/plan/): the pure planner
# behind `pcdr plan`, without SQL Server or git. Exit codes (docs/plan.md):
# converged 0 (also with --detailed-exitcode), changes 0 or 2 with
# --detailed-exitcode, blocked 3; the text, markdown and JSON outputs; a
# saved plan; and refusals of bad input.
. "$TOP/tests/lib.sh"
D="$TOP/tests/data/plan"

run() { # run ARGS...: sets out, err, rc
	out=$("$PCDR" debug plan "$@" 2>"$TMP/err")
	rc=$?
	err=$(cat "$TMP/err")
}

# converged: zero steps, exit 0 with and without --detailed-exitcode
run --desired "$D/desired-dc1.json" --observed "$D/observed-converged.json"
is "$rc" 0 "converged: exit 0"
is "$out" "plan for pool 'atl-pchat': converged, 0 steps, 0 blocked" "converged: zero steps"
run --desired "$D/desired-dc1.json" --observed "$D/observed-converged.json" --detailed-exitcode
is "$rc" 0 "converged: exit 0 with --detailed-exitcode"

# bootstrap: changes, exit 2 only with --detailed-exitcode
run --desired "$D/desired-dc1.json" --observed "$D/observed-bootstrap.json"
is "$rc" 0 "bootstrap: exit 0 without --detailed-exitcode"
like "$out" "^plan for pool 'atl-pchat': ready, 7 steps, 0 blocked" "bootstrap: 7 steps"
like "$out" " 4\\. protect  sql\\.seed mgc sqla\\.dc1\\.litwareinc\\.com -> sqla\\.dc2\\.litwareinc\\.com" \
	"bootstrap: seeds the log shipping secondary"
unlike "$out" $'\033' "text: no colour when stdout is not a terminal"
run --desired "$D/desired-dc1.json" --observed "$D/observed-bootstrap.json" --detailed-exitcode
is "$rc" 2 "bootstrap: exit 2 with --detailed-exitcode"

# blocked: exit 3, whatever --detailed-exitcode says
run --desired "$D/desired-dc1.json" --observed "$D/observed-blocked.json"
is "$rc" 3 "blocked: exit 3"
like "$out" "BLOCKED: 'sqla\\.dc2\\.litwareinc\\.com' is unreachable \\(connection refused\\)" \
	"blocked: says why"
run --desired "$D/desired-dc1.json" --observed "$D/observed-blocked.json" --detailed-exitcode
is "$rc" 3 "blocked: exit 3 with --detailed-exitcode"

# markdown: the disaster failover to dc2
run --desired "$D/desired-dc2.json" --observed "$D/observed-dc1-lost.json" --output markdown
is "$rc" 3 "markdown: same exit code as text"
like "$out" '^### pcdr plan for pool `atl-pchat`: blocked' "markdown: heading"
like "$out" '^\| desired \| FailedOver \| pc1\.dc2\.litwareinc\.com, pc2\.dc2\.litwareinc\.com \|$' \
	"markdown: desired pool state"
like "$out" '^Service: the pool stops taking connections at step 1 and serves again after step 6\.$' \
	"markdown: when service is restored"
like "$out" "^- exposure: 'mgc' on lost authority 'sqla\\.dc1\\.litwareinc\\.com'" \
	"markdown: data-loss exposure"
like "$out" '^\| 9 \| `sql\.seed mgc sqla\.dc2\.litwareinc\.com -> sqla\.dc1\.litwareinc\.com` \|' \
	"markdown: blocked steps table"
like "$out" '^\*\*protect\*\*$' "markdown: steps by phase"

# json: structure
run --desired "$D/desired-dc2.json" --observed "$D/observed-converged.json" --output json \
	--detailed-exitcode
is "$rc" 2 "json: planned switchover, exit 2"
printf '%s' "$out" >"$TMP/plan.json"
json() { python3 -c "import json,sys; d=json.load(open('$TMP/plan.json')); print($1)"; }
is "$(json 'd["format_version"]')" 1 "json: format_version"
is "$(json 'd["status"]')" ready "json: status"
is "$(json 'd["steps"][0]["kind"]')" pool.set_active_servers "json: first step is the fence"
is "$(json 'd["steps"][0]["phase"]')" fence "json: phase"
is "$(json 'd["steps"][0]["risk"]')" outage "json: risk"
is "$(json 'sorted(d["steps"][0].keys())')" \
	"['blocked', 'dependencies', 'facts', 'kind', 'number', 'phase', 'reason', 'risk', 'target']" \
	"json: step fields"
is "$(json 'all(s["dependencies"] == sorted(s["dependencies"]) and all(x < s["number"] for x in s["dependencies"]) for s in d["steps"])')" \
	True "json: dependencies point at earlier steps"
is "$(json 'd["steps"][0]["facts"]["pool.state"]')" Normal "json: facts"

# saved plan
run --desired "$D/desired-dc2.json" --observed "$D/observed-converged.json" --out "$TMP/saved.json"
is "$rc" 0 "--out: exit 0"
saved() { python3 -c "import json; d=json.load(open('$TMP/saved.json')); print($1)"; }
is "$(saved 'd["kind"], d["pool"], d["plan"]["status"]')" "pcdr-saved-plan atl-pchat ready" \
	"--out: a saved plan"
is "$(saved 'd["fingerprint"]["value"]')" \
	"$(saved '"".join(k + "=" + v + "\n" for k, v in sorted(d["fingerprint"]["facts"].items()))' |
		head -c -1 | git hash-object --stdin)" \
	"--out: the fingerprint is the git blob id of the sorted facts"

# bad input
run --desired "$D/observed-converged.json" --observed "$D/observed-converged.json"
is "$rc" 1 "an observed model as desired: exit 1"
like "$err" "is not a desired model" "an observed model as desired: says so"
printf '{"format_version": 1, "instances": [{"name": "a", "databases": [{"name": "mgc", "state": "ONLNE"}]}]}' \
	>"$TMP/bad.json"
run --desired "$D/desired-dc1.json" --observed "$TMP/bad.json"
is "$rc" 1 "bad model: exit 1"
is "$err" "pcdr debug plan: invalid model: instances[0].databases[0].state: unknown value" \
	"bad model: names the field"
run --desired "$D/desired-dc1.json"
is "$rc" 129 "missing --observed: usage error"
run --desired "$D/desired-dc1.json" --observed "$D/observed-converged.json" --output yaml
is "$rc" 129 "unknown output: usage error"

# debug desired reproduces the desired fixture's shape from a spec
out=$("$PCDR" debug desired "$TOP/examples/lab/pools/atl-pchat.yaml")
is "$?" 0 "debug desired: exit 0"
like "$out" '"model": "desired"' "debug desired: a desired model"

# pcdr debug is hidden from the command list
unlike "$("$PCDR" help)" "debug" "debug is hidden"

done_testing
