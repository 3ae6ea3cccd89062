#!/usr/bin/env bash
# pcdr history from the command line, against a spec repository whose
# audit branch is written here with plain git plumbing, following the
# record format of docs/audit.md (so this script also shows the format):
# one JSON file per record under records/<pool>/, one commit per record,
# trailers Spec-Commit/Pool/Result/Apply-Id/Kind/Steps-Run/Record, built
# with a private index so the work tree and HEAD are never touched.
# No lab needed.
# shellcheck source=tests/lib.sh
source "$TOP/tests/lib.sh"

export HOME="$TMP/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Alice Martin" GIT_AUTHOR_EMAIL=alice@litwareinc.com
export GIT_COMMITTER_NAME="pcdr" GIT_COMMITTER_EMAIL=pcdr@sql-admin01
mkdir -p "$HOME"

run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

repo="$TMP/specs"
git init -q -b main "$repo"
mkdir -p "$repo/pools"
echo "v1" >"$repo/pools/atl-pchat.yaml"
git -C "$repo" add -A && git -C "$repo" commit -q -m "atl-pchat: primary dc1"
spec1=$(git -C "$repo" rev-parse HEAD)
echo "v2" >"$repo/pools/atl-pchat.yaml"
git -C "$repo" commit -q -am "atl-pchat: fail over to dc2"
spec2=$(git -C "$repo" rev-parse HEAD)
echo "v3" >"$repo/pools/atl-pchat.yaml"
git -C "$repo" commit -q -am "atl-pchat: fail back to dc1"
spec3=$(git -C "$repo" rev-parse HEAD)

# record ID STARTED RESULT KIND FROM TO SPEC [EXTRA_JSON]: commit one record
# on pcdr/audit the way audit_record_write does.
record() {
	local id=$1 at=$2 result=$3 kind=$4 from=$5 to=$6 spec=$7 extra=${8:-}
	local stamp path blob tree parent commit suffix=""
	[ "$result" = intent ] && suffix=".intent"
	stamp=$(printf '%s' "$at" | tr -d ':-')
	path="records/atl-pchat/$stamp-$id$suffix.json"
	cat >"$TMP/record.json" <<JSON
{
  "format_version": 1,
  "apply_id": "$id",
  "pool": "atl-pchat",
  "spec_commit": "$spec",
  "result": "$result",
  "started_at": "$at",
  "reconciler": {"user": "alice", "host": "sql-admin01", "version": "0.3.0"},
  "kind": "$kind",
  "home": "dc1",
  "from_primary": "$from",
  "to_primary": "$to",
  "steps": [
    {"name": "pool.set_active_servers", "target": "atl-pchat", "result": "succeeded",
     "started_at": "$at", "finished_at": "$at", "messages": []},
    {"name": "sql.tail_log_backup", "target": "mgc", "result": "succeeded",
     "started_at": "$at", "finished_at": "$at", "messages": ["BACKUP LOG successfully processed 12 pages"]}
  ]$extra
}
JSON
	blob=$(git -C "$repo" hash-object -w "$TMP/record.json")
	export GIT_INDEX_FILE="$TMP/audit.index"
	rm -f "$GIT_INDEX_FILE"
	parent=$(git -C "$repo" rev-parse -q --verify refs/heads/pcdr/audit) &&
		git -C "$repo" read-tree "$parent"
	git -C "$repo" update-index --add --cacheinfo "100644,$blob,$path"
	tree=$(git -C "$repo" write-tree)
	unset GIT_INDEX_FILE
	printf 'apply atl-pchat: %s %s -> %s (%s, 2 steps)\n\nStarted %s.\n\nSpec-Commit: %s\nPool: atl-pchat\nResult: %s\nApply-Id: %s\nKind: %s\nSteps-Run: 2\nRecord: %s\n' \
		"$kind" "$from" "$to" "$result" "$at" "$spec" "$result" "$id" "$kind" "$path" >"$TMP/msg"
	commit=$(git -C "$repo" commit-tree "$tree" ${parent:+-p "$parent"} -F "$TMP/msg")
	git -C "$repo" update-ref refs/heads/pcdr/audit "$commit"
}

# --- no audit branch yet ------------------------------------------------
run "$PCDR" history --repo "$repo"
is "$rc" 0 "history of a repository never applied exits 0"
is "$out" "no applies recorded on 'pcdr/audit'" "and says so"

# --- a failover, then a failback ----------------------------------------
record 0000000a 2026-11-28T14:00:00Z intent failover dc1 dc2 "$spec2"
record 0000000a 2026-11-28T14:00:00Z succeeded failover dc1 dc2 "$spec2" \
	', "finished_at": "2026-11-28T14:03:10Z", "demotion": {"tail_log_backup": "\\\\fs1\\pchat\\mgc_tail.trn", "lsn": "42000000031200001"}'
