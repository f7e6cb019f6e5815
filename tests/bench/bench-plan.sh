#!/usr/bin/env bash
# The task graph at scale (issue 11, "Tests and bench"): what `plan` computes and what one
# check's pick costs, in-process (graph-bench.c) on layered graphs and on one long chain of
# 1,000 and 10,000 items, against a pass over the queue and a cJSON parse of the same file
# measured in the same rounds; then one whole `tmux-dispatch plan --json` process on a
# 10,000-item file against a process that only reads and parses it, if this build has `plan`.
# Prints a markdown section. tmux is kept out of it: TMUX_TMPDIR points at an empty directory.
#
# Environment: TD_BUILD (build dir), TD_BENCH_GRAPH_SIZES ("1000 10000"), TD_BENCH_GRAPH_ROUNDS
# (in-process rounds, 21), TD_BENCH_PLAN_RUNS (timed `plan` processes, 21).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
td=$build/tmux-dispatch
gb=$build/bench/graph-bench
bare=$build/bench/bare-cycle
read -r -a sizes <<<"${TD_BENCH_GRAPH_SIZES:-1000 10000}"
rounds=${TD_BENCH_GRAPH_ROUNDS:-21}
plan_runs=${TD_BENCH_PLAN_RUNS:-21}
plan_items=10000 goal_ms=100

require_built bench-plan "$td" "$gb" "$bare"

dir=$(mktemp -d "${TMPDIR:-/tmp}/td-bench-plan.XXXXXX")
trap 'rm -rf "$dir"' EXIT
unset TMUX TMUX_PANE TMUX_DISPATCH_TMUX TMUX_DISPATCH_STATE
export TMUX_TMPDIR=$dir/tmux XDG_STATE_HOME=$dir/xdg-state
mkdir -p "$TMUX_TMPDIR"

ratio() {
	awk -v r="$1" 'BEGIN { printf(r < 10 ? "%.2fx" : "%.0fx", r) }'
}

thousands() {
	echo "$1" | sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e ta
}

# 1. In-process: one column per graph, one row per operation.
ops=(pass parse build simulate pick scan)
declare -A label=(
	[pass]="one pass over the queue reading each status (baseline)"
	[parse]="\`cJSON_Parse\` of the file (baseline)"
	[build]="\`graph_build\`: kinds, critical paths, unblocks (what \`plan\` computes)"
	[simulate]="\`graph_simulate\` (5 workers) + \`graph_critical_path\`"
	[pick]="the pick of one check: \`schedule_next\`, graph not yet built"
	[scan]="\`schedule_next\` on a built graph (the walk alone)"
)
declare -A cell=()
header="| operation |" rule="|---|" shapes=()
for shape in layered chain; do
	for n in "${sizes[@]}"; do
		col="$shape $n"
		echo "bench-plan: $shape graph of $n items, $rounds rounds" >&2
		"$gb" gen "$n" "$dir/$shape-$n.json" "$shape"
		out=$("$gb" time "$dir/$shape-$n.json" "$rounds" 2>/dev/null)
		read -r _ items _ edges _ ready _ <<<"$(head -1 <<<"$out")"
		header+=" $shape, $(thousands "$items") items |" rule+="---:|"
		shapes+=("$shape $(thousands "$items"): $(thousands "$edges") dependencies, $ready ready")
		while read -r op ns to_pass to_parse; do
			case $op in
			pass) cell[$op,$col]="$(ms "$ns") ms" ;;
			parse) cell[$op,$col]="$(ms "$ns") ms · $(ratio "$to_pass")" ;;
			*) cell[$op,$col]="$(ms "$ns") ms · $(ratio "$to_pass") · $(ratio "$to_parse")" ;;
			esac
		done < <(tail -n +2 <<<"$out")
	done
done

