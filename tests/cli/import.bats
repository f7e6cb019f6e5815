#!/usr/bin/env bats
# import FILE: a task index queued in one write (both formats, standard input, the prompt alias,
# estimates in seconds, durations and hours, a planner's own keys), re-importing (added, updated,
# unchanged, left), and the refusals, which leave the state file byte-identical.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
}

# field ID KEY: one key of one item in the state file, as canonical JSON ("absent" if unset).
field() {
	json "$S" "my (\$i) = grep { \$_->{id} eq '$1' } @{\$d->{queue}}, @{\$d->{completedToday}};
		die \"no item $1\\n\" unless \$i; exists \$i->{'$2'} ? \$i->{'$2'} : 'absent'"
}

# item_json ID: the whole item as stored, canonical.
item_json() {
	json "$S" "grep { \$_->{id} eq '$1' } @{\$d->{queue}}, @{\$d->{completedToday}}"
}

# The seed workflow's shape: three scorers feeding an eval runner.
write_index() {
	cat > tasks.json <<-'EOF'
	{"project": "evals", "tasks": [
	 {"id": "SCR-001", "title": "ToolSelectionScorer", "command": "/implement SCR-001",
	  "estimate": "4h", "phase": "phase-2-scorers", "owner": "ana", "files": ["a.py"]},
	 {"id": "SCR-002", "title": "ReasoningScorer", "prompt": "/implement SCR-002",
	  "estimateHours": 4, "phase": "phase-2-scorers"},
	 {"id": "SCR-003", "command": "/implement SCR-003", "estimate": 10800, "priority": 3,
	  "status": "done", "attempts": 9, "startedAt": "2026-01-01T00:00:00Z"},
	 {"id": "RUN-001", "title": "Eval runner", "command": "/implement RUN-001",
	  "dependsOn": ["SCR-001", "SCR-002", "SCR-003"], "estimate": "1h30m"}
	]}
	EOF
}

@test "import {\"tasks\": [...]}: every field stored, prompt is the command, estimates in seconds" {
	write_index
	run --separate-stderr td import tasks.json
	assert_success
	assert_output 'added 4: SCR-001, SCR-002, SCR-003, RUN-001'
	[ -z "$stderr" ] || fail "stderr: $stderr"
	[ "$(ids_in "$S" | paste -sd, -)" = SCR-001,SCR-002,SCR-003,RUN-001 ]
	[ "$(field SCR-001 title)" = ToolSelectionScorer ]
	[ "$(field SCR-001 estimate)" = 14400 ]
	[ "$(field SCR-001 phase)" = phase-2-scorers ]
	[ "$(field SCR-002 command)" = '/implement SCR-002' ]
	[ "$(field SCR-002 prompt)" = absent ]
	[ "$(field SCR-002 estimate)" = 14400 ]
	[ "$(field SCR-002 estimateHours)" = absent ]
	[ "$(field SCR-003 estimate)" = 10800 ]
	[ "$(field SCR-003 priority)" = 3 ]
	[ "$(field RUN-001 estimate)" = 5400 ]
	[ "$(field RUN-001 dependsOn)" = '["SCR-001","SCR-002","SCR-003"]' ]
	[ "$(field SCR-001 assignedTo)" = absent ]
	# A planner's own keys survive; the ones the helper writes itself are not taken from it.
	[ "$(field SCR-001 owner)" = ana ]
	[ "$(field SCR-001 files)" = '["a.py"]' ]
	[ "$(field SCR-003 status)" = pending ]
	[ "$(field SCR-003 attempts)" = 0 ]
	[ "$(field SCR-003 startedAt)" = absent ]
	run td ls --json
	[ "$(json - 'join ",", map { $_->{id} . "=" . ($_->{ready} ? "ready" : "blocked") } @{$d->{items}}' <<<"$output")" = \
	    SCR-001=ready,SCR-002=ready,SCR-003=ready,RUN-001=blocked ]
}

