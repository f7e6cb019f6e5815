#!/usr/bin/env bats
# Results and review (issue 13): --done-when holds an item until a line matching it appears after
# the delivery, a result file the agent wrote ends its item on idle, every finished item gets a
# folder results/ID/ that `result ID` prints, and --review queues ID-review for the reviewer,
# which takes it in the same check.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() {
	tmux_setup
	mkdir -p "$W/modes"
	unset TMUX_DISPATCH_MODES
}
teardown() { tmux_teardown; }

# template NAME TEXT: writes modes/NAME.md (printf format) and trusts it.
template() {
	printf "$2" >"$W/modes/$1.md"
	td trust "modes/$1.md" >/dev/null
}

# turn_over NAME: the agent finished a turn and shows its idle prompt.
turn_over() {
	wait_screen "$1" "✻ Worked for"
	wait_for agent_idle "$1"
}

# shell_back NAME: the shell shows its prompt again after one command.
shell_back() { [ "$(screen "$1" | grep -cx '\$ *')" = 1 ]; }

# say NAME TEXT: a person types TEXT into the agent and submits it.
say() {
	tmux send-keys -t "t:$1" -l "$2"
	tmux send-keys -t "t:$1" Enter
}

@test "--done-when holds an item on an idle agent until the line appears" {
	agent gen-1 --busy 0.3
	run td enqueue --to gen-1 --id a --done-when '^● RESULT=[0-9]+$' -- 'first job'
	assert_success
	assert_output a
	assert_item a status running
	grep -qF '"doneWhen": "^● RESULT=[0-9]+$"' "$S"
	turn_over gen-1
	run td check gen-1
	assert_success
	assert_output --regexp '^gen-1: working on a: idle'
	assert_item a status running

	say gen-1 'SAY:RESULT=42'
	wait_screen gen-1 "● RESULT=42"
	wait_for agent_idle gen-1
	run td check gen-1
	assert_success
	assert_line "gen-1: done a"
	assert_item a status done
	grep -qx '● RESULT=42' "$(item_field a result)/screen.txt"
}

@test "--done-when: neither the prompt's echo nor what came before the delivery counts" {
	agent gen-1 --busy 0.2
	run td enqueue --to gen-1 --id p1 -- 'SAY:TASK-DONE'
	assert_success
	turn_over gen-1
	screen_has gen-1 "● TASK-DONE"
	run td enqueue --to gen-1 --id p2 --done-when 'TASK-DONE' -- 'print TASK-DONE when finished'
	assert_success
	assert_item p1 status done
	assert_item p2 status running
	wait_screen gen-1 "❯ print TASK-DONE when finished"
	turn_over gen-1
	run td check gen-1
	assert_success
	assert_output --regexp '^gen-1: working on p2: idle'
	assert_item p2 status running
	# The reply, when it comes, does.
	say gen-1 'and now SAY:TASK-DONE'
	wait_for eval '[ "$(screen gen-1 | grep -c "● TASK-DONE")" -ge 2 ]'
	wait_for agent_idle gen-1
	run td check gen-1
	assert_success
	assert_line "gen-1: done p2"
}

