#!/usr/bin/env bats
# The state file: where it lives, what survives a rewrite, what is refused and left untouched,
# hostile input, file mode, temp files and the lock.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
}

# Tests that let the helper search for the state must not find a real one above the test
# directory: they would write to it.
no_state_above() {
	local dir
	dir=$(cd .. && pwd)
	while :; do
		[ ! -e "$dir/.terminal-status.json" ] ||
			fail "refusing to run: $dir/.terminal-status.json exists and the search would use it"
		[ "$dir" = / ] && break
		dir=$(dirname "$dir")
	done
}

# A state file to break things against: a terminal and two items, one of them finished.
write_sample() {
	cat > "$S" <<-'EOF'
	{"version": 1,
	 "terminals": {"generator-1": {"target": "sh:7", "profile": "claude", "group": "generator"}},
	 "queue": [{"id": "q-1", "command": "/a", "status": "pending"}],
	 "completedToday": [{"id": "q-2", "command": "/b", "status": "failed"}],
	 "nextId": 3}
	EOF
}

# Every command that reads or writes the state, with arguments that would succeed on the sample.
every_command() {
	printf '%s\n' 'enqueue /x' 'done q-1' 'fail q-1' 'cancel q-1' 'retry q-2' \
	    'terminal add t-1 s:1' 'terminal rm generator-1' 'terminal import map.json' \
	    'terminal ls' 'terminal ls --json' 'ls' 'ls --json' 'status' 'status --json' 'badge'
}

# ---------------------------------------------------------------------------------------------
# Where the state lives

@test "-f FILE wins over \$TMUX_DISPATCH_STATE and a .terminal-status.json in the directory" {
	echo '{}' > .terminal-status.json
	run --separate-stderr td -f flag.json enqueue one
	assert_success
	assert_output q-1
	[ "$(json flag.json '$d->{queue}[0]{command}')" = one ]
	[ ! -e "$S" ]
	[ "$(cat .terminal-status.json)" = '{}' ]
}

@test "--state FILE and --state=FILE work like -f" {
	run td --state long.json enqueue one
	assert_success
	run td --state=long.json enqueue two
	assert_success
	[ "$(json long.json 'map { $_->{command} } @{$d->{queue}}')" = "$(printf 'one\ntwo')" ]
	[ ! -e "$S" ]
}

@test "\$TMUX_DISPATCH_STATE wins over the nearest .terminal-status.json" {
	echo '{}' > .terminal-status.json
	export TMUX_DISPATCH_STATE="$W/env.json"
	run td enqueue one
	assert_success
	[ "$(json env.json '$d->{queue}[0]{command}')" = one ]
	[ "$(cat .terminal-status.json)" = '{}' ]
}

@test "otherwise the nearest .terminal-status.json walking up from the current directory" {
	unset TMUX_DISPATCH_STATE
	no_state_above
	mkdir -p top/a/b/c
	echo '{}' > top/a/.terminal-status.json
	cd top/a/b/c
	run td enqueue far
	assert_success
	[ "$(json "$W/top/a/.terminal-status.json" '$d->{queue}[0]{command}')" = far ]
	[ -z "$(ls -A .)" ]
	[ ! -e ../.terminal-status.json ]

	# A nearer one wins.
	echo '{}' > "$W/top/a/b/.terminal-status.json"
	run td enqueue near
	assert_success
	[ "$(json "$W/top/a/b/.terminal-status.json" '$d->{queue}[0]{command}')" = near ]
	[ "$(json "$W/top/a/.terminal-status.json" 'scalar @{$d->{queue}}')" = 1 ]
	run td status --json
	assert_success
	[ "$(json - '$d->{state}' <<< "$output")" = "$W/top/a/b/.terminal-status.json" ]
}

