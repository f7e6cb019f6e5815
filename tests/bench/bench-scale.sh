#!/usr/bin/env bash
# Scale with the fleet (issue 15): with 5, 20 and 50 fake agents (each in its own window) and
# TD_BENCH_SCALE_ITEMS (500) queued items for anyone, the work flows through the plugin's
# silence hooks alone (after the one check of `resume` that starts it); counts the helper runs
# the hooks start and their CPU (each run's own and its tmux clients', from the wrapper
# shell's `times`), per delivered item and per hook. Prints a markdown section.
#
# Environment: TD_BUILD (build dir), TD_BENCH_SCALE_AGENTS ("5 20 50"), TD_BENCH_SCALE_ITEMS
# (500), TD_BENCH_SCALE_TIMEOUT (seconds per fleet, 600).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
td=$build/tmux-dispatch
fake=$build/agents/fakeagent
read -r -a fleets <<<"${TD_BENCH_SCALE_AGENTS:-5 20 50}"
items=${TD_BENCH_SCALE_ITEMS:-500}
limit=${TD_BENCH_SCALE_TIMEOUT:-600}
# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
require_built bench-scale "$td" "$fake"

dir=$(scratch_dir td-bscale)
export XDG_STATE_HOME=$dir/xdg-state
unset TMUX TMUX_PANE TMUX_DISPATCH_TMUX TMUX_DISPATCH_STATE TMUX_DISPATCH_SILENCE
# Each fleet has its own server (its own TMUX_TMPDIR): a new one right after kill-server can
# find the old socket still there.
cleanup() {
	local t
	for t in "$dir"/n*/tmux; do
		[ -d "$t" ] && { TMUX_TMPDIR=$t tmux kill-server 2>/dev/null || true; }
	done
	rm -rf "$dir"
}
trap cleanup EXIT

rows=()
for agents in "${fleets[@]}"; do
	run=$dir/n$agents
	mkdir -p "$run/proj" "$run/tmux"
	export TMUX_TMPDIR=$run/tmux
	state=$run/proj/.terminal-status.json
	# times in the wrapper shell itself (in a pipe it would be a subshell's): line 2 is the
	# helper's CPU with its children's.
	cat >"$run/helper" <<EOF
#!/usr/bin/env bash
$(printf '%q' "$td") "\$@"
times >$(printf '%q' "$run/t").\$\$
tail -1 $(printf '%q' "$run/t").\$\$ >>$(printf '%q' "$run/runs")
rm -f $(printf '%q' "$run/t").\$\$
EOF
	chmod +x "$run/helper"
	tmux -f /dev/null new-session -d -s scale -x 120 -y 40 -c "$run/proj"
	tmux set-option -g @dispatch-bin "$run/helper"
	tmux set-option -g @dispatch-state-file "$state"
	tmux set-option -g @dispatch-silence 1
	tmux run-shell "$(printf '%q' "$repo/dispatch.tmux") >/dev/null 2>&1"
	"$td" -f "$state" pause >/dev/null
	for ((i = 1; i <= agents; i++)); do
		p=$(tmux new-window -P -F '#{pane_id}' -t scale: -n "a$i" -c "$run/proj" \
		    "exec $(printf '%q ' "$fake" --log "$run/a$i.log" --events "$run/a$i.ev" --busy 0.2)")
		"$td" -f "$state" terminal add "a$i" "$p" --profile claude >/dev/null
	done
	for ((i = 1; i <= agents; i++)); do
		for ((n = 0; n < 400; n++)); do
			grep -q ' ready$' "$run/a$i.ev" 2>/dev/null && break
			sleep 0.05
		done
	done
	perl -e 'print "{\"tasks\": [", join(",", map { "{\"id\": \"t$_\", \"command\": \"task $_ of the batch\"}" } 1 .. $ARGV[0]), "]}\n"' \
	    "$items" >"$run/tasks.json"
	"$td" -f "$state" import "$run/tasks.json" >/dev/null
	: >"$run/runs"
	start=$SECONDS
	"$td" -f "$state" resume >/dev/null
	done_n=0
	while [ $((SECONDS - start)) -lt "$limit" ]; do
		done_n=$("$td" -f "$state" ls --status 'done' 2>/dev/null | grep -c '^t' || true)
		printf 'bench-scale: %d agents, %d/%d done, %d s\r' "$agents" "$done_n" "$items" $((SECONDS - start)) >&2
		[ "$done_n" -ge "$items" ] && break
		sleep 1
	done
	echo >&2
	wall=$((SECONDS - start))
	tmux set-option -g @dispatch_helper /bin/true
	sleep 0.5
	tmux kill-server 2>/dev/null || true
	hooks=$(grep -c '' "$run/runs")
	cpu=$(awk '{ split($1, u, "m"); split($2, y, "m"); sub("s", "", u[2]); sub("s", "", y[2]);
	    c += u[1] * 60 + u[2] + y[1] * 60 + y[2] } END { printf "%.3f", c }' "$run/runs")
	delivered=$(cat "$run"/a*.log 2>/dev/null | grep -c '' || true)
	rows+=("| $agents | $done_n of $items | $wall | $hooks | $(awk -v c="$cpu" 'BEGIN { printf "%.2f", c }') |\
 $(awk -v c="$cpu" -v n="$delivered" 'BEGIN { printf "%.1f", n ? c * 1000 / n : 0 }') |\
 $(awk -v c="$cpu" -v n="$hooks" 'BEGIN { printf "%.1f", n ? c * 1000 / n : 0 }') |")
done

cat <<EOF
### Scale with the fleet: $items items through the hooks

Goal (issue 15): a hook's work grows with the terminals that could take work now (its own
window's, and the idle ones whose work its completions made ready), not with every busy one.
Each fleet: that many fake agents (0.2 s turns), each in its own window, \`@dispatch-silence 1\`,
$items items for anyone imported while paused; \`resume\` starts the flow (one check), then the
silence hooks alone carry it. CPU is each hook's helper run with its tmux clients (the server's
is not counted).

| agents | done | wall (s) | hook runs | helper CPU (s) | CPU per delivered item (ms) | CPU per hook (ms) |
|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")
EOF
