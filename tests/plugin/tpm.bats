#!/usr/bin/env bats
# A real TPM install, as a user does it: Debian's tmux-plugin-manager
# (/usr/share/tmux-plugin-manager), a ~/.tmux.conf with `set -g @plugin ...` and `run .../tpm`,
# TPM's bin/install_plugins cloning the plugin from a git repository of this working tree
# (uncommitted work included), then the plugin loaded by TPM: it builds its own helper, binds
# prefix+D, installs its hooks and delivers queued work to a fake agent through them.
#
# Debian's TPM (3.0.0) reads the @plugin lines from the text of /etc/tmux.conf and
# ~/.tmux.conf only (not from tmux's options, not from -f FILE or ~/.config/tmux/tmux.conf),
# takes the word after `set -g @plugin` (so no spaces in the path), clones into
# $TMUX_PLUGIN_MANAGER_PATH (default ~/.tmux/plugins/) under the URL's last component, and
# lives outside that directory, so no `set -g @plugin 'tmux-plugins/tpm'` is needed.

load common

TPM=/usr/share/tmux-plugin-manager

setup() {
	if ! [ -x "$TPM/tpm" ] || ! [ -x "$TPM/bin/install_plugins" ]; then
		fail "no TPM at $TPM (Debian: apt-get install tmux-plugin-manager; scripts/setup.sh does)"
	fi
	[ -x "$FAKEAGENT" ] || fail "no fake agent at $FAKEAGENT (run make test, or make $FAKEAGENT)"
	# Everything must be done within 3 minutes; every wait below takes what is left of this.
	DEADLINE=$(($(date +%s) + 170))
	case $BATS_TEST_TMPDIR in
	*[[:space:]]*) fail "TPM splits @plugin at whitespace; BATS_TEST_TMPDIR has some: $BATS_TEST_TMPDIR" ;;
	esac
	# A home of the test's own: ~/.tmux.conf and ~/.tmux/plugins/ are the test's.
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export TMUX_TMPDIR="$BATS_TEST_TMPDIR"
	# Inside a tmux with TPM the shell has TMUX_PLUGIN_MANAGER_PATH: it would send the clone
	# into the user's own plugins directory.
	unset TMUX TMUX_PANE TMUX_PLUGIN_MANAGER_PATH XDG_CONFIG_HOME
	unset TMUX_DISPATCH_STATE TMUX_DISPATCH_PROFILES TMUX_DISPATCH_BADGE_FORMAT \
	    TMUX_DISPATCH_SILENCE TMUX_DISPATCH_ENTER_DELAY TMUX_DISPATCH_PLUGIN_DIR \
	    TMUX_DISPATCH_TMUX TMUX_DISPATCH_TIMEOUT TMUX_DISPATCH_LOCK_TIMEOUT
	# Only local clones: a failed one must not fall back to github.com (TPM's second try).
	export GIT_ALLOW_PROTOCOL=file GIT_TERMINAL_PROMPT=0
	PROJ="$BATS_TEST_TMPDIR/proj"
	STATE="$PROJ/.terminal-status.json"
	mkdir -p "$PROJ"
	OUTER=""
	SERVER_PID=""
	PLUGINS_DIR="$HOME/.tmux/plugins"
	CLONE="$PLUGINS_DIR/tmux-dispatch"
	SRC="$BATS_TEST_TMPDIR/src/tmux-dispatch"
}

teardown() {
	common_teardown
	# The plugin's build (and notify.sh) run as run-shell -b jobs, which outlive kill-server;
	# they are in the server's process group (the server's own session, not ours).
	if [[ $SERVER_PID =~ ^[0-9]+$ ]] && [ "$SERVER_PID" != "$(ps -o pgid= $$ | tr -d ' ')" ]; then
		kill -TERM -- "-$SERVER_PID" 2>/dev/null
	fi
	return 0
}

# budget SECONDS: SECONDS, or what is left before the deadline if that is less (at least 1).
budget() {
	local left=$((DEADLINE - $(date +%s)))
	[ "$left" -ge 1 ] || left=1
	[ "$1" -le "$left" ] && left=$1
	echo "$left"
}

