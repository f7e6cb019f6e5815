#!/usr/bin/env bats
# The pick of a real check (issue 11): an idle terminal takes the item on the longest critical
# path first, and between equals the one in the phase of the item it finished last.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

@test "a check takes the longest chain first, not the oldest item" {
	agent gen-1 --busy 1
	td pause
	td import - >/dev/null <<-'EOF'
	[{"id": "old", "command": "old and alone", "estimate": "2h"},
	 {"id": "head", "command": "head of a chain", "estimate": "1h"},
	 {"id": "tail", "command": "after the head", "estimate": "2h", "dependsOn": ["head"]}]
	EOF
	run td check
	assert_success
	assert_line "gen-1: sent head ($(pane_of gen-1))"
	assert_item old status pending
	assert_took gen-1 'head of a chain'
}

@test "between equals, a check keeps a terminal in the phase of its previous item" {
	agent gen-1 --busy 1
	td pause
	td import - >/dev/null <<-'EOF'
	[{"id": "a-1", "command": "first of phase a", "estimate": "1h", "phase": "a", "priority": 1},
	 {"id": "b-1", "command": "phase b, older", "estimate": "1h", "phase": "b"},
	 {"id": "a-2", "command": "phase a, newer", "estimate": "1h", "phase": "a"}]
	EOF
	run td check
	assert_line "gen-1: sent a-1 ($(pane_of gen-1))"
	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
	run td check
	assert_success
	assert_line "gen-1: done a-1"
	# b-1 is older, but gen-1 just finished an item of phase a
	assert_line "gen-1: sent a-2 ($(pane_of gen-1))"
	assert_item b-1 status pending
	assert_took gen-1 'first of phase a' 'phase a, newer'
}