@test "import - reads a top-level array from standard input; estimates as durations and hours" {
	run --separate-stderr td import - <<-'EOF'
	[{"id": "a", "command": "/a", "estimate": "90s"},
	 {"id": "b", "command": "/b", "estimate": "30m"},
	 {"id": "c", "command": "/c", "estimate": "1h30m"},
	 {"id": "d", "command": "/d", "estimate": 42.5},
	 {"id": "e", "command": "/e", "estimateHours": 1.1},
	 {"id": "f", "command": "/f", "estimateHours": 0.25},
	 {"id": "g", "command": "/g", "estimate": null},
	 {"id": "h", "command": "/h"}]
	EOF
	assert_success
	assert_output 'added 8: a, b, c, d, e, f, g, h'
	[ "$(field a estimate)" = 90 ]
	[ "$(field b estimate)" = 1800 ]
	[ "$(field c estimate)" = 5400 ]
	[ "$(field d estimate)" = 42.5 ]
	[ "$(field e estimate)" = 3960 ]
	[ "$(field f estimate)" = 900 ]
	[ "$(field g estimate)" = null ]
	[ "$(field h estimate)" = absent ]
}

@test "re-import: pending items take the task's fields, new tasks are added, the rest is reported" {
	write_index
	td import tasks.json > /dev/null
	run --separate-stderr td import tasks.json
	assert_success
	assert_output 'unchanged 4: SCR-001, SCR-002, SCR-003, RUN-001'
	# The planner changes one task, drops the title of another and adds one.
	perl -0pi -e 's/"estimate": "4h", "phase"/"estimate": "5h", "phase"/;
		s/"title": "ReasoningScorer", //;
		s/\n\]\}/,\n {"id": "RUN-002", "command": "\/implement RUN-002", "dependsOn": ["RUN-001"]}\n]}/' tasks.json
	run --separate-stderr td import tasks.json
	assert_success
	assert_line --index 0 'added 1: RUN-002'
	assert_line --index 1 'updated 1: SCR-001'
	assert_line --index 2 'unchanged 3: SCR-002, SCR-003, RUN-001'
	[ "${#lines[@]}" -eq 3 ]
	[ "$(field SCR-001 estimate)" = 18000 ]
	# A key the task no longer gives is kept: the file's fields replace, they do not erase.
	[ "$(field SCR-002 title)" = ReasoningScorer ]
	[ "$(field RUN-002 dependsOn)" = '["RUN-001"]' ]
	[ "$(ids_in "$S" | paste -sd, -)" = SCR-001,SCR-002,SCR-003,RUN-001,RUN-002 ]
}

@test "import --json: {added, updated, unchanged, left}, each a list of ids" {
	write_index
	run --separate-stderr td import --json tasks.json
	assert_success
	[ "$(json - '$d' <<<"$output")" = \
	    '{"added":["SCR-001","SCR-002","SCR-003","RUN-001"],"left":[],"unchanged":[],"updated":[]}' ]
	td done SCR-003
	perl -pi -e 's/"estimate": "1h30m"/"estimate": "2h"/' tasks.json
	run --separate-stderr td import --json tasks.json
	assert_success
	[ "$(json - '$d' <<<"$output")" = \
	    '{"added":[],"left":["SCR-003"],"unchanged":["SCR-001","SCR-002"],"updated":["RUN-001"]}' ]
}

@test "running and finished items are left as they are, whatever the file says" {
	local r d f now
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	cat > "$S" <<-EOF
	{"queue": [
	  {"id": "R", "command": "/old R", "status": "running", "terminal": "gen-1",
	   "startedAt": "$now", "title": "running one"},
	  {"id": "P", "command": "/old P"}],
	 "completedToday": [
	  {"id": "D", "command": "/old D", "status": "done", "finishedAt": "$now"},
	  {"id": "F", "command": "/old F", "status": "failed", "reason": "timeout"}]}
	EOF
	# A write normalizes a hand-written file (ids, lists, times): items as any write leaves them.
	td pause > /dev/null
	r=$(item_json R)
	d=$(item_json D)
	f=$(item_json F)
	run --separate-stderr td import - <<-'EOF'
	[{"id": "R", "command": "/new R", "title": "changed", "estimate": "1h"},
	 {"id": "D", "command": "/new D"}, {"id": "F", "command": "/new F", "dependsOn": ["P"]},
	 {"id": "P", "command": "/new P", "dependsOn": ["R", "D"]}]
	EOF
	assert_success
	assert_line --index 0 'updated 1: P'
	assert_line --index 1 'left 3 (running or finished): R, D, F'
	[ "${#lines[@]}" -eq 2 ]
	[ "$(item_json R)" = "$r" ]
	[ "$(item_json D)" = "$d" ]
	[ "$(item_json F)" = "$f" ]
	[ "$(field P command)" = '/new P' ]
	[ "$(field P dependsOn)" = '["R","D"]' ]
}

