#!/usr/bin/env bash
# tmux-dispatch plugin entry point. TPM executes this file (output discarded); by hand:
#   run-shell /path/to/tmux-dispatch/dispatch.tmux
# It prints nothing and always exits 0 (run-shell output would put a pane into view mode);
# problems are reported with display-message and kept in @dispatch_message.
# Loading it again (config reload) changes nothing: every setting is set, never appended.

CURRENT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# shellcheck source=scripts/variables.sh
source "$CURRENT_DIR/scripts/variables.sh"
# shellcheck source=scripts/helpers.sh
source "$CURRENT_DIR/scripts/helpers.sh"

messages=()
build=0

# The packages that provide cc, make, pkg-config and libcjson, per platform.
deps_hint() {
	printf '%s' "Install: Debian/Ubuntu: build-essential pkg-config libcjson-dev;" \
	    " Fedora: gcc make pkgconf cjson-devel; Arch: base-devel pkgconf cjson;" \
	    " Homebrew: cjson pkg-config. Then reload tmux.conf."
}

# The missing build tools, space separated (empty: all there).
missing_deps() {
	local missing=()
	command -v "${CC:-cc}" >/dev/null 2>&1 || missing+=("${CC:-cc}")
	command -v make >/dev/null 2>&1 || missing+=(make)
	if ! command -v pkg-config >/dev/null 2>&1; then
		missing+=(pkg-config)
	elif ! pkg-config --exists libcjson 2>/dev/null; then
		missing+=(libcjson)
	fi
	printf '%s' "${missing[*]}"
}

# bin/tmux-dispatch is missing, or older than one of the helper's sources.
helper_stale() {
	[ -x "$1" ] || return 0
	[ -n "$(find "$CURRENT_DIR/helper" "$CURRENT_DIR/Makefile" -newer "$1" -print 2>/dev/null | head -n 1)" ]
}

# Builds the plugin's own helper in the background when needed.
ensure_helper() {
	local bin=$1 missing
	helper_stale "$bin" || return 0
	missing=$(missing_deps)
	if [ -n "$missing" ]; then
		if [ -x "$bin" ]; then
			messages+=("tmux-dispatch: the helper is older than its sources but cannot be rebuilt (missing: $missing). $(deps_hint)")
		else
			messages+=("tmux-dispatch: cannot build the helper (missing: $missing). $(deps_hint)")
		fi
		return 0
	fi
	build=1
	messages+=("tmux-dispatch: building the helper in the background (make -C $CURRENT_DIR)...")
}

# Passes a setting to the helper through the global environment, which run-shell jobs,
# popups and new panes inherit; an empty value removes the variable.
set_helper_env() {
	if [ -n "$2" ]; then
		tmux set-environment -g "$1" "$(tmux_arg "$2")"
	else
		tmux set-environment -gu "$1" 2>/dev/null
	fi
}

