# tests/lib.sh: helpers for end-to-end scripts (sourced). TAP output:
#   plan_tests N; ok COND "name"; is GOT WANT "name"; like TEXT REGEX "name"
#   lab_up [TOPOLOGY]  starts a lab on free loopback ports in $LAB_DIR and
#                      loads its env (FREETDSCONF, PCDR_SQL_USER, ...);
#                      stopped automatically when the script exits.
set -u
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BUILD:=build/default}"
: "${PCDR:=$TOP/$BUILD/pcdr}"
: "${PCDR_LAB:=$TOP/$BUILD/pcdr-lab}"
_tap_n=0
_tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pcdr-test.XXXXXX")
LAB_DIR=""

_cleanup() {
	# A failed script shows the end of the lab's log: a daemon that died
	# (a sanitizer report ends the process) explains refused connections.
	if [ "$_tap_failed" -gt 0 ] && [ -n "$LAB_DIR" ] && [ -f "$LAB_DIR/lab.log" ]; then
		echo "# last lines of $LAB_DIR/lab.log:"
		tail -n 40 "$LAB_DIR/lab.log" | sed 's/^/#   /'
	fi
	if [ -n "$LAB_DIR" ] && [ -f "$LAB_DIR/lab.pid" ]; then
		"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null 2>&1 || true
	fi
	rm -rf "$TMP"
}
trap _cleanup EXIT

ok() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ] || [ "$1" = true ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

like() {
	if printf '%s' "$1" | grep -qE -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"
		printf '#   text: %s\n#   does not match: %s\n' "$(printf '%s' "$1" | head -5)" "$2"
	fi
}

unlike() {
	if printf '%s' "$1" | grep -qE -- "$2"; then
		ok 1 "$3"
		printf '#   text matches: %s\n' "$2"
	else ok 0 "$3"; fi
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

lab_up() {
	local topo="${1:-$TOP/examples/lab/topology.yaml}"
	LAB_DIR="$TMP/lab"
	"$PCDR_LAB" up --topology "$topo" --dir "$LAB_DIR" >"$TMP/lab-up.log" 2>&1 || {
		cat "$TMP/lab-up.log" >&2
		echo "not ok - lab did not start"
		exit 1
	}
	# shellcheck disable=SC1091
	. "$LAB_DIR/env"
}
