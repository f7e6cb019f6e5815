#!/usr/bin/env bash
# Idle-to-dispatch latency through the plugin alone (issue 5, "Performance"): a fake agent in
# its own window of a detached session, the plugin loaded with @dispatch-silence 1, N items
# queued. Nothing calls check: each next item goes out when tmux's alert-silence hook fires.
# Latency is read from the agent's own event log: from its last output of a turn (the
# completion marker, "done") to the next paste arriving ("paste") and to that text being
# submitted ("submit", after the Enter delay). A second, shorter run times the helper per hook
# through a wrapper set as @dispatch-bin (kept out of the latency run: its bash start-up would
# count). Prints a markdown section. Environment: TD_BUILD, TD_BENCH_CYCLES (50).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
cycles=${TD_BENCH_CYCLES:-50}
top=$(mktemp -d "${TMPDIR:-/tmp}/td-latency.XXXXXX")
export XDG_STATE_HOME=$top/xdg-state # trust records of the states made here
cleanup() {
	local d
	for d in "$top"/*/; do TMUX_TMPDIR="$d" tmux kill-server 2>/dev/null || true; done
	rm -rf "$top"
}
trap cleanup EXIT
unset TMUX TMUX_DISPATCH_ENTER_DELAY TMUX_DISPATCH_SILENCE TMUX_DISPATCH_STATE

# run DIR N HELPER: N items through the hooks on a server of its own; leaves DIR/ev.
run() {
	local dir=$1 n=$2 helper=$3 deadline finished
	mkdir -p "$dir"
	export TMUX_TMPDIR="$dir" TMUX_DISPATCH_STATE="$dir/state.json"
	tmux -f /dev/null new-session -d -s bench -n main -x 120 -y 40 -c "$dir"
	tmux new-window -d -t bench: -n agent -c "$dir" \
	    "exec $(printf '%q ' "$build/agents/fakeagent" --log "$dir/log" --events "$dir/ev" --busy 0.3)"
	for _ in $(seq 100); do grep -q ' ready$' "$dir/ev" 2>/dev/null && break; sleep 0.05; done
	tmux set-option -g @dispatch-silence 1
	tmux set-option -g @dispatch-state-file "$TMUX_DISPATCH_STATE"
	tmux set-option -g @dispatch-bin "$helper"
	tmux run-shell "$repo/dispatch.tmux"
	"$build/tmux-dispatch" terminal add agent bench:agent --profile claude >/dev/null
	"$build/tmux-dispatch" pause >/dev/null
	for i in $(seq "$n"); do
		"$build/tmux-dispatch" enqueue --to agent -- "item $i" >/dev/null
	done
	"$build/tmux-dispatch" resume >/dev/null # delivers item 1; the hooks do the rest
	deadline=$((SECONDS + n * 4 + 30))
	while [ $SECONDS -lt $deadline ]; do
		finished=$(grep -sc ' done$' "$dir/ev" || true)
		[ "${finished:-0}" -lt "$n" ] || break
		sleep 0.5
	done
	tmux kill-server
}

# The latency run, with the plugin's own helper.
run "$top/lat" "$cycles" "$build/tmux-dispatch"
# Pair each "done" with the next "paste" and "submit": milliseconds.
awk '
	$2 == "done" { done = $1 }
	$2 == "paste" && done { paste = ($1 - done) * 1000 }
	$2 == "submit" && done { print paste, ($1 - done) * 1000; done = 0 }
' "$top/lat/ev" >"$top/lat.ms"

# The timing run: wall and CPU of every helper run started by a hook.
mkdir -p "$top/hook"
cat >"$top/hook/timed" <<WRAP
#!/usr/bin/env bash
TIMEFORMAT='%R %U %S'
if [ "\$1" = hook ]; then
	{ time "$build/tmux-dispatch" "\$@" 2>/dev/null; } 2>>"$top/hook.s"
else
	exec "$build/tmux-dispatch" "\$@"
fi
WRAP
chmod +x "$top/hook/timed"
run "$top/hook" 10 "$top/hook/timed"

pct() { # FILE COLUMN P SCALE: the P-th percentile (nearest rank) of a column, times SCALE
	sort -n -k"$2" "$1" | awk -v c="$2" -v p="$3" -v s="$4" '{ v[NR] = $c }
		END { if (NR == 0) { print "n/a"; exit } i = int((p * NR + 99) / 100); if (i < 1) i = 1
		printf "%.3f", v[i] * s }'
}
n=$(wc -l <"$top/lat.ms")
awk '{ print $1 * 1000, ($2 + $3) * 1000 }' "$top/hook.s" >"$top/hook.ms"

echo "### Idle to dispatch through the silence hook"
echo
echo "A fake agent (0.3 s a turn) in its own window of a detached session, the plugin loaded with"
echo "\`@dispatch-silence 1\`, $cycles items queued; only tmux's \`alert-silence\` hook calls the"
echo "helper. From the agent's last output of a turn to the next command's paste arriving, and"
echo "to its submission (the paste plus the 200 ms Enter delay). Goal: p50 ≤ 1.02 s, p99 ≤ 1.05 s"
echo "(peers poll every 0.5–10 s and wait 30–60 s of quiet)."
echo
echo "| cycles | to paste p50 | to paste p99 | to submit p50 | to submit p99 |"
echo "|---:|---:|---:|---:|---:|"
echo "| $n | $(pct "$top/lat.ms" 1 50 0.001) s | $(pct "$top/lat.ms" 1 99 0.001) s |" \
	"$(pct "$top/lat.ms" 2 50 0.001) s | $(pct "$top/lat.ms" 2 99 0.001) s |"
echo
echo "The helper per hook run ($(wc -l <"$top/hook.ms") runs over 10 cycles): wall p50" \
	"$(pct "$top/hook.ms" 1 50 1) ms, of which a delivering run waits 200 ms before Enter and" \
	"150 ms before reading the screen back; CPU (user + system, with the tmux clients it" \
	"starts) p50 $(pct "$top/hook.ms" 2 50 1) ms."
# The first item goes out on resume, so n cycles give n - 1 done-to-paste pairs.
[ "$n" -ge $((cycles - 1)) ] || { echo "bench-latency: only $n of $((cycles - 1)) cycles" >&2; exit 1; }
