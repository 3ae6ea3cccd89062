#!/usr/bin/env bash
# Faults during apply (3/3): the sites cut apart (`pcdr-lab partition dc1
# dc2`: mirroring across the cut and the backup share, which lives in dc1,
# are out of reach from dc2). (a) During the bootstrap: the seed of dc2's
# copy from the share fails with SQL Server's message, exit 1, the state
# left is described; after `heal` the next apply converges. (b) Before
# the planned switchover dc1 -> dc2, chat traffic running: apply refuses
# before anything runs (exit 1, naming the instance that cannot read the
# share): no fence, no demotion, the chat servers keep writing to dc1.
# After `heal` the switchover converges with zero loss.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"
. "$TOP/tests/e2e/apply_faults_setup.bash"

# --- (a) partition during the bootstrap --------------------------------------------------
lab partition dc1 dc2 >/dev/null
t0=$SECONDS
apply --auto-approve >"$TMP/boot1.out" 2>"$TMP/boot1.err"
is "$?" 1 "bootstrap across a partition: exit 1 ($((SECONDS - t0)) s)"
err=$(cat "$TMP/boot1.err")
like "$err" "pcdr apply: step [0-9]+ \\(sql\\.seed\\) failed: .*'sqla\\.dc2\\.lab'" \
	"the error names the step and the instance"
like "$err" "RESTORE.* failed: .*(backup device|share|network)" "the error carries SQL Server's message"
like "$err" "state left behind \\(nothing was rolled back\\)" "the state left behind is printed"
like "$err" "mgc: writable on sqla\\.dc1\\.lab" "state: mgc still writable on dc1"
is "$(newest_result)" "failed" "the audit record says failed"

lab heal >/dev/null
t0=$SECONDS
apply --auto-approve >"$TMP/boot2.out" 2>"$TMP/boot2.err"
rc=$?
is "$rc" 0 "healed: the next apply converges ($((SECONDS - t0)) s)"
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/boot2.err"
plan --detailed-exitcode >"$TMP/plan1.out" 2>&1
is "$?" 0 "bootstrap converged"

# --- (b) partition before the switchover -------------------------------------------------
lab chat start --rate 20 >/dev/null
sleep 2
spec_failover
lab partition dc1 dc2 >/dev/null
t0=$SECONDS
apply --auto-approve >"$TMP/sw1.out" 2>"$TMP/sw1.err"
is "$?" 1 "switchover across a partition: exit 1 ($((SECONDS - t0)) s)"
err=$(cat "$TMP/sw1.err")
like "$err" "not demoting 'mgc' on 'sqla\\.dc1\\.lab': 'sqla\\.dc2\\.lab' cannot read the backup share \\(RESTORE HEADERONLY .*Cannot open backup device" \
	"the error names the authority and the instance that cannot read the share"
like "$err" "nothing was run" "... and says nothing was run"
unlike "$(cat "$TMP/sw1.out")" "event=step_start" "no step started"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the pool is not fenced: dc1's servers still active"
is "$(copy sqla.dc1.lab mgc state)" "ONLINE" "dc1 not demoted"
n1=$(wc -l <"$LAB_DIR/ledger")
sleep 1
n2=$(wc -l <"$LAB_DIR/ledger")
ok "$([ "$n2" -gt "$n1" ] && echo 0 || echo 1)" "chat keeps writing during the partition ($n1 -> $n2)"

lab heal >/dev/null
t0=$SECONDS
apply --auto-approve >"$TMP/sw2.out" 2>"$TMP/sw2.err"
rc=$?
is "$rc" 0 "healed: the switchover converges ($((SECONDS - t0)) s)"
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/sw2.err"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"pool FailedOver, dc2's servers active"
plan --detailed-exitcode >"$TMP/plan2.out" 2>&1
rc=$?
is "$rc" 0 "converged"
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/plan2.out"
sleep 2
lab chat stop >/dev/null
lab verify >"$TMP/verify" 2>&1
is "$?" 0 "verify: no acknowledged message lost"
like "$(cat "$TMP/verify")" "lost 0, duplicates 0, split-brain 0" "verify: lost 0"
no_secret "partition" "$TMP"/*.out "$TMP"/*.err "$TMP/verify"

done_testing
