#!/usr/bin/env bash
# plan.sh: the plan popup. Shows `tmux-dispatch plan` until q (or Escape, or Ctrl-C) is
# pressed. A plan can be taller than the popup (one line per blocked item): j/k, the arrows,
# space/b and PageDown/PageUp scroll it; any other key runs the plan again.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

helper=$(helper_bin)
lines=()
top=0  # the first plan line on screen
page=1 # plan lines that fit, set by draw
# How long to wait for the rest of an escape sequence; bash 3.2 (macOS) has whole seconds only.
esc_wait=0.05
[ "${BASH_VERSINFO[0]}" -ge 4 ] || esc_wait=1

# The plan, again, from its first line.
load_plan() {
	local line
	lines=()
	while IFS= read -r line || [ -n "$line" ]; do
		lines+=("$line")
	done < <("$helper" plan </dev/null 2>&1)
	top=0
}

# The plan lines from $top that fit the popup, each cut to its width (a wrapped line would
# push the top off the screen), then a blank row and the keys.
draw() {
	local size rows cols last i help
	size=$(stty size 2>/dev/null) || size="24 80"
	rows=${size% *} cols=${size#* }
	page=$((rows > 3 ? rows - 2 : 1))
	last=$((${#lines[@]} > page ? ${#lines[@]} - page : 0))
	top=$((top < 0 ? 0 : top > last ? last : top))
	help="q: close  j/k space/b: scroll  other keys: refresh  $(date +%T)"
	[ "$last" -eq 0 ] || help+="  lines $((top + 1))-$((top + page)) of ${#lines[@]}"
	# Home, the text, clear what is left of the old frame: no flicker.
	printf '\033[H'
	for ((i = top; i < top + page && i < ${#lines[@]}; i++)); do
		printf '%s\033[K\n' "${lines[i]:0:cols}"
	done
	printf '\033[J\n\033[2m%s\033[0m' "${help:0:cols}"
}

# One key into KEY; an escape sequence (an arrow, PageUp/PageDown) whole.
read_key() {
	local rest=""
	IFS= read -rsn1 key || exit 0
	[ "$key" != $'\e' ] || IFS= read -rsn3 -t "$esc_wait" rest
	key+=$rest
}

trap 'exit 0' INT TERM
printf '\033[?25l' # hide the cursor
trap 'printf "\033[?25h"' EXIT
load_plan
while :; do
	draw
	read_key
	case $key in
	q | Q | $'\e') exit 0 ;;
	j | $'\e[B' | $'\eOB') top=$((top + 1)) ;;
	k | $'\e[A' | $'\eOA') top=$((top - 1)) ;;
	' ' | $'\e[6~') top=$((top + page)) ;;
	b | $'\e[5~') top=$((top - page)) ;;
	*) load_plan ;;
	esac
done
