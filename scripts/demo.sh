#!/usr/bin/env bash
# make demo: three fake agents on a private tmux server, driven only by the plugin's hooks.
# Queued items (some depending on others) flow into each agent as it goes quiet.
#   scripts/demo.sh [start|stop]
# On a terminal it attaches; otherwise (CI, scripts) it waits for the queue to drain and
# prints the final status.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="${TMPDIR:-/tmp}/tmux-dispatch-demo-$(id -u)"
td="$root/bin/tmux-dispatch"
agent="$root/bin/agents/fakeagent"

# The demo's own server (its socket under $dir): the helper, which finds its server the same
# way tmux does, talks to it and never to yours.
unset TMUX
export TMUX_TMPDIR="$dir/sock"
t() { tmux -f /dev/null "$@"; }

if [ "${1:-start}" = stop ]; then
	t kill-server 2>/dev/null || true
	exit 0
fi
t kill-server 2>/dev/null || true
rm -rf "$dir"
mkdir -p "$dir/sock"
trap 't kill-server 2>/dev/null || true' ERR
export TMUX_DISPATCH_STATE="$dir/.terminal-status.json"
# The demo's state is trusted (the helper creates it) in a trust store of its own, not yours.
export XDG_STATE_HOME="$dir/xdg-state"

# The first window: the queue, and the last lines of each agent's screen, refreshed every second.
tdq=$(printf %q "$td")
cat >"$dir/dashboard.sh" <<DASH
#!/usr/bin/env bash
while :; do
	out=\$($tdq status; echo; $tdq ls
		for i in 1 2 3; do
			printf '\\n── agent-%s ──\\n' "\$i"
			tmux capture-pane -p -t "demo:agent-\$i" 2>/dev/null | grep -v '^\$' | tail -n 5
		done)
	clear
	printf '%s\\n' "\$out"
	sleep 1
done
DASH
chmod +x "$dir/dashboard.sh"
status_loop=$(printf %q "$dir/dashboard.sh")
t new-session -d -s demo -n status -x 160 -y 45 -c "$dir" "$status_loop"
t set-option -g status-right ' #{dispatch_badge} '
t set-option -g @dispatch-silence 1
for i in 1 2 3; do
	t new-window -d -t demo: -n "agent-$i" -c "$dir" \
	    "$(printf '%q --log %q --busy %d' "$agent" "$dir/agent-$i.log" $((2 + i)))"
	"$td" terminal add "agent-$i" "demo:agent-$i" --profile claude >/dev/null
done
# As TPM would: the plugin sets the hooks, the key and the badge on this server.
t run-shell "$(printf %q "$root/dispatch.tmux")"
t set-environment -g TMUX_DISPATCH_STATE "$TMUX_DISPATCH_STATE"
sleep 1 # the agents draw their first prompt

q() { "$td" enqueue "$@"; }
design=$(q --to all-agents -- "design the parser API")
lexer=$(q --to all-agents -- "write the tokenizer")
parser=$(q --to all-agents --after "$design" -- "implement the parser")
q --to all-agents --after "$lexer" --after "$parser" -- "wire the tokenizer into the parser" >/dev/null
q --to agent-3 -- "update the README" >/dev/null
q --to all-agents --priority 5 -- "fix the failing CI job" >/dev/null
q --to all-agents -- $'review the error messages\nand list the unclear ones' >/dev/null
q --to agent-1 --after "$parser" -- "write parser tests" >/dev/null
q --to all-agents -- "profile the hot loop" >/dev/null

if [ -t 0 ] && [ -t 1 ]; then
	echo "demo: attaching; windows agent-1..3 show the agents, 'status' the queue."
	echo "demo: prefix + D opens the dispatch menu; detach with prefix d; 'make demo-stop' ends it."
	sleep 2
	exec tmux attach -t demo
fi
# No terminal: let the hooks work and report.
for _ in $(seq 120); do
	[ "$("$td" badge)" = "" ] && break
	sleep 1
done
"$td" status
"$td" ls
t kill-server
if [ -n "$("$td" badge)" ]; then
	echo "demo: the queue did not drain" >&2
	exit 1
fi
