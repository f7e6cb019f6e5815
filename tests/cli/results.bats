#!/usr/bin/env bats
# Results and review without tmux (issue 13): --done-when and --review (and a task's doneWhen and
# review) are checked when the item is queued, a refusal leaves the state byte-identical, and
# `result ID` answers for items with no folder yet and for ids that do not exist.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
	td terminal add gen-1 work:1 >/dev/null
	td terminal add rev-1 work:2 >/dev/null
	td pause >/dev/null
}

# field ID KEY: one key of one item in the state file ("absent" if unset).
field() {
	json "$S" "my (\$i) = grep { \$_->{id} eq '$1' } @{\$d->{queue}}, @{\$d->{completedToday}};
		die \"no item $1\\n\" unless \$i; exists \$i->{'$2'} ? \$i->{'$2'} : 'absent'"
}

@test "enqueue --done-when and --review are kept on the item, the reviewer by its canonical name" {
	run td enqueue --to gen-1 --id a --done-when 'RESULT: [0-9]+' --review all-revs -- job
	assert_success
	assert_output a
	[ "$(field a doneWhen)" = 'RESULT: [0-9]+' ]
	[ "$(field a reviewer)" = all-rev ]
	[ "$(field a reviewedBy)" = absent ]
}

@test "a bad --done-when or an unknown --review is refused; the state is byte-identical" {
	local before
	before=$(fingerprint "$S")
	run --separate-stderr td enqueue --to gen-1 --done-when 'a(b' -- job
	[ "$status" -eq 2 ]
	assert_one_error_line
	[ "$stderr" = "tmux-dispatch: refused: --done-when is not an extended regular expression" ]
	run --separate-stderr td enqueue --to gen-1 --done-when '' -- job
	[ "$status" -eq 2 ]
	[ "$stderr" = "tmux-dispatch: refused: --done-when must not be empty" ]
	run --separate-stderr td enqueue --to gen-1 --review nobody -- job
	[ "$status" -eq 4 ]
	assert_one_error_line
	[[ "$stderr" == *nobody* ]] || fail "$stderr"
	[ "$(fingerprint "$S")" = "$before" ]
}

@test "import: doneWhen and review are checked like the options, and review resolves" {
	cat >tasks.json <<-'EOF'
	{"tasks": [{"id": "T-1", "command": "one", "doneWhen": "^DONE$", "review": "rev"}]}
	EOF
	run td import tasks.json
	assert_success
	[ "$(field T-1 doneWhen)" = '^DONE$' ]
	[ "$(field T-1 reviewer)" = all-rev ]
	local before
	before=$(fingerprint "$S")
	echo '{"tasks": [{"id": "T-2", "command": "two", "doneWhen": "(("}]}' >bad.json
	run --separate-stderr td import bad.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "tmux-dispatch: refused: tasks[0] (T-2): doneWhen is not an extended regular expression" ]
	echo '{"tasks": [{"id": "T-2", "command": "two", "review": "nobody"}]}' >bad.json
	run --separate-stderr td import bad.json
	[ "$status" -eq 2 ]
	[[ "$stderr" == "tmux-dispatch: refused: tasks[0] (T-2): review nobody is no terminal or group"* ]] ||
		fail "$stderr"
	# a task cannot say what the helper records of a review
	echo '{"tasks": [{"id": "T-3", "command": "three", "reviewedBy": "x", "reviewOf": "T-1"}]}' >ok.json
	run td import ok.json
	assert_success
	[ "$(field T-3 reviewedBy)" = absent ]
	[ "$(field T-3 reviewOf)" = absent ]
	[ "$(fingerprint "$S")" != "$before" ]
}

