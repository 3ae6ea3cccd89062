#!/usr/bin/env bash
# Conformance through python-tds (Debian's python3-tds for /usr/bin/python3):
# every case of tests/conformance/cases run by pytds_client.py (one process
# for all cases), each transcript checked by compare.py against SQL
# Server's expected outcome.
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$TOP/tests/lib.sh"
source "$TOP/tests/conformance/common.bash"
"$PY" -c 'import pytds' 2>/dev/null || { echo "not ok 1 - python3-tds missing (make deps)"; exit 1; }
lab_up

mapfile -t cases < <(conf_cases)
paths=()
for c in "${cases[@]}"; do paths+=("$CONF_DIR/$c.sql"); done
mkdir -p "$TMP/out"
timeout 120 "$PY" "$CONF_DIR/pytds_client.py" "$(conf_host)" "$(conf_port)" \
	"$PCDR_SQL_USER" "$PCDR_SQL_PASSWORD" "$TMP/out" "${paths[@]}" 2>"$TMP/client.err"
for c in "${cases[@]}"; do
	conf_check pytds "$c" "$TMP/out/${c##*/}.out"
done
[ -s "$TMP/client.err" ] && sed 's/^/# client: /' "$TMP/client.err" | tail -20
done_testing
