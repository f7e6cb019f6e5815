#!/usr/bin/env bats
# A git worktree and a fresh agent per task (issue 12): enqueue --worktree makes the worktree and
# starts an agent there, the item is typed once the agent is idle, its commits and diffstat are
# recorded at the end and the agent shut down (or kept); worktree ls and the conservative
# worktree rm. The fake agent's --commit writes and commits each submission in its worktree.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common
load ../lib/tmux

setup() {
	tmux_setup
	unset TMUX_DISPATCH_PROFILES
	export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
	export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
	R="$W/repo"
	git init -q -b main "$R"
	echo one >"$R/a.txt"
	git -C "$R" add a.txt
	git -C "$R" commit -q -m one
	tmux -f /dev/null new-session -d -s t -n base -x 120 -y 40 -c "$W" sleep 600
	TMUX_SERVER_PID=$(tmux display -p '#{pid}')
	SESS="$W/.terminal-status.d/sessions"
	profile fake
	cd "$R" || return 1
}

teardown() {
	tmux_teardown
}

# profile NAME [FAKEAGENT OPTIONS...]: a trusted profile NAME, the claude one launching the fake
# agent, which commits each submission to work.txt in its directory; it draws its prompt only
# after a second, so the check that starts it never finds it idle.
profile() {
	local name=$1
	shift
	td profiles show claude | FA="$FAKEAGENT" A="$A" N="$name" perl -MJSON::PP -e '
		local $/; my $d = decode_json(<STDIN>); my $p = $d->{claude};
		$p->{launch} = [$ENV{FA}, "--log", "$ENV{A}/fake.log", "--events", "$ENV{A}/fake.ev",
		    "--busy", "0.3", "--startup-delay", "1", "--commit", "work.txt", @ARGV];
		print JSON::PP->new->utf8->encode({$ENV{N} => $p})' -- "$@" >"$W/tmux-dispatch.profiles.json"
	td trust "$W/tmux-dispatch.profiles.json" >/dev/null
}

# checked CMD...: a check (as the silence hook runs one), then CMD; for wait_for.
checked() { td check >/dev/null 2>&1; "$@"; }
done_item() { [ "$(in_completed "$1")" = 1 ]; }
has_terminal() { [ "$(json "$S" "exists \$d->{terminals}{'$1'} ? 1 : 0")" = 1 ]; }

# A task T run to its end: enqueued, delivered, done.
run_task() { # ID [ENQUEUE OPTIONS...]
	local id=$1
	shift
	td enqueue --worktree --profile fake --id "$id" "$@" -- "work on $id" >/dev/null
	TD_WAIT=20 wait_for checked done_item "$id"
}

@test "a worktree task: branch and worktree made, agent started, item typed once idle, commits counted, agent shut down" {
	base=$(git -C "$R" rev-parse HEAD)
	# An idle terminal of the user's: it never takes a worktree task.
	agent a1 --busy 0.2
	run --separate-stderr td enqueue --worktree --profile fake --id T1 -- "write the parser"
	assert_success
	assert_output T1
	# The worktree and its agent exist at once; nothing is typed into the agent yet.
	[ "$(git -C "$R" rev-parse task/T1)" = "$base" ]
	git -C "$R" worktree list --porcelain | grep -qx "worktree $W/repo-task-T1"
	[ -f "$W/repo-task-T1/a.txt" ]
	assert_item T1 status pending
	assert_item T1 assignedTo task-T1
	assert_item T1 repo "$R"
	assert_item T1 base "$base"
	assert_item T1 branch task/T1
	assert_item T1 worktree "$W/repo-task-T1"
	[ "$(json "$S" '$d->{terminals}{"task-T1"}{spawned}, $d->{terminals}{"task-T1"}{group}')" = \
	    "$(printf '%s\n' true task)" ]
	pane=$(json "$S" '$d->{terminals}{"task-T1"}{target}')
	[ "$(tmux display -p -t "$pane" '#{session_name} #{pane_current_path}')" = \
	    "dispatch-tasks $W/repo-task-T1" ]
	[ "$(json "$SESS/task-T1.json" '$d->{cwd}, $d->{worktree}, $d->{branch}')" = \
	    "$(printf '%s\n' "$W/repo-task-T1" "$W/repo-task-T1" task/T1)" ]
	[ "$(taken fake)" = 0 ]
	# A later check, once the agent is idle, types it; the agent commits in its worktree.
	wait_for checked taken_ge fake 1
	assert_took fake "write the parser"
	# Work for the task group meanwhile: the agent shut down after T1 must not take it.
	td enqueue --to task --id X1 -- extra >/dev/null
	TD_WAIT=20 wait_for checked done_item T1
	assert_item T1 status done
	assert_item T1 commitsAhead 1
	assert_item T1 diffstat "1 file changed, 1 insertion(+)"
	# The result folder has the same facts.
	folder=$(item_field T1 result)
	[ "$(json "$folder/worktree.json" '$d->{branch}, $d->{commitsAhead}, $d->{diffstat}')" = \
	    "$(printf '%s\n' task/T1 1 "1 file changed, 1 insertion(+)")" ]
	[ "$(git -C "$R" show task/T1:work.txt)" = "write the parser" ]
	# Its agent is shut down: the terminal, the pane and the session file are gone.
	has_terminal task-T1 && fail "task-T1 is still a terminal"
	[ ! -e "$SESS/task-T1.json" ]
	wait_for bash -c "! tmux display -p -t '$pane' '#{pane_id}' 2>/dev/null | grep -qx '$pane'"
	# The worktree and the branch stay; the main tree did not move.
	[ -d "$W/repo-task-T1" ]
	[ "$(git -C "$R" rev-parse HEAD)" = "$base" ]
	# It was asked to quit with the profile's quit keys first.
	[ "$(taken fake)" = 2 ]
	[ "$(taken_hex fake 2)" = "$(hex_str /exit)" ]
	assert_item X1 status pending
	[ "$(taken a1)" = 0 ]
}

