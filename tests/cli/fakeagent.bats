#!/usr/bin/env bats
# The fake agent (tests/agents/fakeagent.c) in a real tmux pane: the screens it draws, and that
# every submission reaches its log exactly once with the exact bytes.

bats_load_library bats-support
bats_load_library bats-assert

NBSP=$'\xc2\xa0'

setup() {
	export TMUX_TMPDIR=$BATS_TEST_TMPDIR
	unset TMUX
	FAKEAGENT=${TD_BUILD:-$BATS_TEST_DIRNAME/../../bin}/agents/fakeagent
	[ -x "$FAKEAGENT" ] || fail "fakeagent not built: $FAKEAGENT (run make test)"
	LOG=$BATS_TEST_TMPDIR/log
	EV=$BATS_TEST_TMPDIR/events
}

teardown() {
	TMUX_TMPDIR=$BATS_TEST_TMPDIR tmux kill-server 2>/dev/null || true
}

# start_agent [fakeagent options...]: a private server with the agent in pane t, ready to type into.
start_agent() {
	local cmd
	cmd=$(printf '%q ' "$FAKEAGENT" --log "$LOG" --events "$EV" "$@")
	tmux -f /dev/null new-session -d -s t -x 120 -y 40 "$cmd"
	tmux set-option -g remain-on-exit on
	wait_for grep -q ' ready$' "$EV"
}

# wait_for CMD...: poll CMD until it succeeds, for at most 10 s.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	echo "--- screen:" >&2
	screen >&2 || true
	echo "--- events:" >&2
	cat "$EV" >&2 || true
	return 1
}

screen() { tmux capture-pane -p -t t; }
screen_has() { screen | grep -qF -- "$1"; }
screen_lacks() { ! screen | grep -qF -- "$1"; }
wait_screen() { wait_for screen_has "$1"; }
log_count() { if [ -f "$LOG" ]; then wc -l <"$LOG" | tr -d ' '; else echo 0; fi; }
log_has_n() { [ "$(log_count)" -ge "$1" ]; }

# log_entry N: submission N (1-based) decoded from hex to its exact bytes, into the file $2.
log_entry() {
	local hex
	hex=$(sed -n "${1}p" "$LOG")
	printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" >"$2"
}

# paste TEXT: the recommended delivery, load-buffer from stdin and a bracketed paste keeping LF.
paste() {
	printf '%s' "$1" | tmux load-buffer -b x -
	tmux paste-buffer -p -r -d -b x -t t
}

@test "claude idle screen: header, input line with NBSP between two rules, shortcuts footer" {
	start_agent
	run screen
	assert_output --partial "Claude Code"
	assert_output --partial "? for shortcuts"
	assert_line "❯${NBSP}"
	assert_line "$(printf '─%.0s' $(seq 120))"
	refute_output --partial "esc to interrupt"
	[ "$(tmux display -p -t t '#{alternate_on}')" = 0 ]
}

@test "typed text shows after NBSP and the footer goes blank" {
	start_agent
	tmux send-keys -t t -l 'hello there'
	wait_screen "❯${NBSP}hello there"
	run screen
	refute_output --partial "? for shortcuts"
	tmux send-keys -t t BSpace BSpace
	wait_screen "❯${NBSP}hello the"
	screen_lacks "hello there"
	[ "$(log_count)" = 0 ]
}

@test "a pasted multi-line text is one submission with exact bytes" {
	start_agent --busy 0.3
	printf 'a\nb' | tmux load-buffer -b x -
	tmux paste-buffer -p -r -d -b x -t t
	sleep 0.2
	tmux send-keys -t t Enter
	wait_for log_has_n 1
	wait_screen "Worked for"
	[ "$(log_count)" = 1 ]
	log_entry 1 "$BATS_TEST_TMPDIR/got"
	printf 'a\nb' >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	run screen
	assert_line "❯ a"
	assert_line "  b"
}

