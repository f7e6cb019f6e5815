#!/usr/bin/env bats
# The prefix+D menu, driven through a nested client: an outer tmux whose pane is a client of
# the test server. Keys go into the outer pane, the screen comes back from it, results are
# read from the helper's state and the fake agent's log.

load common

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# A registered fake agent in the current window, the plugin loaded, a client attached.
agent_and_client() {
	start_agent agent --busy 0.3
	td terminal add agent "$AGENT_PANE" --profile claude
	load_plugin
	attach_client
}

# The edit popup is gone: its title (" state file ") is off the screen. The status line's
# "state file saved" stays 5 s after it closes, so it does not count.
edit_popup_closed() {
	! outer_screen | grep -vF "state file saved" | grep -qF "state file"
}

# Opens the menu, chooses "Dispatch a command to this pane", types TEXT, presses Enter.
menu_dispatch() {
	open_menu
	outer_keys d
	wait_for 5 outer_shows "Enter sends"
	outer_type "$1"
	wait_for 5 outer_shows "$(tail_of "$1")"
	outer_keys Enter
}

@test "menu: prefix+D in a client shows every item" {
	load_plugin
	attach_client
	open_menu
	for item in "tmux-dispatch" "Dispatch a command to this pane" \
	    "Queue a command for a terminal..." "Queue-check now" \
	    "Register this pane as a terminal..." "Pause automatic dispatch" \
	    "Resume automatic dispatch" "Status" "Plan" "Edit the state file"; do
		outer_shows "$item" || fail "menu item '$item' not on screen: $(outer_screen)"
	done
	outer_keys Escape
	wait_for 5 outer_lacks "Queue-check now"
	assert_no_pane_in_mode
}

@test "menu: queue-check delivers a pending item" {
	agent_and_client
	td pause
	run td enqueue --to agent -- 'checked by the menu'
	assert_success
	local id=$output
	sleep 2
	run agent_log
	assert_output ""
	open_menu
	outer_keys c
	wait_for 10 agent_took 1
	run agent_log
	assert_output "$(hex 'checked by the menu')"
	wait_for 5 item_is "$id" running
	assert_no_pane_in_mode
}

# The text typed into the menu's prompt reaches the agent byte for byte, and nothing else
# happens: no file, no tmux option, no extra command. The third and fourth payloads break
# out of tmux 3.3a's command-prompt "%%%" template (it substitutes the answer twice).
@test "menu: dispatch to this pane; injection payloads arrive byte-exact, with no side effect" {
	agent_and_client
	local payloads=(
		"echo \"a;b\" 'it'\\''s' \$HOME ~ \\x \`touch pwned-bt\` \$(touch pwned-cs) #{pane_id} ##{pane_id} %% %1 %2 #(touch pwned-fmt) ;"
		'trailing backslash-semicolon \;'
		'%% x" ; run-shell "touch pwned-rs'
		'%2" ; set -g @injected yes ; set -g @z "'
		';'
		'~'
		"'\$HOME' \"\$HOME\" \${HOME} %%% %1% #S #[fg=red] #(id)"
	)
	local i expected=""
	for i in "${!payloads[@]}"; do
		menu_dispatch "${payloads[i]}"
		wait_for 15 agent_took $((i + 1)) || fail "payload $i not delivered: ${payloads[i]}"
		expected+="$(hex "${payloads[i]}")"$'\n'
		run agent_log
		assert_output "${expected%$'\n'}"
		# Idle again before the next one.
		wait_for 15 agent_done $((i + 1))
	done
	run find "$BATS_TEST_TMPDIR" "$PLUGIN" "$PWD" "$HOME" -maxdepth 3 -name 'pwned-*'
	assert_output ""
	run tmux show-option -gqv @injected
	assert_output ""
	run tmux show-option -gqv @z
	assert_output ""
	assert_no_pane_in_mode
}

@test "menu: queue a command for a terminal chosen in the submenu" {
	td terminal add first %98
	td terminal add second %99
	load_plugin
	attach_client
	open_menu
	outer_keys q
	wait_for 5 outer_shows "queue for"
	outer_shows first
	outer_shows second
	outer_keys 2
	wait_for 5 outer_shows "Queue a command for terminal second"
	local payload='make test; echo "$(date)" `id` #{pane_id} %% ;'
	outer_type "$payload"
	wait_for 5 outer_shows "$(tail_of "$payload")"
	outer_keys Enter
	wait_for 10 has_items_for second
	local id
	id=$(items_where assignedTo second)
	run item_field "$id" command
	assert_output "$payload"
	run items_where assignedTo first
	assert_output ""
	assert_no_pane_in_mode
}

