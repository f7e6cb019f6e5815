#!/usr/bin/env bats
# The queue CLI: terminals, enqueue, groups, allowlists, ls, item transitions, completedToday
# and the history, status, badge, help, usage errors and exit statuses.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
}

# Four terminals in two groups and one on its own.
add_fleet() {
	td terminal add generator-1 sh:1 > /dev/null
	td terminal add generator-2 sh:2 > /dev/null
	td terminal add reviewer-1 sh:3 > /dev/null
	td terminal add solo %7 --group lone > /dev/null
}

# item ID FIELD: one field of one item as ls --json shows it.
item() {
	td ls --json | json - "my (\$i) = grep { \$_->{id} eq '$1' } @{\$d->{items}}; \$i ? \$i->{$2} : 'no such item'"
}

count_items() {
	td ls --json | json - 'scalar @{$d->{items}}'
}

# ---------------------------------------------------------------------------------------------
# terminal add | rm | ls | import

@test "terminal add registers a pane; profile auto and group NAME-without--N by default" {
	run --separate-stderr td terminal add generator-12 scripthammer:7
	assert_success
	assert_output ''
	[ "$(json "$S" '$d->{terminals}{"generator-12"}')" = \
	    '{"group":"generator","profile":"auto","target":"scripthammer:7"}' ]
	run td terminal add writer sh:2.1 --profile claude --group docs --allow /doc --allow '/spec '
	assert_success
	[ "$(json "$S" '$d->{terminals}{writer}')" = \
	    '{"allow":["/doc","/spec "],"group":"docs","profile":"claude","target":"sh:2.1"}' ]
}

@test "terminal add refuses an existing name unless --replace, which keeps what it is not told" {
	printf '{"terminals": {"g-1": {"target": "s:1", "profile": "codex", "group": "x", "allow": ["/a"], "color": "red"}}}' > "$S"
	run --separate-stderr td terminal add g-1 s:2
	assert_failure 1
	assert_one_error_line
	[ "$(json "$S" '$d->{terminals}{"g-1"}{target}')" = s:1 ]
	run td terminal add --replace g-1 s:2
	assert_success
	[ "$(json "$S" '$d->{terminals}{"g-1"}')" = \
	    '{"allow":["/a"],"color":"red","group":"x","profile":"codex","target":"s:2"}' ]
}

@test "terminal names: [A-Za-z0-9._-]{1,64}, anything else refused with exit 2 and a clear error" {
	local name long64 long65
	long64=$(printf 'a%.0s' {1..64})
	long65=$(printf 'a%.0s' {1..65})
	for name in a Z9 A.b_c-1 generator-1 ... "$long64"; do
		run --separate-stderr td terminal add "$name" s:1
		assert_success
	done
	[ "$(json "$S" 'scalar keys %{$d->{terminals}}')" -eq 6 ]
	for name in '' "$long65" 'a b' a/b a:b 'a;b' 'é' $'a\nb' $'a\tb' 'a*' '$x' 'a@b' '%1'; do
		run --separate-stderr td terminal add "$name" s:1
		[ "$status" -eq 2 ] || fail "'$name' gave exit $status"
		assert_one_error_line
		[[ "$stderr" == *"invalid terminal name"* ]] || fail "unclear: $stderr"
	done
	[ "$(json "$S" 'scalar keys %{$d->{terminals}}')" -eq 6 ]
}

@test "targets: session:window[.pane], %N and @N; a trailing ';', a leading '-' and control characters refused" {
	# (Not "i": bats's run overwrites it.)
	local target n=0
	for target in s:1 s:1.0 my-session:editor 'my session:2.13' s:w.3 %0 %17 @4 @123; do
		n=$((n + 1))
		run --separate-stderr td terminal add "ok-$n" -- "$target"
		assert_success
		[ "$(json "$S" "\$d->{terminals}{'ok-$n'}{target}")" = "$target" ]
	done
	for target in '' s 's:1;' 's:1.0;' 's:1\;' '-t' '-s:1' '%' '%x' '%1;' '@' '@1.2' 's:1.x' 's:1.' \
	    ':1' 's:1:2' 's.x:1' $'s:1\e[A' $'s:\n1' $'s:1\r' $'s:1\x7f' $'s:1\x01' $'\e'; do
		run --separate-stderr td terminal add bad -- "$target"
		[ "$status" -eq 2 ] || fail "target '$target' gave exit $status"
		assert_one_error_line
		[[ "$stderr" == *"invalid tmux target"* ]] || fail "unclear: $stderr"
	done
	[ "$(json "$S" '$d->{terminals}{bad} // "none"')" = none ]
}

@test "terminal rm forgets a terminal and keeps its items; an unknown name is exit 4" {
	add_fleet
	td enqueue --to solo /work > /dev/null
	run --separate-stderr td terminal rm solo
	assert_success
	[ "$(json "$S" 'join ",", sort keys %{$d->{terminals}}')" = generator-1,generator-2,reviewer-1 ]
	[ "$(item q-1 assignedTo)" = solo ]
	run --separate-stderr td terminal rm solo
	assert_failure 4
	assert_one_error_line
	run --separate-stderr td terminal rm
	assert_failure 2
}

