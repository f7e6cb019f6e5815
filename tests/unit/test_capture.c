/*
 * The classifier: every fixture capture (tests/fixtures/captures, labels.tsv) with the profile
 * its name implies and with auto, zero mismatches; synthetic edge cases; the screen hash and
 * the stall counter; profile data errors.
 */
#include <dirent.h>
#include <locale.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "classify.h"
#include "profile.h"
#include "stall.h"
#include "tap.h"
#include "trust.h"
#include "tmux-dispatch.h"

#define NBSP "\xc2\xa0"
#define RULE "────────────────────────────────────────────────────────────"

static char *
fixture_dir(const char *sub)
{
	const char *env = getenv("TD_FIXTURES");
	char *dir, *slash, *path;

	if (env != NULL && *env != '\0')
		dir = xstrdup(env);
	else {
		/* __FILE__ is tests/unit/test_capture.c as make compiles it from the top. */
		dir = xstrdup(__FILE__);
		if ((slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
		else {
			free(dir);
			dir = xstrdup(".");
		}
		xasprintf(&path, "%s/../fixtures", dir);
		free(dir);
		dir = path;
	}
	xasprintf(&path, "%s/%s", dir, sub);
	free(dir);
	return path;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;

	*len = 0;
	if (f != NULL) {
		file_read(f, 0, &text, len);
		fclose(f);
	}
	return text;
}

/* profile_get, or NULL; *status (if not NULL) gets its exit status. */
static const struct profile *
get_profile(const char *name, const char *dir, int *status)
{
	const struct profile *p;
	char *cause = NULL;
	int rc = profile_get(name, dir, &p, &cause);

	free(cause);
	if (status != NULL)
		*status = rc;
	return p;
}

static struct verdict
classify(const char *profile, const char *text, const struct pane_meta *meta)
{
	const struct profile *p = get_profile(profile, NULL, NULL);
	struct verdict v;

	if (p == NULL) {
		memset(&v, 0, sizeof v);
		v.state = PANE_UNKNOWN;
		snprintf(v.rule, sizeof v.rule, "no profile %s", profile);
		v.profile = "?";
		return v;
	}
	classify_screen(p, text, strlen(text), meta, &v);
	return v;
}

/* Whether STATE is one of WANT ("busy", "busy|typed", "busy,typed"). */
static int
state_in(const char *state, const char *want)
{
	size_t n = strlen(state);
	const char *p = want;

	while (*p != '\0') {
		size_t l = strcspn(p, "|, ");

		if (l == n && strncmp(p, state, n) == 0)
			return 1;
		p += l;
		p += strspn(p, "|, ");
	}
	return 0;
}

/* The profile a fixture's name implies: claude-idle-1 -> claude, bash-busy-2 -> shell. */
static const char *
fixture_profile(const char *name)
{
	static const char *shells[] = { "bash", "zsh", "fish", "sh", "dash", "ksh", NULL };
	static char buf[64];
	size_t l = strcspn(name, "-_");
	int i;

	if (l >= sizeof buf)
		return NULL;
	memcpy(buf, name, l);
	buf[l] = '\0';
	for (i = 0; shells[i] != NULL; i++) {
		if (strcmp(buf, shells[i]) == 0)
			return "shell";
	}
	return buf;
}

static void
test_fixtures(const char *sub)
{
	char *dir = fixture_dir(sub), *labels, *text, *meta_text, *path, *line, *next;
	size_t len, mlen;
	int total = 0, wrong = 0, false_idle = 0;

	xasprintf(&path, "%s/labels.tsv", dir);
	labels = slurp(path, &len);
	free(path);
	if (labels == NULL) {
		ok(0, "%s/labels.tsv is readable", dir);
		free(dir);
		return;
	}
	td_quiet(1);
	for (line = labels; line != NULL && *line != '\0'; line = next) {
		char name[256], want[128], *tab, *prof_name, *esc;
		const char *prof;
		struct pane_meta meta = { 0 };
		size_t ll, esclen;
		int k;

		next = strchr(line, '\n');
		ll = next != NULL ? (size_t)(next - line) : strlen(line);
		if (next != NULL)
			next++;
		if (ll == 0 || line[0] == '#')
			continue;
		tab = memchr(line, '\t', ll);
		if (tab == NULL || (size_t)(tab - line) >= sizeof name ||
		    ll - (size_t)(tab - line) - 1 >= sizeof want)
			continue;
		memcpy(name, line, (size_t)(tab - line));
		name[tab - line] = '\0';
		memcpy(want, tab + 1, ll - (size_t)(tab - line) - 1);
		want[ll - (size_t)(tab - line) - 1] = '\0';
		want[strcspn(want, "\t\r")] = '\0';

		xasprintf(&path, "%s/%s.txt", dir, name);
		text = slurp(path, &len);
		free(path);
		if (text == NULL) {
			ok(0, "%s/%s.txt is readable", sub, name);
			continue;
		}
		xasprintf(&path, "%s/%s.meta", dir, name);
		if ((meta_text = slurp(path, &mlen)) != NULL) {
			ok(capture_meta_parse(meta_text, &meta) == 0, "%s.meta parses", name);
			free(meta_text);
		}
		free(path);

		xasprintf(&path, "%s/%s.ansi", dir, name);
		esc = slurp(path, &esclen);
		free(path);
		prof = fixture_profile(name);
		prof_name = xstrdup(prof != NULL ? prof : "auto");
		for (k = 0; k < 2; k++) {
			const char *use = k == 0 ? prof_name : "auto";
			const struct profile *p;
			struct verdict v;

			if (k == 0 && (strcmp(use, "auto") == 0 ||
			    (p = get_profile(use, NULL, NULL)) == NULL))
				continue;
			p = get_profile(use, NULL, NULL);
			classify_screen(p, text, len, meta.known ? &meta : NULL, &v);
			/* As a check does: a typed screen is read again in colour (its .ansi). */
			if (esc != NULL && classify_may_suggest(p, &v))
				classify_suggestion(p, text, len, esc, esclen,
				    meta.known ? &meta : NULL, &v);
			total++;
			if (!state_in(classify_state_name(v.state), want)) {
				wrong++;
				if (v.state == PANE_IDLE)
					false_idle++;
			}
			ok(state_in(classify_state_name(v.state), want),
			    "%s (%s): %s, want %s — %s %s: %s", name, use,
			    classify_state_name(v.state), want, classify_state_name(v.state),
			    v.profile, v.rule);
		}
		free(prof_name);
		free(text);
		free(esc);
	}
	td_quiet(0);
	is_int(false_idle, 0, "%s: no false idle", sub);
	is_int(wrong, 0, "%s: %d classifications, all correct", sub, total);
	free(labels);
	free(dir);
}

static void
test_claude_synthetic(void)
{
	struct pane_meta meta = { 0 };
	struct verdict v;
	const char *idle = "\n" RULE "\n❯" NBSP "\n" RULE "\n  ? for shortcuts\n";
	const char *space = "\n" RULE "\n❯ \n" RULE "\n  ? for shortcuts\n";
	const char *typed = "\n" RULE "\n❯" NBSP "fix the bug\n" RULE "\n\n";
	const char *typed2 = "\n" RULE "\n❯" NBSP "\n  second line\n" RULE "\n\n";
	const char *busy = "❯ do it\n\n✶ Ionizing… (3s · ↓ 12 tokens)\n\n" RULE "\n❯" NBSP "\n"
	    RULE "\n  esc to interrupt · ← for agents\n";
	const char *open = "Claude Code v2\n\n❯ do it\n\n● partial answer\n\n" RULE "\n❯" NBSP
	    "\n" RULE "\n  ? for shortcuts · ← for agents\n";
	const char *done = "❯ do it\n\n● answer\n\n✻ Cooked for 1m 42s\n\n" RULE "\n❯" NBSP
	    "\n" RULE "\n  ? for shortcuts · ← for agents\n";
	const char *slash = "✻ Baked for 2s\n\n❯ /cost\n  ⎿  Total cost: $0.00\n\n" RULE
	    "\n❯" NBSP "\n" RULE "\n  ? for shortcuts\n";

	v = classify("claude", idle, NULL);
	is_str(classify_state_name(v.state), "unknown", "claude: empty input but no banner or "
	    "done marker: unknown (%s)", v.rule);
	v = classify("claude", done, NULL);
	is_str(classify_state_name(v.state), "idle", "claude: done marker after the prompt (%s)",
	    v.rule);
	v = classify("claude", space, NULL);
	is_str(classify_state_name(v.state), "unknown", "claude: ❯ + space is history, not the "
	    "input (%s)", v.rule);
	v = classify("claude", typed, NULL);
	is_str(classify_state_name(v.state), "typed", "claude: ❯ NBSP text is typed (%s)", v.rule);
	v = classify("claude", typed2, NULL);
	is_str(classify_state_name(v.state), "typed", "claude: a second input line is typed (%s)",
	    v.rule);
	v = classify("claude", busy, NULL);
	is_str(classify_state_name(v.state), "busy", "claude: busy footer beats the ❯ prompt (%s)",
	    v.rule);
	is_str(v.rule, "footer \"esc to interrupt\"", "claude: the rule names the footer");
	v = classify("claude", open, NULL);
	ok(v.state != PANE_IDLE, "claude: a prompt without its done marker is not idle (%s %s)",
	    classify_state_name(v.state), v.rule);
	v = classify("claude", slash, NULL);
	is_str(classify_state_name(v.state), "idle", "claude: a slash command opens no turn (%s)",
	    v.rule);

	/* Metadata. */
	meta.known = 1;
	snprintf(meta.current_command, sizeof meta.current_command, "claude");
	meta.in_mode = 1;
	v = classify("claude", done, &meta);
	is_str(classify_state_name(v.state), "copy-mode", "pane_in_mode: copy-mode");
	meta.in_mode = 0;
	meta.dead = 1;
	v = classify("claude", done, &meta);
	is_str(classify_state_name(v.state), "exited", "pane_dead: exited");
	is_str(v.rule, "pane_dead=1", "pane_dead: the rule says so");
	meta.dead = 0;
	meta.cursor_y = 7;
	v = classify("auto", done, &meta);
	is_str(v.profile, "claude", "auto: pane_current_command claude picks claude");
	is_str(classify_state_name(v.state), "idle", "auto: claude idle");

	/* A view hides the input: the transcript under it says busy or waiting. */
	v = classify("claude", "❯ do it\n\n● answer\n\n✻ Cooked for 3s\n\n" RULE "\n  Showing "
	    "detailed transcript · ctrl+o to toggle · ctrl+e to show all\n", &meta);
	is_str(classify_state_name(v.state), "waiting", "claude: transcript view after a turn "
	    "(%s)", v.rule);
	v = classify("claude", "❯ do it\n\n● answer\n\n✻ Cooked for 3s\n\n❯ and more\n\n" RULE
	    "\n  Showing detailed transcript · ctrl+o to toggle · ctrl+e to show all\n", &meta);
	is_str(classify_state_name(v.state), "busy", "claude: transcript view over a running "
	    "turn (%s)", v.rule);
	v = classify("claude", "❯ do it\n\n● answer\n\n✻ Cooked for 3s\n\n" RULE "\n❯" NBSP
	    "\n" RULE "\n  search prompts:   ← for agents\n", &meta);
	is_str(classify_state_name(v.state), "waiting", "claude: Ctrl+R search on an empty "
	    "input is no idle (%s)", v.rule);
	v = classify("claude", "  mock line 3\n\n" RULE "\n" RULE "\n❯" NBSP "\n", &meta);
	is_str(classify_state_name(v.state), "busy", "claude: a torn frame, no box under the "
	    "input (%s)", v.rule);
	v = classify("claude", "❯ do it\n\n● User declined to answer questions\n\n" RULE "\n❯"
	    NBSP "\n" RULE "\n  ? for shortcuts\n", &meta);
	is_str(classify_state_name(v.state), "idle", "claude: a cancelled question ends the "
	    "turn (%s)", v.rule);
	snprintf(meta.current_command, sizeof meta.current_command, "fish");
	meta.cursor_y = 2;
	meta.cursor_x = 2;
	v = classify("claude", "✻ Baked for 2s\n\n>\n", &meta);
	is_str(classify_state_name(v.state), "exited", "claude: a bare fish prompt (%s)",
	    v.rule);
	snprintf(meta.current_command, sizeof meta.current_command, "bash");
	v = classify("claude", "✻ Baked for 2s\n\n>\n", &meta);
	ok(v.state != PANE_EXITED, "claude: a bare > is a fish prompt only under fish (%s %s)",
	    classify_state_name(v.state), v.rule);
	snprintf(meta.current_command, sizeof meta.current_command, "claude");
	meta.cursor_y = 7;
	meta.cursor_x = 0;

	/* A shell prompt at the cursor after the agent exited. */
	v = classify("claude", "✻ Baked for 2s\n\nuser@host:~/proj$\n", NULL);
	is_str(classify_state_name(v.state), "exited", "claude: shell prompt below: exited (%s)",
	    v.rule);
	v = classify("claude", "✻ Baked for 2s\n\nuser@host:~/proj$\n", &meta);
	ok(v.state != PANE_EXITED, "claude: with claude in the foreground, no exited (%s %s)",
	    classify_state_name(v.state), v.rule);
}

static void
test_codex_synthetic(void)
{
	struct verdict v;
	const char *fresh = "  >_ OpenAI Codex (v0.169.0)\n\n\n› Ask Codex to do anything\n\n"
	    "  mock-model default · /p\n  ← for agents · ? for shortcuts\n";
	const char *streaming = "› hello\n\n• line 1\n  line 2\n\n\n› Ask Codex to do anything\n"
	    "\n  mock-model default · /p\n  ← for agents · ? for shortcuts\n";
	const char *done = "› hello\n\n• line 1\n\n  Worked for 3s • 10:00\n\n\n› Find and fix "
	    "a bug in @filename\n\n  model · /p\n  ← for agents · ? for shortcuts\n";
	const char *nofooter = "› hello\n\n• line 1\n\n  Worked for 3s • 10:00\n\n\n› Ask Codex "
	    "to do anything\n\n  model · /p\n";
	const char *typed = "  >_ OpenAI Codex (v0.169.0)\n\n\n› Ask Codex to do anything else\n"
	    "\n  model · /p\n";

	v = classify("codex", fresh, NULL);
	is_str(classify_state_name(v.state), "idle", "codex: fresh session idle (%s)", v.rule);
	v = classify("codex", streaming, NULL);
	is_str(classify_state_name(v.state), "busy", "codex: streaming without a status line is "
	    "busy (%s)", v.rule);
	v = classify("codex", done, NULL);
	is_str(classify_state_name(v.state), "idle", "codex: another placeholder, turn done (%s)",
	    v.rule);
	v = classify("codex", nofooter, NULL);
	is_str(classify_state_name(v.state), "unknown", "codex: no '? for shortcuts' footer is "
	    "not idle (%s)", v.rule);
	v = classify("codex", typed, NULL);
	is_str(classify_state_name(v.state), "typed", "codex: text that only starts like the "
	    "placeholder is typed (%s)", v.rule);

	/* The "/" popup's selected row is no prompt while the composer holds the "/". */
	v = classify("codex", "› hello\n\n  Worked for 3s • 10:00\n\n› /model         choose a "
	    "model\n  /review        review\n\n› /\n\n  model · /p\n", NULL);
	is_str(classify_state_name(v.state), "typed", "codex: / popup over a finished turn (%s)",
	    v.rule);
	/* A picker covering the end of the transcript: the turn under it is not known. */
	v = classify("codex", "› hello\n\n  Mentions\n\n› README.md         ./              "
	    "File\n  queue.c           src/            File\n\n› @RE\n\n  model · /p\n", NULL);
	is_str(classify_state_name(v.state), "typed", "codex: @ picker (%s)", v.rule);
	/* With an empty composer a line like a popup row is a prompt: never idle. */
	v = classify("codex", "› hi\n\n  Worked for 3s • 10:00\n\n› /review  this diff\n\n• li"
	    "ne 1\n\n› Ask Codex to do anything\n\n  model · /p\n  ← for agents · ? for "
	    "shortcuts\n", NULL);
	is_str(classify_state_name(v.state), "busy", "codex: a prompt that looks like a popup row, "
	    "empty composer (%s)", v.rule);
	/* A reply longer than the screen: neither its prompt nor a done marker in view. */
	v = classify("codex", "  line 7\n  line 8\n  line 9\n\n› Ask Codex to do anything\n\n"
	    "  model · /p\n  ← for agents · ? for shortcuts\n", NULL);
	is_str(classify_state_name(v.state), "busy", "codex: a long reply streaming (%s)",
	    v.rule);
	v = classify("codex", "› hi\n\n  Worked for 3s • 10:00\n\n› Ask Codex to do anything\n"
	    "\n  model · /p\n  ? / esc close\n", NULL);
	is_str(classify_state_name(v.state), "idle", "codex: the ? panel's footer (%s)", v.rule);
	v = classify("codex", "› hi\n\n  Worked for 3s • 10:00\n\n› Ask Codex to do anything\n"
	    "\n  model · /p\n  reverse-i-search: zzq  no match\n", NULL);
	is_str(classify_state_name(v.state), "waiting", "codex: Ctrl+R search (%s)", v.rule);
	v = classify("codex", "› hi\n\n• streaming\n\n› Ask Codex to do anything\n\n  model · "
	    "/p\n  Browsing transcript · ↑↓/jk scroll · ↵ rewind · esc back\n", NULL);
	is_str(classify_state_name(v.state), "busy", "codex: backtrack view over a streaming "
	    "turn (%s)", v.rule);
}

static void
test_gemini_synthetic(void)
{
	struct verdict v;

	v = classify("gemini", " > hi\n\n✦ done\n\n" RULE "\n YOLO Ctrl+Y\n\n *   Type your "
	    "message or @path/to/file\n", NULL);
	is_str(classify_state_name(v.state), "idle", "gemini: YOLO prompt (%s)", v.rule);
	v = classify("gemini", " > hi\n\n ⠏ Thinking... (esc to cancel, 1s)\n" RULE "\n YOLO "
	    "Ctrl+Y\n\n *   Type your message or @path/to/file\n", NULL);
	is_str(classify_state_name(v.state), "busy", "gemini: YOLO busy (%s)", v.rule);
	v = classify("gemini", " > hi\n\n✦ done\n\n" RULE "\n YOLO Ctrl+Y\n\n * fix it\n",
	    NULL);
	is_str(classify_state_name(v.state), "typed", "gemini: YOLO typed (%s)", v.rule);
	v = classify("gemini", " > hi\n\n✦ done\n\n" RULE "\n  shell mode enabled (esc to "
	    "disable)\n\n !   Type your shell command\n", NULL);
	is_str(classify_state_name(v.state), "waiting", "gemini: shell mode (%s)", v.rule);
	v = classify("gemini", " > hi\n\n✦ done\n\n" RULE "\n Shift+Tab to accept edits\n\n "
	    "(r:)    Type your message or @path/to/file\n", NULL);
	is_str(classify_state_name(v.state), "waiting", "gemini: reverse search, placeholder "
	    "and all (%s)", v.rule);
}

static void
test_shell_synthetic(void)
{
	struct pane_meta meta = { 0 };
	struct verdict v;

	meta.known = 1;
	snprintf(meta.current_command, sizeof meta.current_command, "bash");
	meta.cursor_y = 1;
	meta.cursor_x = 18;
	v = classify("shell", "$ ls\nuser@host:~/dir$\n", &meta);
	is_str(classify_state_name(v.state), "idle", "shell: prompt at the cursor (%s)", v.rule);
	v = classify("shell", "$ ls\nuser@host:~/dir$ make\n", &meta);
	is_str(classify_state_name(v.state), "typed", "shell: text after the prompt (%s)", v.rule);
	meta.cursor_x = 5;
	v = classify("shell", "$ ls\nuser@host:~/dir$\n", &meta);
	is_str(classify_state_name(v.state), "typed", "shell: cursor before the end (%s)", v.rule);
	meta.cursor_x = 0;
	meta.cursor_y = 2;
	snprintf(meta.current_command, sizeof meta.current_command, "sleep");
	v = classify("shell", "$ ls\nuser@host:~/dir$ sleep 30\n", &meta);
	is_str(classify_state_name(v.state), "busy", "shell: sleep in the foreground (%s)", v.rule);
	is_str(v.rule, "foreground \"sleep\"", "shell: the rule names the command");
	v = classify("auto", "$ ls\nuser@host:~/dir$ sleep 30\n", &meta);
	is_str(classify_state_name(v.state), "busy", "auto: unrecognised program in a shell pane "
	    "is busy (%s %s)", v.profile, v.rule);
	snprintf(meta.current_command, sizeof meta.current_command, "zsh");
	meta.cursor_y = 0;
	meta.cursor_x = 6;
	v = classify("shell", "dquote>\n", &meta);
	ok(v.state != PANE_IDLE, "shell: zsh continuation prompt is not idle (%s %s)",
	    classify_state_name(v.state), v.rule);
	v = classify("shell", ">\n", &meta);
	ok(v.state != PANE_IDLE, "shell: bash PS2 is not idle (%s %s)",
	    classify_state_name(v.state), v.rule);
	meta.cursor_x = 14;
	v = classify("shell", "user@host ~/x>\n", &meta);
	is_str(classify_state_name(v.state), "typed", "shell: the cursor right after a prompt "
	    "character, no space: typed text (%s)", v.rule);
	meta.cursor_x = 15;
	v = classify("shell", "user@host ~/x>\n", &meta);
	is_str(classify_state_name(v.state), "idle", "shell: fish prompt (%s)", v.rule);
	/* Typed text that happens to end in a prompt character: the cursor sits right after it. */
	snprintf(meta.current_command, sizeof meta.current_command, "bash");
	meta.cursor_x = 30;
	v = classify("shell", "user@host:~$ echo half typed $\n", &meta);
	is_str(classify_state_name(v.state), "typed", "shell: typed text ending in $ is not a "
	    "prompt (%s)", v.rule);
}

/* auto with the agent the state remembers: a bare shell prompt after it is that agent gone. */
static void
test_remembered_agent(void)
{
	struct pane_meta meta = { 0 };
	struct verdict v;
	/* Nothing of any agent on screen (an error line of its own, cleared, or just a prompt). */
	const char *screen = "Segmentation fault (core dumped)\n$ \n";

	meta.known = 1;
	meta.cursor_x = 2;
	meta.cursor_y = 1;
	meta.pane_height = 40;
	snprintf(meta.current_command, sizeof meta.current_command, "bash");
	v = classify("auto", screen, &meta);
	is_str(classify_state_name(v.state), "idle", "auto, nothing remembered: an idle shell");
	snprintf(meta.agent, sizeof meta.agent, "claude");
	v = classify("auto", screen, &meta);
	is_str(classify_state_name(v.state), "exited", "auto remembering claude: exited (%s)",
	    v.rule);
	is_str(v.profile, "claude", "auto remembering claude: judged by claude");
	snprintf(meta.agent, sizeof meta.agent, "nosuch");
	v = classify("auto", screen, &meta);
	is_str(v.profile, "shell", "auto remembering no known agent: the shell fallback");
}

static void
test_edges(void)
{
	struct verdict v;
	const char *profiles[] = { "claude", "codex", "gemini", "aider", "shell", "generic",
	    "auto", NULL };
	int i;

	for (i = 0; profiles[i] != NULL; i++) {
		v = classify(profiles[i], "", NULL);
		is_str(classify_state_name(v.state), "unknown", "%s: empty capture is unknown",
		    profiles[i]);
		v = classify(profiles[i], "\n\n   \n\n", NULL);
		is_str(classify_state_name(v.state), "unknown", "%s: blank screen is unknown",
		    profiles[i]);
		v = classify(profiles[i], "\xff\xfe\x80 garbage \xc3\n\x01\x02\n", NULL);
		ok(v.state != PANE_IDLE, "%s: invalid UTF-8 is not idle", profiles[i]);
	}
	v = classify("generic", "$ \n", NULL);
	is_str(classify_state_name(v.state), "unknown", "generic: no patterns, unknown");
	v = classify("auto", "some random program output\n", NULL);
	is_str(classify_state_name(v.state), "unknown", "auto: nothing recognised (%s)", v.rule);
	is_str(v.profile, "auto", "auto: says it recognised nothing");
}

static void
test_hash(void)
{
	const char *a = "✻ Ionizing… (6s · ↓ 17 tokens)\n  esc to interrupt\n";
	const char *b = "✶ Ionizing… (12s · ↓ 170 tokens)\n  esc to interrupt\n";
	const char *c = "✶ Ionizing… (12s · ↓ 170 tokens)\n  more output\n";
	const char *d = " ⠹ Thinking... (esc to cancel, 5s)\n";
	const char *e = " ⠼ Thinking... (esc to cancel, 1m 6s)\n";
	const char *f = "• Working (3s • esc to interrupt)\n  Worked for 11s • 14:17\n";
	const char *g = "◦ Working (4s • esc to interrupt)\n  Worked for 11s • 14:18\n";

	ok(stall_hash(a, strlen(a)) == stall_hash(b, strlen(b)),
	    "hash: spinner glyph, elapsed time and token count ignored");
	ok(stall_hash(b, strlen(b)) != stall_hash(c, strlen(c)),
	    "hash: new text changes it");
	ok(stall_hash(d, strlen(d)) == stall_hash(e, strlen(e)),
	    "hash: braille spinner and 1m 6s ignored");
	ok(stall_hash(f, strlen(f)) == stall_hash(g, strlen(g)),
	    "hash: codex bullet and clock ignored");
	ok(stall_hash("mock line 5 of 12", 17) != stall_hash("mock line 6 of 12",
	    17), "hash: other numbers count");
	ok(stall_hash("", 0) == stall_hash("", 0), "hash: empty is stable");
}

static void
test_stall(void)
{
	cJSON *term = cJSON_CreateObject(), *scr;
	struct verdict v = { 0 };

	is_int(stall_update(term, 0x1234, 1000), 1, "stall: first sight");
	is_int(stall_update(term, 0x1234, 1030), 2, "stall: same screen twice, 30 s on");
	is_int(stall_update(term, 0x1234, 1060), 3, "stall: three times, 60 s on");
	scr = cJSON_GetObjectItemCaseSensitive(term, "screen");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(scr, "hash")),
	    "0000000000001234", "stall: hash in hex");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(scr, "since")),
	    "1970-01-01T00:16:40Z", "stall: since is when it was first seen");
	is_int(stall_update(term, 0x9999, 1070), 1, "stall: a change resets");
	cJSON_ReplaceItemInObject(term, "screen", cJSON_CreateString("junk"));
	is_int(stall_update(term, 0x9999, 1080), 1, "stall: a bad entry is replaced");
	cJSON_Delete(term);

	v.state = PANE_BUSY;
	v.seen = 1;
	is_str(stall_label(&v), "busy", "label: busy");
	v.seen = 2;
	is_str(stall_label(&v), "busy (stall?)", "label: busy (stall?)");
	is_str(stall_state(&v), "busy", "state: still busy at 2");
	v.seen = 3;
	is_str(stall_label(&v), "stalled", "label: stalled");
	is_str(stall_state(&v), "stalled", "state: stalled at 3");
	v.state = PANE_IDLE;
	is_str(stall_label(&v), "idle", "label: idle is never stalled");
}

