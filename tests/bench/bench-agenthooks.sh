#!/usr/bin/env bash
# Idle-to-dispatch with the real agents (issue 14): the agents' own turn-end hooks (agent-hooks
# install) against the silence hook alone, side by side in one run. The real Claude Code and
# Gemini CLI run against the offline mock of ../shared/realagents, each in its own window of a
# private tmux server with the plugin loaded (@dispatch-silence 1, the fallback in both runs);
# TD_BENCH_TURNS items (30) are queued per agent and run. Two latencies per turn:
#   - to the model: from the mock answering turn k (its log's request time; replies are not
#     streamed, so they are sent at once) to the prompt of turn k+1 reaching the mock;
#   - to the paste: from the agent's last screen output of turn k (pipe-pane, timestamped)
#     to the first output that echoes turn k+1's text (the pasted text drawn).
# Also counted: items not done, or delivered twice. Codex is not benched here: the kit rewrites
# its config.toml on every launch, so its notify cannot stay installed (verified by hand).
# Runs only when REALAGENTS_HOME names an install (npm/ there) and the kit is found
# (TD_REALAGENTS_KIT, default ../shared/realagents beside the repository); else it says so.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${TD_BUILD:-$repo/bin}" && pwd)
kit=${TD_REALAGENTS_KIT:-$repo/../shared/realagents}
turns=${TD_BENCH_TURNS:-30}
agents=${TD_BENCH_AGENTS:-claude gemini}

echo "### Idle to dispatch with the real agents: their own hooks and the silence hook"
echo
if [ -z "${REALAGENTS_HOME:-}" ] || [ ! -d "$REALAGENTS_HOME/npm/node_modules" ] ||
    [ ! -x "$kit/agent.sh" ]; then
	echo "Not run: set REALAGENTS_HOME to an install of ../shared/realagents (npm/ there) and"
	echo "TD_REALAGENTS_KIT to the kit if it is not at ../shared/realagents."
	exit 0
fi

top=$(mktemp -d "${TMPDIR:-/tmp}/td-agenthooks.XXXXXX")
mock_pid=
cleanup() {
	local d
	for d in "$top"/run-*/; do
		[ ! -d "$d" ] || TMUX_TMPDIR="$d" tmux kill-server 2>/dev/null || true
	done
	# As agent.sh stop does: SIGTERM, then SIGKILL if the mock is still there.
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null || true
		for _ in $(seq 20); do kill -0 "$mock_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$mock_pid" 2>/dev/null || true
	fi
	[ -n "${TD_BENCH_KEEP:-}" ] || rm -rf "$top"
}
trap cleanup EXIT
unset TMUX TMUX_PANE TMUX_DISPATCH_ENTER_DELAY TMUX_DISPATCH_SILENCE
export XDG_STATE_HOME=$top/xdg-state
RH=$REALAGENTS_HOME
proj=$RH/work/proj
mkdir -p "$proj" "$RH/logs"

# One mock for every run; its log has a line per request with its time "t".
python3 "$kit/mockapi.py" --port 0 >"$top/mock.out" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do grep -q listening "$top/mock.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$top/mock.out" | head -n 1)
# The mock's own pid, as it prints it: python3 may be a wrapper (pyenv's shim) around it.
mock_pid=$(sed -n 's/.*(pid \([0-9]*\),.*/\1/p' "$top/mock.out" | head -n 1)
[ -n "$port" ] || { echo "bench-agenthooks: the mock did not start" >&2; exit 1; }
mocklog=$RH/logs/mock-$port.jsonl
export PORT=$port
# What the agent's pane prints, one line per read: the time, then the bytes in hex.
cat >"$top/stamp" <<'PERL'
use Time::HiRes qw(time);
$| = 1;
binmode STDIN;
while (sysread(STDIN, my $buf, 65536)) { printf "%.4f %s\n", time, unpack("H*", $buf) }
PERL