@test "menu: register this pane as a terminal (name and profile prompts)" {
	start_agent helper-pane
	load_plugin
	attach_client
	open_menu
	outer_keys r
	wait_for 5 outer_shows "name (A-Z a-z 0-9 . _ -): helper-pane"
	outer_keys C-u
	outer_type 'reviewer-1'
	outer_keys Enter
	wait_for 5 outer_shows "profile: auto"
	outer_keys C-u
	outer_type 'claude'
	outer_keys Enter
	wait_for 10 terminals_show '"name": "reviewer-1"'
	run td terminal ls --json
	assert_output --partial '"name": "reviewer-1"'
	assert_output --partial "\"target\": \"$AGENT_PANE\""
	assert_output --partial '"profile": "claude"'
	# Again with the same name: asks before replacing.
	open_menu
	outer_keys r
	wait_for 5 outer_shows "name (A-Z a-z 0-9 . _ -)"
	outer_keys C-u
	outer_type 'reviewer-1'
	outer_keys Enter
	wait_for 5 outer_shows "profile: auto"
	outer_keys C-u
	outer_type 'codex'
	outer_keys Enter
	wait_for 5 outer_shows "replace terminal reviewer-1"
	outer_keys y Enter
	wait_for 10 terminals_show '"profile": "codex"'
	assert_no_pane_in_mode
}

@test "menu: pause stops automatic dispatch, resume restarts it" {
	agent_and_client
	open_menu
	outer_keys p
	sleep 1
	run td enqueue --to agent -- 'held while paused'
	assert_success
	sleep 3
	run agent_log
	assert_output ""
	open_menu
	outer_keys u
	wait_for 10 agent_took 1
	run agent_log
	assert_output "$(hex 'held while paused')"
	assert_no_pane_in_mode
}

@test "menu: the status popup shows the helper's status, refreshed, and q closes it" {
	td terminal add watcher %99
	# No state file option: the helper finds the one in the session's start directory.
	tmux set-option -gu @dispatch-state-file
	load_plugin
	attach_client
	open_menu
	outer_keys s
	wait_for 5 outer_shows "q: close"
	wait_for 5 outer_shows "watcher"
	outer_shows "queue:"
	outer_shows "state: $STATE"
	# It refreshes: a command queued now shows up without reopening.
	td enqueue --to watcher -- 'seen live' >/dev/null
	wait_for 5 outer_shows "queue: 1 pending"
	outer_keys q
	wait_for 5 outer_lacks "q: close"
	assert_no_pane_in_mode
}

@test "menu: the status popup shows the latest batch's progress" {
	agent_and_client
	# A second terminal whose pane does not exist: its item of the batch stays pending.
	td terminal add ghost %99
	run td dispatch --batch all -- 'batched work'
	assert_success
	open_menu
	outer_keys s
	wait_for 5 outer_shows "q: close"
	wait_for 5 outer_shows "batch batch-1: 0/2 done (0%), running"
	wait_for 30 agent_done 1
	td check >/dev/null
	wait_for 5 outer_shows "batch batch-1: 1/2 done (50%), running"
	outer_keys q
	wait_for 5 outer_lacks "q: close"
	assert_no_pane_in_mode
}

# The rows inside the plan popup, its border stripped: one plan line per row.
plan_screen() {
	outer_screen | awk '/└/ { inside = 0 } inside; /┌/ { inside = 1 }' |
		sed -e 's/^[^│]*│//' -e 's/│[^│]*$//' -e 's/ *$//'
}

plan_shows_line() {
	plan_screen | grep -qxF -- "$1"
}

@test "menu: the plan popup shows the ready and blocked items, refreshes on a key, and q closes it" {
	td enqueue --id build -- 'make build' >/dev/null
	td enqueue --id docs -- 'make docs' >/dev/null
	td enqueue --id ship --after build --after docs -- 'make ship' >/dev/null
	# No state file option: the helper finds the one in the session's start directory.
	tmux set-option -gu @dispatch-state-file
	load_plugin
	attach_client
	open_menu
	outer_keys l
	wait_for 5 outer_shows "Dispatch plan"
	outer_shows "q: close" || fail "no key help: $(outer_screen)"
	plan_shows_line "  Ready for parallel execution (2):" || fail "$(plan_screen)"
	plan_screen | grep -qE '^    build  make build +~1h   critical path 2h, unblocks 1$' ||
		fail "build is not ready: $(plan_screen)"
	plan_screen | grep -qE '^    docs +make docs +~1h   critical path 2h, unblocks 1$' ||
		fail "docs is not ready: $(plan_screen)"
	plan_shows_line "  Blocked (1):"
	plan_shows_line "    ship  blocked by build, docs"
	# Not every second: a key other than q runs the plan again.
	td enqueue --id test -- 'make test' >/dev/null
	sleep 1.5
	plan_shows_line "  Ready for parallel execution (2):"
	outer_keys r
	wait_for 5 plan_shows_line "  Ready for parallel execution (3):"
	outer_keys q
	wait_for 5 outer_lacks "Dispatch plan"
	assert_no_pane_in_mode
}

