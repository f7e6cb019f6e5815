#!/usr/bin/env bats
# One-shot runs (issue 12): an item queued with --oneshot runs as its profile's headless argv in
# a window of the session dispatch-oneshot, the prompt as standard input (or a file), the output
# in .terminal-status.d/logs/ID.out; a later check reads the dead pane's status: 0 done, else
# failed with the status and the last lines. One per agent name at a time, worker limits apply,
# and nothing of the prompt, the model or the id ever reaches a shell.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

FAKEONESHOT="${TD_BUILD:-$BATS_TEST_DIRNAME/../../bin}/agents/fakeoneshot"

setup() {
	tmux_setup
	unset TMUX_DISPATCH_PROFILES
	[ -x "$FAKEONESHOT" ] || fail "no fake one-shot at $FAKEONESHOT (run make test)"
	CLAUDECODE=1 tmux -f /dev/null new-session -d -s t -n base -x 120 -y 40 -c "$W" sleep 600
	TMUX_SERVER_PID=$(tmux display -p '#{pid}')
	LOGS="$W/.terminal-status.d/logs"
	profile fake
}

teardown() {
	tmux_teardown
}

# profile NAME [ARGV...]: a trusted user profile NAME, the claude profile with its oneshot argv
# the fake one-shot (and ARGV after it) and no sessionFlag, so the argv is known exactly.
profile() {
	local name=$1
	shift
	td profiles show claude | FO="$FAKEONESHOT" N="$name" perl -MJSON::PP -e '
		local $/; my $d = decode_json(<STDIN>); my $p = $d->{claude};
		my $file = grep { $_ eq "{prompt_file}" } @ARGV;
		$p->{oneshot} = {argv => [$ENV{FO}, @ARGV], prompt => $file ? "file" : "stdin"};
		delete $p->{sessionFlag};
		delete $p->{modelFlag} if $ENV{NOMODEL};
		print JSON::PP->new->utf8->encode({$ENV{N} => $p})' -- "$@" >"$W/tmux-dispatch.profiles.json"
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
}

# ended ID: ID's program has ended (or a check has recorded it already).
ended() {
	[ "$(item_field "$1" status)" != running ] ||
	    [ "$(tmux display -p -t "$(item_field "$1" pane)" '#{pane_dead}')" = 1 ]
}
# finish ID: waits for ID's program to end, then a check records it.
finish() {
	wait_for ended "$1"
	td check >/dev/null
}

@test "one-shot exit 0: done, the prompt on stdin, the output in logs/ID.out, the pane reaped" {
	run --separate-stderr td enqueue --oneshot --profile fake --id o1 --stdin \
	    <<<$'hello there\nsecond line'
	assert_success
	assert_output o1
	assert_item o1 status running
	assert_item o1 agent null
	pane=$(item_field o1 pane)
	[ "$(tmux display -p -t "$pane" '#{session_name} #{window_name}')" = "dispatch-oneshot o1" ]
	[ "$(tmux show -pv -t "$pane" remain-on-exit)" = on ]
	finish o1
	assert_item o1 status done
	assert_item o1 exitStatus 0
	assert_item o1 output "$LOGS/o1.out"
	# The server has CLAUDECODE; the profile's env removed it (no "CLAUDECODE set" line).
	[ "$(cat "$LOGS/o1.out")" = "$(printf '%s\n' 'args:' 'prompt: hello there' \
	    'prompt: second line' 'fakeoneshot: finished with 0')" ]
	[ "$(cat "$LOGS/o1.in")" = $'hello there\nsecond line' ]
	grep -qx 'prompt: second line' "$(item_field o1 result)"
	[ "$(events o1)" = "started done" ]
	[ "$(event_field o1 started pane)" = "$pane" ]
	[ "$(event_field o1 started terminal)" = fake ]
	# Its pane is killed once the state is written: the window is gone.
	run tmux list-windows -t dispatch-oneshot -F '#{window_name}'
	refute_line o1
}

@test "one-shot exit 3: failed with the status and the last lines" {
	printf 'working\nexit 3\n' | td enqueue --oneshot --profile fake --id o3 --stdin >/dev/null
	finish o3
	assert_item o3 status failed
	assert_item o3 exitStatus 3
	reason=$(json "$S" 'map { $_->{id} eq "o3" ? $_->{reason} : () } @{$d->{completedToday}}')
	[[ $reason == "exit status 3: "* ]] || fail "reason: $reason"
	[[ $reason == *"prompt: exit 3 ⏎ fakeoneshot: finished with 3" ]] || fail "reason: $reason"
	grep -qx 'prompt: working' "$LOGS/o3.out"
	[ "$(events o3)" = "started failed" ]
}

@test "one-shot with a model, and a profile that takes the prompt as a file" {
	profile pf --prompt-file '{prompt_file}'
	td enqueue --oneshot --profile pf --model m-1 --id f1 -- from a file >/dev/null
	finish f1
	assert_item f1 status done
	assert_item f1 model m-1
	head -1 "$LOGS/f1.out" | grep -qxF "args: [--prompt-file] [$LOGS/f1.in] [--model] [m-1]"
	grep -qx 'prompt: from a file' "$LOGS/f1.out"
}

