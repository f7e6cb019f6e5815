#!/usr/bin/env bats
# classify and profiles: captures from files and stdin, the --json shape, user profiles (override
# and errors), and live panes on a private tmux server: shell idle/busy, copy mode, dead pane,
# a fake agent, and stall detection recorded in the state file.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

NBSP=$'\xc2\xa0'
RULE=$(printf '─%.0s' $(seq 1 60))
FAKEAGENT="${TD_BUILD:-$BATS_TEST_DIRNAME/../../bin}/agents/fakeagent"

# Writes stdin as the user's profiles file beside the state, and trusts it as it now is: a
# profiles file there is read only when trusted (trust.bats covers the untrusted ones).
trusted_profiles() {
	cat > tmux-dispatch.profiles.json
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
}

setup() {
	common_setup
	unset TMUX_DISPATCH_PROFILES TMUX_DISPATCH_TMUX TMUX_DISPATCH_TIMEOUT
	export TMUX_TMPDIR="$BATS_TEST_TMPDIR"
	unset TMUX TMUX_PANE
	SERVER=
}

teardown() {
	if [ -n "$SERVER" ]; then
		TMUX_TMPDIR="$BATS_TEST_TMPDIR" tmux kill-server 2>/dev/null || true
	fi
}

# A Claude Code screen: claude_screen INPUT FOOTER [TRANSCRIPT...]
claude_screen() {
	local input=$1 footer=$2 line
	shift 2
	for line in "$@"; do printf '%s\n' "$line"; done
	printf '\n%s\n❯%s%s\n%s\n%s\n' "$RULE" "$NBSP" "$input" "$RULE" "$footer"
}

idle_screen() {
	claude_screen "" "  ? for shortcuts · ← for agents" "❯ fix it" "" "● Done." "" \
	    "✻ Brewed for 12s"
}

busy_screen() {
	claude_screen "" "  esc to interrupt · ← for agents" "❯ fix it" "" "✻ Ionizing… (3s)"
}

# wait_for CMD...: polls CMD every 50 ms, at most 10 s.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	tmux capture-pane -p -t t 2>/dev/null >&2 || true
	return 1
}

# A private server with one bash pane at a '$ ' prompt.
start_shell() {
	tmux -f /dev/null new-session -d -s t -x 120 -y 40 -c "$W" \
	    "env -i HOME=$W PATH=$PATH TERM=screen PS1='\$ ' bash --norc --noprofile"
	tmux set-option -g remain-on-exit on
	SERVER=1
	P=$(tmux display -p -t t '#{pane_id}')
	wait_for prompt_shown
}
prompt_shown() { tmux capture-pane -p -t t | grep -qx '\$'; }
pane_cmd_is() { [ "$(tmux display -p -t "$P" '#{pane_current_command}')" = "$1" ]; }

@test "classify FILE: the first word is the state, then profile and rule" {
	idle_screen > idle.txt
	busy_screen > busy.txt
	run td classify --profile claude idle.txt
	assert_success
	assert_output --regexp '^idle claude: input empty, turn done "✻ Brewed for 12s"$'
	run td classify -p claude busy.txt
	assert_success
	assert_output 'busy claude: footer "esc to interrupt"'
	run td classify busy.txt
	assert_success
	assert_output 'busy claude: footer "esc to interrupt"'
}

@test "classify -: reads stdin; with no operand and stdin not a terminal, too" {
	run bash -c "printf '%s' \"\$1\" | \"\$2\" classify -p claude -" _ "$(busy_screen)" "$TD"
	assert_success
	assert_output --partial 'busy claude:'
	run bash -c "printf '%s' \"\$1\" | \"\$2\" classify --profile=claude" _ "$(idle_screen)" "$TD"
	assert_success
	assert_output --partial 'idle claude:'
}

@test "classify: text typed after the prompt, NBSP vs space, empty screen" {
	claude_screen "fix the tests" "" "Claude Code v2.1.197" > typed.txt
	run td classify -p claude typed.txt
	assert_output --regexp '^typed claude: input "❯.fix the tests"$'
	# ❯ followed by an ordinary space is a submitted prompt in the history, never the input.
	printf 'Claude Code v2.1.197\n\n%s\n❯ \n%s\n  ? for shortcuts\n' "$RULE" "$RULE" > space.txt
	run td classify -p claude space.txt
	assert_output --regexp '^unknown claude: '
	: > empty.txt
	run td classify -p claude empty.txt
	assert_success
	assert_output 'unknown claude: blank screen'
	run td classify empty.txt
	assert_output 'unknown auto: blank screen'
}

