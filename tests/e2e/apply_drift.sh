#!/usr/bin/env bash
# Drift made by hand, corrected by apply (issue #6; DESIGN.md "Saved
# plans, locks and drift": a log shipping job disabled by hand, an active
# server added, are corrected by the next apply), with chat traffic.
# After the bootstrap, through tsql: the primary's backup job and the
# secondary's restore job disabled (msdb.dbo.sp_update_job @enabled = 0);
# through the pool command: a server of dc2 added to the active servers.
# The plan says what drifted (configuration drift, not role drift: it is
# planned even though the audit branch has a last applied spec); one
# apply enables both jobs and restores the active server list; the next
# plan is converged; log shipping works again (a log shipped afterwards
# reaches dc2); no acknowledged message is lost.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"
. "$TOP/tests/e2e/apply_sql_helpers.bash"

enabled() {
	sql "$1" "SELECT CAST(enabled AS int) AS e FROM msdb.dbo.sysjobs WHERE name = N'$2'" |
		grep -oE '^[01]$' | head -1
}
restore_job=LSRestore_sqla.dc1.lab_mgc

apply --auto-approve >"$TMP/bootstrap.out" 2>&1
is "$?" 0 "bootstrap: exit 0"
lab chat start --rate 20 >/dev/null
sleep 1

out=$(sql sqla.dc1.lab "EXEC msdb.dbo.sp_update_job @job_name = N'LSBackup_mgc', @enabled = 0")
unlike "$out" "Msg [0-9]+ \\(severity 1" "by hand: LSBackup_mgc disabled on sqla.dc1"
out=$(sql sqla.dc2.lab "EXEC msdb.dbo.sp_update_job @job_name = N'$restore_job', @enabled = 0")
unlike "$out" "Msg [0-9]+ \\(severity 1" "by hand: $restore_job disabled on sqla.dc2"
lab pool set-active-servers pc1.dc1.lab pc2.dc1.lab pc1.dc2.lab >/dev/null
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab","pc1.dc2.lab"]}' \
	"by hand: pc1.dc2.lab added to the active servers"
sleep 1 # pc1.dc2.lab writes too

out=$(plan --detailed-exitcode 2>&1)
is "$?" 2 "plan: changes pending (exit 2)"
like "$out" "^plan for pool 'atl-pchat': ready, 2 steps, 0 blocked$" "plan: two steps"
like "$out" "unfence  pool.set_active_servers \\[pc1.dc1.lab, pc2.dc1.lab\\]" \
	"plan: the active server list is set back"
like "$out" "protect  sql.configure_log_shipping mgc sqla.dc1.lab \\+ sqlb.dc1.lab -> sqla.dc2.lab" \
	"plan: log shipping configured again"
like "$out" "why: a log shipping backup job of 'mgc' is disabled on 'sqla.dc1.lab'" \
	"plan: says which job is off"
unlike "$out" "drift|refused" "configuration drift is not role drift"

out=$(apply --auto-approve 2>"$TMP/err")
is "$?" 0 "apply: exit 0"
like "$out" "event=apply_end message=succeeded" "the apply succeeded"
unlike "$out" "result=skipped" "no step skipped as already done"
is "$(enabled sqla.dc1.lab LSBackup_mgc)" 1 "LSBackup_mgc enabled again"
is "$(enabled sqla.dc2.lab "$restore_job")" 1 "$restore_job enabled again"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the active servers are the spec's again"
out=$(plan --detailed-exitcode 2>&1)
is "$?" 0 "after apply: converged"
like "$out" "converged, 0 steps" "after apply: zero steps"

ship_log sqla.dc1.lab
ok $? "the backup job ships a log again"
newest=$(shipped_logs | tail -n 1)
sql sqla.dc2.lab "EXEC msdb.dbo.sp_start_job @job_name = N'LSCopy_sqla.dc1.lab_mgc'" >/dev/null
restored() {
	case "$(copy sqla.dc2.lab mgc ls_secondary.last_restored_file)" in *"$newest") return 0 ;; esac
	sql sqla.dc2.lab "EXEC msdb.dbo.sp_start_job @job_name = N'$restore_job'" >/dev/null
	return 1
}
wait_for 30 restored
ok $? "the restore job restores it on dc2 ($newest)"

lab chat stop >/dev/null
lab verify >"$TMP/verify" 2>&1
is "$?" 0 "verify: every acknowledged message is at the authority"
like "$(cat "$TMP/verify")" "lost 0, duplicates 0, split-brain 0" "nothing lost, no split brain"
like "$(cut -f2 "$LAB_DIR/ledger" | sort -u | tr '\n' ' ')" "pc1.dc2.lab" \
	"the server added by hand wrote while it was active"
sed -n 's/^\(acknowledged.*\)/# \1/p' "$TMP/verify"

done_testing
