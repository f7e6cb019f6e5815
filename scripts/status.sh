#!/usr/bin/env bash
# status.sh: the status popup. Shows `tmux-dispatch status`, refreshed every second, until
# q (or Escape, or Ctrl-C) is pressed.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

helper=$(helper_bin)
trap 'exit 0' INT TERM
printf '\033[?25l' # hide the cursor
trap 'printf "\033[?25h"' EXIT
while :; do
	out=$("$helper" status </dev/null 2>&1)
	# Home, the text, clear what is left of the old frame: no flicker.
	printf '\033[H%s\033[J\n\n\033[2m%s\033[0m\033[J' "$out" "q: close, refreshed every second  $(date +%T)"
	if IFS= read -rsn1 -t 1 key; then
		case $key in
		q | Q | $'\e') exit 0 ;;
		esac
	fi
done
