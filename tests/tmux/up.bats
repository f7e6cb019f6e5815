#!/usr/bin/env bats
# up FILE and session resume (issue 12): a team started from a layout, one window per entry and
# a tiled pane per agent, all waited for together; refusals that start nothing; down of the
# whole team; injection payloads kept away from any shell; resume with the recorded session id.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() {
	tmux_setup
	unset TMUX_DISPATCH_PROFILES
	tmux -f /dev/null new-session -d -s t -n base -x 120 -y 40 -c "$W" sleep 600
	TMUX_SERVER_PID=$(tmux display -p "#{pid}")
	SESS="$W/.terminal-status.d/sessions"
	# A trusted profile "fake": the claude profile with the fake agent as its launch and
	# resume argv (the fake agent shows the id it resumes).
	td profiles show claude | FA="$FAKEAGENT" A="$A" perl -MJSON::PP -e '
		local $/; my $d = decode_json(<STDIN>); my $p = $d->{claude};
		$p->{launch} = [$ENV{FA}, "--log", "$ENV{A}/fake.log", "--record", "$ENV{A}/fake.rec"];
		$p->{resume} = [$ENV{FA}, "--log", "$ENV{A}/fake.log", "--record", "$ENV{A}/resumed.rec",
		    "--resume", "{session}"];
		print JSON::PP->new->utf8->encode({fake => $p})' >"$W/tmux-dispatch.profiles.json"
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
}

teardown() {
	tmux_teardown
}

# A layout agent entry running the fake agent as NAME with extra JSON keys.
fa() { # NAME [JSON-KEYS]
	printf '{"name": "%s", "command": ["%s", "--log", "%s/%s.log", "--record", "%s/%s.rec"]%s}' \
	    "$1" "$FAKEAGENT" "$A" "$1" "$A" "$1" "${2:+, $2}"
}

two_tier() {
	cat >"$W/team.json" <<JSON
{"session": "oracle",
 "windows": [
   {"name": "tier1", "agents": [$(fa conductor '"model": "opus-9"'), $(fa gatekeeper)]},
   {"name": "tier2", "agents": [$(fa architect '"group": "design", "env": {"ROLE": "arch"}'),
                                {"name": "scribe", "profile": "fake"}]}],
 "defaults": {"cwd": "$W", "profile": "fake"}}
JSON
}

record_argv() { sed -n 's/^arg //p' "$1" | while read -r h; do perl -e 'print pack("H*", $ARGV[0]), "\n"' "$h"; done; }
record_has_env() { grep -qx "env $(printf '%s' "$2" | od -An -v -tx1 | tr -d ' \n')" "$1"; }

@test "up of a two-tier layout: windows, tiled panes, terminals, groups, session files; down SESSION" {
	two_tier
	run --separate-stderr td up "$W/team.json"
	assert_success
	for n in conductor gatekeeper architect scribe; do
		assert_line "$n: idle"
	done
	assert_line "attach: tmux attach -t oracle"
	[ "$(tmux list-windows -t oracle -F '#{window_name}' | tr '\n' ' ')" = "tier1 tier2 " ]
	[ "$(tmux list-panes -t oracle:tier1 | wc -l)" -eq 2 ]
	[ "$(tmux list-panes -t oracle:tier2 | wc -l)" -eq 2 ]
	tmux list-panes -t oracle:tier1 -F '#{pane_id}' | grep -qx "$(json "$S" '$d->{terminals}{gatekeeper}{target}')"
	tmux list-panes -t oracle:tier2 -F '#{pane_id}' | grep -qx "$(json "$S" '$d->{terminals}{scribe}{target}')"
	[ "$(json "$S" 'join " ", map { $d->{terminals}{$_}{group} } qw(conductor gatekeeper architect scribe)')" = \
	    "tier1 tier1 design tier2" ]
	[ "$(json "$S" '$d->{terminals}{conductor}{spawned}')" = true ]
	[ "$(json "$S" '$d->{terminals}{scribe}{spawned}')" = true ]
	[ "$(json "$S" '$d->{terminals}{scribe}{profile}')" = fake ]
	for n in conductor gatekeeper architect scribe; do
		[ "$(json "$SESS/$n.json" '$d->{session}')" = oracle ]
	done
	[ "$(json "$SESS/conductor.json" '$d->{model}')" = opus-9 ]
	record_argv "$A/conductor.rec" | grep -A1 -x -- --model | tail -1 | grep -qx opus-9
	record_has_env "$A/architect.rec" ROLE=arch
	# scribe ran the profile's own launch argv, with a minted session id.
	id=$(json "$SESS/scribe.json" '$d->{sessionId}')
	[ "$(record_argv "$A/fake.rec")" = "$(printf '%s\n' "$FAKEAGENT" --log "$A/fake.log" --record "$A/fake.rec" --session-id "$id")" ]
	# It is a team check delivers to.
	td enqueue --to scribe -- write it down >/dev/null
	td check >/dev/null
	wait_for grep -qx "$(hex_str 'write it down')" "$A/fake.log"
	run --separate-stderr td down oracle
	assert_success
	for n in conductor gatekeeper architect scribe; do
		assert_line "$n: down (it quit)"
		[ ! -e "$SESS/$n.json" ]
	done
	tmux has-session -t oracle 2>/dev/null && fail "session oracle is still there"
	[ "$(json "$S" 'scalar keys %{$d->{terminals}}')" = 0 ]
}

