#!/usr/bin/env bats
# Worker limits (issue 11): limit set | rm | ls [--json], stored as "limits" in the state file;
# names that are not all, a terminal or a group, and numbers out of range, are refused and leave
# the file byte-identical. (That a check never starts an item past a limit: tests/tmux/limits.bats.)
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
	td terminal add gen-1 s:1 >/dev/null
	td terminal add gen-2 s:2 >/dev/null
	td terminal add rev-1 s:3 --group reviewers >/dev/null
}

# refused STATUS CMD...: CMD exits STATUS with one error line and the state file is unchanged,
# byte for byte and not rewritten.
refused() {
	local want=$1 before
	shift
	cp "$S" "$BATS_TEST_TMPDIR/before"
	before=$(fingerprint "$S")
	run --separate-stderr td "$@"
	assert_failure "$want"
	assert_one_error_line
	cmp "$BATS_TEST_TMPDIR/before" "$S" || fail "td $* changed the state file"
	[ "$(fingerprint "$S")" = "$before" ] || fail "td $* rewrote the state file"
}

# A hand-written queue: two running on gen-1 and gen-2 (one recorded by its terminal, one only
# by assignedTo, as a planner may write it), one on rev-1, one running for anyone and pending ones.
running_state() {
	cat >"$S" <<-'EOF'
	{"terminals": {"gen-1": {"target": "s:1", "group": "gen"},
	               "gen-2": {"target": "s:2", "group": "gen"},
	               "rev-1": {"target": "s:3", "group": "reviewers"}},
	 "queue": [
	  {"id": "a", "command": "x", "status": "running", "terminal": "gen-1", "assignedTo": "gen"},
	  {"id": "b", "command": "x", "status": "running", "assignedTo": "gen-2"},
	  {"id": "c", "command": "x", "status": "running", "terminal": "rev-1"},
	  {"id": "d", "command": "x", "status": "running"},
	  {"id": "e", "command": "x", "status": "pending", "assignedTo": "gen-1"},
	  {"id": "f", "command": "x", "status": "pending"}],
	 "completedToday": [
	  {"id": "g", "command": "x", "status": "done", "terminal": "gen-1"}],
	 "limits": {"all": 5, "gen": 2, "gen-1": 1, "reviewers": 0}}
	EOF
}

@test "limit set: all, a group, a terminal; stored as \"limits\" in the state file" {
	run --separate-stderr td limit set all 3
	assert_success
	assert_output ''
	td limit set gen 2
	td limit set rev-1 0
	[ "$(json "$S" '$d->{limits}')" = '{"all":3,"gen":2,"rev-1":0}' ]
	# setting one again replaces it where it is
	td limit set all 4
	run json "$S" 'join " ", map { "$_=$d->{limits}{$_}" } sort keys %{$d->{limits}}'
	assert_output "all=4 gen=2 rev-1=0"
	grep -q '"all": 4,' "$S" || fail "all was moved: $(cat "$S")"
	# the largest and the smallest
	td limit set reviewers 1000000
	td limit set gen-1 0
	[ "$(json "$S" '$d->{limits}{reviewers}')" = 1000000 ]
	[ "$(json "$S" '$d->{limits}{"gen-1"}')" = 0 ]
	# other keys survive
	[ "$(json "$S" '$d->{terminals}{"gen-1"}{target}')" = s:1 ]
}

@test "limit set: a name that is not all, a registered terminal or its group: exit 4, file unchanged" {
	td limit set all 2
	local name
	for name in nope generator gen-3 all-gen reviewer 'a/b' ''; do
		refused 4 limit set "$name" 1
		[[ "$stderr" == *"no terminal or group '$name'"* ]] || fail "$name: $stderr"
	done
	# a terminal removed is no longer a name to limit
	td terminal rm rev-1
	refused 4 limit set rev-1 1
	refused 4 limit set reviewers 1
}

@test "limit set: N must be a whole number from 0 to 1000000 (exit 2, file unchanged)" {
	td limit set gen 2
	local n
	for n in x 1.5 1000001 '' 2x ' ' 99999999999999999999 0x10; do
		refused 2 limit set all "$n"
		[[ "$stderr" == *"N must be a whole number from 0 to 1000000"* ]] || fail "$n: $stderr"
	done
	refused 2 limit set all -1
	refused 2 limit set all
	refused 2 limit set gen 1 2
	refused 2 limit set
	# a usage error comes before the name is looked up
	refused 2 limit set nope x
	[ "$(json "$S" '$d->{limits}')" = '{"gen":2}' ]
}