@test "classify FILE: the .meta sidecar supplies pane metadata" {
	idle_screen > cap.txt
	printf 'pane_current_command=claude\npane_in_mode=1\n' > cap.meta
	run td classify cap.txt
	assert_output 'copy-mode claude: pane_in_mode=1'
	printf 'pane_current_command=claude\npane_dead=1\n' > cap.meta
	run td classify cap.txt
	assert_output 'exited claude: pane_dead=1'
	printf 'pane_current_command=bash\npane_in_mode=0\ncursor_x=2\ncursor_y=0\n' > sh.txt.meta
	printf '$\n' > sh.txt
	# FILE.meta for a name that does not end in .txt
	cp sh.txt sh
	printf 'pane_current_command=bash\ncursor_x=2\ncursor_y=0\n' > sh.meta
	run td classify sh
	assert_output 'idle shell: input empty'
	printf 'pane_current_command=sleep\ncursor_x=0\ncursor_y=1\n' > sh.meta
	run td classify sh
	assert_output 'busy shell: foreground "sleep"'
	printf 'cursor_x=oops\n' > sh.meta
	run --separate-stderr td classify sh
	assert_failure 3
	assert_one_error_line
}

@test "classify --json: a stable object" {
	busy_screen > busy.txt
	run --separate-stderr td classify --json -p claude busy.txt
	assert_success
	printf '%s' "$output" > out.json
	run json out.json 'join ",", sort keys %$d'
	assert_output 'label,pane,profile,rule,seen,state,terminal'
	run json out.json '$d->{state}, $d->{label}, $d->{profile}, $d->{rule}, $d->{pane}, $d->{terminal}, $d->{seen}'
	assert_output "$(printf '%s\n' busy busy claude 'footer "esc to interrupt"' null null 0)"
}

@test "classify: usage errors and missing things have their exit status" {
	run --separate-stderr td classify -p claude nosuch.txt
	assert_failure 4
	assert_one_error_line
	idle_screen > idle.txt
	run --separate-stderr td classify -p nosuch idle.txt
	assert_failure 4
	assert_one_error_line
	assert_equal "$stderr" "tmux-dispatch: no profile 'nosuch' (see tmux-dispatch profiles ls)"
	run --separate-stderr td classify -t %1 idle.txt
	assert_failure 2
	run --separate-stderr td classify --bogus
	assert_failure 2
	run --separate-stderr td classify a.txt b.txt
	assert_failure 2
	run td classify --help
	assert_success
	assert_output --partial 'usage: tmux-dispatch classify'
}

@test "profiles ls and show: every built-in, as data that round-trips" {
	run td profiles ls
	assert_success
	for p in claude codex gemini aider shell generic auto; do
		assert_line --regexp "^$p +built-in "
	done
	run --separate-stderr td profiles show claude
	assert_success
	printf '%s' "$output" > claude.json
	run json claude.json 'join ",", keys %$d'
	assert_output claude
	grep -qF "\"input\":	[\"^❯$NBSP\"]" claude.json ||
		fail "the input pattern is not ^❯ NBSP: $(grep input claude.json)"
	# The printed profile, saved as a user file under another name, classifies the same.
	sed 's/^\(.\)"claude":/\1"myclaude":/' claude.json | trusted_profiles
	busy_screen > busy.txt
	run td classify -p myclaude busy.txt
	assert_output 'busy myclaude: footer "esc to interrupt"'
	run td profiles ls --json
	assert_success
	printf '%s' "$output" > ls.json
	run json ls.json 'map { "$_->{name} $_->{source}" } grep { $_->{name} eq "myclaude" } @$d'
	assert_output "myclaude $W/tmux-dispatch.profiles.json"
	run --separate-stderr td profiles show nosuch
	assert_failure 4
	run td profiles show auto
	assert_success
	assert_output --partial '"recognises"'
}

@test "tmux-dispatch.profiles.json beside the state file overrides a built-in by name" {
	trusted_profiles <<-'EOF'
	{"claude": {"description": "my claude",
	  "input": ["^❯\u00a0"],
	  "busy": [{"match": "THINKING", "region": "last:3", "label": "my busy"}],
	  "idle": ["^❯\u00a0$"]}}
	EOF
	printf 'THINKING\n' > t.txt
	claude_screen "" "THINKING" > t.txt
	run td classify -p claude t.txt
	assert_output 'busy claude: last:3 "my busy"'
	run td profiles ls
	assert_line --regexp "^claude +$W/tmux-dispatch.profiles.json +my claude$"
	# $TMUX_DISPATCH_PROFILES wins, and must exist when set.
	printf '{}\n' > other.json
	TMUX_DISPATCH_PROFILES=$W/other.json run td classify -p claude t.txt
	assert_output --regexp '^unknown claude: '
	TMUX_DISPATCH_PROFILES=$W/missing.json run --separate-stderr td classify -p claude t.txt
	assert_failure 1
	assert_one_error_line
}

