#!/usr/bin/env bash
# pcdr graph: the desired topology from a spec repository alone
# (--desired-only, no configuration), from model files (--desired,
# --observed: tests/data/plan/), and live against the lab; --output svg
# through Graphviz when `dot` is installed, and the clear error when it is
# not (PATH without dot), so both branches run on some machine; usage
# errors exit 129.
. "$TOP/tests/lib.sh"
D="$TOP/tests/data/plan"
export HOME="$TMP/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
mkdir -p "$HOME"

run() { # run ARGS...: sets out, err, rc
	"$PCDR" graph "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

# --- help -----------------------------------------------------------------------
run --help
is "$rc" 0 "graph --help: exit 0"
like "$out" "^usage: pcdr graph " "graph --help: usage"
like "$("$PCDR" help)" "^   graph +draw the topology" "pcdr help lists graph"

# --- the spec alone, from a repository made with git ----------------------------
mkdir -p "$TMP/repo/pools"
cp "$TOP/examples/lab/pools/atl-pchat.yaml" "$TMP/repo/pools/"
git -C "$TMP/repo" init -q -b main
git -C "$TMP/repo" add .
git -C "$TMP/repo" -c user.name=Lab -c user.email=lab@example.invalid \
	commit -qm "Lab pool, primary dc1"
commit=$(git -C "$TMP/repo" rev-parse --short=7 HEAD)
run --desired-only --repo "$TMP/repo"
is "$rc" 0 "--desired-only: exit 0 (no configuration needed with --repo)"
is "$err" "" "--desired-only: nothing on stderr"
is "$(printf '%s\n' "$out" | head -1)" 'digraph "atl-pchat" {' "--desired-only: one digraph named after the pool"
like "$out" "spec commit $commit: Lab pool, primary dc1\"" "--desired-only: the label names the spec commit"
like "$out" 'subgraph "cluster/desired/site/dc1" \{' "--desired-only: a cluster per site"
like "$out" 'label="site dc1 \(home, primary\)";' "--desired-only: home and primary marked"
like "$out" '"desired/sql/sqla\.dc1\.lab/mgc" -> "desired/sql/sqlb\.dc1\.lab/mgc" \[label="mirroring' \
	"--desired-only: mirroring arrow, principal to mirror"
like "$out" '"desired/sql/sqla\.dc1\.lab/mgc" -> "desired/sql/sqla\.dc2\.lab/mgc" \[label="log shipping"' \
	"--desired-only: log shipping arrow, dc1 to dc2"
like "$out" '"desired/pool" -> "desired/server/pc1\.dc1\.lab" \[label="active"' \
	"--desired-only: the pool points at its active servers"
unlike "$out" 'current/' "--desired-only: no observed cluster"
is "$(printf '%s\n' "$out" | tail -1)" "}" "--desired-only: the graph is closed"
run --desired-only --repo "$TMP/repo"
is "$out" "$(cat "$TMP/out")" "--desired-only: byte-stable"
cd "$TOP" || exit 1
run --desired-only --repo "$TOP" --path examples/lab/pools --pool atl-pchat
is "$rc" 0 "--desired-only --path: the example spec of this repository"
run --desired-only --repo "$TMP/repo" --pool nope
is "$rc" 1 "--desired-only --pool nope: exit 1"
like "$err" "no pool 'nope'" "--desired-only --pool nope: says so"

# --- model files ------------------------------------------------------------------
run --desired "$D/desired-dc2.json" --observed "$D/observed-dc1-lost.json"
is "$rc" 0 "model files: exit 0"
like "$out" 'subgraph "cluster/current/side" \{' "model files: the current cluster"
like "$out" 'subgraph "cluster/desired/side" \{' "model files: the desired cluster"
like "$out" '"current/sql/sqla\.dc1\.litwareinc\.com" \[label="did not answer' \
	"model files: an instance that did not answer is one grey node"
like "$out" 'style=dashed; color=grey50; fontcolor=grey50;' "model files: its cluster is dashed and grey"
like "$out" 'label="log shipping\\nlast restored LSN [0-9]+' "model files: log shipping labelled with the LSN"
run --observed "$D/observed-converged.json"
is "$rc" 0 "--observed alone: exit 0"
unlike "$out" 'desired/' "--observed alone: no desired cluster"
run --desired "$D/observed-converged.json"
is "$rc" 1 "--desired with an observed model: exit 1"
like "$err" "is not a desired model" "--desired with an observed model: says so"
run --desired "$TMP/nonexistent.json"
is "$rc" 1 "--desired missing file: exit 1"

# --- svg --------------------------------------------------------------------------
if command -v dot >/dev/null 2>&1; then
	run --desired "$D/desired-dc1.json" --observed "$D/observed-converged.json" --output svg
	is "$rc" 0 "--output svg: exit 0 (dot is installed)"
	like "$(printf '%s\n' "$out" | head -1)" '^(<\?xml|<svg)' "--output svg: SVG on stdout"
	like "$out" "</svg>" "--output svg: a whole document"
	is "$err" "" "--output svg: Graphviz printed no warning"
	for g in "$TOP"/tests/data/graph/*.dot; do
		dot -Tsvg "$g" >/dev/null 2>"$TMP/dot.err"
		is "$?:$(cat "$TMP/dot.err")" "0:" "dot renders $(basename "$g") without a warning"
	done
else
	ok 0 "# SKIP --output svg: Graphviz's dot is not installed here"
fi
mkdir -p "$TMP/nodot"
PATH="$TMP/nodot" "$PCDR" graph --desired "$D/desired-dc1.json" --output svg >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "--output svg without dot in PATH: exit 1"
like "$(cat "$TMP/err")" "needs Graphviz's 'dot' program, which is not installed" \
	"--output svg without dot: a clear message"
like "$(cat "$TMP/err")" "hint: install graphviz" "--output svg without dot: how to fix it"
is "$(cat "$TMP/out")" "" "--output svg without dot: nothing on stdout"

# --- usage errors -----------------------------------------------------------------
run --output png
is "$rc" 129 "--output png: exit 129"
like "$err" "--output must be dot or svg" "--output png: says what is allowed"
run --observed "$D/observed-converged.json" --repo "$TMP/repo"
is "$rc" 129 "--observed with --repo: exit 129"
run --desired-only --observed "$D/observed-converged.json"
is "$rc" 129 "--desired-only with --observed: exit 129"
run --path pools
is "$rc" 129 "--path without --desired-only: exit 129"
run --bogus
is "$rc" 129 "unknown option: exit 129"
run extra
is "$rc" 129 "positional argument: exit 129"

# --- live, against the lab (the pipeline of pcdr plan) --------------------------------
. "$TOP/tests/e2e/plan_lab_setup.bash"
run --config "$CONFIG" --repo "$TMP/specs"
is "$rc" 0 "live: exit 0"
like "$out" 'label="current \(observed\)";' "live: the observed cluster"
like "$out" '"current/sql/sqla\.dc1\.lab/mgc" \[label="mgc\\nONLINE' "live: mgc ONLINE on sqla.dc1.lab"
like "$out" 'label="pool atl-pchat\\nNormal' "live: the pool state"
lab_config unreachable sqla.dc2.lab
run --config "$TMP/config.yaml" --repo "$TMP/specs"
is "$rc" 0 "live, sqla.dc2.lab unreachable: still drawn, exit 0"
like "$out" '"current/sql/sqla\.dc2\.lab" \[label="did not answer' "live: the silent instance is greyed"

done_testing