@test "nothing new to import: the state file is not rewritten" {
	write_index
	td import tasks.json > /dev/null
	local before
	before=$(fingerprint "$S")
	run --separate-stderr td import tasks.json
	assert_success
	assert_output 'unchanged 4: SCR-001, SCR-002, SCR-003, RUN-001'
	[ "$(fingerprint "$S")" = "$before" ]
	run --separate-stderr td import - <<<'[]'
	assert_success
	assert_output ''
	[ "$(fingerprint "$S")" = "$before" ]
}

# refused INDEX PATTERN: importing INDEX (text) exits 2 with one error line matching the glob
# PATTERN, and the state file is byte-identical, not even rewritten.
refused() {
	local before
	cp "$S" "$BATS_TEST_TMPDIR/before"
	before=$(fingerprint "$S")
	printf '%s\n' "$1" > bad.json
	run --separate-stderr td import bad.json
	[ "$status" -eq 2 ] || fail "exit $status for $1 (stderr: $stderr)"
	assert_one_error_line
	# shellcheck disable=SC2053 # $2 is a glob
	[[ "$stderr" == $2 ]] || fail "for $1: stderr '$stderr' does not match '$2'"
	assert_output ''
	cmp "$S" "$BATS_TEST_TMPDIR/before" || fail "state changed by $1"
	[ "$(fingerprint "$S")" = "$before" ] || fail "state rewritten by $1"
}

@test "a cycle involving an imported task is refused, naming it; nothing is written" {
	write_index
	td import tasks.json > /dev/null
	refused '[{"id": "A", "command": "/a", "dependsOn": ["B"]}, {"id": "B", "command": "/b", "dependsOn": ["A"]}]' \
	    '*tasks\[0\] (A)*cycle A -> B -> A'
	refused '[{"id": "A", "command": "/a", "dependsOn": ["A"]}]' '*cycle A -> A'
	# Through items already queued: SCR-001 would wait on RUN-001, which waits on it.
	refused '[{"id": "SCR-001", "command": "/implement SCR-001", "dependsOn": ["RUN-001"]}]' \
	    '*tasks\[0\] (SCR-001)*cycle SCR-001 -> RUN-001 -> SCR-001'
	refused '[{"id": "X", "command": "/x", "dependsOn": ["Y"]}, {"id": "Y", "command": "/y", "dependsOn": ["Z"]},
	    {"id": "Z", "command": "/z", "dependsOn": ["X", "SCR-002"]}]' '*cycle X -> Z -> Y -> X'
	[ "$(ids_in "$S" | paste -sd, -)" = SCR-001,SCR-002,SCR-003,RUN-001 ]
}

@test "a dependency on an id that exists nowhere, and an id given twice, are refused" {
	td enqueue --id old /old > /dev/null
	refused '[{"id": "a", "command": "/a", "dependsOn": ["old", "nowhere"]}]' \
	    '*tasks\[0\] (a)*dependsOn nowhere, which is neither in the file nor in the state or its history'
	refused '[{"id": "a", "command": "/a"}, {"id": "b", "command": "/b"}, {"id": "a", "command": "/c"}]' \
	    '*id a is given twice: tasks\[0\] and tasks\[2\]'
	refused '[{"id": "old", "command": "/a"}, {"id": "old", "command": "/b"}]' '*id old is given twice*'
	# A dependency later in the file is fine.
	run td import - <<<'[{"id": "a", "command": "/a", "dependsOn": ["b", "old"]}, {"id": "b", "command": "/b"}]'
	assert_success
	assert_output 'added 2: a, b'
}

