#!/usr/bin/env bats
# Trust and the limits around it (issue 9): a state file, a profiles file or a side file that
# someone else wrote never makes the helper type, read oversized input or write elsewhere. Each
# test replays one attack or rule; none needs a tmux server (terminals name %99, no pane).
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
	FIX="$BATS_TEST_DIRNAME/../fixtures/captures"
	ESC=$'\033'
	BEL=$'\007'
}

# hand_state FILE: a state file written by hand (not by the helper): a terminal naming %99 and
# one pending item for it.
hand_state() {
	cat >"$1" <<-'EOF'
	{"version": 1, "terminals": {"t1": {"target": "%99"}},
	 "queue": [{"id": "x1", "command": "touch pwned", "assignedTo": "t1"}]}
	EOF
}

# assert_no_raw_control TEXT: fails when TEXT holds a raw ESC or BEL byte.
assert_no_raw_control() {
	[[ "$1" != *"$ESC"* ]] || fail "a raw ESC byte was printed: $(printf '%s' "$1" | od -c | head)"
	[[ "$1" != *"$BEL"* ]] || fail "a raw BEL byte was printed: $(printf '%s' "$1" | od -c | head)"
}

# trusted_in_store PATH: whether the trust store has a record for PATH.
trusted_in_store() {
	local store="$XDG_STATE_HOME/tmux-dispatch/trust.json"
	[ -f "$store" ] || return 1
	json "$store" "exists \$d->{files}{'$1'} ? 1 : ()" | grep -q 1
}

# item_field ID KEY: one key of one item of $S ("absent" when it is not there).
item_field() {
	json "$S" "my (\$i) = grep { \$_->{id} eq '$1' } @{\$d->{queue} || []},
		@{\$d->{completedToday} || []}; exists \$i->{'$2'} ? \$i->{'$2'} : 'absent'"
}

# --- 1. trust rules -------------------------------------------------------------------------

@test "trust: a state the helper created is trusted, in the store under XDG_STATE_HOME" {
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	run td enqueue -- x
	assert_success
	assert_output q-1
	run td trust --list
	assert_success
	assert_output --partial "$S"
	run td status --json
	assert_success
	[ "$(json - '$d->{trusted}' <<<"$output")" = true ]
	[ "$(json - '$d->{untrusted}' <<<"$output")" = null ]
	store="$XDG_STATE_HOME/tmux-dispatch/trust.json"
	[ -f "$store" ] || fail "no trust store at $store"
	[ "$(stat -c %a "$store")" = 600 ]
	[ "$(stat -c %a "$XDG_STATE_HOME/tmux-dispatch")" = 700 ]
	[ ! -e "$HOME/.local" ] || fail "something was written under \$HOME/.local"
}

@test "trust: a hand-written state delivers nothing; check, dispatch and send exit 6" {
	hand_state "$S"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "check exited $status (stderr: $stderr)"
	assert_one_error_line
	[[ "$stderr" == *"tmux-dispatch trust"* ]] || fail "no hint how to trust: $stderr"
	before=$(fingerprint "$S")
	run --separate-stderr td dispatch t1 -- x
	[ "$status" -eq 6 ] || fail "dispatch exited $status (stderr: $stderr)"
	assert_one_error_line
	[ "$(fingerprint "$S")" = "$before" ] || fail "dispatch wrote the untrusted state"
	run --separate-stderr td send t1 -- x
	[ "$status" -eq 6 ] || fail "send exited $status (stderr: $stderr)"
	assert_one_error_line
	[ "$(fingerprint "$S")" = "$before" ]
	[ ! -e "$W/pwned" ]
}