@test "limit rm: removes one; the last one gone, the file has no \"limits\"; none there: exit 4" {
	td limit set all 3
	td limit set gen 1
	run --separate-stderr td limit rm all
	assert_success
	assert_output ''
	[ "$(json "$S" '$d->{limits}')" = '{"gen":1}' ]
	refused 4 limit rm all
	[[ "$stderr" == *"no limit for 'all'"* ]] || fail "$stderr"
	refused 4 limit rm rev-1
	refused 4 limit rm nope
	refused 2 limit rm
	refused 2 limit rm gen all
	td limit rm gen
	[ "$(json "$S" 'exists $d->{limits} ? "present" : "absent"')" = absent ]
	refused 4 limit rm gen
}

@test "limit rm: a limit whose terminal is gone can still be removed" {
	td limit set rev-1 1
	td terminal rm rev-1
	run td limit rm rev-1
	assert_success
	[ "$(json "$S" 'exists $d->{limits} ? "present" : "absent"')" = absent ]
}

@test "limit ls: NAME KIND LIMIT RUNNING, in the file's order, counting running items as a check does" {
	running_state
	run --separate-stderr td limit ls
	assert_success
	# all: a b c d; gen: a (on gen-1) and b (assigned to gen-2); gen-1: a; reviewers: c
	assert_output - <<-'EOF'
	NAME                 KIND       LIMIT RUNNING
	all                  all            5       4
	gen                  group          2       2
	gen-1                terminal       1       1
	reviewers            group          0       1
	EOF
}

@test "limit ls --json: {\"limits\": [{name, kind, limit, running}]}" {
	running_state
	run --separate-stderr td limit ls --json
	assert_success
	run json - '$d->{limits}' <<<"$output"
	assert_output '[{"kind":"all","limit":5,"name":"all","running":4},{"kind":"group","limit":2,"name":"gen","running":2},{"kind":"terminal","limit":1,"name":"gen-1","running":1},{"kind":"group","limit":0,"name":"reviewers","running":1}]'
	# nothing set: an empty list, and the plain form prints nothing
	printf '{}' >"$S"
	run td limit ls --json
	assert_success
	[ "$(json - '$d' <<<"$output")" = '{"limits":[]}' ]
	run --separate-stderr td limit ls
	assert_success
	assert_output ''
}

@test "limit ls: a limit no terminal answers to now is of kind none, with nothing running" {
	td limit set rev-1 1
	td limit set reviewers 2
	td terminal rm rev-1
	run td limit ls
	assert_success
	assert_line --regexp '^rev-1 +none +1 +0$'
	assert_line --regexp '^reviewers +none +2 +0$'
	run td limit ls --json
	[ "$(json - '[map { $_->{kind} } @{$d->{limits}}]' <<<"$output")" = '["none","none"]' ]
}

@test "limit ls: a terminal named as its own group is counted as the group" {
	td terminal add solo s:4 >/dev/null
	td terminal add solo-2 s:5 --group solo >/dev/null
	td limit set solo 1
	run td limit ls --json
	[ "$(json - '$d->{limits}[0]{kind}' <<<"$output")" = group ]
}

@test "limit ls: usage errors and a state whose limits are invalid" {
	run --separate-stderr td limit ls extra
	assert_failure 2
	assert_one_error_line
	local bad
	for bad in '"limits": []' '"limits": {"all": -1}' '"limits": {"all": 1.5}' \
	    '"limits": {"all": 1000001}' '"limits": {"gen": "2"}' '"limits": {"a/b": 1}'; do
		printf '{%s}' "$bad" >"$S"
		cp "$S" "$BATS_TEST_TMPDIR/before"
		run --separate-stderr td limit ls
		assert_failure 3
		assert_one_error_line
		[[ "$stderr" == *limits* ]] || fail "$bad: $stderr"
		refused 3 limit set all 1
		refused 3 limit rm all
	done
}

@test "limit --help, limit set --help, and the family without a subcommand" {
	run td limit --help
	assert_success
	assert_line "usage: tmux-dispatch limit set all|GROUP|TERMINAL N"
	assert_line "usage: tmux-dispatch limit rm NAME"
	assert_line "usage: tmux-dispatch limit ls [--json]"
	run td limit set --help
	assert_success
	assert_output --partial "0 (nothing starts there) to 1000000"
	run --separate-stderr td limit
	assert_failure 2
	assert_one_error_line
	[[ "$stderr" == *"one of: set, rm, ls"* ]] || fail "$stderr"
	run --separate-stderr td limit show
	assert_failure 2
}
