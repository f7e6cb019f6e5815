#!/usr/bin/env bats
# Which pane an item goes to, and is judged by: one item at a time per pane, and a running item
# is read from the pane it was typed into, whatever pane its terminal's target names now.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

@test "two terminals naming one pane: one check types one item into it, the other waits" {
	start_agent gen-1 --busy 1
	td terminal add by-window t:gen-1 --profile claude >/dev/null
	td terminal add by-pane "$(pane_of gen-1)" --profile claude >/dev/null
	td pause >/dev/null
	td enqueue --to by-window -- 'first' >/dev/null
	td enqueue --to by-pane -- 'second' >/dev/null
	run td check
	assert_success
	assert_output --partial "waits: pane $(pane_of gen-1) is running q-1"
	wait_for taken_ge gen-1 1
	assert_took gen-1 'first'
	assert_item q-2 status pending
	# once the first is done, the second goes into the same pane
	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
	run td check
	assert_success
	wait_for taken_ge gen-1 2
	assert_took gen-1 'first' 'second'
}

@test "a running item is judged by its own pane, not by the pane the window target names now" {
	start_agent w --busy 3
	local agent_pane
	agent_pane=$(pane_of w)
	td terminal add c t:w --profile claude >/dev/null
	run td dispatch c -- 'long job'
	assert_success
	wait_screen w "esc to interrupt" # (t:w is still the agent's pane here)
	# A shell pane in the same window becomes the active one.
	tmux split-window -d -t "$agent_pane" "exec bash --norc --noprofile"
	tmux select-pane -t t:w.1
	[ "$(tmux display -p -t t:w '#{pane_id}')" != "$agent_pane" ]
	td enqueue --to c -- 'next job' >/dev/null
	run td check c
	assert_success
	assert_output --regexp "^c: working on q-1: busy"
	assert_item q-1 status running
	assert_item q-2 status pending
	# Finished in its own pane: done; the next item does not go to the shell the target names.
	wait_for grep -q ' done$' "$A/w.ev"
	wait_for eval 'tmux capture-pane -p -t "$agent_pane" | grep -q "✻ Worked for"'
	run td check c
	assert_success
	assert_line "c: done q-1"
	assert_output --partial "q-2 waits: target t:w now names"
	assert_item q-2 status pending
	assert_took w 'long job'
}
