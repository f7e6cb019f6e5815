#!/usr/bin/env bats
# Completion tracking (issue 4): a running item becomes done when its agent shows its completion
# marker and is idle again, and the same check delivers that terminal's next item; an agent that
# exits or a pane that goes away fails its item; the pane's last lines are kept as the result.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

@test "running -> done when the agent shows its marker; the next item follows in the same check" {
	agent gen-1 --busy 1
	run td dispatch gen-1 -- 'first job'
	assert_success
	run td enqueue --to gen-1 -- 'second job'
	assert_success
	assert_output q-2
	wait_screen gen-1 "esc to interrupt"
	# while it works, nothing is finished and nothing else is typed
	run td check gen-1
	assert_success
	assert_output --regexp '^gen-1: working on q-1: busy'
	assert_item q-1 status running
	assert_item q-2 status pending
	[ "$(agent_events gen-1 paste)" = 1 ]

	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
	run td check gen-1
	assert_success
	assert_line "gen-1: done q-1"
	assert_line "gen-1: sent q-2 ($(pane_of gen-1))"
	assert_item q-1 status done
	[ "$(in_completed q-1)" = 1 ]
	[ "$(item_field q-1 finishedAt)" != null ]
	assert_item q-2 status running
	[ "$(item_field q-2 deliveredAt)" != null ]
	assert_took gen-1 'first job' 'second job'
	run events q-1
	assert_output "dispatch deliver submitted done"
	[ "$(event_field q-1 done terminal)" = gen-1 ]

	# the result: the pane's last lines, in the folder whose path the item records
	local result
	result=$(item_field q-1 result)
	[ "$result" = "$W/.terminal-status.d/results/q-1" ]
	result=$result/screen.txt
	[ -s "$result" ]
	# (capture-pane -J keeps trailing spaces)
	grep -qE '^❯ first job *$' "$result"
	grep -q '✻ Worked for' "$result"
	grep -q '● fake output line 1' "$result"
	[ "$(grep -c '' "$result")" -le 200 ]

	wait_for agent_idle gen-1
	run td check gen-1
	assert_success
	assert_output $'gen-1: done q-2\ngen-1: nothing ready'
	[ -s "$W/.terminal-status.d/results/q-2/screen.txt" ]
	grep -qE '^❯ second job *$' "$W/.terminal-status.d/results/q-2/screen.txt"
}

@test "the result keeps the pane's last 200 lines" {
	tmux_window sh-1 "env PS1='\$ ' bash --norc --noprofile -i"
	wait_for eval '[ "$(tmux display -p -t t:sh-1 "#{cursor_x}")" = 2 ]'
	td terminal add sh-1 "$(pane_of sh-1)" --profile shell >/dev/null
	run td dispatch sh-1 -- 'seq 1 500'
	assert_success
	wait_for screen_has sh-1 500
	wait_for eval 'tmux capture-pane -p -t t:sh-1 | tail -n 1 | grep -qx "\\$ *"'
	run td check sh-1
	assert_success
	assert_line "sh-1: done q-1"
	local result
	result=$(item_field q-1 result)/screen.txt
	[ "$(grep -c '' "$result")" = 200 ]
	grep -qx 500 "$result"
	grep -qx 302 "$result"
	if grep -qx 301 "$result"; then fail "the result holds more than the last 200 lines"; fi
}

@test "the next item: own before group before anyone's, higher priority first, dependencies done" {
	agent gen-1 --busy 0.3
	agent other-1 --busy 0
	td pause
	td enqueue -- 'anyone' >/dev/null
	td enqueue --to all-gen -- 'group' >/dev/null
	td enqueue --to gen-1 -- 'own, priority 0' >/dev/null
	td enqueue --to gen-1 --id high --priority 5 -- 'own, priority 5' >/dev/null
	td enqueue --to gen-1 --id after --priority 10 --after high -- 'own, priority 10, after high' \
		>/dev/null
	td enqueue --to other-1 -- 'not for gen-1' >/dev/null
	td terminal rm other-1 >/dev/null
	run td resume
	assert_success
	local round # not i: bats' run sets a global i
	for ((round = 1; round <= 4; round++)); do
		wait_for taken_ge gen-1 "$round"
		wait_for agent_idle gen-1
		run td check gen-1
		assert_success
		assert_line --regexp '^gen-1: done '
		assert_line --regexp '^gen-1: sent '
	done
	assert_took gen-1 'own, priority 5' 'own, priority 10, after high' 'own, priority 0' \
		'group' 'anyone'
	assert_item q-4 status pending
	[ "$(taken other-1)" = 0 ]
}

@test "an agent that exits: its running item fails with 'agent exited'" {
	agent gen-1 --busy 0
	run td dispatch gen-1 -- /exit
	assert_success
	assert_took gen-1 /exit
	wait_for eval '[ "$(tmux display -p -t t:gen-1 "#{pane_dead}")" = 1 ]'
	run td check gen-1
	assert_success
	assert_line "gen-1: failed q-1: agent exited"
	td enqueue --to gen-1 -- 'never typed into a dead pane' >/dev/null
	assert_item q-1 status failed
	assert_item q-1 reason "agent exited"
	[ "$(in_completed q-1)" = 1 ]
	[ "$(events q-1)" = "dispatch deliver submitted failed" ]
	[ "$(event_field q-1 failed reason)" = "agent exited" ]
	grep -q 'claude --resume' "$(item_field q-1 result)/screen.txt"
	assert_item q-2 status pending
	run item_field q-2 deferred
	assert_output --regexp '^exited '
}

