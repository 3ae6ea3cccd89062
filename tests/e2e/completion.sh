#!/usr/bin/env bash
# Bash completion (contrib/completion/): each file sourced into this
# shell registers its function (complete -p), and a few command lines
# complete as a user expects: commands and options from the binaries'
# own help, --output values from the usage text, --pool from the spec
# files of --repo, pcdr-lab verbs, sub-verbs and pool states. The binaries
# under test are found as `pcdr` and `pcdr-lab` in PATH, as installed.
. "$TOP/tests/lib.sh"
export PATH="$TOP/$BUILD:$PATH"
# shellcheck source=contrib/completion/pcdr.bash
. "$TOP/contrib/completion/pcdr.bash"
# shellcheck source=contrib/completion/pcdr-lab.bash
. "$TOP/contrib/completion/pcdr-lab.bash"

# complete WORD...: completes the last word (may be "") of the command line
complete_line() {
	local fn
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	fn=$(complete -p "$1" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

is "$(complete -p pcdr)" "complete -F _pcdr pcdr" "pcdr.bash registers _pcdr"
is "$(complete -p pcdr-lab)" "complete -F _pcdr_lab pcdr-lab" "pcdr-lab.bash registers _pcdr_lab"

# --- pcdr ---------------------------------------------------------------------
is "$(complete_line pcdr pl)" "plan" "pcdr pl<TAB>: plan"
like "$(complete_line pcdr '')" "(^| )graph( |$)" "pcdr <TAB>: lists graph"
like "$(complete_line pcdr '')" "(^| )validate( |$)" "pcdr <TAB>: lists validate"
unlike "$(complete_line pcdr '')" "(^| )debug( |$)" "pcdr <TAB>: the hidden command is not offered"
is "$(complete_line pcdr --v)" "--version" "pcdr --v<TAB>: --version"
like "$(complete_line pcdr plan --)" "--detailed-exitcode" "pcdr plan --<TAB>: --detailed-exitcode"
like "$(complete_line pcdr plan --)" "--allow-data-loss" "pcdr plan --<TAB>: --allow-data-loss"
is "$(complete_line pcdr plan --out)" "--out --output" "pcdr plan --out<TAB>: --out and --output"
is "$(complete_line pcdr plan --output '')" "json markdown text" "pcdr plan --output <TAB>: formats"
is "$(complete_line pcdr status --output '')" "json text" "pcdr status --output <TAB>: no markdown"
is "$(complete_line pcdr graph --output '')" "dot svg" "pcdr graph --output <TAB>: dot svg"
is "$(complete_line pcdr graph --output = s)" "svg" "pcdr graph --output=s<TAB>: svg"
like "$(complete_line pcdr graph --)" "--desired-only" "pcdr graph --<TAB>: --desired-only"
is "$(complete_line pcdr help gr)" "graph" "pcdr help gr<TAB>: graph"
is "$(complete_line pcdr debug '')" "desired observe plan" "pcdr debug <TAB>: its sub-commands"
is "$(complete_line pcdr plan --repo "$TOP" --path examples/lab/pools --pool '')" "atl-pchat" \
	"pcdr plan --repo R --path P --pool <TAB>: the pool names of the specs"
is "$(cd "$TOP/examples/skype" && complete_line pcdr plan --pool a)" "atl-pchat" \
	"--pool without --repo: the current folder's pools/"
mkdir -p "$TMP/files" && touch "$TMP/files/config.yaml"
is "$(complete_line pcdr plan --config "$TMP/files/con")" "$TMP/files/config.yaml" \
	"pcdr plan --config <TAB>: files"

# --- pcdr-lab -------------------------------------------------------------------
like "$(complete_line pcdr-lab '')" "^(.* )?down( .*)? up( |$)" "pcdr-lab <TAB>: verbs, down and up"
like "$(complete_line pcdr-lab --dir "$TMP" '')" "(^| )pool( |$)" "pcdr-lab --dir D <TAB>: pool"
is "$(complete_line pcdr-lab --dir "$TMP" ch)" "chat" "pcdr-lab --dir D ch<TAB>: chat"
like "$(complete_line pcdr-lab up --)" "--base-port.*--topology" "pcdr-lab up --<TAB>: its options"
is "$(complete_line pcdr-lab --dir "$TMP" pool '')" "get set-active-servers set-state" \
	"pcdr-lab pool <TAB>: its sub-verbs"
is "$(complete_line pcdr-lab --dir "$TMP" chat s)" "start status stop" "pcdr-lab chat s<TAB>"
is "$(complete_line pcdr-lab --dir "$TMP" pool set-state '')" "FailedOver Normal" \
	"pcdr-lab pool set-state <TAB>: the two states"
cp "$TOP/examples/lab/topology.yaml" "$TMP/topology.yaml"
is "$(complete_line pcdr-lab --dir "$TMP" pool set-active-servers pc1)" "pc1.dc1.lab pc1.dc2.lab" \
	"pcdr-lab pool set-active-servers pc1<TAB>: chat servers of DIR/topology.yaml"

done_testing
