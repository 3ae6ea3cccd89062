#!/usr/bin/env bash
# Conformance through FreeTDS db-lib: every case of tests/conformance/cases
# run by tests/helpers/dblib_client.c (types from dbcoltype, DBCOUNT, the
# message handler, dbretstatus, dbname, dbcancel), checked by compare.py
# against SQL Server's expected outcome.
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$TOP/tests/lib.sh"
source "$TOP/tests/conformance/common.bash"
CLIENT="$TOP/$BUILD/tests/helpers/dblib_client"
[ -x "$CLIENT" ] || { echo "not ok 1 - $CLIENT not built (make unit)"; exit 1; }
lab_up

for c in $(conf_cases); do
	args=(-S "$CONF_SERVER" -U "$PCDR_SQL_USER" -P "$(conf_password "$c")")
	after=$(conf_directive "$c" cancel-after)
	[ -n "$after" ] && args+=(-c "$after")
	"$PY" "$CONF_DIR/compare.py" --render "$CONF_DIR/$c.sql" >"$TMP/${c##*/}.sql"
	timeout 20 "$CLIENT" "${args[@]}" -f "$TMP/${c##*/}.sql" >"$TMP/${c##*/}.out" 2>"$TMP/${c##*/}.err"
	conf_check dblib "$c" "$TMP/${c##*/}.out"
done
done_testing