static void
test_meta(void)
{
	struct pane_meta m;

	ok(capture_meta_parse("pane_current_command=claude\npane_in_mode=0\npane_dead=0\n"
	    "cursor_x=2\ncursor_y=17\npane_height=40\nalternate_on=1\n", &m) == 0, "meta parses");
	ok(m.known && m.cursor_x == 2 && m.cursor_y == 17 && m.pane_height == 40 &&
	    m.alternate_on == 1 && strcmp(m.current_command, "claude") == 0, "meta values");
	ok(capture_meta_parse("cursor_x=abc\n", &m) != 0, "meta: a bad number is an error");
}

/* Collects the lines of every fixture capture, trailing spaces trimmed as the classifier does. */
static char **
corpus_lines(size_t *n)
{
	static const char *extra[] = {
		"", "a", "ab", "abc", "b", "z", "xz", "yz", "xyz", "aab", "aaab", "ac", "bc", "cd",
		"abcd", "12s", "1m 42s", "foo.", "foo", "é", "xé", "ñ", "$", "#", "%", ">", "~/x>",
		"user@host:~$", "dquote>", "❯", "»", "❯ 1. Yes", " ❯ 1. Yes", "✻ Baked for 0s",
		"✻ Sautéed for 1m 2s", "  Worked for <1s • 15:10", "• Working (3s • esc to interrupt)",
		"x{0,2}y", "xxy", "y", "aé", "aéb", "xéz", "é", "éa", "a é", "ab é", "[a]", "a-b", "-", "]", "a]", "\\", "(", ")", "|", "a|b",
		"Implement {feature}", "› Implement {feature}", NULL
	};
	char *dir = fixture_dir("captures"), **v = NULL;
	struct dirent *de;
	DIR *d;
	size_t cap = 0, i;

	*n = 0;
	for (i = 0; extra[i] != NULL; i++) {
		if (*n == cap)
			v = xreallocarray(v, cap = cap * 2 + 64, sizeof *v);
		v[(*n)++] = xstrdup(extra[i]);
	}
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *path, *text, *p, *nl;
			size_t len, l;

			if (strlen(de->d_name) < 5 ||
			    strcmp(de->d_name + strlen(de->d_name) - 4, ".txt") != 0)
				continue;
			xasprintf(&path, "%s/%s", dir, de->d_name);
			text = slurp(path, &len);
			free(path);
			for (p = text; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
				nl = strchr(p, '\n');
				l = nl != NULL ? (size_t)(nl - p) : strlen(p);
				while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\r'))
					l--;
				if (*n == cap)
					v = xreallocarray(v, cap = cap * 2 + 64, sizeof *v);
				v[(*n)++] = xstrndup(p, l);
			}
			free(text);
		}
		closedir(d);
	}
	free(dir);
	return v;
}

