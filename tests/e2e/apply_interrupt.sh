#!/usr/bin/env bash
# SIGINT or SIGTERM during an apply: the running step finishes, no new
# one starts, the final record says `interrupted`, the state left behind
# is printed and apply exits 1. The pool command is slowed down so the
# signal arrives while the step runs.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_lab_setup.bash"
spec_commit "Activate dc1's servers" pc1.dc1.lab pc2.dc1.lab
pool_wrapper slow 'sleep 1'

for sig in INT TERM; do
	"$PCDR_LAB" --dir "$LAB_DIR" pool set-active-servers >/dev/null
	rm -f "$TMP/out" "$TMP/err"
	(trap - EXIT; exec "$PCDR" apply --config "$TMP/slow.yaml" --repo "$TMP/specs" --auto-approve \
		>"$TMP/out" 2>"$TMP/err") &
	pid=$!
	for _ in $(seq 1 100); do grep -q 'event=step_start' "$TMP/out" 2>/dev/null && break; sleep 0.1; done
	kill -"$sig" "$pid"
	wait "$pid"
	is "$?" 1 "SIG$sig: exit 1"
	like "$(cat "$TMP/out")" "event=step_end step=1 result=succeeded" "SIG$sig: the running step finished"
	like "$(cat "$TMP/err")" "interrupted: the running steps finished, no new one started" \
		"SIG$sig: says it was interrupted"
	like "$(cat "$TMP/err")" "state left behind" "SIG$sig: the state left behind is printed"
	is "$(audit_results | cut -d' ' -f1-2)" "interrupted intent" "SIG$sig: the final record says interrupted"
done
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the step that was running completed"

done_testing
