#!/usr/bin/env bats
# make install / uninstall, and the man page: it lints clean, renders without warnings, and
# documents every command and option the helper's --help texts print (so a command added to
# the binary without a man page entry fails here), every TMUX_DISPATCH_* variable and
# @dispatch-* option the sources use, and the state replace command.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0
load ../lib/common

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
MAN="$REPO/helper/tmux-dispatch.1"

setup() {
	common_setup
	BUILD_DIR="$(cd "$(dirname "$TD")" && pwd)"
	ROOT="$BATS_TEST_TMPDIR/root"
}

# make -C REPO TARGET with the test's DESTDIR, PREFIX and BUILD. -o: the binary under test is
# installed as it is, never rebuilt from the working tree's sources (under `make test` it is up
# to date anyway).
run_make() {
	run make -s --no-print-directory -C "$REPO" -o "$BUILD_DIR/tmux-dispatch" "$1" \
	    DESTDIR="$ROOT" PREFIX=/usr BUILD="$BUILD_DIR"
}

# man_text FILE: the page as plain text (mandoc, no overstrike, no tabs), with words that were
# broken across lines at a hyphen ("--dry-\n run") joined again.
man_text() {
	mandoc -T ascii "$1" | col -bx | perl -0pe 's/([A-Za-z0-9])-\n[ \t]*(?=[A-Za-z0-9])/$1-/g'
}

# section NAME: the body of section NAME of man_text on stdin (up to the next heading).
section() {
	perl -ne 'BEGIN { $s = shift @ARGV } if ($on) { last if /^\S/; print } elsif ($_ eq "$s\n") { $on = 1 }' "$1"
}

# entry CMD: the entry of command CMD in a COMMANDS section on stdin: its tag line (at the
# list's indent, five columns, and starting with CMD) up to the next line at that indent or less.
entry() {
	perl -ne 'BEGIN { $c = shift @ARGV }
		if ($on) { last if /^ {0,5}\S/; print }
		elsif (/^ {5}\Q$c\E( |$)/) { $on = 1; print }' "$1"
}

# The command names of `tmux-dispatch --help` (its Commands: list), one a line.
help_commands() {
	td --help | perl -ne 'if (/^Commands:/) { $on = 1; next }
		next unless $on; last if /^\s*$/;
		print "$1\n" if /^  (\S+(?: \S+)*?)(?:  |$)/'
}

