#!/usr/bin/env bats
# Golden outputs of `classify --json`: each tests/fixtures/golden/NAME.PROFILE.json holds the
# exact line `classify --profile PROFILE --json` prints for tests/fixtures/captures/NAME.txt (see
# the README there). A change of state, profile or rule text on any of them fails, naming the
# capture, the profile and the old and new rule. bats 1.8 cannot make one @test per file, so one
# test loops over all of them and reports every mismatch.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

GOLDEN="$BATS_TEST_DIRNAME/../fixtures/golden"
CAPTURES="$BATS_TEST_DIRNAME/../fixtures/captures"

setup() {
	common_setup
	# Only the built-in profiles: no user profiles.json can apply.
	unset TMUX_DISPATCH_PROFILES
	export TMUX_DISPATCH_STATE=/nonexistent/.terminal-status.json
}

# The golden files, one path a line (fails if there are none).
goldens() {
	local g found=
	for g in "$GOLDEN"/*.json; do
		[ -f "$g" ] || continue
		printf '%s\n' "$g"
		found=1
	done
	[ -n "$found" ]
}

# golden_parts FILE: sets NAME and PROF from FILE = .../NAME.PROF.json.
golden_parts() {
	local base=${1##*/}
	base=${base%.json}
	NAME=${base%.*}
	PROF=${base##*.}
}

# field FILE KEY: KEY of the JSON object in FILE, or a note when FILE is empty or not JSON.
field() {
	if [ ! -s "$1" ]; then
		echo "(no output)"
	else
		json "$1" "\$d->{$2}" 2>/dev/null || echo "(not JSON: $(head -c 200 "$1"))"
	fi
}

@test "golden: each file names a labelled capture and a profile, and its state is the label" {
	local g want got problems=
	run goldens
	assert_success
	while IFS= read -r g; do
		golden_parts "$g"
		if [ "$NAME.$PROF.json" != "${g##*/}" ]; then
			problems+="${g##*/}: not named NAME.PROFILE.json"$'\n'
			continue
		fi
		[ -f "$CAPTURES/$NAME.txt" ] || problems+="${g##*/}: no capture $NAME.txt"$'\n'
		want=$(awk -F'\t' -v n="$NAME" '$1 == n { print $2 }' "$CAPTURES/labels.tsv")
		got=$(field "$g" state)
		[ -n "$want" ] || problems+="${g##*/}: $NAME has no label in labels.tsv"$'\n'
		[ "$got" = "$want" ] ||
			problems+="${g##*/}: golden state '$got' but labels.tsv says '$want'"$'\n'
	done < <(goldens)
	[ -z "$problems" ] || fail "$problems"
}

@test "golden: classify --json of each golden capture is exactly its golden file" {
	local g got err rc n=0 bad=0 report=
	got="$BATS_TEST_TMPDIR/got.json"
	err="$BATS_TEST_TMPDIR/err"
	run goldens
	assert_success
	while IFS= read -r g; do
		golden_parts "$g"
		n=$((n + 1))
		rc=0
		"$TD" classify --profile "$PROF" --json "$CAPTURES/$NAME.txt" > "$got" 2> "$err" || rc=$?
		if [ "$rc" -eq 0 ] && [ ! -s "$err" ] && cmp -s "$g" "$got"; then
			continue
		fi
		bad=$((bad + 1))
		report+="MISMATCH $NAME (profile $PROF), golden ${g##*/}:"$'\n'
		[ "$rc" -eq 0 ] || report+="  exit status $rc"$'\n'
		[ ! -s "$err" ] || report+="  stderr: $(cat "$err")"$'\n'
		report+="  old state: $(field "$g" state)   new state: $(field "$got" state)"$'\n'
		report+="  old rule:  $(field "$g" rule)"$'\n'
		report+="  new rule:  $(field "$got" rule)"$'\n'
		report+="$(diff -u --label "golden/${g##*/}" --label \
		    "classify --profile $PROF --json captures/$NAME.txt" "$g" "$got" || :)"$'\n\n'
	done < <(goldens)
	[ "$bad" -eq 0 ] || fail "$report$bad of $n golden files differ (see tests/fixtures/golden/README.md)"
}
