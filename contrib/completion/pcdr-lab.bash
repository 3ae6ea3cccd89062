# bash completion for pcdr-lab. Install as
#   /usr/share/bash-completion/completions/pcdr-lab  (make install does), or
#   source contrib/completion/pcdr-lab.bash from ~/.bashrc.
#
# Verbs, their options and their sub-verbs (pool get | set-state | ...,
# chat start | stop | status) come from `pcdr-lab help`, so the lab can
# grow verbs without editing this file. --dir and --topology complete
# folders and files; set-state completes Normal and FailedOver;
# set-active-servers the chat servers named in DIR/topology.yaml. Needs
# nothing from the bash-completion package.
#
# Word lists are split on purpose (they are words, never file names):
# shellcheck disable=SC2046,SC2207

_pcdr_lab_words()
{
	local w
	COMPREPLY=()
	for w in "$@"; do
		[[ "$w" == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _pcdr_lab_verb_line PROG VERB: the help line of VERB
_pcdr_lab_verb_line()
{
	"$1" help 2>/dev/null | grep -E "^  pcdr-lab (--dir DIR )?$2( |\$)" | head -1
}

_pcdr_lab()
{
	local cur prev prog verb verb_at line dir i
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev="${COMP_WORDS[COMP_CWORD - 1]}"
	prog="${COMP_WORDS[0]}"

	case "$prev" in
	--dir)
		local IFS=$'\n'
		COMPREPLY=($(compgen -d -- "$cur"))
		compopt -o filenames 2>/dev/null
		return 0 ;;
	--topology)
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return 0 ;;
	--base-port | --rate | --allow-loss-after)
		return 0 ;;
	esac

	verb=""
	dir=""
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		--dir) dir="${COMP_WORDS[i + 1]}"; ((i++)) ;;
		--topology | --base-port | --rate | --allow-loss-after) ((i++)) ;;
		-*) ;;
		*) [[ -z "$verb" ]] && { verb="${COMP_WORDS[i]}"; verb_at=$i; } ;;
		esac
	done
	if [[ -z "$verb" ]]; then
		if [[ "$cur" == -* ]]; then
			_pcdr_lab_words --dir --help
		else
			_pcdr_lab_words $("$prog" help 2>/dev/null |
				sed -n 's/^  pcdr-lab \(--dir DIR \)\{0,1\}\([a-z][a-z-]*\).*/\2/p')
		fi
		return 0
	fi
	line=$(_pcdr_lab_verb_line "$prog" "$verb")
	if [[ "$cur" == -* ]]; then
		_pcdr_lab_words $(printf '%s\n' "$line" | grep -o -- '--[a-z][a-z-]*' | sort -u) \
			--dir --help
		return 0
	fi
	if ((COMP_CWORD == verb_at + 1)); then
		# sub-verbs: the first word of each '|' alternative after the verb
		if [[ "$line" == *"|"* ]]; then
			_pcdr_lab_words $(printf '%s\n' "${line#*" $verb "}" | tr '|' '\n' |
				awk '$1 !~ /^[-[]/ { print $1 }')
		fi
		return 0
	fi
	case "$verb ${COMP_WORDS[verb_at + 1]}" in
	"pool set-state")
		((COMP_CWORD == verb_at + 2)) && _pcdr_lab_words Normal FailedOver ;;
	"pool set-active-servers")
		[[ -n "$dir" && -f "$dir/topology.yaml" ]] &&
			_pcdr_lab_words $(sed -n 's/.*chatServers: *\[\(.*\)\].*/\1/p' \
				"$dir/topology.yaml" | tr ',' ' ') ;;
	esac
	return 0
}

complete -F _pcdr_lab pcdr-lab
