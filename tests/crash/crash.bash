# tests/crash/crash.bash: the crash matrix (sourced by tests/crash/matrix.sh,
# the full set behind `make test-crash`, and by tests/e2e/apply_crash.sh,
# the reduced set in `make test`). Not a test itself.
#
# A crash point is one SIGKILL of a running `pcdr apply`, sent from outside
# (this shell, reading the apply's JSON log through a FIFO) the moment the
# log shows the k-th `step_end` event, or the `step_end` of the first step
# of a kind, or the first `step_progress` of the restore side of a seed (a
# RESTORE DATABASE, made long with `pcdr-lab throughput`). For each:
#
#   1. a fresh world: a new lab and spec repository
#      (tests/e2e/apply_scenario_setup.bash), the lab clock scaled up
#      (DIR/clock written before `up`), a short lease (`lock.ttl`) in the
#      host configuration, fast backups, the bootstrap apply, chat traffic
#      on, and the scenario's spec commit (switchover: primary dc2 with both
#      sites up; failback: that switchover applied, then primary dc1;
#      disaster: one log shipped, more traffic, `pcdr-lab stop dc1`, then
#      primary dc2, applied with --allow-data-loss; rebuild: that disaster
#      failover applied, `pcdr-lab rebuild dc1`, then primary dc1: the
#      failback after a total loss, with a full reseed of dc1);
#   2. `pcdr apply --auto-approve --log-format json`, killed as above;
#   3. the dead apply's lease is still there: an apply that does not wait
#      exits 5 naming the killed pid (docs/audit.md "The apply lock": a
#      crashed apply holds the pool until its lease expires);
#   4. `pcdr apply --auto-approve --lock-timeout` longer than the lease
#      takes the expired lease over and converges: exit 0 (a disaster with
#      dc1 still down: exit 3, partially converged);
#   5. `pcdr plan --detailed-exitcode` says converged (a disaster: exit 3,
#      every remaining step blocked on dc1 alone); chat traffic stops;
#      `pcdr-lab verify` finds no split brain and no loss (a disaster:
#      none acknowledged below the exposure LSN the crashed apply's plan
#      reported, `--allow-loss-after LSN`; rebuild: none but what the disaster
#      failover before it reported); the audit branch holds the crashed
#      apply's intent record: its Apply-Id has no final record, and it is
#      for the spec commit that was being applied.
#
# Knobs (environment): CRASH_CLOCK_SCALE (60; the disaster worlds run at 1),
# CRASH_TTL (lease length in seconds, 3), CRASH_SLOW_MBPS (throughput
# during a restore crash, 128: the 512 MB mgc takes 4 s each way),
# CRASH_FAST_MBPS (otherwise, 20000).

: "${CRASH_CLOCK_SCALE:=60}"
: "${CRASH_TTL:=3}"
: "${CRASH_SLOW_MBPS:=128}"
: "${CRASH_FAST_MBPS:=20000}"
CRASH_POINTS=0
CRASH_SKIPPED=0
CRASH_FAILED_POINTS=()
declare -A CRASH_PER_SCENARIO=()