# hooks AGENT on|off: tmux-dispatch's entries in the agent's user settings (its kit HOME).
hooks() {
	local home=$RH/home/$1
	mkdir -p "$home/.$1"
	if [ "$1" = gemini ] && [ ! -f "$home/.gemini/settings.json" ]; then
		cp "$kit/templates/gemini-settings.json" "$home/.gemini/settings.json"
	fi
	if [ "$2" = on ]; then
		HOME=$home GEMINI_CLI_HOME='' CLAUDE_CONFIG_DIR='' "$build/tmux-dispatch" agent-hooks install "$1" >/dev/null
	else
		HOME=$home GEMINI_CLI_HOME='' CLAUDE_CONFIG_DIR='' "$build/tmux-dispatch" agent-hooks rm "$1" >/dev/null
	fi
}

# run AGENT MODE: TURNS items through one agent; leaves DIR/out (pipe-pane) and DIR/state.
run() {
	local agent=$1 mode=$2 dir=$top/run-$1-$2 i deadline done_n
	mkdir -p "$dir"
	export TMUX_TMPDIR=$dir TMUX_DISPATCH_STATE=$dir/state.json RA_TMUX=tmux
	hooks "$agent" "$([ "$mode" = hooks ] && echo on || echo off)"
	tmux -f /dev/null new-session -d -s b -n main -x 120 -y 40 -c "$proj" "bash --norc --noprofile"
	tmux set-option -g focus-events on
	tmux new-window -d -t b: -n agent -c "$proj" "bash --norc --noprofile"
	tmux set-option -g @dispatch-silence 1
	tmux set-option -g @dispatch-state-file "$TMUX_DISPATCH_STATE"
	tmux set-option -g @dispatch-bin "$build/tmux-dispatch"
	tmux run-shell "$repo/dispatch.tmux"
	"$kit/agent.sh" start "$agent" b:agent >"$dir/start.out" 2>&1 || {
		cat "$dir/start.out" >&2
		return 1
	}
	# The agent's HOME is its kit home and agent.sh clears XDG_STATE_HOME: its hooks look the
	# state's trust up there.
	"$build/tmux-dispatch" terminal add a b:agent --profile "$agent" >/dev/null
	HOME=$RH/home/$agent env -u XDG_STATE_HOME "$build/tmux-dispatch" trust >/dev/null
	"$build/tmux-dispatch" trust >/dev/null
	tmux pipe-pane -t b:agent -o "exec perl $top/stamp >>$dir/out"
	"$build/tmux-dispatch" pause >/dev/null
	for i in $(seq "$turns"); do
		"$build/tmux-dispatch" enqueue --to a -- "reply: ok zq${agent:0:2}${mode:0:1}${i}zq" >/dev/null
	done
	"$build/tmux-dispatch" resume >/dev/null
	deadline=$((SECONDS + turns * 5 + 30))
	while [ $SECONDS -lt $deadline ]; do
		done_n=$("$build/tmux-dispatch" ls --json | perl -MJSON::PP -e '
			my $d = decode_json(join "", <STDIN>); print scalar grep { $_->{status} eq "done" } @{$d->{items}}')
		[ "$done_n" -lt "$turns" ] || break
		sleep 0.5
	done
	sleep 1
	tmux kill-server
	hooks "$agent" off
}

# stats AGENT MODE: "n p50 p99" of both latencies and the count of bad items, in seconds.
stats() {
	local agent=$1 mode=$2 dir=$top/run-$1-$2
	perl -MJSON::PP -e '
		my ($log, $out, $mode, $turns, $state) = @ARGV;
		my (%req, %n);
		open my $f, "<", $log or die;
		while (<$f>) {
			my $e = eval { decode_json($_) } or next;
			next unless ($e->{ntools} // 0) > 0 && defined $e->{prompt};
			next unless $e->{prompt} =~ /^reply: ok zq\Q$mode\E(\d+)zq$/;
			$n{$1}++;
			$req{$1} //= $e->{t};
		}
		my @chunks;
		open my $o, "<", $out or die;
		while (<$o>) { my ($t, $h) = split; push @chunks, [$t, pack("H*", $h)] }
		my (@model, @paste);
		for my $k (1 .. $turns - 1) {
			push @model, $req{$k + 1} - $req{$k} if defined $req{$k} && defined $req{$k + 1};
			my $mark = "zq$mode" . ($k + 1) . "zq";
			for my $i (1 .. $#chunks) {
				next unless index($chunks[$i][1], $mark) >= 0;
				push @paste, $chunks[$i][0] - $chunks[$i - 1][0];
				last;
			}
		}
		sub pct { my ($p, @v) = @_; @v = sort { $a <=> $b } @v; return "n/a" unless @v;
			my $i = int(($p * @v + 99) / 100); $i = 1 if $i < 1; sprintf "%.2f", $v[$i - 1] }
		my $twice = grep { $n{$_} > 1 } keys %n;
		my $s = decode_json(do { local $/; open my $x, "<", $state or die; <$x> });
		my $notdone = grep { $_->{status} ne "done" } @{$s->{queue}}, @{$s->{completedToday}};
		printf "%d %s %s %d %s %s %d %d\n", scalar @model, pct(50, @model), pct(99, @model),
		    scalar @paste, pct(50, @paste), pct(99, @paste), $notdone, $twice;
	' "$mocklog" "$dir/out" "${agent:0:2}${mode:0:1}" "$turns" "$dir/state.json"
}

declare -A res
for agent in $agents; do
	if [ ! -d "$RH/npm/node_modules/$([ "$agent" = claude ] && echo @anthropic-ai/claude-code || echo @google/gemini-cli)" ]; then
		res[$agent]=missing
		continue
	fi
	for mode in hooks silence; do
		echo "bench-agenthooks: $agent, $mode" >&2
		if run "$agent" "$mode"; then
			res[$agent-$mode]=$(stats "$agent" "$mode")
		else
			res[$agent-$mode]=failed
		fi
	done
done

echo "The real agents against the offline mock, one window each on a private tmux server, the"
echo "plugin loaded with \`@dispatch-silence 1\`; $turns items per agent and trigger. **hooks**:"
echo "\`agent-hooks install\` (the silence hook stays as the fallback); **silence**: the silence"
echo "hook alone. To the model: from the mock answering a turn to the next prompt reaching it"
echo "(this includes the 200 ms Enter delay and the agent's own submission). To the paste: from"
echo "the agent's last output of a turn to its drawing of the next pasted text. Goals with hooks:"
echo "to the paste p50 ≤ 0.10 s, p99 ≤ 0.5 s; to the model p50 ≤ 0.45 s; nothing delivered"
echo "into a busy or waiting agent (an item not done, or typed twice, would show as bad)."
echo
echo "| agent | trigger | turns | to the model p50 | p99 | to the paste p50 | p99 | bad items |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for agent in $agents; do
	if [ "${res[$agent]:-}" = missing ]; then
		echo "| $agent | — | not installed | | | | | |"
		continue
	fi
	for mode in hooks silence; do
		r=${res[$agent-$mode]}
		if [ "$r" = failed ]; then
			echo "| $agent | $mode | failed to start | | | | | |"
			continue
		fi
		read -r mn m50 m99 _ p50 p99 notdone twice <<<"$r"
		echo "| $agent | $mode | $mn | $m50 s | $m99 s | $p50 s | $p99 s | $((notdone + twice)) |"
	done
done
versions=
for pkg in @anthropic-ai/claude-code @google/gemini-cli; do
	v=$(perl -MJSON::PP -e 'local $/; print decode_json(<STDIN>)->{version}' \
	    <"$RH/npm/node_modules/$pkg/package.json" 2>/dev/null) || continue
	versions="$versions${versions:+, }$pkg $v"
done
echo
echo "Versions: ${versions:-unknown}."
