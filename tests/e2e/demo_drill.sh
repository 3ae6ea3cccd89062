#!/usr/bin/env bash
# The drill `make demo` runs (examples/lab/drill.sh), in its fast mode:
# it exits 0, prints each stage's heading, passes every verification
# (pcdr-lab verify after each move, the disaster's loss within the
# exposure the plan stated, nothing lost after it), and ends with the
# history and the audit branch in the remote. Then: it cleans up after
# itself (lab stopped, temporary folder gone), also when interrupted
# (SIGTERM in the middle of a stage), and --keep leaves a running lab
# that answers pcdr status.
. "$TOP/tests/lib.sh"

export TMPDIR="$TMP" PCDR PCDR_LAB
drill() { bash "$TOP/examples/lab/drill.sh" "$@"; }
demo_dirs() { find "$TMP" -maxdepth 1 -name 'pcdr-demo.*' | sort; }
lab_running() { # lab_running DIR: a pcdr-lab process serves DIR
	[ -f "$1/lab.pid" ] && kill -0 "$(cat "$1/lab.pid")" 2>/dev/null
}

# --- the whole drill, fast ------------------------------------------------
drill --fast --out "$TMP/out" >"$TMP/drill.txt" 2>&1
rc=$?
is "$rc" 0 "the drill exits 0"
[ "$rc" = 0 ] || sed 's/^/# /' "$TMP/drill.txt" | tail -60
out=$(cat "$TMP/drill.txt")
for h in "1/7 The lab" "2/7 Bootstrap" "3/7 Disaster: data center dc1 is lost" \
	"4/7 Failback" "5/7 Planned switchover to dc2" "6/7 Switch back to dc1" "7/7 The record"; do
	like "$out" "^== $h" "stage heading: $h"
done
is "$(awk '/^== [0-9]\/7 / { h++; getline; if ($1 == "notice:") n++ } END { print h "/" n }' "$TMP/drill.txt")" \
	"7/7" "each stage heading is followed by what to notice"
is "$(grep -c '^   ok: pcdr apply exited' "$TMP/drill.txt")" 5 "five applies"
is "$(grep -c '^   ok: pcdr plan: converged' "$TMP/drill.txt")" 4 \
	"converged after every apply but the disaster's (dc1 is down)"
like "$out" "plan for pool 'atl-pchat': blocked, [0-9]+ steps, 2 blocked" \
	"the disaster plan: the steps that need dc1 are blocked"
like "$out" "note: exposure: 'mgc' on lost authority 'sqla.dc1.lab'" "the disaster plan states its exposure"
like "$out" '\$ pcdr apply --auto-approve --allow-data-loss' "the operator accepts the data loss"
like "$out" "ok: pcdr apply exited 3" "the disaster apply: partially converged (exit 3)"
is "$(grep -c '^   verify: ok' "$TMP/drill.txt")" 4 "pcdr-lab verify passes after each of the four moves"
like "$out" "verify --allow-loss-after [0-9]{10,}" "verify allows the exposure the plan stated, as an LSN"
n=$(sed -n 's/.*lost only what the plan exposed: \([0-9]*\) messages.*/\1/p' "$TMP/drill.txt")
ok "$([ -n "$n" ] && echo 0 || echo 1)" "the disaster lost only what the plan exposed (${n:-?} messages)"
for w in "the failback" "the switchover" "the switch back"; do
	like "$out" "ok: $w lost nothing" "$w lost nothing"
done
like "$out" "ok: pool FailedOver, active servers pc1.dc2.lab pc2.dc2.lab" "the pool moved to dc2"
like "$out" "ok: pool Normal, active servers pc1.dc1.lab pc2.dc1.lab" "the pool is back on dc1"
# the record
like "$out" "5 applies recorded on 'pcdr/audit'" "history: five applies"
like "$out" "FAILOVER dc1 -> dc2 +succeeded \\([0-9]+ steps, 2 blocked" "history: the disaster failover"
like "$out" "unplanned \\(disaster\\), exposure" "history: its exposure"
is "$(grep -c 'UTC  atl-pchat  FAILBACK dc2 -> dc1  succeeded' "$TMP/drill.txt")" 2 \
	"history: the failback after the rebuild and the switch back, both from dc2"
is "$(grep -c 'planned switchover, zero data loss' "$TMP/drill.txt")" 3 \
	"history: the failback and the switchovers lost no data"
like "$out" "apply atl-pchat: converge \\(succeeded, 7 steps\\)" "git log of pcdr/audit in the remote"
like "$out" "^== drill passed in [0-9]+s: every verification passed" "the drill passed"
for f in before-failover after-failover; do
	ok "$([ -s "$TMP/out/$f.svg" ] || [ -s "$TMP/out/$f.dot" ] && echo 0 || echo 1)" "picture $f written"
done
if command -v dot >/dev/null 2>&1; then
	like "$(head -c 400 "$TMP/out/after-failover.svg")" "<svg" "the picture is SVG"
fi
like "$(cat "$TMP/out/history.txt")" "atl-pchat" "the outputs are kept in --out"
unlike "$(cat "$TMP/out"/*.txt "$TMP/drill.txt")" "Lab-Pcdr-2026|Lab-Chat-2026" "no lab password in the output"
is "$(demo_dirs)" "" "the temporary folder is removed"
pids=$(pgrep -f "pcdr-lab.*$TMP/pcdr-demo" || true)
is "$pids" "" "no lab process is left"

# --- interrupted: the trap stops the lab and removes the folder -----------
bash "$TOP/examples/lab/drill.sh" --fast --out "$TMP/out-int" >"$TMP/int.txt" 2>&1 &
dpid=$!
for _ in $(seq 1 300); do
	grep -q '^== 2/7' "$TMP/int.txt" && break
	sleep 0.1
done
dir=$(demo_dirs | head -1)
ok "$([ -n "$dir" ] && lab_running "$dir/lab" && echo 0 || echo 1)" "interrupt: the lab runs during stage 2"
kill -TERM "$dpid"
wait "$dpid"
is "$?" 130 "interrupt: the drill exits 130"
like "$(cat "$TMP/int.txt")" "drill interrupted; lab stopped and .* removed" "interrupt: it says so"
is "$(demo_dirs)" "" "interrupt: the temporary folder is removed"
ok "$([ -n "$dir" ] && ! lab_running "$dir/lab" && ! pgrep -f "pcdr-lab.*$dir" >/dev/null && echo 0 || echo 1)" \
	"interrupt: the lab is stopped"

# --- --keep: the lab stays, and the drill says how to explore it ----------
drill --fast --keep --out "$TMP/out-keep" >"$TMP/keep.txt" 2>&1
is "$?" 0 "--keep: the drill exits 0"
keep=$(cat "$TMP/keep.txt")
like "$keep" "The lab is still running \\(KEEP=1\\)" "--keep: says the lab is still running"
dir=$(demo_dirs | head -1)
ok "$([ -n "$dir" ] && lab_running "$dir/lab" && echo 0 || echo 1)" "--keep: the lab is running"
like "$keep" "pcdr-lab --dir $dir/lab down" "--keep: says how to stop it"
if [ -n "$dir" ]; then
	(
		# shellcheck disable=SC1091
		. "$dir/lab/env"
		PCDR_CONFIG="$dir/lab/pcdr.yaml" "$PCDR" plan --detailed-exitcode >"$TMP/keep-plan.txt" 2>&1
	)
	is "$?" 0 "--keep: the kept lab is converged (pcdr plan, with the env it names)"
	"$PCDR_LAB" --dir "$dir/lab" down >/dev/null 2>&1
	rm -rf "$dir"
fi

done_testing