@test "trust: an untrusted state still queues, resumes and reads" {
	hand_state "$S"
	run --separate-stderr td enqueue --to t1 -- x
	assert_success
	assert_output q-1
	[[ "$stderr" == *"nothing is delivered"* ]] || fail "enqueue did not say so: $stderr"
	run ids_in "$S"
	assert_output --partial q-1
	json "$S" '$d->{paused} = JSON::PP::true; JSON::PP->new->encode($d)' >"$W/paused.json"
	cp "$W/paused.json" "$S"
	run --separate-stderr td resume
	assert_success
	[ "$(json "$S" '$d->{paused}')" = false ]
	for cmd in "ls" "ls --json" "status" "terminal ls" "check --dry-run"; do
		# shellcheck disable=SC2086 # the words of the command
		run --separate-stderr td $cmd
		[ "$status" -eq 0 ] || fail "td $cmd exited $status (stderr: $stderr)"
	done
	run --separate-stderr td status
	assert_output --partial "not trusted"
	run --separate-stderr td status --json
	assert_success
	[ "$(json - '$d->{trusted}' <<<"$output")" = false ]
	[ "$(json - '$d->{untrusted}' <<<"$output")" != null ]
	[ ! -e "$W/pwned" ]
}

@test "trust: trust lets a hand-written state deliver, untrust takes it back" {
	hand_state "$S"
	run td check
	[ "$status" -eq 6 ]
	run td trust
	assert_success
	assert_output "trusted $S"
	run td check
	[ "$status" -ne 6 ] || fail "still untrusted after trust: $output"
	assert_no_crash
	run td untrust
	assert_success
	run --separate-stderr td check
	[ "$status" -eq 6 ]
	assert_one_error_line
}

# --- 2. a repository that ships a state -----------------------------------------------------

# make_repo DIR: a git repository holding a .terminal-status.json that would run `touch pwned`.
make_repo() {
	git init -q "$1"
	hand_state "$1/.terminal-status.json"
	git -C "$1" add .terminal-status.json
	git -C "$1" -c user.name=t -c user.email=t@example.invalid commit -qm state
}

@test "trust: a cloned repository's state is not trusted, nor by trusting the original" {
	unset TMUX_DISPATCH_STATE
	make_repo "$BATS_TEST_TMPDIR/repo"
	git clone -q "$BATS_TEST_TMPDIR/repo" "$BATS_TEST_TMPDIR/clone"
	cd "$BATS_TEST_TMPDIR/clone"
	run td path
	assert_output "$BATS_TEST_TMPDIR/clone/.terminal-status.json"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "check in a fresh clone exited $status"
	assert_one_error_line
	run td trust "$BATS_TEST_TMPDIR/repo/.terminal-status.json"
	assert_success
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "trusting the original trusted the clone (status $status)"
	[ ! -e "$BATS_TEST_TMPDIR/clone/pwned" ]
}

@test "trust: a fresh clone at the path of a trusted one is not trusted" {
	unset TMUX_DISPATCH_STATE
	make_repo "$BATS_TEST_TMPDIR/repo"
	git clone -q "$BATS_TEST_TMPDIR/repo" "$BATS_TEST_TMPDIR/clone"
	cd "$BATS_TEST_TMPDIR/clone"
	run td trust
	assert_success
	run td check
	[ "$status" -ne 6 ] || fail "trust did not take: $output"
	cd "$BATS_TEST_TMPDIR"
	ino=$(stat -c %i "$BATS_TEST_TMPDIR/clone")
	rm -rf "$BATS_TEST_TMPDIR/clone"
	# A filesystem gives a new directory the lowest free inode, often the one just freed (ext4
	# does): the new clone's directory is helped to it, by holding lower free ones, so that an
	# identity of (device, inode) alone would take it for the trusted one.
	mkdir "$BATS_TEST_TMPDIR/hold"
	for i in $(seq 200); do
		mkdir "$BATS_TEST_TMPDIR/clone"
		got=$(stat -c %i "$BATS_TEST_TMPDIR/clone")
		[ "$got" -lt "$ino" ] || break
		mv "$BATS_TEST_TMPDIR/clone" "$BATS_TEST_TMPDIR/hold/$i"
	done
	git clone -q "$BATS_TEST_TMPDIR/repo" "$BATS_TEST_TMPDIR/clone"
	cd "$BATS_TEST_TMPDIR/clone"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "the fresh clone inherited the old clone's trust (status $status)"
	assert_one_error_line
}

# --- 3. loose files ---------------------------------------------------------------------------

@test "trust: a trusted state that others may write is refused" {
	td terminal add t1 %99
	run td check
	assert_success
	chmod g+w "$S"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "check on a group-writable state exited $status"
	assert_one_error_line
	[[ "$stderr" == *writable* ]] || fail "the message does not say writable: $stderr"
}

