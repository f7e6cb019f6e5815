#!/usr/bin/env bats
# Faults during delivery (issue 16), against fake agents on a private tmux server: the target
# pane or the whole server killed at exact steps of a delivery (tmux wrappers, see
# tests/lib/tmux.bash), the helper killed with SIGKILL at random moments over many deliveries,
# and a file system that is full or read-only and a lock that never frees. Each must end with
# every item pending, running on a live pane, or finished with a reason; never lost, never typed
# twice unless its attempts say so.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() { tmux_setup; }
teardown() {
	tmux_teardown
	if [ -n "${MNT:-}" ]; then umount "$MNT" 2>/dev/null || true; fi
}

# Buffers the helper made (tmux-dispatch-PID-N) that are still in the server.
our_buffers() { tmux list-buffers -F '#{buffer_name}' 2>/dev/null | grep '^tmux-dispatch-' || true; }

@test "the target pane killed between the state write and the paste: pending with a reason, no buffer left" {
	agent gen-1 --busy 0
	tmux_window keep 'exec sleep 600' # the server outlives the pane
	local pane
	pane=$(pane_of gen-1)
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-pane -t $pane" load-buffer) \
		run --separate-stderr td dispatch gen-1 -- 'into a pane that goes away'
	assert_success
	assert_output q-1
	assert_item q-1 status pending
	assert_item q-1 attempts 0
	assert_item q-1 pane null
	[ "$(events q-1)" = "dispatch deliver refused" ]
	[ -n "$(item_field q-1 deferred)" ]
	[ -z "$(our_buffers)" ] || fail "left a buffer: $(our_buffers)"
	run td check
	assert_success
	assert_output "gen-1: skipped: no pane for target $pane"
	assert_item q-1 status pending
}

@test "the target pane killed between the paste and the Enter: failed 'not submitted', not running" {
	agent gen-1 --busy 0
	tmux_window keep 'exec sleep 600'
	local pane
	pane=$(pane_of gen-1)
	td pause
	td enqueue --to gen-1 -- 'pasted, then the pane goes away' >/dev/null
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-pane -t $pane" '*send-keys*') \
		run --separate-stderr td check gen-1
	assert_success
	assert_output "gen-1: failed q-1: not submitted"
	# Before the fix the failed read-back counted as a submission: running on a pane gone.
	assert_item q-1 status failed
	assert_item q-1 reason "not submitted"
	[ "$(item_field q-1 deliveredAt)" = null ]
	run events q-1
	assert_output --partial "enter-blocked"
	assert_output --regexp "not-submitted$"
	refute_output --partial " submitted"
	[ -z "$(our_buffers)" ] || fail "left a buffer: $(our_buffers)"
}

@test "the tmux server killed in the middle of a check: the item stays pending, the check says why" {
	agent gen-1 --busy 0
	td pause
	td enqueue --to gen-1 -- 'waiting for a check' >/dev/null
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-server" '*capture-pane*') \
		run --separate-stderr td check
	assert_success
	# The pane list and the screens come in one call (snapshot.c): killed there, tmux listed no
	# pane, which the check says as it says it with no server at all.
	assert_output --regexp '^gen-1: skipped: no pane for target %[0-9]+$'
	json_valid "$S"
	assert_item q-1 status pending
	assert_item q-1 attempts 0
	# No server at all now: the next check says so, and the item still waits.
	run td check
	assert_success
	assert_output --partial "gen-1: skipped:"
	assert_item q-1 status pending
}

@test "the tmux server killed between the paste and the Enter: failed 'not submitted', with a reason" {
	agent gen-1 --busy 0
	td pause
	td enqueue --to gen-1 -- 'pasted, then no server' >/dev/null
	TMUX_DISPATCH_TMUX=$(tmux_wrapper "tmux kill-server" '*send-keys*') \
		run --separate-stderr td check gen-1
	assert_success
	assert_output "gen-1: failed q-1: not submitted"
	json_valid "$S"
	assert_item q-1 status failed
	assert_item q-1 reason "not submitted"
	[ "$(event_field q-1 enter-blocked reason)" != null ]
}

