# Shared setup for the CLI tests. A test file starts with
#     bats_require_minimum_version 1.5.0
#     bats_load_library bats-support
#     bats_load_library bats-assert
#     load ../lib/common
# and calls common_setup from its setup().

TD="${TD_BUILD:-$BATS_TEST_DIRNAME/../../bin}/tmux-dispatch"

# Under `make asan` a sanitizer report must never pass for an ordinary exit status (both default
# to 1, a status the helper uses itself): give them statuses no test accepts.
export ASAN_OPTIONS="exitcode=99:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="exitcode=98:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# Every test works in its own empty directory, with the state file named explicitly, so no test
# can reach a real .terminal-status.json. W is that directory; S the state file in it.
common_setup() {
	[ -x "$TD" ] || fail "no helper binary at $TD (run make)"
	W="$BATS_TEST_TMPDIR/work"
	mkdir -p "$W"
	cd "$W" || return 1
	S="$W/state.json"
	export TMUX_DISPATCH_STATE="$S"
	unset TMUX_DISPATCH_LOCK_TIMEOUT
	# No tmux server of the user's is reachable: commands that would talk to tmux find none.
	export TMUX_TMPDIR="$BATS_TEST_TMPDIR"
	# Trust records (trust.h) go to the test's own store, never the user's.
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg-state"
	unset TMUX TMUX_PANE
}

td() {
	"$TD" "$@"
}

# json FILE EXPR: decodes FILE (- for standard input) and prints the Perl expression EXPR over
# the document $d, one line per value; references print as canonical JSON. Perl's JSON::PP
# comes with perl, which prove needs anyway, so the tests need no jq.
json() {
	perl -MJSON::PP -e '
		binmode STDOUT, ":encoding(UTF-8)";
		my ($file, $expr) = @ARGV;
		local $/;
		my $fh;
		if ($file eq "-") { $fh = \*STDIN } else { open $fh, "<", $file or die "$file: $!\n" }
		my $text = <$fh>;
		my $d = JSON::PP->new->utf8->allow_bignum->decode($text);
		my $enc = JSON::PP->new->canonical->allow_nonref->allow_bignum;
		my @r = eval $expr;
		die $@ if $@;
		print((ref $_ && ref $_ ne "Math::BigInt" && ref $_ ne "Math::BigFloat" ?
		    $enc->encode($_) : !defined $_ ? "null" : JSON::PP::is_bool($_) ?
		    ($_ ? "true" : "false") : $_), "\n") for @r;
	' "$1" "$2"
}

# Whether FILE holds one JSON document (exit status only).
json_valid() {
	perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or exit 1;
		eval { JSON::PP->new->utf8->allow_bignum->decode(<$f>); 1 } or exit 1' "$1"
}

# seed_state FILE N: a hand-written state of N pending items "seed-1".."seed-N".
seed_state() {
	perl -e 'my $n = $ARGV[0]; print "{\"version\": 1, \"queue\": [\n";
		print join(",\n", map { "{\"id\": \"seed-$_\", \"command\": \"/wireframe-fix " .
		    "003-user-authentication 01-registration-sign-in.svg $_\"}" } 1 .. $n);
		print "\n]}\n"' "$2" > "$1"
}

# fingerprint FILE: content hash, inode, size and mtime to the nanosecond. A rewrite by rename
# changes the inode; a rewrite in place changes the hash or the mtime.
fingerprint() {
	printf '%s %s\n' "$(sha256sum < "$1")" "$(stat -c '%i %s %y %a' "$1")"
}

# The last line of stderr of the last `run --separate-stderr` is the only one, and it is an error.
# shellcheck disable=SC2154 # stderr: set by bats' run
assert_one_error_line() {
	local n
	n=$(printf '%s' "$stderr" | grep -c '')
	[ "$n" -eq 1 ] || fail "expected one line on stderr, got $n: $stderr"
	[[ "$stderr" == "tmux-dispatch: "* ]] || fail "stderr does not start with 'tmux-dispatch: ': $stderr"
}

# assert_no_crash: the last run ended by itself with a status of the CLI contract: not killed by
# a signal (128+N), not stopped by `timeout` (124), not a sanitizer report (98, 99).
# shellcheck disable=SC2154 # status and stderr: set by bats' run
assert_no_crash() {
	case "$status" in
	0 | 1 | 2 | 3) ;;
	124) fail "timed out (hang)" ;;
	*) fail "exit status $status: crashed or killed (stderr: ${stderr:-$output})" ;;
	esac
}

# ids_in FILE: every item id of a state file, queue and completedToday, one a line.
# shellcheck disable=SC2016 # a Perl expression: perl expands it, not the shell
ids_in() {
	json "$1" 'map { $_->{id} } @{$d->{queue} || []}, @{$d->{completedToday} || []}'
}
