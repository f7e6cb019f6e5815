#!/usr/bin/env bats
# Many writers at once, readers during writes, and writers killed at random moments.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
}

# wait_for_files N PATTERN: polls until N files match PATTERN (workers reporting ready).
wait_for_files() {
	local n
	for ((n = 0; n < 2000; n++)); do
		# shellcheck disable=SC2086
		[ "$(ls $2 2>/dev/null | wc -l)" -ge "$1" ] && return 0
		sleep 0.01
	done
	fail "only $(ls $2 2>/dev/null | wc -l) of $1 workers got ready"
}

@test "8 processes x 100 enqueue at once: exactly 800 items, unique ids, every printed id in the file" {
	local p
	for p in 1 2 3 4 5 6 7 8; do
		(
			touch "ready.$p"
			while [ ! -e go ]; do sleep 0.01; done
			for ((k = 1; k <= 100; k++)); do
				"$TD" enqueue "/job $p-$k" || echo "enqueue $p-$k failed: $?"
			done > "ids.$p" 2> "err.$p"
		) 3>&- &
	done
	wait_for_files 8 'ready.*'
	touch go
	wait
	[ -z "$(cat err.*)" ] || fail "failures: $(cat err.*)"
	cat ids.* | sort > printed
	[ "$(wc -l < printed)" -eq 800 ]
	[ "$(sort -u printed | wc -l)" -eq 800 ] || fail "an id was printed twice"
	ids_in "$S" | sort > stored
	[ "$(wc -l < stored)" -eq 800 ]
	[ "$(sort -u stored | wc -l)" -eq 800 ] || fail "an id is stored twice"
	diff printed stored
	# Every command once: no write was lost or doubled.
	[ "$(json "$S" 'map { $_->{command} } @{$d->{queue}}' | sort -u | wc -l)" -eq 800 ]
	[ "$(json "$S" '$d->{nextId}')" -eq 801 ]
}

@test "readers never see a half-written file while writers rewrite it" {
	seed_state "$S" 2000
	local p
	for p in 1 2 3; do
		(
			for ((k = 1; k <= 40; k++)); do
				"$TD" enqueue "/w $p-$k" > /dev/null || echo "enqueue failed: $?"
				"$TD" done "seed-$((p * 100 + k))" || echo "done failed: $?"
			done > "werr.$p" 2>&1
			touch "finished.$p"
		) 3>&- &
	done
	# The helper reading, and a plain copy of the file read by the helper: each must load and
	# hold at least the 2,000 items (an empty or cut file would load as fewer).
	local reads=0 bad=0
	while [ "$(ls finished.* 2>/dev/null | wc -l)" -lt 3 ]; do
		"$TD" ls --json > view.json 2> view.err || { bad=$((bad + 1)); cat view.err >&2; }
		"$TD" ls > view.txt 2> view.err || { bad=$((bad + 1)); cat view.err >&2; }
		[ "$(wc -l < view.txt)" -gt 2000 ] || { bad=$((bad + 1)); echo "read $(wc -l < view.txt) lines" >&2; }
		cp "$S" copy.json
		"$TD" -f copy.json ls > copy.txt 2> copy.err || { bad=$((bad + 1)); cat copy.err >&2; }
		[ "$(wc -l < copy.txt)" -gt 2000 ] || { bad=$((bad + 1)); echo "copied $(wc -l < copy.txt) lines" >&2; }
		reads=$((reads + 1))
	done
	wait
	# And one of each by an independent parser.
	json_valid view.json
	json_valid copy.json
	echo "# $reads reads during the writes" >&3
	[ "$reads" -gt 0 ]
	[ "$bad" -eq 0 ] || fail "$bad of $reads reads saw a broken file"
	[ -z "$(cat werr.*)" ] || fail "writers failed: $(cat werr.*)"
	[ "$(json "$S" 'scalar @{$d->{queue}}')" -eq $((2000 + 120 - 120)) ]
	[ "$(json "$S" 'scalar @{$d->{completedToday}}')" -eq 120 ]
}

@test "crash safety: writers killed with SIGKILL at random moments leave a file that parses and keeps every confirmed change" {
	seed_state "$S" 3000
	# Scale the random delays to how long one write takes here (ASan is slower): not asserted.
	local t0 t1 span
	t0=$(date +%s%N)
	"$TD" enqueue /calibrate > /dev/null
	t1=$(date +%s%N)
	span=$(((t1 - t0) / 1000))
	[ "$span" -gt 0 ] || span=1000

	# A steady writer is never killed: the lock a killed writer held must not stall it.
	(
		for ((k = 1; k <= 40; k++)); do
			"$TD" enqueue "/steady $k" >> steady.ids || echo "steady $k failed: $?"
		done > steady.err 2>&1
		touch steady.done
	) 3>&- &

	local round pid rc delay kind id killed=0 completed=0 confirmed=() finished=()
	for ((round = 1; round <= 120; round++)); do
		kind=$((RANDOM % 4))
		if [ "$kind" -eq 0 ]; then
			"$TD" done "seed-$round" > out 2> /dev/null 3>&- &
		else
			"$TD" enqueue "/round $round" > out 2> /dev/null 3>&- &
		fi
		pid=$!
		delay=$((RANDOM * span * 3 / 2 / 32768))
		sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
		kill -KILL "$pid" 2> /dev/null || true
		rc=0
		wait "$pid" || rc=$?
		if [ "$rc" -eq 0 ]; then
			completed=$((completed + 1))
			if [ "$kind" -eq 0 ]; then
				finished+=("seed-$round")
			else
				[ -s out ] || fail "enqueue exited 0 without printing an id"
				confirmed+=("$(cat out)")
			fi
		else
			[ "$rc" -eq 137 ] || fail "round $round: exit $rc"
			killed=$((killed + 1))
		fi
		# After every kill the file parses...
		"$TD" ls --json > /dev/null 2> ls.err ||
			fail "round $round: the state does not load: $(cat ls.err)"
		# ... and holds every item whose enqueue succeeded, every done that succeeded.
		"$TD" ls | awk 'NR > 1 { print $1, $2 }' | sort > seen
		{
			[ "${#confirmed[@]}" -eq 0 ] || printf '%s ready\n' "${confirmed[@]}"
			[ "${#finished[@]}" -eq 0 ] || printf '%s done\n' "${finished[@]}"
		} | sort > want
		comm -23 want seen > lost
		[ ! -s lost ] || fail "round $round: lost confirmed changes: $(cat lost)"
	done
	json_valid "$S"
	while [ ! -e steady.done ]; do sleep 0.05; done
	wait
	echo "# $killed writers killed, $completed completed, ${#confirmed[@]} enqueues confirmed" >&3
	[ "$killed" -gt 0 ] || fail "no writer was ever killed: the test proves nothing"
	[ "$completed" -gt 0 ] || fail "no writer ever completed: the test proves nothing"
	[ -z "$(cat steady.err)" ] || fail "the steady writer failed: $(cat steady.err)"
	[ "$(wc -l < steady.ids)" -eq 40 ]
	ids_in "$S" > stored
	for id in $(cat steady.ids); do
		grep -qx "$id" stored || fail "lost steady item $id"
	done
	[ "$(sort stored | uniq -d | wc -l)" -eq 0 ] || fail "duplicate ids: $(sort stored | uniq -d)"
}
