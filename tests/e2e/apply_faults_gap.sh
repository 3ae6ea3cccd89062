#!/usr/bin/env bash
# Faults during apply (2/3): a lost log backup. Log shipping dc1 -> dc2
# runs on a fast lab clock (a lab minute a second) with chat traffic; the
# copy job of dc2 is disabled so the next backups stay on the share only,
# dc1 is lost (`stop dc1`) and one of those backups is deleted
# (`lose-file`): the disaster failover's catch-up meets a gap. Without
# allowDataLoss the plan and apply stop there (exit 3, "log chain gap"
# naming both LSNs, the move and its fence blocked), nothing is recovered
# early (dc2's copy stays RESTORING, the pool untouched). With
# --allow-data-loss the documented path runs: restore up to the gap,
# recover, switch; the loss is limited to what was acknowledged after
# the last log before the gap (verify --allow-loss-after that backup's
# time), and once dc1 is back the next apply converges.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"
. "$TOP/tests/e2e/apply_faults_setup.bash"

sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "$PCDR_SQL_USER" -P "$PCDR_SQL_PASSWORD" 2>&1
}
shipped() { ls "$LAB_DIR/share" | grep -E '^mgc_[0-9]{14}\.trn$' | sort; }

"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null 2>&1
"$PCDR_LAB" up --dir "$LAB_DIR" --clock-scale 60 >"$TMP/up2.log" 2>&1
is "$?" 0 "the lab restarts on a fast clock (log shipping every lab minute = 1 s)"

apply --auto-approve >"$TMP/boot.out" 2>"$TMP/boot.err"
is "$?" 0 "bootstrap: exit 0"
lab chat start --rate 20 >/dev/null
for _ in $(seq 1 100); do
	[ "$(shipped | wc -l)" -ge 2 ] && break
	sleep 0.2
done
ok "$([ "$(shipped | wc -l)" -ge 2 ] && echo 0 || echo 1)" "log backups reach the share"

# Hold dc2's copy job: what is backed up from now on is only on the share.
sql sqla.dc2.lab "EXEC msdb.dbo.sp_update_job @job_name = N'LSCopy_sqla.dc1.lab_mgc', @enabled = 0" >/dev/null
sleep 0.5
last=$(sql sqla.dc2.lab "SELECT last_copied_file FROM msdb.dbo.log_shipping_secondary" |
	grep -oE 'mgc_[0-9]{14}\.trn')
newer() { shipped | awk -v l="$last" '$0 > l'; }
for _ in $(seq 1 100); do
	[ "$(newer | wc -l)" -ge 3 ] && break
	sleep 0.2
done
lab stop dc1 >/dev/null
kept=$(newer | sed -n 1p)  # restorable from the share: the catch-up's last log
lost=$(newer | sed -n 2p)  # the hole
ok "$([ -n "$last" ] && [ "$(newer | wc -l)" -ge 3 ] && echo 0 || echo 1)" \
	"dc1 lost with $(newer | wc -l) log backups on the share past the last copied one ($last)"
lab lose-file "$lost" >/dev/null
is "$?" 0 "lose-file $lost (after $kept)"

# The lab clock time of $kept (its name), as wall-clock time (the ledger's):
# what was acknowledged before it is in the logs before the gap.
now_lab=$(sql sqla.dc2.lab "SELECT CONVERT(varchar(30), SYSUTCDATETIME(), 126) AS now" |
	grep -oE '20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+' | head -1)
