#!/usr/bin/env bats
# Injection (issue 4): every payload of tests/fixtures/injection/payloads.tsv goes through each
# way text reaches a pane (enqueue argv, dispatch --stdin, send) into a fake agent. Each one is
# either received byte for byte (the agent's hex log) or refused with exit 2 and nothing queued
# or typed. Afterwards no tmux option, buffer, window, session, hook or environment variable has
# appeared or changed, the server and the agent still run, and no file appeared (`$(touch x)`...).

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

CORPUS="$BATS_TEST_DIRNAME/../fixtures/injection/payloads.tsv"

setup() {
	tmux_setup
	# The pause between paste and Enter does not matter to the fake agent; keep the run short.
	export TMUX_DISPATCH_ENTER_DELAY=50
	P="$BATS_TEST_TMPDIR/payloads"
	mkdir -p "$P"
	# One file per payload (N.bin) and the bytes the agent must receive (N.want); arrays of
	# expectations and names.
	expect=() names=()
	local e n h g i=0
	while IFS=$'\t' read -r e n h g; do
		[[ -z $e || $e == \#* ]] && continue
		perl -e 'print pack("H*", $ARGV[0])' "$h" >"$P/$i.bin"
		perl -e 'print pack("H*", $ARGV[0])' "${g:-$h}" >"$P/$i.want"
		expect+=("$e") names+=("$n")
		i=$((i + 1))
	done <"$CORPUS"
}

teardown() { tmux_teardown; }

# The names of the files that appeared under the test's temp dir since files_snapshot >$1, other
# than the agents' logs and the helper's own state, lock, events and result files.
new_files() {
	comm -13 "$1" <(files_snapshot) | grep -Ev \
	    '^\./agents/|^\./work/state\.json(\.lock)?$|^\./work/\.terminal-status\.d(/events\.jsonl|/results(/q-[0-9]+(/screen\.txt|/prompt\.txt)?)?)?$|^\./payloads/|^\./(before|after)-|^\./separate-stderr-' ||
	    true
}

# run_corpus MODE: sends every payload to terminal gen-1 with MODE (enqueue: argv words;
# dispatch: --stdin; send: argv words), checks each outcome, then the side effects.
run_corpus() {
	local mode=$1 pi n=${#expect[@]} took=0 queued=0 errors='' payload want server
	agent gen-1 --busy 0
	server=$(tmux display -p '#{pid}')
	tmux_snapshot >"$BATS_TEST_TMPDIR/before-tmux"
	files_snapshot >"$BATS_TEST_TMPDIR/before-files"
	local f elsewhere=''
	for f in x y z w out.txt; do
		[ -e "$HOME/$f" ] || elsewhere+=" $HOME/$f"
		[ -e "/$f" ] || elsewhere+=" /$f"
	done
	[ "${#expect[@]}" -ge 40 ] || fail "only ${#expect[@]} payloads"

	for ((pi = 0; pi < n; pi++)); do
		if [ "$mode" != dispatch ] && perl -0777 -ne 'exit(/\0/ ? 0 : 1)' "$P/$pi.bin"; then
			continue # argv cannot carry a NUL; dispatch --stdin covers it
		fi
		wait_for agent_idle gen-1 || { errors+="#$pi ${names[$pi]}: agent not idle before"$'\n'; break; }
		payload=$(cat "$P/$pi.bin"; printf .)
		payload=${payload%.}
		case $mode in
		enqueue) run --separate-stderr td enqueue --to gen-1 -- "$payload" ;;
		dispatch) run --separate-stderr td dispatch gen-1 --stdin < <(cat "$P/$pi.bin"; echo) ;;
		send) run --separate-stderr td send gen-1 -- "$payload" ;;
		esac
		if [ "${expect[$pi]}" = refuse ]; then
			if [ "$status" -ne 2 ]; then
				errors+="#$pi ${names[$pi]}: expected exit 2 (refused), got $status: $stderr"$'\n'
			elif [[ $stderr != "tmux-dispatch: refused: "* ]]; then
				errors+="#$pi ${names[$pi]}: refused without saying so: $stderr"$'\n'
			fi
			continue
		fi
		[ "$mode" = send ] || queued=$((queued + 1))
		took=$((took + 1))
		if [ "$status" -ne 0 ]; then
			errors+="#$pi ${names[$pi]}: expected delivery, got exit $status: $stderr"$'\n'
			took=$(taken gen-1)
			continue
		fi
		if ! wait_for taken_ge gen-1 "$took" 2>/dev/null; then
			errors+="#$pi ${names[$pi]}: never received"$'\n'
			took=$(taken gen-1)
			continue
		fi
		want=$(hex_of "$P/$pi.want")
		if [ "$(taken_hex gen-1 "$took")" != "$want" ]; then
			errors+="#$pi ${names[$pi]}: received $(taken_hex gen-1 "$took"), expected $want"$'\n'
		fi
	done
	[ -z "$errors" ] || fail "$(printf 'payloads that failed (%s):\n%s' "$mode" "$errors")"

	# exactly one submission per delivered payload, one item per queued one, one paste each
	[ "$(taken gen-1)" = "$took" ] || fail "the agent took $(taken gen-1) submissions, expected $took"
	[ "$(agent_events gen-1 paste)" = "$took" ] || fail "$(agent_events gen-1 paste) pastes for $took"
	[ "$(jsonx "$S" 'scalar(@{$d->{queue}}) + scalar(@{$d->{completedToday}})')" = "$queued" ]
	[ "$(jsonx "$S" 'scalar grep { $_->{status} eq "failed" } @{$d->{completedToday}}')" = 0 ]
	if grep -q '"event":"\(refused\|not-submitted\|retry-enter\)"' "$EV"; then
		fail "a delivery was refused or retried: $(grep -E 'refused|not-submitted|retry-enter' "$EV")"
	fi

	# the server, the agent, and nothing new or changed in tmux or on disk
	tmux has-session -t t
	[ "$(tmux display -p '#{pid}')" = "$server" ]
	[ "$(tmux display -p -t t:gen-1 '#{pane_dead}')" = 0 ]
	tmux_snapshot >"$BATS_TEST_TMPDIR/after-tmux"
	diff -u "$BATS_TEST_TMPDIR/before-tmux" "$BATS_TEST_TMPDIR/after-tmux" ||
		fail "tmux state changed"
	[ -z "$(new_files "$BATS_TEST_TMPDIR/before-files")" ] ||
		fail "files appeared: $(new_files "$BATS_TEST_TMPDIR/before-files")"
	for f in $elsewhere; do
		[ ! -e "$f" ] || fail "a payload created $f"
	done
}

