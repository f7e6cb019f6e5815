#!/usr/bin/env bats
# enqueue --worktree and a task index's worktree keys without tmux: what is recorded on the item,
# and the refusals (outside a git repository, a bad base, a branch or directory that exists, bad
# names and option mixes), each one line, exit 2, the state file byte-identical. The queue is
# paused, so nothing starts (tests/tmux/worktree.bats starts them).
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
	export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
	export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
	R="$W/repo"
	git init -q -b main "$R"
	mkdir "$R/sub"
	echo one >"$R/sub/a.txt"
	git -C "$R" add sub/a.txt
	git -C "$R" commit -q -m one
	td pause >/dev/null
}

# field ID KEY: one key of one item, as canonical JSON ("absent" if unset).
field() {
	json "$S" "my (\$i) = grep { \$_->{id} eq '$1' } @{\$d->{queue}}, @{\$d->{completedToday}};
		die \"no item $1\\n\" unless \$i; exists \$i->{'$2'} ? \$i->{'$2'} : 'absent'"
}

# refused STATUS TEXT ARGS...: enqueue ARGS is refused with STATUS and one line holding TEXT,
# and the state file is byte-identical.
refused() {
	local status=$1 text=$2 before
	shift 2
	before=$(fingerprint "$S")
	run --separate-stderr td enqueue "$@"
	assert_failure "$status"
	assert_one_error_line
	[[ $stderr == *"$text"* ]] || fail "expected '$text' in: $stderr"
	[ "$(fingerprint "$S")" = "$before" ]
}

@test "enqueue --worktree records the repository's top level, the branch, base, profile and model" {
	cd "$R/sub"
	run --separate-stderr td enqueue --worktree --id T1 --base main --profile codex \
	    --model gpt-9 --keep-agent -- "write it"
	assert_success
	assert_output T1
	[ "$(field T1 worktree)" = true ]
	[ "$(field T1 repo)" = "$R" ]
	[ "$(field T1 branch)" = task/T1 ]
	[ "$(field T1 base)" = main ]
	[ "$(field T1 profile)" = codex ]
	[ "$(field T1 model)" = gpt-9 ]
	[ "$(field T1 keepAgent)" = true ]
	[ "$(field T1 status)" = pending ]
	# Elsewhere, with --repo and --branch; the base is HEAD when it starts: not recorded now.
	cd "$W"
	run --separate-stderr td enqueue --worktree --repo "$R/sub" --id T2 --branch feat/x -- two
	assert_success
	[ "$(field T2 repo)" = "$R" ]
	[ "$(field T2 branch)" = feat/x ]
	[ "$(field T2 base)" = absent ]
	[ "$(field T2 profile)" = absent ]
	# Nothing was made yet.
	[ "$(git -C "$R" worktree list | wc -l)" = 1 ]
	[ ! -e "$W/repo-task-T1" ]
	# ls shows no worktree for tasks not started.
	run --separate-stderr td worktree ls --json
	assert_success
	[ "$(json - 'scalar @{$d->{worktrees}}' <<<"$output")" = 0 ]
}

@test "enqueue --worktree refusals: one line, exit 2, state byte-identical" {
	refused 2 "$W is not in a git repository" --worktree -- x
	cd "$R"
	refused 2 "--base nope is not a commit in $R" --worktree --base nope -- x
	git -C "$R" branch task/q-1
	refused 2 "branch task/q-1 exists in $R" --worktree -- x
	refused 2 "branch main exists" --worktree --branch main --id B1 -- x
	refused 2 "'bad..name' is not a branch name git accepts" --worktree --branch bad..name -- x
	refused 2 "'-x' is not a branch name" --worktree --branch -x -- x
	mkdir "$W/repo-task-P1"
	refused 2 "$W/repo-task-P1 exists" --worktree --id P1 -- x
	refused 2 "$W/nowhere is not in a git repository" --worktree --repo "$W/nowhere" -- x
	refused 2 "is not in a git repository" --worktree --repo "$W" -- x
	refused 2 "names its agent task-ID" --worktree --id a/b -- x
	refused 2 "no --to" --worktree --to somebody -- x
	refused 2 "--worktree and --oneshot" --worktree --oneshot --profile claude -- x
	refused 2 "--base is for --worktree" --base HEAD -- x
	refused 2 "--keep-agent is for --worktree" --keep-agent -- x
	refused 2 "--model is for --oneshot or --worktree" --model m -- x
	refused 2 "profile 'shell' has no \"launch\"" --worktree --profile shell -- x
	refused 4 "no profile 'nope'" --worktree --profile nope -- x
	refused 2 "model starts with '-'" --worktree --model -x -- x
	[ "$(git -C "$R" worktree list | wc -l)" = 1 ]
}

@test "import: worktree tasks checked as enqueue --worktree; a refusal writes nothing" {
	cd "$R"
	cat >tasks.json <<-EOF
	{"tasks": [
	 {"id": "W1", "command": "one", "worktree": true, "profile": "codex", "keepAgent": true},
	 {"id": "W2", "command": "two", "worktree": true, "repo": "$R/sub", "branch": "w/two",
	  "base": "HEAD", "dependsOn": ["W1"]}]}
	EOF
	run --separate-stderr td import tasks.json
	assert_success
	assert_output "added 2: W1, W2"
	[ "$(field W1 repo)" = "$R" ]
	[ "$(field W1 branch)" = task/W1 ]
	[ "$(field W1 keepAgent)" = true ]
	[ "$(field W2 branch)" = w/two ]
	for bad in '"worktree": 1' '"worktree": "/x", "repo": "."' '"worktree": true, "base": "nope"' \
	    '"worktree": true, "branch": "main"' '"worktree": true, "keepAgent": 1' \
	    '"worktree": true, "oneshot": true, "profile": "claude"'; do
		echo "{\"tasks\": [{\"id\": \"N1\", \"command\": \"x\"}, {\"id\": \"X1\", \"command\": \"x\", $bad}]}" >bad.json
		before=$(fingerprint "$S")
		run --separate-stderr td import bad.json
		assert_failure 2
		assert_one_error_line
		[[ $stderr == *"tasks[1] (X1)"* ]] || fail "$bad: $stderr"
		[ "$(fingerprint "$S")" = "$before" ]
	done
	cd "$W"
	echo '{"tasks": [{"id": "O1", "command": "x", "worktree": true}]}' >out.json
	run --separate-stderr td import out.json
	assert_failure 2
	assert_one_error_line
	[[ $stderr == *"is not in a git repository"* ]]
}

@test "git's own variables never point a worktree task at another repository" {
	# A helper run from a git hook inherits GIT_DIR and GIT_WORK_TREE: git -C would then act
	# on that repository, not the one the task names.
	local other="$W/other"
	git init -q -b main "$other"
	git -C "$other" commit -q --allow-empty -m other
	cd "$R/sub"
	GIT_DIR="$other/.git" GIT_WORK_TREE="$other" run --separate-stderr td enqueue --worktree \
	    --id T9 --base main -- "write it"
	assert_success
	[ "$(field T9 repo)" = "$R" ]
}