echo "### Task graph: plan and pick"
echo
echo "In-process (\`tests/bench/graph-bench.c\`), on state files as the helper writes them: layered"
echo "graphs (phases of 100 items, each depending on 1 to 3 items of the phase before, one finished"
echo "phase in \`completedToday\`, 5 items running) and one chain (each item depends on the one"
echo "before), estimates of 10 minutes to 4 hours with one in ten missing, 5 terminals"
echo "($(printf '%s; ' "${shapes[@]}" | sed 's/; $//'))."
echo "Each cell is the median time of one run over $rounds interleaved rounds (each operation"
echo "repeated to about 2 ms a round), then the medians of the per-round ratios to the two"
echo "baselines of the same round: **× pass**, **× parse**. Work linear in the graph keeps its"
echo "× pass as the graph grows tenfold."
echo
echo "$header"
echo "$rule"
for op in "${ops[@]}"; do
	row="| ${label[$op]} |"
	for shape in layered chain; do
		for n in "${sizes[@]}"; do
			row+=" ${cell[$op,$shape $n]} |"
		done
	done
	echo "$row"
done
echo

# 2. One whole `plan --json` process, if this build has the command.
if ! "$td" plan --help >/dev/null 2>&1; then
	echo "\`tmux-dispatch plan\` is not in this build (\`plan --help\` failed): the process row is"
	echo "skipped."
	exit 0
fi
seed=$dir/layered-$plan_items.json work=$dir/work.json
[ -f "$seed" ] || "$gb" gen "$plan_items" "$seed" layered
cp "$seed" "$work"
if ! "$td" -f "$work" plan --json >"$dir/plan.json" || ! "$gb" parse "$dir/plan.json"; then
	echo "bench-plan: plan --json failed or printed invalid JSON" >&2
	exit 1
fi
run() {
	case $1 in
	parse) "$bare" time "$seed" "$work" -- "$gb" parse "$work" ;;
	plan) "$bare" time "$seed" "$work" -- "$td" -f "$work" plan --json ;;
	esac
}
kinds=(parse plan)
declare -A wall=() cpu=()
for kind in "${kinds[@]}"; do run "$kind" >/dev/null; done # warm-up
for ((round = 0; round < plan_runs; round++)); do
	for ((k = 0; k < ${#kinds[@]}; k++)); do
		kind=${kinds[$(((round + k) % ${#kinds[@]}))]}
		read -r w c <<<"$(run "$kind")"
		wall[$kind]+="$w " cpu[$kind]+="$c "
	done
done
echo "bench-plan: plan --json: $plan_runs runs done" >&2
paired=$(awk -v a="${wall[plan]}" -v b="${wall[parse]}" 'BEGIN {
    n = split(a, x, " "); split(b, y, " ")
    for (i = 1; i <= n; i++) printf("%.6f\n", x[i] / y[i]) }')
# shellcheck disable=SC2086 # space-separated numbers
{
	w_plan=$(median ${wall[plan]}) c_plan=$(median ${cpu[plan]})
	w_parse=$(median ${wall[parse]}) c_parse=$(median ${cpu[parse]})
	r_plan=$(median $paired)
}
verdict=$(awk -v ns="$w_plan" -v g="$goal_ms" 'BEGIN { print (ns / 1e6 < g) ? "**goal met**" : "**goal missed**" }')
size=$(awk -v b="$(stat -c %s "$seed")" 'BEGIN { printf("%.1f MB", b / 1e6) }')
cat <<EOF
One whole \`tmux-dispatch plan --json\` process on the layered file of $(thousands "$plan_items") items ($size),
spawn to exit, against \`graph-bench parse\`, a process that reads the file, \`cJSON_Parse\`s it and
exits (the floor of any command that reads it): medians over $plan_runs interleaved runs each; the
ratio is the median of the per-round ratios. Goal (issue 11): \`plan\` over $(thousands "$plan_items") items in
under $goal_ms ms.

| command | wall (ms) | CPU (ms) | ratio |
|---|---:|---:|---:|
| \`graph-bench parse\` | $(ms "$w_parse") | $(ms "$c_parse") | 1.00x |
| \`tmux-dispatch plan --json\` | $(ms "$w_plan") | $(ms "$c_plan") | $(ratio "$r_plan") |

Result: $verdict ($(ms "$w_plan") ms).
EOF