@test "the helper killed between the state write and the paste: the next check offers the item again" {
	agent gen-1 --busy 0
	td pause
	td enqueue --to gen-1 -- 'cut before the paste' >/dev/null
	# The wrapper is the helper's child: $PPID is the helper.
	TMUX_DISPATCH_TMUX=$(tmux_wrapper 'kill -9 $PPID; exit 1' load-buffer) \
		run td check gen-1
	assert_failure 137
	assert_item q-1 status running
	[ "$(taken gen-1)" = 0 ]
	run td check gen-1
	assert_success
	assert_output --partial "gen-1: q-1 offered again: delivery interrupted"
	wait_for taken_ge gen-1 1
	assert_took gen-1 'cut before the paste'
	assert_item q-1 attempts 1
}

@test "the helper killed between the paste and the Enter: nothing typed over it; cleared, it is offered again" {
	# (Submitted by hand instead, it completes: tests/tmux/completion.bats.)
	agent gen-1 --busy 0
	td pause
	td enqueue --to gen-1 -- 'cut after the paste' >/dev/null
	TMUX_DISPATCH_TMUX=$(tmux_wrapper 'kill -9 $PPID; exit 1' '*send-keys*') \
		run td check gen-1
	assert_failure 137
	wait_for input_is gen-1 'cut after the paste'
	assert_item q-1 status running
	run td check gen-1
	assert_success
	assert_output --regexp '^gen-1: working on q-1: typed'
	[ "$(agent_events gen-1 paste)" = 1 ]
	# A human clears the input: the pane is idle on the screen the item was started on.
	tmux send-keys -t t:gen-1 C-u
	wait_for input_is gen-1 ''
	run td check gen-1
	assert_success
	assert_output --partial "gen-1: q-1 offered again: delivery interrupted"
	wait_for taken_ge gen-1 1
	assert_took gen-1 'cut after the paste'
	assert_item q-1 attempts 1
}

@test "the helper killed while its Enter's client is held back: no Enter is typed, that client ends" {
	agent gen-1 --busy 0
	td pause
	td enqueue --to gen-1 -- 'cut in the Enter delay' >/dev/null
	TMUX_DISPATCH_ENTER_DELAY=5000 "$TD" check gen-1 >/dev/null 2>&1 &
	local pid=$! held
	held="tmux-dispatch-$pid-0-enter"
	wait_for input_is gen-1 'cut in the Enter delay'
	# the first Enter's client started with the paste and waits for its stdin
	pgrep -f -- "$held" >/dev/null || fail "no held-back Enter client"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	# its stdin closed empty: load-buffer makes no buffer, the list stops before the send-keys
	wait_for eval "! pgrep -f -- $held"
	sleep 0.3
	[ "$(taken gen-1)" = 0 ]
	input_is gen-1 'cut in the Enter delay'
	[ "$(agent_events gen-1 paste)" = 1 ]
	[ -z "$(our_buffers)" ] || fail "left a buffer: $(our_buffers)"
	assert_item q-1 status running
}

# A small file system of its own for the state (tmpfs, when mount is allowed: root in CI);
# else none, and the callers use a file-size limit or permissions instead.
small_fs() {
	MNT="$BATS_TEST_TMPDIR/fs"
	mkdir -p "$MNT"
	mount -t tmpfs -o size=256k tmpfs "$MNT" 2>/dev/null || { MNT= && return 1; }
}

