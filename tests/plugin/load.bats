#!/usr/bin/env bats
# dispatch.tmux loaded the way TPM loads it: key binding, hooks, options, environment,
# idempotence, the status-line badge, and building the helper when it is missing or stale.

load common

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "load: binds prefix+D to the dispatch menu" {
	load_plugin
	run tmux list-keys -T prefix D
	assert_success
	assert_output --partial 'display-menu'
	assert_output --partial 'tmux-dispatch'
	for item in "Dispatch a command to this pane" "Queue a command for a terminal..." \
	    "Queue-check now" "Register this pane as a terminal..." "Pause automatic dispatch" \
	    "Resume automatic dispatch" "Status" "Plan" "Edit the state file"; do
		assert_output --partial "$item"
	done
}

@test "load: installs the alert-silence and pane-mode-changed hooks at index 4242" {
	load_plugin
	run tmux show-hooks -g alert-silence
	assert_success
	assert_output "alert-silence[4242] run-shell -b \"#{q:@dispatch_helper} hook silence #{hook_window} </dev/null >/dev/null 2>&1; true\""
	run tmux show-hooks -g pane-mode-changed
	assert_success
	assert_output --partial 'pane-mode-changed[4242] if-shell -F "#{pane_in_mode}"'
	assert_output --partial '#{q:@dispatch_helper} hook mode #{hook_pane} </dev/null >/dev/null 2>&1; true'
	run tmux show-option -gv silence-action
	assert_output any
}

@test "load: sets @dispatch_helper, @dispatch_dir and passes settings through the global environment" {
	tmux set-option -g @dispatch-silence 3
	tmux set-option -g @dispatch-enter-delay 350
	tmux set-option -g @dispatch-profiles '~/my profiles.json'
	# (\; is this tmux command line's way to say a final ;)
	tmux set-option -g @dispatch-badge-format 'P=%p\;'
	load_plugin
	run tmux show-option -gv @dispatch_helper
	assert_output "$HELPER"
	run tmux show-option -gv @dispatch_dir
	assert_output "$PLUGIN"
	run tmux show-environment -g TMUX_DISPATCH_STATE
	assert_output "TMUX_DISPATCH_STATE=$STATE"
	run tmux show-environment -g TMUX_DISPATCH_SILENCE
	assert_output "TMUX_DISPATCH_SILENCE=3"
	run tmux show-environment -g TMUX_DISPATCH_ENTER_DELAY
	assert_output "TMUX_DISPATCH_ENTER_DELAY=350"
	run tmux show-environment -g TMUX_DISPATCH_PROFILES
	assert_output "TMUX_DISPATCH_PROFILES=$HOME/my profiles.json"
	run tmux show-environment -g TMUX_DISPATCH_BADGE_FORMAT
	assert_output "TMUX_DISPATCH_BADGE_FORMAT=P=%p;"
	# What a run-shell job (a hook, a menu item) really sees.
	tmux run-shell "printf '%s|%s|%s\n' \"\$TMUX_DISPATCH_STATE\" \"\$TMUX_DISPATCH_SILENCE\" \"\$TMUX_DISPATCH_BADGE_FORMAT\" > $(printf '%q' "$BATS_TEST_TMPDIR/env.out")"
	run cat "$BATS_TEST_TMPDIR/env.out"
	assert_output "$STATE|3|P=%p;"
}

@test "load: defaults, and an empty state file option leaves the helper to search" {
	tmux set-environment -g TMUX_DISPATCH_STATE /stale/path.json
	tmux set-option -gu @dispatch-state-file
	load_plugin
	run tmux show-environment -g TMUX_DISPATCH_STATE
	assert_failure
	assert_output --partial "unknown variable"
	run tmux show-environment -g TMUX_DISPATCH_SILENCE
	assert_output "TMUX_DISPATCH_SILENCE=2"
	run tmux show-environment -g TMUX_DISPATCH_ENTER_DELAY
	assert_output "TMUX_DISPATCH_ENTER_DELAY=200"
	run tmux show-environment -g TMUX_DISPATCH_BADGE_FORMAT
	assert_failure
	run tmux show-option -gqv @dispatch_message
	assert_output ""
}

