#!/usr/bin/env bash
# The reduced crash matrix (the full one: `make test-crash`,
# tests/crash/matrix.sh): `pcdr apply` of a planned switchover dc1 -> dc2,
# with chat traffic, killed with SIGKILL right after its tail-log backup
# (the old primary demoted, the new one not yet caught up: no authority
# online), right after the pool switched state, and inside the full
# restore of the new mirror's seed; the failback dc2 -> dc1 killed right
# after its tail-log backup; the disaster failover (dc1 stopped) killed
# right after dc2's copy was recovered, before the pool points at it.
# Each time the dead apply's lease holds the pool until it expires, a
# second apply then takes it over and converges (the disaster: all but
# dc1's steps), nothing acknowledged is lost (the disaster: nothing below
# the exposure its plan reported), no split brain, and the audit branch
# keeps the crashed apply's intent record (tests/crash/crash.bash says
# how).
. "$TOP/tests/lib.sh"
. "$TOP/tests/crash/crash.bash"

crash_points switchover sql.tail_log_backup pool.set_state restore
crash_points failback sql.tail_log_backup
crash_points disaster sql.recover
crash_teardown
crash_summary
done_testing