@test "trust: trust refuses a state that others may write" {
	hand_state "$S"
	chmod 664 "$S"
	run --separate-stderr td trust
	assert_failure
	assert_one_error_line
	! trusted_in_store "$S" || fail "the loose file was recorded"
	run td trust --list
	assert_success
	refute_output --partial "$S"
	# the mode, nothing else, was the reason
	chmod 644 "$S"
	run td trust
	assert_success
	trusted_in_store "$S" || fail "not recorded once it was no longer writable by others"
}

@test "trust: a state another user owns is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	td terminal add t1 %99
	chown nobody "$S"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "check on a state owned by nobody exited $status"
	assert_one_error_line
	[[ "$stderr" == *"owned by"* ]] || fail "the message does not say who owns it: $stderr"
}

@test "trust: a state in a world-writable directory is refused unless it is sticky" {
	D="$W/open"
	mkdir "$D"
	chmod 0777 "$D"
	hand_state "$D/state.json"
	run --separate-stderr td -f "$D/state.json" check
	[ "$status" -eq 6 ] || fail "check in a 0777 directory exited $status"
	assert_one_error_line
	run td -f "$D/state.json" trust
	assert_failure
	! trusted_in_store "$D/state.json" || fail "a state in a 0777 directory was recorded"
	run td -f "$D/state.json" check
	[ "$status" -eq 6 ]
	chmod 1777 "$D"
	run td -f "$D/state.json" trust
	assert_success
	run td -f "$D/state.json" check
	[ "$status" -ne 6 ] || fail "a trusted state in a sticky directory was refused: $output"
	assert_no_crash
}

# --- 4. the profiles file beside the state ----------------------------------------------------

@test "trust: a hand-written profiles file beside a trusted state needs trust too" {
	td terminal add t1 %99
	P="$W/tmux-dispatch.profiles.json"
	echo '{"mine": {"input": ["^> "], "idle": ["^> $"]}}' >"$P"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "check with an untrusted profiles file exited $status"
	assert_one_error_line
	[[ "$stderr" == *"$P"* ]] || fail "the message does not name the profiles file: $stderr"
	run td trust
	assert_success
	assert_line --index 0 "trusted $S"
	assert_line --index 1 "trusted $P"
	[ "${#lines[@]}" -eq 2 ]
	run td check
	assert_success
	touch "$P"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "check after touching the profiles file exited $status"
	[[ "$stderr" == *"changed since it was trusted"* ]] || fail "$stderr"
	td trust >/dev/null
	run td check
	assert_success
	echo '{"mine": {"input": ["^> "], "idle": ["^"]}}' >"$P"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "check after editing the profiles file exited $status"
	[[ "$stderr" == *"changed since it was trusted"* ]] || fail "$stderr"
}

@test "trust: a profiles file named by TMUX_DISPATCH_PROFILES needs only to be yours" {
	td terminal add t1 %99
	mkdir "$W/own"
	echo '{"mine": {"input": ["^> "], "idle": ["^> $"]}}' >"$W/own/p.json"
	chmod 644 "$W/own/p.json"
	export TMUX_DISPATCH_PROFILES="$W/own/p.json"
	run td check
	assert_success
	chmod g+w "$W/own/p.json"
	run --separate-stderr td check
	[ "$status" -eq 6 ] || fail "a group-writable TMUX_DISPATCH_PROFILES file was used ($status)"
	assert_one_error_line
	[[ "$stderr" == *writable* ]] || fail "$stderr"
}

# --- 5. profiles.json, the old common name, is not read ---------------------------------------

@test "trust: a profiles.json beside the state is not read" {
	td terminal add t1 %99
	echo '{"dev": {"db": "localhost"}}' >"$W/profiles.json"
	run td check
	assert_success
	run --separate-stderr td classify --profile claude "$FIX/claude-waiting-perm-1.txt"
	assert_success
	assert_output --partial waiting
	echo '{"claude": {"input": ["^"], "idle": ["^"]}}' >"$W/profiles.json"
	run --separate-stderr td classify --profile claude "$FIX/claude-waiting-perm-1.txt"
	assert_success
	assert_output --regexp '^waiting claude'
}

