# Shared setup for the tests that push work into fake agents on a real tmux server. A test file
# starts with
#     bats_require_minimum_version 1.5.0
#     bats_load_library bats-support
#     bats_load_library bats-assert
#     load ../lib/common
#     load ../lib/tmux
# and calls tmux_setup from setup() and tmux_teardown from teardown().
#
# Every test gets a private tmux server: TMUX_TMPDIR is the test's own temp dir and TMUX is
# unset, so the helper (which runs plain `tmux`) and these functions reach that server and no
# other. Teardown kills that server only. Waits poll with a bound (wait_for); nothing sleeps for
# a fixed long time and nothing asserts on how long something took.

FAKEAGENT="${TD_BUILD:-$BATS_TEST_DIRNAME/../../bin}/agents/fakeagent"
NBSP=$'\xc2\xa0'

tmux_setup() {
	common_setup
	[ -x "$FAKEAGENT" ] || fail "no fake agent at $FAKEAGENT (run make test)"
	export TMUX_TMPDIR="$BATS_TEST_TMPDIR"
	unset TMUX TMUX_PANE TMUX_DISPATCH_TMUX TMUX_DISPATCH_ENTER_DELAY TMUX_DISPATCH_SILENCE
	unset TMUX_DISPATCH_BADGE_FORMAT TMUX_DISPATCH_TIMEOUT
	A="$BATS_TEST_TMPDIR/agents" # per agent: NAME.log (hex submissions), NAME.ev (events)
	mkdir -p "$A"
	EV="$W/.terminal-status.d/events.jsonl"
	TMUX_SERVER_PID=
}

tmux_teardown() {
	# Only this test's server: its socket lives in this test's TMUX_TMPDIR.
	if [ -n "${TMUX_SERVER_PID:-}" ]; then
		TMUX_TMPDIR="$BATS_TEST_TMPDIR" tmux kill-server 2>/dev/null || true
	fi
}

# The server is started by the first window: session "t", 120x40, cwd the work directory, and
# panes stay (dead) when their program exits, so a test can see how it ended.
tmux_window() { # NAME COMMAND
	if [ -z "$TMUX_SERVER_PID" ]; then
		tmux -f /dev/null new-session -d -s t -n "$1" -x 120 -y 40 -c "$W" "$2"
		tmux set-option -g remain-on-exit on
		TMUX_SERVER_PID=$(tmux display -p '#{pid}')
	else
		tmux new-window -d -t t: -n "$1" -c "$W" "$2"
	fi
}

# start_agent NAME [fakeagent options...]: a fake agent in window t:NAME, logging to $A/NAME.log,
# events to $A/NAME.ev; returns once it has drawn its first idle prompt. Not registered.
start_agent() {
	local name=$1 cmd
	shift
	cmd=$(printf '%q ' "$FAKEAGENT" --log "$A/$name.log" --events "$A/$name.ev" "$@")
	tmux_window "$name" "exec $cmd"
	wait_for grep -q ' ready$' "$A/$name.ev"
}

# agent NAME [--profile P] [fakeagent options...]: start_agent, then register it as terminal
# NAME on its %pane id (profile claude, or codex with --style codex, unless --profile is given).
agent() {
	local name=$1 profile=claude
	shift
	if [ "${1:-}" = --profile ]; then
		profile=$2
		shift 2
	fi
	[[ " $* " == *" --style codex "* ]] && [ "$profile" = claude ] && profile=codex
	start_agent "$name" "$@"
	td terminal add "$name" "$(pane_of "$name")" --profile "$profile" >/dev/null
}

pane_of() { tmux display -p -t "t:$1" '#{pane_id}'; }

