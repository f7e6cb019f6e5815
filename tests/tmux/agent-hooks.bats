#!/usr/bin/env bats
# `hook agent EVENT` (issue 14): what an agent's own hooks run. It prints nothing, always exits
# 0, does nothing for a pane that is no terminal, and at the end of a turn checks the queue at
# once, so the next item arrives without the silence hook's wait; a permission question marks
# the window waiting; the agent's session id goes into the session file.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

# The plugin loaded with a silence interval no test waits for: whatever arrives sooner came
# from an agent's hook.
plugin_no_silence() {
	tmux set-option -g @dispatch-bin "$TD"
	tmux set-option -g @dispatch-silence 3600
	tmux run-shell "$(printf '%q' "$BATS_TEST_DIRNAME/../../dispatch.tmux") >/dev/null 2>&1"
	wait_for tmux show -gv @dispatch_helper
}

# hook EVENT [STDIN]: the hook as an agent in pane $PANE runs it.
hook() {
	printf '%s' "${2:-}" | TMUX="$TMUX_SOCK" TMUX_PANE="$PANE" "$TD" hook agent "$1"
}

window_label() { tmux show -wqv -t "t:$1" @dispatch_window; }
label_is() { [ "$(window_label "$1")" = "$2" ]; }

@test "hook agent: outside tmux, or with no pane, nothing happens and nothing is printed" {
	agent gen-1 --busy 0.3
	td enqueue --to gen-1 -- 'first' >/dev/null
	before=$(fingerprint "$S")
	run -0 --separate-stderr env -u TMUX -u TMUX_PANE "$TD" hook agent stop <<<'{"session_id":"x"}'
	assert_output ''
	[ -z "$stderr" ]
	run -0 --separate-stderr env TMUX=/nonexistent TMUX_PANE= "$TD" hook agent stop </dev/null
	assert_output ''
	[ -z "$stderr" ]
	run -0 --separate-stderr env TMUX=/nonexistent TMUX_PANE='%1;x' "$TD" hook agent stop </dev/null
	assert_output ''
	[ "$(fingerprint "$S")" = "$before" ]
}

@test "hook agent: a pane that is no terminal changes nothing, whatever the event says" {
	agent gen-1 --busy 0.3
	tmux_window shell 'exec sleep 600'
	TMUX_SOCK=$(tmux display -p '#{socket_path},#{pid},0')
	PANE=$(pane_of shell)
	td enqueue --to gen-1 -- 'first' >/dev/null
	wait_for taken_ge gen-1 1
	wait_for agent_idle gen-1
	before=$(fingerprint "$S")
	run -0 --separate-stderr hook stop '{"session_id":"abc","hook_event_name":"Stop"}'
	assert_output ''
	[ -z "$stderr" ]
	run -0 --separate-stderr hook notification '{"notification_type":"permission_prompt"}'
	assert_output ''
	run -0 --separate-stderr hook no-such-event ''
	assert_output ''
	sleep 0.7 # longer than a hook's looks at a pane
	[ "$(fingerprint "$S")" = "$before" ]
	assert_item q-1 status running
}

@test "hook agent stop on a terminal's pane: the finished item is done and the next is sent, garbage on stdin or not" {
	agent gen-1 --busy 0.3
	TMUX_SOCK=$(tmux display -p '#{socket_path},#{pid},0')
	PANE=$(pane_of gen-1)
	td enqueue --to gen-1 -- 'first' >/dev/null
	td enqueue --to gen-1 -- 'second' >/dev/null
	td enqueue --to gen-1 -- 'third' >/dev/null
	wait_for taken_ge gen-1 1
	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
	# No silence hook and no other check: only this hook can finish q-1 and send q-2.
	run -0 --separate-stderr hook stop $'\x00\x1b[31mnot json at all{{{'
	assert_output ''
	[ -z "$stderr" ]
	wait_for taken_ge gen-1 2
	assert_item q-1 status done
	assert_item q-2 status running
	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
	run -0 --separate-stderr hook stop ''
	assert_output ''
	wait_for taken_ge gen-1 3
	assert_item q-2 status done
	assert_took gen-1 'first' 'second' 'third'
}

@test "end to end: the fake agent's own Stop hook pushes each next item, with silence at an hour" {
	start_agent gen-1 --busy 0.3 --hook "$TD hook agent stop"
	plugin_no_silence
	td terminal add gen-1 "$(pane_of gen-1)" --profile claude >/dev/null
	for i in 1 2 3 4; do td enqueue --to gen-1 -- "job $i" >/dev/null; done
	[ "$(tmux show -wv -t t:gen-1 monitor-silence)" = 3600 ]
	wait_for taken_ge gen-1 4
	wait_for in_completed q-3
	assert_took gen-1 'job 1' 'job 2' 'job 3' 'job 4'
	# Each turn ran the hook, which returned at once and printed nothing.
	[ "$(agent_events gen-1 hook-done)" -ge 3 ]
	[ "$(agent_events gen-1 hook-output)" = 0 ]
	# And a turn with nothing queued after it runs the hook to no effect.
	wait_for in_completed q-4
}

@test "hook agent notification: a permission question marks the window waiting at once" {
	start_agent gen-1 --busy 0.3 --hook-notify "$TD hook agent notification"
	plugin_no_silence
	td terminal add gen-1 "$(pane_of gen-1)" --profile claude >/dev/null
	td enqueue --to gen-1 -- 'run it PERMISSION' >/dev/null
	wait_for taken_ge gen-1 1
	wait_for grep -q ' hook-done Notification$' "$A/gen-1.ev"
	wait_for label_is gen-1 waiting
	grep -q '"terminal":"gen-1",.*"event":"waiting"' "$EV"
}

@test "hook agent: the agent's session id is recorded in the terminal's session file" {
	agent gen-1 --busy 0.3
	TMUX_SOCK=$(tmux display -p '#{socket_path},#{pid},0')
	PANE=$(pane_of gen-1)
	mkdir -p "$W/.terminal-status.d/sessions"
	printf '{\n  "name": "gen-1",\n  "profile": "claude",\n  "sessionId": null,\n  "cwd": "%s"\n}\n' \
	    "$W" >"$W/.terminal-status.d/sessions/gen-1.json"
	run -0 --separate-stderr hook session-start '{"session_id":"5f0c-11aa-b2","hook_event_name":"SessionStart"}'
	assert_output ''
	wait_for grep -q '"sessionId": "5f0c-11aa-b2"' "$W/.terminal-status.d/sessions/gen-1.json"
	run json "$W/.terminal-status.d/sessions/gen-1.json" '$d->{cwd}'
	assert_output "$W"
	# An id that could be an option or hold a shell's characters is not recorded.
	run -0 hook stop '{"session_id":"--evil;rm"}'
	sleep 0.3
	grep -q '"sessionId": "5f0c-11aa-b2"' "$W/.terminal-status.d/sessions/gen-1.json"
}
