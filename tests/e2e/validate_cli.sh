#!/usr/bin/env bash
# pcdr validate, help and version from the command line: the example
# specs, a broken spec reported with FILE:LINE:COL, specs read from git at
# HEAD~1 and HEAD (never the work tree), a file:// clone, and the exit
# codes for usage errors (129). No lab needed.
# shellcheck source=tests/lib.sh
source "$TOP/tests/lib.sh"

# git fixtures see no user or system configuration
export HOME="$TMP/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Alice Martin" GIT_AUTHOR_EMAIL=alice@litwareinc.com
export GIT_COMMITTER_NAME="Alice Martin" GIT_COMMITTER_EMAIL=alice@litwareinc.com
mkdir -p "$HOME"

# line N TEXT: the Nth line of TEXT ("" past the end)
line() {
	printf '%s\n' "$2" | sed -n "$1p"
}

# run CMD...: sets $out, $err and $rc
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

# --- files --------------------------------------------------------------
cd "$TOP" || exit 1
run "$PCDR" validate examples/lab/pools/atl-pchat.yaml
is "$rc" 0 "the lab example is valid"
is "$out" "ok: atl-pchat (primary dc1, pool state Normal)" "one ok line per valid pool"
is "$err" "" "nothing on stderr for a valid spec"

# every example spec in the tree is valid
for f in examples/*/pools/*.yaml; do
	run "$PCDR" validate "$f"
	is "$rc" 0 "example $f is valid"
done

# options may follow file names; -- ends options
run "$PCDR" validate examples/lab/pools/atl-pchat.yaml --
is "$rc" 0 "a trailing -- is accepted"

# a broken copy: three problems, each reported with its position
bad="$TMP/bad.yaml"
sed -e 's/^  primary: dc1/  primry: dc1/' \
    -e 's/^    from: dc1/    from: dc9/' \
    -e 's/^  name: atl-pchat/  name: Atl_Pchat/' examples/lab/pools/atl-pchat.yaml >"$bad"
typo_line=$(grep -n '^  primry:' "$bad" | cut -d: -f1)
from_line=$(grep -n '^    from: dc9' "$bad" | cut -d: -f1)
name_line=$(grep -n '^  name: Atl_Pchat' "$bad" | cut -d: -f1)
run "$PCDR" validate "$bad" examples/lab/pools/atl-pchat.yaml
is "$rc" 1 "a broken spec exits 1"
like "$err" "^$bad:$typo_line:3: .*primry" "the unknown key is reported at its line and column"
like "$err" "^$bad:$from_line:[0-9]+: .*dc9" "the undeclared site is reported at its line"
like "$err" "^$bad:$name_line:[0-9]+: .*Atl_Pchat" "the bad pool name is reported at its line"
like "$err" "  hint: " "problems come with a hint"
is "$(grep -cE "^$bad:[0-9]+:[0-9]+: " "$TMP/err")" 3 "every problem is reported, not only the first"
is "$out" "ok: atl-pchat (primary dc1, pool state Normal)" "the valid file is still reported ok"

run "$PCDR" validate "$TMP/no-such.yaml"
is "$rc" 1 "an unreadable file exits 1"
like "$err" "no-such\.yaml" "the unreadable file is named"

# --- git ----------------------------------------------------------------
# The DESIGN.md example, committed twice: dc1 primary, then failed over to
# dc2; the work tree then holds a broken uncommitted edit.
spec() { # spec PRIMARY OTHER
	cat <<EOF
apiVersion: pcdr/v1
kind: PersistentChatPool
metadata:
  name: atl-pchat
spec:
  pool: "service:atl-cs-001.litwareinc.com"
  home: dc1
  sites:
    dc1:
      principal: sqla.dc1.litwareinc.com
      mirror: sqlb.dc1.litwareinc.com
      servers: [pc1.dc1.litwareinc.com, pc2.dc1.litwareinc.com]
    dc2:
      principal: sqla.dc2.litwareinc.com
      mirror: sqlb.dc2.litwareinc.com
      servers: [pc1.dc2.litwareinc.com, pc2.dc2.litwareinc.com]
  databases:
    mgc:     { logShipping: true }
    mgccomp: { logShipping: false }
  primary: $1
  logShipping:
    from: $1
    to: $2
    backupShare: '\\\\fs1.dc1.litwareinc.com\\pchat-ls'
    copyTo: 'D:\\pchat-ls'
    interval: 5m
  activeServers: [pc1.$1.litwareinc.com, pc2.$1.litwareinc.com]
  policy:
    allowDataLoss: false
    serviceFirst: true
EOF
}
repo="$TMP/specs"
mkdir -p "$repo/pools"
git -C "$repo" init -q -b main
spec dc1 dc2 >"$repo/pools/atl-pchat.yaml"
git -C "$repo" add -A
GIT_AUTHOR_DATE="2026-11-27T09:00:00+0000" git -C "$repo" commit -q -m "Add the atl-pchat pool"
spec dc2 dc1 >"$repo/pools/atl-pchat.yaml"
GIT_AUTHOR_DATE="2026-11-28T14:02:11+0100" git -C "$repo" commit -q -a -m "Fail over to dc2"
git -C "$repo" tag before-drill HEAD~1
echo "this: [is not committed" >"$repo/pools/atl-pchat.yaml"
echo "nor: this" >"$repo/pools/untracked.yaml"

run "$PCDR" validate --repo "$repo"
is "$rc" 0 "--repo reads HEAD, not the broken work tree"
like "$(line 1 "$out")" "^commit [0-9a-f]{7,} \(Alice Martin, 2026-11-28\): Fail over to dc2$" \
	"the commit comes first: id, author, date, subject"
is "$(line 2 "$out")" "ok: atl-pchat (primary dc2, pool state FailedOver)" "then the pool as of HEAD"
is "$(line 3 "$out")" "" "and nothing else"
is "$err" "" "nothing on stderr"

run "$PCDR" validate --ref HEAD~1 --repo "$repo"
is "$rc" 0 "--ref HEAD~1"
like "$(line 1 "$out")" "^commit [0-9a-f]{7,} \(Alice Martin, 2026-11-27\): Add the atl-pchat pool$" \
	"HEAD~1 is the commit before"
is "$(line 2 "$out")" "ok: atl-pchat (primary dc1, pool state Normal)" "and the pool before the failover"

run "$PCDR" validate --repo="$repo" --ref=before-drill --path=pools/
is "$rc" 0 "--opt=value forms, a tag and a trailing slash"
like "$out" "pool state Normal" "the tag is the commit before the failover"

# a broken committed spec is reported with its path in the repository
git -C "$repo" checkout -q -- pools/atl-pchat.yaml
rm "$repo/pools/untracked.yaml"
sed -i 's/^  primary: dc2/  primry: dc2/' "$repo/pools/atl-pchat.yaml"
git -C "$repo" commit -q -a -m "Typo"
typo_line=$(grep -n '^  primry:' "$repo/pools/atl-pchat.yaml" | cut -d: -f1)
run "$PCDR" validate --repo "$repo"
is "$rc" 1 "a broken committed spec exits 1"
like "$err" "^pools/atl-pchat\.yaml:$typo_line:3: .*primry" "git diagnostics name pools/FILE:LINE:COL"
like "$out" "^commit [0-9a-f]{7,} \(Alice Martin, [0-9-]{10}\): Typo$" "the commit is still named on stdout"

run "$PCDR" validate --repo "$repo" --ref no-such-branch
is "$rc" 1 "an unknown ref exits 1"
like "$err" "ref 'no-such-branch' not found" "and says so"

run "$PCDR" validate --repo "$TMP/nowhere"
is "$rc" 1 "a missing repository exits 1"
like "$err" "repository '.*nowhere' not found" "and says so"

run "$PCDR" validate --repo "$repo" --path specs
is "$rc" 1 "a missing folder exits 1"
like "$err" "no folder 'specs/' at commit" "and says so"

# a remote over file://, cloned into --cache, then fetched
git clone -q --bare "$repo" "$TMP/remote.git"
run "$PCDR" validate --repo "file://$TMP/remote.git" --cache "$TMP/cache" --ref HEAD~1
is "$rc" 0 "a file:// remote is cloned into the cache"
like "$out" "primary dc2, pool state FailedOver" "and read at the ref"
ls "$TMP/cache" >"$TMP/cache-list"
like "$(cat "$TMP/cache-list")" "^remote-[0-9a-f]{16}\.git$" "the cache folder is named from the URL"
sed -i 's/^  primry: dc2/  primary: dc2/' "$repo/pools/atl-pchat.yaml"
git -C "$repo" commit -q -a -m "Fix the typo"
git -C "$repo" push -q "$TMP/remote.git" main
run "$PCDR" validate --repo "file://$TMP/remote.git" --cache "$TMP/cache"
is "$rc" 0 "a second run fetches the pushed commit"
like "$(line 1 "$out")" ": Fix the typo$" "and reads it"
is "$(line 2 "$out")" "ok: atl-pchat (primary dc2, pool state FailedOver)" "valid again"
is "$(ls "$TMP/cache")" "$(cat "$TMP/cache-list")" "in the same cache folder"

# a password in a URL is never printed (port 1: the fetch fails at once)
run "$PCDR" validate --repo "https://alice:s3cret@127.0.0.1:1/specs.git" --cache "$TMP/cache"
is "$rc" 1 "an unreachable remote exits 1"
like "$err" "cannot fetch 'https://alice@127.0.0.1:1/specs.git'" "naming the URL without its password"
unlike "$err$out" "s3cret" "the password appears nowhere"

# --- usage --------------------------------------------------------------
run "$PCDR" validate
is "$rc" 129 "no FILE and no --repo is a usage error"
like "$err" "usage: pcdr validate" "with the usage"
run "$PCDR" validate --bogus examples/lab/pools/atl-pchat.yaml
is "$rc" 129 "an unknown option is a usage error"
like "$err" "unknown option '--bogus'" "naming the option"
run "$PCDR" validate examples/lab/pools/atl-pchat.yaml -x
is "$rc" 129 "an unknown short option after a file is a usage error"
run "$PCDR" validate --repo
is "$rc" 129 "a missing option value is a usage error"
like "$err" "'--repo' needs a value" "naming the option"
run "$PCDR" validate --repo "$repo" examples/lab/pools/atl-pchat.yaml
is "$rc" 129 "files and --repo together are a usage error"
run "$PCDR" validate --ref HEAD examples/lab/pools/atl-pchat.yaml
is "$rc" 129 "--ref without --repo is a usage error"

# --- help and version ---------------------------------------------------
run "$PCDR" help validate
is "$rc" 0 "pcdr help validate"
like "$out" "^usage: pcdr validate" "prints the usage on stdout"
like "$out" "--cache DIR" "which lists every option"
run "$PCDR" validate --help
is "$rc" 0 "pcdr validate --help"
like "$out" "^usage: pcdr validate" "prints the same usage"
run "$PCDR" --help validate
is "$rc" 0 "pcdr --help validate"
like "$out" "^usage: pcdr validate" "prints the command's usage"
run "$PCDR" help
is "$rc" 0 "pcdr help"
like "$out" "   validate " "lists the commands"
run "$PCDR" -h
is "$rc" 0 "pcdr -h"
run "$PCDR"
is "$rc" 129 "pcdr alone is a usage error"
like "$err" "usage: pcdr" "with the command list"
run "$PCDR" version
is "$rc" 0 "pcdr version"
like "$(line 1 "$out")" "^pcdr [^ ]+$" "names pcdr's version"
like "$(line 2 "$out")" "^libgit2 1\.[0-9]+\.[0-9]+, libyaml [0-9.]+, jansson [0-9.]+$" \
	"and the libraries' versions"
run "$PCDR" version extra
is "$rc" 129 "pcdr version takes no argument"
run "$PCDR" no-such-command
is "$rc" 129 "an unknown command is a usage error"
like "$err" "'no-such-command' is not a pcdr command" "and says so"
run "$PCDR" help no-such-command
is "$rc" 129 "help for an unknown command is a usage error"

done_testing