# The options in a --help text on stdin, one a line: every --long, and the short ones the
# usage line shows ([-t ...) or an option line defines ("  -t, --target").
help_options() {
	perl -ne 'print "$1\n" while /(?<![\w-])(--[a-z][a-z0-9-]*)/g;
		print "$1\n" while /\[(-[a-zA-Z])(?![\w-])/g;
		print "$1\n" if /^\s+(-[a-zA-Z]),\s/' | sort -u
}

# has_option TEXT OPTION: OPTION occurs in TEXT as a whole word.
has_option() {
	OPT="$2" perl -e 'my $t = do { local $/; <STDIN> }; my $o = quotemeta $ENV{OPT};
		exit($t =~ /(?<![\w-])$o(?![\w-])/ ? 0 : 1)' <<< "$1"
}

# doc_check FILE: every command of `--help` has an entry in FILE's COMMANDS section, and every
# option of its --help is in that entry; the global options are in the page. Prints each
# problem, fails if there is one.
doc_check() {
	local text commands cmd words help opt block n=0 bad=0
	text=$(man_text "$1")
	commands=$(printf '%s\n' "$text" | section COMMANDS)
	[ -n "$commands" ] || { echo "no COMMANDS section"; return 1; }
	while IFS= read -r cmd; do
		n=$((n + 1))
		block=$(printf '%s\n' "$commands" | entry "$cmd")
		if [ -z "$block" ]; then
			echo "command '$cmd' has no entry in COMMANDS"
			bad=1
			continue
		fi
		read -ra words <<< "$cmd"
		help=$(td "${words[@]}" --help) || { echo "'$cmd --help' failed"; bad=1; continue; }
		while IFS= read -r opt; do
			[ -n "$opt" ] || continue
			has_option "$block" "$opt" || { echo "'$cmd': option $opt not in its entry"; bad=1; }
		done < <(printf '%s\n' "$help" | help_options)
	done < <(help_commands)
	[ "$n" -ge 20 ] || { echo "only $n commands parsed from --help"; bad=1; }
	while IFS= read -r opt; do
		has_option "$text" "$opt" || { echo "global option $opt not in the page"; bad=1; }
	done < <(td --help | help_options)
	return "$bad"
}

# ---------------------------------------------------------------------------------------------
# make install / uninstall

@test "make install puts the helper, the man page and the plugin under DESTDIR/PREFIX" {
	run_make install
	assert_success
	[ -f "$ROOT/usr/bin/tmux-dispatch" ] && [ -x "$ROOT/usr/bin/tmux-dispatch" ] ||
	    fail "no executable usr/bin/tmux-dispatch"
	cmp -s "$ROOT/usr/bin/tmux-dispatch" "$TD" || fail "the installed helper is not the build's"
	run --separate-stderr "$ROOT/usr/bin/tmux-dispatch" --version
	assert_success
	assert_output "$("$TD" --version)"
	assert_output --regexp '^tmux-dispatch [0-9]+\.[0-9]+'
	[ -f "$ROOT/usr/share/man/man1/tmux-dispatch.1" ] || fail "no man page"
	cmp -s "$ROOT/usr/share/man/man1/tmux-dispatch.1" "$MAN" || fail "man page differs"
	local p="$ROOT/usr/share/tmux-dispatch" f n=0
	[ -f "$p/dispatch.tmux" ] && [ -x "$p/dispatch.tmux" ] || fail "no executable dispatch.tmux"
	cmp -s "$p/dispatch.tmux" "$REPO/dispatch.tmux" || fail "dispatch.tmux differs"
	for f in "$REPO"/scripts/*.sh; do
		n=$((n + 1))
		[ -f "$p/scripts/${f##*/}" ] && [ -x "$p/scripts/${f##*/}" ] ||
		    fail "scripts/${f##*/} not installed executable"
		cmp -s "$p/scripts/${f##*/}" "$f" || fail "scripts/${f##*/} differs"
	done
	[ "$n" -ge 5 ] || fail "only $n scripts in the repository?"
	[ "$(find "$p/scripts" -type f | wc -l)" -eq "$n" ] || fail "extra files in scripts/"
	[ -L "$p/bin/tmux-dispatch" ] || fail "bin/tmux-dispatch is not a symlink"
	[ "$(readlink "$p/bin/tmux-dispatch")" = /usr/bin/tmux-dispatch ] ||
	    fail "bin/tmux-dispatch -> $(readlink "$p/bin/tmux-dispatch"), not /usr/bin/tmux-dispatch"
}

@test "make uninstall with the same DESTDIR and PREFIX removes everything install put there" {
	run_make install
	assert_success
	[ -n "$(find "$ROOT" \( -type f -o -type l \) -print)" ] || fail "install installed nothing"
	run_make uninstall
	assert_success
	[ ! -e "$ROOT/usr/bin/tmux-dispatch" ] || fail "usr/bin/tmux-dispatch left"
	[ ! -e "$ROOT/usr/share/man/man1/tmux-dispatch.1" ] || fail "man page left"
	[ ! -e "$ROOT/usr/share/tmux-dispatch" ] && [ ! -L "$ROOT/usr/share/tmux-dispatch" ] ||
	    fail "usr/share/tmux-dispatch left"
	run find "$ROOT" \( -type f -o -type l \) -print
	assert_success
	assert_output ''
}

# ---------------------------------------------------------------------------------------------
# The man page

@test "the man page lints clean with mandoc and renders with man -l without warnings" {
	run --separate-stderr mandoc -T lint -W warning "$MAN"
	assert_success
	assert_output ''
	[ -z "$stderr" ] || fail "mandoc: $stderr"
	MANWIDTH=80 run --separate-stderr man --warnings -l "$MAN"
	assert_success
	[ -z "$stderr" ] || fail "man --warnings: $stderr"
	assert_output --partial 'COMMANDS'
	assert_output --partial 'EXIT STATUS'
}

@test "every command of --help has a COMMANDS entry naming every option of its --help" {
	run help_commands
	assert_success
	# The parser sees the list: known names, multi-word ones whole.
	assert_line 'terminal add'
	assert_line 'menu terminals'
	assert_line 'profiles show'
	assert_line 'check'
	[ "${#lines[@]}" -ge 20 ] || fail "only ${#lines[@]} commands parsed: $output"
	run help_options < <(td check --help)
	assert_output $'--auto\n--dry-run\n--quiet'
	run help_options < <(td classify --help)
	assert_line -- '-t'
	assert_line -- '--target'
	run doc_check "$MAN"
	assert_success
	assert_output ''
}

@test "the documentation check fails for an undocumented command or option" {
	local copy="$BATS_TEST_TMPDIR/copy.1"
	# Without the entry of "menu terminals" (its .It line: the body joins the entry before).
	grep -q '^\.It Cm menu terminals$' "$MAN" || fail "no '.It Cm menu terminals' line to remove"
	grep -v '^\.It Cm menu terminals$' "$MAN" > "$copy"
	run doc_check "$copy"
	assert_failure
	assert_line "command 'menu terminals' has no entry in COMMANDS"
	# Without check's --quiet, in its synopsis and its option list.
	grep -q '^\.Op Fl \\-quiet$' "$MAN" && grep -q '^\.It Fl \\-quiet$' "$MAN" ||
	    fail "no '.Op/.It Fl \\-quiet' lines to remove"
	sed -e '/^\.Op Fl \\-quiet$/d' -e '/^\.It Fl \\-quiet$/,/^Print nothing\.$/d' "$MAN" > "$copy"
	run doc_check "$copy"
	assert_failure
	assert_line "'check': option --quiet not in its entry"
}

@test "the man page documents state replace FILE --expect SNAPSHOT and exit status 5" {
	local text commands block status_section
	text=$(man_text "$MAN")
	commands=$(printf '%s\n' "$text" | section COMMANDS)
	block=$(printf '%s\n' "$commands" | entry 'state replace')
	[ -n "$block" ] || fail "no 'state replace' entry in COMMANDS"
	[[ "$block" == *"state replace file [--expect snapshot]"* ]] || fail "synopsis: $block"
	has_option "$block" --expect || fail "--expect not described"
	[[ "$block" == *"exit 5"* ]] || fail "exit 5 not in the entry"
	[[ "$block" == *"exits 3"* ]] || fail "exit 3 not in the entry"
	status_section=$(printf '%s\n' "$text" | section 'EXIT STATUS')
	for n in 0 1 2 3 4 5; do
		printf '%s\n' "$status_section" | grep -qE "^ {5}$n +[A-Z]" || fail "exit status $n not listed"
	done
	printf '%s\n' "$status_section" | grep -A1 -E '^ {5}5 ' | tr '\n' ' ' |
	    grep -q 'state replace --expect' || fail "exit status 5 does not name state replace --expect"
}

@test "ENVIRONMENT has an entry for every TMUX_DISPATCH_ variable of the sources and README" {
	local env vars v n=0
	env=$(man_text "$MAN" | section ENVIRONMENT)
	vars=$( { grep -rhoE 'TMUX_DISPATCH_[A-Z_]+' --include='*.c' --include='*.h' --include='*.sh' \
	    "$REPO/helper" "$REPO/scripts"; grep -hoE 'TMUX_DISPATCH_[A-Z_]+' "$REPO/dispatch.tmux" \
	    "$REPO/README.md"; } | grep -v '_H$' | sort -u)
	for v in $vars; do
		n=$((n + 1))
		printf '%s\n' "$env" | grep -qE "^ {5}([A-Z_]+, )*$v(,|\$)" || fail "$v has no ENVIRONMENT entry"
	done
	[ "$n" -ge 8 ] || fail "only $n variables found in the sources"
}

@test "the plugin section lists every @dispatch- option of scripts/variables.sh" {
	local plugin options o n=0
	plugin=$(man_text "$MAN" | section 'TMUX PLUGIN')
	options=$(grep -oE '"@dispatch-[a-z-]+"' "$REPO/scripts/variables.sh" | tr -d '"' | sort -u)
	for o in $options; do
		n=$((n + 1))
		printf '%s\n' "$plugin" | grep -qE "^ {5}$o( |\$)" || fail "$o has no entry in TMUX PLUGIN"
	done
	[ "$n" -ge 8 ] || fail "only $n options found in scripts/variables.sh"
}
