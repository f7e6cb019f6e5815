#!/usr/bin/env bash
# The cost of loading a state file (issue 15): the helper's whole read-only load of a file
# (read, cJSON parse, the number texts and \u0000 check, validation, normalization; state_open)
# against reading it and cJSON_Parse alone, each in a fresh process timed from after its exec
# (bare-cycle load), in alternation, so both see the same machine. Prints a markdown section.
#
# Environment: TD_BUILD (build dir), TD_BENCH_LOAD_SIZES ("1000 10000"), TD_BENCH_LOAD_RUNS
# (alternating pairs per size, 41).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
bare=$build/bench/bare-cycle
read -r -a sizes <<<"${TD_BENCH_LOAD_SIZES:-1000 10000}"
runs=${TD_BENCH_LOAD_RUNS:-41}
declare -A goal=([1000]=1.5)

# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
dir=$(scratch_dir td-bload)
trap 'rm -rf "$dir"' EXIT
thousands() { echo "$1" | sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e ta; }
human_size() { awk -v b="$1" 'BEGIN { if (b < 1e6) printf("%.0f KB", b / 1e3); else printf("%.1f MB", b / 1e6) }'; }

rows=() missed=()
for n in "${sizes[@]}"; do
	file=$dir/state-$n.json
	"$bare" gen "$n" "$file"
	parse=() load=() ratio=()
	for ((i = 0; i < runs; i++)); do
		printf 'bench-load: %s items, run %d/%d\r' "$n" $((i + 1)) "$runs" >&2
		p=$("$bare" load "$file" parse)
		s=$("$bare" load "$file" state)
		parse+=("$p") load+=("$s")
		ratio+=("$(awk -v p="$p" -v s="$s" 'BEGIN { printf "%.4f", s / p }')")
	done
	echo >&2
	r=$(median "${ratio[@]}")
	g=${goal[$n]:-} verdict=
	if [ -n "$g" ]; then
		verdict="met (<= ${g}x)"
		if ! awk -v r="$r" -v g="$g" 'BEGIN { exit !(r <= g) }'; then
			verdict="**missed** (<= ${g}x)"
			missed+=("$(thousands "$n") items")
		fi
	fi
	rows+=("| $(thousands "$n") | $(human_size "$(stat -c %s "$file")") | $(ms "$(median "${parse[@]}")") |\
 $(ms "$(median "${load[@]}")") | $(awk -v r="$r" 'BEGIN { printf "%.2f", r }')x | $verdict |")
done

cat <<EOF
### Loading a state file: validation and normalization against cJSON alone

Goal (issue 15): the helper's whole load of a 1,000-item file (read, parse, the walk that keeps
numbers as written and finds \`\\u0000\`, validation, normalization) **within 1.5x of reading it
and \`cJSON_Parse\`**. Each figure is a fresh process timed from after its exec, nothing freed
(the helper exits without freeing); the two alternate, $runs pairs per size, and the ratio is the
median of each pair's ratio, so a loaded machine slows both alike.

| items | state file | read + cJSON_Parse (ms) | helper's load (ms) | ratio | goal |
|---:|---:|---:|---:|---:|---|
$(printf '%s\n' "${rows[@]}")

EOF
if [ "${#missed[@]}" -eq 0 ]; then
	echo "Result: **goal met**."
else
	echo "Result: **goal missed** at $(printf '%s; ' "${missed[@]}" | sed 's/; $//')."
fi
