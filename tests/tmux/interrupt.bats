#!/usr/bin/env bats
# After a timeout's interrupt (issue 13): an agent that gives the interrupted prompt back to its
# input, as Claude Code 2.1.197 does, has it cleared and takes its next item, with nothing but
# tmux's timer running the helper; an input holding anything else is left alone.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() {
	tmux_setup
	export TMUX_DISPATCH_STALL_SECONDS=60
}
teardown() { tmux_teardown; }

status_is() { [ "$(item_field "$1" status)" = "$2" ]; }
deferred_has() { [[ "$(item_field "$1" deferred)" == *"$2"* ]]; }

@test "interrupt: the prompt given back to the input is cleared and the next item goes out" {
	agent w1 --busy 3600 --restore-interrupted
	tmux set-option -g @dispatch_helper "$TD"
	run td enqueue --to w1 --id t1 --timeout 2s -- "work forever"
	assert_success
	wait_for taken_ge w1 1
	td enqueue --to w1 --id t2 -- "the next task" >/dev/null
	assert_item t2 status pending
	# No check from here on: the timer interrupts t1, and its re-check 2 s later clears.
	TD_WAIT=10 wait_for taken_ge w1 2
	assert_item t1 status failed
	assert_item t1 reason "timeout after 2s"
	assert_took w1 "work forever" "the next task"
	assert_equal "$(events t1)" "deliver submitted failed escalated cleared"
	assert_item t2 status running
	# Escape twice, each while the input held the prompt: none reached an empty input (there
	# Claude opens its rewind dialog).
	assert_equal "$(agent_events w1 interrupt)" 1
	assert_equal "$(agent_events w1 esc-empty)" 0
	# Once per interrupt: the record is spent.
	assert_equal "$(jsonx "$S" '$d->{terminals}{w1}{watch}{interrupted}')" null
}

@test "interrupt: a retried item's prompt is cleared before it is typed again" {
	agent w1 --busy 3600 --restore-interrupted
	tmux set-option -g @dispatch_helper "$TD"
	run td enqueue --to w1 --id r1 --timeout 2 --retries 1 -- "work forever"
	assert_success
	TD_WAIT=10 wait_for taken_ge w1 2
	assert_took w1 "work forever" "work forever"
	TD_WAIT=10 wait_for status_is r1 failed
	assert_equal "$(agent_events w1 esc-empty)" 0
}

@test "interrupt: an input holding other text than the prompt is left alone, nothing typed" {
	agent w1 --busy 3600 --restore-interrupted
	tmux set-option -g @dispatch_helper "$TD"
	run td enqueue --to w1 --id t1 --timeout 2s -- "work forever"
	assert_success
	TD_WAIT=10 wait_for status_is t1 failed
	wait_for input_is w1 "work forever"
	# A person adds to it: a draft of theirs now, though it starts with the prompt.
	tmux send-keys -t t:w1 -l " and more"
	wait_for input_is w1 "work forever and more"
	run td enqueue --to w1 --id t2 -- "the next task"
	assert_success
	assert_item t2 status pending
	deferred_has t2 "after t1's interrupt: the input holds other text than its prompt: left alone"
	assert_equal "$(jsonx "$S" '$d->{terminals}{w1}{watch}{interrupted}')" true
	sleep 3
	input_is w1 "work forever and more"
	assert_equal "$(taken w1)" 1
	assert_equal "$(agent_events w1 esc-empty)" 0
	[[ "$(events t1)" != *cleared* ]] || fail "cleared: $(events t1)"
	# Their draft reduced to the prompt again is the prompt: cleared at the next check.
	tmux send-keys -t t:w1 BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
	wait_for input_is w1 "work forever"
	td check >/dev/null
	wait_for taken_ge w1 2
	assert_took w1 "work forever" "the next task"
}

@test "interrupt: a profile without clear keys never clears; deferred says why" {
	agent w1 --busy 3600 --restore-interrupted
	tmux set-option -g @dispatch_helper "$TD"
	# The built-in claude profile without its "clear".
	td profiles show claude | perl -0pe 's/"clear":\s*\{[^}]*\},?//' >"$W/tmux-dispatch.profiles.json"
	td trust >/dev/null
	run td enqueue --to w1 --id t1 --timeout 2s -- "work forever"
	assert_success
	TD_WAIT=10 wait_for status_is t1 failed
	wait_for input_is w1 "work forever"
	run td enqueue --to w1 --id t2 -- "the next task"
	assert_success
	deferred_has t2 "after t1's interrupt: its profile has no clear keys"
	sleep 3
	input_is w1 "work forever"
	assert_equal "$(taken w1)" 1
}

@test "interrupt: a profile's clear takes key names only" {
	printf '%s' '{"mine": {"input": ["^> "], "clear": {"text": "x"}}}' >"$W/p.json"
	TMUX_DISPATCH_PROFILES=$W/p.json run --separate-stderr td profiles ls
	assert_failure 3
	assert_one_error_line
	[[ "$stderr" == *'profile "mine": clear: expected {"keys": [KEY...]}'* ]] || fail "$stderr"
	printf '%s' '{"mine": {"input": ["^> "], "clear": {"keys": ["Escape;"]}}}' >"$W/p.json"
	TMUX_DISPATCH_PROFILES=$W/p.json run --separate-stderr td profiles ls
	assert_failure 3
	printf '%s' '{"mine": {"input": ["^> "], "clear": {"keys": ["C-u"]}}}' >"$W/p.json"
	TMUX_DISPATCH_PROFILES=$W/p.json run td profiles ls
	assert_success
}
