# Sourced by apply_disaster.sh and apply_rebuild_failback.sh (not a
# test): the lab bootstrapped by `pcdr apply`, chat traffic running, one
# log shipped by the log shipping backup job (started by hand with
# sp_start_job, as its schedule would, so that the scenario does not wait
# a minute for it), more traffic, then the whole of dc1 lost (`pcdr-lab
# stop dc1`) and the failover spec committed (`primary: dc2`). Sets
# NEWEST_LOG, the newest log shipping backup on the share when dc1 was
# lost: everything up to it has been shipped, what came after it is
# what the failover may lose.
. "$TOP/tests/e2e/apply_scenario_setup.bash"
. "$TOP/tests/e2e/apply_sql_helpers.bash"

apply --auto-approve >"$TMP/bootstrap.out" 2>&1
is "$?" 0 "bootstrap: exit 0"
lab chat start --rate 20 >/dev/null
sleep 2
ship_log sqla.dc1.lab
ok $? "a log backup is shipped to the share (LSBackup_mgc started by hand)"
sleep 2 # messages that only dc1 has: the failover's exposure
lab stop dc1 >/dev/null
NEWEST_LOG=$(shipped_logs | tail -n 1)
spec_failover
