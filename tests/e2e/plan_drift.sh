#!/usr/bin/env bash
# Configuration drift through pcdr plan and pcdr apply against the lab
# (DESIGN.md, "Saved plans, locks and drift": a log shipping job disabled
# by hand is corrected by the next apply). After a real `pcdr apply
# --auto-approve` bootstrap, a job is disabled through tsql with
# msdb.dbo.sp_update_job: `pcdr plan` shows one sql.configure_log_shipping
# step saying which job is off (exit 2 with --detailed-exitcode), even
# though the last applied spec is read from the audit branch (it is
# configuration drift, not role drift). First the primary's backup job,
# then the secondary's restore job.
#
# Not checked yet: that the next apply enables the job again. The step's
# T-SQL does (providers/mssql/steps_ls.c enables every disabled job of the
# configuration), but apply's "already done" check for
# sql.configure_log_shipping (reconciler/engine/apply_check.c) looks only
# at the configuration, not at ls_primary/ls_secondary.job_disabled, so
# apply skips the step; the job is enabled again here by hand instead.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/plan_lab_setup.bash"
export XDG_CACHE_HOME="$TMP/cache"
plan() { "$PCDR" plan --config "$CONFIG" --repo "$TMP/specs" "$@"; }
apply() { "$PCDR" apply --config "$CONFIG" --repo "$TMP/specs" --auto-approve "$@"; }
sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1 |
		grep -v '^locale\|^using default\|^1> 2> 1>\|^1> $\|^1> 2> $'
}
enabled() {
	sql "$1" "SELECT CAST(enabled AS int) AS e FROM msdb.dbo.sysjobs WHERE name = N'$2'" |
		grep -oE '^[01]$' | head -1
}

apply >"$TMP/apply.log" 2>&1
is "$?" 0 "apply --auto-approve bootstraps the bare lab"
plan --detailed-exitcode >"$TMP/plan0" 2>&1
rc=$?
is "$rc" 0 "bootstrapped: converged"
[ "$rc" = 0 ] || sed 's/^/# /' "$TMP/plan0"   # what was not converged, for the log

# --- the primary's backup job ---------------------------------------------------------
is "$(enabled sqla.dc1.lab LSBackup_mgc)" 1 "LSBackup_mgc is enabled after the bootstrap"
out=$(sql sqla.dc1.lab "EXEC msdb.dbo.sp_update_job @job_name = N'LSBackup_mgc', @enabled = 0")
unlike "$out" "Msg [0-9]+ \\(severity 1" "sp_update_job @enabled = 0 through tsql"
is "$(enabled sqla.dc1.lab LSBackup_mgc)" 0 "LSBackup_mgc is disabled"
out=$(plan --detailed-exitcode)
is "$?" 2 "backup job off: exit 2"
like "$out" "^plan for pool 'atl-pchat': ready, 1 step, 0 blocked$" "backup job off: one step"
like "$out" "protect  sql\\.configure_log_shipping mgc sqla\\.dc1\\.lab \\+ sqlb\\.dc1\\.lab -> sqla\\.dc2\\.lab" \
	"backup job off: configure_log_shipping re-runs"
like "$out" "why: a log shipping backup job of 'mgc' is disabled on 'sqla\\.dc1\\.lab'" \
	"backup job off: the step says which job is off"
unlike "$out" "drift" "backup job off: configuration drift is not role drift"
apply >"$TMP/apply.out" 2>&1
is "$?" 0 "apply corrects the disabled backup job"
unlike "$(cat "$TMP/apply.out")" "result=skipped" "the step is not skipped as already done"
is "$(enabled sqla.dc1.lab LSBackup_mgc)" 1 "LSBackup_mgc is enabled again by apply"
plan --detailed-exitcode >/dev/null
is "$?" 0 "after apply: converged"

# --- the secondary's restore job ------------------------------------------------------
job=LSRestore_sqla.dc1.lab_mgc
is "$(enabled sqla.dc2.lab "$job")" 1 "$job is enabled"
sql sqla.dc2.lab "EXEC msdb.dbo.sp_update_job @job_name = N'$job', @enabled = 0" >/dev/null
out=$(plan --detailed-exitcode)
is "$?" 2 "restore job off: exit 2"
like "$out" "^plan for pool 'atl-pchat': ready, 1 step, 0 blocked$" "restore job off: one step"
like "$out" "why: a log shipping copy or restore job of 'mgc' is disabled on 'sqla\\.dc2\\.lab'" \
	"restore job off: the step says where"
sql sqla.dc2.lab "EXEC msdb.dbo.sp_update_job @job_name = N'$job', @enabled = 1" >/dev/null
plan --detailed-exitcode >/dev/null
is "$?" 0 "restore job enabled again by hand: converged"

done_testing
