# bash completion for pcdr. Install as
#   /usr/share/bash-completion/completions/pcdr  (make install does), or
#   source contrib/completion/pcdr.bash from ~/.bashrc.
#
# Commands, options and --output values come from the pcdr being
# completed (`pcdr help`, `pcdr help COMMAND`), so new commands and
# options complete without editing this file. --pool completes the pool
# names (metadata.name) of the spec files in the work tree of --repo (or
# of the current folder), under --path (default pools/): cheap, and only
# a hint, since pcdr itself reads specs from git at a commit. --ref and
# --branch complete that repository's branches and tags. Needs nothing
# from the bash-completion package.
#
# Word lists are split on purpose (they are words, never file names):
# shellcheck disable=SC2046,SC2207

# _pcdr_words WORD...: COMPREPLY from the words that start with $cur
_pcdr_words()
{
	local w
	COMPREPLY=()
	for w in "$@"; do
		[[ "$w" == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

_pcdr_files()
{
	local IFS=$'\n'
	COMPREPLY=($(compgen -f -- "$cur"))
	compopt -o filenames 2>/dev/null
}

_pcdr_dirs()
{
	local IFS=$'\n'
	COMPREPLY=($(compgen -d -- "$cur"))
	compopt -o filenames 2>/dev/null
}

# _pcdr_option_value NAME: the value given to --NAME earlier on the line
_pcdr_option_value()
{
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		if [[ "${COMP_WORDS[i]}" == "--$1" ]]; then
			if [[ "${COMP_WORDS[i + 1]}" == "=" ]]; then
				printf '%s\n' "${COMP_WORDS[i + 2]}"
			else
				printf '%s\n' "${COMP_WORDS[i + 1]}"
			fi
			return
		fi
	done
}

# _pcdr_pools: metadata.name of each spec file of the repository's work tree
_pcdr_pools()
{
	local repo dir f
	repo=$(_pcdr_option_value repo)
	dir=$(_pcdr_option_value path)
	repo="${repo:-.}"
	[[ "$repo" == file://* ]] && repo="${repo#file://}"
	[ -d "$repo" ] || return 0
	for f in "$repo/${dir:-pools}"/*.yaml; do
		[ -f "$f" ] || continue
		awk '/^metadata:/ { m = 1; next }
		     m && /^[^ #]/ { m = 0 }
		     m && $1 == "name:" { gsub(/["'\'']/, "", $2); print $2; exit }' "$f"
	done
}

_pcdr_refs()
{
	local repo
	repo=$(_pcdr_option_value repo)
	repo="${repo:-.}"
	[ -d "$repo" ] || return 0
	git -C "$repo" for-each-ref --format='%(refname:short)' refs/heads refs/tags \
		2>/dev/null
	echo HEAD
}

_pcdr()
{
	local cur prev prog cmd usage i
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev="${COMP_WORDS[COMP_CWORD - 1]}"
	prog="${COMP_WORDS[0]}"
	# --opt=value: bash splits it at '=' (COMP_WORDBREAKS)
	if [[ "$cur" == "=" ]]; then
		cur=""
	elif [[ "$prev" == "=" && $COMP_CWORD -ge 2 ]]; then
		prev="${COMP_WORDS[COMP_CWORD - 2]}"
	fi

	cmd=""
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		-*) ;;
		*) cmd="${COMP_WORDS[i]}"; break ;;
		esac
	done
	if [[ -z "$cmd" ]]; then
		if [[ "$cur" == -* ]]; then
			_pcdr_words --help --version
		else
			_pcdr_words $("$prog" help 2>/dev/null | sed -n 's/^   \([a-z][a-z-]*\) .*/\1/p')
		fi
		return 0
	fi
	usage=$("$prog" help "$cmd" 2>/dev/null)

	case "$prev" in
	--output)
		_pcdr_words $(printf '%s\n' "$usage" | sed -n 's/.*--output \([a-z|]*[a-z]\).*/\1/p' |
			head -1 | tr '|' ' ')
		return 0 ;;
	--config | --out | --desired | --observed | --previous)
		_pcdr_files; return 0 ;;
	--repo | --cache | --path)
		_pcdr_dirs; return 0 ;;
	--ref | --branch)
		_pcdr_words $(_pcdr_refs); return 0 ;;
	--pool)
		_pcdr_words $(_pcdr_pools); return 0 ;;
	--limit)
		return 0 ;;
	esac

	if [[ "$cur" == -* ]]; then
		_pcdr_words $(printf '%s\n' "$usage" | grep -o -- '--[a-z][a-z-]*' | sort -u) --help
		return 0
	fi
	case "$cmd" in
	help)
		[[ $COMP_CWORD -eq 2 ]] &&
			_pcdr_words $("$prog" help 2>/dev/null | sed -n 's/^   \([a-z][a-z-]*\) .*/\1/p') ;;
	debug)
		[[ "${COMP_WORDS[COMP_CWORD - 1]}" == debug ]] &&
			_pcdr_words $(printf '%s\n' "$usage" | sed -n 's/.*pcdr debug \([a-z]*\).*/\1/p') ;;
	validate)
		_pcdr_files ;;
	esac
	return 0
}

complete -F _pcdr pcdr
