#!/usr/bin/env bats
# One item lifecycle (issue 8): every transition, by hand or by a check, goes through the same
# code, writes its event line and clears what it must; files beside the state take its mode;
# `state replace` is the one other way the state file is written.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
	EV="$W/.terminal-status.d/events.jsonl"
}

# events_of ID: "event reason" of each events.jsonl line for item ID, one a line.
events_of() {
	perl -MJSON::PP -ne 'BEGIN { $id = shift } my $e = decode_json($_);
		print "$e->{event} ", $e->{reason} // "null", "\n" if ($e->{item} // "") eq $id' \
	    "$1" "$EV"
}

# field ID KEY: one key of one item as stored ("absent" when it is not there).
field() {
	json "$S" "my (\$i) = grep { \$_->{id} eq '$1' } @{\$d->{queue}}, @{\$d->{completedToday}};
		exists \$i->{'$2'} ? \$i->{'$2'} : 'absent'"
}

@test "lifecycle: manual done, fail and cancel each write one event line" {
	td enqueue -- one >/dev/null
	td enqueue -- two >/dev/null
	td enqueue -- three >/dev/null
	td done q-1
	td fail q-2 --reason 'broke the build'
	td cancel q-3
	run events_of q-1
	assert_output "done null"
	run events_of q-2
	assert_output "failed broke the build"
	run events_of q-3
	assert_output "cancelled null"
	[ "$(field q-1 finishedAt)" != absent ]
}

@test "lifecycle: retry clears every delivery key, keeps attempts and logs the retry" {
	cat >"$S" <<-'EOF'
	{"version": 1, "queue": [], "completedToday": [
	  {"id": "x-1", "command": "job", "status": "failed", "attempts": 2, "dependsOn": [],
	   "priority": 0, "createdAt": "2026-01-01T00:00:00Z", "startedAt": "2026-01-01T00:00:01Z",
	   "deliveredAt": "2026-01-01T00:00:02Z", "finishedAt": "2026-01-01T00:00:03Z",
	   "terminal": "gen-1", "pane": "%3", "screenBefore": "00000000000000ff",
	   "deferred": "busy", "reason": "agent exited", "result": "/tmp/r.log", "mine": 7}]}
	EOF
	run td retry x-1
	assert_success
	[ "$(field x-1 status)" = pending ]
	[ "$(field x-1 attempts)" = 2 ]
	[ "$(field x-1 mine)" = 7 ]
	for key in startedAt deliveredAt finishedAt terminal pane screenBefore deferred reason result; do
		[ "$(field x-1 "$key")" = absent ] || fail "$key survived the retry: $(field x-1 "$key")"
	done
	run events_of x-1
	assert_output "retry null"
	# the line names where it last ran
	perl -MJSON::PP -ne '$e = decode_json($_);
		exit 1 unless $e->{terminal} eq "gen-1" && $e->{pane} eq "%3"' "$EV"
}

@test "lifecycle: the side directory and the event log take the state file's mode" {
	td enqueue -- one >/dev/null
	chmod 600 "$S"
	td done q-1
	[ "$(stat -c %a "$W/.terminal-status.d")" = 700 ]
	[ "$(stat -c %a "$EV")" = 600 ]
	rm -rf "$W/.terminal-status.d"
	chmod 640 "$S"
	td enqueue -- two >/dev/null
	td cancel q-2
	[ "$(stat -c %a "$W/.terminal-status.d")" = 750 ]
	[ "$(stat -c %a "$EV")" = 640 ]
}

@test "lifecycle: an event log that is a symlink is not written through" {
	td terminal add gen-1 %1 >/dev/null
	mkdir -p "$W/.terminal-status.d"
	ln -s "$W/elsewhere" "$EV"
	run --separate-stderr td dispatch gen-1 -- one
	assert_success
	run --separate-stderr td done q-1
	assert_success
	[ ! -e "$W/elsewhere" ]
	[ "$(field q-1 status)" = done ]
}

@test "state replace: a valid file replaces the state by rename, bytes and mode kept" {
	td enqueue -- one >/dev/null
	chmod 640 "$S"
	local inode
	inode=$(stat -c %i "$S")
	printf '{"version": 1, "queue": [{"command": "two"}], "theirs": {"x": 1.50}}\n' >"$W/new"
	run td state replace "$W/new"
	assert_success
	assert_output ""
	cmp "$W/new" "$S"
	[ "$(stat -c %a "$S")" = 640 ]
	[ "$(stat -c %i "$S")" != "$inode" ]
	[ ! -e "$S.tmp" ]
	run td ls
	assert_output --partial two
}

@test "state replace: an invalid file is refused with exit 3 and the state stays as it was" {
	td enqueue -- one >/dev/null
	local before
	before=$(fingerprint "$S")
	printf '{"queue": [{"command": 1}]}' >"$W/bad"
	run --separate-stderr td state replace "$W/bad"
	assert_failure 3
	assert_one_error_line
	[[ "$stderr" == *"queue[0].command"* ]]
	printf '{ nope' >"$W/bad"
	run --separate-stderr td state replace "$W/bad"
	assert_failure 3
	[[ "$stderr" == *"$W/bad:1:"* ]]
	[ "$(fingerprint "$S")" = "$before" ]
	run --separate-stderr td state replace "$W/missing"
	assert_failure 4
	assert_one_error_line
}

@test "state replace --expect: written only while the state still matches the snapshot" {
	td enqueue -- one >/dev/null
	cp "$S" "$W/snap"
	sed 's/"one"/"edited"/' "$S" >"$W/new"
	td enqueue -- meanwhile >/dev/null
	local before
	before=$(fingerprint "$S")
	run --separate-stderr td state replace "$W/new" --expect "$W/snap"
	assert_failure 5
	assert_one_error_line
	[[ "$stderr" == *"changed since"* ]]
	[ "$(fingerprint "$S")" = "$before" ]
	cp "$S" "$W/snap"
	sed 's/"one"/"edited"/' "$S" >"$W/new"
	run td state replace "$W/new" --expect "$W/snap"
	assert_success
	run td ls
	assert_output --partial edited
	assert_output --partial meanwhile
}

@test "state replace: a broken state file can be replaced (the lock is taken, the file not read)" {
	printf '{ broken' >"$S"
	printf '{"version": 1}\n' >"$W/new"
	run td state replace "$W/new"
	assert_success
	cmp "$W/new" "$S"
}

@test "state replace: waits for the lock, so it never lands inside another writer's change" {
	td enqueue -- one >/dev/null
	printf '{"version": 1}\n' >"$W/new"
	# Hold the helper's lock (the separate .lock file) for a second.
	flock "$S.lock" sleep 1 &
	sleep 0.2
	local start end
	start=$(date +%s%N)
	TMUX_DISPATCH_LOCK_TIMEOUT=5 td state replace "$W/new"
	end=$(date +%s%N)
	wait
	[ $(((end - start) / 1000000)) -ge 500 ] || fail "did not wait for the lock"
	cmp "$W/new" "$S"
	flock "$S.lock" sleep 3 &
	sleep 0.2
	run --separate-stderr env TMUX_DISPATCH_LOCK_TIMEOUT=1 "$TD" state replace "$W/new"
	wait
	assert_failure 1
	[[ "$stderr" == *"still locked"* ]]
}

@test "state replace: usage errors" {
	run --separate-stderr td state replace
	assert_failure 2
	assert_one_error_line
	run --separate-stderr td state replace a b
	assert_failure 2
	run td state --help
	assert_success
	assert_output --partial "state replace FILE"
}