@test "with no state file anywhere, reads see an empty queue and the first write creates ./.terminal-status.json" {
	unset TMUX_DISPATCH_STATE
	no_state_above
	mkdir -p fresh/dir
	cd fresh/dir
	run --separate-stderr td ls
	assert_success
	assert_output ''
	run td ls --json
	assert_success
	[ "$(json - '$d' <<< "$output")" = '{"items":[]}' ]
	run td status
	assert_success
	[ -z "$(ls -A .)" ]

	run td enqueue first
	assert_success
	assert_output q-1
	[ -f .terminal-status.json ]
	[ "$(json .terminal-status.json '$d->{queue}[0]{command}')" = first ]
	[ -z "$(ls -A ..| grep -v '^dir$')" ]
}

# ---------------------------------------------------------------------------------------------
# What survives a rewrite, what is normalized

# The values under keys the helper does not know, for the terminals and items of the sample.
unknown_values() {
	json "$1" '
		my %top = %$d;
		delete @top{qw(version terminals queue completedToday nextId)};
		my %terms = map { my %t = %{$d->{terminals}{$_}};
			delete @t{qw(target profile group allow)}; ($_ => \%t) }
		    grep { /^generator-[12]$/ } keys %{$d->{terminals}};
		my %items = map { my %i = %$_;
			delete @i{qw(id command status assignedTo dependsOn priority attempts createdAt
			    startedAt finishedAt reason)}; ($_->{id} => \%i) }
		    grep { $_->{id} =~ /^q-[378]$/ } @{$d->{queue}}, @{$d->{completedToday}};
		({ top => \%top, terminals => \%terms, items => \%items })'
}

@test "keys the helper does not know survive every rewrite, at the top, in terminals and in items" {
	local today before
	today=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	cat > "$S" <<-EOF
	{
	  "version": 1,
	  "planner": {"owner": "scripthammer", "nested": {"list": [1, "two", null, true, false, {"deep": []}]}},
	  "revision": 41,
	  "terminals": {
	    "generator-1": {"target": "sh:7", "profile": "claude", "group": "generator",
	                    "color": "#ff0000", "meta": {"since": "2026-01-16", "weights": [0.25, 3]}},
	    "generator-2": {"target": "sh:8", "lastSeenNs": 1737000000123456789}
	  },
	  "queue": [
	    {"id": "q-7", "command": "/wireframe-fix 003", "status": "pending", "note": "keep me",
	     "tags": ["a", "b"], "ratio": 1.50, "big": 12345678901234567890, "exp": 1e2,
	     "tiny": 1E-7, "negzero": -0, "inf": 1e999,
	     "esc": "tab\\there, colon: \\"quoted\\" back\\\\slash \\u00e9 \\ud83d\\ude00 \\/"},
	    {"id": "q-8", "command": "/queue-check", "status": "pending",
	     "owner": {"who": "planner", "n": 9007199254740993}}
	  ],
	  "completedToday": [
	    {"id": "q-3", "command": "/x", "status": "done", "finishedAt": "$today",
	     "result": {"ok": true, "score": 0.1}}
	  ],
	  "nextId": 9,
	  "zzz": null
	}
	EOF
	before=$(unknown_values "$S")
	# Sanity: the reference really holds the values.
	[[ "$before" == *'"lastSeenNs":1737000000123456789'* ]]
	[[ "$before" == *'"big":12345678901234567890'* ]]

	local step
	for step in 'terminal add generator-3 sh:9' 'enqueue --to generator-1 /one' 'done q-7' \
	    'fail q-8 --reason broken' 'retry q-8' 'terminal add --replace generator-1 sh:70' \
	    'terminal add --replace --allow /w generator-2 sh:80' 'cancel q-8' 'retry q-8' \
	    'terminal rm generator-3' 'terminal import map.json' 'enqueue --after q-3 /two'; do
		echo '{"generator-2": "sh:81"}' > map.json
		run --separate-stderr td $step
		assert_success
		[ "$(unknown_values "$S")" = "$before" ] ||
			fail "after '$step' the unknown keys changed:
before: $before
after:  $(unknown_values "$S")"
	done
	# Numbers keep their text, not just a nearby double.
	local num
	for num in '"ratio": *1\.50([,}[:space:]]|$)' '"exp": *1e2([,}[:space:]]|$)' \
	    '"tiny": *1E-7([,}[:space:]]|$)' '"inf": *1e999([,}[:space:]]|$)' \
	    '"big": *12345678901234567890([,}[:space:]]|$)' '"n": *9007199254740993([,}[:space:]]|$)' \
	    '"lastSeenNs": *1737000000123456789([,}[:space:]]|$)' '"revision": *41([,}[:space:]]|$)'; do
		grep -Eq "$num" "$S" || fail "no $num in the rewritten file: $(cat "$S")"
	done
	# The helper's own changes did happen.
	[ "$(json "$S" '$d->{terminals}{"generator-1"}{target}')" = sh:70 ]
	[ "$(json "$S" '$d->{terminals}{"generator-2"}{target}')" = sh:81 ]
	[ "$(json "$S" '$d->{terminals}{"generator-3"} // "gone"')" = gone ]
}