@test "a check of a user's terminal never takes a worktree task waiting to start" {
	agent a1 --busy 0.2
	td pause >/dev/null
	td enqueue --worktree --profile fake --id W1 -- "not for a1" >/dev/null
	run --separate-stderr td check a1
	assert_success
	assert_output "a1: nothing ready"
	[ "$(taken a1)" = 0 ]
	assert_item W1 status pending
	assert_item W1 worktree true
}

@test "a task whose agent was shut down before its item gets a new agent in the same worktree" {
	td enqueue --worktree --profile fake --id D1 -- "work on D1" >/dev/null
	base=$(json "$S" '$d->{queue}[0]{base}')
	run --separate-stderr td down task-D1
	assert_success
	has_terminal task-D1 && fail "task-D1 is still a terminal"
	assert_item D1 status pending
	run --separate-stderr td check
	assert_success
	assert_line --partial "task-D1: started again for D1 in $W/repo-task-D1"
	TD_WAIT=20 wait_for checked done_item D1
	assert_item D1 base "$base"
	assert_item D1 commitsAhead 1
	[ "$(grep -cx "$(hex_str "work on D1")" "$A/fake.log")" = 1 ]
	# Its worktree gone, a pending orphan fails instead of starting anywhere else.
	td pause >/dev/null
	td enqueue --worktree --profile fake --id D2 -- "work on D2" >/dev/null
	td check >/dev/null
	td down task-D2 >/dev/null
	git -C "$R" worktree remove --force "$W/repo-task-D2"
	run --separate-stderr td check
	assert_line "task-D2: failed D2: its worktree $W/repo-task-D2 is gone"
	assert_item D2 status failed
}

@test "--keep-agent leaves the agent running after its item" {
	run_task K1 --keep-agent
	has_terminal task-K1
	pane=$(json "$S" '$d->{terminals}{"task-K1"}{target}')
	[ "$(tmux display -p -t "$pane" '#{pane_dead}')" = 0 ]
	[ -f "$SESS/task-K1.json" ]
	assert_item K1 commitsAhead 1
	[ "$(json "$S" '$d->{terminals}{"task-K1"}{task}')" = K1 ]
	# A kept agent takes no other work: it was started for K1.
	td enqueue --id Z1 -- "for anyone" >/dev/null
	td check >/dev/null
	assert_item Z1 status pending
	[ "$(taken fake)" = 1 ]
	# A kept agent's terminal makes rm wait for down.
	run --separate-stderr td worktree rm K1 --force
	assert_failure 1
	assert_one_error_line
	[[ $stderr == *"its agent task-K1 is still a terminal"* ]]
	[ -d "$W/repo-task-K1" ]
}