# --- 6. symlinks beside the state ---------------------------------------------------------------

@test "trust: a history file that is a symlink is never written through" {
	echo original >"$W/rc"
	ln -s "$W/rc" "$W/state.history.jsonl"
	cat >"$S" <<-'EOF'
	{"version": 1, "queue": [{"id": "p1", "command": "pending one"}],
	 "completedToday": [{"id": "d1", "command": "old", "status": "done",
	   "finishedAt": "2020-01-01T00:00:00Z"}]}
	EOF
	before=$(fingerprint "$S")
	run --separate-stderr td enqueue -- x
	[ "$status" -eq 1 ] || fail "enqueue exited $status (stderr: $stderr)"
	assert_one_error_line
	[[ "$stderr" == *state.history.jsonl* ]] || fail "the history file is not named: $stderr"
	[ "$(cat "$W/rc")" = original ] || fail "written through the symlink: $(cat "$W/rc")"
	[ "$(fingerprint "$S")" = "$before" ]
}

@test "trust: a side directory that is a symlink receives nothing" {
	td enqueue -- x >/dev/null
	mkdir "$W/elsewhere"
	ln -s "$W/elsewhere" "$W/.terminal-status.d"
	run --separate-stderr td done q-1
	assert_no_crash
	[ "$(item_field q-1 status)" = done ]
	[ -z "$(ls -A "$W/elsewhere")" ] || fail "written elsewhere: $(ls -A "$W/elsewhere")"
	[ -n "$stderr" ] || fail "no error said that the events were not written"
	[[ "$stderr" == *".terminal-status.d"* ]] || fail "$stderr"
}

@test "trust: a lock file that is a dangling symlink creates nothing" {
	hand_state "$S"
	ln -s "$W/created-by-lock" "$S.lock"
	run --separate-stderr td enqueue -- y
	assert_failure
	assert_no_crash
	[ ! -e "$W/created-by-lock" ] || fail "the lock symlink's target was created"
	[ -L "$S.lock" ]
}

@test "trust: a state file that is a symlink is updated at its target" {
	mkdir "$W/real"
	echo '{"version": 1, "queue": []}' >"$W/real/state.json"
	ln -s real/state.json "$S"
	run td enqueue -- x
	assert_success
	[ -L "$S" ] || fail "the symlink was replaced by a regular file"
	[ "$(json "$W/real/state.json" '$d->{queue}[0]{command}')" = x ]
	[ -f "$W/real/state.json.lock" ] || fail "no lock beside the target"
	[ ! -e "$S.lock" ] || fail "a lock beside the symlink"
}

# --- 7. regex limits ----------------------------------------------------------------------------

# mine_profile PATTERN: a trusted state with a profile "mine" whose idle pattern is PATTERN.
mine_profile() {
	td enqueue -- x >/dev/null
	perl -MJSON::PP -e 'print JSON::PP->new->encode({mine => {input => ["^> "],
		idle => [$ARGV[0]]}})' "$1" >"$W/tmux-dispatch.profiles.json"
	td trust >/dev/null
}

@test "trust: a regex whose repeat counts would exhaust memory is refused quickly" {
	mine_profile '(a{32767}){32767}'
	# 1 GB of address space, where a sanitizer build (which reserves terabytes for its
	# shadow memory and cannot start under any such limit) can run at all; the time bound holds
	# either way.
	local limit=1000000
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c 'ulimit -v 1000000; exec "$0" --version' "$TD" >/dev/null 2>&1 || limit=unlimited
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr timeout 5 bash -c 'ulimit -v "$1"; shift; exec "$0" "$@"' \
	    "$TD" "$limit" classify --profile mine "$FIX/bash-idle-1.txt"
	[ "$status" -eq 3 ] || fail "classify exited $status, not 3 (124: too slow; 137: killed)"
	assert_one_error_line
	[[ "$stderr" == *"repeat count"* ]] || fail "the message does not name the limit: $stderr"
	# shellcheck disable=SC2016
	run --separate-stderr timeout 5 bash -c 'ulimit -v "$1"; shift; exec "$0" "$@"' \
	    "$TD" "$limit" profiles ls
	[ "$status" -eq 3 ] || fail "profiles ls exited $status, not 3"
	[[ "$stderr" == *"repeat count"* ]] || fail "$stderr"
}

