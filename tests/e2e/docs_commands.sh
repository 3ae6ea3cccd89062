#!/usr/bin/env bash
# The documentation names only what exists: every pcdr command named in
# README.md and docs/pcdr.1, and every pcdr-lab verb named in
# docs/pcdr-lab.1, exists and answers --help with exit 0; every command
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