# tmux_wrapper SNIPPET PATTERN: a tmux wrapper for TMUX_DISPATCH_TMUX that runs the shell
# SNIPPET when one of the helper's tmux argv elements matches the case PATTERN, then the real
# tmux. Lets a test change the pane at an exact step of a delivery. The paste's and the first
# Enter's clients are started early and held back on their stdin (a call starting with
# `load-buffer -`): for those the SNIPPET runs when their stdin is given (perl's select, which
# reads nothing), at the step itself: the paste after the state write, the Enter after the delay.
tmux_wrapper() {
	local path="$BATS_TEST_TMPDIR/tmux-wrapper"
	{
		echo '#!/usr/bin/env bash'
		# shellcheck disable=SC2016 # perl's $r, not ours
		echo 'fed() { perl -e '"'"'vec($r, 0, 1) = 1; select($r, undef, undef, undef)'"'"'; }'
		# shellcheck disable=SC2016 # the wrapper's own "$@" and $a, not ours
		printf 'for a in "$@"; do case $a in %s) [ "$1" != load-buffer ] || fed; %s; break ;; esac; done\n' "$2" "$1"
		echo 'exec tmux "$@"'
	} >"$path"
	chmod +x "$path"
	echo "$path"
}

# wait_for CMD...: polls CMD every 50 ms until it succeeds, for at most TD_WAIT seconds (10).
# On a timeout it prints what it waited for and every agent's screen and events.
wait_for() {
	local i n=$((${TD_WAIT:-10} * 20))
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	dump_agents >&2
	return 1
}

dump_agents() {
	local w
	for w in $(tmux list-windows -t t -F '#{window_name}' 2>/dev/null); do
		echo "--- screen of t:$w"
		tmux capture-pane -p -t "t:$w" 2>/dev/null | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
		echo "--- events of $w"
		cat "$A/$w.ev" 2>/dev/null
	done
	echo "--- events.jsonl"
	cat "$EV" 2>/dev/null
	echo "--- state"
	cat "$S" 2>/dev/null
}

screen() { tmux capture-pane -p -t "t:$1"; }
screen_has() { screen "$1" | grep -qF -- "$2"; }
wait_screen() { wait_for screen_has "$1" "$2"; }
# The Claude-style input line shows TEXT (after the NBSP); empty TEXT: the input is empty.
input_is() { screen "$1" | grep -qx -- "❯${NBSP}$2"; }
# The agent shows its idle prompt with an empty input and is not working.
agent_idle() {
	local s
	s=$(screen "$1")
	grep -qx -- "❯${NBSP}" <<<"$s" && grep -qF "? for shortcuts" <<<"$s" &&
		! grep -qF "esc to interrupt" <<<"$s"
}

# Submissions an agent took (lines of its hex log), and one of them decoded to a file.
taken() { if [ -f "$A/$1.log" ]; then grep -c '' "$A/$1.log"; else echo 0; fi; }
taken_ge() { [ "$(taken "$1")" -ge "$2" ]; }
taken_hex() { sed -n "${2}p" "$A/$1.log"; }
taken_file() { # NAME N FILE
	perl -ne 'BEGIN { $n = shift } if ($. == $n) { chomp; print pack("H*", $_) }' "$2" \
	    "$A/$1.log" >"$3"
}
hex_of() { perl -0777 -ne 'print unpack("H*", $_)' "$@"; }
hex_str() { printf '%s' "$1" | hex_of -; }
# How many events of a kind the fake agent logged (paste, enter-dropped, submit, take, done...).
agent_events() { if [ -f "$A/$1.ev" ]; then grep -c " $2\( \|$\)" "$A/$1.ev"; else echo 0; fi; }

