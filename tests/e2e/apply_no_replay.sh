#!/usr/bin/env bash
# No replay: once a spec commit was applied, an older one is refused
# (its change would undo a newer, reviewed one) unless --allow-rewind.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_lab_setup.bash"
spec_commit "Both dc1 servers" pc1.dc1.lab pc2.dc1.lab
old=$(git -C "$TMP/specs" rev-parse HEAD)
spec_commit "Only pc1" pc1.dc1.lab

apply --auto-approve >/dev/null 2>&1
is "$?" 0 "the newest spec is applied"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab"]}' "pool as the newest spec"

apply --auto-approve --ref "$old" >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "an older spec commit: refused (exit 1)"
like "$(cat "$TMP/err")" "${old:0:7}" "the refusal names the old commit"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab"]}' "refused: nothing changed"
is "$(audit_results)" "succeeded intent " "refused: nothing recorded"

apply --auto-approve --ref "$old" --allow-rewind >/dev/null 2>&1
is "$?" 0 "--allow-rewind applies it"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the older spec's servers"
apply --auto-approve >/dev/null 2>&1
is "$?" 0 "the newest spec descends from the rewound one: applied again"

done_testing