record 0000000b 2026-11-28T16:00:00Z succeeded failback dc2 dc1 "$spec3" \
	', "exposure": {"last_log_at": "2026-11-28T15:59:00Z", "last_lsn": "42000000035000001"}'
head_before=$(git -C "$repo" rev-parse HEAD)

run "$PCDR" history --repo "$repo"
is "$rc" 0 "history exits 0"
is "$(printf '%s\n' "$out" | sed -n 1p)" "2 applies recorded on 'pcdr/audit', newest first:" \
	"the intent of a finished apply is not listed twice"
like "$(printf '%s\n' "$out" | sed -n 3p)" \
	"^2026-11-28 16:00:00 UTC  atl-pchat  FAILBACK dc2 -> dc1  succeeded \(2 steps\)$" \
	"the failback comes first, marked"
like "$out" "unplanned \\(disaster\\), exposure: last_log_at 2026-11-28T15:59:00Z, last_lsn 42000000035000001" \
	"with what it exposed"
like "$out" "2026-11-28 14:00:00 UTC  atl-pchat  FAILOVER dc1 -> dc2  succeeded \(2 steps\)" \
	"the failover is marked"
like "$out" "planned switchover, zero data loss \(demotion: tail_log_backup .*mgc_tail.trn, lsn 42000000031200001\)" \
	"with its demotion token"
like "$out" "spec ${spec2:0:12} applied by alice@sql-admin01 with pcdr 0.3.0" \
	"the spec commit and who applied it"
is "$(git -C "$repo" rev-parse HEAD)" "$head_before" "history does not move HEAD"
is "$err" "" "nothing on stderr"

# --- JSON ---------------------------------------------------------------
run "$PCDR" history --repo "$repo" --output json
is "$rc" 0 "--output json exits 0"
is "$(printf '%s' "$out" | jq -r .format_version)" 1 "JSON has format_version 1"
is "$(printf '%s' "$out" | jq -r '[.applies[].kind] | join(",")')" "failback,failover" \
	"applies newest first with their kind"
is "$(printf '%s' "$out" | jq -r '.applies[1].zero_loss')" true "the planned failover lost nothing"
is "$(printf '%s' "$out" | jq -r '.applies[1].finished_at')" 2026-11-28T14:03:10Z "finished_at"
is "$(printf '%s' "$out" | jq -r '.applies[0].spec_commit')" "$spec3" "full spec commit ids"
is "$(printf '%s' "$out" | jq -r '.applies[0].exposure.last_lsn')" 42000000035000001 "exposure"

# --- an apply that died after its intent ---------------------------------
record 0000000c 2026-11-28T18:00:00Z intent converge dc1 dc1 "$spec3"
run "$PCDR" history --repo "$repo" --limit 1
is "$rc" 0 "--limit 1 exits 0"
is "$(printf '%s\n' "$out" | sed -n 1p)" "1 apply recorded on 'pcdr/audit', newest first:" \
	"--limit keeps the newest"
like "$out" "converge  INCOMPLETE: intent recorded, no final record" \
	"an intent without a final record is INCOMPLETE"

# --- filters, refs, URLs -------------------------------------------------
run "$PCDR" history --repo "$repo" --pool lyon-pchat
is "$out" "no applies recorded on 'pcdr/audit'" "--pool filters"
run "$PCDR" history --repo "$repo" --pool atl-pchat --ref main --output=json
is "$(printf '%s' "$out" | jq -r '.applies | length')" 3 "--ref is accepted (and ignored)"
git clone -q --bare "$repo" "$TMP/remote.git"
run "$PCDR" history --repo "file://$TMP/remote.git" --cache "$TMP/cache" --output json
is "$rc" 0 "a URL is fetched into the cache"
is "$(printf '%s' "$out" | jq -r '.applies | length')" 3 "and its audit branch read"
(cd "$repo" && "$PCDR" history >"$TMP/out" 2>&1)
like "$(cat "$TMP/out")" "^3 applies recorded" "--repo defaults to the current folder"

# --- usage errors ---------------------------------------------------------
run "$PCDR" history --repo "$repo" --limit 0
is "$rc" 129 "--limit 0 is a usage error"
run "$PCDR" history --repo "$repo" --output xml
is "$rc" 129 "--output xml is a usage error"
like "$err" "--output must be text or json" "and says why"
run "$PCDR" history --frobnicate
is "$rc" 129 "an unknown option is a usage error"
run "$PCDR" history --repo "$TMP/nowhere"
is "$rc" 1 "a missing repository is an error"
like "$err" "^pcdr history: repository '.*nowhere' not found" "named in the message"
run "$PCDR" help history
is "$rc" 0 "pcdr help history"
like "$out" "--output FORMAT" "lists the options"

done_testing
