#!/usr/bin/env bash
# pcdr apply against the lab, what today's lab supports end to end: an
# active server change (one pool step). Without a terminal apply refuses
# unless --auto-approve; with it the step runs and the pool shows the
# servers; a second apply changes nothing; the audit branch has the
# intent and the final record, and no object of the repository holds the
# SQL password; --log-format json prints one JSON object per event.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_lab_setup.bash"
spec_commit "Activate dc1's servers" pc1.dc1.lab pc2.dc1.lab

out=$(apply 2>"$TMP/err")
is "$?" 1 "no terminal, no --auto-approve: refused (exit 1)"
like "$(cat "$TMP/err")" "refusing to apply 1 step without approval: stdin is not a terminal" \
	"refusal says why"
is "$(pool_get)" '{"state":"Normal","activeServers":[]}' "refused: the pool is unchanged"
is "$(audit_results)" "" "refused: nothing recorded"

out=$(apply --auto-approve 2>"$TMP/err")
is "$?" 0 "apply --auto-approve: exit 0"
like "$out" "plan for pool 'atl-pchat': ready, 1 step, 0 blocked" "apply shows the plan"
like "$out" "event=step_start step=1 kind=pool.set_active_servers targets=\"\\[pc1.dc1.lab, pc2.dc1.lab\\]\"" \
	"without a terminal: a log line when the step starts"
like "$out" "event=step_end step=1 result=succeeded elapsed=[0-9.]+s" "a log line when it ends"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the pool has the spec's active servers"
is "$(audit_results)" "succeeded intent " "audit branch: intent, then the final record"
rec=$(git -C "$TMP/specs" show pcdr/audit --name-only --format= | grep -v intent)
is "$(git -C "$TMP/specs" show "pcdr/audit:$rec" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["result"], r["kind"], len(r["steps"]), r["steps"][0]["name"], r["steps"][0]["result"], r["spec_commit"] == sys.argv[1])' "$(git -C "$TMP/specs" rev-parse main)")" \
	"succeeded converge 1 pool.set_active_servers succeeded True" "the final record's result, kind and step"
ids=$(git -C "$TMP/specs" log pcdr/audit --format='%(trailers:key=Apply-Id,valueonly)' | grep . | sort -u | wc -l)
is "$ids" 1 "the intent and the final record carry one apply id"
is "$("$PCDR" history --repo "$TMP/specs" | grep -c INCOMPLETE)" 0 \
	"history pairs the intent with its final record"

out=$(apply --auto-approve --log-format json 2>"$TMP/err")
is "$?" 0 "second apply: exit 0"
like "$out" "plan for pool 'atl-pchat': converged, 0 steps, 0 blocked" "second apply: zero steps"
is "$(printf '%s\n' "$out" | grep '^{' | python3 -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in sys.stdin))')" \
	"apply_end" "--log-format json: one JSON object per event"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"second apply: the pool is unchanged"

leaks=$(git -C "$TMP/specs" cat-file --batch-all-objects --batch 2>/dev/null | grep -c -F -- "$PCDR_SQL_PASSWORD")
is "$leaks" 0 "no object in the spec repository holds the SQL password"
hist=$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat)
like "$hist" "atl-pchat +converge +succeeded \\(1 step" "pcdr history lists the apply"

# --- a pool step that cannot run is blocked: exit 3, nothing run -------------
"$PCDR_LAB" --dir "$LAB_DIR" pool set-active-servers >/dev/null
sed "s|^    command: .*|    command: [false]|" "$CONFIG" >"$TMP/false.yaml"
out=$(APPLY_CONFIG="$TMP/false.yaml" apply --auto-approve 2>"$TMP/err")
is "$?" 3 "pool command failing: the pool step is blocked, exit 3"
like "$out" "BLOCKED" "the plan says what is blocked"
is "$(pool_get)" '{"state":"Normal","activeServers":[]}' "blocked: the pool is unchanged"

# --- a failing step stops the run and says what was left ---------------------
pool_wrapper failset 'if [ "$1" = set-active-servers ]; then echo "Set-CsPersistentChatActiveServer: access denied" >&2; exit 1; fi'
out=$(APPLY_CONFIG="$TMP/failset.yaml" apply --auto-approve 2>"$TMP/err")
is "$?" 1 "a failing step: exit 1"
like "$(cat "$TMP/err")" "step 1 \\(pool.set_active_servers\\) failed: .*access denied" \
	"the error says which step failed and why"
like "$(cat "$TMP/err")" "state left behind \\(nothing was rolled back\\)" "the state left behind is described"
like "$(cat "$TMP/err")" " 1\\. failed +pool.set_active_servers" "the failed step is listed"
is "$(audit_results | cut -d' ' -f1-2)" "failed intent" "audit: intent, then failed"

apply --bogus >/dev/null 2>&1
is "$?" 129 "unknown option: usage error"
apply --log-format yaml >/dev/null 2>&1
is "$?" 129 "bad --log-format: usage error"

done_testing