@test "awkward bytes survive: CR, tab, quotes, semicolons, UTF-8, a 12 KB paste" {
	start_agent --busy 0
	local text
	text=$(printf 'x;\r\ty "q" '\''s'\'' $HOME ünï ✓\n%.0s' $(seq 400))
	text+=end
	paste "$text"
	sleep 0.2
	tmux send-keys -t t Enter
	wait_for log_has_n 1
	log_entry 1 "$BATS_TEST_TMPDIR/got"
	printf '%s' "$text" >"$BATS_TEST_TMPDIR/want"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/want")" -gt 10000 ]
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	wait_screen "? for shortcuts"
}

@test "busy: esc to interrupt footer and spinner, then the completion marker and idle again" {
	start_agent --busy 1.5
	tmux send-keys -t t -l 'do some work'
	tmux send-keys -t t Enter
	wait_screen "esc to interrupt"
	run screen
	assert_output --partial "Working…"
	assert_line "❯ do some work"
	refute_output --partial "? for shortcuts"
	assert_line "❯${NBSP}"
	wait_screen "✻ Worked for"
	wait_screen "? for shortcuts"
	screen_lacks "esc to interrupt"
	run screen
	assert_output --partial "● fake output line 1"
	[ "$(log_count)" = 1 ]
}

@test "a submission while busy is queued, shown, and taken after the turn" {
	start_agent --busy 1
	tmux send-keys -t t -l 'first'
	tmux send-keys -t t Enter
	wait_screen "esc to interrupt"
	tmux send-keys -t t -l 'second'
	wait_screen "❯${NBSP}second"
	tmux send-keys -t t Enter
	wait_for grep -q '^[0-9.]* submit-busy ' "$EV"
	wait_for log_has_n 2
	log_entry 2 "$BATS_TEST_TMPDIR/got"
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = second ]
	wait_for eval '[ "$(grep -c " done$" "$EV")" = 2 ]'
	[ "$(log_count)" = 2 ]
}

@test "permission keyword asks; 1 approves and work continues, n refuses" {
	start_agent --busy 0.5
	paste 'please PERMISSION now'
	sleep 0.2
	tmux send-keys -t t Enter
	wait_screen "Do you want to proceed?"
	run screen
	assert_line " Bash command"
	assert_line " ❯ 1. Yes"
	assert_line "   2. No"
	assert_output --partial "Esc to cancel · Tab to amend"
	refute_output --partial "? for shortcuts"
	refute_output --partial "❯${NBSP}"
	# a paste into the dialog is not an answer and does not reach the input
	paste 'y'
	wait_for grep -q ' paste 1 discarded$' "$EV"
	screen_has "Do you want to proceed?"
	tmux send-keys -t t 1
	wait_screen "✻ Worked for"
	screen_lacks "Do you want to proceed?"

	tmux send-keys -t t -l 'again PERMISSION'
	tmux send-keys -t t Enter
	wait_screen "Do you want to proceed?"
	tmux send-keys -t t n
	wait_screen "Interrupted · What should Claude do instead?"
	wait_screen "? for shortcuts"
	[ "$(log_count)" = 2 ]
	[ "$(grep -c 'perm-yes' "$EV")" = 1 ]
	[ "$(grep -c 'perm-no' "$EV")" = 1 ]
}

@test "--enter-grace drops an Enter that follows the paste at once, a later one submits" {
	start_agent --enter-grace 400 --busy 0
	printf 'graced' | tmux load-buffer -b x -
	tmux paste-buffer -p -d -b x -t t \; send-keys -t t Enter
	wait_for grep -q ' enter-dropped ' "$EV"
	[ "$(log_count)" = 0 ]
	screen_has "❯${NBSP}graced"
	sleep 0.5
	tmux send-keys -t t Enter
	wait_for log_has_n 1
	log_entry 1 "$BATS_TEST_TMPDIR/got"
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = graced ]
}

@test "without --enter-grace an Enter right after the paste submits" {
	start_agent --busy 0
	printf 'at once' | tmux load-buffer -b x -
	tmux paste-buffer -p -d -b x -t t \; send-keys -t t Enter
	wait_for log_has_n 1
	log_entry 1 "$BATS_TEST_TMPDIR/got"
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = 'at once' ]
}

