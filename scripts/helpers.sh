# shellcheck shell=bash
# tmux-dispatch: small functions shared by dispatch.tmux and the scripts. Sourced.

# get_tmux_option NAME DEFAULT: a global option's value, or DEFAULT when it is unset or empty.
get_tmux_option() {
	local value
	value=$(tmux show-option -gqv "$1")
	if [ -n "$value" ]; then
		printf '%s\n' "$value"
	else
		printf '%s\n' "$2"
	fi
}

# tmux_arg VALUE: VALUE made safe as one argv element of a tmux command. tmux ends a command
# at an argument whose last character is ';' (and turns a final '\;' into ';'), so a value
# ending in ';' gets a backslash before that ';' and arrives unchanged.
tmux_arg() {
	case $1 in
	*';') printf '%s\\;' "${1%;}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# set_user_option NAME VALUE: set -g NAME to exactly VALUE (no format expansion, no splitting).
set_user_option() {
	tmux set-option -gq "$1" "$(tmux_arg "$2")"
}

# expand_home PATH: a leading ~/ (as typed in .tmux.conf inside quotes) becomes $HOME/.
expand_home() {
	case $1 in
	\~) printf '%s' "$HOME" ;;
	\~/*) printf '%s/%s' "$HOME" "${1#\~/}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# display_text TEXT [MS]: show TEXT on the status line of the most recent client, literally:
# display-message expands formats (and #() runs commands), so every # is doubled first.
# Without a client tmux drops the message; callers that must be heard also record it.
display_text() {
	local text=${1//#/##}
	tmux display-message -d "${2:-5000}" -- "$(tmux_arg "$text")" 2>/dev/null
	return 0
}

# report TEXT [MS]: display_text, and keep TEXT in @dispatch_message for `tmux show -gv`.
report() {
	set_user_option "@dispatch_message" "$1"
	display_text "$1" "${2:-}"
}

# helper_bin: the helper binary the plugin was loaded with.
helper_bin() {
	tmux show-option -gqv "@dispatch_helper"
}
