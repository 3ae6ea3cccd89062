#!/usr/bin/env bash
# The full crash matrix (`make test-crash`, tests/crash/crash.bash): for
# the planned switchover dc1 -> dc2, the failback dc2 -> dc1, the disaster
# failover (dc1 stopped) and the failback after that disaster and
# `pcdr-lab rebuild dc1`, `pcdr apply` is killed with SIGKILL after each
# of its steps and once inside a full restore (when it seeds a copy:
# the failback of a switchover catches its old mirror up instead); each time a
# second apply takes the dead apply's expired lease over and converges,
# `pcdr-lab verify` finds no loss beyond the reported exposure and no split
# brain, and the audit branch keeps the crashed apply's intent record.
# TAP output; ends with "crash points tested: N".
#   CRASH_SCENARIOS="switchover failback disaster rebuild" (default: all four)
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP/tests/lib.sh"
. "$TOP/tests/crash/crash.bash"

start=$SECONDS
for s in ${CRASH_SCENARIOS:-switchover failback disaster rebuild}; do
	crash_scenario "$s"
done
crash_teardown
crash_summary
echo "# crash matrix: $((SECONDS - start))s"
done_testing
