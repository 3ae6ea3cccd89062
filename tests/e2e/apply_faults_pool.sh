#!/usr/bin/env bash
# Faults during apply: what a step touches stops answering after the step
# ran, while apply waits to observe its effect. The pool command (the
# front end) answers `set-active-servers`, then every `get` fails: apply
# stops waiting after a few seconds instead of the full postcondition
# timeout (300 s), exit 1, saying the step ran and that the pool stopped
# answering; the state left is described and the audit record says
# failed. Once the front end answers again the next apply finds the step
# done and converges.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_lab_setup.bash"
. "$TOP/tests/e2e/apply_faults_setup.bash"
spec_commit "Activate dc1's servers" pc1.dc1.lab pc2.dc1.lab
pool_wrapper gone "case \"\$1\" in
set-*) \"$PCDR_LAB\" --dir \"$LAB_DIR\" pool \"\$@\"; rc=\$?; touch '$TMP/pool-gone'; exit \$rc ;;
esac
[ -e '$TMP/pool-gone' ] && { echo 'cannot reach the front end: WinRM timed out' >&2; exit 1; }"

t0=$SECONDS
"$PCDR" apply --config "$TMP/gone.yaml" --repo "$TMP/specs" --auto-approve >"$TMP/a1.out" 2>"$TMP/a1.err"
rc=$?
took=$((SECONDS - t0))
is "$rc" 1 "the pool stops answering after the step: exit 1"
ok "$([ "$took" -lt 60 ] && echo 0 || echo 1)" "apply gave up in ${took} s, not after the 300 s postcondition timeout"
err=$(cat "$TMP/a1.err")
like "$err" "step 1 \\(pool\\.set_active_servers\\) failed: pool\\.set_active_servers ran, but the pool command stopped answering \\(.*cannot reach the front end: WinRM timed out.*\\) before its effect could be observed" \
	"the error says the step ran and the pool stopped answering, with the command's message"
like "$err" "state left behind \\(nothing was rolled back\\)" "the state left behind is printed"
like "$err" "pool: did not answer" "state: the pool did not answer"
is "$(audit_results | cut -d' ' -f1)" "failed" "the audit record says failed"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the step itself took effect"

rm -f "$TMP/pool-gone"
"$PCDR" apply --config "$TMP/gone.yaml" --repo "$TMP/specs" --auto-approve >"$TMP/a2.out" 2>"$TMP/a2.err"
is "$?" 0 "the front end is back: the next apply converges"
like "$(cat "$TMP/a2.out")" "converged, 0 steps" "nothing left to do"
no_secret "pool gone" "$TMP"/a*.out "$TMP"/a*.err

done_testing
