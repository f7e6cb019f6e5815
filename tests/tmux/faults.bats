#!/usr/bin/env bats
# Faults during delivery (issue 16), against fake agents on a private tmux server: the target
# pane or the whole server killed at exact steps of a delivery (tmux wrappers, see
# tests/lib/tmux.bash), the helper killed with SIGKILL at random moments over many deliveries,
# and a file system that is full or read-only and a lock that never frees. Each must end with
# every item pending, running on a live pane, or finished with a reason; never lost, never typed
# twice unless its attempts say so.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() {
	tmux_teardown
	if [ -n "${MNT:-}" ]; then umount "$MNT" 2>/dev/null || true; fi
}

# Buffers the helper made (tmux-dispatch-PID-N) that are still in the server.
our_buffers() { tmux list-buffers -F '#{buffer_name}' 2>/dev/null | grep '^tmux-dispatch-' || true; }

@test "the target pane killed between the state write and the paste: pending with a reason, no buffer left" {
	agent gen-1 --busy 0
	tmux_window keep 'exec sleep 600' # the server outlives the pane
	local pane
	pane=$(pane_of gen-1)
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-pane -t $pane" load-buffer) \
		run --separate-stderr td dispatch gen-1 -- 'into a pane that goes away'
	assert_success
	assert_output q-1
	assert_item q-1 status pending
	assert_item q-1 attempts 0
	assert_item q-1 pane null
	[ "$(events q-1)" = "dispatch deliver refused" ]
	[ -n "$(item_field q-1 deferred)" ]
	[ -z "$(our_buffers)" ] || fail "left a buffer: $(our_buffers)"
	run td check
	assert_success
	assert_output "gen-1: skipped: no pane for target $pane"
	assert_item q-1 status pending
}

@test "the target pane killed between the paste and the Enter: failed 'not submitted', not running" {
	agent gen-1 --busy 0
	tmux_window keep 'exec sleep 600'
	local pane
	pane=$(pane_of gen-1)
	td pause
	td enqueue --to gen-1 -- 'pasted, then the pane goes away' >/dev/null
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-pane -t $pane" '*send-keys*') \
		run --separate-stderr td check gen-1
	assert_success
	assert_output "gen-1: failed q-1: not submitted"
	# Before the fix the failed read-back counted as a submission: running on a pane gone.
	assert_item q-1 status failed
	assert_item q-1 reason "not submitted"
	[ "$(item_field q-1 deliveredAt)" = null ]
	run events q-1
	assert_output --partial "enter-blocked"
	assert_output --regexp "not-submitted$"
	refute_output --partial " submitted"
	[ -z "$(our_buffers)" ] || fail "left a buffer: $(our_buffers)"
}

@test "the tmux server killed in the middle of a check: the item stays pending, the check says why" {
	agent gen-1 --busy 0
	td pause
	td enqueue --to gen-1 -- 'waiting for a check' >/dev/null
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-server" '*capture-pane*') \
		run --separate-stderr td check
	assert_success
	assert_output --regexp '^gen-1: skipped: cannot read pane %[0-9]+: tmux failed: '
	json_valid "$S"
	assert_item q-1 status pending
	assert_item q-1 attempts 0
	# No server at all now: the next check says so, and the item still waits.
	run td check
	assert_success
	assert_output --partial "gen-1: skipped:"
	assert_item q-1 status pending
}

@test "the tmux server killed between the paste and the Enter: failed 'not submitted', with a reason" {
	agent gen-1 --busy 0
	td pause
	td enqueue --to gen-1 -- 'pasted, then no server' >/dev/null
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-server" '*send-keys*') \
		run --separate-stderr td check gen-1
	assert_success
	assert_output "gen-1: failed q-1: not submitted"
	json_valid "$S"
	assert_item q-1 status failed
	assert_item q-1 reason "not submitted"
	[ "$(event_field q-1 enter-blocked reason)" != null ]
}