@test "trust: a regex longer than 1024 bytes is refused" {
	mine_profile "$(printf 'a%.0s' $(seq 1025))"
	run --separate-stderr td classify --profile mine "$FIX/bash-idle-1.txt"
	[ "$status" -eq 3 ] || fail "classify exited $status"
	[[ "$stderr" == *1024* ]] || fail "$stderr"
}

@test "trust: a regex with a repeat count of 255 is accepted" {
	mine_profile '(ab){1,255}'
	run --separate-stderr td classify --profile mine "$FIX/bash-idle-1.txt"
	assert_success
	run td profiles ls
	assert_success
}

# --- 8. control characters in a hand-written state ---------------------------------------------

@test "trust: an ESC in a terminal name or a target is refused and shown as \\x1b" {
	printf '{"version": 1, "terminals": {"t%s1": {"target": "%%99"}}, "queue": []}' "$ESC" >"$S"
	run --separate-stderr td ls
	[ "$status" -eq 3 ] || fail "ls exited $status"
	assert_one_error_line
	assert_no_raw_control "$stderr$output"
	[[ "$stderr" == *'\x1b'* ]] || fail "the ESC is not shown as \\x1b: $stderr"
	printf '{"version": 1, "terminals": {"t1": {"target": "%%99%s"}}, "queue": []}' "$ESC" >"$S"
	run --separate-stderr td ls
	[ "$status" -eq 3 ] || fail "ls exited $status"
	assert_one_error_line
	assert_no_raw_control "$stderr$output"
	[[ "$stderr" == *'\x1b'* ]] || fail "the ESC is not shown as \\x1b: $stderr"
}

@test "trust: an ESC in an item id or assignedTo is refused, never printed raw" {
	printf '{"version": 1, "queue": [{"id": "a%sb", "command": "x"}]}' "$ESC" >"$S"
	run --separate-stderr td ls
	[ "$status" -eq 3 ] || fail "ls exited $status"
	assert_one_error_line
	assert_no_raw_control "$stderr$output"
	[[ "$stderr" == *"queue[0].id"* ]] || fail "$stderr"
	printf '{"version": 1, "queue": [{"id": "ab", "command": "x", "assignedTo": "t%s1"}]}' \
	    "$ESC" >"$S"
	run --separate-stderr td ls
	[ "$status" -eq 3 ] || fail "ls exited $status"
	assert_one_error_line
	assert_no_raw_control "$stderr$output"
	[[ "$stderr" == *"queue[0].assignedTo"* ]] || fail "$stderr"
}

@test "trust: an OSC 52 sequence in a command or an allow prefix is shown escaped" {
	printf '{"version": 1, "terminals": {"t1": {"target": "%%99", "allow": ["/a%sb"]}},
	  "queue": [{"id": "ab", "command": "x %s]52;c;aGVsbG8=%s y"}]}' "$ESC" "$ESC" "$BEL" >"$S"
	run --separate-stderr td ls
	assert_success
	assert_no_raw_control "$stderr$output"
	assert_output --partial 'x \x1b]52;c;aGVsbG8=\x07 y'
	run --separate-stderr td terminal ls
	assert_success
	assert_no_raw_control "$stderr$output"
	assert_output --partial '/a\x1bb'
	run --separate-stderr td status
	assert_success
	assert_no_raw_control "$stderr$output"
}

@test "trust: an ESC in the state's path is not printed raw by status" {
	mkdir "$W/d${ESC}x"
	export TMUX_DISPATCH_STATE="$W/d${ESC}x/state.json"
	td enqueue -- x >/dev/null
	run --separate-stderr td status
	assert_success
	assert_no_raw_control "$stderr$output"
	assert_output --partial 'd\x1bx'
}

