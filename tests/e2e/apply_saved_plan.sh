#!/usr/bin/env bash
# pcdr apply PLANFILE: a plan saved with `pcdr plan --out` runs when the
# world and the spec are as they were; it is refused with exit 4 and the
# list of the facts that moved when someone changed the pool meanwhile,
# and when the spec commit moved.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_lab_setup.bash"
spec_commit "Activate dc1's servers" pc1.dc1.lab pc2.dc1.lab
plan() { "$PCDR" plan --config "$CONFIG" --repo "$TMP/specs" "$@"; }

plan --out "$TMP/p1.json" >/dev/null
is "$?" 0 "plan --out saved the plan"
out=$(apply --auto-approve "$TMP/p1.json" 2>"$TMP/err")
is "$?" 0 "apply PLANFILE: an unchanged world runs it"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the saved plan's step ran"

# someone clears the list, a plan is saved, then someone changes it by hand
"$PCDR_LAB" --dir "$LAB_DIR" pool set-active-servers >/dev/null
plan --out "$TMP/p2.json" >/dev/null
"$PCDR_LAB" --dir "$LAB_DIR" pool set-active-servers pc1.dc1.lab >/dev/null
apply --auto-approve "$TMP/p2.json" >"$TMP/out" 2>"$TMP/err"
is "$?" 4 "a fact moved: exit 4"
like "$(cat "$TMP/err")" "pool.active_servers: was \\(none\\), now pc1.dc1.lab" \
	"the fact that moved is listed with both values"
like "$(cat "$TMP/err")" "the saved plan is stale" "the saved plan is called stale"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab"]}' "stale: nothing ran"
is "$(audit_results)" "succeeded intent " "stale: nothing recorded"

# the spec moves on after the plan was saved
plan --out "$TMP/p3.json" >/dev/null
spec_commit "Only pc1" pc1.dc1.lab
apply --auto-approve "$TMP/p3.json" >"$TMP/out" 2>"$TMP/err"
is "$?" 4 "the spec commit moved: exit 4"
like "$(cat "$TMP/err")" "saved plan was made at spec commit [0-9a-f]{12}, the spec is now at [0-9a-f]{12}" \
	"both commits are named"

echo '{"kind": "something-else"}' >"$TMP/bad.json"
apply --auto-approve "$TMP/bad.json" >/dev/null 2>"$TMP/err"
is "$?" 1 "not a saved plan: exit 1"
like "$(cat "$TMP/err")" "is not a saved plan" "says so"

done_testing
