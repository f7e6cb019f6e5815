#!/usr/bin/env bats
# The task graph through the CLI (issue 11): plan and its JSON, the pick's order, stuck items,
# cycles written by hand, cancel --with-dependents, and the counts and badge that know stuck.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
}

# The seed's example: three scorers (4h, 4h, 3h) feeding an eval runner (4h) and a CLI run
# command (2h) after it, plus two foundation items outside the chain.
seed() {
	cat > "$S" <<-'EOF'
	{"queue": [
	 {"id": "FND-010", "command": "foundation 10", "estimate": 7200, "phase": "phase-1"},
	 {"id": "FND-011", "command": "foundation 11", "estimate": 3600, "phase": "phase-1"},
	 {"id": "SCR-001", "title": "ToolSelectionScorer", "command": "/implement SCR-001",
	  "estimate": 14400, "phase": "phase-2-scorers"},
	 {"id": "SCR-002", "title": "ReasoningScorer", "command": "/implement SCR-002",
	  "estimate": 14400, "phase": "phase-2-scorers"},
	 {"id": "SCR-003", "title": "LatencyScorer", "command": "/implement SCR-003",
	  "estimate": 10800, "phase": "phase-2-scorers"},
	 {"id": "RUN-001", "title": "Eval runner", "command": "/implement RUN-001", "estimate": 14400,
	  "dependsOn": ["SCR-001", "SCR-002", "SCR-003"]},
	 {"id": "RUN-002", "title": "CLI run command", "command": "/implement RUN-002",
	  "estimate": 7200, "dependsOn": ["RUN-001"]}
	],
	"completedToday": [
	 {"id": "FND-001", "command": "done before", "status": "done", "finishedAt": "2026-01-01T00:00:00Z"}
	]}
	EOF
}

plan_json() {
	td plan --json "$@" | json - "$PLAN_EXPR"
}

@test "plan: the seed's numbers, in text" {
	seed
	run td plan --workers 3
	assert_success
	assert_line 'Dispatch plan'
	assert_line '  Phase: phase-2-scorers   Active: 0   Completed: 1 / 8'
	assert_line '  Ready for parallel execution (5):'
	assert_line --regexp '^    SCR-001  ToolSelectionScorer +4h   critical path 10h, unblocks 2$'
	assert_line --regexp '^    SCR-003  LatencyScorer +3h   critical path 9h, unblocks 2$'
	assert_line --regexp '^    FND-011  foundation 11 +1h   critical path 1h, unblocks 0$'
	assert_line '  Workers 3 (--workers): start now SCR-001, SCR-002, SCR-003; queued FND-010, FND-011'
	# 3 workers: the scorers by 4h, the runner 4h-8h, the CLI command 8h-10h; the foundation
	# items fill the gaps
	assert_line '  Estimated parallel time 10h (3 workers)   sequential 20h   parallelism benefit 2.00x'
	assert_line '  Critical path (10h): SCR-001 -> RUN-001 -> RUN-002'
	assert_line '  Blocked (2):'
	assert_line '    RUN-001  blocked by SCR-001, SCR-002, SCR-003'
	assert_line '    RUN-002  blocked by RUN-001'
	assert_line '  Stuck (0)'
	assert_line '  Idle terminals now: none'
	# the order within the ready list is the pick's: critical path first
	[ "$(printf '%s\n' "$output" | grep 'critical path' | grep -oE '^    [A-Z]+-[0-9]+' | tr -d ' ' | paste -sd,)" = \
	    SCR-001,SCR-002,SCR-003,FND-010,FND-011 ]
}

