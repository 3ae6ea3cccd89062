#!/usr/bin/env bash
# Principal/mirror swap inside dc1 with chat traffic (issue #6, DESIGN.md
# "Minimality": swapping principal and mirror of the primary site plans
# one manual mirror failover). The spec swaps sqla.dc1 and sqlb.dc1: the
# plan is one sql.mirror_failover per mirrored database and nothing else
# (no fence: SQL Server keeps one principal and the chat servers follow
# the failover partner); after the apply sqlb.dc1 is the principal of
# both databases, mirroring SYNCHRONIZED with role_sequence moved on,
# the log shipping backup job keeps shipping from the new principal
# (SQL Server's recipe: both partners carry the primary configuration),
# no acknowledged message is lost, and the next plan is converged.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"
. "$TOP/tests/e2e/apply_sql_helpers.bash"

apply --auto-approve >"$TMP/bootstrap.out" 2>&1
is "$?" 0 "bootstrap: exit 0"
lab chat start --rate 20 >/dev/null
sleep 2
seq_before=$(copy sqla.dc1.lab mgc mirroring.role_sequence)

sed -i -e 's/^      principal: sqla.dc1.lab/      principal: sqlb.dc1.lab/' \
	-e 's/^      mirror: sqlb.dc1.lab/      mirror: sqla.dc1.lab/' "$SPEC"
commit "Swap dc1's principal and mirror"
out=$(plan --detailed-exitcode 2>&1)
is "$?" 2 "plan: changes pending (exit 2)"
like "$out" "^plan for pool 'atl-pchat': ready, 2 steps, 0 blocked$" "plan: two steps"
is "$(printf '%s\n' "$out" | grep -cE '^ *[0-9]+\. move +sql\.mirror_failover (mgc|mgccomp) sqla\.dc1\.lab -> sqlb\.dc1\.lab$')" 2 \
	"one manual mirror failover per database, nothing else"
unlike "$out" "pool\\.set_|risk: data-loss" "no fence, no data loss"

out=$(apply --auto-approve 2>"$TMP/err")
is "$?" 0 "apply: exit 0"
like "$out" "event=apply_end message=succeeded" "the apply succeeded"
is "$(copy sqlb.dc1.lab mgc mirroring.role)" "PRINCIPAL" "sqlb.dc1: principal of mgc"
is "$(copy sqla.dc1.lab mgc mirroring.role)" "MIRROR" "sqla.dc1: mirror of mgc"
is "$(copy sqlb.dc1.lab mgc state)" "ONLINE" "sqlb.dc1: mgc ONLINE"
is "$(copy sqla.dc1.lab mgc state)" "RESTORING" "sqla.dc1: mgc RESTORING"
is "$(copy sqlb.dc1.lab mgc mirroring.state)" "SYNCHRONIZED" "mgc mirroring SYNCHRONIZED"
is "$(copy sqlb.dc1.lab mgccomp mirroring.role)" "PRINCIPAL" "sqlb.dc1: principal of mgccomp"
seq_after=$(copy sqlb.dc1.lab mgc mirroring.role_sequence)
ok "$([ "$seq_after" -gt "$seq_before" ] && echo 0 || echo 1)" \
	"role_sequence moved on ($seq_before -> $seq_after)"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the pool is untouched"
ship_log sqlb.dc1.lab
ok $? "the new principal's log shipping backup job ships a log"
newest=$(shipped_logs | tail -n 1)
sql sqla.dc2.lab "EXEC msdb.dbo.sp_start_job @job_name = N'LSCopy_sqla.dc1.lab_mgc'" >/dev/null
restored() { case "$(copy sqla.dc2.lab mgc ls_secondary.last_restored_file)" in *"$newest") return 0 ;; esac
	sql sqla.dc2.lab "EXEC msdb.dbo.sp_start_job @job_name = N'LSRestore_sqla.dc1.lab_mgc'" >/dev/null
	return 1; }
wait_for 30 restored
ok $? "dc2's copy and restore jobs take it ($newest)"
plan --detailed-exitcode >"$TMP/plan1" 2>&1
is "$?" 0 "after the swap: converged"
out=$(apply --auto-approve 2>&1)
is "$?" 0 "second apply: exit 0"
like "$out" "converged, 0 steps" "second apply: zero steps"

sleep 2 # traffic on the new principal
lab chat stop >/dev/null
lab verify >"$TMP/verify" 2>&1
is "$?" 0 "verify: every acknowledged message is at the authority"
like "$(cat "$TMP/verify")" "lost 0, duplicates 0, split-brain 0" "nothing lost, no split brain"
like "$(grep -F 'sqlb.dc1.lab' "$LAB_DIR/ledger" | tail -n 1)" "PRINCIPAL/$seq_after" \
	"the chat servers followed the failover to sqlb.dc1"
sed -n 's/^\(acknowledged.*\)/# \1/p' "$TMP/verify"

done_testing
