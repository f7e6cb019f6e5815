#!/usr/bin/env bats
# spawn, session and down (issue 12): agents started by the helper as an argv through tmux, into
# a new session, a new window or a split; the refusals; an agent that dies at once; session
# files; down sending a running item back; injection payloads that must never reach a shell.
# The fake agent's --record file shows the exact argv and environment it was started with.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() {
	tmux_setup
	unset TMUX_DISPATCH_PROFILES
	# The server has CLAUDECODE in its environment, as one started from inside Claude Code
	# would: the claude profile's env must remove it from the agent's. No global
	# remain-on-exit: spawn sets it on its own panes.
	CLAUDECODE=1 TD_SPAWN_SECRET=s3cret tmux -f /dev/null new-session -d -s t -n base \
	    -x 120 -y 40 -c "$W" sleep 600
	TMUX_SERVER_PID=$(tmux display -p '#{pid}')
	SESS="$W/.terminal-status.d/sessions"
}

teardown() {
	tmux_teardown
}

# hex TEXT: TEXT as the record file writes it.
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# The argv words a fake agent recorded, decoded, one a line.
record_argv() { sed -n 's/^arg //p' "$1" | while read -r h; do perl -e 'print pack("H*", $ARGV[0]), "\n"' "$h"; done; }
record_has_env() { grep -qx "env $(hex "$2")" "$1"; }
record_env_name() { sed -n 's/^env //p' "$1" | while read -r h; do perl -e 'print pack("H*", $ARGV[0]), "\n"' "$h"; done | grep -q "^$2="; }

fake() { # NAME: the fake agent's argv for terminal NAME
	printf '%s\n' "$FAKEAGENT" --log "$A/$1.log" --record "$A/$1.rec" --events "$A/$1.ev"
}

