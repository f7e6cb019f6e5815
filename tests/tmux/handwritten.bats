#!/usr/bin/env bats
# Items a planner wrote into the state file by hand go through the same checks as queued ones:
# a command that could inject keys is never typed, it fails with the reason.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

@test "a hand-written command with an ESC is never typed: it fails, and the next item goes out" {
	agent a1
	# The JSON escape \u001b, as a planner's tool would write an ESC.
	printf '%s' '{"terminals": {"a1": {"target": "PANE", "profile": "claude"}},
	    "queue": [{"id": "bad", "command": "x\u001b[201~y", "assignedTo": "a1"},
	              {"id": "good", "command": "plain text", "assignedTo": "a1"}]}' |
		sed "s/PANE/$(pane_of a1)/" >"$S"
	grep -qF 'x\u001b[201~y' "$S"
	run td check a1
	assert_success
	assert_output --partial "refused bad"
	wait_for taken_ge a1 1
	assert_took a1 "plain text"
	[ "$(json "$S" 'map { $_->{status} } grep { $_->{id} eq "bad" } @{$d->{completedToday}}')" = failed ]
	json "$S" 'map { $_->{reason} } grep { $_->{id} eq "bad" } @{$d->{completedToday}}' |
		grep -q "control character"
	grep -q '"item":"bad","event":"failed"' "$EV"
}