@test "plan --json: every field, durations in seconds" {
	seed
	run td plan --json --workers 2
	assert_success
	local d=$output
	j() { json - "$1" <<<"$d"; }
	[ "$(j '$d->{workers}')" = 2 ]
	[ "$(j '$d->{phase}')" = phase-2-scorers ]
	[ "$(j '$d->{counts}{ready} . " " . $d->{counts}{blocked} . " " . $d->{counts}{total}')" = "5 2 8" ]
	[ "$(j '$d->{ready}[0]{id} . " " . $d->{ready}[0]{criticalPath} . " " . $d->{ready}[0]{unblocks}')" = "SCR-001 36000 2" ]
	[ "$(j '$d->{ready}[0]{estimate}')" = 14400 ]
	[ "$(j '$d->{ready}[0]{estimateGuessed}')" = false ]
	[ "$(j '$d->{ready}[0]{title}')" = ToolSelectionScorer ]
	[ "$(j '$d->{startNow}')" = '["SCR-001","SCR-002"]' ]
	[ "$(j '$d->{queued}')" = '["SCR-003","FND-010","FND-011"]' ]
	[ "$(j '$d->{blocked}[0]{id}')" = RUN-001 ]
	[ "$(j '$d->{blocked}[0]{blockedBy}')" = '["SCR-001","SCR-002","SCR-003"]' ]
	[ "$(j '$d->{criticalPath}{items}')" = '["SCR-001","RUN-001","RUN-002"]' ]
	[ "$(j '$d->{criticalPath}{seconds}')" = 36000 ]
	[ "$(j '$d->{sequentialSeconds}')" = 72000 ]
	# 2 workers: SCR-001+002 to 4h, SCR-003 and FND-010 to 7h and 6h, FND-011 6h-7h, the
	# runner 7h-11h, the CLI command 11h-13h
	[ "$(j '$d->{parallelSeconds}')" = 46800 ]
	[ "$(j 'sprintf "%.2f", $d->{benefit}')" = 1.54 ]
	[ "$(j '$d->{stuck}')" = '[]' ]
	[ "$(j '$d->{cycles}')" = '[]' ]
	[ "$(j '$d->{idleTerminals}')" = '[]' ]
}

@test "plan: workers default to the all limit, else one per terminal, at least one" {
	seed
	[ "$(td plan --json | json - '$d->{workers}')" = 1 ]
	td terminal add gen-1 s:1 >/dev/null
	td terminal add gen-2 s:2 >/dev/null
	[ "$(td plan --json | json - '$d->{workers}')" = 2 ]
	run td plan
	assert_line --partial '  Workers 2 (one per terminal): start now SCR-001, SCR-002;'
	perl -0pi -e 's/"queue"/"limits": {"all": 3}, "queue"/' "$S"
	[ "$(td plan --json | json - '$d->{workers}')" = 3 ]
	run td plan
	assert_line --partial '  Worker limit 3: start now SCR-001, SCR-002, SCR-003;'
	# a limit of 0 starts nothing; the estimates still assume one worker
	perl -0pi -e 's/"all": 3/"all": 0/' "$S"
	[ "$(td plan --json | json - '$d->{workers} . " " . scalar @{$d->{startNow}}')" = "1 0" ]
	run td plan
	assert_line '  Worker limit 0: start now -; queued SCR-001, SCR-002, SCR-003, FND-010, FND-011'
}

@test "plan: a running item counts with what is left of its estimate" {
	seed
	# SCR-001 started an hour ago: 3h left, so its chain is 9h and the critical path goes
	# through SCR-002 (10h)
	perl -0pi -e 's/"estimate": 14400, "phase": "phase-2-scorers"\}/"estimate": 14400, "phase": "phase-2-scorers", "status": "running", "startedAt": "STARTED"}/' "$S"
	sed -i "0,/STARTED/s//$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)/; s/, \"status\": \"running\", \"startedAt\": \"STARTED\"//" "$S"
	run td plan --json --workers 3
	assert_success
	[ "$(json - '$d->{counts}{running}' <<<"$output")" = 1 ]
	[ "$(json - '$d->{criticalPath}{items}' <<<"$output")" = '["SCR-002","RUN-001","RUN-002"]' ]
	# 20h less the hour SCR-001 has run
	[ "$(json - '$d->{sequentialSeconds}' <<<"$output")" = 68400 ]
	[ "$(json - '$d->{startNow}' <<<"$output")" = '["SCR-002","SCR-003"]' ]
}

@test "plan: missing estimates are the median of the graph, marked guessed; one hour when none has one" {
	cat > "$S" <<-'EOF'
	{"queue": [{"id": "a", "command": "a", "estimate": 600}, {"id": "b", "command": "b", "estimate": 1800},
	 {"id": "c", "command": "c", "estimate": 3000}, {"id": "d", "command": "d"}]}
	EOF
	run td plan --json
	[ "$(json - '[map { $_->{id} . "=" . $_->{estimate} . ($_->{estimateGuessed} ? "~" : "") } @{$d->{ready}}]' <<<"$output")" = '["c=3000","b=1800","d=1800~","a=600"]' ]
	run td plan
	assert_line --regexp '^    d  d +~30m   critical path 30m, unblocks 0$'
	echo '{"queue": [{"id": "x", "command": "x"}]}' > "$S"
	[ "$(td plan --json | json - '$d->{ready}[0]{estimate}')" = 3600 ]
}

