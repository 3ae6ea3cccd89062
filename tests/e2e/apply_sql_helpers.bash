# Sourced by the apply scenario scripts after apply_scenario_setup.bash
# (not a test): T-SQL through tsql, the log shipping backups on the
# share, waiting on a condition, a note of a JSON plan.

# sql INSTANCE BATCH: run BATCH through tsql as pcdr's login
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

# ship_log INSTANCE: run the log shipping backup job of mgc now (as its
# schedule would) and wait until its log is on the share
ship_log() {
	local n_before
	n_before=$(shipped_logs | wc -l)
	_more_logs() { [ "$(shipped_logs | wc -l)" -gt "$n_before" ]; }
	sql "$1" "EXEC msdb.dbo.sp_start_job @job_name = N'LSBackup_mgc'" | grep -q "started successfully" &&
		wait_for 20 _more_logs
}