@test "the state cannot be written at a delivery: the paste started before the write types nothing" {
	local fp
	td enqueue -- "$(head -c 2000 /dev/zero | tr '\0' x)" >/dev/null # no terminal yet: pending
	agent gen-1 --busy 0
	fp=$(fingerprint "$S")
	# A file-size limit (SIGXFSZ ignored): the check's rewrite of the state fails with EFBIG,
	# after its paste's tmux client was started (it waits for its text).
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 1; exec "$0" "$@"' "$TD" check
	assert_failure 1
	assert_one_error_line
	[[ "$stderr" == *"$S"*"File too large"* ]] || fail "unclear: $stderr"
	[ "$(fingerprint "$S")" = "$fp" ] || fail "the state changed"
	sleep 0.3
	[ "$(agent_events gen-1 paste)" = 0 ] || fail "typed although its record was not written"
	[ -z "$(our_buffers)" ] || fail "left a buffer: $(our_buffers)"
	assert_item q-1 status pending
	run td check
	assert_success
	assert_output --partial "sent q-1"
	[ "$(agent_events gen-1 paste)" = 1 ]
}

@test "no space left while writing the state: one line naming the file and why, the state byte-identical" {
	local fp i
	if small_fs; then
		S="$MNT/state.json"
		export TMUX_DISPATCH_STATE="$S"
		for i in 1 2 3; do td enqueue -- "item $i" >/dev/null; done
		fp=$(fingerprint "$S")
		dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
		run --separate-stderr td enqueue -- 'one too many'
	else
		# No mount here: a file-size limit (SIGXFSZ ignored, so the write fails with EFBIG).
		for i in 1 2 3; do td enqueue -- "item $i" >/dev/null; done
		fp=$(fingerprint "$S")
		run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 1; exec "$0" "$@"' "$TD" \
			enqueue -- "$(head -c 2000 /dev/zero | tr '\0' x)"
	fi
	assert_failure 1
	assert_one_error_line
	[[ "$stderr" == *"$S"*": "*"No space left on device"* || "$stderr" == *"$S"*"File too large"* ]] ||
		fail "unclear: $stderr"
	assert_output ''
	[ "$(fingerprint "$S")" = "$fp" ] || fail "the state changed"
	[ ! -e "$S.tmp" ] || fail "a temp file left beside the state"
	[ "$(json "$S" 'scalar @{$d->{queue}}')" = 3 ]
}

@test "a read-only directory: one line naming the file and why, the state byte-identical" {
	local fp
	if small_fs; then
		S="$MNT/state.json"
		export TMUX_DISPATCH_STATE="$S"
		td enqueue -- 'before' >/dev/null
		fp=$(fingerprint "$S")
		mount -o remount,ro "$MNT"
	else
		[ "$(id -u)" != 0 ] || fail "root without mount: nothing can make a directory read-only"
		td enqueue -- 'before' >/dev/null
		fp=$(fingerprint "$S")
		chmod a-w "$W"
	fi
	run --separate-stderr td enqueue -- 'after'
	chmod u+w "$W"
	assert_failure 1
	assert_one_error_line
	[[ "$stderr" == *"$S"*": "*"Read-only file system"* || "$stderr" == *"$S"*"Permission denied"* ]] ||
		fail "unclear: $stderr"
	[ "$(fingerprint "$S")" = "$fp" ] || fail "the state changed"
	# Reading still works.
	run td ls
	assert_success
	assert_output --partial before
}

