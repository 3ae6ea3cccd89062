# Sourced by apply_disaster.sh and apply_rebuild_failback.sh (not a
# test): the lab bootstrapped by `pcdr apply`, chat traffic running, one
# log shipped by the log shipping backup job (started by hand with
# sp_start_job, as its schedule would, so that the scenario does not wait
# a minute for it), more traffic, then the whole of dc1 lost (`pcdr-lab
# stop dc1`) and the failover spec committed (`primary: dc2`). Sets
# NEWEST_LOG, the newest log shipping backup on the share when dc1 was
# lost: everything up to it has been shipped, what came after it is
# what the failover may lose.
. "$TOP/tests/e2e/apply_scenario_setup.bash"

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1 |
		grep -v '^locale\|^using default\|^1> 2> 1>\|^1> $\|^1> 2> $'
}
# the log shipping backups on the share (mgc_YYYYMMDDhhmmss.trn), oldest first
shipped_logs() {
	(cd "$LAB_DIR/share" && ls 2>/dev/null | grep -E '^mgc_[0-9]{14}\.trn$' | sort)
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}
# plan_note PREFIX: the plan's note that starts with PREFIX (JSON output)
plan_note() {
	python3 -c '
import json, sys
for n in json.load(sys.stdin).get("notes", []):
    if n.startswith(sys.argv[1]):
        print(n)' "$1"
}

apply --auto-approve >"$TMP/bootstrap.out" 2>&1
is "$?" 0 "bootstrap: exit 0"
lab chat start --rate 20 >/dev/null
sleep 2
n_before=$(shipped_logs | wc -l)
out=$(sql sqla.dc1.lab "EXEC msdb.dbo.sp_start_job @job_name = N'LSBackup_mgc'")
like "$out" "started successfully" "the log shipping backup job runs"
more_logs() { [ "$(shipped_logs | wc -l)" -gt "$n_before" ]; }
wait_for 20 more_logs
ok $? "a log backup is shipped to the share"
if [ "$(shipped_logs | wc -l)" -le "$n_before" ]; then
	ls "$LAB_DIR/share" | sed 's/^/# share: /'
	sql sqla.dc1.lab "SELECT h.run_status, h.step_id, h.run_time, h.message FROM msdb.dbo.sysjobhistory AS h JOIN msdb.dbo.sysjobs AS j ON j.job_id = h.job_id WHERE j.name = N'LSBackup_mgc'" | sed 's/^/# history: /'
	date -u +'# now %T'
fi
sleep 2 # messages that only dc1 has: the failover's exposure
lab stop dc1 >/dev/null
NEWEST_LOG=$(shipped_logs | tail -n 1)
spec_failover