@test "trust: a trusted user profile whose name holds an ESC is refused" {
	printf '{"m%s1": {"input": ["^> "], "idle": ["^> $"]}}' "$ESC" \
	    >"$W/tmux-dispatch.profiles.json"
	# Trusted, so it is read at all (an untrusted one is left out: see the tests above).
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
	run --separate-stderr td profiles ls
	[ "$status" -eq 3 ] || fail "profiles ls exited $status"
	assert_one_error_line
	assert_no_raw_control "$stderr$output"
	run --separate-stderr td classify --profile claude "$FIX/claude-waiting-perm-1.txt"
	[ "$status" -eq 3 ] || fail "classify exited $status"
	assert_no_raw_control "$stderr$output"
}

# --- 9. size limits -----------------------------------------------------------------------------

@test "trust: a command of 256 KiB is accepted, one byte more refused" {
	head -c 262144 /dev/zero | tr '\0' a >"$W/ok"
	head -c 262145 /dev/zero | tr '\0' a >"$W/long"
	run --separate-stderr td enqueue --stdin <"$W/ok"
	assert_success
	assert_output q-1
	before=$(fingerprint "$S")
	run --separate-stderr td enqueue --stdin <"$W/long"
	[ "$status" -eq 2 ] || fail "a 262145-byte command: exit $status"
	assert_one_error_line
	[[ "$stderr" == *"longer than"* ]] || fail "$stderr"
	[ "$(fingerprint "$S")" = "$before" ]
}

@test "trust: a hand-written command over the limit fails at the check, never running" {
	perl -e 'print "{\"version\": 1, \"terminals\": {\"t1\": {\"target\": \"%99\"}},
		\"queue\": [{\"id\": \"big\", \"assignedTo\": \"t1\", \"command\": \"" .
		("a" x 300000) . "\"}]}"' >"$S"
	td trust >/dev/null
	run --separate-stderr td check
	assert_no_crash
	[ "$(item_field big status)" = failed ] || fail "status: $(item_field big status)"
	[[ "$(item_field big reason)" == *"longer than"* ]] || fail "reason: $(item_field big reason)"
	[ "$(item_field big startedAt)" = absent ] || fail "it was marked running"
	[ "$(item_field big attempts)" = 0 ] || [ "$(item_field big attempts)" = absent ]
	! grep -q '"deliver"' "$W/.terminal-status.d/events.jsonl" 2>/dev/null ||
	    fail "a deliver event was written"
}

@test "trust: a state file over 128 MiB is refused untouched, quickly" {
	td enqueue -- x >/dev/null
	# Valid JSON padded with spaces: an old helper would parse and rewrite it all.
	head -c 135266304 /dev/zero | tr '\0' ' ' >>"$S"
	before=$(fingerprint "$S")
	SECONDS=0
	run --separate-stderr timeout 5 "$TD" enqueue -- y
	[ "$status" -eq 3 ] || fail "enqueue on a 129 MiB state exited $status"
	assert_one_error_line
	[[ "$stderr" == *"128 MiB"* ]] || fail "the message does not name the limit: $stderr"
	run --separate-stderr timeout 5 "$TD" ls
	[ "$status" -eq 3 ] || fail "ls exited $status"
	[ "$SECONDS" -le 3 ] || fail "took ${SECONDS}s"
	[ "$(fingerprint "$S")" = "$before" ]
	# A sparse file of zeros: the size is checked before anything is read.
	truncate -s 129M "$S"
	before=$(fingerprint "$S")
	run --separate-stderr timeout 5 "$TD" enqueue -- y
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"128 MiB"* ]] || fail "$stderr"
	[ "$(fingerprint "$S")" = "$before" ]
}

@test "trust: an untrusted profiles file beside the state is not read, for reading either" {
	td enqueue -- x >/dev/null
	# It would make Claude's permission dialog read idle.
	printf '{"claude": {"input": ["^"], "idle": ["^"]}, "mine": {"input": ["^"]}}\n' \
	    >"$W/tmux-dispatch.profiles.json"
	run td classify --profile claude "$FIX/claude-waiting-perm-1.txt"
	assert_success
	assert_output --regexp '^waiting claude:'
	run --separate-stderr td classify --profile mine "$FIX/claude-waiting-perm-1.txt"
	assert_failure 4
	[[ "$stderr" == *"not trusted"* ]] || fail "no word of trust: $stderr"
	td trust >/dev/null
	run td classify --profile claude "$FIX/claude-waiting-perm-1.txt"
	assert_output --regexp '^idle claude:'
}