@test "a result file the agent wrote ends its item on idle, whatever --done-when waits for" {
	tmux_window sh-1 "env PS1='\$ ' bash --norc --noprofile -i"
	wait_for eval '[ "$(tmux display -p -t t:sh-1 "#{cursor_x}")" = 2 ]'
	td terminal add sh-1 "$(pane_of sh-1)" --profile shell >/dev/null
	template report '{{task}} > {{result_file}}'
	local real
	real=$(cd "$W" && pwd -P)
	run td enqueue --to sh-1 --id r1 --mode report --done-when 'NEVER-SEEN' -- 'echo report-text'
	assert_success
	wait_for test -s "$W/.terminal-status.d/results/r1/result.md"
	wait_for shell_back sh-1
	run td check sh-1
	assert_success
	assert_line "sh-1: done r1"
	local dir=$W/.terminal-status.d/results/r1
	assert_item r1 result "$dir"
	[ "$(cat "$dir/result.md")" = report-text ]
	[ "$(cat "$dir/prompt.txt")" = "echo report-text > $real/.terminal-status.d/results/r1/result.md" ]
	grep -qF 'echo report-text >' "$dir/screen.txt"
	# blank rows and the capture's padding trimmed: the last row is the prompt
	[ "$(tail -n 1 "$dir/screen.txt")" = '$' ]

	run td result r1 --json
	assert_success
	[ "$(json - '$d->{folder}' <<<"$output")" = "$dir" ]
	[ "$(json - '$d->{resultFile}' <<<"$output")" = report-text ]
	[ "$(json - '$d->{status}' <<<"$output")" = done ]
	[ "$(json - '$d->{terminal}' <<<"$output")" = sh-1 ]
	[ "$(json - '$d->{worktree}' <<<"$output")" = null ]
	run td result r1
	assert_success
	assert_line "r1 done (sh-1): $dir"
	assert_line -- '--- result.md'
	assert_line report-text
}

@test "the result folder of a worktree task: worktree.json, and result --json" {
	agent gen-1 --busy 0.2
	cat >"$BATS_TEST_TMPDIR/tasks.json" <<-'EOF'
	{"tasks": [{"id": "W-1", "command": "build it", "assignedTo": "gen-1",
	  "branch": "task/W-1", "worktree": "/tmp/wt-W-1", "base": "main", "commitsAhead": 2,
	  "diffstat": " 1 file changed, 3 insertions(+)"}]}
	EOF
	run td import "$BATS_TEST_TMPDIR/tasks.json"
	assert_success
	turn_over gen-1
	run td check gen-1
	assert_line "gen-1: done W-1"
	local dir=$W/.terminal-status.d/results/W-1
	[ "$(cat "$dir/prompt.txt")" = "build it" ]
	grep -q '❯ build it' "$dir/screen.txt"
	run td result W-1 --json
	assert_success
	[ "$(json - '$d->{worktree}{branch}' <<<"$output")" = task/W-1 ]
	[ "$(json - '$d->{worktree}{commitsAhead}' <<<"$output")" = 2 ]
	[ "$(json - '$d->{worktree}{diffstat}' <<<"$output")" = " 1 file changed, 3 insertions(+)" ]
	[ "$(json - '$d->{prompt}' <<<"$output")" = "build it" ]
	[ "$(json - '$d->{resultFile}' <<<"$output")" = null ]
	[[ "$(json - '$d->{screen}' <<<"$output")" == *"Worked for"* ]]
}

@test "--review: the done item's review is queued with its prompt and delivered to the reviewer" {
	# The reviewer is registered first: a check looks at it before the item ends, and still
	# delivers the review at once.
	agent rev-1 --busy 0.2
	agent gen-1 --busy 0.2
	run td enqueue --to gen-1 --id T-1 --review rev-1 -- 'implement the parser'
	assert_success
	assert_item T-1 reviewer rev-1
	turn_over gen-1
	run td check
	assert_success
	assert_line "gen-1: done T-1"
	assert_line "rev-1: sent T-1-review ($(pane_of rev-1))"
	assert_item T-1-review reviewOf T-1
	assert_item T-1-review assignedTo rev-1
	assert_item T-1-review title "review of T-1"
	assert_item T-1 reviewedBy rev-1
	assert_item T-1 review T-1-review
	local text
	text=$(item_field T-1-review command)
	[[ "$text" == *"implement the parser"* ]] || fail "no original prompt in: $text"
	[[ "$text" == *"$W/.terminal-status.d/results/T-1"* ]] || fail "no result folder in: $text"
	[[ "$text" == *"Change nothing"* ]] || fail "no instruction in: $text"
	[[ "$text" == *"what was missed"* ]] || fail "no instruction in: $text"
	wait_for taken_ge rev-1 1
	assert_took rev-1 "$text"

	turn_over rev-1
	run td check
	assert_success
	assert_line "rev-1: done T-1-review"
	assert_item T-1 review "$W/.terminal-status.d/results/T-1-review"
	assert_item T-1 reviewedBy rev-1
	# A review is never reviewed.
	run td ls --json
	[ "$(json - 'scalar grep { $_->{reviewOf} } @{$d->{items}}' <<<"$output")" = 1 ]
}

