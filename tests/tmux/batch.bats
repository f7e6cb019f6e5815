#!/usr/bin/env bats
# Batches (issue 11): plan --execute starts what the plan says may start, within the worker
# limits, records it as a batch, and the completions that checks see carry the batch to done.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() { tmux_teardown; }

# The seed's graph: three scorers feeding an eval runner, imported while paused so that
# nothing is delivered before the plan says so.
seed_graph() {
	td pause
	td import - >/dev/null <<-'EOF'
	{"tasks": [
	  {"id": "SCR-001", "title": "ToolSelectionScorer", "estimate": "4h", "command": "score tools"},
	  {"id": "SCR-002", "title": "ReasoningScorer", "estimate": "4h", "command": "score reasoning"},
	  {"id": "SCR-003", "title": "LatencyScorer", "estimate": "3h", "command": "score latency"},
	  {"id": "RUN-001", "title": "Eval runner", "estimateHours": 4, "command": "run the evals",
	   "dependsOn": ["SCR-001", "SCR-002", "SCR-003"]}
	]}
	EOF
}

# batch_field ID FIELD: FIELD of batch ID in the state file.
# shellcheck disable=SC2016 # a Perl expression: perl expands it, not the shell
batch_field() {
	jsonx "$S" 'my ($b) = grep { $_->{id} eq $ARGV[0] } @{$d->{batches}};
		die "no batch $ARGV[0]\n" unless $b; $b->{$ARGV[1]}' "$1" "$2"
}

@test "plan --execute starts the longest chains first within the limit; completions finish the batch" {
	agent gen-1 --busy 1
	agent gen-2 --busy 1
	agent gen-3 --busy 1
	seed_graph
	run td plan --workers 2
	assert_success
	assert_line '  Workers 2 (--workers): start now SCR-001, SCR-002; queued SCR-003'
	assert_line '  Idle terminals now: gen-1, gen-2, gen-3'

	run td plan --execute --workers 2
	assert_success
	assert_line 'batch-1: started 2 items'
	[ "$(batch_field batch-1 items)" = '["SCR-001","SCR-002"]' ]
	[ "$(batch_field batch-1 status)" = running ]
	assert_item SCR-001 status running
	assert_item SCR-002 status running
	# the limit holds: the third idle terminal got nothing
	assert_item SCR-003 status pending
	[ "$(item_field SCR-003 deferred)" = 'worker limit: 2 of all 2 running' ]

	run td status --batch
	assert_success
	assert_line --regexp '^Batch batch-1 \(started [0-9][0-9]:[0-9][0-9], [0-9]+s ago\)$'
	assert_line --regexp '^  SCR-001  running +gen-[123] '
	assert_line '  Progress: 0/2 (0%)'
	assert_line '  When all complete, these unblock: RUN-001 Eval runner'

	# both finish; the check that sees it records them done and the batch with them
	wait_for agent_idle gen-1
	wait_for agent_idle gen-2
	wait_for agent_idle gen-3
	wait_for eval '[ "$(taken gen-1) $(taken gen-2) $(taken gen-3)" != "0 0 0" ]'
	wait_screen "$(item_field SCR-001 terminal)" "✻ Worked for"
	wait_screen "$(item_field SCR-002 terminal)" "✻ Worked for"
	run td check
	assert_success
	assert_item SCR-001 status done
	assert_item SCR-002 status done
	[ "$(batch_field batch-1 status)" = done ]
	[ "$(batch_field batch-1 finishedAt)" != null ]
	run td status --batch batch-1 --json
	assert_success
	[ "$(json - '$d->{done} . "/" . $d->{total}' <<<"$output")" = 2/2 ]
	run td status --batch
	assert_line '  Progress: 2/2 (100%)'
	assert_line --regexp '^  SCR-001  done +gen-[123] +[0-9]+s +result \.terminal-status\.d/results/SCR-001$'
	# the same check started the next item, outside the batch
	assert_item SCR-003 status running
	run td status
	assert_line 'batch batch-1: 2/2 done (100%), done'
}

@test "a batch with a failure ends failed; what waits on the failure is stuck" {
	agent gen-1 --busy 1
	agent gen-2 --busy 1
	seed_graph
	run td plan --execute --workers 1
	assert_success
	refute_line --partial 'batch-2'
	assert_line 'batch-1: started 1 item'
	[ "$(batch_field batch-1 items)" = '["SCR-001"]' ]
	run td fail SCR-001 --reason broke
	assert_success
	[ "$(batch_field batch-1 status)" = failed ]
	# what waited on it is stuck, and says why
	run td ls --status stuck
	assert_success
	assert_line --regexp '^RUN-001 +stuck '
	assert_line --regexp 'stuck: SCR-001 failed \(broke\)$'
	run td retry SCR-001
	[ "$(batch_field batch-1 status)" = running ]
}

@test "dispatch --batch records its items as a batch" {
	agent gen-1 --busy 1
	agent gen-2 --busy 1
	run td dispatch --batch all -- 'look around'
	assert_success
	assert_output $'q-1\nq-2'
	[ "$(batch_field batch-1 items)" = '["q-1","q-2"]' ]
	run td status --json
	assert_success
	[ "$(json - '$d->{batches}[0]{id}' <<<"$output")" = batch-1 ]
	[ "$(json - 'scalar @{$d->{batches}[0]{items}}' <<<"$output")" = 2 ]
}

@test "plan --execute with nothing to start records no batch" {
	agent gen-1 --busy 1
	run td plan --execute
	assert_success
	assert_line 'gen-1: nothing ready'
	assert_line 'nothing started: no idle terminal has a ready item it may take'
	[ "$(jsonx "$S" 'exists $d->{batches} ? 1 : 0')" = 0 ]
	run td status --batch
	assert_failure 4
}