# assert_took NAME TEXT...: the agent took exactly these submissions, in order, byte for byte.
assert_took() {
	local name=$1 i=1 got want
	shift
	[ "$(taken "$name")" -eq $# ] ||
		fail "$name took $(taken "$name") submissions, expected $#: $(cat "$A/$name.log" 2>/dev/null)"
	for want in "$@"; do
		got=$(taken_hex "$name" "$i")
		[ "$got" = "$(hex_str "$want")" ] ||
			fail "$name submission $i: got hex $got, expected $(hex_str "$want")"
		i=$((i + 1))
	done
}

# Item fields from the state file: item_field ID FIELD (queue or completedToday; null if unset).
# shellcheck disable=SC2016 # a Perl expression: perl expands it, not the shell
item_field() {
	jsonx "$S" 'my ($i) = grep { $_->{id} eq $ARGV[0] } @{$d->{queue}}, @{$d->{completedToday}};
		die "no item $ARGV[0]\n" unless $i; $i->{$ARGV[1]}' "$1" "$2"
}
# jsonx FILE EXPR ARGS...: like common.bash's json, with ARGS in @ARGV for EXPR.
jsonx() {
	perl -MJSON::PP -e '
		binmode STDOUT, ":encoding(UTF-8)";
		my ($file, $expr) = splice @ARGV, 0, 2;
		local $/;
		open my $fh, "<", $file or die "$file: $!\n";
		my $d = JSON::PP->new->decode(<$fh>);
		my $enc = JSON::PP->new->canonical->allow_nonref;
		my @r = eval $expr;
		die $@ if $@;
		print((ref $_ && !JSON::PP::is_bool($_) ? $enc->encode($_) : !defined $_ ? "null" :
		    JSON::PP::is_bool($_) ? ($_ ? "true" : "false") : $_), "\n") for @r;
	' "$@"
}
assert_item() { # ID FIELD VALUE
	local got
	got=$(item_field "$1" "$2") || fail "no item $1"
	[ "$got" = "$3" ] || fail "item $1: $2 is '$got', expected '$3'"
}
# shellcheck disable=SC2016 # a Perl expression: perl expands it, not the shell
in_completed() {
	jsonx "$S" 'scalar grep { $_->{id} eq $ARGV[0] } @{$d->{completedToday}}' "$1"
}

# events ITEM: the events.jsonl event names for ITEM, space-separated, in order. Every line must
# have exactly the fields time, terminal, pane, item, event, reason.
events() {
	perl -MJSON::PP -ne '
		BEGIN { $id = shift }
		my $e = JSON::PP->new->decode($_);
		my $keys = join ",", sort keys %$e;
		die "bad event line: $_" unless $keys eq "event,item,pane,reason,terminal,time" &&
		    $e->{time} =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
		push @e, $e->{event} if defined $e->{item} && $e->{item} eq $id;
		END { print join(" ", @e), "\n" }' "$1" "$EV"
}
# event_field ITEM EVENT FIELD: FIELD of the first EVENT line of ITEM.
event_field() {
	perl -MJSON::PP -ne '
		BEGIN { ($id, $ev, $f) = splice @ARGV, 0, 3 }
		my $e = JSON::PP->new->decode($_);
		if (defined $e->{item} && $e->{item} eq $id && $e->{event} eq $ev) {
			print defined $e->{$f} ? $e->{$f} : "null", "\n"; exit }' "$1" "$2" "$3" "$EV"
}

# Everything a delivery could leave behind in tmux, one item a line: options at every scope,
# buffers, sessions, windows, panes, environment and hooks.
tmux_snapshot() {
	local w p
	echo "## sessions"
	tmux list-sessions -F '#{session_id} #{session_name} #{session_windows}'
	echo "## windows"
	tmux list-windows -a -F '#{window_id} #{session_name}:#{window_index} #{window_name} #{window_panes}'
	echo "## panes"
	tmux list-panes -a -F '#{pane_id} #{pane_pid} #{pane_dead} #{pane_in_mode}'
	echo "## buffers"
	tmux list-buffers -F '#{buffer_name} #{buffer_size}'
	echo "## server options"
	tmux show-options -s
	echo "## global session options"
	tmux show-options -g
	echo "## global window options"
	tmux show-options -gw
	echo "## session options"
	tmux show-options -t t
	for w in $(tmux list-windows -a -F '#{window_id}'); do
		echo "## window $w"
		tmux show-options -w -t "$w"
	done
	for p in $(tmux list-panes -a -F '#{pane_id}'); do
		echo "## pane $p"
		tmux show-options -p -t "$p"
	done
	echo "## environment"
	tmux show-environment -g | grep -v '^TMUX_DISPATCH_'
	tmux show-environment -t t
	echo "## hooks"
	tmux show-hooks -g
}

# The files under the test's temp dir (names only; agents' logs and the helper's own files are
# expected to change, so callers filter).
files_snapshot() {
	(cd "$BATS_TEST_TMPDIR" && find . -path './tmux-*' -prune -o -print | LC_ALL=C sort)
}