/*
 * The prefilters (required literal, anchored literal, exact match, last-byte set) must never
 * reject a line the expression matches: compare pattern_match with plain regexec for every
 * built-in pattern and some awkward ones over every fixture line.
 */
static void
test_prefilters(void)
{
	static const char *awkward[] = {
		"a*b$", "(x|y)?z$", "[0-9]+s$", "foo\\.$", "(ab|cd)$", "^(a|b)c", "x{0,2}y", "ab+c",
		"[^a]$", "(a|b|)$", "é$", "[a-c]$", "^a$", "a$", "^$", "b+$", "(a(b|c))$",
		"(✻|✢) [^ ]+ for", "[]a]$", "[a-]$", "\\\\$", "(a|[xy])$", "c|d$", "^(❯|»)$",
		"[$#%]$", "[~/][^ ]*>$", "([$#%]|❯|»|[~/][^ ]*>)$", "Implement \\{feature\\}$",
		"x{2}y$", "(ab)+$", "a.$", "^ab?$", "a.b", "x[^a]$", "[^a]$", "a.", "x[^a]", "a[^ ]+b",
		".$", "^.$", "^[^a]$", "for [0-9]+[hms]( [0-9]+[hms])*$", NULL
	};
	const struct profile *const *all;
	struct pattern pt;
	size_t nlines, np, i, j, k, bad = 0, checked = 0;
	char **lines = corpus_lines(&nlines), *why;
	regex_t re;
	int l;

	{
		char *cause = NULL;

		ok(profile_all(NULL, &all, &np, &cause) == 0, "built-in profiles load");
		free(cause);
	}
	pattern_locale();
	for (k = 0; ; k++) {
		const char *src = NULL;

		if (k < sizeof awkward / sizeof awkward[0] - 1)
			src = awkward[k];
		else {
			/* then every built-in pattern, in turn */
			size_t idx = k - (sizeof awkward / sizeof awkward[0] - 1), c = 0;

			for (i = 0; i < np && src == NULL; i++)
				for (l = 0; l < PL_NLISTS && src == NULL; l++)
					for (j = 0; j < all[i]->lists[l].n && src == NULL; j++)
						if (c++ == idx)
							src = all[i]->lists[l].v[j].source;
			if (src == NULL)
				break;
		}
		/* The pattern as the helper compiles it (in the C locale unless it needs UTF-8),
		 * the reference in UTF-8. */
		setlocale(LC_CTYPE, "C");
		if (pattern_init(&pt, src, &why) != 0) {
			ok(0, "pattern %s compiles: %s", src, why);
			free(why);
			continue;
		}
		pattern_locale();
		regcomp(&re, src, REG_EXTENDED | REG_NOSUB);
		for (i = 0; i < nlines; i++) {
			int want = regexec(&re, lines[i], 0, NULL, 0) == 0;
			int got = pattern_match(&pt, lines[i], strlen(lines[i]));

			checked++;
			if (want != got && bad++ < 10)
				ok(0, "prefilter of /%s/ on \"%s\": got %d, regexec says %d", src,
				    lines[i], got, want);
		}
		regfree(&re);
		pattern_free(&pt);
	}
	is_int(bad, 0, "prefilters agree with regexec (%zu checks)", checked);
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
}