# crash_world SCENARIO: a fresh lab and spec repository in the state just
# before the scenario's apply. Sets CRASH_ALLOW (extra apply flags).
crash_world() {
	local scenario="$1"
	crash_teardown
	mkdir -p "$TMP/lab"
	# the lab reuses DIR/clock's scale at `up` (lab/README.md, the lab
	# clock). The disaster worlds run at scale 1: the log shipping jobs
	# then never fire on their own, so the one log shipped by hand is the
	# newest and the exposure is the same kind in every world.
	printf 'scale %s\n' "$(case "$scenario" in disaster | rebuild) echo 1 ;; *) echo "$CRASH_CLOCK_SCALE" ;; esac)" \
		>"$TMP/lab/clock"
	# shellcheck disable=SC1091
	. "$TOP/tests/e2e/apply_scenario_setup.bash"
	# shellcheck disable=SC1091
	. "$TOP/tests/e2e/apply_sql_helpers.bash"
	printf 'lock:\n  ttl: %ss\n' "$CRASH_TTL" >>"$CONFIG"
	lab throughput "$CRASH_FAST_MBPS" >/dev/null
	CRASH_ALLOW=()
	CRASH_WANT_RC=0
	apply --auto-approve >"$TMP/boot.out" 2>"$TMP/boot.err" || {
		echo "# bootstrap failed:"; sed 's/^/#   /' "$TMP/boot.err" | tail -20
		return 1
	}
	lab chat start --rate 20 >/dev/null || return 1
	sleep 0.5
	case "$scenario" in
	switchover) spec_failover >/dev/null ;;
	failback)
		spec_failover >/dev/null
		apply --auto-approve >"$TMP/fo.out" 2>"$TMP/fo.err" || {
			echo "# the failover before the failback failed:"
			sed 's/^/#   /' "$TMP/fo.err" | tail -20
			return 1
		}
		sleep 0.5
		spec_failback >/dev/null
		;;
	disaster)
		# one log shipped by the log shipping backup job (started by hand,
		# as its schedule would), more traffic that only dc1 gets, dc1 lost
		crash_ship_one_log || return 1
		sleep 1
		lab stop dc1 >/dev/null || return 1
		spec_failover >/dev/null
		CRASH_ALLOW=(--allow-data-loss)
		CRASH_WANT_RC=3
		;;
	rebuild)
		# the disaster failover applied, dc1 rebuilt empty, then primary dc1
		crash_ship_one_log || return 1
		sleep 1
		lab stop dc1 >/dev/null || return 1
		spec_failover >/dev/null
		apply --auto-approve --allow-data-loss >"$TMP/disaster.out" 2>"$TMP/disaster.err"
		[ $? = 3 ] || {
			echo "# the disaster failover before the rebuild did not exit 3:"
			sed 's/^/#   /' "$TMP/disaster.err" | tail -20
			return 1
		}
		CRASH_EXPOSURE=$(crash_exposure "$TMP/disaster.out")
		sleep 0.5
		lab rebuild dc1 >/dev/null || return 1
		spec_failback >/dev/null
		;;
	*) echo "# unknown scenario $scenario"; return 1 ;;
	esac
	return 0
}

# crash_ship_one_log: run dc1's log shipping backup job now and wait (20 s
# at most) until one more log shipping backup is on the share.
crash_ship_one_log() {
	ship_log sqla.dc1.lab || {
		echo "# the log shipping backup job shipped nothing"
		return 1
	}
}

# crash_teardown: stop the current world's lab and remove its files.
crash_teardown() {
	if [ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/lab.pid" ]; then
		"$PCDR_LAB" --dir "$LAB_DIR" chat stop >/dev/null 2>&1
		"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null 2>&1
	fi
	rm -rf "$TMP/lab" "$TMP/specs" "$TMP/cache" "$TMP/crash"
	mkdir -p "$TMP/crash"
}

# crash_apply TRIGGER: run the scenario's apply with JSON logs, SIGKILL it
# on TRIGGER ("step K": the K-th step_end event; "restore": the first
# step_progress of a seed's target, a RESTORE DATABASE; "none": never).
# Sets CRASH_PID, CRASH_RC, CRASH_AT (the event line it was killed on).
crash_apply() {
	local trigger="$1" fifo="$TMP/crash/fifo" line n=0 killed="" seed_targets=" " want_step=""
	local out="$TMP/crash/crashed.out"
	rm -f "$fifo"
	mkfifo "$fifo"
	(trap - EXIT; exec "$PCDR" apply --config "$CONFIG" --repo "$TMP/specs" --auto-approve \
		--log-format json "${CRASH_ALLOW[@]}" >"$fifo" 2>"$TMP/crash/crashed.err") &
	CRASH_PID=$!
	CRASH_AT=""
	: >"$out"
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$out"
		[ -n "$killed" ] && continue
		case "$trigger" in
		step\ *)
			case "$line" in *'"event":"step_end"'*) n=$((n + 1)) ;; esac
			[ "$n" -eq "${trigger#step }" ] && killed=1
			;;
		after\ *)
			# the step_end of the first step of that kind
			case "$line" in
			*'"event":"step_start"'*"\"kind\":\"${trigger#after }\""*)
				[ -n "$want_step" ] ||
					want_step=$(printf '%s' "$line" | sed -n 's/.*"step":"\([0-9]*\)".*/\1/p')
				;;
			*'"event":"step_end"'*)
				[ -n "$want_step" ] && [[ "$line" == *"\"step\":\"$want_step\""* ]] && killed=1
				;;
			esac
			;;
		restore)
			# a seed's targets are "DB on SOURCE -> TARGET": the restore runs on TARGET
			case "$line" in
			*'"event":"step_start"'*'"kind":"sql.seed"'*)
				seed_targets+="$(printf '%s' "$line" | sed -n 's/.*-> \([^"]*\)".*/\1/p') "
				;;
			*'"event":"step_progress"'*)
				local inst
				inst=$(printf '%s' "$line" | sed -n 's/.*"instance":"\([^"]*\)".*/\1/p')
				[[ "$seed_targets" == *" $inst "* ]] && killed=1
				;;
			esac
			;;
		esac
		if [ -n "$killed" ]; then
			kill -KILL "$CRASH_PID" 2>/dev/null
			CRASH_AT="$line"
		fi
	done <"$fifo"
	wait "$CRASH_PID" 2>/dev/null
	CRASH_RC=$?
	rm -f "$fifo"
}

