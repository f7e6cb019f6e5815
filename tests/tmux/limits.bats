#!/usr/bin/env bats
# Worker limits under load (issue 11): six fake agents in two groups, many ready items, six
# checks at once. No check starts an item past the all, group or terminal limit: counted in the
# state afterwards and in the event log (every delivery), so an overshoot that was later undone
# would still show. When the running items finish, the next ones start, within the limit again.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

# Six fake agents whose turns last until interrupted (finish_running): gen-1..3 and rev-1..3,
# in groups gen and rev. Then N items for anyone, queued while paused so that enqueue itself
# delivers nothing.
fleet() { # N
	local name k
	for name in gen-1 gen-2 gen-3 rev-1 rev-2 rev-3; do
		agent "$name" --busy 600
	done
	td pause
	for ((k = 1; k <= $1; k++)); do
		td enqueue -- "job $k" >/dev/null
	done
	[ "$(deliveries)" = 0 ] || fail "enqueue delivered while paused"
}

# Six checks of every terminal at once; each must succeed.
six_checks() {
	local pids=() n
	for n in 1 2 3 4 5 6; do
		"$TD" check >"$BATS_TEST_TMPDIR/check-$n.out" 2>&1 3>&- &
		pids+=($!)
	done
	for n in "${pids[@]}"; do
		wait "$n" || fail "a check failed: $(cat "$BATS_TEST_TMPDIR"/check-*.out)"
	done
}

# Running items in the state file whose terminal matches the regex (default: any).
# shellcheck disable=SC2016 # a Perl expression: perl expands it, not the shell
running() {
	jsonx "$S" 'scalar grep { $_->{status} eq "running" && ($_->{terminal} // "") =~ /$ARGV[0]/ }
		@{$d->{queue}}' "${1:-.}"
}

