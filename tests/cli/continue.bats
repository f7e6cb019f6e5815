#!/usr/bin/env bats
# Continuation (issue 13) without tmux: enqueue --continue, a task's "continue", terminal add
# --continue and their refusals (the state byte-identical); the profile key "suggestion" and
# classify FILE with its .ansi sidecar (a recorded capture-pane -e of the same screen).
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

CAPTURES="$BATS_TEST_DIRNAME/../fixtures/captures"
NBSP=$'\xc2\xa0'

setup() {
	common_setup
	unset TMUX_DISPATCH_PROFILES
}

# field ID KEY: one key of one item in the state file ("absent" if unset).
field() {
	json "$S" "my (\$i) = grep { \$_->{id} eq '$1' } @{\$d->{queue}}, @{\$d->{completedToday}};
		die \"no item $1\\n\" unless \$i; exists \$i->{'$2'} ? \$i->{'$2'} : 'absent'"
}

@test "enqueue --continue N, a task's continue, terminal add --continue: stored; bad values refused" {
	td pause >/dev/null
	run td enqueue --continue 3 -- 'first job'
	assert_success
	[ "$(field q-1 continue)" = 3 ]
	run td enqueue -- 'second job'
	[ "$(field q-2 continue)" = absent ]
	td terminal add gen-1 %1 --continue 2 >/dev/null
	[ "$(json "$S" '$d->{terminals}{"gen-1"}{continue}')" = 2 ]
	before=$(fingerprint "$S")
	for bad in -1 101 x ''; do
		run --separate-stderr td enqueue --continue "$bad" -- 'third job'
		assert_failure 2
		assert_one_error_line
		run --separate-stderr td terminal add gen-2 %2 --continue "$bad"
		assert_failure 2
		assert_one_error_line
	done
	printf '[{"id": "T-1", "command": "x", "continue": 1.5}]\n' > bad.json
	run --separate-stderr td import bad.json
	assert_failure 2
	assert_equal "$stderr" "tmux-dispatch: refused: tasks[0] (T-1): continue must be a whole number from 0 to 100"
	printf '[{"id": "T-1", "command": "x", "continued": 9}]\n' > managed.json
	[ "$(fingerprint "$S")" = "$before" ]
	printf '[{"id": "T-1", "command": "x", "continue": 2}]\n' > tasks.json
	run td import tasks.json
	assert_success
	[ "$(field T-1 continue)" = 2 ]
	run td import managed.json
	assert_success
	[ "$(field T-1 continued)" = absent ]
}

@test "classify FILE: with NAME.ansi a suggestion is idle; without it, or for a draft, typed" {
	cp "$CAPTURES/claude-idle-suggestion-1.txt" "$CAPTURES/claude-idle-suggestion-1.meta" .
	run td classify -p claude claude-idle-suggestion-1.txt
	assert_output 'typed claude: input "❯'"$NBSP"'run the tests again"'
	cp "$CAPTURES/claude-idle-suggestion-1.ansi" .
	run td classify -p claude claude-idle-suggestion-1.txt
	assert_output 'idle claude: suggestion in the input (ghost text); input empty, turn done "✻ Baked for 0s"'
	run td classify claude-idle-suggestion-1.txt
	assert_output --regexp '^idle claude: suggestion'
	# a profile without the key reads the same screen as typed
	run td classify -p generic claude-idle-suggestion-1.txt
	refute_output --regexp '^idle'
	run td classify -p claude "$CAPTURES/claude-typed-draft-1.txt"
	assert_output 'typed claude: input "❯'"$NBSP"'fix the failing test in src/queue.c"'
	# the .ansi of another screen is not believed
	cp "$CAPTURES/claude-typed-draft-1.ansi" claude-idle-suggestion-1.ansi
	run td classify -p claude claude-idle-suggestion-1.txt
	assert_output --regexp '^typed claude: '
}

@test "profile key suggestion: SGR lists, checked when the profiles file is read" {
	printf '{"mine": {"input": ["^> "], "idle": ["^> $"], "suggestion": {"ghost": ["2", "38;5;8"], "cursor": ["7"]}}}\n' \
	    > tmux-dispatch.profiles.json
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
	run td profiles show mine
	assert_success
	assert_output --partial '"suggestion"'
	for bad in '{"ghost": []}' '{"ghost": ["dim"]}' '{"ghost": ["2;"]}' '{"cursor": ["7"]}' \
	    '{"ghost": ["2"], "colour": ["7"]}' '["2"]'; do
		printf '{"mine": {"input": ["^> "], "suggestion": %s}}\n' "$bad" > tmux-dispatch.profiles.json
		td trust "$W/tmux-dispatch.profiles.json" >/dev/null
		run --separate-stderr td profiles show mine
		assert_failure 3
		assert_one_error_line
		[[ "$stderr" == *'profile "mine": suggestion: expected {"ghost": [SGR...]'* ]] ||
			fail "$bad: $stderr"
	done
}
