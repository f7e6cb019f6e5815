#!/usr/bin/env bash
# Idle detection (issue 3, "Performance"): classifier throughput in-process over the fixture
# captures; the wall time of one `classify -t` on a live pane against one bare
# `tmux capture-pane -p`; and the CPU time of one `classify -t` against the pull-poll pipeline
# `tmux capture-pane -p -t P | tail -1 | grep -q PATTERN` run from a shell loop. Prints a
# markdown section.
#
# Environment: TD_BUILD (build dir), TD_BENCH_SECONDS (throughput time per row, 1),
# TD_BENCH_SPAWNS (runs per measurement round, 40), TD_BENCH_ROUNDS (rounds, 5),
# TD_BENCH_LOOP (iterations of each shell loop for CPU time, 200).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
td=$build/tmux-dispatch
bench=$build/bench/classify-bench
fake=$build/agents/fakeagent
seconds=${TD_BENCH_SECONDS:-1}
spawns=${TD_BENCH_SPAWNS:-40}
rounds=${TD_BENCH_ROUNDS:-5}
loop=${TD_BENCH_LOOP:-200}

require_built bench-classify "$td" "$bench"
command -v tmux >/dev/null || { echo "bench-classify: no tmux" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/td-bench-classify.XXXXXX")
export TMUX_TMPDIR=$tmp XDG_STATE_HOME=$tmp/xdg-state
unset TMUX TMUX_PANE TMUX_DISPATCH_TMUX TMUX_DISPATCH_PROFILES
export TMUX_DISPATCH_STATE=$tmp/none/.terminal-status.json # no state file: nothing recorded
cleanup() {
	TMUX_TMPDIR=$tmp tmux kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf("%.2fx", a / b) }'; }
verdict() { awk -v a="$1" -v b="$2" -v g="$3" 'BEGIN { print (a / b <= g) ? "met" : "**not met**" }'; }

echo "### Idle detection (classify)"
echo

# 1. Throughput.
dirs=()
for d in "$repo/tests/fixtures/captures" "$repo/tests/fixtures/classify"; do
	[ -f "$d/labels.tsv" ] && dirs+=("$d")
done
if [ ${#dirs[@]} -eq 0 ]; then
	echo "No labelled captures in tests/fixtures: throughput not measured."
else
	echo "bench-classify: throughput" >&2
	ncap=$(cat "${dirs[@]/%//labels.tsv}" | grep -vc '^#' || true)
	echo "Classifier throughput, in-process (\`bin/bench/classify-bench\`), over the $ncap labelled"
	echo "fixture captures, each classified with the profile its name implies (\"all\") and with"
	echo "\`auto\`; plain \`capture-pane -p\` text. Goal: >= 200 MB/s."
	echo
	echo "| profile | captures/s | µs per capture | MB/s |"
	echo "|---|---:|---:|---:|"
	"$bench" throughput "$seconds" "${dirs[@]}" | while read -r name bytes ns count; do
		[ "$count" -gt 0 ] || continue
		awk -v n="$name" -v b="$bytes" -v t="$ns" -v c="$count" 'BEGIN {
		    printf("| %s | %.0f | %.2f | %.0f |\n", n, c / (t / 1e9), t / c / 1e3,
		    b / (t / 1e9) / 1e6) }'
	done
	echo
	echo "Shell captures are one or two lines, so their MB/s says little; their time per capture"
	echo "is the figure."
	echo
fi

# 2. A live pane: a Claude-style screen (the fake agent) or a shell, 120x40.
if [ -x "$fake" ]; then
	tmux -f /dev/null new-session -d -s b -x 120 -y 40 \
	    "exec $(printf '%q' "$fake") --log $(printf '%q' "$tmp/log") --events $(printf '%q' "$tmp/ev")"
	what="the fake agent (Claude-style screen)"
	for ((i = 0; i < 200; i++)); do grep -q ' ready$' "$tmp/ev" 2>/dev/null && break; sleep 0.05; done
else
	tmux -f /dev/null new-session -d -s b -x 120 -y 40 "env PS1='\$ ' bash --norc --noprofile"
	what="bash at its prompt"
	sleep 0.5
fi
pane=$(tmux display -p -t b '#{pane_id}')
state=$("$td" classify -t "$pane")
tmux capture-pane -p -t "$pane" > "$tmp/screen.txt"
echo "bench-classify: live pane $pane: $state" >&2

echo "bench-classify: wall time" >&2
cw=() bw=() cc=() bc=() tw=() tc=() fw=() fc=()
true_bin=$(command -v true)
for ((r = 0; r < rounds; r++)); do
	read -r w c < <("$bench" spawn "$spawns" "$td" classify -t "$pane")
	cw+=("$w"); cc+=("$c")
	read -r w c < <("$bench" spawn "$spawns" tmux capture-pane -p -t "$pane")
	bw+=("$w"); bc+=("$c")
	read -r w c < <("$bench" spawn "$spawns" "$true_bin")
	tw+=("$w"); tc+=("$c")
	read -r w c < <("$bench" spawn "$spawns" "$td" classify -p claude "$tmp/screen.txt")
	fw+=("$w"); fc+=("$c")
done
cwall=$(median "${cw[@]}")
bwall=$(median "${bw[@]}")

echo "bench-classify: cpu time" >&2
pattern='esc to interrupt'
# The loops are bash -c scripts with positional arguments: their $1.. expand in that shell.
# shellcheck disable=SC2016
read -r _ loopc < <("$bench" spawn 1 bash -c \
    'for ((i = 0; i < $1; i++)); do "$2" classify -t "$3" >/dev/null; done' _ "$loop" "$td" "$pane")
# shellcheck disable=SC2016
read -r _ loopp < <("$bench" spawn 1 bash -c \
    'for ((i = 0; i < $1; i++)); do tmux capture-pane -p -t "$2" | tail -1 | grep -q "$3"; done; true' \
    _ "$loop" "$pane" "$pattern")
# shellcheck disable=SC2016
read -r _ loope < <("$bench" spawn 1 bash -c 'for ((i = 0; i < $1; i++)); do :; done' _ "$loop")
cpuc=$(awk -v a="$loopc" -v e="$loope" -v n="$loop" 'BEGIN { print (a - e) / n }')
cpup=$(awk -v a="$loopp" -v e="$loope" -v n="$loop" 'BEGIN { print (a - e) / n }')

echo "One \`classify -t\` on a live 120x40 pane ($what; it said \`$state\`), against one"
echo "bare \`tmux capture-pane -p\` of the same pane: median wall time over $rounds rounds of"
echo "$spawns runs each, spawned back to back. \`classify -t\` is one tmux client call"
echo "(\`display-message -p ... ; capture-pane -p\`) plus the helper's own start-up."
echo
echo "| command | wall (median) | CPU, client side |"
echo "|---|---:|---:|"
echo "| \`tmux-dispatch classify -t $pane\` | $(ms "$cwall") ms | $(ms "$(median "${cc[@]}")") ms |"
echo "| \`tmux capture-pane -p -t $pane\` | $(ms "$bwall") ms | $(ms "$(median "${bc[@]}")") ms |"
echo "| ratio | $(ratio "$cwall" "$bwall") (goal <= 1.3x: $(verdict "$cwall" "$bwall" 1.3)) | |"
echo "| for scale: \`true\` (an empty process) | $(ms "$(median "${tw[@]}")") ms | $(ms "$(median "${tc[@]}")") ms |"
echo "| for scale: \`classify\` of the same screen from a file | $(ms "$(median "${fw[@]}")") ms | $(ms "$(median "${fc[@]}")") ms |"
echo
echo "\`classify -t\` costs one helper process more than a bare capture: the file row minus the"
echo "\`true\` row is the helper's own work (profiles, classification), the rest is process"
echo "start-up, which no design that runs a helper next to a tmux client can avoid."
echo
echo "CPU time per check from a shell loop of $loop iterations (user + system of bash and"
echo "everything it started, the empty loop's own cost subtracted), \`classify -t\` against the"
echo "pull-poll pipeline \`tmux capture-pane -p -t P | tail -1 | grep -q '$pattern'\`:"
echo
echo "| per check | CPU |"
echo "|---|---:|"
echo "| \`classify -t\` | $(ms "$cpuc") ms |"
echo "| capture-pane \\| tail \\| grep | $(ms "$cpup") ms |"
echo "| ratio | $(ratio "$cpuc" "$cpup") (goal <= 0.5x: $(verdict "$cpuc" "$cpup" 0.5)) |"
