#!/usr/bin/env bash
# Conformance through FreeTDS tsql (freetds-bin): every case of
# tests/conformance/cases fed to tsql on stdin, its output turned into a
# transcript by compare.py --tsql-raw and checked against SQL Server's
# expected outcome. tsql shows no types, DONE counts or database changes,
# so those parts of the expectation are not checked here (see compare.py).
# tsql cannot cancel: it has no cancel command, and in FreeTDS 1.3.17 a
# query timeout makes it close the socket instead of sending ATTENTION
# (src/tds/packet.c, tds_connection_network), so cases with a
# '--! cancel-after' directive are left to the other three clients.
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$TOP/tests/lib.sh"
source "$TOP/tests/conformance/common.bash"
command -v tsql >/dev/null || { echo "not ok 1 - tsql missing (make deps)"; exit 1; }
lab_up

for c in $(conf_cases); do
	[ -n "$(conf_directive "$c" cancel-after)" ] && continue
	{
		"$PY" "$CONF_DIR/compare.py" --render "$CONF_DIR/$c.sql" | sed 's/^GO$/go/'
		printf 'go\nexit\n'
	} >"$TMP/${c##*/}.in"
	timeout 20 tsql -S "$CONF_SERVER" -U "$PCDR_SQL_USER" \
		-P "$(conf_password "$c")" <"$TMP/${c##*/}.in" >"$TMP/${c##*/}.stdout" 2>"$TMP/${c##*/}.stderr"
	"$PY" "$CONF_DIR/compare.py" --tsql-raw "$TMP/${c##*/}.stdout" "$TMP/${c##*/}.stderr" >"$TMP/${c##*/}.out"
	conf_check tsql "$c" "$TMP/${c##*/}.out"
done
done_testing
