#!/usr/bin/env bats
# Watching running work (issue 13): timeouts, stall triage and escalation against fake agents
# on a private tmux server. After the first command nothing runs the helper but the
# run-shell -d timer it armed in tmux itself: no test calls check while it waits.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() {
	tmux_setup
	# The timer's helper runs in tmux's global environment, copied from ours at server start.
	export TMUX_DISPATCH_STALL_SECONDS=2
	unset TMUX_DISPATCH_NOTIFY
	NOTIFY_LOG="$BATS_TEST_TMPDIR/notify.log"
}
teardown() { tmux_teardown; }

# The plugin's option the timer runs the helper by; a notify script recording its environment.
watch_setup() {
	tmux set-option -g @dispatch_helper "$TD"
	cat >"$BATS_TEST_TMPDIR/notify" <<-'EOF'
		#!/bin/sh
		{ echo "call $#"; for a in "$@"; do echo "arg $a"; done
		  env | grep '^TD_' | sort; echo "screen $(grep -c 'esc to interrupt' "$TD_SCREEN")"
		  echo end; } >>"$NOTIFY_LOG"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/notify"
	tmux set-environment -g NOTIFY_LOG "$NOTIFY_LOG"
	tmux set-option -g @dispatch-notify-command "$BATS_TEST_TMPDIR/notify first-arg"
}

status_is() { [ "$(item_field "$1" status)" = "$2" ]; }
pane_runs() { [ "$(tmux display -p -t "t:$1" '#{pane_current_command}')" = "$2" ]; }
agent_events_are() { [ "$(agent_events "$1" "$2")" -eq "$3" ]; }
events_are() { [ "$(events "$1")" = "$2" ]; }
calls() { if [ -f "$NOTIFY_LOG" ]; then grep -c '^call ' "$NOTIFY_LOG"; else echo 0; fi; }
calls_ge() { [ "$(calls)" -ge "$1" ]; }
# Seconds between two ISO times of item ID.
item_seconds() { # ID FROM TO
	perl -MTime::Local -e 'sub t { my @f = $_[0] =~ /(\d+)/g;
		timegm($f[5], $f[4], $f[3], $f[2], $f[1] - 1, $f[0]) }
		print t($ARGV[1]) - t($ARGV[0]), "\n"' "$(item_field "$1" "$2")" "$(item_field "$1" "$3")"
}

@test "watch: a busy-forever item is interrupted and fails 'timeout' when tmux's timer fires" {
	agent w1 --busy 3600
	watch_setup
	run td enqueue --to w1 --id t1 --timeout 2s -- "work forever"
	assert_success
	wait_for taken_ge w1 1
	assert_item t1 status running
	assert_item t1 timeout 2
	# Armed in tmux: the deadline and the state file it belongs to, no path in the hook string.
	run tmux show-options -g
	assert_output --regexp "@dispatch_timer_[0-9a-f]{16} \"?[0-9]+ $S"
	TD_WAIT=8 wait_for status_is t1 failed
	assert_item t1 reason "timeout after 2s"
	run item_seconds t1 deliveredAt finishedAt
	[ "$output" -ge 2 ] && [ "$output" -le 4 ] || fail "failed ${output}s after delivery"
	# The notify command runs after the event line, the agent takes its Escape on its own time.
	wait_for calls_ge 1
	wait_for agent_events_are w1 interrupt 1
	assert_equal "$(events t1)" "deliver submitted failed escalated"
	assert_equal "$(event_field t1 escalated reason)" "timeout: timeout after 2s"
	run cat "$NOTIFY_LOG"
	assert_line "arg first-arg"
	assert_line "TD_EVENT=timeout"
	assert_line "TD_ITEM=t1"
	assert_line "TD_TERMINAL=w1"
	assert_line "TD_REASON=timeout after 2s"
}

