#!/usr/bin/env bash
# Installs what tmux-dispatch needs to build, run and test on Debian or Ubuntu (only what is
# missing; with sudo when not root), then builds the helper. Other systems: see README.
# With --fuzz, also what make fuzz needs: clang and its libFuzzer runtime.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v make >/dev/null || need+=(make)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists libcjson 2>/dev/null || need+=(libcjson-dev)
command -v tmux >/dev/null || need+=(tmux)
command -v bats >/dev/null || need+=(bats)
[ -d /usr/lib/bats/bats-assert ] || need+=(bats-assert)
[ -d /usr/lib/bats/bats-support ] || need+=(bats-support)
command -v prove >/dev/null || need+=(perl)
command -v flock >/dev/null || need+=(util-linux)
command -v valgrind >/dev/null || need+=(valgrind)
command -v git >/dev/null || need+=(git)
# Development and test tools only: make lint, the man page check, the real TPM install test.
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v mandoc >/dev/null || need+=(mandoc)
command -v man >/dev/null || need+=(man-db)
[ -x /usr/share/tmux-plugin-manager/tpm ] || need+=(tmux-plugin-manager)
if [ "${1:-}" = --fuzz ]; then
	command -v clang >/dev/null || need+=(clang)
	# libFuzzer: does clang link a fuzz target?
	echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return d[0] + n == 0; }' |
		clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null || need+=(libclang-rt-dev)
fi

if [ ${#need[@]} -gt 0 ]; then
	if ! command -v apt-get >/dev/null; then
		echo "setup: please install: ${need[*]} (Debian names; see README)" >&2
		exit 1
	fi
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	echo "setup: installing ${need[*]}"
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
make -s
