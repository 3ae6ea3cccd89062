# Sourced by the apply_faults*.sh scripts (not a test), after
# apply_scenario_setup.bash: run an apply in the background, wait for one
# of its --log-format json events to time a fault, and check that no
# password of the lab (DIR/env, the topology's logins) reached the
# output or the spec repository (audit records, notes).

# apply_bg ARGS...: start `pcdr apply --auto-approve --log-format json ARGS`;
# stdout in $TMP/bg.out, stderr in $TMP/bg.err, its pid in $BG_PID
apply_bg() {
	rm -f "$TMP/bg.out" "$TMP/bg.err"
	(trap - EXIT; exec "$PCDR" apply --config "$CONFIG" --repo "$TMP/specs" --auto-approve \
		--log-format json "$@" >"$TMP/bg.out" 2>"$TMP/bg.err") &
	BG_PID=$!
}

# wait_event REGEX [SECONDS]: until a line of $TMP/bg.out matches (default 60 s)
wait_event() {
	local i
	for i in $(seq 1 $((${2:-60} * 10))); do
		grep -qE -- "$1" "$TMP/bg.out" 2>/dev/null && return 0
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -qE -- "$1" "$TMP/bg.out" 2>/dev/null
}

# apply_wait: wait for the background apply; its exit code in $BG_RC
apply_wait() {
	wait "$BG_PID"
	BG_RC=$?
}

# newest_result: the Result trailer of the newest audit commit
newest_result() {
	git -C "$TMP/specs" log -1 --format='%(trailers:key=Result,valueonly)' pcdr/audit | sed '/^$/d'
}

# no_secret NAME FILE...: none of the lab's passwords in the files nor in any
# object of the spec repository (every audit record and note)
no_secret() {
	local name="$1" pw leaks=0 n=0
	shift
	git -C "$TMP/specs" cat-file --batch-all-objects --batch >"$TMP/objects" 2>/dev/null
	while IFS= read -r pw; do
		[ -n "$pw" ] || continue
		n=$((n + 1))
		grep -qF -- "$pw" "$@" "$TMP/objects" && leaks=$((leaks + 1))
	done < <(
		sed -n "s/^export [A-Z_]*PASSWORD='\(.*\)'$/\1/p" "$LAB_DIR/env"
		sed -n 's/^ *password: "\(.*\)"$/\1/p' "$LAB_DIR/topology.yaml"
	)
	is "$leaks/$([ "$n" -ge 2 ] && echo checked)" "0/checked" \
		"$name: none of the $n passwords in the output, the audit records or the notes"
}