now_wall=$(date -u +%s.%N)
allow=$(python3 -c '
import sys, datetime as d
lab_now = d.datetime.fromisoformat(sys.argv[1][:26])
stamp = d.datetime.strptime(sys.argv[2][4:18], "%Y%m%d%H%M%S")
wall = float(sys.argv[3]) - (lab_now - stamp).total_seconds() / 60 - 0.5
print(d.datetime.fromtimestamp(wall, d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' \
	"$now_lab" "$kept" "$now_wall")

spec_failover
plan --detailed-exitcode >"$TMP/plan.out" 2>&1
is "$?" 3 "plan: exit 3, blocked"
out=$(cat "$TMP/plan.out")
like "$out" "BLOCKED: log chain gap: no log backup covers LSN [0-9]+ up to [0-9]+; recovering before the gap loses what follows it" \
	"the catch-up is blocked at the gap, naming both LSNs"
like "$(grep -A4 'fence  *pool' "$TMP/plan.out")" "BLOCKED: the move of 'mgc' to 'sqla\\.dc2\\.lab' cannot finish" \
	"the fence is blocked with the move: the pool is not fenced for nothing"
like "$out" "sql\\.recover mgc on sqla\\.dc2\\.lab" "the recovery is planned ..."
like "$(grep -A6 'sql.recover mgc on sqla.dc2' "$TMP/plan.out")" "BLOCKED: depends on blocked step" "... and blocked"

t0=$SECONDS
apply --auto-approve >"$TMP/apply1.out" 2>"$TMP/apply1.err"
is "$?" 3 "apply: exit 3, partially converged ($((SECONDS - t0)) s)"
err=$(cat "$TMP/apply1.err")
like "$err" "partially converged: [0-9]+ of [0-9]+ steps blocked" "stderr says it is partial"
like "$err" "step [0-9]+ \\(sql\\.catch_up mgc on sqla\\.dc2\\.lab\\): log chain gap: no log backup covers LSN [0-9]+ up to [0-9]+" \
	"stderr names the gap and its LSNs"
unlike "$(cat "$TMP/apply1.out")" "kind=sql\\.(catch_up|recover)|kind=pool" "no catch-up, recovery or pool step ran"
is "$(copy sqla.dc2.lab mgc state)" "RESTORING" "nothing recovered early: dc2's copy is RESTORING"
like "$(pool_get)" '"state":"Normal"' "the pool still points at dc1"
is "$(newest_result)" "succeeded" "the audit record: what could run, ran"

t0=$SECONDS
apply --auto-approve --allow-data-loss >"$TMP/apply2.out" 2>"$TMP/apply2.err"
is "$?" 3 "apply --allow-data-loss: exit 3, dc1's part still blocked ($((SECONDS - t0)) s)"
out=$(cat "$TMP/apply2.out")
like "$out" "note: log chain gap: 'mgc' has no log backup from LSN [0-9]+ up to [0-9]+; allowDataLoss: recovering at LSN [0-9]+" \
	"the plan says where it recovers and what it loses"
like "$out" "kind=sql\\.catch_up targets=\"mgc on sqla\\.dc2\\.lab\"" "the catch-up ran (the log before the gap)"
like "$(grep 'step_end' "$TMP/apply2.out" | grep -c succeeded)" "^[0-9]+$" "steps ran"
is "$(copy sqla.dc2.lab mgc state)" "ONLINE" "dc2 recovered before the gap"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"pool FailedOver, dc2's servers active"

lab start dc1 >/dev/null
t0=$SECONDS
apply --auto-approve --allow-data-loss >"$TMP/apply3.out" 2>"$TMP/apply3.err"
rc=$?
is "$rc" 0 "dc1 back: the next apply converges ($((SECONDS - t0)) s)"
[ "$rc" = 0 ] || { grep -v facts "$TMP/apply3.out" | head -40; cat "$TMP/apply3.err"; } | sed 's/^/#   /'
plan --detailed-exitcode >"$TMP/plan2.out" 2>&1
is "$?" 0 "converged"
sleep 2
lab chat stop >/dev/null
lab verify --allow-loss-after "$allow" >"$TMP/verify" 2>&1
is "$?" 0 "verify: nothing lost before the last log before the gap ($allow)"
like "$(cat "$TMP/verify")" "lost [1-9][0-9]*, duplicates 0, split-brain 0" \
	"verify: the gap did lose data: $(grep -o 'acknowledged.*' "$TMP/verify" | head -1)"
no_secret "lost log backup" "$TMP"/*.out "$TMP"/*.err "$TMP/verify"

done_testing