@test "an invalid tmux-dispatch.profiles.json is reported with its path and line:col" {
	printf '{"x": {\n  "busy": ["a"]\n  "idle": []\n}}\n' | trusted_profiles
	idle_screen > idle.txt
	run --separate-stderr td classify -p claude idle.txt
	assert_failure 3
	assert_one_error_line
	assert_equal "$stderr" "tmux-dispatch: $W/tmux-dispatch.profiles.json:3:3: invalid JSON"
	printf '{"x": {"busy": ["(unclosed"]}}\n' | trusted_profiles
	run --separate-stderr td profiles ls
	assert_failure 3
	assert_one_error_line
	assert_output ''
	[[ "$stderr" == *"tmux-dispatch.profiles.json: profile \"x\": busy[0]: bad regular expression"* ]]
	printf '{"x": {"bussy": []}}\n' | trusted_profiles
	run --separate-stderr td profiles show x
	assert_failure 3
	[[ "$stderr" == *'unexpected "bussy"'* ]]
	printf '{"auto": {}}\n' | trusted_profiles
	run --separate-stderr td profiles ls
	assert_failure 3
	[[ "$stderr" == *'"auto" is reserved'* ]]
}

@test "stacked + repeats are refused before regcomp (fuzz: 34 of them took gigabytes)" {
	printf '{"x": {"busy": ["cancel ++++++++++++ now"]}}\n' | trusted_profiles
	run --separate-stderr timeout 10 "$TD" profiles ls
	assert_failure 3
	assert_one_error_line
	[[ "$stderr" == *'profile "x": busy[0]: regular expression refused: repeat counts whose product is over 1000'* ]] ||
		fail "$stderr"
	# Side by side they cost little, and stay allowed.
	printf '{"x": {"busy": ["[0-9]+ [a-z]+ (ab)+ x+y+z+ (c|d)+ e{3}+"]}}\n' | trusted_profiles
	run td profiles ls
	assert_success
}

@test "a profile key given twice is refused, not the first silently replaced (fuzz: it leaked)" {
	printf '{"x": {"busy": ["a"], "idle": ["b"], "busy": ["c"]}}\n' | trusted_profiles
	run --separate-stderr td profiles ls
	assert_failure 3
	assert_one_error_line
	assert_equal "$stderr" "tmux-dispatch: $W/tmux-dispatch.profiles.json: profile \"x\": \"busy\" is given twice"
}

@test "classify -t: a live shell pane, idle at its prompt, busy while sleep runs" {
	export LC_ALL=C # a hook's environment: tmux must still give tabs and UTF-8 through
	start_shell
	run td classify -t "$P"
	assert_success
	assert_output 'idle shell: input empty'
	run td classify -p shell -t t
	assert_output 'idle shell: input empty'
	tmux send-keys -t "$P" 'echo hi'
	wait_for bash -c "tmux capture-pane -p -t $P | grep -q 'echo hi'"
	run td classify -t "$P"
	assert_output 'typed shell: input "$ echo hi"'
	tmux send-keys -t "$P" C-u 'sleep 30' Enter
	wait_for pane_cmd_is sleep
	run td classify -t "$P" --json
	assert_success
	printf '%s' "$output" > out.json
	run json out.json '$d->{state}, $d->{rule}, $d->{pane}'
	assert_output "$(printf 'busy\nforeground "sleep"\n%s' "$P")"
}

@test "classify -t: copy mode, a dead pane, a missing pane, no server" {
	start_shell
	tmux copy-mode -t "$P"
	run td classify -t "$P"
	assert_output 'copy-mode shell: pane_in_mode=1'
	tmux send-keys -t "$P" -X cancel
	run td classify -t "$P"
	assert_output 'idle shell: input empty'
	tmux new-window -d -t t: -n gone 'exit 3'
	wait_for bash -c "[ \"\$(tmux display -p -t t:gone '#{pane_dead}')\" = 1 ]"
	run td classify -t t:gone
	assert_output --regexp '^exited (auto|shell): pane_dead=1$'
	run --separate-stderr td classify -t %999
	assert_failure 4
	assert_one_error_line
	run --separate-stderr td classify -t 'bad;'
	assert_failure 2
	tmux kill-server
	SERVER=
	run --separate-stderr td classify -t %0
	assert_failure 1
	assert_one_error_line
}

