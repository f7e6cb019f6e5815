#!/usr/bin/env bats
# One way to observe a terminal (issue 8): status, check, send and classify -t report the true
# cause when a terminal cannot be read, once; results beside a private state stay private.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

three_agents() {
	agent gen-1
	agent gen-2
	agent gen-3
	printf '{ "mine": {"input": ' >"$W/tmux-dispatch.profiles.json"
	# The user's own file, trusted as it is (trust.bats covers files that are not).
	td trust >/dev/null
}

@test "observe: a broken profiles.json is the WHY of status, not 'cannot read pane', said once" {
	three_agents
	run --separate-stderr td status
	assert_success
	[ -z "$stderr" ] || fail "status wrote to stderr: $stderr"
	[ "$(grep -c "tmux-dispatch.profiles.json:1:.*invalid JSON" <<<"$output")" -eq 3 ] ||
		fail "expected the cause on each terminal's row: $output"
	refute_output --partial "cannot read pane"
	run --separate-stderr td status --json
	assert_success
	[ "$(json - 'scalar grep { $_->{rule} =~ /profiles\.json:1:\d+: invalid JSON/ } @{$d->{terminals}}' <<<"$output")" = 3 ]
}

@test "observe: check and send name the broken profiles file, and nothing is typed" {
	three_agents
	td enqueue --to gen-1 -- 'job' >/dev/null
	run --separate-stderr td check gen-1
	assert_failure 3
	assert_output --regexp "^gen-1: skipped: .*profiles\.json:1:[0-9]+: invalid JSON"
	run --separate-stderr td send gen-2 -- hello
	assert_failure 3
	assert_one_error_line
	[[ "$stderr" == *"profiles.json:1:"*"invalid JSON"* ]]
	run --separate-stderr td classify -t gen-3
	assert_failure 3
	assert_one_error_line
	[ "$(taken gen-1)" = 0 ] && [ "$(taken gen-2)" = 0 ]
}

@test "observe: status of a terminal whose pane is gone says so" {
	agent gen-1
	tmux_window other 'sleep 100'
	tmux kill-window -t t:gen-1
	run td status
	assert_success
	assert_output --regexp "gen-1 .*no pane for target %"
}

@test "observe: results and the side directory of a 0600 state are 0600 and 0700" {
	agent gen-1 --busy 0
	td status >/dev/null
	chmod 600 "$S"
	run td dispatch gen-1 -- 'first job'
	assert_success
	wait_for agent_idle gen-1
	wait_screen gen-1 "✻ Worked for"
	run td check gen-1
	assert_success
	assert_line "gen-1: done q-1"
	local result
	result=$(item_field q-1 result)
	[ "$(stat -c %a "$result")" = 700 ]
	result=$result/screen.txt
	[ -s "$result" ]
	[ "$(stat -c %a "$result")" = 600 ]
	[ "$(stat -c %a "$W/.terminal-status.d/results")" = 700 ]
	[ "$(stat -c %a "$W/.terminal-status.d")" = 700 ]
	[ "$(stat -c %a "$EV")" = 600 ]
	[ ! -e "$result.tmp" ]
}

@test "observe: auto remembers its agent; after it exits, the shell prompt is that agent gone" {
	tmux_window gen-1 "env PS1='\$ ' bash --norc --noprofile -i"
	wait_for eval '[ "$(tmux display -p -t t:gen-1 "#{cursor_x}")" = 2 ]'
	local pane
	pane=$(pane_of gen-1)
	# At a bare shell prompt an auto terminal is a shell, and remembers nothing.
	td terminal add gen-1 "$pane" --profile auto >/dev/null
	run td classify -t gen-1
	assert_output --regexp '^idle shell:'
	[ "$(json "$S" '$d->{terminals}{"gen-1"}{agent} // "none"')" = none ]
	tmux send-keys -t t:gen-1 -l "$(printf '%q ' "$FAKEAGENT" --log "$A/gen-1.log" \
	    --events "$A/gen-1.ev" --busy 0)"
	tmux send-keys -t t:gen-1 Enter
	wait_for grep -q ' ready$' "$A/gen-1.ev"
	run td dispatch gen-1 -- /exit
	assert_success
	[ "$(json "$S" '$d->{terminals}{"gen-1"}{agent}')" = claude ]
	wait_for grep -q ' exit$' "$A/gen-1.ev"
	wait_for eval 'tmux capture-pane -p -t t:gen-1 | grep -qx "\\$ *"'
	# The shell prompt under the agent's last frame: claude exited, not an idle shell.
	run td check gen-1
	assert_line "gen-1: failed q-1: agent exited"
	run td classify -t gen-1
	assert_output --regexp '^exited claude:'
	td dispatch gen-1 -- 'echo should-not-run' >/dev/null
	assert_item q-2 status pending
	if screen_has gen-1 should-not-run; then fail "typed into the shell"; fi
	# Registered again as a shell, it is one.
	td terminal add gen-1 "$pane" --profile shell --replace >/dev/null
	[ "$(json "$S" '$d->{terminals}{"gen-1"}{agent} // "none"')" = none ]
	run td classify -t gen-1
	assert_output --regexp '^(idle|typed) shell:'
}
