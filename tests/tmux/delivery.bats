#!/usr/bin/env bats
# Push delivery (issue 4) against fake agents (tests/agents/fakeagent.c) in a private tmux server:
# the bytes each agent took, the guards (copy mode, hand-typed text, questions, start-up), Enter
# retries, targets, --wait, pause/resume, --dry-run, allowlists and the event log.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

@test "dispatched items reach the agents byte for byte; the user's buffers are left alone" {
	agent gen-1 --busy 0
	agent gen-2 --busy 0
	agent cx-1 --style codex --busy 0
	tmux set-buffer -- 'the user copied this'
	tmux set-buffer -b mine -- 'and named this one'
	local before one two three
	before=$(tmux list-buffers -F '#{buffer_name}=#{buffer_sample}')
	one=$'/wireframe-fix 003-user-authentication 01-registration-sign-in.svg\t"quoted" \'single\''
	two='ünïcödé ✓ → 日本語 $HOME ~ * ? [a] {b,c} | & > < ;'
	three='codex: fix the login test; then run `make check` && report'

	run td dispatch gen-1 -- "$one"
	assert_success
	assert_output q-1
	run td dispatch gen-2 --stdin <<<"$two"
	assert_success
	assert_output q-2
	run td dispatch cx-1 -- "$three"
	assert_success
	assert_output q-3

	assert_took gen-1 "$one"
	assert_took gen-2 "$two"
	assert_took cx-1 "$three"
	for id in q-1 q-2 q-3; do
		assert_item "$id" status running
		assert_item "$id" attempts 1
		[ "$(item_field "$id" deliveredAt)" != null ] || fail "$id has no deliveredAt"
		[ "$(events "$id")" = "dispatch deliver submitted" ] || fail "$id: $(events "$id")"
	done
	assert_item q-1 pane "$(pane_of gen-1)"
	assert_item q-3 pane "$(pane_of cx-1)"
	assert_item q-3 terminal cx-1
	[ "$(event_field q-1 deliver pane)" = "$(pane_of gen-1)" ]
	[ "$(event_field q-1 deliver terminal)" = gen-1 ]
	[ "$(event_field q-1 dispatch pane)" = null ]
	# one paste and one Enter each: nothing typed twice
	[ "$(agent_events gen-1 paste)" = 1 ]
	[ "$(agent_events gen-1 submit)" = 1 ]
	[ "$(agent_events cx-1 paste)" = 1 ]
	# the helper's own buffers are gone, the user's are untouched
	[ "$(tmux list-buffers -F '#{buffer_name}=#{buffer_sample}')" = "$before" ]
}

@test "a multi-line command arrives as one submission (claude and codex screens)" {
	agent gen-1 --busy 0
	agent cx-1 --style codex --busy 0
	local text=$'first line\n  indented second line\n\nfourth after a blank line\tand a tab'

	run td dispatch gen-1 -- "$text"
	assert_success
	run td enqueue --to cx-1 -- "$text"
	assert_success
	assert_took gen-1 "$text"
	assert_took cx-1 "$text"
	[ "$(agent_events gen-1 submit)" = 1 ]
	[ "$(agent_events cx-1 submit)" = 1 ]
	run screen gen-1
	assert_line "❯ first line"
	assert_line "    indented second line"
}

@test "a 4 KB command arrives intact" {
	agent gen-1 --busy 0
	local text='' i
	for ((i = 1; i <= 64; i++)); do
		text+=$(printf 'line %02d: the quick brown fox; "jumps" over $the `lazy` dog #{x} %%s' "$i")
		[ $i -lt 64 ] && text+=$'\n'
	done
	[ "${#text}" -ge 4096 ] || fail "text is only ${#text} bytes"

	run td dispatch gen-1 --stdin <<<"$text"
	assert_success
	assert_took gen-1 "$text"
	[ "$(agent_events gen-1 paste)" = 1 ]
	assert_item q-1 command "$text"
}