# A git repository of the working tree as it is now: the tracked files that still exist and
# the untracked ones git does not ignore, without bin/ (the plugin must build its own helper).
make_source_repo() {
	local list="$BATS_TEST_TMPDIR/files" f
	mkdir -p "$SRC"
	: >"$list"
	while IFS= read -r -d '' f; do
		case $f in bin/*) continue ;; esac
		[ -e "$PLUGIN/$f" ] || [ -L "$PLUGIN/$f" ] || continue # deleted, not yet committed
		printf '%s\0' "$f" >>"$list"
	done < <(git -C "$PLUGIN" ls-files -z --cached --others --exclude-standard)
	[ -s "$list" ] || fail "git ls-files listed nothing in $PLUGIN"
	tar -C "$PLUGIN" --null -T "$list" -cf - | tar -C "$SRC" -xf -
	git -C "$SRC" -c init.defaultBranch=main init -q
	git -C "$SRC" add -A
	git -C "$SRC" -c user.name=tpm-test -c user.email=tpm-test@example.invalid \
	    commit -q -m "working tree of $PLUGIN"
	[ -x "$SRC/dispatch.tmux" ] || fail "dispatch.tmux is not executable in the copy"
}

# ~/.tmux.conf as a user writes it: settings, then the plugin, then TPM's run line last.
write_conf() {
	cat >"$HOME/.tmux.conf" <<-EOF
	set -g @dispatch-silence 1
	set -g @dispatch-state-file '$STATE'
	set -g status-right '[#{dispatch_badge}]'
	set -g @plugin '$1'
	run '$TPM/tpm'
	EOF
}

# The private server, loading that config (TD_BUILD and make's variables kept out of it: the
# plugin builds as it would for a user).
start_server() {
	env -u TD_BUILD -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEFILES \
	    tmux -f "$HOME/.tmux.conf" new-session -d -s main -x 160 -y 45 -c "$PROJ"
	SERVER_PID=$(tmux display-message -p '#{pid}')
}

message_is() {
	local message
	message=$(tmux show-option -gqv @dispatch_message)
	[[ $message == *"$1"* ]] && return 0
	if [[ $message == *failed* ]]; then
		echo "build failed: $message" >&2
		cat "$CLONE/bin/build.log" >&2
		return 255
	fi
	return 1
}

badge_is() {
	BADGE=$(tmux show-option -gqv @dispatch_badge)
	[ "$BADGE" = "$1" ]
}

plugin_loaded() {
	[ "$(tmux show-option -gqv @dispatch_dir)" = "$CLONE" ]
}

@test "tpm: installed from a git repository by TPM, builds its helper, binds, hooks, delivers" {
	make_source_repo
	write_conf "$SRC"
	start_server

	# The config was loaded and TPM ran from it; nothing of ours is there yet.
	run tmux show-environment -g TMUX_PLUGIN_MANAGER_PATH
	assert_output "TMUX_PLUGIN_MANAGER_PATH=$HOME/.tmux/plugins/"
	run tmux list-keys -T prefix I
	assert_output --partial "$TPM/bindings/install_plugins"
	run tmux show-option -gqv @dispatch_dir
	assert_output ""
	run tmux list-keys -T prefix
	refute_output --partial 'tmux-dispatch'

	# TPM's command-line install clones the plugin.
	run timeout "$(budget 30)" "$TPM/bin/install_plugins"
	assert_success
	assert_output --partial 'Installing "tmux-dispatch"'
	assert_output --partial '"tmux-dispatch" download success'
	[ -x "$CLONE/dispatch.tmux" ] || fail "no executable $CLONE/dispatch.tmux: $(ls -la "$PLUGINS_DIR" 2>&1)"
	run git -C "$CLONE" rev-parse HEAD
	assert_output "$(git -C "$SRC" rev-parse HEAD)"
	run git -C "$CLONE" remote get-url origin
	assert_output "$SRC"
	[ ! -e "$CLONE/bin" ] || fail "the clone has a bin/ before the plugin was loaded"

	# Loaded the way TPM's own prefix+I does it: the config sourced again, its run line
	# running tpm, which runs every *.tmux of every installed plugin.
	run timeout "$(budget 20)" tmux source-file "$HOME/.tmux.conf"
	assert_success
	wait_for "$(budget 10)" plugin_loaded
	run tmux show-option -gqv @dispatch-bin
	assert_output ""
	run tmux show-option -gv @dispatch_helper
	assert_output "$CLONE/bin/tmux-dispatch"

	# The plugin builds its own helper in the background (scripts/build.sh).
	wait_for "$(budget 120)" message_is "helper built; ready."
	[ -x "$CLONE/bin/tmux-dispatch" ] || fail "no helper at $CLONE/bin/tmux-dispatch"
	[ -s "$CLONE/bin/build.log" ] || fail "no build log: the helper was not built by build.sh"
	run "$CLONE/bin/tmux-dispatch" --version
	assert_success
	HELPER="$CLONE/bin/tmux-dispatch" # td below: the plugin's own helper

	# prefix+D, the two hooks, the badge in the status line.
	run tmux list-keys -T prefix D
	assert_success
	assert_output --partial 'display-menu'
	assert_output --partial 'tmux-dispatch'
	run tmux show-hooks -g alert-silence
	assert_output --partial 'alert-silence[4242] run-shell -b'
	run tmux show-hooks -g pane-mode-changed
	assert_output --partial 'pane-mode-changed[4242] if-shell'
	run tmux show-option -gv status-right
	assert_output '[#{@dispatch_badge}]'
	run tmux show-option -gqv @dispatch_badge
	assert_output ""

	# An agent that draws nothing for 2 s: the item queued meanwhile is not delivered by
	# enqueue (the agent is not idle yet); only the silence hook can deliver it.
	AGENT_NOWAIT=1 start_agent agent --busy 1 --startup-delay 2
	td terminal add agent "$AGENT_PANE" --profile claude >/dev/null
	run td enqueue --to agent -- 'installed by tpm'
	assert_success
	local id=$output
	wait_for "$(budget 5)" badge_is 'Q:1 R:0' || fail "badge '$BADGE'; $(td ls)"
	run tmux display-message -p "$(tmux show-option -gv status-right)"
	assert_output '[Q:1 R:0]'
	run item_field "$id" deferred
	refute_output ""
	run agent_log
	assert_output ""

	wait_for "$(budget 30)" agent_took 1 || fail "not delivered: $(td ls); $(cat "$AGENT_EVENTS")"
	run agent_log
	assert_output "$(hex 'installed by tpm')"
	wait_for "$(budget 30)" item_is "$id" "done"
	wait_for "$(budget 10)" badge_is ''
	assert_no_pane_in_mode
}
