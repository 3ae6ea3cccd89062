#!/usr/bin/env bash
# Bootstrap: the bare lab converges to the lab spec in one apply: the
# dc1 mirror seeded and mirrored (SYNCHRONIZED, safety FULL), dc2's copy
# seeded and configured as the log shipping secondary of dc1's pair, the
# active servers set. A second apply plans nothing. Uses the lab's
# BACKUP/RESTORE, mirroring (endpoints, SET PARTNER) and the log shipping
# procedures.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"

out=$(apply --auto-approve 2>"$TMP/err")
is "$?" 0 "bootstrap apply: exit 0"
like "$out" "event=step_progress step=[0-9]+ instance=sqla.dc1.lab percent=[0-9]+" \
	"backup progress (3211) reaches the log lines"
like "$out" "event=apply_end message=succeeded" "the apply succeeded"
is "$(copy sqlb.dc1.lab mgc state)" "RESTORING" "dc1 mirror: RESTORING"
is "$(copy sqla.dc1.lab mgc mirroring.role)" "PRINCIPAL" "dc1 principal: PRINCIPAL"
is "$(copy sqla.dc1.lab mgc mirroring.state)" "SYNCHRONIZED" "mirroring SYNCHRONIZED"
is "$(copy sqla.dc1.lab mgc mirroring.safety)" "FULL" "mirroring safety FULL"
is "$(copy sqla.dc1.lab mgccomp mirroring.role)" "PRINCIPAL" "mgccomp mirrored too"
is "$(copy sqla.dc2.lab mgc state)" "RESTORING" "dc2 copy: RESTORING"
is "$(copy sqla.dc2.lab mgc ls_secondary.primary)" "sqla.dc1.lab" "dc2 copy: log shipping secondary of dc1"
is "$(copy sqla.dc1.lab mgc ls_primary.backup_share)" '\\fs1.lab\pchat-ls' "dc1 principal: log shipping primary"
is "$(copy sqlb.dc1.lab mgc ls_primary.backup_share)" '\\fs1.lab\pchat-ls' "dc1 mirror: the same primary configuration"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' "active servers set"

plan --detailed-exitcode >/dev/null 2>&1
is "$?" 0 "pcdr plan: converged"
out=$(apply --auto-approve 2>"$TMP/err")
is "$?" 0 "second apply: exit 0"
like "$out" "converged, 0 steps" "second apply: zero steps"
leaks=$(git -C "$TMP/specs" cat-file --batch-all-objects --batch | grep -c -F -- "$PCDR_SQL_PASSWORD")
is "$leaks" 0 "no password in the repository"

done_testing
