#!/usr/bin/env bash
# edit-state.sh: the state file in $VISUAL / $EDITOR (default vi), inside a popup.
# The editor works on a copy. When it exits, a changed copy is validated by the helper and
# then put in place atomically, under the helper's lock (STATE.lock, flock), and only if the
# helper did not write the file meanwhile; otherwise you choose what happens.

PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/helpers.sh
source "$PLUGIN_DIR/scripts/helpers.sh"

helper=$(helper_bin)
work=""
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT

pause_exit() {
	printf '\n%s\n\npress any key to close' "$1"
	IFS= read -rsn1 _
	exit 0
}

# choose PROMPT: one key into REPLY.
choose() {
	printf '\n%s ' "$1"
	IFS= read -rsn1 REPLY || REPLY=d
	printf '%s\n' "$REPLY"
}

# Puts $copy in place of $state unless $state differs from $snap. Status 3: it changed.
install_copy() {
	local new="$state.edit.$$"
	if ! cmp -s "$state" "$snap"; then
		return 3
	fi
	# Keep the file's mode: copy it, then the content over it.
	if ! { cp -p "$state" "$new" && cat "$copy" >"$new" && mv -f "$new" "$state"; }; then
		rm -f "$new"
		return 1
	fi
}

locked_install() {
	(
		flock -w 10 9 || exit 1
		install_copy
	) 9>>"$state.lock"
}

# Without flock the edited copy could land between a helper's read and its write.
command -v flock >/dev/null 2>&1 ||
	pause_exit "Editing needs flock (util-linux; on macOS: brew install util-linux)."
if ! state=$("$helper" path </dev/null 2>&1); then
	pause_exit "tmux-dispatch path: $state"
fi
[ -e "$state" ] || pause_exit "There is no state file yet ($state): register a terminal or queue a command first."
work=$(mktemp -d "${TMPDIR:-/tmp}/tmux-dispatch-edit.XXXXXX") || pause_exit "mktemp failed"
copy="$work/terminal-status.json"
snap="$work/snapshot"
if ! { cp "$state" "$snap" && cp "$snap" "$copy"; }; then
	pause_exit "cannot read $state"
fi
editor=${VISUAL:-${EDITOR:-vi}}

while :; do
	# Like git: the editor variable may carry arguments.
	sh -c "$editor \"\$@\"" "$editor" "$copy"
	if cmp -s "$copy" "$snap"; then
		exit 0 # unchanged
	fi
	if ! err=$("$helper" -f "$copy" ls </dev/null 2>&1 >/dev/null); then
		printf '\nThe edited file is not valid:\n%s\n' "$err"
		choose '[e]dit again, [d]iscard your changes?'
		[ "$REPLY" = e ] && continue
		exit 0
	fi
	locked_install
	case $? in
	0) display_text "tmux-dispatch: state file saved"; exit 0 ;;
	3)
		printf '\nThe state file changed while you were editing it (the helper wrote to it).\n'
		choose '[e]dit again (your version; compare with the current file), [o]verwrite, [d]iscard?'
		case $REPLY in
		o) cp "$state" "$snap" 2>/dev/null; locked_install && display_text "tmux-dispatch: state file saved"; exit 0 ;;
		e) cp "$state" "$snap" 2>/dev/null; continue ;;
		*) exit 0 ;;
		esac
		;;
	*) pause_exit "could not write $state" ;;
	esac
done
