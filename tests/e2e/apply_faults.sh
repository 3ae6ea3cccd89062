#!/usr/bin/env bash
# Faults during apply (1/3): the target instance stopped mid-step, with
# chat traffic running. First the bootstrap: sqla.dc2.lab stopped during
# the RESTORE of its seed: exit 1 naming the step and the statement, the
# next apply reseeds and converges. Then the planned switchover dc1 -> dc2
# is applied and
# sqla.dc2.lab (slowed down with `latency` so the step lasts) is stopped
# while its sql.catch_up runs, after the tail-log backup demoted dc1.
# apply stops there: exit 1, the error names the step and the instance,
# the state left behind is described (pool fenced, no writable mgc, the
# demotion token), nothing rolled back (dc1 stays RESTORING, nothing
# recovered), the audit record says failed. Once the instance is back,
# the next plan resumes from the tail (no reseed) and apply converges
# with zero loss. The other faults: apply_faults_gap.sh (a lost log
# backup), apply_faults_partition.sh (sites cut apart) and
# apply_faults_pool.sh (the pool command silent after its step).
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"
. "$TOP/tests/e2e/apply_faults_setup.bash"

# --- the bootstrap's seed target stopped during its RESTORE ------------------------------
lab chat start --rate 20 >/dev/null
lab throughput 100 >/dev/null # the seed's restore of 512 MB takes 5 s
t0=$SECONDS
apply_bg
wait_event '"event":"step_progress".*"instance":"sqla.dc2.lab"'
ok "$?" "the bootstrap reaches the seed's restore on sqla.dc2.lab"
lab stop sqla.dc2.lab >/dev/null
apply_wait
is "$BG_RC" 1 "seed target stopped mid-restore: exit 1 ($((SECONDS - t0)) s)"
cp "$TMP/bg.err" "$TMP/seed.err"
like "$(cat "$TMP/seed.err")" "pcdr apply: step [0-9]+ \\(sql\\.seed\\) failed: RESTORE DATABASE WITH NORECOVERY on 'sqla\\.dc2\\.lab': connection to 'sqla\\.dc2\\.lab' was lost" \
	"the error names the step, the statement and the instance"
like "$(cat "$TMP/seed.err")" "mgc: writable on sqla\\.dc1\\.lab" "state: mgc still served by dc1"
is "$(newest_result)" "failed" "the audit record says failed"
lab start sqla.dc2.lab >/dev/null
lab throughput 200 >/dev/null
apply --auto-approve >"$TMP/boot.out" 2>"$TMP/boot.err"
is "$?" 0 "the next apply reseeds and converges: exit 0"
plan --detailed-exitcode >/dev/null 2>&1
is "$?" 0 "bootstrap converged"
sleep 1

# --- the switchover's target stopped during its catch-up ---------------------------------

spec_failover
lab latency sqla.dc2.lab 700 >/dev/null # each statement of the catch-up takes 0.7 s
t0=$SECONDS
apply_bg
wait_event '"event":"step_start".*"kind":"sql.catch_up"'
ok "$?" "the switchover reaches sql.catch_up on sqla.dc2.lab"
sleep 1
lab stop sqla.dc2.lab >/dev/null
apply_wait
is "$BG_RC" 1 "instance stopped mid-step: exit 1 ($((SECONDS - t0)) s)"
err=$(cat "$TMP/bg.err")
like "$err" "pcdr apply: step [0-9]+ \\(sql\\.catch_up\\) failed: .*'sqla\\.dc2\\.lab'" \
	"the error names the step and the instance"
like "$err" "(connection to 'sqla\\.dc2\\.lab' was lost|cannot connect to 'sqla\\.dc2\\.lab'|'sqla\\.dc2\\.lab' is unreachable)" \
	"the error is the lost connection"
like "$(grep '"event":"step_end"' "$TMP/bg.out")" '"result":"failed".*"message":".*sqla\.dc2\.lab' \
	"the step_end event says failed, with the message"
like "$err" "state left behind \\(nothing was rolled back\\)" "the state left behind is printed"
like "$err" "pool: Normal, no active server: fenced" "state: the pool is still fenced"
like "$err" "mgc: no copy that answered accepts writes" "state: no writable copy of mgc"
like "$err" "sqla\\.dc2\\.lab: did not answer" "state: the stopped instance did not answer"
like "$err" "demotion: mgc on sqla\\.dc1\\.lab ends at LSN [0-9]+ \\(tail-log backup .*_tail\\.trn\\)" \
	"state: the demotion token"
like "$err" "not_run +sql\\.recover mgc on sqla\\.dc2\\.lab" "nothing after the failed step ran"
is "$(newest_result)" "failed" "the audit record says failed"
is "$(copy sqla.dc1.lab mgc state)" "RESTORING" "nothing rolled back: dc1's copy stays demoted"

lab start sqla.dc2.lab >/dev/null
lab latency sqla.dc2.lab 0 >/dev/null
is "$(copy sqla.dc2.lab mgc state)" "RESTORING" "nothing recovered early: dc2's copy is RESTORING"
plan >"$TMP/plan2.out" 2>&1
out=$(cat "$TMP/plan2.out")
like "$out" "sql\\.catch_up mgc on sqla\\.dc2\\.lab up to LSN [0-9]+ from sqla\\.dc1\\.lab" \
	"the next plan catches dc2 up to the tail"
unlike "$out" "BLOCKED|sql\\.seed mgc sqla\\.dc1\\.lab" "no blocked step, no reseed from the demoted copy"
t0=$SECONDS
apply --auto-approve >"$TMP/apply2.out" 2>"$TMP/apply2.err"
is "$?" 0 "the next apply converges: exit 0 ($((SECONDS - t0)) s)"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"pool FailedOver, dc2's servers active"
is "$(copy sqla.dc2.lab mgc state)" "ONLINE" "dc2 serves mgc"
plan --detailed-exitcode >"$TMP/plan3.out" 2>&1
rc=$?
is "$rc" 0 "converged after the second apply"
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/plan3.out"
sleep 2
lab chat stop >/dev/null
lab verify >"$TMP/verify" 2>&1
is "$?" 0 "verify: no acknowledged message lost"
like "$(cat "$TMP/verify")" "lost 0, duplicates 0, split-brain 0" "verify: lost 0"
hist=$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat)
like "$hist" "failed" "history shows the failed apply"
no_secret "instance stopped" "$TMP"/*.out "$TMP"/*.err "$TMP"/bg.* "$TMP/verify"

done_testing
