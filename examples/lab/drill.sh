#!/usr/bin/env bash
# examples/lab/drill.sh: the disaster recovery drill `make demo` runs.
#
# On this machine, in a temporary folder: the two-site lab of
# examples/lab/topology.yaml (pcdr-lab), a spec repository made from
# examples/lab/pools/ with a bare "remote" beside it, then, as an operator
# would, each change a commit with a message:
#
#   1. the lab and the spec repository
#   2. bootstrap: pcdr plan, pcdr apply (mirroring in each site, log
#      shipping dc1 -> dc2); chat traffic starts and runs to the end
#   3. disaster: data center dc1 is lost; fail over to dc2, losing only
#      what the plan said it would lose (pictures before and after)
#   4. failback: dc1 rebuilt empty; pcdr re-seeds it and moves back
#   5. planned switchover to dc2, zero data loss
#   6. switch back to dc1, zero data loss
#   7. the record: pcdr history and the audit branch in the remote
#
# After each move `pcdr-lab verify` checks every chat message a database
# acknowledged against the copy the pool uses now. Exit 0 only if every
# check passed; the first failed check stops the drill.
#
#   examples/lab/drill.sh [--fast] [--keep] [--out DIR]
#
# --fast (FAST=1): the same stages with the lab clock 600 times real time
# and fast backups, for the tests. --keep (KEEP=1): leave the lab running
# and print how to explore it. --out DIR (DEMO_OUT): where the plans and
# pictures are kept (default build/demo). PCDR and PCDR_LAB name the
# binaries (default ./pcdr and ./pcdr-lab at the top of the tree).
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PCDR=${PCDR:-$TOP/pcdr}
PCDR_LAB=${PCDR_LAB:-$TOP/pcdr-lab}
FAST=${FAST:-}
KEEP=${KEEP:-}
OUT=${DEMO_OUT:-$TOP/build/demo}

usage() {
	sed -n 's/^#   examples/usage: examples/p' "$0"
	exit "$1"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--fast) FAST=1 ;;
	--keep) KEEP=1 ;;
	--out) [ $# -ge 2 ] || usage 129; OUT=$2; shift ;;
	-h | --help) usage 0 ;;
	*) echo "drill.sh: unknown argument '$1'" >&2; usage 129 ;;
	esac
	shift
done
[ "$FAST" = 0 ] && FAST=
[ "$KEEP" = 0 ] && KEEP=

for b in "$PCDR" "$PCDR_LAB"; do
	[ -x "$b" ] || { echo "drill.sh: '$b' is not built: run make (or make demo)" >&2; exit 1; }
done
command -v git >/dev/null || { echo "drill.sh: git is not installed" >&2; exit 1; }

if [ -n "$FAST" ]; then
	SCALE=600   # log shipping every minute = every 0.1 s
	MBPS=4000   # BACKUP/RESTORE of the 512 MB chat store in about 0.1 s
	TRAFFIC=1   # seconds of chat traffic between moves
else
	SCALE=60    # log shipping every minute = every second
	MBPS=200    # the lab's default: a seed takes a few seconds
	TRAFFIC=3
fi
RATE=20         # messages per second per active chat server

START=$SECONDS
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/pcdr-demo.XXXXXX") || exit 1
LAB=$DEMO/lab       # the lab: instances, share, ledger, DIR/pcdr.yaml
SPEC=$LAB/spec      # the operator's clone of the spec repository
REMOTE=$DEMO/spec.git
mkdir -p "$OUT" || exit 1
LOG=$OUT/drill.log  # every command's full output
: >"$LOG"
rm -f "$OUT/lab.log" # the lab log a failed run left

# shellcheck disable=SC2317 # called by the traps
cleanup() {
	local rc=$?
	trap - INT TERM EXIT
	if [ -n "$KEEP" ] && [ "${1:-}" = EXIT ]; then
		exit "$rc"
	fi
	if [ -f "$LAB/lab.pid" ]; then
		"$PCDR_LAB" --dir "$LAB" chat stop >/dev/null 2>&1
		"$PCDR_LAB" --dir "$LAB" down >/dev/null 2>&1
	fi
	rm -rf "$DEMO"
	# fd 3 is the terminal: a trap can run inside a redirected function
	[ "${1:-}" = EXIT ] || { printf '\ndrill interrupted; lab stopped and %s removed\n' "$DEMO" >&3; rc=130; }
	exit "$rc"
}
exec 3>&1
trap 'cleanup EXIT' EXIT
trap 'cleanup INT' INT TERM

