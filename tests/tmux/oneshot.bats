#!/usr/bin/env bats
# One-shot runs (issue 12): an item queued with --oneshot runs as its profile's headless argv in
# a window of the session dispatch-oneshot (or a pane split into a window given by --in), the
# prompt as standard input (or a file), the output in .terminal-status.d/logs/ID.out; its end
# is recorded at once (logs/ID.status, and a check oneshot-exec starts), else a later check
# reads the dead pane's status: 0 done, else failed with the status and the last lines. One per
# agent name at a time, worker limits apply, and nothing of the prompt, the model or the id
# ever reaches a shell.

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
# is ID STATUS: ID has that status now.
is() { [ "$(item_field "$1" status)" = "$2" ]; }
# panes_in WINDOW N: WINDOW has N panes.
panes_in() { [ "$(tmux list-panes -t "$1" | wc -l)" -eq "$2" ]; }
# no_window NAME: the session dispatch-oneshot has no window NAME (or is gone).
no_window() { ! tmux list-windows -t dispatch-oneshot -F '#{window_name}' 2>/dev/null | grep -qx -- "$1"; }

@test "one-shot exit 0: done, the prompt on stdin, the output in logs/ID.out, the pane reaped" {
	run --separate-stderr td enqueue --oneshot --profile fake --id o1 --stdin \
	    <<<$'hello there\nsleep 1\nsecond line'
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
	    'prompt: sleep 1' 'prompt: second line' 'fakeoneshot: finished with 0')" ]
	[ "$(cat "$LOGS/o1.in")" = $'hello there\nsleep 1\nsecond line' ]
	[ "$(cat "$LOGS/o1.status")" = 0 ]
	grep -qx 'prompt: second line' "$(item_field o1 result)/screen.txt"
	[ "$(events o1)" = "started done" ]
	[ "$(event_field o1 started pane)" = "$pane" ]
	[ "$(event_field o1 started terminal)" = fake ]
	# Its pane is killed once the state is written: the window is gone.
	wait_for no_window o1
}

@test "a one-shot's end is recorded at once: the next starts with no check, even when tmux shows no status" {
	# tmux 3.3a can leave pane_dead_status empty; here it always is, for every check.
	wrapper=$(tmux_wrapper 'echo; exit 0' '*pane_dead_status*')
	export TMUX_DISPATCH_TMUX="$wrapper"
	tmux set-environment -g TMUX_DISPATCH_TMUX "$wrapper"
	td enqueue --oneshot --profile fake --to w --id e1 --stdin <<<$'sleep 1\nexit 3' >/dev/null
	td enqueue --oneshot --profile fake --to w --id e2 -- next >/dev/null
	assert_item e2 status pending
	pane=$(item_field e1 pane)
	# No check by hand from here on: e1's end starts e2, whose end finishes it.
	wait_for is e2 done
	assert_item e1 status failed
	assert_item e1 exitStatus 3
	[ "$(cat "$LOGS/e1.status")" = 3 ]
	reason=$(json "$S" 'map { $_->{id} eq "e1" ? $_->{reason} : () } @{$d->{completedToday}}')
	[[ $reason == "exit status 3: "*"fakeoneshot: finished with 3" ]] || fail "reason: $reason"
	assert_item e2 exitStatus 0
	[ "$(events e1)" = "started failed" ]
	wait_for no_window e2
	run tmux list-panes -a -F '#{pane_id}'
	refute_line "$pane"
}

