#!/usr/bin/env bats
# The hot path (issue 15): how many tmux clients a check starts before the Enter, what it does
# when a target is gone, and that a check which changes nothing leaves the state file alone.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() {
	tmux_setup
	CALLS="$BATS_TEST_TMPDIR/tmux-calls"
}
teardown() { tmux_teardown; }

# A TMUX_DISPATCH_TMUX wrapper that appends each call's "$*" (newlines as spaces) to $CALLS.
call_logger() {
	local path="$BATS_TEST_TMPDIR/call-logger"
	{
		echo '#!/usr/bin/env bash'
		printf 'log=%q\n' "$CALLS"
		# shellcheck disable=SC2016 # the wrapper's own $*, not ours
		echo 'args="$*"; printf "%s\n" "${args//$'"'\\n'"'/ }" >>"$log"'
		echo 'exec tmux "$@"'
	} >"$path"
	chmod +x "$path"
	echo "$path"
}

# The calls before the first paste (load-buffer), one a line.
calls_before_paste() { awk '/load-buffer/ { exit } { print }' "$CALLS"; }
# Of those, the snapshots (the pane list and screens).
snapshots_before_paste() { calls_before_paste | grep '^-u list-panes -a '; }

@test "a check reads the pane list and both agents' screens in one tmux call, then pastes" {
	agent gen-1 --busy 0
	agent gen-2 --busy 0
	td pause >/dev/null
	td enqueue --to gen-1 -- 'first job' >/dev/null
	td enqueue --to gen-2 -- 'second job' >/dev/null
	TMUX_DISPATCH_TMUX=$(call_logger) run td check
	assert_success
	assert_took gen-1 'first job'
	assert_took gen-2 'second job'
	run calls_before_paste
	[ "${#lines[@]}" = 1 ] || fail "calls before the paste: $output"
	assert_line --index 0 --regexp '^-u list-panes -a .* capture-pane -p -t %[0-9]+ .* capture-pane -p -t %[0-9]+ '
	# then one call per paste, and one per Enter (started with its paste, held back on its stdin)
	[ "$(grep -c paste-buffer "$CALLS")" = 2 ] || fail "$(cut -c 1-100 "$CALLS")"
	[ "$(grep -c 'send-keys -t %[0-9]* Enter' "$CALLS")" = 2 ] || fail "$(cut -c 1-100 "$CALLS")"
}

@test "a check's snapshot is the last check's targets, started before the state is read; a guess that misses a target is not used" {
	agent gen-1 --busy 0
	agent gen-2 --busy 0
	td pause >/dev/null
	local hint="$W/.terminal-status.d/snapshot-targets" p1 p2
	p1=$(pane_of gen-1) p2=$(pane_of gen-2)
	td enqueue --to gen-1 -- 'one' >/dev/null
	run td check
	assert_success
	assert_took gen-1 'one'
	# the targets it read, kept for the next check
	[ "$(cat "$hint")" = "$p1" ] || fail "hint: $(cat "$hint")"
	wait_for agent_idle gen-1
	td enqueue --to gen-1 -- 'two' >/dev/null
	TMUX_DISPATCH_TMUX=$(call_logger) run td check
	assert_success
	assert_took gen-1 'one' 'two'
	# the guess stood for the snapshot: one before the paste (then q-1's result is read)
	run snapshots_before_paste
	[ "${#lines[@]}" = 1 ] || fail "snapshots before the paste: $output"
	assert_line --index 0 --regexp "^-u list-panes -a .* capture-pane -p -t $p1 "
	# gen-2 has work too now: the guess (gen-1's screen) does not cover it and is not used
	wait_for agent_idle gen-1
	rm "$CALLS"
	td enqueue --to gen-2 -- 'three' >/dev/null
	TMUX_DISPATCH_TMUX=$(call_logger) run td check
	assert_success
	assert_took gen-2 'three'
	run snapshots_before_paste
	[ "${#lines[@]}" = 2 ] || fail "snapshots before the paste: $output"
	# (the wrapper logs as it starts: the two may be logged in either order)
	assert_line --regexp "^-u list-panes -a .* capture-pane -p -t $p1 ; display-message -p [^;]*end$"
	assert_line --regexp "^-u list-panes -a .* capture-pane -p -t %[0-9]+ .* capture-pane -p -t %[0-9]+ "
	[ "$(sort "$hint")" = "$(printf '%s\n' "$p1" "$p2" | sort)" ] || fail "hint: $(cat "$hint")"
	# the guess is started before the read: a state that does not parse is refused after it
	cp "$S" "$BATS_TEST_TMPDIR/good.json"
	printf '{ not json' >"$S"
	rm "$CALLS"
	TMUX_DISPATCH_TMUX=$(call_logger) run td check
	assert_failure
	grep -q '^-u list-panes -a ' "$CALLS" || fail "no snapshot before the read: $(cat "$CALLS" 2>/dev/null)"
	cp "$BATS_TEST_TMPDIR/good.json" "$S"
	# nothing left to look at: the hint goes
	wait_for agent_idle gen-2
	td check >/dev/null
	td check >/dev/null
	[ ! -e "$hint" ] || fail "hint: $(cat "$hint")"
}

