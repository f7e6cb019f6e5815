#!/usr/bin/env bash
# The cost of one state-file rewrite (issue 2, "Performance"): one `enqueue` and one `done`, each
# a whole tmux-dispatch process, next to a bare read + parse + print + fsync + rename of the same
# file (bare-cycle.c), on files of 100, 10,000 and 100,000 items; then the first write of a day,
# which also moves older finished items to the history file. Prints a markdown section.
# tmux is kept out of it: TMUX_TMPDIR points at an empty directory, so no server is reachable.
#
# Environment: TD_BUILD (build dir), TD_BENCH_SIZES ("100 10000 100000"), TD_BENCH_RUNS
# (runs per size, "50 20 11"), TD_BENCH_ROLLOVER ("100 1000": finished items to archive from a
# 10,000-item file, "" to skip), TD_BENCH_DIR (scratch parent; default $TMPDIR if it is on the
# repository's filesystem and not tmpfs, else the build dir).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
td=$build/tmux-dispatch
bare=$build/bench/bare-cycle
read -r -a sizes <<<"${TD_BENCH_SIZES:-100 10000 100000}"
read -r -a runs <<<"${TD_BENCH_RUNS:-50 20 11}"
read -r -a rollover <<<"${TD_BENCH_ROLLOVER-100 1000}"
rollover_items=10000 rollover_runs=7
goal=1.5

if [ "${#runs[@]}" -ne "${#sizes[@]}" ]; then
	echo "bench-state: TD_BENCH_RUNS needs one count per size in TD_BENCH_SIZES" >&2
	exit 2
fi

# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
dir=$(scratch_dir td-bench)
# Trust records (the seeds are hand-written: trusted once below) stay in the scratch dir.
export XDG_STATE_HOME=$dir/xdg-state
trap 'rm -rf "$dir"' EXIT
fstype=$(findmnt -no FSTYPE -T "$dir" 2>/dev/null || stat -f -c %T "$dir")
seed=$dir/seed.json seed_auto=$dir/seed-auto.json work=$dir/state.json

# Never reach a real tmux server: enqueue's auto-dispatch and badge updates talk to tmux.
unset TMUX TMUX_PANE TMUX_DISPATCH_TMUX TMUX_DISPATCH_STATE
export TMUX_TMPDIR=$dir/tmux
mkdir -p "$TMUX_TMPDIR"

# paired "A1 A2 ..." "B1 B2 ...": the median of the per-round ratios Ai / Bi. Each command
# ran next to bare in the same round, so load that comes and goes cancels out of the ratio.
paired() {
	awk -v a="$1" -v b="$2" 'BEGIN {
	    n = split(a, x, " "); split(b, y, " ")
	    for (i = 1; i <= n; i++) printf("%.6f\n", x[i] / y[i]) }' | sort -n |
	    awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
	awk -v r="$1" 'BEGIN { printf("%.2fx", r) }'
}

over_goal() {
	awk -v r="$1" -v g="$goal" 'BEGIN { exit !(r > g) }'
}

human_size() {
	awk -v b="$1" 'BEGIN {
	    if (b < 1e6) printf("%.0f KB", b / 1e3); else printf("%.1f MB", b / 1e6) }'
}

thousands() {
	echo "$1" | sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e ta
}

# One timed run of KIND: restore the work file from the seed (and drop the history file an
# earlier run may have written), then print "WALL CPU" (ns) of one process. The seed is paused
# ("paused": true), so enqueue checks no terminal (it still updates the badge, which finds no
# tmux server); "auto" is enqueue on the same file unpaused, with auto-dispatch.
run() {
	local cmd=(enqueue --to generator-1 --
	    /wireframe-fix 003-user-authentication 01-registration-sign-in.svg)
	rm -f "$dir/state.history.jsonl"
	case $1 in
	bare) "$bare" time "$seed" "$work" -- "$bare" cycle "$work" ;;
	cbare) "$bare" time "$seed" "$work" -- "$bare" cycle-cjson "$work" ;;
	enqueue) "$bare" time "$seed" "$work" -- "$td" -f "$work" "${cmd[@]}" ;;
	auto) "$bare" time "$seed_auto" "$work" -- "$td" -f "$work" "${cmd[@]}" ;;
	"done") "$bare" time "$seed" "$work" -- "$td" -f "$work" "done" "$done_id" ;;
	esac
}

