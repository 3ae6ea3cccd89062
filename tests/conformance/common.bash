# tests/conformance/common.bash: shared by the four client drivers
# (tsql.sh, dblib.sh, pytds.sh, tedious.sh), sourced after tests/lib.sh.
# Each driver runs every case of tests/conformance/cases through its client,
# writes what the client observed as a transcript, and lets compare.py
# check it against the case's .expect: one TAP line per case.
#
# Not a test itself (the runner only picks up *.sh).

CONF_DIR="$TOP/tests/conformance"
CONF_SERVER="${CONF_SERVER:-sqla.dc1.lab}"
PY=/usr/bin/python3   # Debian's python3, where python3-tds is installed
export PYTHONDONTWRITEBYTECODE=1

# conf_cases: the cases to run, as paths under tests/conformance without
# the extension ("cases/print"), sorted. CONFORMANCE_CASES="print cancel"
# limits them by name; CONFORMANCE_PENDING=1 adds cases-pending/, the cases
# the lab does not pass yet (see cases-pending/README).
conf_cases() {
	local f n dirs=(cases)
	[ -n "${CONFORMANCE_PENDING:-}" ] && dirs+=(cases-pending)
	for d in "${dirs[@]}"; do
		for f in "$CONF_DIR/$d"/*.sql; do
			[ -e "$f" ] || continue
			n=$(basename "$f" .sql)
			if [ -n "${CONFORMANCE_CASES:-}" ] && [[ " $CONFORMANCE_CASES " != *" $n "* ]]; then
				continue
			fi
			echo "$d/$n"
		done
	done
}

# conf_name CASE: what TAP lines call it ("print", "pending/cancel")
conf_name() {
	local c="${1#cases/}"
	echo "${c/#cases-pending\//pending/}"
}

# conf_directive CASE NAME: the value(s) of '--! NAME: value' in CASE.sql
# (the same syntax compare.py's case_directives reads, without a python start)
conf_directive() {
	sed -n "s/^--![[:space:]]*$2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$/\1/p" "$CONF_DIR/$1.sql"
}

# conf_port [SERVER]: the port of SERVER's section in $FREETDSCONF
conf_port() {
	awk -v want="[${1:-$CONF_SERVER}]" '
		/^[ \t]*\[/ { gsub(/[ \t]/, ""); insec = (tolower($0) == tolower(want)); next }
		insec && /^[ \t]*port[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); print; exit }
	' "$FREETDSCONF"
}

# conf_host [SERVER]: the host of SERVER's section in $FREETDSCONF
conf_host() {
	awk -v want="[${1:-$CONF_SERVER}]" '
		/^[ \t]*\[/ { gsub(/[ \t]/, ""); insec = (tolower($0) == tolower(want)); next }
		insec && /^[ \t]*host[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); print; exit }
	' "$FREETDSCONF"
}

# conf_password CASE: the password the case logs in with
conf_password() {
	if [ "$(conf_directive "$1" login)" = bad-password ]; then
		echo "${PCDR_SQL_PASSWORD}-wrong"
	else
		echo "$PCDR_SQL_PASSWORD"
	fi
}

# conf_check CLIENT CASE OBSERVED: one TAP line; on failure the differences
# and the whole observed transcript as TAP comments
conf_check() {
	local client="$1" case="$2" observed="$3" diff rc
	diff=$("$PY" "$CONF_DIR/compare.py" --client "$client" \
		"$CONF_DIR/$case.expect" "$observed" 2>&1)
	rc=$?
	ok "$rc" "$client: $(conf_name "$case")"
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "$diff"
		sed 's/^/#   | /' "$observed"
	fi
}