@test "a string holding \\u0000 is never silently cut short" {
	printf '{"note": "before\\u0000after", "queue": [{"command": "/a\\u0000b"}]}\n' > "$S"
	local fp
	fp=$(fingerprint "$S")
	run --separate-stderr td enqueue /x
	assert_no_crash
	if [ "$status" -eq 0 ]; then
		[ "$(json "$S" '$d->{note} eq "before\x{0}after" ? "kept" : "cut"')" = kept ]
		[ "$(json "$S" '$d->{queue}[0]{command} eq "/a\x{0}b" ? "kept" : "cut"')" = kept ]
	else
		[ "$status" -eq 3 ]
		assert_one_error_line
		[ "$(fingerprint "$S")" = "$fp" ]
	fi
}

@test "reading commands never rewrite the file, even one that needs normalizing" {
	printf '{"queue": [{"command": "/a"}, {"command": "/b", "status": "done"}]}' > "$S"
	local fp cmd
	fp=$(fingerprint "$S")
	for cmd in 'ls' 'ls --json' 'ls --status done' 'status' 'status --json' 'badge' \
	    'terminal ls' 'terminal ls --json'; do
		run td $cmd
		assert_success
		[ "$(fingerprint "$S")" = "$fp" ] || fail "'$cmd' changed the file"
	done
}