# crash_point SCENARIO TRIGGER: one crash point, with its TAP checks.
# shellcheck disable=SC2154 # _tap_failed: tests/lib.sh
crash_point() {
	local scenario="$1" trigger="$2" name t0=$SECONDS failed_before=$_tap_failed
	local lease_holder exposure rc verify_args=()
	case "$trigger" in
	step\ *) name="$scenario, kill after step_end #${trigger#step }" ;;
	after\ *) name="$scenario, kill after ${trigger#after }" ;;
	restore) name="$scenario, kill inside a full restore" ;;
	*) name="$scenario, no kill" ;;
	esac
	if ! crash_world "$scenario"; then
		ok 1 "$name: the world was set up"
		CRASH_FAILED_POINTS+=("$name")
		return
	fi
	[ "$trigger" = restore ] && lab throughput "$CRASH_SLOW_MBPS" >/dev/null
	crash_apply "$trigger"
	lab throughput "$CRASH_FAST_MBPS" >/dev/null
	# The plan of a fresh world can differ by a step from the uncrashed
	# run's (a log shipping job that ran or not, on the scaled lab clock):
	# an apply that ended by itself with fewer step_end events than K was
	# not killed, and is no crash point.
	if [[ "$trigger" == step\ * ]] && [ -z "$CRASH_AT" ] && [ "$CRASH_RC" != 137 ] &&
		[ "$(grep -c '"event":"step_end"' "$TMP/crash/crashed.out")" -lt "${trigger#step }" ]; then
		echo "# $name: no crash point, this apply had only" \
			"$(grep -c '"event":"step_end"' "$TMP/crash/crashed.out") steps (exit $CRASH_RC)"
		CRASH_SKIPPED=$((CRASH_SKIPPED + 1))
		return
	fi
	if [ -n "$CRASH_AT" ]; then
		local st
		st=$(printf '%s' "$CRASH_AT" | sed -n 's/.*"step":"\([0-9]*\)".*/\1/p')
		echo "# killed on: $(printf '%s' "$CRASH_AT" | sed -n 's/.*"event":"\([a-z_]*\)".*/\1/p') of step $st," \
			"$(grep "\"event\":\"step_start\",\"step\":\"$st\"" "$TMP/crash/crashed.out" |
				sed -n 's/.*"kind":"\([^"]*\)","targets":"\([^"]*\)".*/\1 \2/p')"
	fi
	if [ "$trigger" = none ]; then
		is "$CRASH_RC" "$CRASH_WANT_RC" "$name: the apply exits $CRASH_WANT_RC"
		CRASH_STEPS=$(grep -c '"event":"step_end"' "$TMP/crash/crashed.out")
		CRASH_SEEDS=$(grep -c '"event":"step_start".*"kind":"sql.seed"' "$TMP/crash/crashed.out")
	else
		is "$CRASH_RC" 137 "$name: pcdr was killed by SIGKILL"
		ok "$([ -n "$CRASH_AT" ]; echo $?)" "$name: the kill came on its event"
		# the dead holder's lease is still there until it expires
		apply --auto-approve "${CRASH_ALLOW[@]}" >"$TMP/crash/locked.out" 2>"$TMP/crash/locked.err"
		rc=$?
		lease_holder=$(cat "$TMP/crash/locked.err")
		if ! grep -q 'is held by' "$TMP/crash/locked.err"; then
			# the lease already ran out (a slow machine): the apply took it
			is "$rc" "$CRASH_WANT_RC" "$name: the dead holder's lease had expired already; the apply took it over"
		else
			is "$rc" 5 "$name: an apply that does not wait: exit 5 (lock held)"
			like "$lease_holder" "held by .*pid $CRASH_PID " "$name: it names the dead holder"
			apply --auto-approve "${CRASH_ALLOW[@]}" --lock-timeout $((CRASH_TTL + 10)) \
				>"$TMP/crash/second.out" 2>"$TMP/crash/second.err"
			rc=$?
			is "$rc" "$CRASH_WANT_RC" \
				"$name: the second apply takes the expired lease over and converges (exit $CRASH_WANT_RC)"
			[ "$rc" = "$CRASH_WANT_RC" ] || cat "$TMP/crash/second.out" "$TMP/crash/second.err" |
				grep -v 'event=step_progress\|facts:' | sed 's/^/#   /' | tail -40
		fi
	fi
	plan --detailed-exitcode >"$TMP/crash/plan.out" 2>&1
	rc=$?
	if [ "$CRASH_WANT_RC" = 3 ]; then
		# dc1 is still lost: what is left (log shipping to dc1) waits for it
		is "$rc" 3 "$name: after: plan exit 3, only steps blocked on the lost site left"
		like "$(cat "$TMP/crash/plan.out")" "^plan for pool 'atl-pchat': blocked, ([0-9]+) steps?, \\1 blocked$" \
			"$name: every remaining step is blocked"
		is "$(grep -c 'BLOCKED:' "$TMP/crash/plan.out")" \
			"$(grep -c "BLOCKED: 'sql[ab].dc1.lab' is unreachable" "$TMP/crash/plan.out")" \
			"$name: each on dc1 alone"
	else
		is "$rc" 0 "$name: converged after"
	fi
	[ "$rc" = "$CRASH_WANT_RC" ] || sed 's/^/#   /' "$TMP/crash/plan.out" | head -30
	lab chat stop >/dev/null 2>&1
	if [ "$scenario" = rebuild ]; then
		# the disaster failover before the rebuild lost what it reported
		exposure=$CRASH_EXPOSURE
		ok "$([ -n "$exposure" ]; echo $?)" "$name: the disaster failover before it reported an exposure"
		[ -z "$exposure" ] || verify_args=(--allow-loss-after "$exposure")
	fi
	if [ "$scenario" = disaster ]; then
		exposure=$(crash_exposure "$TMP/crash/crashed.out")
		ok "$([ -n "$exposure" ]; echo $?)" "$name: the crashed apply's plan reported an exposure"
		[ -n "$exposure" ] || grep '^note:' "$TMP/crash/crashed.out" | sed 's/^/#   /'
		[ -z "$exposure" ] || verify_args=(--allow-loss-after "$exposure")
	fi
	lab verify "${verify_args[@]}" >"$TMP/crash/verify" 2>&1
	rc=$?
	is "$rc" 0 "$name: verify: nothing lost${verify_args:+ before the exposure ${verify_args[1]}}"
	[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/crash/verify"
	grep -E '^(acknowledged|lost but allowed)' "$TMP/crash/verify" | sed 's/^/# verify: /'
	like "$(cat "$TMP/crash/verify")" "split-brain 0" "$name: no split brain"
	if [ "$trigger" != none ]; then
		crash_audit_check "$name"
	fi
	if [ "$_tap_failed" -gt "$failed_before" ]; then
		CRASH_FAILED_POINTS+=("$name")
		echo "# crashed apply's log (last lines):"
		tail -8 "$TMP/crash/crashed.out" | sed 's/^/#   /'
		tail -15 "$TMP/crash/crashed.err" | sed 's/^/#   /'
		echo "# last lines of lab.log:"
		grep -v ' login ' "$LAB_DIR/lab.log" | tail -15 | sed 's/^/#   /'
	fi
	if [ "$trigger" != none ]; then
		CRASH_POINTS=$((CRASH_POINTS + 1))
		CRASH_PER_SCENARIO[$scenario]=$((${CRASH_PER_SCENARIO[$scenario]:-0} + 1))
	fi
	echo "# $name: $((SECONDS - t0))s"
}