@test "copy mode: nothing is pasted, the item stays pending with the reason; check delivers it later" {
	agent gen-1 --busy 0
	local pane
	pane=$(pane_of gen-1)
	tmux copy-mode -t "$pane"

	run td dispatch gen-1 -- 'wait for copy mode to end'
	assert_success
	assert_item q-1 status pending
	assert_item q-1 attempts 0
	run item_field q-1 deferred
	assert_output --partial copy-mode
	run td check
	assert_success
	assert_output --partial "q-1 waits: copy-mode"
	[ "$(tmux display -p -t "$pane" '#{pane_in_mode}')" = 1 ]

	tmux send-keys -t "$pane" -X cancel
	run td check
	assert_success
	assert_output --partial "sent q-1"
	# One paste in all: had anything reached the agent during copy mode, the input would have
	# held it before this paste and the submission would differ.
	assert_took gen-1 'wait for copy mode to end'
	[ "$(agent_events gen-1 paste)" = 1 ]
	assert_item q-1 status running
	[ "$(item_field q-1 deferred)" = null ]
	[ "$(events q-1)" = "dispatch deliver submitted" ]
	[ -z "$(tmux list-buffers)" ]
}

@test "copy mode entered between the check and the paste: the guard pastes nothing" {
	agent gen-1 --busy 0
	local pane
	pane=$(pane_of gen-1)
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux copy-mode -t $pane" load-buffer) \
		run td dispatch gen-1 -- 'raced by copy mode'
	assert_success
	[ "$(tmux display -p -t "$pane" '#{pane_in_mode}')" = 1 ]
	assert_item q-1 status pending
	assert_item q-1 attempts 0
	assert_item q-1 pane null
	assert_item q-1 deferred "pane dead or in a mode"
	[ "$(events q-1)" = "dispatch deliver refused" ]
	[ "$(event_field q-1 refused reason)" = "pane dead or in a mode" ]
	[ -z "$(tmux list-buffers)" ] || fail "left a buffer: $(tmux list-buffers)"

	tmux send-keys -t "$pane" -X cancel
	run td check gen-1
	assert_success
	assert_took gen-1 'raced by copy mode'
	[ "$(agent_events gen-1 paste)" = 1 ]
}

@test "copy mode entered between the paste and Enter: no Enter goes into copy mode, not submitted" {
	agent gen-1 --busy 0
	local pane
	pane=$(pane_of gen-1)
	# the wrapper starts copy mode when the helper's call holds the Enter (send-keys)
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux copy-mode -t $pane" '*send-keys*') \
		run td dispatch gen-1 -- 'pasted then raced'
	assert_success
	[ "$(tmux display -p -t "$pane" '#{pane_in_mode}')" = 1 ]
	# the text was pasted, no Enter reached the agent, and the item is not called submitted
	[ "$(agent_events gen-1 paste)" = 1 ]
	[ "$(taken gen-1)" = 0 ]
	assert_item q-1 status failed
	assert_item q-1 reason "not submitted"
	[ "$(item_field q-1 deliveredAt)" = null ]
	run events q-1
	assert_output --partial "enter-blocked"
	assert_output --regexp "not-submitted$"
	refute_output --partial " submitted"
	# the text is left in the input for a human to see
	tmux send-keys -t "$pane" -X cancel
	wait_for input_is gen-1 'pasted then raced'
}

@test "text typed by hand: nothing is delivered over it and the item stays pending" {
	agent gen-1 --busy 0
	tmux send-keys -t t:gen-1 -l 'half-written by a human'
	wait_for input_is gen-1 'half-written by a human'

	run td dispatch gen-1 -- 'from the queue'
	assert_success
	assert_item q-1 status pending
	run item_field q-1 deferred
	assert_output --regexp '^typed '
	run td check gen-1
	assert_success
	assert_output --partial "q-1 waits: typed"
	# A marker typed after the check lands right after the human's text: nothing came between.
	tmux send-keys -t t:gen-1 -l '|'
	wait_for input_is gen-1 'half-written by a human|'
	[ "$(agent_events gen-1 paste)" = 0 ]
	[ "$(taken gen-1)" = 0 ]
	[ "$(events q-1)" = dispatch ]
}

