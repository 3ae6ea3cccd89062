#!/usr/bin/env bash
# The JSON Schema for editors (specs/pcdr-v1.schema.json) and the C
# validator agree: every example spec and every file under
# tests/data/specs/valid is valid for both, and every file under
# tests/data/specs/invalid is invalid for both. The schema side runs in
# node (tests/e2e/spec_schema.js, ajv + yaml from tests/node_modules); each
# invalid file names, in a "# schema-error: PATH" comment, the instance
# path the schema must flag, so a file cannot pass for the wrong reason.
# The C side is `pcdr validate FILE` when the binary is built (and always
# tests/unit/specs/test_spec.c, over the same folders).
# shellcheck source=tests/lib.sh
source "$TOP/tests/lib.sh"
cd "$TOP" || exit 1

if ! command -v node >/dev/null 2>&1 || [ ! -d tests/node_modules/ajv ]; then
	echo "ok 1 - # SKIP node or tests/node_modules missing (make deps)"
	done_testing
	exit 0
fi

valid=(examples/*/pools/*.yaml tests/data/specs/valid/*.yaml)
invalid=(tests/data/specs/invalid/*.yaml)
ok "$([ ${#valid[@]} -ge 5 ] && [ ${#invalid[@]} -ge 20 ]; echo $?)" "the shared cases are there"

node tests/e2e/spec_schema.js "${valid[@]}" "${invalid[@]}" >"$TMP/schema.out" 2>"$TMP/schema.err"
is "$?" 0 "the schema compiles and node reads every file"
[ -s "$TMP/schema.err" ] && sed 's/^/# /' "$TMP/schema.err"

# verdict FILE: the schema's line for FILE, without the file name
verdict() {
	awk -F'\t' -v f="$1" '$1 == f { print $2 (NF > 2 ? "\t" $3 : ""); exit }' "$TMP/schema.out"
}

for f in "${valid[@]}"; do
	is "$(verdict "$f")" "valid" "schema accepts $f"
done
for f in "${invalid[@]}"; do
	want=$(sed -n 's/^# schema-error: //p' "$f" | head -1)
	got=$(verdict "$f")
	like "$got" "^invalid" "schema rejects $f"
	like " ${got#invalid	} " " $want " "schema flags $want in $f"
done

if [ -x "$PCDR" ]; then
	for f in "${valid[@]}"; do
		"$PCDR" validate "$f" >/dev/null 2>"$TMP/err"
		is "$?" 0 "pcdr validate accepts $f"
	done
	for f in "${invalid[@]}"; do
		"$PCDR" validate "$f" >/dev/null 2>"$TMP/err"
		rc=$?
		ok "$([ "$rc" -ne 0 ] && grep -q "^$f:[0-9]*:[0-9]*: " "$TMP/err"; echo $?)" \
			"pcdr validate rejects $f with FILE:LINE:COL (exit $rc)"
	done
else
	echo "# $PCDR is not built: the C side is checked by tests/unit/specs/test_spec.c only"
fi
done_testing