@test "a failed dependency makes its dependents stuck, with the root cause, until retried and done" {
	cat > "$S" <<-'EOF'
	{"queue": [{"id": "q-4", "command": "after", "dependsOn": ["q-3"]},
	           {"id": "q-5", "command": "after after", "dependsOn": ["q-4"]},
	           {"id": "q-6", "command": "free"}],
	 "completedToday": [{"id": "q-3", "command": "root", "status": "failed", "reason": "timeout",
	                     "finishedAt": "2026-01-01T00:00:00Z"}]}
	EOF
	run td plan
	assert_line '  Stuck (2):'
	assert_line '    q-4  stuck: q-3 failed (timeout)'
	assert_line '    q-5  stuck: q-3 failed (timeout)'
	run td plan --json
	[ "$(json - '$d->{stuck}' <<<"$output")" = '[{"id":"q-4","reason":"q-3 failed (timeout)","root":"q-3"},{"id":"q-5","reason":"q-3 failed (timeout)","root":"q-3"}]' ]
	[ "$(json - '$d->{counts}{stuck}' <<<"$output")" = 2 ]
	run td ls --status stuck
	assert_success
	assert_line --regexp '^q-4 +stuck '
	assert_line --regexp '^q-5 +stuck '
	refute_line --regexp '^q-6'
	[ "$(td ls --json | json - '[map { $_->{why} } grep { $_->{id} eq "q-5" } @{$d->{items}}]')" = '["stuck: q-3 failed (timeout)"]' ]
	run td status
	assert_line 'queue: 3 pending (1 ready, 0 blocked, 2 stuck), 0 running; today: 0 done, 1 failed, 0 cancelled'
	assert_line 'needs you: q-4 stuck: q-3 failed (timeout)'
	assert_line 'needs you: q-5 stuck: q-3 failed (timeout)'
	[ "$(td status --json | json - '$d->{counts}{stuck}')" = 2 ]
	[ "$(td status --json | json - '$d->{attention}[1]')" = '{"id":"q-5","why":"stuck: q-3 failed (timeout)"}' ]
	run td badge --format '%p/%b/%s'
	assert_output 3/0/2
	# retried, it is pending again: what waits on it is blocked, not stuck
	td retry q-3
	[ "$(td badge --format '%b/%s')" = 2/0 ]
	td done q-3
	[ "$(td ls --json | json - '[map { $_->{id} } grep { $_->{ready} } @{$d->{items}}]')" = '["q-4","q-6"]' ]
}

@test "a cycle written by hand loads, never starts, and plan, status and ls say why" {
	cat > "$S" <<-'EOF'
	{"queue": [{"id": "a", "command": "a", "dependsOn": ["c"]}, {"id": "b", "command": "b", "dependsOn": ["a"]},
	           {"id": "c", "command": "c", "dependsOn": ["b"]}, {"id": "d", "command": "d", "dependsOn": ["c"]},
	           {"id": "e", "command": "e", "dependsOn": ["e"]}, {"id": "f", "command": "f"},
	           {"id": "g", "command": "g", "dependsOn": ["nowhere"]}]}
	EOF
	run td plan
	assert_success
	assert_line '    a  never starts: on the cycle a -> b -> c -> a'
	assert_line '    d  never starts: behind the cycle a -> b -> c -> a'
	assert_line '    e  never starts: on the cycle e -> e'
	assert_line '    g  never starts: waits on nowhere, which is not in the state file'
	assert_line --regexp '^    f  f '
	run td plan --json
	[ "$(json - '$d->{cycles}' <<<"$output")" = '[["a","b","c"],["e"]]' ]
	[ "$(json - '[map { $_->{id} } @{$d->{blocked}}]' <<<"$output")" = '["a","b","c","d","e","g"]' ]
	# never in the pick: a check offers nothing on the cycle (here: no terminal takes anything)
	run td ls
	assert_line --regexp '^a +blocked '
	assert_line --regexp 'never starts: on the cycle a -> b -> c -> a$'
	run td ls --json
	[ "$(json - '[map { $_->{why} } grep { $_->{id} eq "d" } @{$d->{items}}]' <<<"$output")" = '["never starts: behind the cycle a -> b -> c -> a"]' ]
	run td status
	assert_line 'needs you: a never starts: on the cycle a -> b -> c -> a'
	assert_line 'needs you: e never starts: on the cycle e -> e'
	refute_line --partial 'needs you: f '
	[ "$(td status --json | json - 'join ",", map { $_->{id} } @{$d->{attention}}')" = a,b,c,d,e,g ]
}