@test "up starts all agents before waiting: the slow ones overlap" {
	cat >"$W/slow.json" <<JSON
{"session": "slow", "windows": [{"name": "w", "agents": [
  $(fa s1 '"profile": "fake"' | sed 's/"]/", "--startup-delay", "2"]/'),
  $(fa s2 '"profile": "fake"' | sed 's/"]/", "--startup-delay", "2"]/'),
  $(fa s3 '"profile": "fake"' | sed 's/"]/", "--startup-delay", "2"]/')]}]}
JSON
	start=$(date +%s%N)
	run --separate-stderr td up "$W/slow.json"
	assert_success
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$took" -lt 5000 ] || fail "three agents of 2 s each took ${took} ms: not together"
	[ "$(tmux list-panes -t slow:w | wc -l)" -eq 3 ]
}

@test "down keeps pending items assigned, ls, status and plan say why they wait, and up again takes them" {
	printf '{"session": "keep", "windows": [{"name": "tier1", "agents": [%s]}]}\n' "$(fa k1)" >"$W/keep.json"
	td up "$W/keep.json" >/dev/null
	td pause >/dev/null
	td enqueue --to k1 --id p1 -- first for k1 >/dev/null
	td enqueue --to tier1 --id p2 -- for the tier >/dev/null
	td enqueue --to k1 --id p3 --after p1 -- after it >/dev/null
	run --separate-stderr td down keep
	assert_success
	assert_line "k1: down (it quit)"
	assert_line "k1: 2 pending items stay assigned"
	assert_line "all-tier1: 1 pending item stays assigned"
	assert_item p1 assignedTo k1
	assert_item p2 assignedTo all-tier1
	run --separate-stderr td ls
	assert_success
	[[ $output == *$'\n'"p1 "*$'\n'"             waits for terminal k1, which does not exist"$'\n'"p2 "* ]] || fail "$output"
	assert_line "             waits for a terminal of group tier1, and none exists"
	[ "$(td ls --json | json - '[map { $_->{why} } @{$d->{items}}]')" = \
	    '["waits for terminal k1, which does not exist","waits for a terminal of group tier1, and none exists","blocked by p1"]' ]
	run --separate-stderr td status
	assert_line "needs you: p1 waits for terminal k1, which does not exist"
	assert_line "needs you: p2 waits for a terminal of group tier1, and none exists"
	assert_line "needs you: p3 waits for terminal k1, which does not exist"
	[ "$(td status --json | json - '[map { $_->{id} } @{$d->{attention}}]')" = '["p1","p2","p3"]' ]
	run --separate-stderr td plan
	assert_line "        waits for terminal k1, which does not exist"
	[ "$(td plan --json | json - '[map { $_->{why} } @{$d->{ready}}]')" = \
	    '["waits for terminal k1, which does not exist","waits for a terminal of group tier1, and none exists"]' ]
	# The same layout again: the names and the group are back, and the items are taken.
	td resume >/dev/null
	td up "$W/keep.json" >/dev/null
	run --separate-stderr td ls
	refute_output --partial "waits for"
	td check >/dev/null
	wait_for grep -qx "$(hex_str 'first for k1')" "$A/k1.log"
}