# measure N OLD RUNS KIND...: medians over RUNS interleaved rounds into w_KIND / c_KIND.
measure() {
	local n=$1 old=$2 r=$3 round k kind w c
	shift 3
	local -a kinds=("$@")
	local -A wall=() cpu=()

	done_id=q-$((n / 2 > 0 ? n / 2 : 1)) # the middle of the queue
	"$bare" gen "$n" "$seed" "$old" paused
	"$bare" gen "$n" "$seed_auto" "$old"
	bytes=$(stat -c %s "$seed")
	# The bare cycle must write exactly the bytes the helper writes: the seed is printed in the
	# helper's format, so a bare rewrite reproduces it.
	cp "$seed" "$work"
	"$td" -f "$work" trust >/dev/null
	"$bare" cycle "$work"
	if ! cmp -s "$seed" "$work"; then
		echo "bench-state: bare-cycle does not reproduce the seed file byte for byte" >&2
		exit 1
	fi
	for kind in "${kinds[@]}"; do # warm-up, not counted; also proves each command succeeds
		run "$kind" >/dev/null
	done
	for ((round = 0; round < r; round++)); do
		if [ -t 2 ]; then
			printf '\rbench-state: %s items, %s old, run %d/%d ' "$n" "$old" \
			    $((round + 1)) "$r" >&2
		fi
		for ((k = 0; k < ${#kinds[@]}; k++)); do # rotate: no command always runs first
			kind=${kinds[$(((round + k) % ${#kinds[@]}))]}
			read -r w c <<<"$(run "$kind")"
			wall[$kind]+="$w " cpu[$kind]+="$c "
			if [ "$kind" = enqueue ] && [ "$old" -gt 0 ] &&
			    [ "$(wc -l <"$dir/state.history.jsonl" 2>/dev/null)" != "$old" ]; then
				echo "bench-state: the first write of the day did not archive $old items" >&2
				exit 1
			fi
		done
	done
	[ -t 2 ] && printf '\r' >&2
	echo "bench-state: $n items, $old old: $r runs done" >&2
	for kind in "${kinds[@]}"; do
		# shellcheck disable=SC2086 # space-separated numbers
		declare -g "w_$kind=$(median ${wall[$kind]})" "c_$kind=$(median ${cpu[$kind]})"
		declare -g "rw_$kind=$(paired "${wall[$kind]}" "${wall[bare]}")" \
		    "rc_$kind=$(paired "${cpu[$kind]}" "${cpu[bare]}")"
		if [ -n "${wall[cbare]:-}" ]; then
			declare -g "rcw_$kind=$(paired "${wall[$kind]}" "${wall[cbare]}")" \
			    "rcc_$kind=$(paired "${cpu[$kind]}" "${cpu[cbare]}")"
		fi
	done
	rm -f "$seed" "$seed_auto"
}

rows=() cpu_rows=() auto_rows=() missed=()
for i in "${!sizes[@]}"; do
	n=${sizes[$i]}
	measure "$n" 0 "${runs[$i]}" cbare bare enqueue "done" auto
	items=$(thousands "$n")
	rows+=("| $(human_size "$bytes") | $items | $(ms "$w_cbare") | $(ms "$w_bare") | $(ms "$w_enqueue") |\
 $(ratio "$rcw_enqueue") / $(ratio "$rw_enqueue") | $(ms "$w_done") | $(ratio "$rcw_done") / $(ratio "$rw_done") |")
	cpu_rows+=("| $items | $(ms "$c_cbare") | $(ms "$c_bare") | $(ms "$c_enqueue") |\
 $(ratio "$rcc_enqueue") / $(ratio "$rc_enqueue") | $(ms "$c_done") | $(ratio "$rcc_done") / $(ratio "$rc_done") |")
	auto_rows+=("| $items | $(ms "$w_cbare") | $(ms "$w_bare") | $(ms "$w_auto") | $(ratio "$rcw_auto") / $(ratio "$rw_auto") |\
 $(ms "$c_auto") | $(ratio "$rcc_auto") / $(ratio "$rc_auto") |")
	for kind in enqueue "done"; do
		r=rcw_$kind
		if over_goal "${!r}"; then
			missed+=("$kind at $items items ($(ratio "${!r}"))")
		fi
	done
done

roll_rows=() roll_missed=()
for old in "${rollover[@]}"; do
	measure "$rollover_items" "$old" "$rollover_runs" cbare bare enqueue
	roll_rows+=("| $(human_size "$bytes") | $(thousands "$rollover_items") | $(thousands "$old") |\
 $(ms "$w_cbare") | $(ms "$w_bare") | $(ms "$w_enqueue") | $(ratio "$rcw_enqueue") / $(ratio "$rw_enqueue") |")
	if over_goal "$rcw_enqueue"; then
		roll_missed+=("$(thousands "$old") archived ($(ratio "$rcw_enqueue"))")
	fi
done

result() { # LABEL MISSED...
	local label=$1
	shift
	if [ "$#" -eq 0 ]; then
		echo "$label: **goal met** at every size."
	else
		echo "$label: **goal missed** for $(printf '%s; ' "$@" | sed 's/; $//')."
	fi
}

runs_text=${runs[*]}
cat <<EOF
### State file rewrite: \`enqueue\` and \`done\`

Goal (issue 2): one \`enqueue\` and one \`done\` each cost **within ${goal}x of a bare rewrite** of
the same file, at every size (no quadratic work). A ratio is the median of the per-round
ratios (each command against the bare run of the same round), so it can differ a little from
the ratio of the two medians shown.

| size | items | bare, cJSON's print (ms) | bare, the helper's print (ms) | enqueue (ms) | ratio | done (ms) | ratio |
|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

$(result Result ${missed[@]+"${missed[@]}"})

Each figure is the median wall time of one whole process, spawn to exit (\`posix_spawn\` to
\`wait4\`, \`CLOCK_MONOTONIC\`), over ${runs_text// / \/ } runs for the sizes in order; the
commands run interleaved and the file is restored from the same seed before every run.
**bare** is \`tests/bench/bare-cycle.c\`: read the file, \`cJSON_Parse\`, print it (the same bytes
as the helper writes), write a temp file, \`fsync\`, \`rename\`, \`fsync\` the directory, exit; no
lock, no validation, no change, no teardown. It prints in two ways, run in the same rounds:
with \`cJSON_Print\` (\`cycle-cjson\`: the bare rewrite of any program using cJSON, and this
bench's bare when issue 2 was filed; the goal is judged against it) and with the helper's own
one-pass print (\`cycle\`, \`jsontext.c\`, about 4x faster at 10,000 items), a stricter floor;
each ratio cell is "against cJSON's print / against the helper's". **enqueue** is
\`enqueue --to generator-1 -- /wireframe-fix ...\` on a paused queue (\`"paused": true\`: no
terminal check; auto-dispatch is measured below); **done** marks the middle item of the queue
done. tmux is kept out of reach (\`TMUX_TMPDIR\` is an empty directory), so the helper's tmux
calls (such as enqueue's badge update) find no server. The files hold pending items as in the README schema (commands of 60-100
characters, 5 terminals), about 300 bytes per item as printed, on $fstype (the repository's
filesystem, not tmpfs).

CPU time of the same runs (user + system, median; less disturbed by other load than wall time):

| items | bare, cJSON's print (ms) | bare, the helper's print (ms) | enqueue (ms) | ratio | done (ms) | ratio |
|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${cpu_rows[@]}")

The same \`enqueue\` with auto-dispatch on (the file not paused): the helper also looks for
work for \`generator-1\` (its running item, its next ready item), runs \`tmux list-panes\`, which
finds no server, and marks the item it would have sent as deferred. Wall and CPU time,
median, against the same bare runs:

| items | bare, cJSON's print (ms) | bare, the helper's print (ms) | enqueue, auto-dispatch (ms) | ratio | CPU (ms) | CPU ratio |
|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${auto_rows[@]}")
EOF

if [ "${#roll_rows[@]}" -gt 0 ]; then
	cat <<EOF

### First write of a day: archiving finished items

The first write of a day moves items finished on an earlier day from \`completedToday\` to the
history file (append, \`fsync\`) before rewriting the state. Same method and goal, $rollover_runs runs each;
the file holds $(thousands "$rollover_items") pending items plus the old finished ones, and bare rewrites it
unchanged.

| size | pending | archived | bare, cJSON's print (ms) | bare, the helper's print (ms) | enqueue (ms) | ratio |
|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${roll_rows[@]}")

$(result "Result" ${roll_missed[@]+"${roll_missed[@]}"})
EOF
fi