@test "terminal rm of a terminal with a running item: refused, state unchanged; --force puts it back to pending" {
	cat >"$S" <<-'EOF'
	{"terminals": {"gen-1": {"target": "s:1"}, "gen-2": {"target": "s:2"}},
	 "queue": [
	  {"id": "a", "command": "x", "status": "running", "terminal": "gen-1", "pane": "%3",
	   "assignedTo": "gen-1", "attempts": 1, "startedAt": "2026-12-01T10:00:00Z"},
	  {"id": "b", "command": "y", "status": "running", "terminal": "gen-2", "pane": "%4"}]}
	EOF
	local fp
	fp=$(fingerprint "$S")
	run --separate-stderr td terminal rm gen-1
	assert_failure 1
	assert_one_error_line
	[[ "$stderr" == *"terminal 'gen-1' is working on a"*"--force"* ]] || fail "unclear: $stderr"
	[ "$(fingerprint "$S")" = "$fp" ] || fail "the state changed"
	run --separate-stderr td terminal rm gen-1 --force
	assert_success
	assert_output 'gen-1: a back to pending'
	[ "$(json "$S" 'join ",", sort keys %{$d->{terminals}}')" = gen-2 ]
	[ "$(item a status)" = pending ]
	[ "$(item a attempts)" = 1 ]
	[ "$(item a assignedTo)" = gen-1 ]
	[ "$(json "$S" '$d->{queue}[0]{terminal} // "none"')" = none ]
	[[ "$(json "$S" '$d->{queue}[0]{deferred}')" == *"removed while it ran"* ]]
	[ "$(item b status)" = running ]
	grep -q '"item":"a","event":"requeued"' "$W/.terminal-status.d/events.jsonl" ||
		fail "no requeued event: $(cat "$W/.terminal-status.d/events.jsonl" 2>&1)"
}

@test "terminal ls: a table, and --json {\"terminals\": [{name, target, profile, group, allow}]}" {
	add_fleet
	td terminal add picky sh:9 --allow /a --allow /b > /dev/null
	run --separate-stderr td terminal ls
	assert_success
	assert_line --index 0 --regexp '^NAME +TARGET +PROFILE +GROUP'
	assert_line --index 1 --regexp '^generator-1 +sh:1 +auto +generator *$'
	assert_line --index 4 --regexp '^solo +%7 +auto +lone *$'
	assert_line --index 5 --regexp '^picky +sh:9 +auto +picky +/a /b$'
	[ "${#lines[@]}" -eq 6 ]
	run td terminal ls --json
	assert_success
	[ "$(json - 'join ",", sort keys %$d' <<< "$output")" = terminals ]
	[ "$(json - '$d->{terminals}[4]' <<< "$output")" = \
	    '{"allow":["/a","/b"],"group":"picky","name":"picky","profile":"auto","target":"sh:9"}' ]
	[ "$(json - '$d->{terminals}[0]' <<< "$output")" = \
	    '{"allow":[],"group":"generator","name":"generator-1","profile":"auto","target":"sh:1"}' ]
	[ "$(json - 'join ",", map { $_->{name} } @{$d->{terminals}}' <<< "$output")" = \
	    generator-1,generator-2,reviewer-1,solo,picky ]
}

@test "terminal ls on an empty state prints nothing, --json an empty list" {
	run --separate-stderr td terminal ls
	assert_success
	assert_output ''
	run td terminal ls --json
	[ "$(json - '$d' <<< "$output")" = '{"terminals":[]}' ]
}

@test "terminal import reads a flat map; each group is the name without a trailing -N" {
	cat > map.json <<-'EOF'
	{"generator-1": "scripthammer:7", "generator-2": "scripthammer:8", "reviewer-10": "%3",
	 "planner": "@2", "a-b-3": "s:1.2", "x-1a": "s:2", "v2": "s:3"}
	EOF
	run --separate-stderr td terminal import map.json
	assert_success
	assert_output ''
	[ "$(json "$S" 'join ",", map { "$_=$d->{terminals}{$_}{group}/$d->{terminals}{$_}{target}" } sort keys %{$d->{terminals}}')" = \
	    'a-b-3=a-b/s:1.2,generator-1=generator/scripthammer:7,generator-2=generator/scripthammer:8,planner=planner/@2,reviewer-10=reviewer/%3,v2=v2/s:3,x-1a=x-1a/s:2' ]
	[ "$(json "$S" '$d->{terminals}{planner}{profile}')" = auto ]
}

@test "terminal import from standard input updates existing terminals and keeps their other keys" {
	printf '{"terminals": {"generator-1": {"target": "old:1", "profile": "claude", "group": "x", "note": "n"}}}' > "$S"
	run --separate-stderr td terminal import - <<< '{"generator-1": "new:1", "generator-2": "new:2"}'
	assert_success
	[ "$(json "$S" '$d->{terminals}{"generator-1"}')" = \
	    '{"group":"generator","note":"n","profile":"claude","target":"new:1"}' ]
	[ "$(json "$S" '$d->{terminals}{"generator-2"}{target}')" = new:2 ]
}

@test "terminal import is all or nothing: one bad name or target refuses the whole map" {
	td terminal add keep s:9 > /dev/null
	local fp map
	fp=$(fingerprint "$S")
	for map in '{"good-1": "s:1", "bad name": "s:2"}' '{"good-1": "s:1", "bad-2": "s:2;"}' \
	    '{"good-1": "s:1", "bad-2": "-t"}' '{"good-1": "s:1", "bad-2": 7}' '["s:1"]' '{"good-1": ' \
	    '{"good-1": "s:1", "bad-2": "s:\u001b1"}'; do
		printf '%s' "$map" > map.json
		run --separate-stderr td terminal import map.json
		[ "$status" -eq 2 ] || fail "$map: exit $status"
		assert_one_error_line
		[ "$(fingerprint "$S")" = "$fp" ] || fail "$map changed the state"
	done
	run --separate-stderr td terminal import no-such-file.json
	assert_failure 1
	assert_one_error_line
}

# ---------------------------------------------------------------------------------------------
# enqueue

