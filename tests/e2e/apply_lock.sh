#!/usr/bin/env bash
# Two applies of one pool at the same time: exactly one runs, the other
# waits --lock-timeout seconds and exits 5 naming the holder. The first
# apply's pool command is slowed down (a wrapper that sleeps before
# running `pcdr-lab pool`) so that it holds the lease long enough.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_lab_setup.bash"
spec_commit "Activate dc1's servers" pc1.dc1.lab pc2.dc1.lab
pool_wrapper slow 'sleep 2'

(trap - EXIT; exec "$PCDR" apply --config "$TMP/slow.yaml" --repo "$TMP/specs" --auto-approve \
	>"$TMP/first.out" 2>"$TMP/first.err") &
first=$!
for _ in $(seq 1 100); do [ -s "$LEASE" ] && break; sleep 0.1; done
ok "$([ -s "$LEASE" ]; echo $?)" "the first apply holds the lease"

start=$SECONDS
apply --auto-approve --lock-timeout 1 >"$TMP/second.out" 2>"$TMP/second.err"
is "$?" 5 "the second apply: exit 5 (lock held)"
like "$(cat "$TMP/second.err")" "is held by .*pid $first until" "the second apply names the holder"
ok "$([ $((SECONDS - start)) -le 5 ]; echo $?)" "it gave up after about --lock-timeout"
is "$(cat "$TMP/second.out")" "" "the second apply printed no plan and ran nothing"

wait "$first"
is "$?" 0 "the first apply: exit 0"
like "$(cat "$TMP/first.out")" "event=step_end step=1 result=succeeded" "the first apply ran its step"
is "$(audit_results)" "succeeded intent " "exactly one apply recorded"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the pool has the spec's servers"

apply --auto-approve --lock-timeout 0 >/dev/null 2>&1
is "$?" 0 "the lease was released: a later apply takes it"
apply --auto-approve --lock-timeout soon >/dev/null 2>&1
is "$?" 129 "--lock-timeout needs seconds"

done_testing