@test "watch: a --retries item goes back to pending, runs again, then fails" {
	agent w1 --busy 3600
	watch_setup
	run td enqueue --to w1 --id r1 --timeout 2 --retries 1 -- "work forever"
	assert_success
	wait_for taken_ge w1 1
	TD_WAIT=8 wait_for grep -q '"event":"timeout"' "$EV"
	# Back to pending with its attempt kept, then delivered again by the re-check.
	TD_WAIT=8 wait_for taken_ge w1 2
	TD_WAIT=8 wait_for status_is r1 failed
	assert_item r1 attempts 2
	assert_item r1 reason "timeout after 2s"
	wait_for agent_events_are w1 interrupt 2
}

@test "watch: a frozen agent gets two nudges spaced by the stall time, then one escalation" {
	agent w1 --busy 3600 --freeze 3
	watch_setup
	run td enqueue --to w1 --id f1 -- "freeze"
	assert_success
	wait_for taken_ge w1 1
	TD_WAIT=20 wait_for calls_ge 1
	[ "$(agent_events w1 enter-empty)" -eq 2 ] ||
		fail "$(agent_events w1 enter-empty) nudges before the escalation"
	# The nudges came one stall time (2 s) apart at least.
	run perl -ne 'push @t, $1 if /^(\S+) enter-empty/; END { printf "%d\n", ($t[1] - $t[0]) * 1000 }' "$A/w1.ev"
	[ "$output" -ge 1900 ] || fail "nudges ${output} ms apart"
	run cat "$NOTIFY_LOG"
	assert_line "TD_EVENT=stalled"
	assert_line "TD_ITEM=f1"
	assert_line --partial "TD_REASON=screen unchanged for "
	assert_line "screen 1"
	assert_equal "$(tmux show-options -wqv -t t:w1 @dispatch_window)" stalled
	assert_equal "$(events f1)" "deliver submitted nudge nudge escalated"
	# Nothing more for this stall, however often tmux wakes the helper.
	sleep 5
	assert_equal "$(calls)" 1
	assert_equal "$(agent_events w1 enter-empty)" 2
	assert_item f1 status running
}