@test "load: @dispatch-silence below 1 becomes 1, nonsense becomes the default, both reported" {
	tmux set-option -g @dispatch-silence 0
	load_plugin
	run tmux show-environment -g TMUX_DISPATCH_SILENCE
	assert_output "TMUX_DISPATCH_SILENCE=1"
	run tmux show-option -gv @dispatch_message
	assert_output --partial "@dispatch-silence is at least 1"
	tmux set-option -g @dispatch-silence 'x; y'
	load_plugin
	run tmux show-environment -g TMUX_DISPATCH_SILENCE
	assert_output "TMUX_DISPATCH_SILENCE=2"
	run tmux show-option -gv @dispatch_message
	assert_output --partial "@dispatch-silence must be a whole number"
}

@test "load: prints nothing and exits 0 when run by hand with run-shell (no pane in view mode)" {
	run tmux run-shell "$(printf '%q' "$PLUGIN/dispatch.tmux")"
	assert_success
	assert_output ""
	assert_no_pane_in_mode
	# Even with a broken setting, nothing is printed: it goes to @dispatch_message.
	tmux set-option -g @dispatch-bin /nonexistent/tmux-dispatch
	run tmux run-shell "$(printf '%q' "$PLUGIN/dispatch.tmux")"
	assert_success
	assert_output ""
	assert_no_pane_in_mode
	run tmux show-option -gv @dispatch_message
	assert_output --partial "is not an executable file"
}

@test "load twice: nothing is duplicated and the user's own hooks stay" {
	tmux set-hook -g 'alert-silence[0]' "set -g @user_silence yes"
	tmux set-hook -g 'pane-mode-changed[0]' "set -g @user_mode yes"
	tmux set-option -g status-right '#{dispatch_pending} | %H:%M'
	snapshot() {
		{
			tmux show-hooks -g
			tmux show-hooks -gw
			tmux list-keys
			tmux show-options -g
			tmux show-options -gw
			tmux show-environment -g
		} >"$1"
	}
	load_plugin
	snapshot "$BATS_TEST_TMPDIR/first"
	load_plugin
	snapshot "$BATS_TEST_TMPDIR/second"
	run diff "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/second"
	assert_success
	run tmux show-hooks -g alert-silence
	assert_line --index 0 'alert-silence[0] set-option -g @user_silence yes'
	assert_line --index 1 --partial 'alert-silence[4242] run-shell -b'
	assert_equal "${#lines[@]}" 2
	run tmux show-hooks -g pane-mode-changed
	assert_line --index 0 'pane-mode-changed[0] set-option -g @user_mode yes'
	assert_line --index 1 --partial 'pane-mode-changed[4242] if-shell'
	assert_equal "${#lines[@]}" 2
	run tmux list-keys -T prefix D
	assert_equal "${#lines[@]}" 1
}

@test "badge: #{dispatch_pending} and #{dispatch_badge} become #{@dispatch_badge}, no #() job" {
	tmux set-option -g status-right '#[fg=red]#{dispatch_pending}#[default] %H:%M'
	tmux set-option -g status-left '[#S] #{dispatch_badge} '
	tmux set-option -g window-status-format '#I:#W#{dispatch_window}'
	load_plugin
	run tmux show-option -gv status-right
	assert_output '#[fg=red]#{@dispatch_badge}#[default] %H:%M'
	refute_output --partial '#('
	run tmux show-option -gv status-left
	assert_output '[#S] #{@dispatch_badge} '
	run tmux show-option -gv window-status-format
	assert_output '#I:#W#{@dispatch_window}'
	# The badge is whatever the helper put in the option; tmux spawns nothing to show it.
	tmux set-option -g @dispatch_badge 'Q:3 R:1'
	run tmux display-message -p "$(tmux show-option -gv status-right)"
	assert_output --partial 'Q:3 R:1'
	load_plugin
	run tmux show-option -gv status-right
	assert_output '#[fg=red]#{@dispatch_badge}#[default] %H:%M'
}