@test "spawn into a new session: idle, registered, recorded, CLAUDECODE removed" {
	mapfile -t cmd < <(fake a1)
	run --separate-stderr td spawn a1 --in fresh -- "${cmd[@]}"
	assert_success
	assert_line "a1: idle"
	assert_line "attach: tmux attach -t fresh"
	tmux has-session -t fresh
	pane=$(tmux display -p -t fresh: '#{pane_id}')
	[ "$(json "$S" '$d->{terminals}{a1}{target}')" = "$pane" ]
	[ "$(json "$S" '$d->{terminals}{a1}{spawned}')" = true ]
	[ "$(json "$S" '$d->{terminals}{a1}{profile}')" = claude ]
	[ "$(tmux show -pv -t "$pane" remain-on-exit)" = on ]
	# The session file, and the minted session id the agent got through --session-id.
	f="$SESS/a1.json"
	[ "$(json "$f" '$d->{name}, $d->{profile}, $d->{session}, $d->{pane}, $d->{cwd}')" = \
	    "$(printf '%s\n' a1 claude fresh "$pane" "$W")" ]
	id=$(json "$f" '$d->{sessionId}')
	[[ $id =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	[ "$(json "$f" '$d->{pid}')" = "$(tmux display -p -t "$pane" '#{pane_pid}')" ]
	[ "$(record_argv "$A/a1.rec")" = "$(printf '%s\n' "${cmd[@]}" --session-id "$id")" ]
	[ "$(json "$f" '@{$d->{argv}}')" = "$(printf '%s\n' "${cmd[@]}" --session-id "$id")" ]
	record_env_name "$A/a1.rec" CLAUDECODE && fail "CLAUDECODE reached the agent"
	record_env_name "$A/a1.rec" TD_SPAWN_SECRET
	# It is a terminal like any other: check delivers to it.
	td enqueue --to a1 -- hello there >/dev/null
	td check >/dev/null
	wait_for grep -qx "$(hex 'hello there')" "$A/a1.log"
}

@test "spawn into a window of an existing session, with a model" {
	mapfile -t cmd < <(fake a2)
	run --separate-stderr td spawn a2 --in t --model opus-9 --env FOO=bar -- "${cmd[@]}"
	assert_success
	[ "$(tmux list-windows -t t -F '#{window_name}' | sort | tr '\n' ' ')" = "a2 base " ]
	[ "$(tmux list-panes -t t:a2 -F '#{pane_id}')" = "$(json "$S" '$d->{terminals}{a2}{target}')" ]
	record_argv "$A/a2.rec" | grep -qx -- --model
	record_argv "$A/a2.rec" | grep -A1 -x -- --model | tail -1 | grep -qx opus-9
	record_has_env "$A/a2.rec" FOO=bar
	[ "$(json "$SESS/a2.json" '$d->{model}, $d->{window}')" = \
	    "$(printf '%s\n' opus-9 "$(tmux display -p -t t:a2 '#{window_index}')")" ]
	# The user's current window is still the current one.
	[ "$(tmux display -p -t t: '#{window_name}')" = base ]
}

@test "spawn --split: a pane in the window, which keeps its active pane" {
	before=$(tmux display -p -t t:base '#{pane_id}')
	mapfile -t cmd < <(fake a3)
	run --separate-stderr td spawn a3 --in t:base --split -- "${cmd[@]}"
	assert_success
	[ "$(tmux list-panes -t t:base | wc -l)" -eq 2 ]
	pane=$(json "$S" '$d->{terminals}{a3}{target}')
	[ "$pane" != "$before" ]
	tmux list-panes -t t:base -F '#{pane_id}' | grep -qx "$pane"
	[ "$(tmux display -p -t t:base '#{pane_id}')" = "$before" ]
	[ "$(tmux show -pv -t "$pane" remain-on-exit)" = on ]
	[ "$(tmux show -pv -t "$before" remain-on-exit)" != on ]
}

@test "spawn refuses an existing name, an unknown profile, a missing program, a bad --env" {
	td terminal add taken t:base >/dev/null
	before=$(fingerprint "$S")
	windows=$(tmux list-windows -a | wc -l)
	run --separate-stderr td spawn taken -- "$FAKEAGENT" --log x
	assert_failure 1
	assert_one_error_line
	[[ $stderr == *"terminal 'taken' exists"* ]]
	run --separate-stderr td spawn n1 --profile nope -- "$FAKEAGENT" --log x
	assert_failure 4
	assert_one_error_line
	[[ $stderr == *"no profile 'nope'"* ]]
	run --separate-stderr td spawn n1 -- no-such-program-here --x
	assert_failure 4
	assert_one_error_line
	[[ $stderr == *"cannot run 'no-such-program-here': not found on PATH"* ]]
	for bad in noequals 1X=y 'A B=c' "K=$(printf 'a\tb')"; do
		run --separate-stderr td spawn n1 --env "$bad" -- "$FAKEAGENT" --log x
		assert_failure 2
		assert_one_error_line
	done
	run --separate-stderr td spawn n1 --profile shell
	assert_failure 2
	assert_one_error_line
	[[ $stderr == *"profile 'shell' has no \"launch\""* ]]
	run --separate-stderr td spawn n1 --profile shell --model m -- bash
	assert_failure 2
	assert_one_error_line
	[[ $stderr == *"profile 'shell' has no \"modelFlag\""* ]]
	run --separate-stderr td spawn 'bad name'
	assert_failure 2
	[ "$(fingerprint "$S")" = "$before" ]
	[ "$(tmux list-windows -a | wc -l)" -eq "$windows" ]
	[ ! -e "$SESS" ] || [ -z "$(ls -A "$SESS")" ]
}

@test "spawn reports an agent that dies at once: its last lines and exit status" {
	run --separate-stderr td spawn d1 --in t -- "$FAKEAGENT" --bogus-option
	assert_failure 1
	[[ $stderr == *"d1: the agent exited at once (status 2)"* ]]
	[[ $stderr == *"fakeagent: unknown argument '--bogus-option'"* ]]
	[ ! -e "$S" ] || [ "$(json "$S" '$d->{terminals}{d1} // "none"')" = none ]
	[ "$(tmux list-windows -t t -F '#{window_name}')" = base ]
	[ ! -e "$SESS/d1.json" ]
}

@test "spawn of a profile's own launch argv: user profile with launch and env" {
	td profiles show claude | FA="$FAKEAGENT" A="$A" perl -MJSON::PP -e '
		local $/; my $d = decode_json(<STDIN>); my $p = $d->{claude};
		$p->{launch} = [$ENV{FA}, "--log", "$ENV{A}/p1.log", "--record", "$ENV{A}/p1.rec"];
		$p->{env} = ["TD_SPAWN_SECRET"]; delete $p->{sessionFlag};
		print JSON::PP->new->encode({fake => $p})' >"$W/tmux-dispatch.profiles.json"
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
	run td profiles show fake
	assert_success
	[[ $output == *'"launch"'* ]]
	run --separate-stderr td spawn p1 --profile fake --in t
	assert_success
	assert_line "p1: idle"
	[ "$(record_argv "$A/p1.rec")" = "$(printf '%s\n' "$FAKEAGENT" --log "$A/p1.log" --record "$A/p1.rec")" ]
	record_env_name "$A/p1.rec" TD_SPAWN_SECRET && fail "TD_SPAWN_SECRET reached the agent"
	record_env_name "$A/p1.rec" CLAUDECODE
	[ "$(json "$SESS/p1.json" '$d->{sessionId}')" = null ]
}

@test "profile launch keys are checked like the others: file, profile and key in one line" {
	for bad in '"launch": []' '"launch": ["a", ""]' '"modelFlag": "model"' \
	    '"oneshot": {"argv": ["x"], "prompt": "pipe"}' \
	    '"oneshot": {"argv": ["x"], "prompt": "file"}' '"quit": {"keys": ["Enter;"]}' \
	    '"quit": {}' '"resume": ["x", "--resume"]' '"env": ["A-B"]' '"interrupt": ["Escape"]'; do
		printf '{"p": {%s}}\n' "$bad" >"$W/bad.json"
		TMUX_DISPATCH_PROFILES="$W/bad.json" run --separate-stderr td profiles ls
		assert_failure 3
		assert_one_error_line
		[[ $stderr == "tmux-dispatch: $W/bad.json: profile \"p\": "* ]] || fail "$bad: $stderr"
	done
	printf '{"p": {"launch": ["x"], "modelFlag": "-m", "oneshot": {"argv": ["x", "{prompt_file}"], "prompt": "file"}, "quit": {"text": "/q", "keys": ["Enter", "C-c"]}, "resume": ["x", "{session}"], "env": ["A_B"]}}\n' >"$W/good.json"
	TMUX_DISPATCH_PROFILES="$W/good.json" run td profiles show p
	assert_success
}

@test "session ls, show and attach" {
	mapfile -t cmd < <(fake s1)
	td spawn s1 --in t -- "${cmd[@]}" >/dev/null
	run td session ls
	assert_success
	assert_line --partial "s1"
	run td session ls --json
	assert_success
	[ "$(printf '%s' "$output" | json - '$d->{sessions}[0]{name}')" = s1 ]
	run td session show s1
	assert_success
	[ "$(printf '%s' "$output" | json - '$d->{session}')" = t ]
	run td session attach s1
	assert_success
	assert_output "tmux attach -t t"
	run --separate-stderr td session show nobody
	assert_failure 4
	assert_one_error_line
	run --separate-stderr td session show ../x
	assert_failure 2
}

@test "down: quit keys, the pane killed, a running item back to pending, entries removed" {
	mapfile -t cmd < <(fake k1)
	td spawn k1 --in t -- "${cmd[@]}" --busy 60 >/dev/null
	pane=$(json "$S" '$d->{terminals}{k1}{target}')
	td enqueue --to k1 --id job -- long job >/dev/null
	td check >/dev/null
	wait_for grep -q ' take ' "$A/k1.ev"
	[ "$(json "$S" '$d->{queue}[0]{status}')" = running ]
	run --separate-stderr td down k1 --timeout 2
	assert_success
	assert_line "k1: job back to pending"
	[ "$(json "$S" '$d->{queue}[0]{status}, $d->{queue}[0]{attempts}')" = "$(printf '%s\n' pending 1)" ]
	[ "$(json "$S" '$d->{terminals}{k1} // "none"')" = none ]
	[ ! -e "$SESS/k1.json" ]
	tmux list-panes -a -F '#{pane_id}' | grep -qx "$pane" && fail "pane $pane is still there"
	grep '"event":"requeued"' "$EV" | grep -q '"item":"job"'
	grep '"event":"requeued"' "$EV" | grep -q 'k1 was shut down'
}

@test "down SESSION: every agent spawned there quits with its profile's keys" {
	for n in m1 m2; do
		mapfile -t cmd < <(fake $n)
		td spawn $n --in team -- "${cmd[@]}" >/dev/null
	done
	td terminal add other t:base >/dev/null
	run --separate-stderr td down team
	assert_success
	assert_line "m1: down (it quit)"
	assert_line "m2: down (it quit)"
	# /exit and Enter reached each agent: it logged its /exit submission.
	grep -qx "$(hex /exit)" "$A/m1.log"
	tmux has-session -t team 2>/dev/null && fail "session team is still there"
	[ "$(json "$S" 'join " ", sort keys %{$d->{terminals}}')" = other ]
	run --separate-stderr td down other
	assert_failure 2
	[[ $stderr == *"was not started by spawn"* ]]
	run --separate-stderr td down nowhere
	assert_failure 4
}

@test "injection: names, models, cwd, env and argv never reach a shell" {
	dir="$W/\$(touch sh1) #(touch fmt1) x;"
	mkdir -p "$dir"
	payloads=('$(touch sh2)' '`touch sh3`' '; touch sh4' 'a;' "'\"" '#(touch fmt2)' '#{pane_id}' '\;')
	run --separate-stderr td spawn '$(touch sh5)' -- "$FAKEAGENT" --log x
	assert_failure 2
	run --separate-stderr td spawn i1 --in 'x;y' -- "$FAKEAGENT" --log x
	assert_failure 2
	run --separate-stderr td spawn i1 --in t --cwd "$dir" --model '$(touch sh6);' \
	    --env 'K=$(touch sh7) #(touch fmt3);' -- "$FAKEAGENT" --log "$A/i1.log" \
	    --record "$A/i1.rec" --perm-word "${payloads[@]:0:1}" --events "$A/i1.ev"
	assert_success
	[ "$(record_argv "$A/i1.rec" | sed -n 7p)" = '$(touch sh2)' ]
	record_argv "$A/i1.rec" | grep -qxF -- '$(touch sh6);'
	record_has_env "$A/i1.rec" 'K=$(touch sh7) #(touch fmt3);'
	pane=$(json "$S" '$d->{terminals}{i1}{target}')
	[ "$(tmux display -p -t "$pane" '#{pane_current_path}')" = "$dir" ]
	[ "$(json "$SESS/i1.json" '$d->{cwd}')" = "$dir" ]
	# Every payload as an argument of its own, through a program that prints its argv.
	run --separate-stderr td spawn i2 --in t --profile shell -- /usr/bin/printf '[%s]\n' "${payloads[@]}"
	assert_failure 1
	want=$(printf '  [%s]\n' "${payloads[@]}")
	[[ $stderr == *"$want"* ]] || fail "argv changed on the way: $stderr"
	for f in sh1 sh2 sh3 sh4 sh5 sh6 sh7 fmt1 fmt2 fmt3; do
		[ ! -e "$W/$f" ] && [ ! -e "$dir/$f" ] && [ ! -e "$BATS_TEST_TMPDIR/$f" ] ||
		    fail "$f was created: a payload reached a shell or a tmux format"
	done
}