@test "menu: a plan taller than the popup scrolls (space, b, the arrows); Escape closes it" {
	local i
	td enqueue --id root -- 'the root' >/dev/null
	for i in $(seq 1 40); do
		td enqueue --id "leaf-$i" --after root -- "leaf $i" >/dev/null
	done
	load_plugin
	attach_client
	open_menu
	outer_keys l
	wait_for 5 outer_shows "Dispatch plan"
	outer_shows "lines 1-" || fail "no scroll position: $(outer_screen)"
	outer_lacks "Idle terminals now"
	outer_keys Space
	wait_for 5 outer_shows "Idle terminals now"
	outer_lacks "Dispatch plan"
	plan_shows_line "    leaf-40  blocked by root"
	outer_keys b
	wait_for 5 outer_shows "Dispatch plan"
	outer_lacks "Idle terminals now"
	# The arrows (escape sequences) move one line.
	outer_keys Down
	wait_for 5 outer_lacks "Dispatch plan"
	[ "$(plan_screen | sed -n 1p)" = "  Phase: -   Active: 0   Completed: 0 / 41" ] ||
		fail "not one line down: $(plan_screen)"
	outer_keys Up
	wait_for 5 outer_shows "Dispatch plan"
	outer_keys Escape
	wait_for 5 outer_lacks "lines 1-"
	assert_no_pane_in_mode
}

@test "menu: edit the state file in \$EDITOR; an invalid edit is refused" {
	td terminal add editme %99 --profile claude
	cat >"$BATS_TEST_TMPDIR/editor" <<-'EOF'
	#!/bin/sh
	sed -i 's/"profile": "claude"/"profile": "codex"/' "$1"
	EOF
	cat >"$BATS_TEST_TMPDIR/bad-editor" <<-'EOF'
	#!/bin/sh
	printf '{ not json' > "$1"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/editor" "$BATS_TEST_TMPDIR/bad-editor"
	tmux set-environment -g EDITOR "$BATS_TEST_TMPDIR/editor"
	load_plugin
	attach_client
	open_menu
	outer_keys e
	wait_for 10 terminals_show '"profile": "codex"'
	wait_for 5 outer_shows "tmux-dispatch: state file saved"
	wait_for 5 edit_popup_closed
	tmux set-environment -g EDITOR "$BATS_TEST_TMPDIR/bad-editor"
	local before
	before=$(cat "$STATE")
	open_menu
	outer_keys e
	wait_for 10 outer_shows "not valid"
	outer_keys d
	wait_for 5 outer_lacks "not valid"
	assert_equal "$(cat "$STATE")" "$before"
	assert_no_pane_in_mode
}

@test "menu: the edit popup writes through the helper (state replace --expect); a change meanwhile is caught" {
	td terminal add editme %99 --profile claude
	chmod 600 "$STATE"
	# The helper the plugin runs, behind a wrapper that notes each command line.
	cat >"$BATS_TEST_TMPDIR/wrapper" <<-EOF
	#!/bin/sh
	printf '%s\n' "\$*" >>"$BATS_TEST_TMPDIR/calls"
	exec $(printf '%q' "$HELPER") "\$@"
	EOF
	# An editor that lets the helper write the state while the copy is open, then edits it.
	cat >"$BATS_TEST_TMPDIR/racing-editor" <<-EOF
	#!/bin/sh
	$(printf '%q' "$HELPER") -f $(printf '%q' "$STATE") enqueue -- meanwhile >/dev/null
	sed -i 's/"profile": "claude"/"profile": "codex"/' "\$1"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/wrapper" "$BATS_TEST_TMPDIR/racing-editor"
	tmux set-option -g @dispatch-bin "$BATS_TEST_TMPDIR/wrapper"
	tmux set-environment -g EDITOR "$BATS_TEST_TMPDIR/racing-editor"
	load_plugin
	attach_client
	open_menu
	outer_keys e
	wait_for 10 outer_shows "changed while you were editing"
	run edit_popup_closed
	assert_failure
	grep -q "^state replace .* --expect " "$BATS_TEST_TMPDIR/calls" ||
		fail "the popup did not use state replace --expect: $(cat "$BATS_TEST_TMPDIR/calls")"
	# nothing was written: the helper's own change is there, the edit is not
	run td ls
	assert_output --partial meanwhile
	run td terminal ls --json
	assert_output --partial '"profile": "claude"'
	# [o]verwrite: the edited copy wins, still through the helper, the file's mode kept
	outer_keys o
	wait_for 10 terminals_show '"profile": "codex"'
	wait_for 5 outer_shows "tmux-dispatch: state file saved"
	wait_for 5 edit_popup_closed
	[ "$(grep -c "^state replace " "$BATS_TEST_TMPDIR/calls")" -eq 2 ]
	[ "$(stat -c %a "$STATE")" = 600 ]
	[ ! -e "$STATE.tmp" ]
	assert_no_pane_in_mode
}
