#!/usr/bin/env bash
# edit-state.sh: the state file in $VISUAL / $EDITOR (default vi), inside a popup.
# The editor works on a copy. When it exits, a changed copy goes to `tmux-dispatch state
# replace COPY --expect SNAPSHOT`: the helper validates it and, under its lock, writes it the
# way it writes every change, unless the file changed meanwhile; then you choose.

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

# replace_state [--expect]: the edited copy in place. Status 3: not valid (err holds why); 5: the
# state file changed since the snapshot; other non-zero: it could not be written.
replace_state() {
	local expect=()
	[ "${1:-}" = --expect ] && expect=(--expect "$snap")
	err=$("$helper" state replace "$copy" "${expect[@]}" </dev/null 2>&1 >/dev/null)
}

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
	replace_state --expect
	case $? in
	0) display_text "tmux-dispatch: state file saved"; exit 0 ;;
	3)
		printf '\nThe edited file is not valid:\n%s\n' "$err"
		choose '[e]dit again, [d]iscard your changes?'
		[ "$REPLY" = e ] && continue
		exit 0
		;;
	5)
		printf '\nThe state file changed while you were editing it (the helper wrote to it).\n'
		choose '[e]dit again (your version; compare with the current file), [o]verwrite, [d]iscard?'
		case $REPLY in
		o)
			replace_state || pause_exit "could not write $state: $err"
			display_text "tmux-dispatch: state file saved"
			exit 0
			;;
		e) cp "$state" "$snap" 2>/dev/null; continue ;;
		*) exit 0 ;;
		esac
		;;
	*) pause_exit "could not write $state: $err" ;;
	esac
done
