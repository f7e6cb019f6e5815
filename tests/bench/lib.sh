# shellcheck shell=bash
# Shared by the bench-*.sh scripts (sourced; needs $repo and $build).
# shellcheck disable=SC2154 # $repo and $build are set by the script that sources this

# require_built NAME FILE...: exits 1, saying which, unless every FILE is an executable that
# `make bench` builds.
require_built() {
	local name=$1 need
	shift
	for need in "$@"; do
		[ -x "$need" ] || { echo "$name: $need is missing; run make bench" >&2; exit 1; }
	done
}

# scratch_dir PREFIX: a new directory on the repository's filesystem, never tmpfs, so fsync
# and rename cost what they cost for a real state file: under $TD_BENCH_DIR if set, else
# $TMPDIR when it qualifies, else the build directory.
scratch_dir() {
	local dir
	if [ -n "${TD_BENCH_DIR:-}" ]; then
		mkdir -p "$TD_BENCH_DIR"
		mktemp -d "$TD_BENCH_DIR/$1.XXXXXX"
		return
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	if [ "$(stat -c %d "$dir")" = "$(stat -c %d "$repo")" ] &&
	    [ "$(stat -f -c %T "$dir")" != tmpfs ]; then
		echo "$dir"
		return
	fi
	rmdir "$dir"
	mkdir -p "$build/bench"
	mktemp -d "$build/bench/$1.XXXXXX"
}

# median N...: the middle value (the mean of the two middle ones for an even count).
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ms NS: nanoseconds as milliseconds, about three significant digits.
ms() {
	awk -v ns="$1" 'BEGIN { x = ns / 1e6
	    printf(x < 0.1 ? "%.4f" : x < 10 ? "%.2f" : x < 100 ? "%.1f" : "%.0f", x) }'
}