/* Writes a profiles file and trusts it as it now is: an untrusted one is not read. */
static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	char *cause = NULL;

	fputs(text, f);
	fclose(f);
	if (trust_add(path, TRUST_FILE, &cause) != 0)
		ok(0, "trust %s: %s", path, cause);
	free(cause);
}

static void
test_user_profiles(void)
{
	char dir[] = "/tmp/td-capture-XXXXXX", *path;
	const struct profile *p;
	struct verdict v;
	int status;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	/* The trust records of these files stay in the test's directory. */
	setenv("XDG_STATE_HOME", dir, 1);
	xasprintf(&path, "%s/tmux-dispatch.profiles.json", dir);
	write_file(path, "{\"mine\": {\"input\": [\"^>> \"], \"idle\": [\"^>> $\"],\n"
	    "  \"busy\": [{\"match\": \"WORKING\", \"region\": \"last:2\", \"label\": \"w\"}]},\n"
	    " \"claude\": {\"description\": \"override\"}}\n");
	td_quiet(1);
	p = get_profile("mine", dir, NULL);
	ok(p != NULL, "user profile loads");
	if (p != NULL) {
		classify_screen(p, "x\n>> \n", 6, NULL, &v);
		is_str(classify_state_name(v.state), "unknown", "user: '>> ' trimmed is not '>> '");
		classify_screen(p, "x\n>> a\nWORKING\n", 15, NULL, &v);
		is_str(classify_state_name(v.state), "busy", "user: busy pattern");
		is_str(v.rule, "last:2 \"w\"", "user: label in the rule");
	}
	p = get_profile("claude", dir, NULL);
	ok(p != NULL && strcmp(p->description, "override") == 0 &&
	    strcmp(p->source, path) == 0, "user entry replaces the built-in");
	profile_free_all();

	write_file(path, "{\"x\": {\"busy\": [\"(unclosed\"]}}\n");
	ok(get_profile("x", dir, &status) == NULL, "bad regex rejected");
	is_int(status, TD_EXIT_INVALID, "bad regex: invalid");
	profile_free_all();
	write_file(path, "{\"x\": {\"busy\": [\"a\"],\n  \"bussy\": []}}\n");
	ok(get_profile("x", dir, NULL) == NULL, "unknown key rejected");
	profile_free_all();
	write_file(path, "{\"x\": {\"busy\": [\"a\"]\n  \"idle\": []}}\n");
	ok(get_profile("x", dir, NULL) == NULL, "syntax error rejected");
	profile_free_all();
	write_file(path, "{\"x\": {\"busy\": [{\"match\": \"a\", \"region\": \"bottom\"}]}}\n");
	ok(get_profile("x", dir, NULL) == NULL, "unknown region rejected");
	profile_free_all();
	ok(get_profile("nosuch", NULL, &status) == NULL && status == TD_EXIT_NOTFOUND,
	    "no such profile: not found");
	td_quiet(0);
	unlink(path);
	free(path);
	xasprintf(&path, "%s/tmux-dispatch/trust.json", dir);
	unlink(path);
	free(path);
	xasprintf(&path, "%s/tmux-dispatch/trust.json.lock", dir);
	unlink(path);
	free(path);
	xasprintf(&path, "%s/tmux-dispatch", dir);
	rmdir(path);
	unsetenv("XDG_STATE_HOME");
	rmdir(dir);
	free(path);
}