@test "done by hand queues the review; a review's own end links it; result ID prints the item" {
	td enqueue --to gen-1 --id a --review rev-1 -- 'the task' >/dev/null
	run td done a
	assert_success
	[ "$(field a-review reviewOf)" = a ]
	[ "$(field a-review assignedTo)" = rev-1 ]
	[ "$(field a review)" = a-review ]
	[ "$(field a reviewedBy)" = rev-1 ]
	[[ "$(field a-review command)" == *"the task"* ]]
	run td done a-review
	assert_success
	run td ls --json
	[ "$(json - 'scalar grep { $_->{id} =~ /review-review/ } @{$d->{items}}' <<<"$output")" = 0 ]
	run td result a --json
	assert_success
	[ "$(json - '$d->{folder}' <<<"$output")" = null ]
	[ "$(json - '$d->{review}' <<<"$output")" = a-review ]
	run td result a
	assert_success
	assert_line "a done: no result folder yet"
	assert_line "review: a-review, by rev-1"
	run --separate-stderr td result nope
	[ "$status" -eq 4 ]
	[ "$stderr" = "tmux-dispatch: no such item: nope" ]
	run --separate-stderr td result
	[ "$status" -eq 2 ]
}

@test "review set, ls, rm: default reviewers by terminal, group or all; refusals write nothing" {
	run td review set gen all-revs
	assert_success
	run td review set all rev-1
	assert_success
	run td review ls
	assert_success
	assert_line --regexp '^gen +all-rev$'
	assert_line --regexp '^all +rev-1$'
	run td review ls --json
	[ "$(json - 'join ",", map { "$_->{name}=$_->{reviewer}" } @{$d->{reviewers}}' <<<"$output")" = "gen=all-rev,all=rev-1" ]
	local before
	before=$(fingerprint "$S")
	run --separate-stderr td review set nobody rev-1
	[ "$status" -eq 4 ]
	[ "$stderr" = "tmux-dispatch: no terminal or group 'nobody' (a default reviewer is for all, a group or a terminal)" ]
	run --separate-stderr td review set gen-1 nobody
	[ "$status" -eq 4 ]
	assert_one_error_line
	run --separate-stderr td review rm gen-1
	[ "$status" -eq 4 ]
	[ "$stderr" = "tmux-dispatch: no default reviewer for 'gen-1'" ]
	[ "$(fingerprint "$S")" = "$before" ]
	run td review rm all
	assert_success
	run td review ls
	refute_line --regexp '^all '
}

@test "the default reviewer: the terminal's, else its group's, else all's; a review is never reviewed" {
	td terminal add gen-2 work:3 >/dev/null
	td review set all rev-1 >/dev/null
	td review set gen gen-2 >/dev/null
	td review set gen-2 rev-1 >/dev/null
	# items done by hand on a terminal: a running item records its terminal
	td enqueue --to gen-1 --id a -- 'job a' >/dev/null
	td enqueue --to gen-2 --id b -- 'job b' >/dev/null
	td enqueue --to rev-1 --id c -- 'job c' >/dev/null
	td enqueue --to gen-1 --id d --review rev-1 -- 'job d' >/dev/null
	perl -MJSON::PP -0777 -i -pe 'my $d = decode_json($_);
		my %on = (a => "gen-1", b => "gen-2", c => "rev-1", d => "gen-1");
		for my $i (@{$d->{queue}}) { next unless $on{$i->{id}};
			$i->{status} = "running"; $i->{terminal} = $on{$i->{id}}; $i->{pane} = "%99"; }
		$_ = JSON::PP->new->canonical->pretty->encode($d)' "$S"
	td trust >/dev/null
	for i in a b c d; do td done "$i"; done
	[ "$(field a reviewer)" = gen-2 ]
	[ "$(field a-review assignedTo)" = gen-2 ]
	[ "$(field b reviewer)" = rev-1 ]
	[ "$(field c reviewer)" = rev-1 ]
	[ "$(field d reviewer)" = rev-1 ]
	td done a-review
	[ "$(field a-review reviewer)" = absent ]
	run td ls --json
	[ "$(json - 'scalar grep { $_->{id} =~ /review-review/ } @{$d->{items}}' <<<"$output")" = 0 ]
}

@test "a review its reviewer's --allow list refuses fails at once, with the reason" {
	td terminal add rev-2 work:4 --allow /review >/dev/null
	td enqueue --to gen-1 --id a --review rev-2 -- 'the task' >/dev/null
	run td done a
	assert_success
	[ "$(field a-review status)" = failed ]
	[ "$(field a-review reason)" = "the review is outside the --allow list of rev-2" ]
	[ "$(field a review)" = a-review ]
}
