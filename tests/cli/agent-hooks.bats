#!/usr/bin/env bats
# agent-hooks install|rm|status (issue 14): tmux-dispatch's entries in an agent's own settings,
# merged into real files: every other key and entry kept, installing twice adds nothing, rm
# gives back the file as it was, a file that does not parse (or that holds a setting we would
# have to replace) is refused and untouched. The hook commands are this helper's absolute
# path plus fixed words.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load ../lib/common

setup() {
	common_setup
	export HOME="$BATS_TEST_TMPDIR/home"
	unset CLAUDE_CONFIG_DIR CODEX_HOME GEMINI_CLI_HOME
	mkdir -p "$HOME/.claude" "$HOME/.codex" "$HOME/.gemini"
	HELPER=$(readlink -f "$TD")
}

# A Claude Code settings file as Claude writes it (JSON.stringify, two spaces), with hooks of
# the user's own, other keys, and a Unicode string.
claude_settings() {
	cat <<'EOF'
{
  "model": "opus",
  "permissions": {
    "allow": [
      "Bash(npm test:*)"
    ],
    "deny": []
  },
  "hooks": {
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "notify-send 'Claude is done'"
          }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "~/bin/audit.sh",
            "timeout": 5
          }
        ]
      }
    ]
  },
  "env": {
    "GREETING": "grüß dich \"you\""
  },
  "cleanupPeriodDays": 30,
  "includeCoAuthoredBy": false
}
EOF
}

@test "claude: install adds Stop, PermissionRequest, Notification and SessionStart entries and keeps everything else" {
	F="$HOME/.claude/settings.json"
	claude_settings >"$F"
	run -0 td agent-hooks install claude
	assert_output "claude: installed in $F"
	run json "$F" '$d->{model}, $d->{env}{GREETING}, $d->{cleanupPeriodDays}, $d->{permissions}{allow}[0]'
	assert_output $'opus\ngrüß dich "you"\n30\nBash(npm test:*)'
	run json "$F" '$d->{includeCoAuthoredBy} ? "true" : "false"'
	assert_output false
	# The user's Stop hook first, ours after it; the user's PreToolUse hook untouched.
	run json "$F" 'map { $_->{hooks}[0]{command} } @{$d->{hooks}{Stop}}'
	assert_output $'notify-send \'Claude is done\'\n'"$HELPER hook agent stop"
	run json "$F" '$d->{hooks}{Notification}[0]{hooks}[0]{command}, $d->{hooks}{SessionStart}[0]{hooks}[0]{command}'
	assert_output "$HELPER hook agent notification"$'\n'"$HELPER hook agent session-start"
	# The permission dialog's own hook: Claude's Notification for it comes seconds later.
	run json "$F" '$d->{hooks}{PermissionRequest}[0]{hooks}[0]{command}'
	assert_output "$HELPER hook agent notification"
	run json "$F" '$d->{hooks}{PreToolUse}[0]{matcher}, $d->{hooks}{PreToolUse}[0]{hooks}[0]{timeout}'
	assert_output $'Bash\n5'
	run -0 td agent-hooks status --user
	assert_line "claude  user     $F: installed"
}

@test "claude: installing twice adds nothing and does not rewrite the file" {
	F="$HOME/.claude/settings.json"
	claude_settings >"$F"
	td agent-hooks install claude >/dev/null
	before=$(fingerprint "$F")
	run -0 td agent-hooks install claude
	assert_output "claude: already installed in $F"
	[ "$(fingerprint "$F")" = "$before" ]
	run json "$F" 'scalar @{$d->{hooks}{Stop}}'
	assert_output 2
}

@test "claude: rm gives back the file byte for byte, and a second rm changes nothing" {
	F="$HOME/.claude/settings.json"
	claude_settings >"$F"
	cp "$F" "$BATS_TEST_TMPDIR/before"
	td agent-hooks install claude >/dev/null
	run -0 td agent-hooks rm claude
	assert_output "claude: removed from $F"
	cmp "$BATS_TEST_TMPDIR/before" "$F"
	run -0 td agent-hooks rm claude
	assert_output "claude: not installed in $F"
	cmp "$BATS_TEST_TMPDIR/before" "$F"
}