# crash_exposure FILE: the exposure an apply's plan in FILE reported
# (`note: exposure: ... changes after LSN N are lost ...`): N, for verify's
# --allow-loss-after (the LSN form, exact); empty when none was reported.
crash_exposure() {
	sed -n "s/.*note: exposure: .* changes after LSN \([0-9]\{1,\}\) are lost.*/\1/p" "$1" | head -1
}

# The audit branch holds the killed apply's intent record: exactly one
# Apply-Id has an intent and no final record, and it is for the spec commit
# the crashed apply ran (its `Started ... with pcdr` line is in crashed.err's
# plan too; the record does not name the pid, the lease does).
crash_audit_check() {
	local name="$1" orphans head
	head=$(git -C "$TMP/specs" rev-parse main)
	orphans=$(git -C "$TMP/specs" log --format='%(trailers:key=Apply-Id,valueonly,separator=) %(trailers:key=Result,valueonly,separator=) %(trailers:key=Spec-Commit,valueonly,separator=)' pcdr/audit 2>/dev/null |
		awk 'NF == 3 { if ($2 == "intent") intent[$1] = $3; else final[$1] = 1 }
		     END { for (id in intent) if (!(id in final)) print intent[id] }')
	is "$orphans" "$head" "$name: the audit branch keeps the crashed apply's intent record (no final one)"
	like "$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat 2>&1)" \
		"INCOMPLETE: intent recorded, no final record" "$name: pcdr history shows it incomplete"
}

# crash_scenario SCENARIO: the uncrashed apply first (it counts the steps:
# N step_end events), then a crash point after each of the N steps and one
# inside a full restore.
crash_scenario() {
	local scenario="$1" k
	crash_point "$scenario" none
	echo "# $scenario: $CRASH_STEPS steps"
	ok "$([ "${CRASH_STEPS:-0}" -gt 0 ]; echo $?)" "$scenario: the apply ran steps"
	for k in $(seq 1 "${CRASH_STEPS:-0}"); do
		crash_point "$scenario" "step $k"
	done
	# inside a full restore, when the scenario seeds a copy (the failback
	# of a switchover catches its old mirror up from the log backups)
	if [ "${CRASH_SEEDS:-0}" -gt 0 ]; then
		crash_point "$scenario" restore
	else
		echo "# $scenario: no seed, so no full restore to kill inside"
	fi
}

# crash_points SCENARIO POINT...: only those crash points (K: after the
# K-th step_end; KIND such as sql.tail_log_backup: after the step_end of
# the first step of that kind; restore: inside a full restore), without
# the uncrashed run.
crash_points() {
	local scenario="$1" k
	shift
	for k in "$@"; do
		if [ "$k" = restore ]; then crash_point "$scenario" restore
		elif [[ "$k" == *.* ]]; then crash_point "$scenario" "after $k"
		else crash_point "$scenario" "step $k"; fi
	done
}

crash_summary() {
	local s
	for s in "${!CRASH_PER_SCENARIO[@]}"; do
		echo "# $s: ${CRASH_PER_SCENARIO[$s]} crash points"
	done
	[ ${#CRASH_FAILED_POINTS[@]} -eq 0 ] || printf '# failed: %s\n' "${CRASH_FAILED_POINTS[@]}"
	[ "$CRASH_SKIPPED" -eq 0 ] || echo "# $CRASH_SKIPPED planned crash points had no such step in their run"
	echo "crash points tested: $CRASH_POINTS"
}