# --- output --------------------------------------------------------------
STAGE=0
stage() { # stage TITLE NOTICE...: one heading and what to notice
	STAGE=$((STAGE + 1))
	printf '\n== %d/7 %s (%ds)\n' "$STAGE" "$1" $((SECONDS - START))
	shift
	for n in "$@"; do printf '   notice: %s\n' "$n"; done
}
say() { printf '   %s\n' "$*"; }
# cmd SHOWN: print the command as the operator types it
cmd() { printf '   $ %s\n' "$*"; }
pass() { printf '   ok: %s\n' "$*"; }
die() {
	printf '   FAILED: %s\n' "$1"
	[ $# -gt 1 ] && [ -f "$2" ] && sed 's/^/   | /' "$2" | tail -n 40
	printf '\ndrill FAILED at stage %d (%ds); full output in %s\n' "$STAGE" \
		$((SECONDS - START)) "$LOG"
	[ -f "$LAB/lab.log" ] && cp "$LAB/lab.log" "$OUT/lab.log" && echo "lab log: $OUT/lab.log"
	exit 1
}
# logged NAME CMD...: run CMD, output to $OUT/NAME and the log; its status
logged() {
	local name=$1 rc
	shift
	"$@" >"$OUT/$name" 2>&1
	rc=$?
	{ echo "### $* (exit $rc)"; cat "$OUT/$name"; } >>"$LOG"
	return $rc
}

pcdr() { "$PCDR" "$@"; }
lab() { "$PCDR_LAB" --dir "$LAB" "$@"; }

# show_plan FILE: the plan without the facts lines (the file keeps them)
show_plan() { grep -v '^    facts:' "$1" | sed 's/^/   /'; }

# show_apply FILE: one line per step (start and end joined), the result
show_apply() {
	awk '
	function field(k,   m) {
		if (match($0, " " k "=\"[^\"]*\"")) return substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 4)
		if (match($0, " " k "=[^ ]*")) return substr($0, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
		return ""
	}
	/ event=step_start / { what[field("step")] = field("kind") " " field("targets") }
	/ event=step_end / {
		s = field("step")
		printf "   step %2d  %-7s %5s  %s\n", s, field("result"), field("elapsed"), what[s]
	}
	/ event=step_failed | event=error / { print "   " $0 }
	/ event=apply_end / { print "   apply: " field("message") }' "$1"
}

# commit MESSAGE SED-EXPR...: the operator's change to the spec, pushed
commit() {
	local msg=$1
	shift
	sed -i "$@" "$SPEC/pools/atl-pchat.yaml" || die "cannot edit the spec"
	cmd "git commit -am '$msg' && git push"
	git -C "$SPEC" diff -U0 --color=never | grep -E '^[-+] ' | sed 's/^/     /'
	git -C "$SPEC" -c user.name="Demo Operator" -c user.email=operator@example.invalid \
		commit -qam "$msg" || die "git commit failed"
	git -C "$SPEC" push -q origin main 2>>"$LOG" || die "git push failed"
}
to_dc2() {
	commit "$1" -e 's/^  primary: dc1/  primary: dc2/' -e 's/^    from: dc1/    from: dc2/' \
		-e 's/^    to: dc2/    to: dc1/' \
		-e 's/^  activeServers: .*/  activeServers: [pc1.dc2.lab, pc2.dc2.lab]/'
}
to_dc1() {
	commit "$1" -e 's/^  primary: dc2/  primary: dc1/' -e 's/^    from: dc2/    from: dc1/' \
		-e 's/^    to: dc1/    to: dc2/' \
		-e 's/^  activeServers: .*/  activeServers: [pc1.dc1.lab, pc2.dc1.lab]/'
}

# plan NAME: pcdr plan, shown; sets PLAN_RC (0 ready, 3 some steps blocked)
plan() {
	cmd "pcdr plan"
	logged "$1" pcdr plan
	PLAN_RC=$?
	[ "$PLAN_RC" = 0 ] || [ "$PLAN_RC" = 3 ] || die "pcdr plan exited $PLAN_RC" "$OUT/$1"
	show_plan "$OUT/$1"
}

# apply NAME WANT-RC [FLAGS]: pcdr apply, one line per step
apply() {
	local name=$1 want=$2 rc
	shift 2
	cmd "pcdr apply --auto-approve${*:+ $*}"
	logged "$name" pcdr apply --auto-approve "$@"
	rc=$?
	show_apply "$OUT/$name"
	[ "$rc" = "$want" ] || die "pcdr apply exited $rc, expected $want" "$OUT/$name"
	pass "pcdr apply exited $rc"
}

# converged: pcdr plan --detailed-exitcode has nothing left to do
converged() {
	logged plan-after.txt pcdr plan --detailed-exitcode
	local rc=$?
	[ "$rc" = 0 ] || die "pcdr plan still has steps after the apply (exit $rc)" "$OUT/plan-after.txt"
	pass "pcdr plan: converged, nothing left to do"
}

# pool_is STATE SITE: the pool command's view
pool_is() {
	local want="{\"state\":\"$1\",\"activeServers\":[\"pc1.$2.lab\",\"pc2.$2.lab\"]}" got
	got=$(lab pool get 2>&1)
	[ "$got" = "$want" ] || die "pool is $got, expected $want"
	pass "pool $1, active servers pc1.$2.lab pc2.$2.lab"
}

traffic() { # let the chat servers write for a while
	sleep "$TRAFFIC"
}

# verify NAME [--allow-loss-after LSN]: stop traffic, check the ledger,
# restart traffic; sets LOST (the count) and LOST_IDS (the listed ids)
verify() {
	local name=$1 rc
	shift
	logged chat-stop.txt lab chat stop || die "chat stop failed" "$OUT/chat-stop.txt"
	cmd "pcdr-lab --dir \"\$PCDR_LAB_DIR\" verify${*:+ $*}"
	logged "$name" lab verify "$@"
	rc=$?
	# at most 20 lost ids are listed: show three (the file keeps them all)
	sed -E -e 's/^(lost: [0-9]+ [0-9]+ [0-9]+) .*/\1 ... (all in '"$name"')/' -e 's/^/   /' "$OUT/$name"
	[ "$rc" = 0 ] || die "pcdr-lab verify exited $rc"
	LOST=$(sed -n 's/.*, lost \([0-9]*\),.*/\1/p' "$OUT/$name")
	LOST_IDS=$(sed -n 's/^lost: //p' "$OUT/$name")
	ACKED=$(sed -n 's/^acknowledged \([0-9]*\),.*/\1/p' "$OUT/$name")
	logged chat-start.txt lab chat start --rate "$RATE" || die "chat start failed" "$OUT/chat-start.txt"
}

# graph NAME: the topology, current beside desired, as SVG (DOT without Graphviz)
graph() {
	local f
	if command -v dot >/dev/null 2>&1; then
		f=$OUT/$1.svg
		pcdr graph --output svg >"$f" 2>>"$LOG" || die "pcdr graph failed"
	else
		f=$OUT/$1.dot
		pcdr graph >"$f" 2>>"$LOG" || die "pcdr graph failed"
	fi
	say "picture: $f"
}

# exposure_lsn PLANFILE: the LSN after which the plan's exposure note
# says changes are lost ("changes after LSN X are lost unless it comes
# back"): the LastLSN of the last log backup the backup site has or will
# restore, so everything committed below it is in that backup. It is what
# `pcdr-lab verify --allow-loss-after` compares with the LSN the ledger
# records for each acknowledged message. Fails without such a note.
exposure_lsn() {
	sed -nE "s/^note: exposure: 'mgc' on lost authority .*: changes after LSN ([0-9]+) are lost.*/\1/p" \
		"$1" | grep -m1 .
}

# === 1. the lab and the spec repository =================================
stage "The lab: two data centers on this machine" \
	"four SQL Server instances (a mirror pair per site) that speak real TDS, a backup share, four chat servers" \
	"the spec is a YAML file in git; the host configuration (how to reach the instances) is not"
cmd "pcdr-lab up --topology examples/lab/topology.yaml --dir \"\$PCDR_LAB_DIR\" --clock-scale $SCALE"
logged lab-up.txt "$PCDR_LAB" up --topology "$TOP/examples/lab/topology.yaml" --dir "$LAB" \
	--clock-scale "$SCALE" || die "pcdr-lab up failed" "$OUT/lab-up.txt"
sed -n 's/^\(sq[a-z.0-9]*\) *\(.*\)/\1 \2/p' "$OUT/lab-up.txt" | sed 's/^/   /'
logged throughput.txt lab throughput "$MBPS" || die "pcdr-lab throughput failed" "$OUT/throughput.txt"
# shellcheck disable=SC1091 # written by pcdr-lab up
. "$LAB/env"
export PCDR_CONFIG=$LAB/pcdr.yaml XDG_CACHE_HOME=$DEMO/cache
say "lab in $LAB; its host configuration for pcdr: \$PCDR_LAB_DIR/pcdr.yaml"

{ mkdir -p "$SPEC" && cp -r "$TOP/examples/lab/pools" "$SPEC/"; } || die "cannot copy the spec"
{
	git -C "$SPEC" init -q -b main &&
		git -C "$SPEC" add pools &&
		git -C "$SPEC" -c user.name="Demo Operator" -c user.email=operator@example.invalid \
			commit -qm "atl-pchat: primary dc1, mirrored in both sites, mgc shipped to dc2" &&
		git clone -q --bare "$SPEC" "$REMOTE" &&
		git -C "$SPEC" remote add origin "$REMOTE" &&
		git -C "$SPEC" fetch -q origin && git -C "$SPEC" branch -q -u origin/main main
} >>"$LOG" 2>&1 || die "cannot create the spec repository"
say "spec repository $SPEC (pools/atl-pchat.yaml), its remote $REMOTE"

# === 2. bootstrap ========================================================
stage "Bootstrap: pcdr builds the DR topology the spec describes" \
	"the plan says why each step is needed; the seeds are full + log backups restored WITH NORECOVERY" \
	"apply records an intent and a result on the audit branch, pushed to the remote"
plan plan-bootstrap.txt
apply apply-bootstrap.txt 0
converged
pool_is Normal dc1
cmd "pcdr-lab --dir \"\$PCDR_LAB_DIR\" chat start --rate $RATE"
logged chat-start.txt lab chat start --rate "$RATE" || die "chat start failed" "$OUT/chat-start.txt"
say "chat traffic: two active servers, each writing $RATE messages a second, every acknowledged one in the ledger"
traffic

# === 3. disaster =========================================================
stage "Disaster: data center dc1 is lost" \
	"no tail-log backup is possible: dc2 recovers what log shipping brought it" \
	"the plan states the exposure (what is lost unless dc1 comes back) and marks the step data-loss"
graph before-failover
cmd "pcdr-lab --dir \"\$PCDR_LAB_DIR\" stop dc1"
logged stop-dc1.txt lab stop dc1 || die "pcdr-lab stop dc1 failed" "$OUT/stop-dc1.txt"
sed 's/^/   /' "$OUT/stop-dc1.txt"
to_dc2 "Fail atl-pchat over to dc2: data center dc1 is down"
plan plan-failover.txt
[ "$PLAN_RC" = 3 ] && say "(blocked: the steps that need dc1 wait until it is back; apply runs the rest)"
flags=()
if grep -q '^    risk: data-loss' "$OUT/plan-failover.txt"; then
	flags=(--allow-data-loss)
	say "the plan risks data loss: the operator accepts it with --allow-data-loss"
fi
allow=$(exposure_lsn "$OUT/plan-failover.txt") ||
	die "the disaster plan states no exposure to check the loss against" "$OUT/plan-failover.txt"
# exit 3 when the steps that need dc1 are blocked: the rest converged
apply apply-failover.txt "$PLAN_RC" "${flags[@]}"
pool_is FailedOver dc2
graph after-failover
traffic
say "the exposure the plan stated: changes after LSN $allow, the end of the last log dc2 has"
verify verify-failover.txt --allow-loss-after "$allow"
DISASTER_LOST=$LOST
DISASTER_IDS=$LOST_IDS
pass "lost only what the plan exposed: $DISASTER_LOST messages acknowledged after the last shipped log"

# no_new_loss WHAT: since the disaster, nothing more was lost (the ledger
# keeps the disaster's losses: verify allows exactly those, and this
# checks the count and the ids did not change)
no_new_loss() {
	if [ "$LOST" != "$DISASTER_LOST" ] || [ "$LOST_IDS" != "$DISASTER_IDS" ]; then
		die "lost $LOST messages, the disaster lost $DISASTER_LOST: $1 lost messages"
	fi
	pass "$1 lost nothing: all $ACKED acknowledged messages are there but the disaster's $DISASTER_LOST"
}

# === 4. failback =========================================================
stage "Failback: dc1 rebuilt empty, pcdr re-seeds it and moves back" \
	"rebuilt = reinstalled servers with fresh empty databases: pcdr backs the stale copy up, seeds dc1 from dc2" \
	"then a zero-loss switchover: fence, tail-log backup on dc2, dc1 restores up to that LSN"
cmd "pcdr-lab --dir \"\$PCDR_LAB_DIR\" rebuild dc1 && pcdr-lab --dir \"\$PCDR_LAB_DIR\" start dc1"
logged rebuild-dc1.txt lab rebuild dc1 || die "pcdr-lab rebuild dc1 failed" "$OUT/rebuild-dc1.txt"
logged start-dc1.txt lab start dc1 || die "pcdr-lab start dc1 failed" "$OUT/start-dc1.txt"
sed 's/^/   /' "$OUT/rebuild-dc1.txt"
to_dc1 "Fail atl-pchat back to dc1: the data center is rebuilt"
plan plan-failback.txt
traffic
apply apply-failback.txt 0
converged
pool_is Normal dc1
traffic
verify verify-failback.txt --allow-loss-after "$allow"
no_new_loss "the failback"

# === 5. planned switchover to dc2 ========================================
stage "Planned switchover to dc2 (a drill): zero data loss" \
	"the tail-log backup WITH NORECOVERY leaves dc1 unable to change: nothing acknowledged can be lost" \
	"log shipping turns round: dc2 -> dc1"
to_dc2 "Drill: switch atl-pchat over to dc2"
plan plan-switchover.txt
traffic
apply apply-switchover.txt 0
converged
pool_is FailedOver dc2
traffic
verify verify-switchover.txt --allow-loss-after "$allow"
no_new_loss "the switchover"

# === 6. switch back ======================================================
stage "Switch back to dc1: zero data loss" \
	"the same moves the other way; the pool is back where it started"
to_dc1 "Drill over: switch atl-pchat back to dc1"
plan plan-switchback.txt
traffic
apply apply-switchback.txt 0
converged
pool_is Normal dc1
traffic
verify verify-switchback.txt --allow-loss-after "$allow"
no_new_loss "the switch back"
logged chat-stop.txt lab chat stop

# === 7. the record =======================================================
stage "The record: every apply is a commit on the audit branch, in the remote" \
	"failovers and failbacks in capitals; the switchovers are zero data loss, with their demotion token"
cmd "pcdr history --repo \"\$PCDR_LAB_DIR/../spec.git\""
logged history.txt pcdr history --repo "$REMOTE" || die "pcdr history failed" "$OUT/history.txt"
sed 's/^/   /' "$OUT/history.txt"
n=$(grep -cE '^[0-9]{4}-.* succeeded \(' "$OUT/history.txt")
[ "$n" = 5 ] || die "history lists $n succeeded applies, expected 5" "$OUT/history.txt"
z=$(grep -c 'zero data loss' "$OUT/history.txt")
[ "$z" = 3 ] || die "history shows $z zero-loss moves, expected 3 (two switchovers, the failback)" \
	"$OUT/history.txt"
moves=$(sed -nE 's/^[0-9-]+ [0-9:]+ UTC +atl-pchat +([A-Za-z]+( dc[12] -> dc[12])?) .*/\1/p' \
	"$OUT/history.txt" | paste -sd, -)
[ "$moves" = "FAILBACK dc2 -> dc1,FAILOVER dc1 -> dc2,FAILBACK dc2 -> dc1,FAILOVER dc1 -> dc2,converge" ] ||
	die "history tells the moves as '$moves'" "$OUT/history.txt"
grep -qE '^ +unplanned \(disaster\), exposure' "$OUT/history.txt" ||
	die "history does not show the disaster failover's exposure" "$OUT/history.txt"
pass "5 applies recorded: the disaster failover with its exposure, the 3 planned moves zero data loss"
cmd "git --git-dir \"\$PCDR_LAB_DIR/../spec.git\" log --oneline pcdr/audit"
logged audit-log.txt git --git-dir "$REMOTE" log --oneline pcdr/audit ||
	die "the remote has no audit branch" "$OUT/audit-log.txt"
sed 's/^/   /' "$OUT/audit-log.txt"
[ "$(grep -c 'succeeded' "$OUT/audit-log.txt")" = 5 ] ||
	die "the remote's audit branch does not hold the 5 results" "$OUT/audit-log.txt"

printf '\n== drill passed in %ds: every verification passed\n' $((SECONDS - START))
say "plans, apply logs, pictures: $OUT"
if [ -n "$KEEP" ]; then
	cat <<EOF

The lab is still running (KEEP=1). To explore it, in a shell:
   . $LAB/env
   export PCDR_CONFIG=$LAB/pcdr.yaml PATH=$(cd "$(dirname "$PCDR")" && pwd):\$PATH
then
   pcdr status                            # every copy, its role, the pool
   pcdr plan                              # converged: nothing to do
   pcdr graph --output svg > pool.svg     # the picture
   pcdr history --repo $REMOTE
   git -C $SPEC log --oneline             # the operator's commits
   pcdr-lab --dir \$PCDR_LAB_DIR help     # faults to try: stop, partition, lose-file ...
   tsql -S sqla.dc1.lab -U \$PCDR_SQL_USER -P \$PCDR_SQL_PASSWORD
To stop it:
   pcdr-lab --dir $LAB down && rm -rf $DEMO
EOF
fi
exit 0
