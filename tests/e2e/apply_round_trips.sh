#!/usr/bin/env bash
# Planned switchover round trips (issue #6), with chat traffic and log
# shipping backups shipped between the moves (LSBackup_mgc started by
# hand, as its schedule would, so the scenario does not wait a minute):
# switchover dc1 -> dc2, switch back, switchover again. Each old primary
# is demoted by its tail-log backup WITH NORECOVERY at the LSN the new
# primary recovers at, so it stays on the log chain: the first log backup
# of the new primary spans that fork point and RESTORE takes it (the log
# shipping role change Microsoft documents). The second switchover must
# therefore plan no seed in its move phase and restore no full backup on
# sqla.dc2 (msdb.dbo.restorehistory rows of type D), and lose nothing.
# From the switch back on, each new principal's old mirror (left
# RESTORING at the tail-log LSN when the previous move removed mirroring,
# on a fork one or two recoveries back) is caught up from the log backups
# across those fork points and mirrors again: no full restore on it.
# Then back to dc1 and a disaster: dc1 lost, failover with data loss
# allowed. dc2's old mirror, sqlb.dc2 (left RESTORING on dc2's fork when
# the switch back removed mirroring), is caught up to the fork point of
# the new principal and no further: dc1's own log backups that begin at
# the same LSN are another branch (4330 "inconsistent recovery path"
# before this was fixed). Exit 3 (dc1's steps blocked), service on dc2,
# nothing lost after the exposure LSN the plan states, no split brain.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"
. "$TOP/tests/e2e/apply_sql_helpers.bash"

# full_restores INSTANCE DB: RESTORE DATABASE rows in the instance's msdb
full_restores() {
	sql "$1" "SELECT COUNT(*) AS n FROM msdb.dbo.restorehistory WHERE restore_type = 'D' AND destination_database_name = N'$2'" |
		grep -oE '^[0-9]+$' | head -1
}
# switch WHAT PRIMARY [MIRROR]: plan and apply a planned switchover to
# PRIMARY's site; MIRROR, the site's mirror, held mgc before: it is caught
# up from the log backups (across the fork points of the earlier
# switchovers), not reseeded with a full backup
switch() {
	local out fulls
	out=$(plan 2>&1)
	like "$out" "sql.tail_log_backup mgc on " "$1: a planned switchover (tail-log backup)"
	unlike "$out" "move +sql\\.seed" "$1: no seed in the move phase"
	if [ -n "${3:-}" ]; then
		like "$out" "protect +sql\\.catch_up mgc on $3" "$1: the mirror $3 is caught up"
		unlike "$out" "protect +sql\\.seed mgc " "$1: ... not reseeded"
		fulls=$(full_restores "$3" mgc)
	fi
	out=$(apply --auto-approve 2>&1)
	is "$?" 0 "$1: apply exits 0"
	unlike "$out" "result=failed" "$1: no step failed"
	is "$(copy "$2" mgc state)" "ONLINE" "$1: mgc ONLINE on $2"
	if [ -n "${3:-}" ]; then
		is "$(full_restores "$3" mgc)" "$fulls" "$1: no full restore on $3"
		is "$(copy "$3" mgc mirroring.role)" "MIRROR" "$1: $3 mirrors mgc again"
	fi
}

apply --auto-approve >"$TMP/bootstrap.out" 2>&1
is "$?" 0 "bootstrap: exit 0"
lab chat start --rate 20 >/dev/null
sleep 1
ship_log sqla.dc1.lab
ok $? "dc1 ships a log backup"

spec_failover
switch "switchover" sqla.dc2.lab
sleep 1
ship_log sqla.dc2.lab
ok $? "dc2 ships a log backup (its first spans its fork point)"

spec_failback
dc1_full=$(full_restores sqla.dc1.lab mgc)
switch "switch back" sqla.dc1.lab sqlb.dc1.lab
is "$(full_restores sqla.dc1.lab mgc)" "$dc1_full" "switch back: no full restore on sqla.dc1"
is "$(copy sqla.dc2.lab mgc ls_secondary.primary)" "sqla.dc1.lab" \
	"switch back: sqla.dc2 is dc1's log shipping secondary from the tail"
sleep 1
ship_log sqla.dc1.lab
ok $? "dc1 ships a log backup again"

spec_failover
dc2_full=$(full_restores sqla.dc2.lab mgc)
switch "second switchover" sqla.dc2.lab sqlb.dc2.lab
is "$(full_restores sqla.dc2.lab mgc)" "$dc2_full" "second switchover: no full restore on sqla.dc2"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"second switchover: pool FailedOver, dc2's servers active"
sleep 1
lab verify >"$TMP/verify1" 2>&1
is "$?" 0 "after three switchovers: nothing lost"
like "$(cat "$TMP/verify1")" "lost 0, duplicates 0, split-brain 0" "zero loss, no split brain"

spec_failback
# sqlb.dc1's bridge to dc2's fork is dc1's tail-log backup of the second
# switchover: msdb remembers it, but with the file gone from the share
# (log shipping deletes old files) the plan reseeds instead of planning a
# catch-up that would stop at the gap
tail=$(cd "$LAB_DIR/share" && ls -t mgc_*_tail.trn | head -1)
mv "$LAB_DIR/share/$tail" "$TMP/"
out=$(plan 2>&1)
like "$out" "protect +sql\\.seed mgc sqla\\.dc1\\.lab -> sqlb\\.dc1\\.lab" \
	"without $tail on the share: the old mirror is reseeded"
mv "$TMP/$tail" "$LAB_DIR/share/"
switch "second switch back" sqla.dc1.lab sqlb.dc1.lab
sleep 1
ship_log sqla.dc1.lab
ok $? "dc1 ships a log backup before it is lost"
sleep 1 # messages only dc1 has: the failover's exposure
lab stop dc1 >/dev/null
spec_failover
plan --output json >"$TMP/plan.json" 2>/dev/null
exposure=$(plan_note "exposure: " <"$TMP/plan.json" | sed -n 's/.*changes after LSN \([0-9]*\) are lost.*/\1/p')
like "$exposure" "^[0-9]+$" "disaster plan: states its exposure LSN"
# dc1's log backup after the second switch back spans its fork point (dc2
# was left at it by its tail-log backup): the catch-up takes it, so the
# disaster loses nothing the share holds
is "$exposure" "$(newest_shipped_lsn sqla.dc2.lab)" \
	"disaster plan: recovers at the newest shipped log's LastLSN (across the fork point)"
out=$(apply --auto-approve --allow-data-loss 2>&1)
is "$?" 3 "disaster failover: exit 3 (dc1's steps blocked)"
unlike "$out" "result=failed" "disaster failover: no step failed"
is "$(pool_get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"disaster failover: pool FailedOver, dc2's servers active"
is "$(copy sqla.dc2.lab mgc mirroring.role)" "PRINCIPAL" \
	"disaster failover: sqla.dc2 mirrored again (sqlb.dc2 caught up, not reseeded)"
sleep 1
lab chat stop >/dev/null
lab verify --allow-loss-after "$exposure" >"$TMP/verify2" 2>&1
is "$?" 0 "after the disaster: nothing lost but the exposure"
like "$(cat "$TMP/verify2")" "duplicates 0, split-brain 0" "no duplicate, no split brain"
sed -n 's/^\(acknowledged.*\)/# \1/p' "$TMP/verify2"

done_testing