@test "claude: a moved helper's entries are pointed at this one, not doubled" {
	F="$HOME/.claude/settings.json"
	printf '{\n  "hooks": {\n    "Stop": [\n      {\n        "hooks": [\n          {\n            "type": "command",\n            "command": "/old/place/tmux-dispatch hook agent stop"\n          }\n        ]\n      }\n    ]\n  }\n}\n' >"$F"
	run -0 td agent-hooks status --user --json
	run json - '(grep { $_->{agent} eq "claude" } @{$d->{hooks}})[0]{status}' <<<"$output"
	assert_output partly
	run -0 td agent-hooks install claude
	run json "$F" 'scalar @{$d->{hooks}{Stop}}, $d->{hooks}{Stop}[0]{hooks}[0]{command}'
	assert_output $'1\n'"$HELPER hook agent stop"
}

@test "claude --project DIR: the project's .claude/settings.json, created when missing" {
	mkdir -p "$BATS_TEST_TMPDIR/proj"
	run -0 td agent-hooks install claude --project "$BATS_TEST_TMPDIR/proj"
	F="$BATS_TEST_TMPDIR/proj/.claude/settings.json"
	assert_output "claude: installed in $F"
	run json "$F" '$d->{hooks}{Stop}[0]{hooks}[0]{type}'
	assert_output command
	[ ! -e "$HOME/.claude/settings.json" ]
	run -2 td agent-hooks install claude --user --project "$BATS_TEST_TMPDIR/proj"
	run -4 --separate-stderr td agent-hooks install claude --project "$BATS_TEST_TMPDIR/nowhere"
	assert_one_error_line
}

@test "a settings file that does not parse is refused, with one line, and untouched" {
	F="$HOME/.claude/settings.json"
	printf '{\n  // my comment\n  "model": "opus",\n}\n' >"$F"
	before=$(fingerprint "$F")
	run -3 --separate-stderr td agent-hooks install claude
	assert_one_error_line
	assert_output ''
	[ "$(fingerprint "$F")" = "$before" ]
	run -3 --separate-stderr td agent-hooks rm claude
	[ "$(fingerprint "$F")" = "$before" ]
	G="$HOME/.gemini/settings.json"
	printf '[1, 2]\n' >"$G"
	run -3 --separate-stderr td agent-hooks install gemini
	assert_one_error_line
	run -0 td agent-hooks status --user --json
	run json - '(grep { $_->{agent} eq "gemini" } @{$d->{hooks}})[0]{status}' <<<"$output"
	assert_output invalid
}

@test "a settings file that is a symlink is edited where it points, and stays a link" {
	mkdir -p "$BATS_TEST_TMPDIR/dotfiles"
	claude_settings >"$BATS_TEST_TMPDIR/dotfiles/claude.json"
	ln -s "$BATS_TEST_TMPDIR/dotfiles/claude.json" "$HOME/.claude/settings.json"
	run -0 td agent-hooks install claude
	[ -L "$HOME/.claude/settings.json" ]
	run json "$BATS_TEST_TMPDIR/dotfiles/claude.json" 'scalar @{$d->{hooks}{Stop}}'
	assert_output 2
}

@test "gemini: AfterAgent, Notification and SessionStart, named; hooks turned off is refused" {
	G="$HOME/.gemini/settings.json"
	printf '{\n  "general": {\n    "vimMode": true\n  },\n  "hooksConfig": {\n    "enabled": true\n  }\n}\n' >"$G"
	cp "$G" "$BATS_TEST_TMPDIR/before"
	run -0 td agent-hooks install gemini
	assert_output "gemini: installed in $G"
	run json "$G" '$d->{hooks}{AfterAgent}[0]{hooks}[0]{command}, $d->{hooks}{AfterAgent}[0]{hooks}[0]{name}, $d->{general}{vimMode} ? 1 : 0'
	assert_output "$HELPER hook agent stop"$'\ntmux-dispatch-stop\n1'
	run json "$G" '$d->{hooks}{Notification}[0]{hooks}[0]{command}'
	assert_output "$HELPER hook agent notification"
	run -0 td agent-hooks rm gemini
	cmp "$BATS_TEST_TMPDIR/before" "$G"
	printf '{\n  "hooksConfig": {\n    "enabled": false\n  }\n}\n' >"$G"
	before=$(fingerprint "$G")
	run -1 --separate-stderr td agent-hooks install gemini
	assert_one_error_line
	[[ $stderr == *'"enabled": false'* ]]
	[ "$(fingerprint "$G")" = "$before" ]
}

