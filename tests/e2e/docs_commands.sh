#!/usr/bin/env bash
# The documentation names only what exists: every pcdr command named in
# README.md and docs/pcdr.1, and every pcdr-lab verb named in README.md
# and docs/pcdr-lab.1, exists and answers --help with exit 0; every
# option README.md gives a pcdr command or a pcdr-lab verb is in that
# command's --help; every `make TARGET` README.md names is a target; every command
# `pcdr help` lists and every verb `pcdr-lab help` lists has its section
# in the manual page; both manual pages render without a groff warning;
# every example spec under examples/ validates.
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1

# names FILE: the pcdr commands a file names, one per line
# shellcheck disable=SC2016 # the backquotes are literal
readme_commands() {
	sed -nE -e 's/^#+ pcdr ([a-z][a-z-]*).*/\1/p' -e 's/^\$ pcdr ([a-z][a-z-]*).*/\1/p' \
		-e 's/.*`pcdr ([a-z][a-z-]*)[ `].*/\1/p' README.md | sort -u
}
man_commands() { # .SS "pcdr CMD ..." and .B pcdr CMD in the synopsis
	sed -nE -e 's/^\.SS "pcdr ([a-z][a-z\\-]*).*/\1/p' -e 's/^\.B pcdr ([a-z][a-z\\-]*)$/\1/p' \
		docs/pcdr.1 | sed 's/\\-/-/g' | sort -u
}
lab_man_verbs() { # .TP / .B VERB in the VERBS section, .B pcdr\-lab VERB in the synopsis
	awk '/^\.SH VERBS/ { v = 1; next } /^\.SH/ { v = 0 }
	     v && prev == ".TP" && /^\.B [a-z]/ { print $2 }
	     /^\.B pcdr\\-lab [a-z]/ { print $3 }
	     { prev = $0 }' docs/pcdr-lab.1 | sed 's/\\-/-/g' | sort -u
}

cmds=$( (readme_commands; man_commands) | sort -u)
ok "$([ -n "$cmds" ] && echo 0 || echo 1)" "README.md and pcdr.1 name commands"
for c in $cmds; do
	"$PCDR" "$c" --help >"$TMP/out" 2>&1
	is "$?" 0 "pcdr $c --help: exit 0 (named in README.md or pcdr.1)"
done
verbs=$(lab_man_verbs)
ok "$([ -n "$verbs" ] && echo 0 || echo 1)" "pcdr-lab.1 names verbs"
for v in $verbs; do
	"$PCDR_LAB" "$v" --help >"$TMP/out" 2>&1
	is "$?" 0 "pcdr-lab $v --help: exit 0 (named in pcdr-lab.1)"
done

# README.md: the pcdr-lab verbs it uses, the options it gives each pcdr
# command and pcdr-lab verb, the make targets it names
readme_lab_verbs() {
	grep -oE 'pcdr-lab( --dir [^ `]+)? [a-z][a-z-]*' README.md | awk '{ print $NF }' | sort -u
}
# readme_options: "pcdr CMD --opt" / "pcdr-lab VERB --opt" for each option
# written after a command on the same line, up to a comment, a table cell,
# the end of inline code or the next command of a shell line
readme_options() {
	awk '{
		line = $0
		while (match(line, /pcdr(-lab)? (--dir [^ `]+ )?[a-z][a-z-]*[^`#|;&]*/)) {
			seg = substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
			n = split(seg, w, /[ \[\]]+/)
			prog = w[1]; i = 2
			if (w[i] == "--dir") i += 2
			cmd = w[i]
			for (j = i + 1; j <= n; j++)
				if (w[j] ~ /^--[a-z][a-z-]*/) {
					o = w[j]; sub(/[^a-z-].*/, "", o)
					print prog " " cmd " " o
				}
		}
	}' README.md | sort -u
}
lab_verbs_readme=$(readme_lab_verbs)
ok "$([ -n "$lab_verbs_readme" ] && echo 0 || echo 1)" "README.md names pcdr-lab verbs"
for v in $lab_verbs_readme; do
	"$PCDR_LAB" "$v" --help >"$TMP/out" 2>&1
	is "$?" 0 "pcdr-lab $v --help: exit 0 (named in README.md)"
done
opts=$(readme_options)
ok "$([ -n "$opts" ] && echo 0 || echo 1)" "README.md gives commands options"
while read -r prog cmd opt; do
	[ -n "$prog" ] || continue
	if [ "$prog" = pcdr ]; then help=$("$PCDR" "$cmd" --help 2>&1); else help=$("$PCDR_LAB" "$cmd" --help 2>&1); fi
	ok "$(printf '%s\n' "$help" | grep -q -- "$opt\b" && echo 0 || echo 1)" \
		"$prog $cmd --help lists $opt (used in README.md)"
done <<<"$opts"
targets=$(grep -oE '(^|[`$] ?|sudo )make [a-z][a-z-]*' README.md | awk '{ print $NF }' | sort -u)
ok "$([ -n "$targets" ] && echo 0 || echo 1)" "README.md names make targets"
for t in $targets; do
	ok "$(grep -qE "^$t:" Makefile && echo 0 || echo 1)" "make $t is a target of the Makefile (named in README.md)"
done

# the other way round: the manual pages describe every command there is
for c in $("$PCDR" help | sed -n 's/^   \([a-z][a-z-]*\) .*/\1/p'); do
	ok "$(grep -q "^\\.SS \"pcdr $c" docs/pcdr.1 && echo 0 || echo 1)" \
		"pcdr.1 has a section for 'pcdr $c' (listed by pcdr help)"
done
for v in $("$PCDR_LAB" help | sed -n 's/^  pcdr-lab \(--dir DIR \)\{0,1\}\([a-z][a-z-]*\).*/\2/p'); do
	ok "$(printf '%s\n' "$verbs" | grep -qx "$v" && echo 0 || echo 1)" \
		"pcdr-lab.1 describes 'pcdr-lab $v' (listed by pcdr-lab help)"
done

if command -v groff >/dev/null 2>&1; then
	for m in docs/pcdr.1 docs/pcdr-lab.1; do
		groff -man -Tutf8 -ww "$m" >/dev/null 2>"$TMP/warn"
		is "$?:$(cat "$TMP/warn")" "0:" "$m renders without a warning (groff -ww)"
	done
else
	ok 0 "# SKIP groff is not installed: manual pages not rendered"
fi

# every example spec validates
specs=$(grep -rlE '^kind: *PersistentChatPool' examples | sort)
ok "$([ -n "$specs" ] && echo 0 || echo 1)" "examples/ holds specs"
for f in $specs; do
	"$PCDR" validate "$f" >"$TMP/out" 2>&1
	is "$?" 0 "example spec $f validates"
done

done_testing