@test "a permission question holds the next item back; send answers it" {
	agent gen-1 --busy 1
	run td dispatch gen-1 -- 'step one needs PERMISSION'
	assert_success
	wait_screen gen-1 "Do you want to proceed?"
	run td enqueue --to gen-1 -- 'step two'
	assert_success
	assert_output q-2
	run td check gen-1
	assert_success
	assert_output --partial "working on q-1: waiting"
	assert_item q-1 status running
	assert_item q-2 status pending
	[ "$(taken gen-1)" = 1 ]
	[ "$(agent_events gen-1 paste)" = 1 ]

	# only send (an answer) types into the question
	run td send gen-1 -- 1
	assert_success
	wait_for grep -q ' perm-yes$' "$A/gen-1.ev"
	assert_item q-2 status pending
	wait_for agent_idle gen-1
	run td check gen-1
	assert_success
	assert_output --partial "done q-1"
	assert_output --partial "sent q-2"
	assert_took gen-1 'step one needs PERMISSION' 'step two'
	[ "$(agent_events gen-1 perm)" = 1 ]
	# send creates no item and logs without one
	[ "$(jsonx "$S" 'scalar(@{$d->{queue}}) + scalar(@{$d->{completedToday}})')" = 2 ]
	grep -q '"item":null,"event":"submitted"' "$EV"
}

@test "send answers a question with what it was told, not with the highlighted option" {
	agent gen-1 --busy 0.3
	agent cx-1 --style codex --busy 0.3
	run td dispatch gen-1 -- 'PERMISSION to do something risky'
	assert_success
	run td dispatch cx-1 -- 'PERMISSION to do something risky'
	assert_success
	wait_screen gen-1 "Do you want to proceed?"
	wait_screen cx-1 "Would you like to run the following command?"
	# Both dialogs highlight "Yes": an Enter after the text would approve. "n" must refuse.
	run td send gen-1 -- n
	assert_success
	run td send cx-1 -- n
	assert_success
	wait_for grep -q ' perm-no$' "$A/gen-1.ev"
	wait_for grep -q ' perm-no$' "$A/cx-1.ev"
	[ "$(agent_events gen-1 perm-yes)" = 0 ]
	[ "$(agent_events cx-1 perm-yes)" = 0 ]
	wait_screen gen-1 "Interrupted · What should Claude do instead?"
	wait_screen cx-1 "■ Conversation interrupted"
	# nothing else reached the agents: no submission besides the dispatched one
	wait_for agent_idle gen-1
	[ "$(taken gen-1)" = 1 ]
	[ "$(taken cx-1)" = 1 ]
	run td check
	assert_success
	assert_line "gen-1: done q-1"
}

@test "send refuses a busy terminal unless --force, and never types into copy mode" {
	agent gen-1 --busy 30
	tmux send-keys -t t:gen-1 -l 'a long job'
	tmux send-keys -t t:gen-1 Enter
	wait_screen gen-1 "esc to interrupt"

	run --separate-stderr td send gen-1 -- 'are you there?'
	assert_failure 1
	assert_one_error_line
	[[ $stderr == *"gen-1 is busy"*"--force sends anyway"* ]] || fail "stderr: $stderr"
	grep -q '"event":"refused"' "$EV"
	[ "$(agent_events gen-1 paste)" = 0 ]

	tmux copy-mode -t t:gen-1
	run td send gen-1 --force -- 'are you there?'
	assert_failure 1
	assert_output --partial copy-mode
	tmux send-keys -t t:gen-1 -X cancel

	run td send gen-1 --force -- 'are you there?'
	assert_success
	wait_for grep -q ' submit-busy ' "$A/gen-1.ev"
	[ "$(agent_events gen-1 paste)" = 1 ]
	[ "$(jsonx "$S" 'scalar @{$d->{queue}}')" = 0 ]
}

@test "an Enter the agent drops is retried and the item ends submitted" {
	# The agent drops an Enter within 120 ms of a paste; ours comes after 50 ms, the retry
	# after the 150 ms read-back.
	agent gen-1 --busy 0 --enter-grace 120
	TMUX_DISPATCH_ENTER_DELAY=50 run td dispatch gen-1 -- 'second Enter counts'
	assert_success
	assert_took gen-1 'second Enter counts'
	[ "$(agent_events gen-1 enter-dropped)" = 1 ]
	[ "$(agent_events gen-1 submit)" = 1 ]
	assert_item q-1 status running
	[ "$(item_field q-1 deliveredAt)" != null ]
	[ "$(events q-1)" = "dispatch deliver retry-enter submitted" ]
}