@test "a hand-written file with only a queue, items without status or id, is accepted and normalized" {
	cat > "$S" <<-'EOF'
	{"queue": [
	  {"command": "/a"},
	  {"id": "my task", "command": "/b"},
	  {"id": "q-5", "command": "/c", "status": "running"},
	  {"command": "/d", "status": "done"}
	]}
	EOF
	run td ls --json
	assert_success
	local ids_read
	ids_read=$(json - 'map { "$_->{command}=$_->{id}" } @{$d->{items}}' <<< "$output")
	[ "$(json - 'join ",", map { "$_->{command}:$_->{status}" } @{$d->{items}}' <<< "$output")" = \
	    '/a:pending,/b:pending,/c:running,/d:done' ]
	# Ids: given ones kept, the others generated, all different.
	[[ "$ids_read" == *'/b=my task'* ]]
	[[ "$ids_read" == *'/c=q-5'* ]]
	[ "$(printf '%s\n' "$ids_read" | cut -d= -f2 | sort -u | wc -l)" -eq 4 ]

	run td enqueue /e
	assert_success
	local new=$output
	[ "$(ids_in "$S" | sort -u | wc -l)" -eq 5 ]
	ids_in "$S" | grep -qxF -- "$new"
	# The ids a read showed are the ids the write stored.
	[ "$(json "$S" 'map { "$_->{command}=$_->{id}" } grep { $_->{command} ne "/e" }
	    @{$d->{queue}}, @{$d->{completedToday}}' | sort)" = "$(printf '%s\n' "$ids_read" | sort)" ]
	# The whole schema is filled in.
	[ "$(json "$S" '$d->{version}')" = 1 ]
	[ "$(json "$S" '$d->{terminals}')" = '{}' ]
	[ "$(json "$S" 'join ",", map { $_->{command} } @{$d->{queue}}')" = '/a,/b,/c,/e' ]
	[ "$(json "$S" 'join ",", map { $_->{command} } @{$d->{completedToday}}')" = '/d' ]
	[ "$(json "$S" 'join ",", map { join ":", $_->{status}, scalar @{$_->{dependsOn}},
	    $_->{priority}, $_->{attempts}, $_->{createdAt} =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ ? "t" : "-" }
	    @{$d->{queue}}')" = 'pending:0:0:0:t,pending:0:0:0:t,running:0:0:0:t,pending:0:0:0:t' ]
	# Generated ids go on past every q-N already used.
	[[ "$(json "$S" '$d->{nextId}')" -gt 5 ]]
	run td done "$(json "$S" '$d->{queue}[0]{id}')"
	assert_success
}

@test "an empty file is an empty state" {
	: > "$S"
	run td ls
	assert_success
	run td enqueue /a
	assert_success
	assert_output q-1
}

# ---------------------------------------------------------------------------------------------
# Refused files are left untouched

@test "a file that is not JSON: exit 3 for every command, naming the file and line:column, file untouched" {
	printf '{\n  "queue": [\n    {"command": @}\n  ]\n}\n' > "$S"
	echo '{"t-2": "s:2"}' > map.json
	local fp cmd
	fp=$(fingerprint "$S")
	while read -r cmd; do
		run --separate-stderr td $cmd
		[ "$status" -eq 3 ] || fail "'$cmd' exited $status, not 3"
		assert_one_error_line
		[[ "$stderr" == "tmux-dispatch: $S:3:17: "* ]] || fail "'$cmd': $stderr"
		assert_output ''
		[ "$(fingerprint "$S")" = "$fp" ] || fail "'$cmd' changed the file"
	done < <(every_command)
	[ "$(ls -A)" = "$(printf 'map.json\nstate.json\nstate.json.lock')" ]
}

@test "the line:column of a JSON error counts lines, and characters rather than bytes" {
	local -A want=(
		['{"a": 1,\n "b": tru\n}']=2:7
		['{"é": @}']=1:7
		['{"ééé": [1, 2,, 3]}']=1:15
		['{"queue": [']=1:12
		['\n\n\n  ]']=4:3
		['{} extra']=1:4
	)
	local text
	for text in "${!want[@]}"; do
		printf "$text" > "$S"
		run --separate-stderr td enqueue /x
		[ "$status" -eq 3 ] || fail "exit $status for $text"
		[[ "$stderr" == "tmux-dispatch: $S:${want[$text]}: "* ]] ||
			fail "for $text want ${want[$text]}, got: $stderr"
	done
}

@test "known fields of the wrong type: exit 3, naming the file, file untouched" {
	local doc fp
	while IFS= read -r doc; do
		printf '%s\n' "$doc" > "$S"
		fp=$(fingerprint "$S")
		for cmd in 'enqueue /x' 'ls'; do
			run --separate-stderr td $cmd
			[ "$status" -eq 3 ] || fail "'$cmd' on $doc exited $status, not 3"
			assert_one_error_line
			[[ "$stderr" == "tmux-dispatch: $S"* ]] || fail "$doc: $stderr"
			[ "$(fingerprint "$S")" = "$fp" ] || fail "$doc was changed"
		done
	done <<-'EOF'
	[]
	"text"
	{"queue": {}}
	{"queue": "q-1"}
	{"queue": null}
	{"terminals": []}
	{"completedToday": {}}
	{"version": "1"}
	{"version": 2}
	{"nextId": "9"}
	{"nextId": -1}
	{"queue": [1]}
	{"queue": [{"id": 7, "command": "/a"}]}
	{"queue": [{"id": "", "command": "/a"}]}
	{"queue": [{}]}
	{"queue": [{"command": 5}]}
	{"queue": [{"command": "/a", "status": "finished"}]}
	{"queue": [{"command": "/a", "status": 1}]}
	{"queue": [{"command": "/a", "dependsOn": "q-1"}]}
	{"queue": [{"command": "/a", "dependsOn": [1]}]}
	{"queue": [{"command": "/a", "priority": "1"}]}
	{"queue": [{"command": "/a", "priority": 1.5}]}
	{"queue": [{"command": "/a", "attempts": -1}]}
	{"queue": [{"command": "/a", "assignedTo": 3}]}
	{"queue": [{"command": "/a", "createdAt": 3}]}
	{"queue": [{"id": "x", "command": "/a"}, {"id": "x", "command": "/b"}]}
	{"queue": [{"id": "x", "command": "/a"}], "completedToday": [{"id": "x", "command": "/b", "status": "done"}]}
	{"terminals": {"t": "s:1"}}
	{"terminals": {"t": {}}}
	{"terminals": {"t": {"target": 1}}}
	{"terminals": {"t": {"target": "s:1", "allow": "/x"}}}
	{"terminals": {"t": {"target": "s:1", "allow": [1]}}}
	{"terminals": {"t": {"target": "s:1", "group": []}}}
	EOF
}

# ---------------------------------------------------------------------------------------------
# Hostile files: no crash (a status of the contract, never a signal), no hang

@test "hostile: a 20 MB file with one huge string is read and rewritten, the string intact" {
	perl -e 'print "{\"pad\": \"", "a" x 20_000_000, "\", \"queue\": []}\n"' > "$S"
	run timeout 20 "$TD" enqueue /x
	assert_no_crash
	assert_success
	[ "$(json "$S" 'length $d->{pad}')" -eq 20000000 ]
}

@test "hostile: a 20 MB file of 100,000 items" {
	seed_state "$S" 100000
	[ "$(stat -c %s "$S")" -gt 10000000 ]
	run timeout 20 "$TD" ls --status running
	assert_no_crash
	assert_success
	run timeout 20 "$TD" enqueue /x
	assert_no_crash
	assert_success
	assert_output q-1
	[ "$(json "$S" 'scalar @{$d->{queue}}')" -eq 100001 ]
}

@test "hostile: 40,000 items of an earlier day and 40,000 items with dependencies" {
	perl -e 'my $n = 40000;
		print "{\"queue\": [", join(",", map { "{\"id\": \"p$_\", \"command\": \"/p\", " .
		    "\"dependsOn\": [\"d" . ($_ * 2) . "\"]}" } 1 .. $n), "],\n";
		print "\"completedToday\": [", join(",", map { "{\"id\": \"d$_\", \"command\": \"/d\", " .
		    "\"status\": \"done\", \"finishedAt\": \"2020-01-01T00:00:00Z\"}" } 1 .. $n), "]}\n"' > "$S"
	run --separate-stderr timeout 20 "$TD" enqueue /x
	assert_no_crash
	assert_success
	# The 20,000 not depended on went to the history, the others stayed.
	[ "$(grep -c '' "$W/state.history.jsonl")" -eq 20000 ]
	[ "$(json "$S" 'scalar @{$d->{completedToday}}')" -eq 20000 ]
	[ "$(json "$S" 'join ",", grep { !/^d\d*[02468]$/ } map { $_->{id} } @{$d->{completedToday}}')" = '' ]
}

@test "hostile: 20 MB of garbage, with and without NUL bytes, and 20 MB of brackets" {
	local fp gen
	for gen in 'head -c 20000000 /dev/urandom' "head -c 40000000 /dev/urandom | tr -d '\\000' | head -c 20000000" \
	    "perl -e 'print \"[\" x 20_000_000'" "perl -e 'print \"{\\\"a\\\":\" x 3_000_000'"; do
		eval "$gen" > "$S"
		fp=$(fingerprint "$S")
		run --separate-stderr timeout 20 "$TD" enqueue /x
		assert_no_crash
		[ "$status" -eq 3 ] || fail "$gen: exit $status"
		[ "$(fingerprint "$S")" = "$fp" ]
	done
}

@test "hostile: nesting 10,000 deep, at the top, in an unknown key and in an item" {
	local fp prog
	for prog in 'print "[" x 10000, "]" x 10000' \
	    'print "{\"queue\": [], \"x\": ", "[" x 10000, "]" x 10000, "}"' \
	    'print "{\"a\": " x 10000, "1", "}" x 10000' \
	    'print "{\"queue\": [{\"command\": \"/a\", \"x\": ", "{\"b\": [" x 5000, "]}" x 5000, "}]}"'; do
		perl -e "$prog" > "$S"
		fp=$(fingerprint "$S")
		run --separate-stderr timeout 20 "$TD" enqueue /x
		assert_no_crash
		[ "$status" -eq 0 ] || [ "$(fingerprint "$S")" = "$fp" ]
		run --separate-stderr timeout 20 "$TD" ls --json
		assert_no_crash
	done
}

@test "hostile: deep but reasonable nesting (500) under an unknown key survives a rewrite" {
	perl -e 'print "{\"x\": ", "[" x 500, "1", "]" x 500, ", \"queue\": []}"' > "$S"
	run timeout 20 "$TD" enqueue /x
	assert_success
	[ "$(json "$S" 'my $v = $d->{x}; my $n = 0; while (ref $v) { $v = $v->[0]; $n++ } "$n:$v"')" = 500:1 ]
}

@test "hostile: huge numbers in known fields are refused, in unknown keys kept" {
	local doc fp
	while IFS= read -r doc; do
		printf '%s\n' "$doc" > "$S"
		fp=$(fingerprint "$S")
		run --separate-stderr timeout 20 "$TD" enqueue /x
		assert_no_crash
		[ "$status" -eq 3 ] || fail "$doc: exit $status"
		assert_one_error_line
		[ "$(fingerprint "$S")" = "$fp" ]
	done <<-EOF
	{"queue": [{"command": "/a", "priority": 1e999}]}
	{"queue": [{"command": "/a", "priority": -1e999}]}
	{"queue": [{"command": "/a", "priority": 1e308}]}
	{"queue": [{"command": "/a", "priority": 1000000001}]}
	{"queue": [{"command": "/a", "attempts": 1e999}]}
	{"queue": [{"command": "/a", "priority": $(printf '9%.0s' {1..1000})}]}
	{"nextId": 1e999}
	{"nextId": 1e300}
	{"version": 1e999}
	EOF

	printf '{"big": 1e999, "neg": -1e999, "queue": [{"id": "q-99999999999999999999", "command": "/a"}]}\n' > "$S"
	run --separate-stderr timeout 20 "$TD" enqueue /x
	assert_no_crash
	assert_success
	ids_in "$S" | sort | uniq -d | grep -q . && fail "duplicate ids: $(ids_in "$S")"
	grep -Eq '"big": *1e999([,}[:space:]]|$)' "$S"
	grep -Eq '"neg": *-1e999([,}[:space:]]|$)' "$S"

	printf '{"big": %s, "queue": []}\n' "$(printf '7%.0s' {1..1000})" > "$S"
	run --separate-stderr timeout 20 "$TD" enqueue /x
	assert_no_crash
	if [ "$status" -eq 0 ]; then
		grep -q "$(printf '7%.0s' {1..1000})" "$S" || fail "the 1000-digit number was changed"
	fi
}

@test "hostile: NUL bytes anywhere: exit 3 at the NUL's line:column, file untouched" {
	local fp text
	for text in '\000{"queue": []}' '{"queue": [\000]}' '{"queue": [{"command": "/a\000b"}]}' \
	    '{"queue": []}\n\000' '{\n  "x": "\000"}'; do
		printf "$text" > "$S"
		fp=$(fingerprint "$S")
		run --separate-stderr timeout 20 "$TD" enqueue /x
		assert_no_crash
		[ "$status" -eq 3 ] || fail "$text: exit $status"
		assert_one_error_line
		[[ "$stderr" == "tmux-dispatch: $S:"[0-9]*:[0-9]*": "*NUL* ]] || fail "$text: $stderr"
		[ "$(fingerprint "$S")" = "$fp" ]
	done
	printf '{\n  "x": "ab\000"}' > "$S"
	run --separate-stderr td ls
	[[ "$stderr" == "tmux-dispatch: $S:2:11: "* ]]
}

@test "hostile: invalid UTF-8 inside strings passes through a rewrite byte for byte; outside strings exit 3" {
	printf '{"note\xff": "a\xc3\x28b\xed\xa0\x80c\xf8", "queue": [{"command": "/x \xfe\xff y"}]}\n' > "$S"
	run --separate-stderr timeout 20 "$TD" enqueue /y
	assert_no_crash
	assert_success
	grep -qaF "$(printf '"note\xff": "a\xc3\x28b\xed\xa0\x80c\xf8"')" "$S"
	grep -qaF "$(printf '"/x \xfe\xff y"')" "$S"
	run --separate-stderr timeout 20 "$TD" ls
	assert_no_crash
	assert_success

	local fp
	printf '{"queue": [] \xff}\n' > "$S"
	fp=$(fingerprint "$S")
	run --separate-stderr timeout 20 "$TD" enqueue /y
	assert_no_crash
	[ "$status" -eq 3 ]
	[ "$(fingerprint "$S")" = "$fp" ]
}

@test "hostile: duplicate keys: known ones refused with exit 3, unknown ones kept" {
	local doc fp
	while IFS= read -r doc; do
		printf '%s\n' "$doc" > "$S"
		fp=$(fingerprint "$S")
		run --separate-stderr timeout 20 "$TD" enqueue /x
		assert_no_crash
		[ "$status" -eq 3 ] || fail "$doc: exit $status"
		assert_one_error_line
		[ "$(fingerprint "$S")" = "$fp" ]
	done <<-'EOF'
	{"queue": [], "queue": []}
	{"version": 1, "version": 1}
	{"nextId": 3, "nextId": 4}
	{"queue": [{"command": "/a", "status": "pending", "status": "done"}]}
	{"queue": [{"id": "a", "id": "b", "command": "/a"}]}
	{"terminals": {"t": {"target": "s:1", "target": "s:2"}}}
	EOF

	printf '{"x": 1, "x": 2, "queue": [{"command": "/a", "y": "one", "y": "two"}]}\n' > "$S"
	run --separate-stderr timeout 20 "$TD" enqueue /b
	assert_success
	[ "$(grep -Ec '"x": *[12]' "$S")" -eq 2 ]
	[ "$(grep -Ec '"y": *"(one|two)"' "$S")" -eq 2 ]
}

@test "hostile: a terminal name given twice is not left half-removed" {
	printf '{"terminals": {"t": {"target": "s:1"}, "t": {"target": "s:2"}}}\n' > "$S"
	local fp
	fp=$(fingerprint "$S")
	run --separate-stderr timeout 20 "$TD" terminal rm t
	assert_no_crash
	if [ "$status" -eq 0 ]; then
		run td terminal ls --json
		assert_success
		[ "$(json - 'scalar @{$d->{terminals}}' <<< "$output")" -eq 0 ]
	else
		[ "$status" -eq 3 ]
		[ "$(fingerprint "$S")" = "$fp" ]
	fi
}

# ---------------------------------------------------------------------------------------------
# Mode, temp files, lock

@test "a rewrite keeps the file's mode" {
	local mode
	td enqueue /a
	for mode in 600 640 604 660 400; do
		chmod "$mode" "$S"
		run td enqueue "/m$mode"
		assert_success
		[ "$(stat -c %a "$S")" = "$mode" ] || fail "mode $mode became $(stat -c %a "$S")"
	done
	[ "$(json "$S" 'scalar @{$d->{queue}}')" -eq 6 ]
}

@test "a new state file gets 0666 less the umask" {
	umask 077
	run td -f a.json enqueue /a
	assert_success
	[ "$(stat -c %a a.json)" = 600 ]
	umask 027
	run td -f b.json enqueue /a
	assert_success
	[ "$(stat -c %a b.json)" = 640 ]
}

@test "no temp file is left behind, after writes that succeed or are refused" {
	local cmd
	for cmd in 'terminal add g-1 s:1 --allow /ok' 'enqueue /a' 'enqueue --id x /b' 'done x' \
	    'enqueue --id x /c' 'enqueue --after nope /d' 'enqueue --to g-1 /refused' 'done nope' \
	    'cancel x' 'retry x' 'fail q-1' 'terminal rm nope' 'terminal rm g-1'; do
		run td $cmd
		[ "$(ls -A)" = "$(printf 'state.json\nstate.json.lock')" ] ||
			fail "after '$cmd': $(ls -A)"
	done
	echo '{"queue": {}}' > "$S"
	run td enqueue /e
	[ "$status" -eq 3 ]
	[ "$(ls -A)" = "$(printf 'state.json\nstate.json.lock')" ]
}

@test "a stale temp file from a dead writer does not block writes" {
	seed_state "$S" 10
	# What a writer killed mid-write leaves: half a document in the temp file, the lock file.
	head -c 200 "$S" > "$S.tmp"
	chmod 000 "$S.tmp"
	touch "$S.lock"
	run --separate-stderr td enqueue /after-crash
	assert_success
	assert_output q-1
	[ ! -e "$S.tmp" ]
	[ "$(json "$S" '$d->{queue}[-1]{command}')" = /after-crash ]
	[ "$(json "$S" 'scalar @{$d->{queue}}')" -eq 11 ]
}

@test "the lock wait is bounded: TMUX_DISPATCH_LOCK_TIMEOUT=1 gives one clear error and exit 1" {
	td enqueue /first > /dev/null
	local fp lk
	fp=$(fingerprint "$S")
	exec {lk}> "$S.lock"
	flock -x "$lk"
	# Held for longer than `timeout` allows: only the helper's own bound can end the wait.
	run --separate-stderr env TMUX_DISPATCH_LOCK_TIMEOUT=1 timeout 8 "$TD" enqueue /second
	exec {lk}>&-
	[ "$status" -eq 1 ] || fail "exit $status (124: it did not give up by itself)"
	assert_one_error_line
	[[ "$stderr" == *"$S.lock"*locked* ]] || fail "unclear: $stderr"
	assert_output ''
	[ "$(fingerprint "$S")" = "$fp" ]

	run td enqueue /second
	assert_success
	assert_output q-2
}

@test "the lock wait is bounded by default (10 s)" {
	local lk
	exec {lk}> "$S.lock"
	flock -x "$lk"
	run --separate-stderr timeout 40 "$TD" enqueue /waits
	exec {lk}>&-
	[ "$status" -eq 1 ] || fail "exit $status (124: it did not give up by itself)"
	assert_one_error_line
	[[ "$stderr" == *"after 10 s"* ]] || fail "$stderr"
	[ ! -e "$S" ]
}

@test "a writer waits for the lock and goes on as soon as it is free" {
	local lk pid n
	exec {lk}> "$S.lock"
	flock -x "$lk"
	"$TD" enqueue /patient > out 2> err {lk}>&- 3>&- &
	pid=$!
	# Poll until the kernel lists it as a blocked waiter on the lock.
	for ((n = 0; n < 400; n++)); do
		grep -Eq -- "-> FLOCK +ADVISORY +WRITE +$pid " /proc/locks && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -Eq -- "-> FLOCK +ADVISORY +WRITE +$pid " /proc/locks || {
		exec {lk}>&-
		fail "the writer never waited on the lock: $(cat err)"
	}
	[ ! -e "$S" ]
	exec {lk}>&-
	wait "$pid"
	[ "$(cat out)" = q-1 ]
	[ "$(json "$S" '$d->{queue}[0]{command}')" = /patient ]
}