@test "up refuses a bad layout with one line naming the entry, and starts nothing" {
	td terminal add taken t:base >/dev/null
	before=$(fingerprint "$S")
	sessions=$(tmux list-sessions | wc -l)
	ok=$(fa ok)
	bad=(
		"3|not valid JSON|{"
		'3|unknown key "colour"|{"session": "x", "colour": 1, "windows": []}'
		'3|session: must be a tmux session name|{"session": "a;b", "windows": [{"name": "w", "agents": ['"$ok"']}]}'
		'3|windows: must be a non-empty array|{"session": "x", "windows": []}'
		'3|windows[0]: "agents" must be a non-empty array|{"session": "x", "windows": [{"name": "w"}]}'
		"3|windows[0].agents[1] (ok): agent 'ok' appears twice|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$ok, $ok"']}]}'
		"1|windows[0].agents[1] (taken): terminal 'taken' exists|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$ok, $(fa taken)"']}]}'
		"4|windows[1].agents[0] (p): no profile 'nope'|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$ok"']}, {"name": "v", "agents": ['"$(fa p '"profile": "nope"')"']}]}'
		"4|windows[0].agents[1] (c): cannot run 'claude'|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$ok"', {"name": "c"}]}]}'
		"3|windows[0].agents[0] (ok): cwd '/no/such' is not a directory|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$(fa ok '"cwd": "/no/such"')"']}]}'
		"3|windows[0].agents[0] (ok): \"env\"|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$(fa ok '"env": {"A-B": "x"}')"']}]}'
		"3|windows[0].agents[0] (ok): \"command\" must be|"'{"session": "x", "windows": [{"name": "w", "agents": [{"name": "ok", "command": []}]}]}'
		"3|windows[0].agents[0] (ok): unknown key \"modle\"|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$(fa ok '"modle": "m"')"']}]}'
		"3|windows[0].agents[0]: \"name\" must be a terminal name|"'{"session": "x", "windows": [{"name": "w", "agents": [{"name": "all"}]}]}'
		"3|windows[1]: window 'w' appears twice|"'{"session": "x", "windows": [{"name": "w", "agents": ['"$ok"']}, {"name": "w", "agents": ['"$(fa ok2)"']}]}'
		"1|session: tmux session 't' exists|"'{"session": "t", "windows": [{"name": "w", "agents": ['"$ok"']}]}'
	)
	for b in "${bad[@]}"; do
		IFS='|' read -r code want layout <<<"$b"
		printf '%s\n' "$layout" >"$W/bad.json"
		run --separate-stderr td up "$W/bad.json"
		[ "$status" -eq "$code" ] || fail "$want: status $status: $stderr"
		assert_one_error_line
		[[ $stderr == "tmux-dispatch: $W/bad.json"*"$want"* ]] || fail "$want: $stderr"
		[ "$(tmux list-sessions | wc -l)" -eq "$sessions" ] || fail "$want: a session was started"
	done
	[ "$(fingerprint "$S")" = "$before" ]
	[ ! -e "$SESS" ] || [ -z "$(ls -A "$SESS")" ]
	run --separate-stderr td up "$W/none.json"
	assert_failure 4
	assert_one_error_line
}

@test "up with an agent that dies: every outcome reported, the others registered, exit 1" {
	cat >"$W/team.json" <<JSON
{"session": "mixed", "windows": [{"name": "w", "agents": [$(fa good1),
  {"name": "bad", "command": ["$FAKEAGENT", "--bogus-option"]}, $(fa good2)]}]}
JSON
	run --separate-stderr td up "$W/team.json"
	assert_failure 1
	assert_line "good1: idle"
	assert_line "good2: idle"
	[[ $stderr == *"bad: the agent exited at once (status 2); its last lines:"* ]]
	[[ $stderr == *"fakeagent: unknown argument '--bogus-option'"* ]]
	[[ $stderr == *"1 of 3 agents did not come up; the others are registered (tmux-dispatch down mixed stops them)"* ]]
	[ "$(json "$S" 'join " ", sort keys %{$d->{terminals}}')" = "good1 good2" ]
	[ ! -e "$SESS/bad.json" ]
	[ "$(tmux list-panes -t mixed:w | wc -l)" -eq 2 ]
	td down mixed >/dev/null
	tmux has-session -t mixed 2>/dev/null && fail "session mixed is still there"
	true
}