@test "an agent that never takes Enter: item failed 'not submitted', its text left in the input" {
	agent gen-1 --busy 0 --enter-grace 600000
	run td dispatch gen-1 -- 'never submitted'
	assert_success
	assert_item q-1 status failed
	assert_item q-1 reason "not submitted"
	[ "$(in_completed q-1)" = 1 ]
	[ "$(events q-1)" = "dispatch deliver retry-enter retry-enter not-submitted" ]
	[ "$(event_field q-1 not-submitted reason)" = "not submitted" ]
	# three Enters in all, each dropped; nothing cleared the input (no Esc, C-c, C-u, BSpace)
	[ "$(agent_events gen-1 enter-dropped)" = 3 ]
	[ "$(taken gen-1)" = 0 ]
	input_is gen-1 'never submitted'
	[ "$(agent_events gen-1 interrupt)" = 0 ]
	# and the next item does not go in over it
	run td dispatch gen-1 -- 'next one'
	assert_success
	assert_item q-2 status pending
	tmux send-keys -t t:gen-1 -l '|'
	wait_for input_is gen-1 'never submitted|'
	[ "$(agent_events gen-1 paste)" = 1 ]
}

@test "dispatch to all, all-GROUP and a %pane" {
	agent gen-1 --busy 0
	agent gen-2 --busy 0
	agent rev-1 --busy 0
	run td dispatch all-gen -- 'to the generators'
	assert_success
	assert_output $'q-1\nq-2'
	wait_for agent_idle gen-1
	wait_for agent_idle gen-2
	run td dispatch all -- 'to everyone'
	assert_success
	assert_output $'q-3\nq-4\nq-5'
	wait_for agent_idle gen-2
	run td dispatch "$(pane_of gen-2)" -- 'to one pane'
	assert_success
	assert_output q-6
	run td dispatch %999 -- 'to no pane'
	assert_failure 4

	assert_took gen-1 'to the generators' 'to everyone'
	assert_took gen-2 'to the generators' 'to everyone' 'to one pane'
	assert_took rev-1 'to everyone'
	assert_item q-6 assignedTo gen-2
	# each dispatch finished the previous item of a terminal that had gone idle again
	assert_item q-1 status done
	assert_item q-4 status done
	assert_item q-6 status running
}

@test "dispatch --wait reports submitted, failed and still pending" {
	agent gen-1 --busy 1
	agent stuck --enter-grace 600000
	run td dispatch gen-1 --wait -- 'first'
	assert_success
	assert_output $'q-1\nq-1: submitted to gen-1'
	# busy now: --wait checks again until the agent is free and the item is submitted
	run td dispatch gen-1 --wait --timeout 20 -- 'second'
	assert_success
	assert_output $'q-2\nq-2: submitted to gen-1'
	assert_took gen-1 first second

	run td dispatch stuck --wait -- 'never'
	assert_failure 1
	assert_output $'q-3\nq-3: failed: not submitted'

	agent slow --busy 30
	run td dispatch slow -- 'long'
	assert_success
	run td dispatch slow --wait --timeout 1 -- 'after the long one'
	assert_failure 1
	assert_output $'q-5\nq-5: still pending after 1 s'
}

@test "pause stops automatic pushes (enqueue, dispatch, hooks); resume delivers" {
	agent gen-1 --busy 0
	run td pause
	assert_success
	[ "$(jsonx "$S" '$d->{paused}')" = true ]
	run td enqueue --to gen-1 -- 'queued while paused'
	assert_success
	run td dispatch gen-1 -- 'dispatched while paused'
	assert_success
	run td check --auto
	assert_success
	run td hook silence "$(tmux display -p -t t:gen-1 '#{window_id}')"
	assert_success
	assert_item q-1 status pending
	assert_item q-2 status pending
	[ "$(agent_events gen-1 paste)" = 0 ]
	[ "$(events q-1)" = "" ]

	run td resume
	assert_success
	[ "$(jsonx "$S" '$d->{paused}')" = false ]
	assert_took gen-1 'queued while paused'
	wait_for agent_idle gen-1
	run td enqueue --to gen-1 -- 'after resume'
	assert_success
	assert_took gen-1 'queued while paused' 'dispatched while paused'
	assert_item q-1 status done
}

