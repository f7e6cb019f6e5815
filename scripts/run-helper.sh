#!/usr/bin/env bash
# run-helper.sh COMMAND [ARGS...]: runs the helper for a menu item (queue-check, pause,
# resume) and shows the outcome on the status line. Prints nothing, exits 0: it runs under
# run-shell, whose output would put a pane into view mode.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

main() {
	local helper out rc
	helper=$(helper_bin)
	out=$("$helper" "$@" </dev/null 2>&1)
	rc=$?
	out=$(printf '%s' "$out" | tr '\n' ' ' | cut -c 1-300)
	if [ "$rc" -ne 0 ]; then
		display_text "tmux-dispatch $1: ${out:-failed (exit status $rc)}" 10000
		return 0
	fi
	if [ -z "$out" ]; then
		case $1 in
		check) out="queue-check done" ;;
		pause) out="automatic dispatch paused" ;;
		resume) out="automatic dispatch resumed" ;;
		*) out="$1: done" ;;
		esac
	fi
	display_text "tmux-dispatch: $out"
}

main "$@" >/dev/null 2>&1
exit 0
