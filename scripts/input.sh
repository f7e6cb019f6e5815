#!/usr/bin/env bash
# input.sh dispatch PANE | enqueue NAME | register PANE
# Runs inside a display-popup opened by the menu and asks for text with `read`. The text goes
# to the helper on stdin (or as one argv element), never through a tmux template or a shell
# command line, so every character arrives as typed: ; \; $(...) `...` #{...} %% ' " ~ $HOME.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

helper=$(helper_bin)

# Shows an error in the popup and waits for a key, so it can be read.
fail() {
	printf '\n%s\n\npress any key to close' "$1"
	IFS= read -rsn1 _
	exit 0
}

# ask PROMPT [INITIAL]: one line from the user into REPLY (readline editing); false on EOF.
ask() {
	REPLY=
	IFS= read -e -r -p "$1" -i "${2:-}" REPLY
}

# The pane's place, for the prompt: session:window.pane window-name.
pane_label() {
	tmux display-message -p -t "$1" '#{session_name}:#{window_index}.#{pane_index} #{window_name}' 2>/dev/null
}

do_dispatch() {
	local pane=$1 out
	printf 'Dispatch a command to %s (%s).\nEnter sends; an empty line or Ctrl-C cancels.\n\n' \
	    "$pane" "$(pane_label "$pane")"
	ask '> ' || exit 0
	[ -n "$REPLY" ] || exit 0
	if ! out=$(printf '%s' "$REPLY" | "$helper" dispatch "$pane" --stdin 2>&1); then
		fail "${out:-tmux-dispatch dispatch failed}"
	fi
	display_text "tmux-dispatch: dispatched to $pane${out:+: $(printf '%s' "$out" | tr '\n' ' ')}"
}

do_enqueue() {
	local name=$1 out
	printf 'Queue a command for terminal %s.\nEnter queues it; an empty line or Ctrl-C cancels.\n\n' "$name"
	ask '> ' || exit 0
	[ -n "$REPLY" ] || exit 0
	if ! out=$(printf '%s' "$REPLY" | "$helper" enqueue --to "$name" --stdin 2>&1); then
		fail "${out:-tmux-dispatch enqueue failed}"
	fi
	display_text "tmux-dispatch: queued for $name${out:+: $(printf '%s' "$out" | tr '\n' ' ')}"
}

do_register() {
	local pane=$1 name profile suggestion out answer
	printf 'Register %s (%s) as a terminal.\nAn empty answer or Ctrl-C cancels.\n\n' \
	    "$pane" "$(pane_label "$pane")"
	# Suggest the window's name, reduced to the characters a terminal name may use.
	suggestion=$(tmux display-message -p -t "$pane" '#{window_name}' 2>/dev/null)
	suggestion=$(printf '%s' "$suggestion" | tr -c 'A-Za-z0-9._-' '-' | cut -c 1-64)
	suggestion=${suggestion#-}
	while :; do
		ask 'name (A-Z a-z 0-9 . _ -): ' "$suggestion" || exit 0
		name=$REPLY
		[ -n "$name" ] || exit 0
		[[ $name =~ ^[A-Za-z0-9._-]{1,64}$ ]] && break
		printf 'use 1 to 64 of A-Z a-z 0-9 . _ -\n'
		suggestion=$name
	done
	printf 'profiles: claude codex gemini aider shell generic auto (or one of your profiles.json)\n'
	ask 'profile: ' auto || exit 0
	profile=${REPLY:-auto}
	if out=$("$helper" terminal add "$name" "$pane" --profile "$profile" 2>&1 </dev/null); then
		display_text "tmux-dispatch: $pane registered as $name ($profile)"
		return 0
	fi
	case $out in
	*exists*)
		printf '%s\n' "$out"
		ask "replace terminal $name with $pane? [y/N] " || exit 0
		answer=$REPLY
		[[ $answer == [yY]* ]] || exit 0
		if ! out=$("$helper" terminal add "$name" "$pane" --profile "$profile" --replace 2>&1 </dev/null); then
			fail "$out"
		fi
		display_text "tmux-dispatch: $pane registered as $name ($profile)"
		;;
	*) fail "$out" ;;
	esac
}

case ${1:-} in
dispatch) do_dispatch "$2" ;;
enqueue) do_enqueue "$2" ;;
register) do_register "$2" ;;
*) fail "usage: input.sh dispatch PANE | enqueue NAME | register PANE" ;;
esac
exit 0