@test "classify -t: tmux is run without a shell, from \$TMUX_DISPATCH_TMUX, within a time limit" {
	cat > fake-tmux <<-'EOF'
	#!/bin/sh
	printf '%s\n' "$@" > "$(dirname "$0")/args"
	printf 'td2\t%%7\t0\t0\t2\t0\t40\t0\t4242\tbash\n$\n'
	EOF
	chmod +x fake-tmux
	TMUX_DISPATCH_TMUX=$W/fake-tmux run td classify -t '%7'
	assert_output 'idle shell: input empty'
	run cat args
	assert_line --index 0 -u
	assert_line --index 1 display-message
	assert_line --index 6 ';'
	assert_line --index 7 capture-pane
	printf '#!/bin/sh\nexec sleep 5\n' > slow-tmux
	chmod +x slow-tmux
	TMUX_DISPATCH_TIMEOUT=300 TMUX_DISPATCH_TMUX=$W/slow-tmux run --separate-stderr td classify -t %1
	assert_failure 1
	[[ "$stderr" == *"did not answer within 300 ms"* ]]
	TMUX_DISPATCH_TMUX=$W/nonexistent run --separate-stderr td classify -t %1
	assert_failure 1
}

@test "classify -t: a fake Claude agent, idle then busy, recognised by auto" {
	[ -x "$FAKEAGENT" ] || fail "no fake agent at $FAKEAGENT (run make test)"
	tmux -f /dev/null new-session -d -s t -x 120 -y 40 -c "$W" \
	    "exec $(printf '%q ' "$FAKEAGENT" --log "$W/log" --events "$W/ev" --busy 30)"
	SERVER=1
	wait_for grep -q ' ready$' "$W/ev"
	run td classify -t t
	assert_output --regexp '^idle claude: input empty'
	tmux send-keys -t t -l 'hello'
	wait_for bash -c "tmux capture-pane -p -t t | grep -q '❯${NBSP}hello'"
	run td classify -t t
	assert_output --regexp '^typed claude: input "❯.hello"$'
	tmux send-keys -t t Enter
	wait_for grep -q ' take ' "$W/ev"
	run td classify -t t
	assert_output --regexp '^busy claude: '
}

@test "stall detection: a registered busy terminal unchanged for 2 checks is busy (stall?), 3 stalled" {
	start_shell
	tmux send-keys -t "$P" 'sleep 30' Enter
	wait_for pane_cmd_is sleep
	td terminal add w1 "$P" --profile shell
	# The counts alone: no minimum time unchanged.
	export TMUX_DISPATCH_STALL_SECONDS=0
	run td classify -t w1
	assert_output 'busy shell: foreground "sleep"'
	run td classify -t w1
	assert_output 'busy (stall?) shell: foreground "sleep"'
	run td classify -t "$P" --json
	printf '%s' "$output" > out.json
	run json out.json '$d->{state}, $d->{label}, $d->{terminal}, $d->{seen}'
	assert_output "$(printf 'stalled\nstalled\nw1\n3')"
	run json "$S" '$d->{terminals}{w1}{screen}{seen}, $d->{terminals}{w1}{screen}{hash} =~ /^[0-9a-f]{16}$/ ? "hex" : "bad", $d->{terminals}{w1}{screen}{since} =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ ? "iso" : "bad"'
	assert_output "$(printf '3\nhex\niso')"
	# New output resets the count.
	tmux send-keys -t "$P" C-c
	wait_for pane_cmd_is bash
	run td classify -t w1
	assert_output 'idle shell: input empty'
	run json "$S" '$d->{terminals}{w1}{screen}{seen}'
	assert_output 1
	# By default the screen must also stay unchanged 30 s for "stall?", 60 s for "stalled":
	# three checks in a row of a screen that just appeared are plain busy.
	unset TMUX_DISPATCH_STALL_SECONDS
	tmux send-keys -t "$P" 'sleep 30' Enter
	wait_for pane_cmd_is sleep
	run td classify -t w1
	run td classify -t w1
	run td classify -t w1
	assert_output 'busy shell: foreground "sleep"'
	run json "$S" '$d->{terminals}{w1}{screen}{seen}'
	assert_output 3
	# An unregistered pane is classified without touching the state file.
	before=$(fingerprint "$S")
	run td classify -t t:0
	assert_success
	assert_equal "$(fingerprint "$S")" "$before"
}
