#!/usr/bin/env bash
# make deps: install with apt-get only what pkg-config, headers and PATH
# show missing. Quiet when nothing is missing; a clear message when it is
# not root. Also installs the npm packages the conformance and schema
# tests use, into tests/node_modules (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing+=("$2"); }
need_file() { [ -e "$1" ] || missing+=("$2"); }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }

need_cmd pkg-config pkg-config
need_pc yaml-0.1 libyaml-dev
need_pc libgit2 libgit2-dev
need_pc jansson libjansson-dev
need_pc cmocka libcmocka-dev
need_file /usr/include/sybdb.h freetds-dev
need_cmd tsql freetds-bin
need_cmd git git
need_cmd node nodejs
need_cmd npm npm
need_cmd clang clang
need_cmd clang-format clang-format
/usr/bin/python3 -c 'import pytds' >/dev/null 2>&1 || missing+=(python3-tds)
# LeakSanitizer/libFuzzer runtime for clang
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 \
	|| missing+=("libclang-rt-$(clang --version 2>/dev/null | sed -n 's/.*version \([0-9]*\).*/\1/p' | head -1)-dev")

if [ ${#missing[@]} -gt 0 ]; then
	# de-duplicate
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	if [ "$(id -u)" -ne 0 ]; then
		echo "make deps: missing packages: ${missing[*]}" >&2
		echo "make deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "make deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the conformance (tedious) and schema (ajv) tests.
need_npm=0
for m in tedious ajv yaml; do [ -d "tests/node_modules/$m" ] || need_npm=1; done
if [ "$need_npm" = 1 ]; then
	echo "make deps: npm install in tests/"
	(cd tests && npm install --no-audit --no-fund --silent >/dev/null)
fi
exit 0
