#!/usr/bin/env bats
# Continuation suggestions (issue 13): an agent's ghost text in its input (fakeagent --suggest
# draws it with the SGR recorded from Claude Code 2.1.197) is idle, not typed, and a delivery
# replaces it; an item with --continue N (or its terminal's default) that ends its turn with a
# suggestion showing gets it accepted (Tab, checked as typed text, Enter) up to N times, each
# counted and logged, and then completes.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

SUGGEST='run the tests again'

# ghost_after NAME N: the agent finished N turns and shows its suggestion in an empty input.
ghost_after() {
	wait_for eval "[ \"\$(agent_events $1 done)\" -ge $2 ]"
	wait_for input_is "$1" "$SUGGEST"
}

@test "a suggestion-only screen is idle, not typed; a draft is typed; delivery replaces it" {
	agent gen-1 --busy 0.2 --suggest "$SUGGEST"
	run td dispatch gen-1 -- 'first job'
	assert_success
	ghost_after gen-1 1
	# the plain screen reads like a draft; its colours say it is the agent's suggestion
	run td classify -t gen-1 --json
	assert_success
	[ "$(json_field state)" = idle ] || fail "$output"
	[ "$(json_field suggestion)" = "$SUGGEST" ] || fail "$output"
	run td classify -t gen-1
	assert_output --partial 'idle claude: suggestion in the input (ghost text); input empty, turn done'
	run td check gen-1
	assert_line "gen-1: done q-1"

	# a person's draft over it is typed (and keeps the next item out)
	tmux send-keys -t t:gen-1 -l 'my own draft'
	wait_for input_is gen-1 'my own draft'
	run td classify -t gen-1 --json
	[ "$(json_field state)" = typed ] || fail "$output"
	[ "$(json_field suggestion)" = null ] || fail "$output"
	run td enqueue --to gen-1 -- 'second job'
	assert_success
	run td check gen-1
	assert_line "gen-1: q-2 waits: typed claude: input \"❯${NBSP}my own draft\""
	[ "$(taken gen-1)" = 1 ]

	# cleared, the suggestion shows again: q-2 is delivered over it, and only q-2 is taken
	tmux send-keys -t t:gen-1 C-u
	wait_for input_is gen-1 "$SUGGEST"
	run td check gen-1
	assert_success
	assert_line "gen-1: sent q-2 ($(pane_of gen-1))"
	assert_took gen-1 'first job' 'second job'
	[ "$(agent_events gen-1 accept-suggestion)" = 0 ]
}

json_field() {
	printf '%s' "$output" | perl -MJSON::PP -0777 -e '
		my $v = JSON::PP->new->decode(<STDIN>)->{$ARGV[0]}; print defined $v ? $v : "null"' "$1"
}

@test "--continue 2 accepts the suggestion twice, each logged and counted, then completes" {
	agent gen-1 --busy 0.2 --suggest "$SUGGEST"
	run td enqueue --to gen-1 --continue 2 -- 'first job'
	assert_success
	assert_item q-1 continue 2
	ghost_after gen-1 1
	run td check gen-1
	assert_success
	assert_line "gen-1: continued q-1 (1 of 2): $SUGGEST"
	assert_item q-1 status running
	assert_item q-1 continued 1
	ghost_after gen-1 2
	run td check gen-1
	assert_line "gen-1: continued q-1 (2 of 2): $SUGGEST"
	ghost_after gen-1 3
	run td check gen-1
	assert_success
	assert_line "gen-1: done q-1"
	assert_item q-1 status done
	assert_item q-1 continued 2
	# the suggestion went in through Tab, as the agent's own text, then Enter: exactly it
	[ "$(agent_events gen-1 accept-suggestion)" = 2 ]
	assert_took gen-1 'first job' "$SUGGEST" "$SUGGEST"
	run events q-1
	assert_output "deliver submitted submitted continue submitted continue done"
	[ "$(event_field q-1 continue reason)" = "$SUGGEST" ]
}

@test "without --continue a suggestion at the end of a turn completes the item untouched" {
	agent gen-1 --busy 0.2 --suggest "$SUGGEST"
	run td enqueue --to gen-1 -- 'first job'
	assert_success
	ghost_after gen-1 1
	run td check gen-1
	assert_line "gen-1: done q-1"
	assert_took gen-1 'first job'
	[ "$(agent_events gen-1 accept-suggestion)" = 0 ]
	[ "$(item_field q-1 continued)" = null ]
}

@test "a terminal's --continue is its items' default; an item's own --continue 0 wins" {
	agent gen-1 --busy 0.2 --suggest "$SUGGEST"
	run td terminal add gen-1 "$(pane_of gen-1)" --profile claude --continue 1 --replace
	assert_success
	run td enqueue --to gen-1 -- 'first job'
	assert_success
	ghost_after gen-1 1
	run td check gen-1
	assert_line "gen-1: continued q-1 (1 of 1): $SUGGEST"
	ghost_after gen-1 2
	run td check gen-1
	assert_line "gen-1: done q-1"
	run td enqueue --to gen-1 --continue 0 -- 'second job'
	assert_success
	ghost_after gen-1 3
	run td check gen-1
	assert_line "gen-1: done q-2"
	assert_took gen-1 'first job' "$SUGGEST" 'second job'
	run --separate-stderr td terminal add gen-1 "$(pane_of gen-1)" --continue 101 --replace
	assert_failure 2
	assert_one_error_line
}

@test "a suggestion that does not become text after Tab is not submitted; the item completes" {
	# An agent that ignores Tab: the ghost text stays dim, so Enter is never sent.
	agent gen-1 --busy 0.2 --suggest "$SUGGEST"
	local wrapper
	wrapper=$(tmux_wrapper 'set -- display-message -p ok' '*" Tab "*')
	run td enqueue --to gen-1 --continue 1 -- 'first job'
	assert_success
	ghost_after gen-1 1
	TMUX_DISPATCH_TMUX=$wrapper run td check gen-1
	assert_success
	assert_line "gen-1: q-1: suggestion not accepted: after Tab the input does not hold the suggestion as text"
	assert_line "gen-1: done q-1"
	assert_took gen-1 'first job'
	run events q-1
	assert_output "deliver submitted continue-failed done"
}

@test "an item that may continue waits a moment for a suggestion that comes after the done marker" {
	# The real suggestion is a second model request: it shows a moment after the turn ends.
	agent gen-1 --busy 0.2 --suggest "$SUGGEST" --suggest-delay 600
	run td enqueue --to gen-1 --continue 1 -- 'first job'
	assert_success
	wait_for eval '[ "$(agent_events gen-1 done)" -ge 1 ]'
	wait_for agent_idle gen-1
	run td check gen-1
	assert_line "gen-1: continued q-1 (1 of 1): $SUGGEST"
	# with no wait, the same screen completes the item before its suggestion shows
	run td enqueue --to gen-1 --continue 1 -- 'second job'
	wait_for eval '[ "$(agent_events gen-1 done)" -ge 2 ]'
	wait_for agent_idle gen-1
	run td check gen-1
	assert_line "gen-1: done q-1"
	wait_for eval '[ "$(agent_events gen-1 done)" -ge 3 ]'
	wait_for agent_idle gen-1
	TMUX_DISPATCH_SUGGEST_WAIT=0 run td check gen-1
	assert_line "gen-1: done q-2"
	assert_took gen-1 'first job' "$SUGGEST" 'second job'
}