@test "watch: a waiting agent is escalated after @dispatch-waiting-escalate and never answered" {
	agent w1 --busy 3600
	watch_setup
	tmux set-option -g @dispatch-waiting-escalate 2
	# An id a shell would run: it reaches the notify command as data only.
	local id='p1;$(touch pwned)`touch pwned2`'
	run td enqueue --to w1 --id "$id" -- "needs PERMISSION now"
	assert_success
	wait_for grep -q ' perm$' "$A/w1.ev"
	TD_WAIT=15 wait_for calls_ge 1
	run cat "$NOTIFY_LOG"
	assert_line "TD_EVENT=waiting"
	assert_line "TD_ITEM=$id"
	[ ! -e "$W/pwned" ] && [ ! -e "$W/pwned2" ] && [ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	assert_line --partial "TD_REASON=waiting for a person for "
	assert_equal "$(tmux show-options -wqv -t t:w1 @dispatch_window)" waiting
	sleep 4
	assert_equal "$(calls)" 1
	[ "$(agent_events w1 perm-yes)" -eq 0 ] && [ "$(agent_events w1 perm-no)" -eq 0 ] ||
		fail "the dialog was answered"
	[ "$(agent_events w1 enter-empty)" -eq 0 ]
	assert_item "$id" status running
	assert_equal "$(events "$id")" "deliver submitted escalated"
}

@test "watch: a terminal's, a group's and @dispatch-timeout are defaults; an item's own wins" {
	agent w1 --busy 3600
	agent w2 --busy 3600
	agent w3 --busy 3600
	agent g-1 --busy 3600
	watch_setup
	td terminal group g --timeout 1
	td terminal group g --timeout 2
	assert_equal "$(jsonx "$S" '$d->{groups}{g}{timeout}')" 2
	td terminal add w1 "$(pane_of w1)" --profile claude --timeout 2 --replace
	assert_equal "$(jsonx "$S" '$d->{terminals}{w1}{timeout}')" 2
	tmux set-option -g @dispatch-timeout 3
	td enqueue --to w1 --id d1 -- "terminal default" >/dev/null
	td enqueue --to w2 --id d2 -- "global default" >/dev/null
	td enqueue --to w3 --id d3 --timeout 1h -- "its own" >/dev/null
	td enqueue --to g-1 --id d4 -- "group default" >/dev/null
	TD_WAIT=10 wait_for status_is d2 failed
	assert_item d4 status failed
	assert_item d4 reason "timeout after 2s"
	assert_item d1 status failed
	assert_item d1 reason "timeout after 2s"
	assert_item d2 reason "timeout after 3s"
	assert_item d3 status running
	[ "$(agent_events w3 interrupt)" -eq 0 ]
	td terminal add w1 "$(pane_of w1)" --timeout 0 --replace
	assert_equal "$(jsonx "$S" '$d->{terminals}{w1}{timeout}')" null
	td terminal group g --timeout 0
	assert_equal "$(jsonx "$S" '$d->{groups}{g}')" null
	run --separate-stderr td terminal group g
	assert_failure 2
	assert_one_error_line
}

@test "watch: --timeout and --retries are checked; import takes them as enqueue does" {
	agent w1 --busy 0
	run --separate-stderr td enqueue --timeout soon -- x
	assert_failure 2
	assert_one_error_line
	run --separate-stderr td enqueue --timeout 0 -- x
	assert_failure 2
	run --separate-stderr td enqueue --retries 2 -- x
	assert_failure 2
	assert_one_error_line
	run --separate-stderr td enqueue --timeout 5m --retries 101 -- x
	assert_failure 2
	printf '%s' '{"tasks": [{"id": "a", "command": "x", "timeout": "1h30m", "retries": 2},
		{"id": "b", "command": "y", "timeout": 90}]}' >tasks.json
	run td import tasks.json
	assert_success
	assert_item a timeout 5400
	assert_item a retries 2
	assert_item b timeout 90
	printf '%s' '{"tasks": [{"id": "c", "command": "x", "timeout": "never"}]}' >bad.json
	run --separate-stderr td import bad.json
	assert_failure 2
	assert_one_error_line
}

@test "watch: an agent whose process is gone while its screen reads busy is escalated at once" {
	local cmd
	cmd=$(printf '%q ' "$FAKEAGENT" --log "$A/w1.log" --events "$A/w1.ev" --busy 3600)
	tmux_window w1 "bash -c '$cmd; read -r line'"
	wait_for grep -q ' ready$' "$A/w1.ev"
	td terminal add w1 "$(pane_of w1)" --profile claude >/dev/null
	watch_setup
	# The JSON array form keeps a word with a space whole.
	tmux set-option -g @dispatch-notify-command "[\"$BATS_TEST_TMPDIR/notify\", \"two words\"]"
	td enqueue --to w1 --id g1 -- "work" >/dev/null
	wait_for taken_ge w1 1
	kill -KILL "$(sed -n 's/.* start pid=\([0-9]*\)$/\1/p' "$A/w1.ev")"
	wait_for pane_runs w1 bash
	TD_WAIT=8 wait_for calls_ge 1
	run cat "$NOTIFY_LOG"
	assert_line "TD_EVENT=stalled"
	assert_line --partial "TD_REASON=its process is gone (the pane runs bash) but the screen reads busy"
	assert_line "call 1"
	assert_line "arg two words"
	[ "$(agent_events w1 enter-empty)" -eq 0 ]
	sleep 3
	assert_equal "$(calls)" 1
}