@test "import delivers ready tasks to idle agents in the same write, longest path first; paused, it only queues" {
	agent gen-1 --busy 0
	agent gen-2 --busy 0
	# A (1h) then B (the median, 1h30m) is the longest chain: A goes first, C (2h) second.
	run --separate-stderr td import - <<-'EOF'
	[{"id": "C", "command": "/c", "estimate": "2h"},
	 {"id": "A", "command": "/a", "estimate": "1h"},
	 {"id": "B", "command": "/b", "dependsOn": ["A"]}]
	EOF
	assert_success
	assert_output 'added 3: C, A, B'
	assert_took gen-1 /a
	assert_took gen-2 /c
	assert_item A status running
	assert_item C status running
	assert_item B status pending
	wait_for agent_idle gen-1
	wait_for agent_idle gen-2
	run td pause
	assert_success
	run --separate-stderr td import - <<<'[{"id": "D", "command": "/d"}]'
	assert_success
	assert_output 'added 1: D'
	assert_item D status pending
	[ "$(agent_events gen-1 paste)" = 1 ]
	[ "$(agent_events gen-2 paste)" = 1 ]
}

@test "check --dry-run says what it would send and why others are skipped, and changes nothing" {
	agent gen-1 --busy 0
	agent gen-2 --busy 30
	agent gen-3 --busy 0
	agent gen-5 --busy 30
	td terminal add gen-4 t:9 --profile claude
	run td dispatch gen-2 -- 'long job'
	assert_success
	tmux send-keys -t t:gen-5 -l 'typed by hand'
	tmux send-keys -t t:gen-5 Enter
	wait_screen gen-5 "esc to interrupt"
	td pause
	td enqueue --to gen-1 -- 'for gen-1' >/dev/null
	td enqueue --to gen-2 -- 'for gen-2' >/dev/null
	td enqueue --to gen-4 -- 'for gen-4' >/dev/null
	td enqueue --to gen-5 -- 'for gen-5' >/dev/null
	local fp ev logs
	fp=$(fingerprint "$S")
	ev=$(fingerprint "$EV")
	logs=$(cat "$A"/*.log | sha256sum)

	run td check --dry-run
	assert_success
	assert_line "gen-1: would send q-2 to $(pane_of gen-1): for gen-1"
	assert_line --regexp '^gen-2: working on q-1: busy'
	assert_line "gen-3: nothing ready"
	assert_line "gen-4: skipped: no pane for target t:9"
	assert_line --regexp '^gen-5: q-5 waits: busy claude: '
	[ "${#lines[@]}" = 5 ]
	[ "$(fingerprint "$S")" = "$fp" ] || fail "the dry run changed the state file"
	[ "$(fingerprint "$EV")" = "$ev" ] || fail "the dry run wrote events"
	[ "$(cat "$A"/*.log | sha256sum)" = "$logs" ]

	# what it predicted is what a real check does
	run td check
	assert_success
	assert_line "gen-1: sent q-2 ($(pane_of gen-1))"
	assert_took gen-1 'for gen-1'
	[ "$(agent_events gen-1 paste)" = 1 ]
	[ "$(agent_events gen-3 paste)" = 0 ]
	run item_field q-5 deferred
	assert_output --regexp '^busy claude: '
	assert_item q-3 status pending
}

@test "allowlist: commands outside it are refused and never typed" {
	agent gen-1 --busy 0
	td terminal add gen-1 "$(pane_of gen-1)" --profile claude --allow '/wireframe-fix ' --replace
	run --separate-stderr td dispatch gen-1 -- 'rm -rf ~'
	assert_failure 1
	assert_one_error_line
	[[ $stderr == *"outside the --allow list of gen-1"* ]] || fail "stderr: $stderr"
	run td enqueue --to gen-1 -- 'rm -rf ~'
	assert_failure 1
	run td send gen-1 -- 'rm -rf ~'
	assert_failure 1
	[ "$(jsonx "$S" 'scalar @{$d->{queue}}')" = 0 ]
	# an item for anyone that no terminal accepts is refused at once
	run td enqueue -- 'rm -rf ~ for anyone'
	assert_failure 1
	# one that another terminal accepts is queued, and never given to this one
	td terminal add elsewhere %999 --profile claude >/dev/null
	run td enqueue -- 'rm -rf ~ for anyone'
	assert_success
	run td check gen-1
	assert_success
	assert_output "gen-1: nothing ready"
	assert_item q-1 status pending

	run td dispatch gen-1 -- '/wireframe-fix 003 a.svg'
	assert_success
	assert_took gen-1 '/wireframe-fix 003 a.svg'
	[ "$(agent_events gen-1 paste)" = 1 ]
	if grep -q "$(hex_str 'rm -rf')" "$A/gen-1.log"; then fail "a refused command was typed"; fi
}

@test "an agent still starting up (nothing drawn, no bracketed paste) gets nothing until ready" {
	start_agent_late() {
		local cmd
		cmd=$(printf '%q ' "$FAKEAGENT" --log "$A/gen-1.log" --events "$A/gen-1.ev" \
		    --startup-delay 1.5 --busy 0)
		tmux_window gen-1 "exec $cmd"
		td terminal add gen-1 "$(pane_of gen-1)" --profile claude >/dev/null
	}
	start_agent_late
	wait_for grep -q ' start ' "$A/gen-1.ev"
	run td dispatch gen-1 -- $'two lines\nin one submission'
	assert_success
	assert_item q-1 status pending
	[ "$(item_field q-1 deferred)" != null ]
	wait_for grep -q ' ready$' "$A/gen-1.ev"
	run td check
	assert_success
	assert_took gen-1 $'two lines\nin one submission'
}

@test "the event log: a line per dispatch, delivery, refusal, retry, submission and completion" {
	agent gen-1 --busy 0
	agent drop --busy 0 --enter-grace 120
	agent never --enter-grace 600000
	tmux copy-mode -t t:gen-1
	td dispatch gen-1 -- 'one' >/dev/null
	TMUX_DISPATCH_ENTER_DELAY=50 td dispatch drop -- 'two' >/dev/null
	td dispatch never -- 'three' >/dev/null
	tmux send-keys -t t:gen-1 -X cancel
	td check >/dev/null
	wait_for agent_idle gen-1
	td check >/dev/null
	run events q-1
	assert_output "dispatch deliver submitted done"
	run events q-2
	assert_output "dispatch deliver retry-enter submitted done"
	run events q-3
	assert_output "dispatch deliver retry-enter retry-enter not-submitted"
	[ "$(event_field q-1 done terminal)" = gen-1 ]
	[ "$(event_field q-1 done pane)" = "$(pane_of gen-1)" ]
	[ "$(event_field q-3 deliver pane)" = "$(pane_of never)" ]
	# a refusal at delivery time is logged too (copy mode entered at paste time)
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux copy-mode -t $(pane_of gen-1)" load-buffer) \
		td dispatch gen-1 -- 'four' >/dev/null
	run events q-4
	assert_output "dispatch deliver refused"
	[ "$(event_field q-4 refused reason)" = "pane dead or in a mode" ]
	# every line parses and has the six fields (events() checks that)
	[ "$(grep -c '' "$EV")" -ge 16 ]
}

@test "concurrent checks deliver an item once" {
	agent gen-1 --busy 30
	td pause
	td enqueue --to gen-1 -- 'only once' >/dev/null
	td enqueue --to gen-1 -- 'not yet' >/dev/null
	local pids=() n
	for n in 1 2 3 4 5 6; do
		"$TD" check gen-1 >"$BATS_TEST_TMPDIR/check-$n.out" 2>&1 &
		pids+=($!)
	done
	for n in "${pids[@]}"; do
		wait "$n" || fail "a check failed: $(cat "$BATS_TEST_TMPDIR"/check-*.out)"
	done
	[ "$(cat "$BATS_TEST_TMPDIR"/check-*.out | grep -c 'sent q-1')" = 1 ]
	assert_took gen-1 'only once'
	[ "$(agent_events gen-1 paste)" = 1 ]
	assert_item q-1 status running
	assert_item q-1 attempts 1
	assert_item q-2 status pending
	[ "$(events q-1)" = "deliver submitted" ]
}

@test "no tmux server: enqueue, dispatch and check keep the work queued and do not crash" {
	td terminal add gen-1 t:0 --profile claude >/dev/null
	run td enqueue --to gen-1 -- 'queued without tmux'
	assert_success
	assert_output q-1
	run td dispatch gen-1 -- 'dispatched without tmux'
	assert_success
	assert_output q-2
	run td check
	assert_success
	assert_output "gen-1: skipped: no pane for target t:0"
	run td check --dry-run
	assert_success
	run td dispatch %1 -- 'to a pane'
	assert_failure 1
	run td send gen-1 -- 'hello'
	assert_failure 1
	assert_item q-1 status pending
	assert_item q-2 status pending
	assert_item q-1 deferred "no pane for target t:0"
	[ ! -e "$BATS_TEST_TMPDIR/tmux-$(id -u)/default" ]
}
