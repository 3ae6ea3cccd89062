#!/usr/bin/env bash
# The old primary comes back after a disaster failover (DESIGN.md, "The
# planner's rules", invariant 2: a copy that is not the authority but is
# ONLINE with data, a divergent old primary coming back, is backed up
# before it is overwritten, and the plan says so). After the disaster
# failover of apply_disaster.bash, `pcdr-lab start dc1` brings back
# sqla.dc1 ONLINE with the messages dc2 never received. The plan backs
# it up (sql.safety_backup) before it leaves mirroring and log shipping
# and is reseeded as dc2's secondary; the chat servers of dc1 stay
# fenced (no split brain). The safety backup, restored under another
# name, holds every message dc1 acknowledged, including those the
# failover lost: nothing was lost silently. History tells the apply as a
# convergence, not a second failover.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_disaster.bash"

apply --auto-approve --allow-data-loss >"$TMP/failover.out" 2>&1
is "$?" 3 "disaster failover: exit 3 (dc1 is down)"
lab verify --allow-loss-after 2000-01-01T00:00:00 >"$TMP/verify1" 2>&1
lost1=$(sed -n 's/.* lost \([0-9]*\),.*/\1/p' "$TMP/verify1")
ok "$([ "${lost1:-0}" -gt 0 ] && echo 0 || echo 1)" "the failover lost $lost1 messages only dc1 had"

lab start dc1 >/dev/null
is "$(copy sqla.dc1.lab mgc state)" "ONLINE" "dc1 is back: its mgc ONLINE"
out=$(plan 2>&1)
like "$out" "detach   sql.safety_backup mgc on sqla.dc1.lab" "plan: a safety backup of the old primary"
like "$out" "why: 'sqla.dc1.lab' holds an ONLINE copy that is not the authority and will be overwritten: back it up first" \
	"plan: says why"
like "$out" "sql.seed mgc sqla.dc2.lab -> sqla.dc1.lab" "plan: then dc1 is reseeded from dc2"
out=$(apply --auto-approve 2>&1)
is "$?" 0 "apply: exit 0"
like "$out" "event=step_end step=1 result=succeeded" "the safety backup ran first"
is "$(copy sqla.dc1.lab mgc state)" "RESTORING" "dc1: RESTORING"
is "$(copy sqla.dc1.lab mgc ls_secondary.primary)" "sqla.dc2.lab" "dc1: dc2's log shipping secondary"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"the pool still uses dc2 alone"
plan --detailed-exitcode >/dev/null 2>&1
is "$?" 0 "converged"
like "$("$PCDR" history --repo "$TMP/specs" --pool atl-pchat | sed -n 3p)" "atl-pchat  converge  succeeded" \
	"history: a convergence, not a second failover"

lab chat stop >/dev/null
lab verify --allow-loss-after 2000-01-01T00:00:00 >"$TMP/verify" 2>&1
like "$(cat "$TMP/verify")" " lost $lost1, duplicates 0, split-brain 0" \
	"no new loss, no split brain while dc1 was back"

backup=$(cd "$LAB_DIR/share" && ls | grep -E '^mgc_.*_safety-sqla\.dc1\.lab\.bak$' | head -n 1)
like "$backup" "safety" "the safety backup is on the share ($backup)"
out=$(sql sqlb.dc1.lab "RESTORE DATABASE [mgc_rescue] FROM DISK = N'\\\\fs1.lab\\pchat-ls\\$backup' WITH RECOVERY, MOVE N'mgc' TO N'D:\\rescue\\mgc_rescue.mdf', MOVE N'mgc_log' TO N'D:\\rescue\\mgc_rescue.ldf'")
like "$out" "RESTORE DATABASE successfully processed" "it restores under another name"
sql sqlb.dc1.lab "SELECT chatId FROM mgc_rescue.dbo.tblChat" | grep -E '^[0-9]+$' | sort >"$TMP/rescued"
awk -F'\t' '$4 ~ /\.dc1\.lab$/ { print $1 }' "$LAB_DIR/ledger" | sort >"$TMP/dc1_acked"
missing=$(comm -23 "$TMP/dc1_acked" "$TMP/rescued" | wc -l)
is "$missing" 0 "every message dc1 acknowledged ($(wc -l <"$TMP/dc1_acked")) is in the safety backup"

done_testing