# A trusted profile "fake": the claude profile with a busy-forever fake agent as its launch and
# resume argv (the resumed one records its argv in resumed.rec).
fake_profile() {
	tmux -f /dev/null new-session -d -s t -n base -x 120 -y 40 -c "$W" sleep 600
	TMUX_SERVER_PID=$(tmux display -p "#{pid}")
	td profiles show claude | FA="$FAKEAGENT" A="$A" perl -MJSON::PP -e '
		local $/; my $d = decode_json(<STDIN>); my $p = $d->{claude};
		my @fa = ($ENV{FA}, "--log", "$ENV{A}/fake.log", "--events", "$ENV{A}/fake.ev",
		    "--busy", "3600");
		$p->{launch} = [@fa, "--record", "$ENV{A}/fake.rec"];
		$p->{resume} = [@fa, "--record", "$ENV{A}/resumed.rec", "--resume", "{session}"];
		print JSON::PP->new->utf8->encode({fake => $p})' >"$W/tmux-dispatch.profiles.json"
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
}

@test "watch: --restart starts a spawned agent that died again, resumed, and its item is retried" {
	unset TMUX_DISPATCH_PROFILES
	fake_profile
	run --separate-stderr td spawn r1 --profile fake --in t
	assert_success
	id=$(json "$W/.terminal-status.d/sessions/r1.json" '$d->{sessionId}')
	pane=$(json "$S" '$d->{terminals}{r1}{target}')
	run td terminal add r1 "$pane" --replace --restart
	assert_success
	assert_equal "$(json "$S" '$d->{terminals}{r1}{restart}')" true
	assert_equal "$(json "$S" '$d->{terminals}{r1}{spawned}')" true
	watch_setup
	td enqueue --to r1 --id j1 -- "long job" >/dev/null
	wait_for grep -qx "$(hex_str 'long job')" "$A/fake.log"
	kill -KILL "$(tmux display -p -t "$pane" '#{pane_pid}')"
	# The timer's check sees the dead pane, fails the item, starts the agent again and, once it
	# is idle, delivers the item to it: all without any command of ours.
	TD_WAIT=20 wait_for taken_ge fake 2
	grep -qx "arg $(hex_str --resume)" "$A/resumed.rec"
	grep -qx "arg $(hex_str "$id")" "$A/resumed.rec"
	# The agent took it before the helper recorded the submission: wait for that line.
	wait_for events_are j1 "deliver submitted failed retry deliver submitted"
	assert_item j1 status running
	assert_item j1 attempts 2
	assert_equal "$(json "$S" 'scalar @{$d->{terminals}{r1}{restarts}}')" 1
	grep -q '"event":"restart"' "$EV"
}

@test "watch: no more than 3 restarts in 10 minutes; without --restart the item just fails" {
	unset TMUX_DISPATCH_PROFILES
	fake_profile
	td spawn r1 --profile fake --in t >/dev/null
	pane=$(json "$S" '$d->{terminals}{r1}{target}')
	watch_setup
	td enqueue --to r1 --id n1 -- "job one" >/dev/null
	wait_for taken_ge fake 1
	kill -KILL "$(tmux display -p -t "$pane" '#{pane_pid}')"
	TD_WAIT=8 wait_for status_is n1 failed
	assert_item n1 reason "agent exited"
	# Three restarts already recorded within the window: the next death is not restarted.
	td session resume r1 >/dev/null
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	jsonx "$S" '$d->{terminals}{r1}{restart} = JSON::PP::true;
		$d->{terminals}{r1}{restarts} = [$ARGV[0], $ARGV[0], $ARGV[0]]; $d' "$now" >"$W/new.json"
	td state replace "$W/new.json" >/dev/null
	td enqueue --to r1 --id n2 -- "job two" >/dev/null
	wait_for taken_ge fake 2
	kill -KILL "$(tmux display -p -t "$pane" '#{pane_pid}')"
	TD_WAIT=8 wait_for status_is n2 failed
	sleep 3
	assert_item n2 status failed
	assert_equal "$(taken fake)" 2
	! grep -q '"event":"restart"' "$EV"
}
