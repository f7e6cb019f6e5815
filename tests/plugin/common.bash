# Shared setup for the plugin tests: a real tmux server on a private socket, the plugin loaded
# the way TPM loads it, an optional nested client, and the fake agent.
# shellcheck shell=bash disable=SC2034

bats_load_library bats-support
bats_load_library bats-assert

PLUGIN="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
BIN="${TD_BUILD:-$PLUGIN/bin}"
HELPER="$BIN/tmux-dispatch"
FAKEAGENT="$BIN/agents/fakeagent"

# Under `make asan` a sanitizer report must not pass for an ordinary exit status.
export ASAN_OPTIONS="exitcode=99:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="exitcode=98:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# Every test gets its own servers: the sockets live under BATS_TEST_TMPDIR.
common_setup() {
	[ -x "$HELPER" ] || fail "no helper binary at $HELPER (run make)"
	export TMUX_TMPDIR="$BATS_TEST_TMPDIR"
	# Trust records (trust.h) go to the test's own store, never the user's.
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg-state"
	unset TMUX TMUX_PANE
	# Run from a shell inside a tmux that has the plugin: none of its settings may leak in.
	unset TMUX_DISPATCH_STATE TMUX_DISPATCH_PROFILES TMUX_DISPATCH_BADGE_FORMAT \
	    TMUX_DISPATCH_SILENCE TMUX_DISPATCH_ENTER_DELAY TMUX_DISPATCH_PLUGIN_DIR \
	    TMUX_DISPATCH_TMUX TMUX_DISPATCH_TIMEOUT TMUX_DISPATCH_LOCK_TIMEOUT
	PROJ="$BATS_TEST_TMPDIR/proj"
	STATE="$PROJ/.terminal-status.json"
	mkdir -p "$PROJ"
	OUTER=""
	tmux -f /dev/null new-session -d -s main -x 160 -y 45 -c "$PROJ"
	# The helper under test (TD_BUILD selects e.g. the sanitizer build), in every test that
	# does not test the plugin's own build.
	tmux set-option -g @dispatch-bin "$HELPER"
	tmux set-option -g @dispatch-state-file "$STATE"
}

common_teardown() {
	[ -z "$OUTER" ] || tmux -L "$OUTER" kill-server 2>/dev/null
	tmux kill-server 2>/dev/null
	return 0
}

# The helper against the test's state file.
td() {
	"$HELPER" -f "$STATE" "$@"
}

# Loads the plugin as TPM does: dispatch.tmux executed from run-shell, output discarded.
load_plugin() {
	local dir=${1:-$PLUGIN}
	tmux run-shell "$(printf '%q' "$dir/dispatch.tmux") >/dev/null 2>&1"
}