@test "a bad field is refused naming the task and the field; nothing is written" {
	td enqueue --id old /old > /dev/null
	local long
	long=$(printf 'x%.0s' {1..257})
	refused '[{"command": "/a"}]' '*tasks\[0\]: id is missing'
	refused '[{"id": 7, "command": "/a"}]' '*tasks\[0\]: id must be a string'
	refused '[{"id": "a\tb", "command": "/a"}]' '*tasks\[0\]: invalid id*'
	refused '[{"id": "a", "id": "b", "command": "/a"}]' '*id is given twice'
	refused '[{"id": "ok", "command": "/a"}, {"id": "a"}]' '*tasks\[1\] (a): command (or prompt) is missing'
	refused '[{"id": "a", "command": ""}]' '*\(a\): the command is empty'
	refused '[{"id": "a", "command": "x\u001b[2Jy"}]' '*\(a\): the command contains a control character*'
	refused '[{"id": "a", "command": 5}]' '*\(a\): command must be a string'
	refused '[{"id": "a", "prompt": ["x"]}]' '*\(a\): prompt must be a string'
	refused '[{"id": "a", "command": "/a", "prompt": "/b"}]' '*\(a\): prompt sets command a second time'
	refused '[{"id": "a", "command": "/a", "title": "t\u0007"}]' '*\(a\): title contains a control character'
	refused "[{\"id\": \"a\", \"command\": \"/a\", \"title\": \"$long\"}]" '*\(a\): title is longer than 256 bytes'
	refused '[{"id": "a", "command": "/a", "phase": ""}]' '*\(a\): phase is empty'
	refused '[{"id": "a", "command": "/a", "phase": 2}]' '*\(a\): phase must be a string'
	refused '[{"id": "a", "command": "/a", "estimate": "4 hours"}]' '*\(a\): estimate must be a duration*'
	refused '[{"id": "a", "command": "/a", "estimate": -1}]' '*\(a\): estimate must be a duration*'
	refused '[{"id": "a", "command": "/a", "estimate": 1e12}]' '*\(a\): estimate must be a duration*'
	refused '[{"id": "a", "command": "/a", "estimateHours": "4h"}]' '*\(a\): estimateHours must be a number of hours*'
	refused '[{"id": "a", "command": "/a", "estimate": 60, "estimateHours": 1}]' \
	    '*\(a\): estimateHours sets estimate a second time'
	refused '[{"id": "a", "command": "/a", "dependsOn": "old"}]' '*\(a\): dependsOn must be an array of ids'
	refused '[{"id": "a", "command": "/a", "dependsOn": [1]}]' '*\(a\): dependsOn must be an array of ids'
	refused '[{"id": "a", "command": "/a", "priority": 1.5}]' '*\(a\): priority must be a whole number*'
	refused '[{"id": "a", "command": "/a", "priority": "high"}]' '*\(a\): priority must be a whole number*'
	refused '[{"id": "a", "command": "/a", "assignedTo": 3}]' '*\(a\): assignedTo must be*'
	refused '[{"id": "a", "command": "/a", "assignedTo": "nobody"}]' '*\(a\): assignedTo nobody is no terminal or group*'
	refused '[{"id": "a", "command": "/a"}, 7]' '*tasks\[1\]: must be an object'
	refused '{"items": []}' '*bad.json: expected {"tasks": \[...\]} or an array of tasks'
	refused '"tasks"' '*bad.json: expected*'
	refused '{"tasks": [' '*bad.json:2:1: invalid JSON'
	refused '[{"id": "a", "command": "/a"}] x' '*bad.json:1:32: invalid JSON'
	[ "$(ids_in "$S")" = old ]
}