@test "a damaged or stale snapshot-targets file costs a tmux call, never a wrong screen" {
	agent gen-1 --busy 0
	td pause >/dev/null
	local hint="$W/.terminal-status.d/snapshot-targets" p1
	p1=$(pane_of gen-1)
	mkdir -p "$W/.terminal-status.d"
	# a gone target first (tmux stops the list there), a pane of no terminal, one tmux refuses,
	# and a last line cut short
	printf 't:nosuch\n%%99\nbad;\n%s' "$p1" >"$hint"
	td enqueue --to gen-1 -- 'despite the hint' >/dev/null
	TMUX_DISPATCH_TMUX=$(call_logger) run td check
	assert_success
	assert_took gen-1 'despite the hint'
	run snapshots_before_paste
	[ "${#lines[@]}" = 2 ] || fail "snapshots before the paste: $output"
	[ "$(cat "$hint")" = "$p1" ] || fail "hint: $(cat "$hint")"
}

@test "a terminal whose target is gone: the other terminals' screens are still read, and it waits" {
	agent gen-1 --busy 0
	td pause >/dev/null
	# first in the file, so its failed capture cuts off the one-call read of gen-1's screen
	perl -MJSON::PP -0777 -i -pe '
		my $d = decode_json($_);
		$d->{terminals} = { "away" => { target => "t:nosuch", profile => "claude" },
		    %{$d->{terminals}} };
		$_ = JSON::PP->new->canonical->encode($d)' "$S"
	td trust >/dev/null
	td enqueue --to away -- 'for nobody' >/dev/null
	td enqueue --to gen-1 -- 'for gen-1' >/dev/null
	TMUX_DISPATCH_TMUX=$(call_logger) run td check
	assert_success
	assert_line 'away: skipped: no pane for target t:nosuch'
	assert_took gen-1 'for gen-1'
	[ "$(agent_events gen-1 paste)" = 1 ]
	[ "$(jsonx "$S" '(grep { $_->{command} eq "for nobody" } @{$d->{queue}})[0]{deferred}')" = \
	    'no pane for target t:nosuch' ]
}

@test "a check that changes nothing does not rewrite the state file" {
	agent gen-1 --busy 0
	td terminal add away t:nosuch --profile claude >/dev/null
	td enqueue --to away -- 'for nobody' >/dev/null
	run td check
	assert_success
	assert_line 'away: skipped: no pane for target t:nosuch'
	local before
	before=$(fingerprint "$S")
	run td check
	assert_success
	assert_line 'away: skipped: no pane for target t:nosuch'
	[ "$(fingerprint "$S")" = "$before" ] || fail "the state was rewritten"
	# a change is still written
	td enqueue --to gen-1 -- 'for gen-1' >/dev/null
	assert_took gen-1 'for gen-1'
	[ "$(fingerprint "$S")" != "$before" ]
}