static void
test_stall_count(void)
{
	time_t now = 1000000;

	unsetenv("TMUX_DISPATCH_STALL_SECONDS");
	is_int(stall_count(3, now - 10, now), 1, "stall: 3 checks in 10 s are no stall");
	is_int(stall_count(2, now - 30, now), 2, "stall: 2 checks over 30 s: stall?");
	is_int(stall_count(3, now - 45, now), 2, "stall: 3 checks over 45 s: still stall?");
	is_int(stall_count(3, now - 60, now), 3, "stall: 3 checks over 60 s: stalled");
	is_int(stall_count(1, now - 600, now), 1, "stall: one check is never a stall");
	setenv("TMUX_DISPATCH_STALL_SECONDS", "0", 1);
	is_int(stall_count(3, now, now), 3, "stall: with no minimum time, the count");
	unsetenv("TMUX_DISPATCH_STALL_SECONDS");
}

int
main(void)
{
	unsetenv("TMUX_DISPATCH_PROFILES");
	td_quiet(1);
	test_fixtures("captures");
	td_quiet(0);
	test_claude_synthetic();
	test_codex_synthetic();
	test_gemini_synthetic();
	test_shell_synthetic();
	test_edges();
	test_remembered_agent();
	test_prefilters();
	test_hash();
	test_stall();
	test_stall_count();
	test_meta();
	test_user_profiles();
	profile_free_all();
	return tap_done();
}