@test "up: injection payloads in names, models, cwd, env and argv never reach a shell" {
	dir="$W/\$(touch sh1) #(touch fmt1) x;"
	mkdir -p "$dir"
	printf '{"session": "x", "windows": [{"name": "w", "agents": [{"name": "$(touch sh2)"}]}]}\n' >"$W/bad.json"
	run --separate-stderr td up "$W/bad.json"
	assert_failure 3
	printf '{"session": "x", "windows": [{"name": "w;#(touch fmt2)", "agents": [%s]}]}\n' "$(fa ok)" >"$W/bad.json"
	run --separate-stderr td up "$W/bad.json"
	assert_failure 3
	DIR="$dir" FA="$FAKEAGENT" A="$A" perl -MJSON::PP -e '
		print JSON::PP->new->encode({session => "inj", windows => [{name => "w", agents => [
		  {name => "i1", profile => "fake", model => q{$(touch sh3);}, cwd => $ENV{DIR},
		   env => {K => q{$(touch sh4) #(touch fmt3);}},
		   command => [$ENV{FA}, "--log", "$ENV{A}/i1.log", "--record", "$ENV{A}/i1.rec",
		     "--perm-word", q{`touch sh5`; touch sh6 #{pane_id} \;}]}]}]})' >"$W/inj.json"
	run --separate-stderr td up "$W/inj.json"
	assert_success
	record_argv "$A/i1.rec" | grep -qxF -- '$(touch sh3);'
	record_argv "$A/i1.rec" | grep -qxF -- '`touch sh5`; touch sh6 #{pane_id} \;'
	record_has_env "$A/i1.rec" 'K=$(touch sh4) #(touch fmt3);'
	pane=$(json "$S" '$d->{terminals}{i1}{target}')
	[ "$(tmux display -p -t "$pane" '#{pane_current_path}')" = "$dir" ]
	for f in sh1 sh2 sh3 sh4 sh5 sh6 fmt1 fmt2 fmt3; do
		[ ! -e "$W/$f" ] && [ ! -e "$dir/$f" ] && [ ! -e "$BATS_TEST_TMPDIR/$f" ] ||
		    fail "$f was created: a payload reached a shell or a tmux format"
	done
}

@test "session resume: the profile's resume argv with its own recorded id, in its pane; a running item stays" {
	sub="$W/sub dir"
	mkdir -p "$sub"
	run --separate-stderr td spawn r1 --profile fake --in t --cwd "$sub"
	assert_success
	id=$(json "$SESS/r1.json" '$d->{sessionId}')
	[ -n "$id" ] && [ "$id" != null ]
	pane=$(json "$S" '$d->{terminals}{r1}{target}')
	td enqueue --to r1 --id job -- a long job >/dev/null
	td check >/dev/null
	wait_for grep -qx "$(hex_str 'a long job')" "$A/fake.log"
	[ "$(json "$S" '$d->{queue}[0]{status}')" = running ]
	# Another agent's newer session in the same directory must not be the one resumed.
	run --separate-stderr td spawn r2 --profile fake --in t --cwd "$sub"
	assert_success
	run --separate-stderr td session resume r1
	assert_success
	assert_line "r1: idle"
	assert_line "r1: resumed session $id"
	[ "$(record_argv "$A/resumed.rec")" = "$(printf '%s\n' "$FAKEAGENT" --log "$A/fake.log" --record "$A/resumed.rec" --resume "$id")" ]
	tmux capture-pane -p -t "$pane" | grep -qF "Resumed session $id"
	[ "$(tmux display -p -t "$pane" '#{pane_current_path}')" = "$sub" ]
	[ "$(json "$S" '$d->{terminals}{r1}{target}')" = "$pane" ]
	[ "$(json "$S" '$d->{queue}[0]{status}')" = running ]
	[ "$(json "$SESS/r1.json" '$d->{sessionId}')" = "$id" ]
	[ "$(json "$SESS/r1.json" '$d->{pid}')" = "$(tmux display -p -t "$pane" '#{pane_pid}')" ]
	# Its pane gone: a new window of its session, and the terminal follows it there.
	tmux kill-pane -t "$pane"
	run --separate-stderr td session resume r1
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_line "r1: resumed session $id"
	new=$(json "$S" '$d->{terminals}{r1}{target}')
	[ "$new" != "$pane" ]
	[ "$(tmux display -p -t "$new" '#{session_name} #{window_name}')" = "t r1" ]
	[ "$(json "$SESS/r1.json" '$d->{pane}')" = "$new" ]
	[ "$(json "$S" '$d->{queue}[0]{status}')" = running ]
}

@test "session resume without a recorded id: refused, and started anew only with --fresh" {
	run --separate-stderr td spawn n1 --in t -- "$FAKEAGENT" --log "$A/n1.log" --record "$A/n1.rec"
	assert_success
	# A profile without sessionFlag mints no id: the one passed with -- argv is the claude
	# profile's, so drop it from the record as a profile without one would leave it.
	perl -MJSON::PP -0777 -i -pe '$d = decode_json($_); $d->{sessionId} = undef;
	    $d->{argv} = [grep { !/^--session-id$/ } @{$d->{argv}}]; pop @{$d->{argv}};
	    $_ = JSON::PP->new->encode($d)' "$SESS/n1.json"
	before=$(fingerprint "$S")
	pid=$(tmux display -p -t "$(json "$S" '$d->{terminals}{n1}{target}')" '#{pane_pid}')
	run --separate-stderr td session resume n1
	assert_failure 3
	assert_one_error_line
	[[ $stderr == *"n1: no session id is recorded (profile 'claude' minted none): --fresh starts it anew"* ]]
	[ "$(fingerprint "$S")" = "$before" ]
	[ "$(tmux display -p -t "$(json "$S" '$d->{terminals}{n1}{target}')" '#{pane_pid}')" = "$pid" ]
	run --separate-stderr td session resume n1 --fresh
	assert_success
	assert_line "n1: idle"
	assert_line "n1: started anew (no session id was recorded)"
	[ "$(tmux display -p -t "$(json "$S" '$d->{terminals}{n1}{target}')" '#{pane_pid}')" != "$pid" ]
	run --separate-stderr td session resume nobody
	assert_failure 4
	assert_one_error_line
}