# number_option NAME DEFAULT MIN: sets REPLY to a whole number >= MIN from option NAME, else
# to DEFAULT (or MIN) with a complaint.
number_option() {
	local name=$1 default=$2 min=$3 value
	value=$(get_tmux_option "$name" "$default")
	if ! [[ $value =~ ^[0-9]{1,9}$ ]]; then
		messages+=("tmux-dispatch: $name must be a whole number, not '$value'; using $default.")
		value=$default
	fi
	value=$((10#$value))
	if [ "$value" -lt "$min" ]; then
		messages+=("tmux-dispatch: $name is at least $min; using $min.")
		value=$min
	fi
	REPLY=$value
}

setup_environment() {
	local state profiles silence delay badge
	state=$(expand_home "$(get_tmux_option "$state_file_option" "$state_file_default")")
	profiles=$(expand_home "$(get_tmux_option "$profiles_option" "$profiles_default")")
	badge=$(get_tmux_option "$badge_format_option" "$badge_format_default")
	number_option "$silence_option" "$silence_default" 1
	silence=$REPLY
	if [ "$silence" -gt 3600 ]; then
		messages+=("tmux-dispatch: $silence_option is at most 3600; using 3600.")
		silence=3600
	fi
	number_option "$enter_delay_option" "$enter_delay_default" 0
	delay=$REPLY
	set_helper_env TMUX_DISPATCH_STATE "$state"
	set_helper_env TMUX_DISPATCH_PROFILES "$profiles"
	set_helper_env TMUX_DISPATCH_BADGE_FORMAT "$badge"
	set_helper_env TMUX_DISPATCH_SILENCE "$silence"
	set_helper_env TMUX_DISPATCH_ENTER_DELAY "$delay"
	# Popup commands are not format-expanded by tmux 3.3a, so they find the scripts this way.
	set_helper_env TMUX_DISPATCH_PLUGIN_DIR "$CURRENT_DIR"
}

# The two hooks. Each passes only ids (%N, @N: shell-safe), runs in the background, prints
# nothing and exits 0. #{q:@dispatch_helper} is the helper's path shell-quoted by tmux.
setup_hooks() {
	local auto
	auto=$(get_tmux_option "$auto_option" "$auto_default")
	if [ "$auto" = "off" ]; then
		tmux set-hook -gu "alert-silence[$dispatch_hook_index]" 2>/dev/null
		tmux set-hook -gu "pane-mode-changed[$dispatch_hook_index]" 2>/dev/null
		return 0
	fi
	# The default, "other", never fires for a session's current window (nor at all in a
	# one-window detached session). The helper arms monitor-silence only on windows whose
	# terminals have work, so other windows are unaffected.
	tmux set-option -g silence-action any
	tmux set-hook -g "alert-silence[$dispatch_hook_index]" \
	    "run-shell -b '#{q:@dispatch_helper} hook silence #{hook_window} </dev/null >/dev/null 2>&1; true'"
	# Only on leaving a mode (pane_in_mode back to 0) is there anything to do.
	tmux set-hook -g "pane-mode-changed[$dispatch_hook_index]" \
	    "if-shell -F '#{pane_in_mode}' '' \"run-shell -b '#{q:@dispatch_helper} hook mode #{hook_pane} </dev/null >/dev/null 2>&1; true'\""
}

# prefix + @dispatch-key: the menu. Item names and commands are formats, expanded when the
# menu opens (#{pane_id} becomes this pane's %N). Text the user types never enters a tmux
# command or a shell command line: the popups read it with `read` and hand it to the helper
# on stdin (tmux 3.3a's command-prompt substitutes an answer twice, which breaks out of any
# quoting; see README).
setup_key() {
	local key old scripts popup
	# The shell that runs the item expands this, not us.
	# shellcheck disable=SC2016
	scripts='"$TMUX_DISPATCH_PLUGIN_DIR/scripts'
	key=$(get_tmux_option "$dispatch_key_option" "$dispatch_key_default")
	old=$(tmux show-option -gqv "$bound_key_user_option")
	if [ -n "$old" ] && [ "$old" != "$key" ] &&
	    tmux list-keys -T prefix -- "$(tmux_arg "$old")" 2>/dev/null | grep -q 'tmux-dispatch'; then
		tmux unbind-key -T prefix -- "$(tmux_arg "$old")"
	fi
	if [ "$key" = "none" ] || [ -z "$key" ]; then
		tmux set-option -gqu "$bound_key_user_option"
		return 0
	fi
	popup="display-popup -E -w 80% -h 12"
	if ! tmux bind-key -T prefix -- "$(tmux_arg "$key")" display-menu -T '#[align=centre] tmux-dispatch ' -x C -y C \
	    "Dispatch a command to this pane" d \
	    "$popup -T ' dispatch to #{pane_id} ' 'exec $scripts/input.sh\" dispatch #{pane_id}'" \
	    "Queue a command for a terminal..." q \
	    "run-shell -b '$scripts/terminals-menu.sh\" #{client_name} #{pane_id} >/dev/null 2>&1; true'" \
	    "Queue-check now" c \
	    "run-shell -b '$scripts/run-helper.sh\" check all >/dev/null 2>&1; true'" \
	    "" \
	    "Register this pane as a terminal..." r \
	    "$popup -T ' register #{pane_id} ' 'exec $scripts/input.sh\" register #{pane_id}'" \
	    "Pause automatic dispatch" p \
	    "run-shell -b '$scripts/run-helper.sh\" pause >/dev/null 2>&1; true'" \
	    "Resume automatic dispatch" u \
	    "run-shell -b '$scripts/run-helper.sh\" resume >/dev/null 2>&1; true'" \
	    "" \
	    "Status" s \
	    "display-popup -E -w 90% -h 80% -T ' tmux-dispatch status ' 'exec $scripts/status.sh\"'" \
	    "Plan" l \
	    "display-popup -E -w 90% -h 80% -T ' tmux-dispatch plan ' 'exec $scripts/plan.sh\"'" \
	    "Edit the state file" e \
	    "display-popup -E -w 90% -h 90% -T ' state file ' 'exec $scripts/edit-state.sh\"'" \
	    2>/dev/null; then
		messages+=("tmux-dispatch: cannot bind '$key' ($dispatch_key_option); no menu key.")
		return 0
	fi
	set_user_option "$bound_key_user_option" "$key"
}

# #{dispatch_pending} / #{dispatch_badge} in the status line become #{@dispatch_badge}, which
# the helper sets when the queue changes: no #() job, no process per status refresh. The same
# for #{dispatch_window} in the window formats (@dispatch_window: busy/idle/waiting/stalled).
setup_badge() {
	local option value new
	for option in status-left status-right; do
		value=$(tmux show-option -gqv "$option")
		new=${value//\#\{dispatch_pending\}/\#\{@dispatch_badge\}}
		new=${new//\#\{dispatch_badge\}/\#\{@dispatch_badge\}}
		[ "$new" = "$value" ] || tmux set-option -gq "$option" "$(tmux_arg "$new")"
	done
	for option in window-status-format window-status-current-format; do
		value=$(tmux show-option -gqv "$option")
		new=${value//\#\{dispatch_window\}/\#\{@dispatch_window\}}
		[ "$new" = "$value" ] || tmux set-option -gq "$option" "$(tmux_arg "$new")"
	done
}

main() {
	local bin version
	version=$(tmux display-message -p '#{version}' 2>/dev/null)
	case $version in
	[3-9].[2-9]* | [3-9].[1-9][0-9]* | [4-9].* | [1-9][0-9].* | next-*) ;;
	*)
		report "tmux-dispatch: needs tmux 3.2 or later (this is ${version:-older}); not loaded." 10000
		return 0
		;;
	esac
	case $CURRENT_DIR in
	*$'\n'* | *$'\t'*)
		report "tmux-dispatch: the plugin's path contains a tab or newline; move it. Not loaded." 10000
		return 0
		;;
	esac

	set_user_option "$dir_user_option" "$CURRENT_DIR"
	bin=$(expand_home "$(get_tmux_option "$bin_option" "$bin_default")")
	if [ -z "$bin" ]; then
		bin="$CURRENT_DIR/bin/tmux-dispatch"
		set_user_option "$helper_user_option" "$bin"
		ensure_helper "$bin"
	else
		set_user_option "$helper_user_option" "$bin"
		[ -x "$bin" ] || messages+=("tmux-dispatch: $bin_option '$bin' is not an executable file.")
	fi

	setup_environment
	setup_hooks
	setup_key
	setup_badge

	if [ ${#messages[@]} -gt 0 ]; then
		report "${messages[*]}" 15000
		# At server start the config loads before any client is attached, and display-message
		# without a client shows nothing: say it again once someone is looking.
		if [ -z "$(tmux list-clients -F x 2>/dev/null)" ]; then
			tmux run-shell -b '#{q:@dispatch_dir}/scripts/notify.sh >/dev/null 2>&1; true'
		fi
	else
		tmux set-option -gqu "$message_user_option"
	fi
	# Last, so that build.sh's "built" (or "failed") comes after the report above. run-shell
	# -b: the build must not hold up config loading.
	if [ "$build" = 1 ]; then
		tmux run-shell -b '#{q:@dispatch_dir}/scripts/build.sh >/dev/null 2>&1; true'
	fi
}

main "$@" >/dev/null 2>&1
exit 0