# wait_for TIMEOUT_SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; gives up
# at once when COMMAND returns 255.
wait_for() {
	local timeout=$1 end rc
	shift
	end=$(($(date +%s%N) + timeout * 1000000000))
	while :; do
		rc=0
		"$@" || rc=$?
		[ "$rc" -eq 0 ] && return 0
		if [ "$rc" -eq 255 ]; then
			echo "gave up waiting for: $*" >&2
			return 1
		fi
		if [ "$(date +%s%N)" -gt "$end" ]; then
			echo "timed out after ${timeout}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# An outer tmux on its own socket whose only pane is a client attached to the test server:
# menus, popups and the status line need a client. Keys go in with `outer_keys`, the screen
# comes back with `outer_screen`.
attach_client() {
	local target=${1:-main}
	OUTER=outer
	tmux -L "$OUTER" -f /dev/null new-session -d -s outer -x 160 -y 45 \
	    "env -u TMUX tmux attach -t $target"
	wait_for 10 client_attached
	sleep 0.3
}

client_attached() {
	[ -n "$(tmux list-clients -F '#{client_name}' 2>/dev/null)" ]
}

outer_keys() {
	tmux -L "$OUTER" send-keys -t outer "$@"
}

# Types TEXT byte for byte into the client (a paste without brackets: the inner tmux takes it
# as keystrokes), avoiding send-keys' own argv rules (a trailing ';' would end the command).
outer_type() {
	printf '%s' "$1" | tmux -L "$OUTER" load-buffer -b typed -
	tmux -L "$OUTER" paste-buffer -d -b typed -t outer
}

# The last 6 characters of TEXT (all of a shorter TEXT): enough to see that it was typed.
tail_of() {
	if [ "${#1}" -gt 6 ]; then
		printf '%s' "${1: -6}"
	else
		printf '%s' "$1"
	fi
}

outer_screen() {
	tmux -L "$OUTER" capture-pane -p -t outer
}

outer_shows() {
	outer_screen | grep -qF -- "$1"
}

outer_lacks() {
	! outer_screen | grep -qF -- "$1"
}

# prefix + D (the default key) in the client, then wait for the menu.
open_menu() {
	outer_keys C-b D
	wait_for 5 outer_shows "Queue-check now"
}

# A fake agent in a new window of session main (made the current window); sets AGENT_PANE,
# AGENT_WINDOW, AGENT_LOG (submissions, hex, one per line) and AGENT_EVENTS.
start_agent() {
	[ -x "$FAKEAGENT" ] || fail "no fake agent at $FAKEAGENT (run make test, or make $FAKEAGENT)"
	local name=${1:-agent}
	shift || true
	AGENT_LOG="$BATS_TEST_TMPDIR/$name.log"
	AGENT_EVENTS="$BATS_TEST_TMPDIR/$name.events"
	local ready="$BATS_TEST_TMPDIR/$name.ready"
	AGENT_PANE=$(tmux new-window -P -F '#{pane_id}' -t main: -n "$name" -c "$PROJ" \
	    "$(printf '%q ' "$FAKEAGENT" --log "$AGENT_LOG" --events "$AGENT_EVENTS" --ready-file "$ready" "$@")")
	AGENT_WINDOW=$(tmux display-message -p -t "$AGENT_PANE" '#{window_id}')
	# AGENT_NOWAIT=1: return before it has drawn its prompt (e.g. with --startup-delay).
	[ -n "${AGENT_NOWAIT:-}" ] || wait_for 15 test -e "$ready"
}

hex() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# The submissions the agent took, one hex line each.
agent_log() {
	cat "$AGENT_LOG" 2>/dev/null
}

agent_took() {
	[ "$(wc -l <"$AGENT_LOG" 2>/dev/null || echo 0)" -ge "$1" ]
}

# The agent finished at least N turns (it is idle again after the N-th).
agent_done() {
	[ "$(grep -c ' done$' "$AGENT_EVENTS" 2>/dev/null)" -ge "$1" ]
}

# Milliseconds (wall clock) of the agent's N-th event named WHAT (take, done, ready, ...).
agent_event_ms() {
	awk -v what="$1" -v n="$2" '$2 == what && ++seen == n { split($1, t, "."); print t[1] t[2]; exit }' \
	    "$AGENT_EVENTS"
}

# No pane of the test server is in a mode (run-shell output would have put one in view mode).
assert_no_pane_in_mode() {
	run tmux list-panes -a -F '#{pane_id} #{pane_in_mode} #{pane_mode}'
	assert_success
	refute_output --regexp ' [1-9][0-9]* '
}

# item_field ID FIELD: FIELD of item ID in `tmux-dispatch ls --json`, bytes as stored
# (perl's core JSON::PP; perl is there for prove anyway).
item_field() {
	td ls --json | perl -MJSON::PP -e '
		my ($id, $field) = @ARGV; local $/; my $json = <STDIN>;
		for my $item (@{ JSON::PP->new->decode($json)->{items} }) {
			print $item->{$field} // "" if $item->{id} eq $id;
		}' "$1" "$2"
}

# items_where FIELD VALUE: the ids of the items whose FIELD is VALUE, one per line.
items_where() {
	td ls --json | perl -MJSON::PP -e '
		my ($field, $value) = @ARGV; local $/; my $json = <STDIN>;
		for my $item (@{ JSON::PP->new->decode($json)->{items} }) {
			print "$item->{id}\n" if ($item->{$field} // "") eq $value;
		}' "$1" "$2"
}

item_is() {
	[ "$(item_field "$1" status)" = "$2" ]
}

has_items_for() {
	[ -n "$(items_where assignedTo "$1")" ]
}

# `terminal ls --json` contains TEXT.
terminals_show() {
	td terminal ls --json 2>/dev/null | grep -qF -- "$1"
}

# @dispatch_message (the plugin's last report) contains TEXT, or does not.
message_has() {
	[[ "$(tmux show-option -gqv @dispatch_message)" == *"$1"* ]]
}

message_lacks() {
	! message_has "$1"
}
