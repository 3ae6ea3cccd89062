#!/usr/bin/env bash
# A planned failover to dc2 and a failback to dc1, with chat traffic:
# bootstrap, start the chat servers, commit `primary: dc2`, apply (fence,
# tail-log backup WITH NORECOVERY on dc1's principal, catch-up of dc2 up
# to the tail, recovery, pool FailedOver, dc2's servers active, then
# mirroring and log shipping dc2 -> dc1); verify every acknowledged
# message is at the new authority; history shows a zero-loss FAILOVER
# with its demotion token; then the failback the same way. Needs the
# lab's BACKUP/RESTORE, mirroring and log shipping procedures.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"

apply --auto-approve >/dev/null 2>"$TMP/err"
is "$?" 0 "bootstrap: exit 0"
lab chat start --rate 20 >/dev/null
sleep 2

spec_failover
out=$(apply --auto-approve 2>"$TMP/err")
is "$?" 0 "failover apply: exit 0"
like "$out" "kind=sql.tail_log_backup" "a tail-log backup demoted dc1"
like "$out" "kind=sql.catch_up" "dc2 caught up from the share"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"pool FailedOver, dc2's servers active"
is "$(copy sqla.dc2.lab mgc state)" "ONLINE" "dc2 principal: ONLINE"
is "$(copy sqla.dc2.lab mgc mirroring.role)" "PRINCIPAL" "dc2 principal mirrored"
is "$(copy sqla.dc1.lab mgc ls_secondary.primary)" "sqla.dc2.lab" "dc1 is dc2's log shipping secondary"
sleep 2
lab chat stop >/dev/null
lab verify >"$TMP/verify" 2>&1
is "$?" 0 "verify: every acknowledged message is at the authority"
hist=$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat)
like "$hist" "FAILOVER dc1 -> dc2 +succeeded" "history: a FAILOVER"
like "$hist" "planned switchover, zero data loss \\(demotion: tail_log_backup .*mgc_.*_tail.trn, lsn [0-9]+\\)" \
	"history: zero data loss, the demotion token"
plan --detailed-exitcode >/dev/null 2>&1
is "$?" 0 "after failover: converged"

spec_failback
out=$(apply --auto-approve 2>"$TMP/err")
is "$?" 0 "failback apply: exit 0"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"pool Normal, dc1's servers active"
is "$(copy sqla.dc1.lab mgc state)" "ONLINE" "dc1 principal: ONLINE again"
is "$(copy sqla.dc2.lab mgc ls_secondary.primary)" "sqla.dc1.lab" "dc2 is dc1's secondary again"
like "$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat)" "FAILBACK dc2 -> dc1 +succeeded" \
	"history: a FAILBACK"
plan --detailed-exitcode >/dev/null 2>&1
is "$?" 0 "after failback: converged"

done_testing