@test "one-shot --in SESSION:WINDOW: a pane split into that window, tiled; a window gone fails it" {
	tmux new-window -d -t t: -n tier1 sleep 600
	tmux split-window -d -t t:tier1 sleep 600
	active=$(tmux display -p -t t:tier1 '#{pane_id}')
	td enqueue --oneshot --profile fake --id s1 --in t:tier1 --stdin <<<$'sleep 1\nin a tier' >/dev/null
	assert_item s1 status running
	assert_item s1 in t:tier1
	pane=$(item_field s1 pane)
	[ "$(tmux display -p -t "$pane" '#{session_name} #{window_name}')" = "t tier1" ]
	[ "$(tmux list-panes -t t:tier1 | wc -l)" -eq 3 ]
	[ "$(tmux show -pv -t "$pane" remain-on-exit)" = on ]
	[ "$(tmux display -p -t t:tier1 '#{pane_id}')" = "$active" ]
	layout=$(tmux display -p -t t:tier1 '#{window_layout}')
	tmux select-layout -t t:tier1 tiled
	[ "$(tmux display -p -t t:tier1 '#{window_layout}')" = "$layout" ] || fail "not tiled: $layout"
	wait_for is s1 done
	grep -qx 'prompt: in a tier' "$LOGS/s1.out"
	# Its pane is reaped; the window and its other panes stay, and no one-shot session was made.
	wait_for panes_in t:tier1 2
	run tmux has-session -t dispatch-oneshot
	assert_failure
	# A window index works too; import takes the same key.
	idx=$(tmux display -p -t t:tier1 '#{window_index}')
	td enqueue --oneshot --profile fake --id s2 --in "t:$idx" -- by index >/dev/null
	printf '{"tasks": [{"id": "s3", "prompt": "imported", "oneshot": true, "profile": "fake", "in": "t:tier1"}]}\n' >"$W/t.json"
	td import "$W/t.json" >/dev/null
	wait_for is s3 done
	assert_item s2 status done
	grep -qx 'prompt: imported' "$LOGS/s3.out"
	# tier is only a prefix of tier1's name: the window does not exist when it starts.
	run --separate-stderr td enqueue --oneshot --profile fake --id s4 --in t:tier -- x
	assert_success
	assert_item s4 status failed
	assert_item s4 reason "window t:tier does not exist (in)"
	td enqueue --oneshot --profile fake --id s5 --in nosuch:w -- x >/dev/null
	assert_item s5 reason "window nosuch:w does not exist (in)"
	[ "$(tmux list-panes -t t:tier1 | wc -l)" -eq 2 ]
	# A malformed target is refused at enqueue and import, and nothing is written.
	fp=$(fingerprint "$S")
	for bad in t 't:a b' ':w' 't:' 't:w;'; do
		run --separate-stderr td enqueue --oneshot --profile fake --in "$bad" -- x
		assert_failure 2
		[ "$stderr" = "tmux-dispatch: refused: --oneshot: in takes SESSION:WINDOW, names of 1 to 64 of A-Z a-z 0-9 . _ -, not '$bad'" ] || fail "$stderr"
	done
	run --separate-stderr td enqueue --in t:tier1 -- x
	assert_failure 2
	[ "$stderr" = "tmux-dispatch: refused: --in is for --oneshot" ]
	printf '{"tasks": [{"id": "s6", "prompt": "x", "oneshot": true, "profile": "fake", "in": 5}]}\n' >"$W/bad.json"
	run --separate-stderr td import "$W/bad.json"
	assert_failure 2
	assert_one_error_line
	[[ $stderr == *s6*"in takes SESSION:WINDOW"* ]] || fail "$stderr"
	[ "$(fingerprint "$S")" = "$fp" ]
}

@test "one-shot exit 3: failed with the status and the last lines" {
	printf 'working\nsleep 1\nexit 3\n' | td enqueue --oneshot --profile fake --id o3 --stdin >/dev/null
	finish o3
	assert_item o3 status failed
	assert_item o3 exitStatus 3
	reason=$(json "$S" 'map { $_->{id} eq "o3" ? $_->{reason} : () } @{$d->{completedToday}}')
	[[ $reason == "exit status 3: "* ]] || fail "reason: $reason"
	[[ $reason == *"prompt: exit 3 ⏎ fakeoneshot: finished with 3" ]] || fail "reason: $reason"
	grep -qx 'prompt: working' "$LOGS/o3.out"
	[ "$(events o3)" = "started failed" ]
	# A retry runs it again: the status the first run recorded does not end the second.
	td retry o3 >/dev/null
	td check >/dev/null
	assert_item o3 status running
	[ ! -e "$LOGS/o3.status" ]
	wait_for is o3 failed
	[ "$(cat "$LOGS/o3.status")" = 3 ]
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
	td enqueue --oneshot --profile fake --to w --id a1 --stdin <<<'sleep 2' >/dev/null
	td enqueue --oneshot --profile fake --to w --id a2 --stdin <<<'sleep 2' >/dev/null
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
	# a2's end started b1, and b1's own end finished it.
	wait_for is b1 done
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
	[ "$(item_field c2 status)" != pending ]
	wait_for is c2 done
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

@test "one-shot --done-when: done when its output has the line, failed when it has not" {
	run --separate-stderr td enqueue --oneshot --profile fake --id o1 --done-when '^prompt: hel+o' \
	    -- 'hello'
	assert_success
	run --separate-stderr td enqueue --oneshot --profile fake --to other --id o2 \
	    --done-when '^RESULT:' -- 'no result here'
	assert_success
	finish o1
	finish o2
	assert_item o1 status done
	assert_item o2 status failed
	assert_item o2 exitStatus 0
	assert_item o2 reason "exit status 0, but no line of its output matches --done-when ^RESULT:"
	grep -qx 'prompt: no result here' "$(item_field o2 result)/screen.txt"
}