@test "--review to a group with a review template and a worktree task's diff" {
	agent gen-1 --busy 0.2
	agent rev-1 --busy 0.2
	td pause >/dev/null
	template review 'REVIEW BY TEMPLATE {{id}}\n{{task}}'
	local repo=$BATS_TEST_TMPDIR/repo
	git init -q -b main "$repo"
	git -C "$repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m base
	git -C "$repo" checkout -q -b task/T-2
	echo 'the new line' >"$repo/file.txt"
	git -C "$repo" add file.txt
	git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m change
	cat >"$BATS_TEST_TMPDIR/tasks.json" <<-EOF
	{"tasks": [{"id": "T-2", "command": "add the line", "assignedTo": "gen-1", "review": "rev",
	  "branch": "task/T-2", "worktree": "$repo", "base": "main"}]}
	EOF
	run td import "$BATS_TEST_TMPDIR/tasks.json"
	assert_success
	assert_item T-2 reviewer all-rev
	td resume >/dev/null
	assert_item T-2 status running
	turn_over gen-1
	run td check
	assert_success
	assert_line "gen-1: done T-2"
	local text
	text=$(item_field T-2-review command)
	[[ "$text" == "REVIEW BY TEMPLATE T-2-review"* ]] || fail "not the template: $text"
	[[ "$text" == *"add the line"* ]] || fail "no prompt: $text"
	[[ "$text" == *"git diff main...task/T-2"* ]] || fail "no diff heading: $text"
	[[ "$text" == *"+the new line"* ]] || fail "no diff: $text"
	wait_for taken_ge rev-1 1
	assert_took rev-1 "$text"
	[ -s "$W/.terminal-status.d/results/T-2/worktree.json" ]
}

@test "--done-when with --continue: a turn that ends without the line accepts the suggestion" {
	agent gen-1 --busy 0.2 --suggest 'SAY:RESULT=1'
	run td enqueue --to gen-1 --id c1 --continue 1 --done-when '^● RESULT=1$' -- 'first job'
	assert_success
	wait_for input_is gen-1 'SAY:RESULT=1'
	run td check gen-1
	assert_success
	assert_line "gen-1: continued c1 (1 of 1): SAY:RESULT=1"
	assert_item c1 status running
	wait_screen gen-1 "● RESULT=1"
	wait_for input_is gen-1 'SAY:RESULT=1'
	run td check gen-1
	assert_success
	assert_line "gen-1: done c1"
	assert_took gen-1 'first job' 'SAY:RESULT=1'
}

@test "a result file of an earlier attempt does not end the item delivered again" {
	tmux_window sh-1 "env PS1='\$ ' bash --norc --noprofile -i"
	wait_for eval '[ "$(tmux display -p -t t:sh-1 "#{cursor_x}")" = 2 ]'
	td terminal add sh-1 "$(pane_of sh-1)" --profile shell >/dev/null
	run td enqueue --to sh-1 --id p1 --done-when NEVER-SEEN -- 'echo one'
	assert_success
	wait_for shell_back sh-1
	td done p1 >/dev/null
	local dir=$W/.terminal-status.d/results/p1
	mkdir -p "$dir"
	echo 'an old report' >"$dir/result.md"
	td retry p1 >/dev/null
	td check sh-1 >/dev/null
	assert_item p1 attempts 2
	wait_for eval '[ "$(screen sh-1 | grep -cx "one")" = 2 ]'
	[ ! -e "$dir/result.md" ]
	run td check sh-1
	assert_success
	assert_output --regexp '^sh-1: working on p1: idle'
}
