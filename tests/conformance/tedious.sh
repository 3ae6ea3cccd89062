#!/usr/bin/env bash
# Conformance through tedious 19.2.2 (npm, tests/node_modules):
# every case of tests/conformance/cases run by tedious_client.js (one process
# for all cases), each transcript checked by compare.py against SQL
# Server's expected outcome.
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$TOP/tests/lib.sh"
source "$TOP/tests/conformance/common.bash"
[ -d "$TOP/tests/node_modules/tedious" ] || { echo "not ok 1 - tedious missing (make deps)"; exit 1; }
lab_up

mapfile -t cases < <(conf_cases)
paths=()
for c in "${cases[@]}"; do paths+=("$CONF_DIR/$c.sql"); done
mkdir -p "$TMP/out"
timeout 120 node "$CONF_DIR/tedious_client.js" "$(conf_host)" "$(conf_port)" \
	"$PCDR_SQL_USER" "$PCDR_SQL_PASSWORD" "$TMP/out" "${paths[@]}" 2>"$TMP/client.err"
for c in "${cases[@]}"; do
	conf_check tedious "$c" "$TMP/out/${c##*/}.out"
done
[ -s "$TMP/client.err" ] && sed 's/^/# client: /' "$TMP/client.err" | tail -20
done_testing