# Lines of one event in events.jsonl (deliver by default) whose terminal matches the regex.
deliveries() { # [REGEX] [EVENT]
	[ -f "$EV" ] || { echo 0; return; }
	perl -MJSON::PP -ne '
		BEGIN { ($re, $ev) = @ARGV; @ARGV = () }
		my $e = JSON::PP->new->decode($_);
		$n++ if $e->{event} eq $ev && ($e->{terminal} // "") =~ /$re/;
		END { print $n + 0, "\n" }' "${1:-.}" "${2:-deliver}" <"$EV"
}

# Submissions the agents took, all six together.
taken_all() {
	local name n=0
	for name in gen-1 gen-2 gen-3 rev-1 rev-2 rev-3; do
		n=$((n + $(taken "$name")))
	done
	echo "$n"
}

# assert_started N: N items started in all (deliveries, submissions, agents' takes), each
# running or done, and the state's running items are exactly the ones not yet done.
assert_started() {
	[ "$(deliveries)" = "$1" ] || fail "$(deliveries) deliveries, expected $1: $(cat "$EV")"
	[ "$(deliveries . submitted)" = "$1" ] || fail "$(deliveries . submitted) submitted, expected $1"
	wait_for eval '[ "$(taken_all)" -ge '"$1"' ]'
	[ "$(taken_all)" = "$1" ] || fail "the agents took $(taken_all) submissions, expected $1"
}

# The terminals with a running item finish it: Esc ends the fake agent's turn, and it is idle on
# a screen other than the one its item was typed into.
finish_running() {
	local name
	for name in $(jsonx "$S" 'map { $_->{terminal} } grep { $_->{status} eq "running" } @{$d->{queue}}'); do
		tmux send-keys -t "t:$name" Escape
		wait_screen "$name" "Interrupted · What should Claude do instead?"
		wait_for agent_idle "$name"
	done
}

@test "limit all 2: six concurrent checks start two items; when they finish, two more" {
	fleet 10
	td limit set all 2
	six_checks
	[ "$(running)" = 2 ] || fail "$(running) running, limit 2: $(cat "$S")"
	assert_started 2
	# the items left wait for a worker, and say so
	run item_field q-3 deferred
	assert_output "worker limit: 2 of all 2 running"
	run td limit ls
	assert_line --regexp '^all +all +2 +2$'
	run td check --dry-run
	assert_success
	assert_line --regexp '^[a-z]+-[0-9]: working on q-[12]: busy'
	assert_line --regexp '^[a-z]+-[0-9]: q-3 waits: worker limit: 2 of all 2 running$'
	[ "$(grep -c 'would send' <<<"$output")" = 0 ] || fail "a dry run would send: $output"

	finish_running
	# a dry run counts what it would finish and what it would send: two, not four
	run td check --dry-run
	assert_success
	[ "$(grep -c 'would mark q-[12] done' <<<"$output")" = 2 ] || fail "$output"
	[ "$(grep -c 'would send q-[34] ' <<<"$output")" = 2 ] || fail "not two would be sent: $output"
	assert_line --regexp '^[a-z]+-[0-9]: q-5 waits: worker limit: 2 of all 2 running$'

	six_checks
	assert_item q-1 status done
	assert_item q-2 status done
	[ "$(running)" = 2 ] || fail "$(running) running after the finish, limit 2: $(cat "$S")"
	assert_started 4
	assert_item q-3 status running
	assert_item q-4 status running
	assert_item q-5 status pending
}

@test "a group limit: gen runs one item at a time, rev takes the rest" {
	fleet 10
	td limit set gen 1
	six_checks
	[ "$(running '^gen-')" = 1 ] || fail "$(running '^gen-') running in gen, limit 1: $(cat "$S")"
	[ "$(running '^rev-')" = 3 ]
	assert_started 4
	[ "$(deliveries '^gen-')" = 1 ] || fail "$(deliveries '^gen-') deliveries to gen, limit 1"
	run td limit ls --json
	[ "$(json - '$d->{limits}' <<<"$output")" = '[{"kind":"group","limit":1,"name":"gen","running":1}]' ]
	run td check --dry-run
	assert_line --regexp '^gen-[0-9]: q-5 waits: worker limit: 1 of gen.s 1 running$'

	finish_running
	six_checks
	[ "$(running '^gen-')" = 1 ] || fail "$(running '^gen-') running in gen, limit 1: $(cat "$S")"
	[ "$(running '^rev-')" = 3 ]
	assert_started 8
	[ "$(deliveries '^gen-')" = 2 ] || fail "$(deliveries '^gen-') deliveries to gen"
}

@test "a terminal limit 0: it gets nothing, its own items wait; the all limit still holds" {
	fleet 10
	td enqueue --to gen-2 --priority 9 -- 'for gen-2 only' >/dev/null
	td limit set gen-2 0
	td limit set all 4
	six_checks
	[ "$(running '^gen-2$')" = 0 ] || fail "gen-2 runs an item under limit 0: $(cat "$S")"
	[ "$(running)" = 4 ]
	assert_started 4
	[ "$(deliveries '^gen-2$')" = 0 ]
	assert_item q-11 status pending
	assert_item q-11 deferred "worker limit: 0 of gen-2's 0 running"

	finish_running
	six_checks
	[ "$(running '^gen-2$')" = 0 ]
	[ "$(running)" = 4 ] || fail "$(running) running after the finish, limit 4: $(cat "$S")"
	assert_started 8
	[ "$(taken gen-2)" = 0 ]
	assert_item q-11 status pending
	# its limit removed, the all limit still holds it back; raised, gen-2 takes its own item
	td limit rm gen-2
	run td check gen-2
	assert_success
	assert_output "gen-2: q-11 waits: worker limit: 4 of all 4 running"
	td limit set all 5
	run td check gen-2
	assert_success
	assert_line "gen-2: sent q-11 ($(pane_of gen-2))"
	[ "$(running)" = 5 ]
	assert_took gen-2 'for gen-2 only'
}