@test "enqueue prints the new item's id and only that" {
	run --separate-stderr td enqueue /wireframe-fix 003-user-authentication 01-registration-sign-in.svg
	assert_success
	[ "$output" = q-1 ]
	[ -z "$stderr" ]
	run --separate-stderr td enqueue /queue-check
	[ "$output" = q-2 ]
	[ "$(json "$S" '$d->{queue}[0]{command}')" = \
	    '/wireframe-fix 003-user-authentication 01-registration-sign-in.svg' ]
	[ "$(json "$S" 'my $i = $d->{queue}[1]; join ",", map { "$_=" . (ref $i->{$_} ? scalar @{$i->{$_}} : $i->{$_} =~ /^\d{4}-/ ? "time" : $i->{$_}) } sort keys %$i')" = \
	    'attempts=0,command=/queue-check,createdAt=time,dependsOn=0,id=q-2,priority=0,status=pending' ]
}

@test "enqueue: the words of COMMAND are joined with spaces; -- lets a command start with a dash" {
	run td enqueue -- --flag value '  two  spaces '
	assert_success
	[ "$(item q-1 command)" = '--flag value   two  spaces ' ]
	run td enqueue /cmd --not-an-option
	assert_success
	[ "$(item q-2 command)" = '/cmd --not-an-option' ]
}

@test "enqueue --id sets the id; a duplicate id is refused with exit 1 and nothing added" {
	run --separate-stderr td enqueue --id build-docs /docs
	assert_success
	assert_output build-docs
	run --separate-stderr td enqueue --id build-docs /other
	assert_failure 1
	assert_one_error_line
	assert_output ''
	[ "$(count_items)" -eq 1 ]
	td done build-docs
	run --separate-stderr td enqueue --id build-docs /again
	assert_failure 1
	local id
	for id in '' $'a\nb' $'a\tb' $'a\eb' "$(printf 'x%.0s' {1..129})"; do
		run --separate-stderr td enqueue --id "$id" /x
		[ "$status" -eq 2 ] || fail "id '$id' gave exit $status"
		assert_one_error_line
	done
	[ "$(count_items)" -eq 1 ]
}

@test "enqueue --after fills dependsOn; an unknown id is exit 4 and adds nothing" {
	td enqueue --id a /a > /dev/null
	td enqueue --id b /b > /dev/null
	run --separate-stderr td enqueue --after a --after b /c
	assert_success
	[ "$(item q-1 dependsOn)" = '["a","b"]' ]
	[ "$(item q-1 blockedBy)" = a ]
	run --separate-stderr td enqueue --after a --after nope /d
	assert_failure 4
	assert_one_error_line
	[[ "$stderr" == *nope* ]]
	[ "$(count_items)" -eq 3 ]
}

@test "enqueue --priority N is stored; bad numbers are usage errors" {
	run td enqueue --priority 5 /high
	assert_success
	run td enqueue --priority -3 /low
	assert_success
	[ "$(item q-1 priority)" -eq 5 ]
	[ "$(item q-2 priority)" -eq -3 ]
	local n
	for n in x 1.5 '' 1e3 99999999999 -99999999999 5x; do
		run --separate-stderr td enqueue --priority "$n" /bad
		[ "$status" -eq 2 ] || fail "priority '$n' gave exit $status"
		assert_one_error_line
	done
	[ "$(count_items)" -eq 2 ]
}

