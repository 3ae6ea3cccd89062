#!/usr/bin/env bash
# Disaster failover with chat traffic (issue #6): the bootstrapped lab
# loses the whole of dc1 (`pcdr-lab stop dc1`) after one log was shipped,
# the spec says `primary: dc2`. `pcdr plan` shows the disaster move (no
# tail-log backup: the authority is lost) and its exposure: the LSN and
# the last shipped log, which must be the newest one on the share, and its
# time. The recover is `risk: data-loss`, so `apply` refuses it without
# --allow-data-loss (docs/apply.md) and changes nothing; with it, service
# is restored on dc2 (pool FailedOver, dc2's servers active, dc2's
# principal ONLINE and mirrored inside dc2). The ledger loses messages
# (those only dc1 had), but none acknowledged before the exposure time
# the plan reported (`pcdr-lab verify --allow-loss-after`). History marks
# the FAILOVER with its exposure. With dc1 still down, what remains
# (log shipping to dc1) is blocked on dc1 alone: plan and apply exit 3
# (DESIGN.md "Apply": partially converged, steps blocked) and run nothing.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_disaster.bash"

plan --output json >"$TMP/plan.json" 2>"$TMP/err"
is "$?" 3 "plan after the loss of dc1: exit 3 (dc1's steps are blocked)"
out=$(plan 2>&1)
unlike "$out" "sql.tail_log_backup" "no tail-log backup: the authority is lost"
like "$out" "move +sql.recover mgc on sqla.dc2.lab" "dc2's copy is recovered"
like "$out" "risk: data-loss" "the recover is marked risk: data-loss"
note=$(plan_note "exposure: " <"$TMP/plan.json")
like "$note" "^exposure: 'mgc' on lost authority 'sqla.dc1.lab': changes after LSN [0-9]+ are lost" \
	"the plan reports the exposure"
like "$note" "last shipped log '[^']*\\\\$NEWEST_LOG', finished [0-9]{4}-" \
	"the exposure starts at the newest log on the share ($NEWEST_LOG): all that was shipped is restored"
at=$(printf '%s' "$note" | sed -n "s/.* changes after LSN \\([0-9]*\\) .*/\\1/p")

out=$(apply --auto-approve 2>&1)
is "$?" 1 "apply without --allow-data-loss: refused (exit 1)"
like "$out" "may lose data: give --allow-data-loss" "the refusal says why"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"refused: the pool is unchanged"
is "$(copy sqla.dc2.lab mgc state)" "RESTORING" "refused: dc2's copy is still RESTORING"

out=$(apply --auto-approve --allow-data-loss 2>"$TMP/err")
is "$?" 3 "apply --allow-data-loss: exit 3 (log shipping to dc1 stays blocked)"
like "$out" "event=step_end step=[0-9]+ result=succeeded" "steps ran"
unlike "$out" "result=failed" "no step failed"
like "$out" "event=apply_end message=succeeded" "the apply succeeded"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"pool FailedOver, dc2's servers active"
is "$(copy sqla.dc2.lab mgc state)" "ONLINE" "dc2 principal: ONLINE"
is "$(copy sqla.dc2.lab mgc mirroring.role)" "PRINCIPAL" "dc2 principal: PRINCIPAL"
is "$(copy sqlb.dc2.lab mgc mirroring.role)" "MIRROR" "dc2 mirror: MIRROR"
is "$(copy sqla.dc2.lab mgc mirroring.state)" "SYNCHRONIZED" "mirroring inside dc2 SYNCHRONIZED"
is "$(copy sqla.dc2.lab mgccomp mirroring.role)" "PRINCIPAL" "mgccomp mirrored inside dc2 too"
sleep 2 # traffic on dc2
lab chat stop >/dev/null
lab verify >"$TMP/verify0" 2>&1
is "$?" 1 "verify without allowance fails: the messages only dc1 had are lost"
lost=$(sed -n 's/.* lost \([0-9]*\),.*/\1/p' "$TMP/verify0")
# the exposure LSN, not its time: a message acknowledged between the
# log backup's LastLSN and its finish time is after the LSN, rightly lost
lab verify --allow-loss-after "$at" >"$TMP/verify" 2>&1
is "$?" 0 "verify --allow-loss-after $at (the plan's exposure LSN): nothing else lost"
allowed=$(sed -n 's/^lost but allowed.*: \([0-9]*\)$/\1/p' "$TMP/verify")
echo "# lost $lost messages, all acknowledged after the reported exposure ($allowed allowed)"
like "$(cat "$TMP/verify")" "duplicates 0, split-brain 0" "no duplicate, no split brain"
hist=$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat)
like "$hist" "FAILOVER dc1 -> dc2 +succeeded" "history: a FAILOVER from dc1 to dc2"
like "$hist" "unplanned \\(disaster\\), exposure: last_lsn $at, last_log [^ ]*$NEWEST_LOG" \
	"history: unplanned, with the plan's exposure (LSN $at, the newest log)"
like "$hist" "'mgc' on lost authority 'sqla\\.dc1\\.lab': changes after LSN $at are lost" \
	"history: and the plan's exposure sentence (after a catch-up too)"

out=$(plan --detailed-exitcode 2>&1)
is "$?" 3 "after the failover, dc1 down: plan exit 3"
like "$out" "^plan for pool 'atl-pchat': blocked, ([0-9]+) steps?, \\1 blocked$" \
	"every remaining step is blocked"
is "$(printf '%s\n' "$out" | grep -c 'BLOCKED:')" \
	"$(printf '%s\n' "$out" | grep -c "BLOCKED: 'sqla.dc1.lab' is unreachable")" \
	"each is blocked on dc1 alone"
records=$(git -C "$TMP/specs" rev-list --count pcdr/audit)
out=$(apply --auto-approve --allow-data-loss 2>&1)
is "$?" 3 "second apply: exit 3"
like "$out" "event=apply_end message=\"nothing can run\"" "second apply: runs nothing"
is "$(git -C "$TMP/specs" rev-list --count pcdr/audit)" "$((records + 1))" \
	"second apply: one audit record all the same"
msg=$(git -C "$TMP/specs" log -1 --format=%B pcdr/audit)
like "$msg" "Result: succeeded" "its result: succeeded (nothing failed)"
like "$msg" "Steps-Blocked: [1-9]" "its trailer counts the blocked steps"
like "$msg" "Steps-Run: 0" "and no step run"
hist=$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat | head -3)
like "$hist" "blocked: not converged yet" "history: the newest apply left every step blocked"

done_testing