# The invariants after any fault, over the state, the history and the agents' logs (FILE per
# agent NAME in $A): the state parses; every id in IDS_FILE is in exactly one place (queue,
# completedToday or history); no agent took an item more often than its attempts say; nothing
# runs on a pane that does not exist. Prints the violations, one a line.
fault_violations() { # IDS_FILE AGENT...
	local ids=$1
	shift
	json_valid "$S" || { echo "the state does not parse"; return; }
	tmux list-panes -a -F '#{pane_id}' >"$BATS_TEST_TMPDIR/panes" 2>/dev/null || true
	perl -MJSON::PP -e '
		my ($state, $ids, $panes, $hist, @logs) = @ARGV;
		local $/;
		open my $f, "<", $state or die; my $d = JSON::PP->new->decode(<$f>); close $f;
		open $f, "<", $panes; my %pane = map { $_ => 1 } split /\n/, <$f> // ""; close $f;
		my (%where, %item);
		for my $l ("queue", "completedToday") {
			for my $i (@{$d->{$l}}) { $where{$i->{id}}++; $item{$i->{id}} = $i }
		}
		if (open $f, "<", $hist) {
			for (split /\n/, <$f>) { my $i = JSON::PP->new->decode($_);
				$where{$i->{id}}++; $item{$i->{id}} = $i }
		}
		open $f, "<", $ids or die; my @ids = split /\n/, <$f>; close $f;
		for (@ids) { print "$_ is in $where{$_} places\n" if ($where{$_} // 0) != 1 }
		my %taken;
		for my $log (@logs) {
			open $f, "<", $log or next;
			$taken{pack "H*", $_}++ for split /\n/, <$f>;
		}
		for my $id (@ids) {
			my $i = $item{$id} or next;
			my $n = $taken{$i->{command}} // 0;
			print "$id taken $n times, attempts $i->{attempts}\n" if $n > ($i->{attempts} // 0);
			print "$id runs on $i->{pane}, which does not exist\n"
			    if $i->{status} eq "running" && !($i->{pane} && $pane{$i->{pane}});
		}' "$S" "$ids" "$BATS_TEST_TMPDIR/panes" "${S%.json}.history.jsonl" \
		"${@/#/$A/}"
}

@test "SIGKILL of the helper at random moments over many deliveries: nothing lost, nothing typed twice" {
	# FAULT_DELIVERIES=500 for the long run (README "Proof under stress"); prove runs 30.
	local want=${FAULT_DELIVERIES:-30} ids="$BATS_TEST_TMPDIR/ids" n=0 round=0 kills=0 pid
	local taken_all pending a
	agent a-1 --busy 0
	agent a-2 --busy 0
	agent a-3 --style codex --busy 0
	td pause # every delivery is by a check of ours, killed or not
	: >"$ids"
	while :; do
		taken_all=$(cat "$A"/a-*.log 2>/dev/null | grep -c '' || true)
		[ "$taken_all" -ge "$want" ] && break
		round=$((round + 1))
		[ "$round" -le $((want * 8)) ] || { dump_agents; td ls; td check --dry-run; fail "only $taken_all deliveries in $round rounds"; }
		pending=$(json "$S" 'scalar grep { $_->{status} eq "pending" } @{$d->{queue}}')
		while [ "$pending" -lt 4 ]; do
			n=$((n + 1))
			td enqueue --id "f-$n" -- "fault item $n" >/dev/null
			echo "f-$n" >>"$ids"
			pending=$((pending + 1))
		done
		"$TD" check >/dev/null 2>&1 &
		pid=$!
		# Anywhere in a check: the read, the write, the paste, the Enter, the read-back.
		sleep "$((RANDOM % 2)).$((RANDOM % 10))$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
		wait "$pid" 2>/dev/null || true
		# A text left in an input (a helper killed after its paste) waits for a human: be
		# one. Cleared, the item is offered again (a submission would complete it).
		for a in a-1 a-2 a-3; do
			case $(td classify -t "t:$a") in typed*) tmux send-keys -t "t:$a" C-u ;; esac
		done
		if [ $((round % 10)) = 0 ]; then
			run fault_violations "$ids" a-1.log a-2.log a-3.log
			assert_output ''
		fi
	done
	# The next runs, not killed, settle what the killed ones left.
	td check >/dev/null
	td check >/dev/null
	run fault_violations "$ids" a-1.log a-2.log a-3.log
	assert_output ''
	[ -z "$(our_buffers)" ] || fail "buffers left: $(our_buffers)"
	[ ! -e "$S.tmp" ] || fail "a temp file left beside the state"
	echo "# $round checks, $kills killed, $taken_all deliveries, $n items" >&3
}