@test "one one-shot at a time per agent name, and the all worker limit counts them" {
	td enqueue --oneshot --profile fake --to w --id a1 --stdin <<<'sleep 1' >/dev/null
	td enqueue --oneshot --profile fake --to w --id a2 -- second >/dev/null
	assert_item a1 status running
	assert_item a1 agent w
	assert_item a2 status pending
	assert_item a2 deferred "agent w is running a1"
	td limit set all 1 >/dev/null
	td enqueue --oneshot --profile fake --to v --id b1 -- other agent >/dev/null
	assert_item b1 status pending
	assert_item b1 deferred "worker limit: 1 of all 1 running"
	finish a1
	assert_item a1 status done
	# a1's end made room for one: a2 (queued first) started, b1 still waits.
	assert_item a2 status running
	assert_item b1 status pending
	finish a2
	assert_item b1 status running
	finish b1
	assert_item b1 status done
	[ "$(json "$S" '$d->{completedToday}[2]{id}')" = b1 ]
}

@test "cancel of a running one-shot ends its program with its pane" {
	td enqueue --oneshot --profile fake --id c1 --stdin <<<'sleep 30' >/dev/null
	pane=$(item_field c1 pane)
	tmux list-panes -a -F '#{pane_id}' | grep -qx -- "$pane"
	td cancel c1 >/dev/null
	assert_item c1 status cancelled
	run tmux list-panes -a -F '#{pane_id}'
	refute_line "$pane"
	td enqueue --oneshot --profile fake --id c2 -- next >/dev/null
	assert_item c2 status running
}

@test "a one-shot whose pane is gone fails" {
	td enqueue --oneshot --profile fake --id g1 --stdin <<<'sleep 30' >/dev/null
	tmux kill-pane -t "$(item_field g1 pane)"
	td check >/dev/null
	assert_item g1 status failed
	assert_item g1 reason "its pane is gone"
}

@test "a terminal never takes a one-shot, and check --dry-run says what it would run" {
	agent a
	td pause >/dev/null
	td enqueue --oneshot --profile fake --id d1 -- dry >/dev/null
	fp=$(fingerprint "$S")
	run --separate-stderr td check --dry-run
	assert_success
	assert_line "fake: would run d1 (profile fake)"
	assert_line "a: nothing ready"
	[ "$(fingerprint "$S")" = "$fp" ]
	td resume >/dev/null
	finish d1
	assert_item d1 status done
	[ "$(taken a)" = 0 ]
}

@test "injection payloads in the prompt, the model and the id never reach a shell" {
	payload='$(touch pwned1) `touch pwned2` ; touch pwned3 | touch pwned4 #{pane_id} #(touch pwned5)'
	td enqueue --oneshot --profile fake --id 'x;$(touch pwned6)' --model '$(touch pwned7);' \
	    -- "$payload" >/dev/null
	id='x;$(touch pwned6)'
	finish "$id"
	assert_item "$id" status done
	grep -qxF "prompt: $payload" "$LOGS/$id.out"
	grep -qxF 'args: [--model] [$(touch pwned7);]' "$LOGS/$id.out"
	# An id that is no window name gets a plain one.
	[ "$(ls "$W" | grep -c pwned)" = 0 ]
	[ "$(ls "$BATS_TEST_TMPDIR" | grep -c pwned)" = 0 ]
}

@test "one-shot refusals: no profile, unknown profile, no oneshot argv, no modelFlag, bad names" {
	td enqueue -- seed >/dev/null
	fp=$(fingerprint "$S")
	run --separate-stderr td enqueue --oneshot -- x
	assert_failure 2
	[ "$stderr" = "tmux-dispatch: refused: --oneshot needs --profile" ]
	run --separate-stderr td enqueue --profile fake -- x
	assert_failure 2
	[ "$stderr" = "tmux-dispatch: refused: --profile is for --oneshot or --worktree" ]
	run --separate-stderr td enqueue --oneshot --profile nosuch -- x
	assert_failure
	assert_one_error_line
	[[ $stderr == *"nosuch"* ]]
	run --separate-stderr td enqueue --oneshot --profile shell -- x
	assert_failure 2
	[ "$stderr" = "tmux-dispatch: refused: --oneshot: profile 'shell' has no \"oneshot\"" ]
	run --separate-stderr td enqueue --oneshot --profile fake --to 'a b' -- x
	assert_failure 2
	assert_one_error_line
	run --separate-stderr td enqueue --oneshot --profile fake --id a/b -- x
	assert_failure 2
	[ "$stderr" = "tmux-dispatch: refused: --oneshot: a one-shot's id names its log file: it may not hold '/'" ]
	NOMODEL=1 profile nm
	run --separate-stderr td enqueue --oneshot --profile nm --model m -- x
	assert_failure 2
	[ "$stderr" = "tmux-dispatch: refused: --oneshot: profile 'nm' has no \"modelFlag\": a model cannot be passed" ]
	[ "$(fingerprint "$S")" = "$fp" ]
}

@test "import: oneshot, profile, model and agent keys; a bad one refused" {
	cat >"$W/tasks.json" <<-'JSON'
	{"tasks": [{"id": "i1", "prompt": "imported", "oneshot": true, "profile": "fake",
	            "model": "m-2", "agent": "imp"}]}
	JSON
	run --separate-stderr td import "$W/tasks.json"
	assert_success
	assert_item i1 agent imp
	finish i1
	assert_item i1 status done
	grep -qxF 'args: [--model] [m-2]' "$LOGS/i1.out"
	cat >"$W/bad.json" <<-'JSON'
	{"tasks": [{"id": "i2", "prompt": "x", "oneshot": true, "profile": "shell"}]}
	JSON
	fp=$(fingerprint "$S")
	run --separate-stderr td import "$W/bad.json"
	assert_failure 2
	assert_one_error_line
	[[ $stderr == *'i2'*'no "oneshot"'* ]] || fail "$stderr"
	[ "$(fingerprint "$S")" = "$fp" ]
}