@test "enqueue --title, --estimate, --phase are stored; estimates in seconds from a duration" {
	run --separate-stderr td enqueue --title 'Tool scorer' --estimate 4h --phase phase-2 /a
	assert_success
	assert_output q-1
	[ "$(item q-1 title)" = 'Tool scorer' ]
	[ "$(item q-1 estimate)" = 14400 ]
	[ "$(item q-1 phase)" = phase-2 ]
	local dur want n=1
	for dur in 90s:90 30m:1800 1h30m:5400 2d:172800 600:600 0:0 1.5h:5400; do
		want=${dur#*:}
		run --separate-stderr td enqueue --estimate "${dur%%:*}" /e
		assert_success
		n=$((n + 1))
		[ "$(item "q-$n" estimate)" = "$want" ] || fail "$dur: got $(item "q-$n" estimate)"
	done
	# Without them the item has none: plans count it as the median and call it guessed.
	run td ls --json
	[ "$(json - '$d->{items}[1]{title} // "absent"' <<<"$output")" = absent ]
	[ "$(json - '$d->{items}[1]{phase} // "absent"' <<<"$output")" = absent ]
}

@test "enqueue: a bad --estimate, --title or --phase is exit 2 with one clear line, nothing queued" {
	local bad long
	long=$(printf 'x%.0s' {1..257})
	for bad in x '4 hours' '' -1 1h1h 30m1h 1e99 4H; do
		run --separate-stderr td enqueue --estimate "$bad" /bad
		[ "$status" -eq 2 ] || fail "estimate '$bad' gave exit $status"
		assert_one_error_line
		[[ "$stderr" == *"--estimate must be a duration: 90s, 30m, 4h, 1h30m or a number of seconds, not '$bad'"* ]] ||
			fail "unclear: $stderr"
	done
	for bad in '' $'a\eb' $'a
b' $'a' $'Â' "$long"; do
		run --separate-stderr td enqueue --title "$bad" /bad
		[ "$status" -eq 2 ] || fail "title '$bad' gave exit $status"
		assert_one_error_line
		[[ "$stderr" == "tmux-dispatch: refused: --title "* ]] || fail "unclear: $stderr"
		run --separate-stderr td enqueue --phase "$bad" /bad
		[ "$status" -eq 2 ] || fail "phase '$bad' gave exit $status"
		assert_one_error_line
		[[ "$stderr" == "tmux-dispatch: refused: --phase "* ]] || fail "unclear: $stderr"
	done
	run --separate-stderr td enqueue --title "${long%x}" --phase 'ünï ✓' /ok
	assert_success
	[ ! -e "$S.tmp" ]
	[ "$(count_items)" -eq 1 ]
}

@test "enqueue --after that would close a cycle is refused, naming it; the file is byte-identical" {
	# Hand-written items that already wait on ids nobody has queued yet.
	cat > "$S" <<-'EOF'
	{"queue": [{"id": "A", "command": "/a", "dependsOn": ["X"]},
	           {"id": "B", "command": "/b", "dependsOn": ["A"]},
	           {"id": "C", "command": "/c", "dependsOn": ["q-1"]}]}
	EOF
	td pause > /dev/null
	cp "$S" before.json
	local before
	before=$(fingerprint "$S")
	run --separate-stderr td enqueue --id X --after A /x
	assert_failure 2
	assert_one_error_line
	[ "$stderr" = 'tmux-dispatch: refused: --after A would close the cycle X -> A -> X' ]
	run --separate-stderr td enqueue --id X --after C --after B /x
	assert_failure 2
	[ "$stderr" = 'tmux-dispatch: refused: --after B would close the cycle X -> A -> B -> X' ]
	# A generated id can close one too.
	run --separate-stderr td enqueue --after C /y
	assert_failure 2
	[ "$stderr" = 'tmux-dispatch: refused: --after C would close the cycle q-1 -> C -> q-1' ]
	cmp "$S" before.json
	[ "$(fingerprint "$S")" = "$before" ]
	# The same item without the --after that closes it is queued, and unblocks A in time.
	run --separate-stderr td enqueue --id X --after C /x
	assert_success
	assert_output X
	[ "$(item X dependsOn)" = '["C"]' ]
}

@test "groups: --to NAME, all, all-G, the plural all-Gs and a bare group name" {
	add_fleet
	local spec
	for spec in generator-1 all all-generator all-generators generator generators reviewer \
	    all-reviewers all-lone lone solo; do
		run --separate-stderr td enqueue --to "$spec" "/for $spec"
		assert_success
		[[ "$output" =~ ^q-[0-9]+$ ]] || fail "enqueue printed more than the id: $output"
	done
	[ "$(td ls --json | json - 'join ",", map { $_->{assignedTo} } @{$d->{items}}')" = \
	    'generator-1,all,all-generator,all-generator,all-generator,all-generator,all-reviewer,all-reviewer,all-lone,all-lone,solo' ]
	# Which terminals would take them: all 11 items, less those of other groups and names.
	run td status --json
	assert_success
	[ "$(json - 'join ",", map { "$_->{name}=$_->{pending}" } @{$d->{terminals}}' <<< "$output")" = \
	    'generator-1=6,generator-2=5,reviewer-1=3,solo=4' ]
}

@test "groups: an unknown terminal or group is exit 4 and adds nothing" {
	add_fleet
	local spec
	for spec in nope all-nope all-nopes generator-3 all-solo-x alls; do
		run --separate-stderr td enqueue --to "$spec" /x
		[ "$status" -eq 4 ] || fail "--to $spec gave exit $status"
		assert_one_error_line
	done
	[ "$(count_items)" -eq 0 ]
}

@test "groups: --to all with no terminals at all is exit 4" {
	run --separate-stderr td enqueue --to all /x
	assert_failure 4
	assert_one_error_line
}

@test "--allow: a command outside the target's allowlist is refused with exit 1" {
	td terminal add gen-1 s:1 --allow /wireframe --allow '/queue-check' > /dev/null
	td terminal add gen-2 s:2 --allow /wireframe > /dev/null
	run --separate-stderr td enqueue --to gen-1 /wireframe-fix 003
	assert_success
	run --separate-stderr td enqueue --to gen-1 /queue-check
	assert_success
	local cmd
	for cmd in 'rm -rf /' ' /wireframe' '/wirefram' 'x/wireframe'; do
		run --separate-stderr td enqueue --to gen-1 "$cmd"
		[ "$status" -eq 1 ] || fail "'$cmd' gave exit $status"
		assert_one_error_line
		[[ "$stderr" == *refused*allow* ]] || fail "unclear: $stderr"
		assert_output ''
	done
	# One terminal of the group taking it is enough for the group; the other alone refuses.
	run --separate-stderr td enqueue --to all-gen /queue-check
	assert_success
	run --separate-stderr td enqueue --to gen-2 /queue-check
	assert_failure 1
	[ "$(count_items)" -eq 3 ]
}

@test "--allow: every terminal of a selection refusing means refused" {
	td terminal add gen-1 s:1 --allow /a > /dev/null
	td terminal add gen-2 s:2 --allow /b > /dev/null
	run --separate-stderr td enqueue --to all-gens /c
	assert_failure 1
	assert_one_error_line
	run --separate-stderr td enqueue --to all /c
	assert_failure 1
	[ "$(count_items)" -eq 0 ]
}

@test "commands with control characters other than newline and tab are refused, and invalid UTF-8" {
	local cmd
	for cmd in $'a\eb' $'a\e[201~b' $'a\rb' $'a\x7fb' $'a\x01b' $'a\x08b' $'a\x1fb' \
	    $'a\xc2\x80b' $'a\xc2\x85b' $'a\xc2\x9bb' $'a\xc2\x9fb' \
	    $'a\xffb' $'a\xc0\xafb' $'a\xe0\x80\xafb' $'a\xed\xa0\x80b' $'a\xf4\x90\x80\x80' \
	    $'a\xe2\x80' $'a\xc2' $'\x80' $'a\xf0\x9f\x98'; do
		run --separate-stderr td enqueue -- "$cmd"
		[ "$status" -ne 0 ] || fail "$(printf '%q' "$cmd") was queued"
		[ "$status" -eq 2 ] || fail "$(printf '%q' "$cmd") gave exit $status"
		assert_one_error_line
		[[ "$stderr" == *refused* ]]
	done
	[ ! -e "$S" ]
	# Newline, tab and ordinary non-ASCII text go in as they are.
	for cmd in $'line one\nline two' $'col\tcol' 'é – 😀 ä' $'a\xc2\xa0b'; do
		run td enqueue -- "$cmd"
		assert_success
		[ "$(json "$S" '$d->{queue}[-1]{command}')" = "$cmd" ]
	done
}

@test "fail --reason text with control characters is refused" {
	td enqueue /a > /dev/null
	run --separate-stderr td fail q-1 --reason $'bad\ereason'
	assert_failure 2
	assert_one_error_line
	[ "$(item q-1 status)" = pending ]
}

# ---------------------------------------------------------------------------------------------
# ls

@test "ls: a table of every item with its shown status, target and priority" {
	add_fleet
	td enqueue /a > /dev/null
	td enqueue --to generator-1 --priority 7 --after q-1 $'/b\nsecond line' > /dev/null
	td enqueue /c > /dev/null
	td done q-3
	run --separate-stderr td ls
	assert_success
	assert_line --index 0 --regexp '^ID +STATUS +TO +PRI +COMMAND$'
	assert_line --index 1 --regexp '^q-1 +ready +- +0  /a$'
	assert_line --index 2 --regexp '^q-2 +blocked +generator-1 +7  /b⏎second line$'
	assert_line --index 3 --regexp '^q-3 +done +- +0  /c$'
	[ "${#lines[@]}" -eq 4 ]
}

@test "ls --json: {\"items\": [...]}, each item as stored plus ready, blockedBy and why" {
	printf '{"queue": [{"id": "a", "command": "/a", "extra": {"k": 1}}, {"id": "b", "command": "/b", "dependsOn": ["a"]}]}' > "$S"
	run --separate-stderr td ls --json
	assert_success
	[ "$(json - 'join ",", sort keys %$d' <<< "$output")" = items ]
	[ "$(json - '$d->{items}[0]' <<< "$output" | sed -E 's/"createdAt":"[^"]*"/"createdAt":T/')" = \
	    '{"attempts":0,"blockedBy":null,"command":"/a","createdAt":T,"dependsOn":[],"extra":{"k":1},"id":"a","priority":0,"ready":true,"status":"pending","why":null}' ]
	[ "$(json - '$d->{items}[1]' <<< "$output" | sed -E 's/"createdAt":"[^"]*"/"createdAt":T/')" = \
	    '{"attempts":0,"blockedBy":"a","command":"/b","createdAt":T,"dependsOn":["a"],"id":"b","priority":0,"ready":false,"status":"pending","why":"blocked by a"}' ]
}

@test "ls on an empty queue prints nothing; --json an empty list" {
	run --separate-stderr td ls
	assert_success
	assert_output ''
	run td ls --json
	[ "$(json - '$d' <<< "$output")" = '{"items":[]}' ]
}

@test "ls --status filters: pending, ready, blocked, stuck, running, done, failed, cancelled" {
	cat > "$S" <<-'EOF'
	{"queue": [
	  {"id": "r1", "command": "/r1"},
	  {"id": "b1", "command": "/b1", "dependsOn": ["r1"]},
	  {"id": "b2", "command": "/b2", "dependsOn": ["f1"]},
	  {"id": "b3", "command": "/b3", "dependsOn": ["gone"]},
	  {"id": "u1", "command": "/u1", "status": "running"},
	  {"id": "r2", "command": "/r2", "dependsOn": ["d1"]},
	  {"id": "d1", "command": "/d1", "status": "done"},
	  {"id": "f1", "command": "/f1", "status": "failed"},
	  {"id": "c1", "command": "/c1", "status": "cancelled"}]}
	EOF
	local -A want=([pending]=r1,b1,b2,b3,r2 [ready]=r1,r2 [blocked]=b1,b3 [stuck]=b2 [running]=u1 [done]=d1
	    [failed]=f1 [cancelled]=c1)
	local s
	for s in "${!want[@]}"; do
		run td ls --json --status "$s"
		assert_success
		[ "$(json - 'join ",", map { $_->{id} } @{$d->{items}}' <<< "$output")" = "${want[$s]}" ] ||
			fail "--status $s: $output"
		run td ls --status "$s"
		assert_success
		# (an item that will not start without help has a second, indented line: why)
		[ "$(tail -n +2 <<< "$output" | grep -v '^ ' | awk '{print $1}' | paste -sd,)" = "${want[$s]}" ]
	done
	run --separate-stderr td ls --status finished
	assert_failure 2
	assert_one_error_line
}

# ---------------------------------------------------------------------------------------------
# done, fail, cancel, retry

@test "done: pending or running becomes done, gets finishedAt and moves to completedToday" {
	printf '{"queue": [{"id": "a", "command": "/a"}, {"id": "r", "command": "/r", "status": "running"}]}' > "$S"
	run --separate-stderr td done a
	assert_success
	assert_output ''
	run td done r
	assert_success
	[ "$(json "$S" 'scalar @{$d->{queue}}')" -eq 0 ]
	[ "$(json "$S" 'join ",", map { "$_->{id}:$_->{status}" } @{$d->{completedToday}}')" = a:done,r:done ]
	[[ "$(json "$S" '$d->{completedToday}[0]{finishedAt}')" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
}

@test "fail --reason records the reason; fail without one records a default" {
	td enqueue /a > /dev/null
	td enqueue /b > /dev/null
	run --separate-stderr td fail q-1 --reason 'tests broke: see log'
	assert_success
	run td fail q-2
	assert_success
	[ "$(item q-1 status)" = failed ]
	[ "$(item q-1 reason)" = 'tests broke: see log' ]
	[ -n "$(item q-2 reason)" ]
	[ "$(json "$S" 'join ",", map { $_->{id} } @{$d->{completedToday}}')" = q-1,q-2 ]
}

@test "cancel: a pending or running item becomes cancelled" {
	printf '{"queue": [{"id": "a", "command": "/a"}, {"id": "r", "command": "/r", "status": "running"}]}' > "$S"
	run td cancel a
	assert_success
	run td cancel r
	assert_success
	[ "$(json "$S" 'join ",", map { "$_->{id}:$_->{status}" } @{$d->{completedToday}}')" = a:cancelled,r:cancelled ]
}

@test "retry: a finished item goes back to the queue as pending, its finish forgotten" {
	td enqueue /a > /dev/null
	td fail q-1 --reason broken
	run --separate-stderr td retry q-1
	assert_success
	[ "$(json "$S" 'scalar @{$d->{completedToday}}')" -eq 0 ]
	[ "$(json "$S" 'my $i = $d->{queue}[0]; join ",", $i->{id}, $i->{status}, exists $i->{finishedAt} ? "F" : "-", exists $i->{reason} ? "R" : "-"')" = 'q-1,pending,-,-' ]
	td cancel q-1
	run td retry q-1
	assert_success
	td done q-1
	run td retry q-1
	assert_success
	[ "$(item q-1 status)" = pending ]
}

@test "transitions from the wrong state are exit 1 and change nothing" {
	td enqueue /a > /dev/null
	td enqueue /b > /dev/null
	td done q-2
	local fp cmd
	fp=$(sha256sum < "$S")
	for cmd in 'retry q-1' 'done q-2' 'fail q-2' 'cancel q-2'; do
		run --separate-stderr td $cmd
		[ "$status" -eq 1 ] || fail "'$cmd' gave exit $status"
		assert_one_error_line
		[ "$(sha256sum < "$S")" = "$fp" ] || fail "'$cmd' changed the file"
	done
}

@test "transitions of an unknown id are exit 4" {
	td enqueue /a > /dev/null
	local cmd
	for cmd in done fail cancel retry; do
		run --separate-stderr td $cmd q-99
		[ "$status" -eq 4 ] || fail "$cmd gave exit $status"
		assert_one_error_line
	done
}

@test "dependencies: an item is ready once every item it depends on is done" {
	td enqueue --id a /a > /dev/null
	td enqueue --id b /b > /dev/null
	td enqueue --after a --after b --id c /c > /dev/null
	[ "$(item c blockedBy)" = a ]
	td done a
	[ "$(item c blockedBy)" = b ]
	td fail b
	[ "$(item c ready)" = false ]
	td retry b
	td done b
	[ "$(item c ready)" = true ]
	[ "$(item c blockedBy)" = null ]
}

# ---------------------------------------------------------------------------------------------
# completedToday and the history file

# A state with items finished on an earlier day, one of them still needed by a pending item.
write_old_day() {
	local file=$1 today
	today=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	cat > "$file" <<-EOF
	{"queue": [{"id": "waits", "command": "/w", "dependsOn": ["old-needed"]}],
	 "completedToday": [
	  {"id": "old-done", "command": "/x", "status": "done", "finishedAt": "2020-01-01T10:00:00Z", "note": {"keep": [1.50]}},
	  {"id": "old-needed", "command": "/y", "status": "done", "finishedAt": "2020-01-01T10:00:00Z"},
	  {"id": "old-failed", "command": "/z", "status": "failed", "finishedAt": "2020-01-02T23:59:59Z", "reason": "r"},
	  {"id": "today", "command": "/t", "status": "done", "finishedAt": "$today"}]}
	EOF
}

@test "finished items of an earlier day move to .terminal-status.history.jsonl unless a pending item depends on them" {
	write_old_day .terminal-status.json
	export TMUX_DISPATCH_STATE="$W/.terminal-status.json"
	# Reading does not move anything.
	run td ls
	assert_success
	[ ! -e .terminal-status.history.jsonl ]
	run td enqueue /new
	assert_success
	[ -f .terminal-status.history.jsonl ]
	[ "$(grep -c '' .terminal-status.history.jsonl)" -eq 2 ]
	local line
	while IFS= read -r line; do
		json - '$d->{id}' <<< "$line" > /dev/null || fail "not one JSON object a line: $line"
	done < .terminal-status.history.jsonl
	[ "$(head -1 .terminal-status.history.jsonl | json - '"$d->{id}:$d->{status}:$d->{finishedAt}"')" = 'old-done:done:2020-01-01T10:00:00Z' ]
	[ "$(sed -n 2p .terminal-status.history.jsonl | json - '"$d->{id}:$d->{reason}"')" = 'old-failed:r' ]
	grep -q '"note":{"keep":\[1.50\]}' .terminal-status.history.jsonl
	[ "$(json .terminal-status.json 'join ",", map { $_->{id} } @{$d->{completedToday}}')" = old-needed,today ]

	# Once nothing waits for it, the needed one goes too, appended.
	td done waits
	run td enqueue /newer
	assert_success
	[ "$(grep -c '' .terminal-status.history.jsonl)" -eq 3 ]
	[ "$(tail -1 .terminal-status.history.jsonl | json - '$d->{id}')" = old-needed ]
	[ "$(json .terminal-status.json 'join ",", map { $_->{id} } @{$d->{completedToday}}')" = today,waits ]
	# Archived ids are gone from the live file: ls no longer shows them.
	[ "$(td ls --json | json - 'join ",", sort map { $_->{id} } @{$d->{items}}')" = q-1,q-2,today,waits ]
}

@test "the history file sits beside the state: NAME.json -> NAME.history.jsonl" {
	mkdir sub
	write_old_day sub/mine.json
	run td -f sub/mine.json done waits
	assert_success
	[ "$(grep -c '' sub/mine.history.jsonl)" -eq 3 ]
	[ ! -e .terminal-status.history.jsonl ]
}

@test "a retried old item comes back instead of going to the history" {
	write_old_day "$S"
	run td retry old-done
	assert_success
	[ "$(json "$S" 'join ",", map { "$_->{id}:$_->{status}" } @{$d->{queue}}')" = waits:pending,old-done:pending ]
	[ "$(grep -c old-done "$W/state.history.jsonl")" -eq 0 ]
	[ "$(grep -c old-failed "$W/state.history.jsonl")" -eq 1 ]
}

# ---------------------------------------------------------------------------------------------
# status and badge

write_busy() {
	cat > "$S" <<-'EOF'
	{"terminals": {"generator-1": {"target": "sh:1", "profile": "claude", "group": "generator"},
	               "generator-2": {"target": "sh:2", "group": "generator"},
	               "reviewer-1": {"target": "sh:3"}},
	 "queue": [
	  {"id": "run-1", "command": "/a", "status": "running", "assignedTo": "generator-1"},
	  {"id": "p-1", "command": "/b", "assignedTo": "all-generator"},
	  {"id": "p-2", "command": "/c", "dependsOn": ["run-1"]},
	  {"id": "p-3", "command": "/d", "assignedTo": "reviewer-1"}],
	 "completedToday": [
	  {"id": "d-1", "command": "/e", "status": "done"},
	  {"id": "f-1", "command": "/f", "status": "failed"},
	  {"id": "f-2", "command": "/f", "status": "failed"},
	  {"id": "c-1", "command": "/g", "status": "cancelled"}]}
	EOF
}

@test "status: terminals, their current item and the counts per status" {
	write_busy
	run --separate-stderr td status
	assert_success
	assert_line --index 0 "state: $S"
	assert_line --regexp '^generator-1 .* sh:1 .* claude .* 2 +run-1( |$)'
	assert_line --regexp '^generator-2 .* sh:2 .* auto .* 2 +- '
	assert_line --regexp '^reviewer-1 .* sh:3 .* 2 +- '
	assert_line 'queue: 3 pending (2 ready, 1 blocked, 0 stuck), 1 running; today: 1 done, 2 failed, 1 cancelled'
}

@test "status --json: {state, terminals: [{name, target, profile, group, current, pending}], counts}" {
	write_busy
	run --separate-stderr td status --json
	assert_success
	[ "$(json - '$d->{state}' <<< "$output")" = "$S" ]
	[ "$(json - '$d->{counts}' <<< "$output")" = \
	    '{"blocked":1,"cancelled":1,"done":1,"failed":2,"pending":3,"ready":2,"running":1,"stuck":0}' ]
	[ "$(json - 'join ";", map { my $t = $_; join ",", map { "$_=" . ($t->{$_} // "null") } qw(name target profile group current pending) } @{$d->{terminals}}' <<< "$output")" = \
	    'name=generator-1,target=sh:1,profile=claude,group=generator,current=run-1,pending=2;name=generator-2,target=sh:2,profile=auto,group=generator,current=null,pending=2;name=reviewer-1,target=sh:3,profile=auto,group=reviewer-1,current=null,pending=2' ]
}

@test "status on an empty state" {
	run --separate-stderr td status
	assert_success
	assert_line --index 0 "state: $S"
	assert_line 'queue: 0 pending (0 ready, 0 blocked, 0 stuck), 0 running; today: 0 done, 0 failed, 0 cancelled'
	run td status --json
	[ "$(json - '$d->{terminals}' <<< "$output")" = '[]' ]
	[ "$(json - '$d->{counts}{pending}' <<< "$output")" = 0 ]
}

@test "badge: pending and running counts, empty when nothing is queued" {
	run --separate-stderr td badge
	assert_success
	assert_output ''
	[ "${#lines[@]}" -le 1 ]
	write_busy
	run td badge
	assert_success
	assert_output 'Q:3 R:1'
}

@test "badge --format expands %p %y %b %r %d %f %c and %%; an unknown sequence is exit 2" {
	write_busy
	run --separate-stderr td badge --format '%p/%y/%b/%r/%d/%f/%c 100%% [%p]'
	assert_success
	assert_output '3/2/1/1/1/2/1 100% [3]'
	run --separate-stderr td badge --format '%q'
	assert_failure 2
	assert_one_error_line
	td done run-1
	td done p-1
	td cancel p-2
	td fail p-3
	run td badge --format 'Q:%p'
	assert_success
	assert_output ''
}

@test "--json output is stable: the same state prints the same bytes, and every key is in the README" {
	write_busy
	local cmd readme="$BATS_TEST_DIRNAME/../../README.md" key
	[ -f "$readme" ]
	for cmd in 'ls --json' 'status --json' 'terminal ls --json'; do
		td $cmd > one.json
		td $cmd > two.json
		cmp one.json two.json || fail "$cmd printed two different documents"
		# Every key at every level, except the stored item fields' own unknown keys (none here).
		for key in $(json one.json 'my %k; my @todo = ($d); while (@todo) { my $v = shift @todo;
		    if (ref $v eq "HASH") { $k{$_} = 1, push @todo, $v->{$_} for keys %$v }
		    elsif (ref $v eq "ARRAY") { push @todo, @$v } } sort keys %k'); do
			grep -q "\"$key\"" "$readme" || fail "'$cmd' prints \"$key\", which README.md does not document"
		done
	done
}

# ---------------------------------------------------------------------------------------------
# help, version, usage errors

@test "every command's --help exits 0 and prints its usage on stdout" {
	local cmd
	for cmd in 'terminal add' 'terminal rm' 'terminal ls' 'terminal import' enqueue ls done fail \
	    cancel retry status badge; do
		run --separate-stderr td $cmd --help
		assert_success
		[ -z "$stderr" ] || fail "$cmd --help wrote to stderr: $stderr"
		assert_line --index 0 --regexp "^usage: tmux-dispatch $cmd( |$)"
		run --separate-stderr td help $cmd
		assert_success
		assert_line --index 0 --regexp "^usage: tmux-dispatch $cmd( |$)"
	done
	[ ! -e "$S" ]
}

@test "--help lists every command; --version prints the version" {
	run --separate-stderr td --help
	assert_success
	assert_line --index 0 --regexp '^usage: tmux-dispatch '
	local cmd
	for cmd in 'terminal add' 'terminal rm' 'terminal ls' 'terminal import' enqueue ls done fail \
	    cancel retry status badge; do
		assert_line --regexp "^  $cmd "
	done
	run --separate-stderr td --version
	assert_success
	assert_output --regexp '^tmux-dispatch [0-9]+\.[0-9]+\.[0-9]+$'
	[ -z "$stderr" ]
}

@test "usage errors exit 2 with one line on stderr starting tmux-dispatch:" {
	local args
	while IFS= read -r args; do
		eval "run --separate-stderr td $args"
		[ "$status" -eq 2 ] || fail "'$args' gave exit $status"
		assert_one_error_line
		[ -z "$output" ] || fail "'$args' wrote to stdout: $output"
	done <<-'EOF'
	bogus
	--bogus
	-f
	terminal
	terminal bogus
	terminal add
	terminal add onlyname
	terminal add a s:1 extra
	terminal add a s:1 --bogus
	terminal add a s:1 --allow ''
	terminal add a s:1 --profile 'bad name'
	terminal add a s:1 --group 'bad/group'
	terminal rm
	terminal rm a b
	terminal ls extra
	terminal ls --bogus
	terminal import
	terminal import a b
	enqueue
	enqueue --to
	enqueue --priority
	enqueue --priority x /a
	enqueue --bogus /a
	enqueue --
	ls extra
	ls --status
	ls --status nope
	ls --bogus
	done
	done a b
	done a --reason x
	fail
	fail a --reason
	cancel
	retry a b
	status extra
	status --bogus
	badge extra
	badge --format
	badge --format %z
	EOF
	[ ! -e "$S" ]
}

@test "an error quoting what was given stays one line and passes no control character to the terminal" {
	td terminal add g-1 s:1 > /dev/null
	td enqueue /a > /dev/null
	local args
	for args in "done $'a\\e]0;title\\ab'" "terminal rm $'a\\nb'" "enqueue --to $'x\\e[2Jy' /a" \
	    "enqueue --after $'x\\ry' /a" "ls --status $'x\\ey'" "terminal add $'a\\xc2\\x9bb' s:1" \
	    "terminal add ok $'s:1\\n2'" "fail q-1 --reason $'\\e'" "enqueue --id $'i\\x7f' /a" \
	    "$'\\ebogus'" "terminal $'\\e'"; do
		eval "run --separate-stderr td $args"
		[ "$status" -ne 0 ] || fail "$args succeeded"
		assert_one_error_line
		if LC_ALL=C grep -q $'[\x01-\x1f\x7f]\|\xc2[\x80-\x9f]' <<< "$stderr"; then
			fail "$args: control characters in: $(printf %q "$stderr")"
		fi
	done
}

@test "tmux-dispatch without a command: exit 2, one line on stderr, nothing on stdout" {
	run --separate-stderr td
	assert_failure 2
	assert_output ''
	[ "$stderr" = "tmux-dispatch: no command given (see tmux-dispatch --help)" ]
}

@test "hooks, automatic and dry-run checks where no state file exists create nothing" {
	run td hook mode %1
	assert_success
	assert_output ''
	run td hook silence @1
	assert_success
	assert_output ''
	run td check --auto
	assert_success
	run td check --dry-run
	assert_success
	run ls -A "$W"
	assert_output ''
}

@test "an item for anyone is refused when no terminal's --allow list accepts it" {
	td terminal add a1 %1 --allow /wire >/dev/null
	td terminal add a2 %2 --allow /plan >/dev/null
	run --separate-stderr td enqueue -- /review x
	assert_failure 1
	[[ "$stderr" == "tmux-dispatch: refused: "* ]]
	run td enqueue -- /plan x
	assert_success
}

@test "terminal names all, all-* and names starting with - are refused" {
	for name in all all-x all-generators -x; do
		run --separate-stderr td terminal add -- "$name" %1
		assert_failure 2
	done
	run td terminal ls --json
	assert_output --partial '"terminals": []'
}

@test "\"paused\" that is not true or false is an invalid file, left untouched" {
	printf '{"paused": "yes", "queue": []}\n' >"$S"
	cp "$S" before.json
	run --separate-stderr td pause
	assert_failure 3
	cmp "$S" before.json
}

@test "the lock and history files get no more access than the state file" {
	td enqueue -- x >/dev/null
	chmod 600 "$S"
	rm -f "$S.lock"
	perl -0777 -pi -e 's/"completedToday": \[\]/"completedToday": [{"id": "old", "command": "y", "status": "done", "finishedAt": "2020-01-01T00:00:00Z"}]/' "$S"
	run td enqueue -- z
	assert_success
	[ "$(stat -c %a "$S.lock")" = 600 ]
	[ "$(stat -c %a "$W/state.history.jsonl")" = 600 ]
	grep -q '"id":"old"' "$W/state.history.jsonl"
}

@test "a command family's --help lists the usage of each of its subcommands" {
	run --separate-stderr td terminal --help
	assert_success
	assert_line --regexp '^usage: tmux-dispatch terminal add NAME TARGET'
	assert_line --regexp '^usage: tmux-dispatch terminal import FILE'
	run --separate-stderr td terminal
	assert_failure 2
	[ "$stderr" = "tmux-dispatch: terminal: missing subcommand (one of: add, rm, ls, import, group)" ]
}