@test "--startup-delay: a paste before bracketed paste is on arrives as separate lines" {
	local cmd
	cmd=$(printf '%q ' "$FAKEAGENT" --log "$LOG" --events "$EV" --startup-delay 2 --busy 0)
	tmux -f /dev/null new-session -d -s t -x 120 -y 40 "$cmd"
	wait_for test -s "$EV"
	paste $'one\ntwo'
	run screen
	refute_output --partial "Claude Code"
	wait_for grep -q ' ready$' "$EV"
	wait_for log_has_n 1
	log_entry 1 "$BATS_TEST_TMPDIR/got"
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = one ]
	wait_screen "❯${NBSP}two"
}

@test "Esc while busy interrupts; Ctrl-C clears typed text" {
	start_agent --busy 30
	tmux send-keys -t t -l 'long job'
	tmux send-keys -t t Enter
	wait_screen "esc to interrupt"
	tmux send-keys -t t Escape
	wait_screen "Interrupted"
	wait_screen "? for shortcuts"
	tmux send-keys -t t -l 'scratch'
	wait_screen "❯${NBSP}scratch"
	tmux send-keys -t t C-c
	wait_screen "? for shortcuts"
	screen_lacks "❯${NBSP}scratch"
	[ "$(log_count)" = 1 ]
}

@test "/exit says goodbye and exits 0" {
	start_agent
	tmux send-keys -t t -l '/exit'
	tmux send-keys -t t Enter
	wait_for eval '[ "$(tmux display -p -t t "#{pane_dead}")" = 1 ]'
	[ "$(tmux display -p -t t '#{pane_dead_status}')" = 0 ] ||
		[ -z "$(tmux display -p -t t '#{pane_dead_status}')" ]
	screen_has "claude --resume"
	[ "$(log_count)" = 1 ]
}

@test "SIGTERM restores the terminal and exits" {
	start_agent
	local pid
	pid=$(sed -n 's/.* start pid=\([0-9]*\)$/\1/p' "$EV")
	[ -n "$pid" ]
	kill -TERM "$pid"
	wait_for eval '[ "$(tmux display -p -t t "#{pane_dead}")" = 1 ]'
}

@test "redraws to the new size on SIGWINCH" {
	start_agent
	tmux resize-window -t t -x 80 -y 30
	wait_for eval 'screen | grep -qx "$(printf "─%.0s" $(seq 80))"'
}

@test "codex style: placeholder, typed, busy, done, permission, on the alternate screen" {
	start_agent --style codex --busy 1
	run screen
	assert_line "› Ask Codex to do anything"
	assert_output --partial "? for shortcuts"
	[ "$(tmux display -p -t t '#{alternate_on}')" = 1 ]
	tmux send-keys -t t -l 'hello codex'
	wait_screen "› hello codex"
	screen_lacks "Ask Codex to do anything"
	tmux send-keys -t t Enter
	wait_screen "esc to interrupt)"
	run screen
	assert_output --regexp "[•◦] Working \([0-9]+s • esc to interrupt\)"
	assert_line "› Ask Codex to do anything"
	wait_screen "Worked for"
	screen_lacks "esc to interrupt"
	tmux send-keys -t t -l 'PERMISSION please'
	tmux send-keys -t t Enter
	wait_screen "Would you like to run the following command?"
	run screen
	assert_line "› 1. Yes, proceed (y)"
	assert_output --partial "Press enter to confirm or esc to cancel"
	tmux send-keys -t t Escape
	wait_screen "■ Conversation interrupted"
	wait_screen "› Ask Codex to do anything"
	[ "$(log_count)" = 2 ]
	log_entry 1 "$BATS_TEST_TMPDIR/got"
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = 'hello codex' ]
}

@test "rejects a missing --log and unknown options" {
	run "$FAKEAGENT"
	assert_failure 2
	assert_output --partial -- "--log FILE is required"
	run "$FAKEAGENT" --log "$LOG" --bogus
	assert_failure 2
	run "$FAKEAGENT" --log "$LOG" --busy -1
	assert_failure 2
}
