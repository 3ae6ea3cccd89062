#!/usr/bin/env bash
# Failback after a total loss of dc1 (issue #6), with chat traffic: the
# disaster failover to dc2 (apply_disaster.bash, as in apply_disaster.sh),
# then `pcdr-lab rebuild dc1` (dc1's instances reinstalled empty, a fresh
# ONLINE mgc on sqla.dc1). An apply with the spec still `primary: dc2`
# makes dc1 dc2's log shipping secondary again: the fresh copy is backed
# up (pcdr cannot tell it from a divergent one) and reseeded, one full
# restore. Then the failback spec (`primary: dc1`) is a planned
# switchover: tail-log backup on dc2, dc1 catches up and recovers (no
# second full restore of mgc on sqla.dc1), pool Normal, dc1 mirrored
# (sqlb.dc1, empty after the rebuild, is seeded once per database) and
# shipping to dc2, which becomes the secondary from the tail without a
# reseed. The full restores are counted in each instance's
# msdb.dbo.restorehistory. The ledger loses nothing after the failover:
# the messages lost are those the failover lost (all after its reported
# exposure), none since.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_disaster.bash"

# full_restores INSTANCE DB: RESTORE DATABASE rows in the instance's msdb
full_restores() {
	sql "$1" "SELECT COUNT(*) AS n FROM msdb.dbo.restorehistory WHERE restore_type = 'D' AND destination_database_name = N'$2'" |
		grep -oE '^[0-9]+$' | head -1
}

plan --output json >"$TMP/plan.json" 2>/dev/null
since=$(plan_note "exposure: " <"$TMP/plan.json" | sed -n "s/.*, finished \\([0-9T:.-]*\\)).*/\\1/p")
like "$since" "^[0-9]{4}-" "the failover plan reports its exposure time"
# verify holds the failover to its exposure LSN: a message acknowledged
# between the log backup's LastLSN and its finish time is after the LSN
# but before the time, and rightly lost
exposure=$(plan_note "exposure: " <"$TMP/plan.json" | sed -n 's/.*changes after LSN \([0-9]*\) are lost.*/\1/p')
like "$exposure" "^[0-9]+$" "the failover plan reports its exposure LSN"
apply --auto-approve --allow-data-loss >"$TMP/failover.out" 2>&1
is "$?" 3 "disaster failover: exit 3 (dc1 is down)"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"disaster failover: pool FailedOver, dc2's servers active"
mgc_dc2=$(full_restores sqla.dc2.lab mgc)
sleep 1 # traffic on dc2
lab verify --allow-loss-after "$exposure" >"$TMP/verify1" 2>&1
is "$?" 0 "after the failover: nothing lost but the exposure"
lost1=$(sed -n 's/.* lost \([0-9]*\),.*/\1/p' "$TMP/verify1")

out=$(lab rebuild dc1)
is "$?" 0 "pcdr-lab rebuild dc1"
is "$(copy sqla.dc1.lab mgc state)" "ONLINE" "rebuilt dc1: a fresh ONLINE mgc"
is "$(full_restores sqla.dc1.lab mgc)" 0 "rebuilt dc1: no restore in its new msdb"

out=$(plan 2>&1)
like "$out" "sql.safety_backup mgc on sqla.dc1.lab" \
	"plan: the fresh ONLINE copy is backed up before it is overwritten"
like "$out" "sql.seed mgc sqla.dc2.lab -> sqla.dc1.lab" "plan: reseed dc1 from dc2"
like "$out" "sql.configure_log_shipping mgc sqla.dc2.lab \\+ sqlb.dc2.lab -> sqla.dc1.lab" \
	"plan: log shipping dc2 -> dc1"
out=$(apply --auto-approve 2>&1)
is "$?" 0 "apply after the rebuild: exit 0"
is "$(printf '%s\n' "$out" | grep -c 'event=step_start step=[0-9]* kind=sql.seed')" 1 \
	"one seed step"
is "$(copy sqla.dc1.lab mgc state)" "RESTORING" "dc1: RESTORING"
is "$(copy sqla.dc1.lab mgc ls_secondary.primary)" "sqla.dc2.lab" "dc1: log shipping secondary of dc2"
is "$(full_restores sqla.dc1.lab mgc)" 1 "dc1: exactly one full restore of mgc"
plan --detailed-exitcode >/dev/null 2>&1
is "$?" 0 "after the rebuild: converged"

spec_failback
out=$(plan 2>&1)
like "$out" "sql.tail_log_backup mgc on sqla.dc2.lab" "failback plan: a planned switchover (tail-log backup)"
unlike "$out" "sql.seed mgc sqla.dc2.lab -> sqla.dc1.lab" "failback plan: no reseed of dc1"
out=$(apply --auto-approve 2>&1)
is "$?" 0 "failback apply: exit 0"
unlike "$out" "result=failed" "no step failed"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"pool Normal, dc1's servers active"
is "$(copy sqla.dc1.lab mgc state)" "ONLINE" "dc1 principal: ONLINE"
is "$(copy sqla.dc1.lab mgc mirroring.role)" "PRINCIPAL" "dc1 principal: PRINCIPAL"
is "$(copy sqlb.dc1.lab mgc mirroring.role)" "MIRROR" "dc1 mirror: MIRROR"
is "$(copy sqla.dc1.lab mgccomp mirroring.role)" "PRINCIPAL" "mgccomp mirrored inside dc1"
is "$(copy sqla.dc2.lab mgc ls_secondary.primary)" "sqla.dc1.lab" "log shipping dc1 -> dc2 again"
is "$(full_restores sqla.dc1.lab mgc)" 1 "dc1 principal: still one full restore of mgc (no second reseed)"
is "$(full_restores sqlb.dc1.lab mgc)" 1 "dc1 mirror: one full restore of mgc"
is "$(full_restores sqlb.dc1.lab mgccomp)" 1 "dc1 mirror: one full restore of mgccomp"
is "$(full_restores sqla.dc2.lab mgc)" "$mgc_dc2" "dc2: no full restore (secondary from the tail)"
hist=$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat)
like "$hist" "FAILBACK dc2 -> dc1 +succeeded" "history: a FAILBACK"
like "$hist" "planned switchover, zero data loss" "history: the failback lost nothing"
plan --detailed-exitcode >/dev/null 2>&1
is "$?" 0 "after the failback: converged"

sleep 2 # traffic on dc1 again
lab chat stop >/dev/null
lab verify --allow-loss-after "$exposure" >"$TMP/verify" 2>&1
is "$?" 0 "verify: nothing lost but the failover's exposure"
is "$(sed -n 's/.* lost \([0-9]*\),.*/\1/p' "$TMP/verify")" "$lost1" \
	"nothing lost since the failover ($lost1 lost in it)"
like "$(cat "$TMP/verify")" "duplicates 0, split-brain 0" "no duplicate, no split brain"
sed -n 's/^\(acknowledged.*\)/# \1/p; s/^\(lost but allowed.*\)/# \1/p' "$TMP/verify"

done_testing