@test "key: @dispatch-key none binds nothing; changing the key moves the binding" {
	tmux set-option -g @dispatch-key none
	load_plugin
	run tmux list-keys -T prefix
	refute_output --partial 'tmux-dispatch'
	tmux set-option -g @dispatch-key M
	load_plugin
	run tmux list-keys -T prefix M
	assert_output --partial 'display-menu'
	run tmux list-keys -T prefix D
	refute_output --partial 'tmux-dispatch'
	tmux set-option -g @dispatch-key none
	load_plugin
	run tmux list-keys -T prefix
	refute_output --partial 'tmux-dispatch'
}

@test "auto off: no hooks of ours (removed if they were there), the user's stay" {
	tmux set-hook -g 'alert-silence[0]' "set -g @user_silence yes"
	load_plugin
	tmux set-option -g @dispatch-auto off
	load_plugin
	run tmux show-hooks -g alert-silence
	assert_output 'alert-silence[0] set-option -g @user_silence yes'
	run tmux show-hooks -g pane-mode-changed
	refute_output --partial '4242'
	run tmux list-keys -T prefix D
	assert_output --partial 'display-menu'
}

@test "auto off: the helper arms no window for silence (nothing would listen)" {
	tmux set-option -g @dispatch-auto off
	load_plugin
	start_agent agent --busy 5
	td terminal add a1 "$AGENT_PANE" --profile claude >/dev/null
	td dispatch a1 -- 'work' >/dev/null
	td enqueue --to a1 -- 'more work' >/dev/null
	run tmux show-options -wqv -t "$AGENT_WINDOW" monitor-silence
	assert_output ''
	# The badge still follows the queue.
	run tmux show-options -gqv @dispatch_badge
	assert_output 'Q:1 R:1'
}

# The hooks quote the helper's path with #{q:...}; this helper lives in a directory whose name
# has a space, a $, a ; and quotes, and records the arguments it gets.
@test "hooks: a helper path with spaces and shell characters receives exactly the ids" {
	local dir="$BATS_TEST_TMPDIR/odd dir \$HOME;x'y\"z"
	mkdir -p "$dir"
	local rec="$BATS_TEST_TMPDIR/hook-args"
	cat >"$dir/helper" <<-EOF
	#!/bin/sh
	printf '%s|' "\$@" >> $(printf '%q' "$rec")
	printf '\n' >> $(printf '%q' "$rec")
	EOF
	chmod +x "$dir/helper"
	tmux set-option -g @dispatch-bin "$dir/helper"
	load_plugin
	local pane window
	pane=$(tmux display-message -p -t main '#{pane_id}')
	window=$(tmux display-message -p -t main '#{window_id}')
	tmux copy-mode -t "$pane"
	sleep 0.3
	tmux send-keys -t "$pane" -X cancel
	wait_for 5 test -s "$rec"
	run cat "$rec"
	assert_output "hook|mode|$pane|"
	: >"$rec"
	tmux set-option -w -t "$window" monitor-silence 1
	wait_for 5 test -s "$rec"
	tmux set-option -w -t "$window" monitor-silence 0
	run cat "$rec"
	assert_line --index 0 "hook|silence|$window|"
	assert_no_pane_in_mode
}

# Copies what a git checkout of the plugin holds, without bin/.
copy_plugin() {
	mkdir -p "$1"
	cp -R "$PLUGIN/dispatch.tmux" "$PLUGIN/scripts" "$PLUGIN/helper" "$PLUGIN/Makefile" "$1/"
}

message_is() {
	[[ "$(tmux show-option -gqv @dispatch_message)" == *"$1"* ]] && return 0
	[[ "$(tmux show-option -gqv @dispatch_message)" != *"failed"* ]] || {
		cat "$BATS_TEST_TMPDIR/plugins/tmux dispatch/bin/build.log" >&2
		return 255
	}
	return 1
}

