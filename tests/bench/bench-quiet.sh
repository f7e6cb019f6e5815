#!/usr/bin/env bash
# What a quiet fleet costs (issue 15): 10 fake agents, each in its own window, each waiting on a
# permission question with its item running, watched for TD_BENCH_QUIET_SECONDS (60) three ways
# in turn on one private tmux server: the plugin's silence hooks (the helper backs a waiting
# window off, doubling its monitor-silence up to 30 s), the seed's pull loop (once a second
# per pane: capture-pane | tail -1 | grep) and the same loop every 5 s. Counts the CPU of what
# each way starts (the helper runs with their tmux clients; the loop's tmux, tail, grep and
# sleep) and, apart, the tmux server's. Prints a markdown section.
#
# Environment: TD_BUILD (build dir), TD_BENCH_QUIET_SECONDS (60), TD_BENCH_QUIET_AGENTS (10).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
td=$build/tmux-dispatch
fake=$build/agents/fakeagent
secs=${TD_BENCH_QUIET_SECONDS:-60}
agents=${TD_BENCH_QUIET_AGENTS:-10}
# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
require_built bench-quiet "$td" "$fake"

dir=$(scratch_dir td-bquiet)
export XDG_STATE_HOME=$dir/xdg-state TMUX_TMPDIR=$dir
unset TMUX TMUX_PANE TMUX_DISPATCH_TMUX TMUX_DISPATCH_STATE TMUX_DISPATCH_SILENCE
cleanup() {
	tmux kill-server 2>/dev/null || true # the private server of $TMUX_TMPDIR only
	rm -rf "$dir"
}
trap cleanup EXIT
state=$dir/proj/.terminal-status.json
mkdir -p "$dir/proj"

# Every helper run the hooks start, with its CPU (its own and its tmux clients', from the
# shell's `times`: children's user and system time).
cat >"$dir/helper" <<EOF
#!/usr/bin/env bash
$(printf '%q' "$td") "\$@"
# times in this shell (in a pipe it would be a subshell's); its second line is the children's
times >$(printf '%q' "$dir/times").\$\$
tail -1 $(printf '%q' "$dir/times").\$\$ >>$(printf '%q' "$dir/runs")
rm -f $(printf '%q' "$dir/times").\$\$
EOF
printf '#!/bin/sh\nexit 0\n' >"$dir/noop"
chmod +x "$dir/helper" "$dir/noop"

tmux -f /dev/null new-session -d -s quiet -x 120 -y 40 -c "$dir/proj"
tmux set-option -g @dispatch-bin "$dir/helper"
tmux set-option -g @dispatch-state-file "$state"
tmux run-shell "$(printf '%q' "$repo/dispatch.tmux") >/dev/null 2>&1"
server=$(tmux display -p '#{pid}')
panes=()
for ((i = 1; i <= agents; i++)); do
	p=$(tmux new-window -P -F '#{pane_id}' -t quiet: -n "a$i" -c "$dir/proj" \
	    "exec $(printf '%q ' "$fake" --log "$dir/a$i.log" --events "$dir/a$i.ev" --busy 0.5)")
	panes+=("$p")
	"$td" -f "$state" terminal add "a$i" "$p" --profile claude >/dev/null
done
wait_ev() { # FILE WORD: up to 20 s
	local n
	for ((n = 0; n < 400; n++)); do
		grep -q " $2\$" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench-quiet: $1 never said $2" >&2
	exit 1
}
for ((i = 1; i <= agents; i++)); do
	wait_ev "$dir/a$i.ev" ready
done
for ((i = 1; i <= agents; i++)); do
	"$td" -f "$state" enqueue --to "a$i" -- "task $i: run the migration, PERMISSION first" >/dev/null
done
for ((i = 1; i <= agents; i++)); do
	wait_ev "$dir/a$i.ev" perm
done

# CPU seconds of the tmux server so far (utime + stime).
server_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"
}
# "XmY.ZZZs" -> seconds
secs_of() { awk -v t="$1" 'BEGIN { split(t, a, "m"); sub("s", "", a[2]); printf "%.3f", a[1] * 60 + a[2] }'; }
rows=()
row() { # NAME RUNS CPU_S SERVER_S
	rows+=("| $1 | $2 | $(awk -v c="$3" -v s="$secs" 'BEGIN { printf "%.0f", c * 1000 * 60 / s }') |\
 $(awk -v c="$4" -v s="$secs" 'BEGIN { printf "%.0f", c * 1000 * 60 / s }') |")
}

# 1. The plugin's hooks, from the moment all ten wait.
printf 'bench-quiet: hooks, %d s\n' "$secs" >&2
: >"$dir/runs"
s0=$(server_cpu)
sleep "$secs"
s1=$(server_cpu)
tmux set-option -g @dispatch_helper "$dir/noop"
runs=$(grep -c '' "$dir/runs")
cpu=$(awk '{ split($1, u, "m"); split($2, y, "m"); sub("s", "", u[2]); sub("s", "", y[2]);
    c += u[1] * 60 + u[2] + y[1] * 60 + y[2] } END { printf "%.3f", c }' "$dir/runs")
silences=$(tmux list-windows -a -F '#{monitor-silence}' | sort -n | uniq -c | awk '{ printf "%s%s x %s s", (NR > 1 ? ", " : ""), $1, $2 }')
row "plugin hooks (back-off to 30 s)" "$runs" "$cpu" "$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')"
sleep 1

# 2 and 3. The pull loop, every 1 s and every 5 s.
pull() { # PERIOD: prints the loop's children CPU seconds and its number of captures
	local period=$1 end=$((SECONDS + secs)) n=0 p
	while [ "$SECONDS" -lt "$end" ]; do
		for p in "${panes[@]}"; do
			tmux capture-pane -p -t "$p" | tail -1 | grep -q 'Do you want' || true
			n=$((n + 1))
		done
		sleep "$period"
	done
	local t
	times >"$dir/times.pull"
	t=$(tail -1 "$dir/times.pull")
	echo "$(secs_of "${t%% *}") $(secs_of "${t##* }") $n"
}
for period in 1 5; do
	printf 'bench-quiet: pull loop every %d s, %d s\n' "$period" "$secs" >&2
	s0=$(server_cpu)
	read -r u y n < <(pull "$period")
	s1=$(server_cpu)
	row "seed's pull loop, every $period s per pane" "$n captures" \
	    "$(awk -v u="$u" -v y="$y" 'BEGIN { print u + y }')" "$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')"
done

cat <<EOF
### A quiet fleet: $agents agents waiting on a question

Goal (issue 15): an agent that waits on a person costs next to nothing. $agents fake agents, each
in its own window, each showing a permission question with its item running, watched for
$secs s (a short run; the ramp of the back-off is part of it) three ways one after the other
on one tmux server. CPU per minute of what each way starts (the helper with its tmux clients;
the loop's \`tmux capture-pane\`, \`tail\`, \`grep\` and \`sleep\`), and of the tmux server.
Back-off values at the end: $silences.

| watcher | helper runs / captures | CPU of what it starts (ms per minute) | tmux server CPU (ms per minute) |
|---|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")
EOF
