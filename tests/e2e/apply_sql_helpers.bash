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
# newest_shipped_lsn INSTANCE: the greatest LastLSN of the log backups on
# the share (RESTORE HEADERONLY of each, read by INSTANCE): how far the
# share lets a disaster failover recover
newest_shipped_lsn() {
	local f
	for f in $(shipped_logs); do
		sql "$1" "RESTORE HEADERONLY FROM DISK = N'\\\\fs1.lab\\pchat-ls\\$f'" | awk -F'\t' '
			/FirstLSN/ { sub(/^.*BackupName/, "BackupName"); for (i = 1; i <= NF; i++) c[$i] = i; next }
			c["LastLSN"] && $c["LastLSN"] ~ /^[0-9]+$/ { print $c["LastLSN"] }'
	done | sort -n | tail -1
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

# the share's log shipping backups with their sizes: changes when a log
# backup is written, also when it is appended to an existing file (a
# scheduled run and a started one in the same second share a file name,
# and BACKUP without INIT appends a backup set to it)
shipped_state() {
	(cd "$LAB_DIR/share" 2>/dev/null && for f in mgc_[0-9]*.trn; do
		[ -f "$f" ] && printf '%s %s\n' "$f" "$(wc -c <"$f")"
	done)
}
# ship_log INSTANCE: run the log shipping backup job of mgc now (as its
# schedule would) and wait until a new log backup is on the share. When
# the schedule has just started the job, the Agent refuses the request
# (22022, already running): that run ships the log, or the job is asked
# again once it is idle.
ship_log() {
	local before out end=$((SECONDS + 20))
	before=$(shipped_state)
	_more_logs() { [ "$(shipped_state)" != "$before" ]; }
	while ! _more_logs; do
		[ "$SECONDS" -lt "$end" ] || return 1
		out=$(sql "$1" "EXEC msdb.dbo.sp_start_job @job_name = N'LSBackup_mgc'")
		case $out in
		*"started successfully"*) wait_for 20 _more_logs; return ;;
		*"already running"*) sleep 0.5 ;;
		*) printf '# sp_start_job: %s\n' "$out" | head -3 && return 1 ;;
		esac
	done
}
