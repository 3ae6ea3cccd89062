#!/usr/bin/env bash
# What a newcomer does (run by `make test-demo-clone`, not by `make test`:
# a full build takes minutes): git clone of this repository's HEAD into a
# temporary folder, then `make demo` there, as the README says. The drill
# must pass with the binaries built in the clone, and leave nothing
# running. FAST=1 runs the drill's fast mode. The clone borrows the npm
# packages of this tree (tests/node_modules, used by the tests, not by
# the demo) when there are some, so that make deps does not download them
# again.
. "$TOP/tests/lib.sh"

export TMPDIR="$TMP"
unset PCDR PCDR_LAB BUILD
git clone -q "$TOP" "$TMP/pcdr" 2>"$TMP/clone.err"
is "$?" 0 "git clone of the repository"
cd "$TMP/pcdr" || exit 1
ok "$([ ! -e pcdr ] && [ ! -e build ] && echo 0 || echo 1)" "the clone is fresh: nothing built"
[ -d "$TOP/tests/node_modules" ] && ln -s "$TOP/tests/node_modules" tests/node_modules

start=$SECONDS
make demo FAST="${FAST:-}" >"$TMP/demo.txt" 2>&1
rc=$?
is "$rc" 0 "make demo in the fresh clone exits 0 ($((SECONDS - start)) s)"
[ "$rc" = 0 ] || tail -40 "$TMP/demo.txt" | sed 's/^/# /'
out=$(cat "$TMP/demo.txt")
ok "$([ -x ./pcdr ] && [ -x ./pcdr-lab ] && echo 0 || echo 1)" "the clone built ./pcdr and ./pcdr-lab"
for h in "1/7" "2/7" "3/7" "4/7" "5/7" "6/7" "7/7"; do
	like "$out" "^== $h " "stage $h"
done
like "$out" "^== drill passed in [0-9]+s: every verification passed" "the drill passed"
like "$out" "plans, apply logs, pictures: $TMP/pcdr/build/demo" "its outputs are in the clone's build/demo"
is "$(find "$TMP" -maxdepth 1 -name 'pcdr-demo.*')" "" "the drill removed its temporary folder"
is "$(pgrep -f "pcdr-lab.*$TMP" || true)" "" "no lab process is left"
echo "# make demo in a fresh clone: $((SECONDS - start)) s"

done_testing
