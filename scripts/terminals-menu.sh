#!/usr/bin/env bash
# terminals-menu.sh CLIENT PANE: the "queue a command for a terminal" submenu. Lists the
# terminals (`tmux-dispatch menu terminals`, one name per line); choosing one opens the input
# popup for `enqueue --to NAME`. Runs under run-shell -b: prints nothing, exits 0.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

main() {
	local client=$1 pane=$2 helper names name label rc i=0 items=()
	local keys=(1 2 3 4 5 6 7 8 9 0 a b c d e f g h i j k l m n o p r s t u v w x y z)
	helper=$(helper_bin)
	names=$("$helper" menu terminals </dev/null 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		display_text "tmux-dispatch: $(printf '%s' "$names" | head -n 1)" 10000
		return 0
	fi
	while IFS= read -r name; do
		# Terminal names are [A-Za-z0-9._-]: nothing in them means anything to tmux's parser,
		# formats or sh, so they can sit in the item's command. Anything else is skipped.
		[[ $name =~ ^[A-Za-z0-9._-]{1,64}$ ]] || continue
		label=$name
		[[ $label == -* ]] && label=" $label" # a leading - would disable the item
		items+=("$label" "${keys[i]:-}" \
		    "display-popup -E -w 80% -h 12 -T ' queue for $name ' 'exec \"\$TMUX_DISPATCH_PLUGIN_DIR/scripts/input.sh\" enqueue $name'")
		i=$((i + 1))
	done <<<"$names"
	if [ ${#items[@]} -eq 0 ]; then
		display_text "tmux-dispatch: no terminals yet; register one with the menu's 'Register this pane'." 10000
		return 0
	fi
	tmux display-menu -c "$client" -t "$pane" -T '#[align=centre] queue for ' -x C -y C "${items[@]}"
}

main "$@" >/dev/null 2>&1
exit 0