@test "build: a missing helper is built in the background and reported; a stale one is rebuilt" {
	local copy="$BATS_TEST_TMPDIR/plugins/tmux dispatch"
	copy_plugin "$copy"
	tmux set-option -gu @dispatch-bin
	load_plugin "$copy"
	run tmux show-option -gv @dispatch_message
	assert_output --partial "building the helper in the background"
	run tmux show-option -gv @dispatch_helper
	assert_output "$copy/bin/tmux-dispatch"
	wait_for 180 message_is "helper built; ready."
	[ -x "$copy/bin/tmux-dispatch" ]
	run "$copy/bin/tmux-dispatch" --version
	assert_success
	# Loaded again with the binary up to date: no build, no message.
	load_plugin "$copy"
	run tmux show-option -gqv @dispatch_message
	assert_output ""
	# A source newer than the binary: rebuilt.
	sleep 1.1
	touch "$copy/helper/tmux-dispatch.c"
	load_plugin "$copy"
	run tmux show-option -gv @dispatch_message
	assert_output --partial "building the helper in the background"
	wait_for 180 message_is "helper built; ready."
	[ -z "$(find "$copy/helper" -newer "$copy/bin/tmux-dispatch")" ]
}

@test "build: a compiler warning does not break the plugin's build; make itself keeps -Werror" {
	local copy="$BATS_TEST_TMPDIR/plugin"
	copy_plugin "$copy"
	tmux set-option -gu @dispatch-bin
	# A compiler with a warning our sources have never met, as a newer one may bring.
	printf 'static int td_new_warning;\n' >"$BATS_TEST_TMPDIR/warn.h"
	printf '#!/bin/sh\nexec cc -include %q "$@"\n' "$BATS_TEST_TMPDIR/warn.h" >"$BATS_TEST_TMPDIR/newcc"
	chmod +x "$BATS_TEST_TMPDIR/newcc"
	tmux set-environment -g CC "$BATS_TEST_TMPDIR/newcc"
	load_plugin "$copy"
	wait_for 180 message_is "helper built; ready."
	grep -q "td_new_warning" "$copy/bin/build.log"
	run "$copy/bin/tmux-dispatch" --version
	assert_success
	# The same tree under make's own default: the warning is an error, and the objects the
	# plugin built without -Werror are not taken as up to date.
	run make -C "$copy" -q CC="$BATS_TEST_TMPDIR/newcc"
	assert_failure
	run make -C "$copy" -s CC="$BATS_TEST_TMPDIR/newcc"
	assert_failure
	assert_output --partial "td_new_warning"
}

@test "build: without a compiler or libcjson the message names the packages to install" {
	local copy="$BATS_TEST_TMPDIR/plugin"
	copy_plugin "$copy"
	tmux set-option -gu @dispatch-bin
	# Run-shell jobs take the server's global environment: make the compiler disappear.
	tmux set-environment -g CC /nonexistent/cc
	attach_client
	load_plugin "$copy"
	run tmux show-option -gv @dispatch_message
	assert_output --partial "cannot build the helper (missing: /nonexistent/cc)"
	assert_output --partial "Debian/Ubuntu: build-essential pkg-config libcjson-dev"
	assert_output --partial "Fedora: gcc make pkgconf cjson-devel"
	assert_output --partial "Arch: base-devel pkgconf cjson"
	assert_output --partial "Homebrew: cjson pkg-config"
	[ ! -e "$copy/bin" ]
	# And the attached client shows it on its status line.
	wait_for 5 outer_shows "tmux-dispatch: cannot build the helper"
	# No libcjson for pkg-config: the same, naming libcjson.
	tmux set-environment -gu CC
	tmux set-environment -g PKG_CONFIG_LIBDIR /nonexistent
	tmux set-environment -g PKG_CONFIG_PATH /nonexistent
	load_plugin "$copy"
	run tmux show-option -gv @dispatch_message
	assert_output --partial "cannot build the helper (missing: libcjson)"
	assert_output --partial "libcjson-dev"
	[ ! -e "$copy/bin" ]
}