@test "worktree ls --json: path, branch, dirty, commits ahead, merged" {
	run_task L1
	run --separate-stderr td worktree ls --json
	assert_success
	[ "$(json - '$d->{worktrees}[0]{id}, $d->{worktrees}[0]{status}, $d->{worktrees}[0]{path},
	    $d->{worktrees}[0]{branch}, $d->{worktrees}[0]{repo}, $d->{worktrees}[0]{exists},
	    $d->{worktrees}[0]{dirty}, $d->{worktrees}[0]{commitsAhead},
	    $d->{worktrees}[0]{merged}' <<<"$output")" = \
	    "$(printf '%s\n' L1 done "$W/repo-task-L1" task/L1 "$R" true false 1 false)" ]
	echo scratch >"$W/repo-task-L1/scratch"
	git -C "$R" merge -q --ff-only task/L1
	[ "$(td worktree ls --json | json - '$d->{worktrees}[0]{dirty}, $d->{worktrees}[0]{merged}')" = \
	    "$(printf '%s\n' true true)" ]
	run td worktree ls
	assert_success
	assert_line --regexp '^L1 +done +task/L1 +dirty +1 yes +'"$W"'/repo-task-L1$'
}

@test "worktree rm: refuses an unmerged and a dirty one, --force keeps an unmerged branch, a clean merged one goes with its branch" {
	run_task U1
	wt="$W/repo-task-U1"
	before=$(fingerprint "$S")
	run --separate-stderr td worktree rm U1
	assert_failure 1
	assert_one_error_line
	[[ $stderr == *"branch task/U1 is not merged"* ]]
	echo wip >"$wt/wip.txt"
	run --separate-stderr td worktree rm U1
	assert_failure 1
	assert_one_error_line
	[[ $stderr == *"has changes not committed"* ]]
	[ -f "$wt/wip.txt" ]
	[ "$(fingerprint "$S")" = "$before" ]
	# --force: the directory goes, the branch with its unmerged commit stays.
	run --separate-stderr td worktree rm U1 --force
	assert_success
	assert_line "U1: removed $wt"
	assert_line "U1: kept branch task/U1: 1 commit not merged"
	[ ! -e "$wt" ]
	git -C "$R" rev-parse --verify -q refs/heads/task/U1 >/dev/null
	# Merged and clean: removed without --force, and its branch deleted.
	run_task M1
	git -C "$R" merge -q --ff-only task/M1
	run --separate-stderr td worktree rm M1
	assert_success
	assert_line "M1: removed $W/repo-task-M1"
	assert_line "M1: deleted branch task/M1 (merged)"
	[ ! -e "$W/repo-task-M1" ]
	run git -C "$R" rev-parse --verify -q refs/heads/task/M1
	assert_failure
	[ "$(git -C "$R" show HEAD:work.txt)" = "work on M1" ]
}

@test "worktree rm never touches the main work tree or a directory git does not list" {
	mkdir "$W/plain"
	echo keep >"$W/plain/f"
	sha=$(git -C "$R" rev-parse HEAD)
	cat >"$S" <<-EOF
	{"version": 1, "queue": [], "completedToday": [
	 {"id": "main", "command": "x", "status": "done", "worktree": "$R", "repo": "$R",
	  "branch": "main", "base": "$sha"},
	 {"id": "sub", "command": "x", "status": "done", "worktree": "$R/.", "repo": "$R",
	  "branch": "main", "base": "$sha"},
	 {"id": "plain", "command": "x", "status": "done", "worktree": "$W/plain", "repo": "$R",
	  "branch": "main", "base": "$sha"}]}
	EOF
	for id in main sub plain; do
		run --separate-stderr td worktree rm "$id" --force
		assert_failure 1
		assert_one_error_line
		[[ $stderr == *"is not a linked worktree of $R"* ]] || fail "$id: $stderr"
	done
	[ -f "$R/a.txt" ] && [ -f "$W/plain/f" ]
	git -C "$R" rev-parse --verify -q refs/heads/main >/dev/null
	[ "$(git -C "$R" status --porcelain)" = "" ]
}

@test "a failed git step fails the item with git's line; the all limit counts agents starting" {
	td pause >/dev/null
	td enqueue --worktree --profile fake --id G1 -- one >/dev/null
	td enqueue --worktree --profile fake --id G2 -- two >/dev/null
	td enqueue --worktree --profile fake --id G3 -- three >/dev/null
	git -C "$R" branch task/G1
	td limit set all 1 >/dev/null
	run --separate-stderr td check
	assert_success
	assert_line --partial "task-G1: failed G1: fatal: a branch named 'task/G1' already exists"
	assert_line --partial "task-G2: started for G2 in $W/repo-task-G2"
	assert_line "task-G3: G3 waits: worker limit: 1 of all 1 running or starting"
	assert_item G1 status failed
	assert_item G1 reason "fatal: a branch named 'task/G1' already exists"
	[ ! -e "$W/repo-task-G1" ]
	assert_item G3 status pending
	[ ! -e "$W/repo-task-G3" ]
	has_terminal task-G3 && fail "G3 started past the limit"
	true
}

@test "plan --execute --worktrees: every ready item gets its worktree and agent" {
	td pause >/dev/null
	td enqueue --id P1 -- first >/dev/null
	td enqueue --id P2 -- second >/dev/null
	td enqueue --id P3 --after P1 -- third >/dev/null
	echo '[{"id": "P4", "command": "fourth", "worktree": false}]' | td import - >/dev/null
	run --separate-stderr td plan --execute --worktrees --profile fake
	assert_success
	assert_line --partial "task-P1: started for P1"
	assert_line --partial "task-P2: started for P2"
	assert_line "started 2 worktree agents: each is given its item once it is idle"
	[ -d "$W/repo-task-P1" ] && [ -d "$W/repo-task-P2" ] && [ ! -e "$W/repo-task-P3" ]
	assert_item P1 worktree "$W/repo-task-P1"
	assert_item P1 profile fake
	# P3 was not ready: it stays an ordinary item; P4 said no.
	assert_item P3 worktree null
	assert_item P4 worktree false
	[ ! -e "$W/repo-task-P4" ]
}
