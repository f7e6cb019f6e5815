#!/usr/bin/env bash
# Shows @dispatch_message once a client is attached: at server start the plugin loads before
# any client, and tmux drops a display-message that has no client to go to. Gives up after a
# minute, or at once when the server is gone.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

main() {
	local clients="" message i
	for ((i = 0; i < 120; i++)); do
		clients=$(tmux list-clients -F x 2>/dev/null) || return 0
		[ -n "$clients" ] && break
		sleep 0.5
	done
	[ -n "$clients" ] || return 0
	sleep 1 # let the client draw its status line first
	message=$(tmux show-option -gqv "@dispatch_message")
	[ -z "$message" ] || display_text "$message" 15000
}

main >/dev/null 2>&1
exit 0