@test "a hook when no terminal has anything to do takes no lock and asks tmux nothing" {
	agent gen-1 --busy 0
	td enqueue --to gen-1 -- 'a job' >/dev/null
	assert_took gen-1 'a job'
	wait_for agent_idle gen-1
	run td check
	assert_line 'gen-1: done q-1'
	local before window
	before=$(fingerprint "$S")
	window=$(tmux display -p -t t:gen-1 '#{window_id}')
	# someone holds the lock for longer than the hook may wait
	(flock 9 && exec sleep 30) 9>"$S.lock" &
	local holder=$!
	wait_for bash -c '! flock -n "$1" true' _ "$S.lock"
	TMUX_DISPATCH_LOCK_TIMEOUT=20 TMUX_DISPATCH_TMUX=$(call_logger) run timeout 10 "$TD" hook silence "$window"
	kill "$holder"
	assert_success
	assert_output ''
	[ ! -e "$CALLS" ] || fail "tmux calls: $(cat "$CALLS")"
	[ "$(fingerprint "$S")" = "$before" ]
}

@test "checks of a busy agent whose screen does not change stop rewriting the state" {
	agent gen-1 --busy 60
	tmux send-keys -t t:gen-1 -l 'a long job'
	tmux send-keys -t t:gen-1 Enter
	wait_screen gen-1 "esc to interrupt"
	td pause >/dev/null
	td enqueue --to gen-1 -- 'next job' >/dev/null
	export TMUX_DISPATCH_STALL_SECONDS=0
	local i before
	for i in 1 2 3; do
		run td check
		assert_line --regexp '^gen-1: q-1 waits: (busy|stalled) claude'
	done
	[ "$(jsonx "$S" '$d->{terminals}{"gen-1"}{screen}{seen}')" = 3 ]
	before=$(fingerprint "$S")
	for i in 1 2; do
		run td check
		assert_line --regexp '^gen-1: q-1 waits: stalled claude'
	done
	[ "$(fingerprint "$S")" = "$before" ] || fail "rewritten: $(jsonx "$S" '$d->{terminals}{"gen-1"}{screen}')"
	[ "$(agent_events gen-1 paste)" = 0 ]
}

window_of() { tmux display -p -t "t:$1" '#{window_id}'; }

@test "a silence hook looks at its own window: another window's finished turn waits for its hook" {
	agent gen-1 --busy 0
	agent gen-2 --busy 0
	td pause >/dev/null
	td enqueue --to gen-1 -- 'one for gen-1' >/dev/null
	td enqueue --to gen-2 -- 'one for gen-2' >/dev/null
	run td check
	assert_took gen-1 'one for gen-1'
	assert_took gen-2 'one for gen-2'
	wait_for agent_idle gen-1
	wait_for agent_idle gen-2
	# both turns are over; the hook for gen-2's window sees gen-2's only
	td hook silence "$(window_of gen-2)"
	assert_item q-2 status done
	assert_item q-1 status running
	td hook silence "$(window_of gen-1)"
	assert_item q-1 status done
}

@test "a silence hook that finishes an item looks at the idle terminals whose work it made ready" {
	agent gen-1 --busy 0
	agent gen-2 --busy 0
	td enqueue --to gen-1 --id first -- 'first, on gen-1' >/dev/null
	assert_took gen-1 'first, on gen-1'
	wait_for agent_idle gen-1
	td enqueue --to gen-2 --id then --after first -- 'then, on gen-2' >/dev/null
	assert_item then status pending
	td hook silence "$(window_of gen-1)"
	assert_item first status done
	assert_took gen-2 'then, on gen-2'
	assert_item then status running
}
