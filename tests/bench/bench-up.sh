#!/usr/bin/env bash
# up of a six-agent layout against the slowest single spawn (issue 12, "Done when"): six fake
# agents in two windows, five drawing their prompt after 1 s and one after 2 s, all started by
# one `up` and waited for together; next to it `spawn` of the 2 s agent alone, in the same run.
# Both are timed from process start to exit (all idle, registered, recorded). Goal: up within
# 1.3x of the slowest single start. Prints a markdown section. Environment: TD_BUILD,
# TD_BENCH_ROUNDS (5).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
rounds=${TD_BENCH_ROUNDS:-5}
top=$(mktemp -d "${TMPDIR:-/tmp}/td-up.XXXXXX")
export XDG_STATE_HOME=$top/xdg-state
cleanup() {
	local d
	for d in "$top"/*/; do TMUX_TMPDIR="$d" tmux kill-server 2>/dev/null || true; done
	rm -rf "$top"
}
trap cleanup EXIT
unset TMUX TMUX_PANE TMUX_DISPATCH_STATE TMUX_DISPATCH_PROFILES
# shellcheck source=tests/bench/lib.sh
. "$repo/tests/bench/lib.sh"

fa="$build/agents/fakeagent"
agent() { # NAME DELAY: a layout entry
	printf '{"name": "%s", "command": ["%s", "--log", "%s/%s.log", "--startup-delay", "%s"]}' \
	    "$1" "$fa" "$2" "$1" "$3"
}

# timed DIR CMD...: CMD's wall time in ns, on a fresh tmux server and state in DIR.
timed() {
	local dir=$1 start end
	shift
	mkdir -p "$dir"
	export TMUX_TMPDIR="$dir" TMUX_DISPATCH_STATE="$dir/state.json"
	tmux -f /dev/null new-session -d -s base -x 200 -y 60 -c "$dir" sleep 600
	start=$(date +%s%N)
	"$@" >/dev/null || { echo "bench-up: $* failed" >&2; exit 1; }
	end=$(date +%s%N)
	tmux kill-server
	echo $((end - start))
}

up_ns=() spawn_ns=()
for r in $(seq "$rounds"); do
	d="$top/up$r"
	mkdir -p "$d"
	cat >"$d/team.json" <<JSON
{"session": "team", "windows": [
  {"name": "tier1", "agents": [$(agent a1 "$d" 1), $(agent a2 "$d" 1), $(agent a3 "$d" 2)]},
  {"name": "tier2", "agents": [$(agent b1 "$d" 1), $(agent b2 "$d" 1), $(agent b3 "$d" 1)]}]}
JSON
	echo "bench-up: round $r" >&2
	up_ns+=("$(timed "$d" "$build/tmux-dispatch" up "$d/team.json")")
	d="$top/spawn$r"
	spawn_ns+=("$(timed "$d" "$build/tmux-dispatch" spawn solo --in solo -- "$fa" --log "$d/solo.log" \
	    --startup-delay 2)")
done
u=$(median "${up_ns[@]}")
s=$(median "${spawn_ns[@]}")
ratio=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u / s }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.3) ? "met" : "missed" }')

echo "### Team start-up: up of six agents against one spawn"
echo
echo "\`up\` of a layout of two windows of three fake agents each, five drawing their prompt after"
echo "1 s and one after 2 s, against \`spawn\` of the 2 s agent alone; each from process start to"
echo "exit (every agent idle, registered, its session file written), on a fresh tmux server,"
echo "median of $rounds rounds. Goal: up within 1.3x of the slowest single start ($verdict)."
echo
echo "| command | agents | median wall | ratio |"
echo "|---|---:|---:|---:|"
echo "| spawn (slowest agent alone) | 1 | $(ms "$s") ms | 1.00 |"
echo "| up | 6 | $(ms "$u") ms | $ratio |"