@test "status names at most ten items that need someone, then how many more" {
	perl -e 'print "{\"queue\": [", join(",", map { "{\"id\": \"w$_\", \"command\": \"w\", \"dependsOn\": [\"gone\"]}" } 1 .. 12), "]}"' > "$S"
	run td status
	assert_success
	[ "$(grep -c '^needs you: w' <<<"$output")" = 10 ]
	assert_line 'needs you: 2 more (tmux-dispatch plan lists them all)'
	[ "$(td status --json | json - 'scalar @{$d->{attention}}')" = 12 ]
}

@test "cancel --with-dependents cancels the item and everything after it; nothing else" {
	cat > "$S" <<-'EOF'
	{"queue": [{"id": "a", "command": "a"}, {"id": "b", "command": "b", "dependsOn": ["a"]},
	           {"id": "c", "command": "c", "dependsOn": ["b"]}, {"id": "d", "command": "d", "dependsOn": ["a", "x"]},
	           {"id": "x", "command": "x"}, {"id": "y", "command": "y", "dependsOn": ["x"]}]}
	EOF
	run td cancel a --with-dependents
	assert_success
	assert_output 'cancelled: a, b, d, c'
	[ "$(td ls --json | json - '[map { "$_->{id}=$_->{status}" } @{$d->{items}}]')" = '["x=pending","y=pending","a=cancelled","b=cancelled","d=cancelled","c=cancelled"]' ]
	# of a failed item: what depends on it, the item keeping its status
	td fail x --reason broke
	run td cancel x --with-dependents
	assert_success
	assert_output 'cancelled: y'
	[ "$(td ls --json | json - '[map { $_->{status} } grep { $_->{id} eq "x" } @{$d->{items}}]')" = '["failed"]' ]
	# without the option, a finished item cannot be cancelled, as before
	run td cancel x
	assert_failure 1
}

@test "the pick follows the plan's order: priority, critical path, unblocks, phase, shorter, older" {
	# plan's ready list is in the pick's order (the same comparison, without a terminal)
	cat > "$S" <<-'EOF'
	{"queue": [
	 {"id": "old-short", "command": "1", "estimate": 600, "createdAt": "2026-01-01T00:00:00Z"},
	 {"id": "new-short", "command": "2", "estimate": 600, "createdAt": "2026-01-02T00:00:00Z"},
	 {"id": "long", "command": "3", "estimate": 1200},
	 {"id": "chain", "command": "4", "estimate": 600},
	 {"id": "after-chain", "command": "5", "estimate": 600, "dependsOn": ["chain"]},
	 {"id": "urgent", "command": "6", "estimate": 60, "priority": 5},
	 {"id": "fan", "command": "7", "estimate": 300},
	 {"id": "fan-1", "command": "8", "estimate": 300, "dependsOn": ["fan"]},
	 {"id": "fan-2", "command": "9", "estimate": 300, "dependsOn": ["fan"]},
	 {"id": "short-chain", "command": "10", "estimate": 300},
	 {"id": "after-short", "command": "11", "estimate": 300, "dependsOn": ["short-chain"]}
	]}
	EOF
	# urgent first (priority); long and chain tie at 20m of critical path, and chain unblocks
	# one; fan and short-chain tie at 10m, and fan unblocks two; old-short and new-short tie
	# on everything but age
	run td plan --json
	[ "$(json - '[map { $_->{id} } @{$d->{ready}}]' <<<"$output")" = '["urgent","chain","long","fan","short-chain","old-short","new-short"]' ]
}