# A Codex config.toml like the ones Codex and its users write: comments, tables, a multi-line
# string holding a "[", a multi-line array.
codex_config() {
	cat <<'EOF'
# my Codex settings
model = "gpt-5"  # the default
approval_policy = "on-request"
writable_roots = [
  "/tmp", # scratch
  '/var/tmp',
]
instructions = """
Never edit [generated] files.
"""

[projects."/home/me/src"]
trust_level = "trusted"

[features]
daemon_auto_start = false
EOF
}

@test "codex: notify goes first in config.toml, above every table; rm restores the file" {
	F="$HOME/.codex/config.toml"
	codex_config >"$F"
	cp "$F" "$BATS_TEST_TMPDIR/before"
	run -0 td agent-hooks install codex
	assert_output "codex: installed in $F"
	run grep -n '^notify = ' "$F"
	assert_output "2:notify = [\"$HELPER\", \"hook\", \"agent\", \"stop\"]"
	# Everything after our three lines is the file as it was.
	tail -n +4 "$F" | cmp - "$BATS_TEST_TMPDIR/before"
	before=$(fingerprint "$F")
	run -0 td agent-hooks install codex
	assert_output "codex: already installed in $F"
	[ "$(fingerprint "$F")" = "$before" ]
	run -0 td agent-hooks status --user
	assert_line "codex   user     $F: installed"
	run -0 td agent-hooks rm codex
	assert_output "codex: removed from $F"
	cmp "$BATS_TEST_TMPDIR/before" "$F"
}

@test "codex: a notify of the user's own is refused with what to add by hand; so is a file that does not scan" {
	F="$HOME/.codex/config.toml"
	{ echo 'notify = ["notify-send", "Codex"]'; codex_config; } >"$F"
	before=$(fingerprint "$F")
	run -1 --separate-stderr td agent-hooks install codex
	assert_one_error_line
	[[ $stderr == *"already has a notify"*"$HELPER hook agent stop"* ]]
	[ "$(fingerprint "$F")" = "$before" ]
	# A notify inside a table is not Codex's notify: that file takes ours.
	{ codex_config; echo 'notify = "not the top-level one"'; } >"$F"
	run -0 td agent-hooks install codex
	for bad in 'model = "gpt-5' 'arr = [1, 2' '= 3' 'desc = """open' 'x ='; do
		printf '%s\n[features]\na = 1\n' "$bad" >"$F"
		before=$(fingerprint "$F")
		run -3 --separate-stderr td agent-hooks install codex
		assert_one_error_line
		[ "$(fingerprint "$F")" = "$before" ] || fail "changed for: $bad"
	done
}

@test "codex: CODEX_HOME, CLAUDE_CONFIG_DIR and GEMINI_CLI_HOME choose the user files" {
	export CODEX_HOME="$BATS_TEST_TMPDIR/ch" CLAUDE_CONFIG_DIR="$BATS_TEST_TMPDIR/cc"
	export GEMINI_CLI_HOME="$BATS_TEST_TMPDIR/gh"
	mkdir -p "$CODEX_HOME" "$CLAUDE_CONFIG_DIR" "$GEMINI_CLI_HOME"
	run -0 td agent-hooks install codex
	assert_output "codex: installed in $CODEX_HOME/config.toml"
	run -0 td agent-hooks install claude
	assert_output "claude: installed in $CLAUDE_CONFIG_DIR/settings.json"
	run -0 td agent-hooks install gemini
	assert_output "gemini: installed in $GEMINI_CLI_HOME/.gemini/settings.json"
	run -0 td agent-hooks status --user --json
	run json - 'join ",", map { $_->{status} } @{$d->{hooks}}' <<<"$output"
	assert_output installed,installed,installed
}

@test "agent-hooks: an unknown agent or a missing one is a usage error; Codex takes no project notify" {
	mkdir -p "$BATS_TEST_TMPDIR/proj"
	run -2 --separate-stderr td agent-hooks install codex --project "$BATS_TEST_TMPDIR/proj"
	assert_one_error_line
	[ ! -e "$BATS_TEST_TMPDIR/proj/.codex" ]
	run -2 --separate-stderr td agent-hooks install vim
	assert_one_error_line
	run -2 --separate-stderr td agent-hooks rm
	assert_one_error_line
	run -0 td agent-hooks install --help
	assert_output --partial 'usage: tmux-dispatch agent-hooks install'
}