@test "corpus through enqueue --to NAME -- PAYLOAD: byte-exact or refused, no side effects" {
	run_corpus enqueue
}

@test "corpus through dispatch NAME --stdin: byte-exact or refused (NUL too), no side effects" {
	run_corpus dispatch
}

@test "corpus through send NAME -- PAYLOAD: byte-exact or refused, no side effects" {
	run_corpus send
}

@test "the corpus has at least 40 payloads and covers the required kinds" {
	[ "${#expect[@]}" -ge 40 ]
	local need hex
	for need in 'echo a;' 'echo a\;' Enter up C-c Escape -x '$(touch x)' '`touch y`' '#{pane_id}' \
	    %% kill-server "'" '"' '~'; do
		hex=$(hex_str "$need")
		grep -qP "^deliver\t[^\t]*\t$hex(\t|\$)" "$CORPUS" || fail "no payload $need"
	done
	grep -qP '\t[0-9a-f]*1b5b3230317e' "$CORPUS"     # ESC[201~
	grep -qP '^refuse\t[^\t]*\t(..)*00' "$CORPUS"     # NUL
	grep -qP '^refuse\t[^\t]*\t(..)*0d' "$CORPUS"     # CR
	grep -qP '^refuse\t[^\t]*\t(..)*ff' "$CORPUS"     # invalid UTF-8
	grep -qP '^deliver\t[^\t]*\t[0-9a-f]{20000,}$' "$CORPUS" # a 10 KB line
}
