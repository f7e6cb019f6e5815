#!/usr/bin/env bash
# Builds the plugin's bin/tmux-dispatch (started by dispatch.tmux with run-shell -b) and says
# how it went. One build at a time: a second load during a build leaves it alone.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

lock="$PLUGIN_DIR/bin/.build.lock"
log="$PLUGIN_DIR/bin/build.log"

main() {
	if ! mkdir -p "$PLUGIN_DIR/bin"; then
		report "tmux-dispatch: cannot create $PLUGIN_DIR/bin; the helper is not built." 15000
		return 0
	fi
	if ! mkdir "$lock" 2>/dev/null; then
		# A lock older than 10 minutes is a dead build's.
		[ -n "$(find "$lock" -maxdepth 0 -mmin +10 2>/dev/null)" ] || return 0
		rmdir "$lock" 2>/dev/null
		mkdir "$lock" 2>/dev/null || return 0
	fi
	trap 'rmdir "$lock" 2>/dev/null' EXIT
	# BUILD=bin: the helper goes where dispatch.tmux looks, whatever the environment says;
	# WERROR=: a warning of a newer compiler than ours must not break an install.
	if make -C "$PLUGIN_DIR" BUILD=bin WERROR= >"$log" 2>&1 </dev/null; then
		report "tmux-dispatch: helper built; ready."
	else
		report "tmux-dispatch: building the helper failed; see $log" 15000
	fi
}

main >/dev/null 2>&1
exit 0