@test "an agent that exits back to its shell: the item fails with 'agent exited'" {
	tmux_window gen-1 "env PS1='\$ ' bash --norc --noprofile -i"
	wait_for eval '[ "$(tmux display -p -t t:gen-1 "#{cursor_x}")" = 2 ]'
	tmux send-keys -t t:gen-1 -l "$(printf '%q ' "$FAKEAGENT" --log "$A/gen-1.log" \
	    --events "$A/gen-1.ev" --busy 0)"
	tmux send-keys -t t:gen-1 Enter
	wait_for grep -q ' ready$' "$A/gen-1.ev"
	td terminal add gen-1 "$(pane_of gen-1)" --profile claude >/dev/null
	run td dispatch gen-1 -- /exit
	assert_success
	wait_for grep -q ' exit$' "$A/gen-1.ev"
	wait_for eval 'tmux capture-pane -p -t t:gen-1 | grep -qx "\\$ *"'
	run td check gen-1
	assert_success
	assert_line "gen-1: failed q-1: agent exited"
	assert_item q-1 reason "agent exited"
	# nothing is typed into the shell
	td dispatch gen-1 -- 'echo should-not-run' >/dev/null
	assert_item q-2 status pending
	if screen_has gen-1 should-not-run; then fail "typed into the shell"; fi
}

@test "a pane that goes away: its running item fails with 'pane gone'" {
	agent gen-1 --busy 30
	agent keep --busy 0
	run td dispatch gen-1 -- 'long job'
	assert_success
	tmux kill-window -t t:gen-1
	run td check gen-1
	assert_success
	assert_output --partial "skipped: no pane for target"
	assert_item q-1 status failed
	assert_item q-1 reason "pane gone"
	[ "$(events q-1)" = "dispatch deliver submitted failed" ]
}

@test "a helper killed between the paste and the Enter: nothing types over the text, and once someone submits it the item completes" {
	agent gen-1 --busy 0.5
	run td pause
	assert_success
	run td enqueue --to gen-1 -- 'half delivered'
	assert_success
	# A long Enter delay, and the helper killed inside it: pasted and recorded running, no Enter.
	TMUX_DISPATCH_ENTER_DELAY=10000 "$TD" check gen-1 >/dev/null &
	local pid=$!
	wait_for input_is gen-1 'half delivered'
	wait_for eval '[ "$(item_field q-1 status)" = running ]'
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(item_field q-1 deliveredAt)" = null ]
	[ "$(taken gen-1)" = 0 ]

	# The text still sits in the input: a check neither finishes the item nor types again.
	run td check gen-1
	assert_success
	assert_output --regexp '^gen-1: working on q-1: typed'
	[ "$(agent_events gen-1 paste)" = 1 ]

	# Someone presses Enter; when the turn ends, the item is done.
	tmux send-keys -t "$(pane_of gen-1)" Enter
	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
	run td check gen-1
	assert_success
	assert_line "gen-1: done q-1"
	assert_item q-1 status done
	assert_took gen-1 'half delivered'
}

@test "check --dry-run reports the completion a check would record, and the item that would follow" {
	agent gen-1 --busy 0.3
	run td dispatch gen-1 -- 'first job'
	assert_success
	td enqueue --to gen-1 -- 'second job' >/dev/null
	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
	cp "$S" before.json
	run td check --dry-run gen-1
	assert_success
	assert_line "gen-1: would mark q-1 done"
	assert_line --regexp "^gen-1: would send q-2 to %[0-9]+: second job$"
	cmp "$S" before.json
	assert_took gen-1 'first job'
}

# one_turn N COMMAND: queue COMMAND as q-N for gen-1, deliver it, wait until the turn is over.
one_turn() {
	td enqueue --to gen-1 -- "$2" >/dev/null
	td check gen-1 >/dev/null
	wait_for eval '[ "$(item_field q-$1 deliveredAt)" != null ]'
	wait_screen gen-1 "✻ Worked for"
	wait_for agent_idle gen-1
}

@test "a turn that ends on the very screen it was typed on still completes (seen at work)" {
	# Found with the real Gemini CLI: a reply taller than the pane scrolls the prompt away, and
	# two equal turns end on equal screens; "idle on another screen" never came.
	agent gen-1 --busy 3
	td pause
	one_turn 1 'warm up'
	td check gen-1 >/dev/null
	tmux resize-window -t t:gen-1 -y 12
	one_turn 2 'same again'
	run td check gen-1
	assert_line 'gen-1: done q-2'
	local before
	before=$(screen gen-1)
	one_turn 3 'same again'
	[ "$(screen gen-1)" = "$before" ] || fail "the screens differ: this test needs them equal"
	# the delivery's read-back saw the agent busy on it
	assert_item q-3 turnSeen true
	run td check gen-1
	assert_success
	assert_line 'gen-1: done q-3'
	assert_item q-3 status done
}

@test "a turn that looks idle right after its Enter is watched until it is seen at work" {
	# Gemini again: between the Enter and its spinner it shows the input cleared, idle-looking,
	# for up to ~150 ms; a read-back landing there saw no proof of the turn, and with equal
	# screens at both ends the item never completed. --think 300: the read-back (150 ms after
	# the Enter) lands in that frame; the delivery looks again until the agent is at work.
	agent gen-1 --busy 3 --think 300
	td pause
	one_turn 1 'warm up'
	td check gen-1 >/dev/null
	tmux resize-window -t t:gen-1 -y 12
	one_turn 2 'same again'
	td check gen-1 >/dev/null
	local before
	before=$(screen gen-1)
	one_turn 3 'same again'
	[ "$(screen gen-1)" = "$before" ] || fail "the screens differ: this test needs them equal"
	assert_item q-3 turnSeen true
	run td check gen-1
	assert_line 'gen-1: done q-3'
}