@test "assignedTo is resolved like enqueue --to; a command outside the --allow lists is refused" {
	td terminal add generator-1 s:1 --allow /implement > /dev/null
	td terminal add generator-2 s:2 --allow /implement > /dev/null
	td terminal add reviewer-1 s:3 --allow /review > /dev/null
	td pause > /dev/null
	run --separate-stderr td import - <<-'EOF'
	[{"id": "a", "command": "/implement a", "assignedTo": "all-generators"},
	 {"id": "b", "command": "/review b", "assignedTo": "reviewer-1"},
	 {"id": "c", "command": "/implement c", "assignedTo": "generator"},
	 {"id": "d", "command": "/review d", "assignedTo": null},
	 {"id": "e", "command": "/implement e"}]
	EOF
	assert_success
	[ "$(field a assignedTo)" = all-generator ]
	[ "$(field b assignedTo)" = reviewer-1 ]
	[ "$(field c assignedTo)" = all-generator ]
	[ "$(field d assignedTo)" = null ]
	[ "$(field e assignedTo)" = absent ]
	refused '[{"id": "x", "command": "/review x", "assignedTo": "generator-1"}]' \
	    '*\(x\): the command is outside the --allow list of generator-1'
	refused '[{"id": "x", "command": "/deploy x"}]' \
	    '*\(x\): the command is outside the --allow list of every terminal'
	# An update keeps the item's assignedTo when the task gives none, and is checked with it.
	refused '[{"id": "b", "command": "/implement b"}]' \
	    '*\(b\): the command is outside the --allow list of reviewer-1'
}

@test "import: a missing FILE is exit 4, a task index over 16 MiB exit 3, usage errors exit 2" {
	run --separate-stderr td import nope.json
	assert_failure 4
	assert_one_error_line
	[[ "$stderr" == *nope.json* ]]
	perl -e 'print "[", " " x (16 * 1024 * 1024), "]"' > huge.json
	run --separate-stderr td import huge.json
	assert_failure 3
	assert_one_error_line
	run --separate-stderr td import
	assert_failure 2
	assert_one_error_line
	run --separate-stderr td import a.json b.json
	assert_failure 2
	run --separate-stderr td import --bogus a.json
	assert_failure 2
	[ ! -e "$S" ]
	run td import --help
	assert_success
	assert_output --partial 'usage: tmux-dispatch import [--json] FILE'
}

@test "items finished on an earlier day: their tasks are left, and may be depended on" {
	# the history beside the state: one item a line, as the archive writes it
	cat > "$W/state.history.jsonl" <<-'EOF'
	{"id":"FND-001","command":"/old","status":"done","dependsOn":[],"priority":0,"attempts":1,"finishedAt":"2026-01-01T10:00:00Z"}
	{"id":"FND-002","command":"/old failed","status":"failed","reason":"broke","dependsOn":[],"priority":0,"attempts":1,"finishedAt":"2026-01-01T11:00:00Z"}
	EOF
	run td import - <<-'EOF'
	[{"id": "FND-001", "command": "/old"}, {"id": "NEW-1", "command": "/new", "dependsOn": ["FND-001"]},
	 {"id": "NEW-2", "command": "/new 2", "dependsOn": ["FND-002"]}]
	EOF
	assert_success
	assert_line 'added 2: NEW-1, NEW-2'
	assert_line 'left 1 (running or finished): FND-001'
	# the finished work is not queued again; what waits on it sees it done (or failed)
	[ "$(td ls --json | json - '[map { "$_->{id}=" . ($_->{ready} ? "ready" : $_->{status}) } @{$d->{items}}]')" = \
	    '["NEW-1=ready","NEW-2=pending","FND-001=done","FND-002=failed"]' ]
	run td ls --status stuck
	assert_line --regexp '^NEW-2 +stuck '
	# enqueue --after an archived item works the same way; an archived id is not reused
	echo '{"id":"FND-003","command":"/x","status":"done","finishedAt":"2026-01-01T12:00:00Z"}' >> "$W/state.history.jsonl"
	run td enqueue --after FND-003 -- /after
	assert_success
	[ "$(td ls --json | json - '[map { $_->{id} } grep { $_->{ready} } @{$d->{items}}]')" = '["NEW-1","q-1"]' ]
	echo '{"id":"FND-004","command":"/y","status":"done","finishedAt":"2026-01-01T12:00:00Z"}' >> "$W/state.history.jsonl"
	run td enqueue --id FND-004 -- /again
	assert_failure 1
	assert_output "tmux-dispatch: an item with id 'FND-004' finished on an earlier day (it is in the history file)"
}
