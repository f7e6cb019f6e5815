/*
 * restore_matches: an input given back by an interrupt is recognised as the prompt that was
 * typed (whitespace, wrapping, the prompt marker and a cut-short line aside) and nothing else
 * is: a person's draft, longer or shorter, is never taken for it. Then the real screens: Claude
 * Code 2.1.197 with its interrupted prompt given back (tests/fixtures/captures), read as a check
 * reads them (classify_input_block), hold exactly the prompts that were sent.
 */
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "classify.h"
#include "profile.h"
#include "restore.h"
#include "tap.h"
#include "tmux-dispatch.h"

#define NBSP "\xc2\xa0"

/* tests/fixtures/captures/NAME.EXT, read whole (caller frees), or NULL. */
static char *
capture_file(const char *name, const char *ext, size_t *len)
{
	char *dir = xstrdup(__FILE__), *slash = strrchr(dir, '/'), *path, *text = NULL, *cause = NULL;

	if (slash != NULL)
		*slash = '\0';
	xasprintf(&path, "%s/../fixtures/captures/%s.%s", slash != NULL ? dir : ".", name, ext);
	if (file_read_path(path, 1 << 20, &text, len, &cause) != 0)
		text = NULL;
	free(cause);
	free(path);
	free(dir);
	return text;
}

/* Whether capture NAME, read with the claude profile, is typed and its input shows PROMPT. */
static int
capture_shows(const char *name, const char *prompt)
{
	const struct profile *p = NULL;
	struct pane_meta m;
	struct verdict v;
	char *text, *meta, *input, *cause = NULL;
	size_t len, mlen;
	int ok = 0;

	if (profile_get("claude", "/nonexistent", &p, &cause) != 0 ||
	    (text = capture_file(name, "txt", &len)) == NULL) {
		free(cause);
		return -1;
	}
	memset(&m, 0, sizeof m);
	if ((meta = capture_file(name, "meta", &mlen)) != NULL && capture_meta_parse(meta, &m) != 0)
		m.known = 0;
	classify_screen(p, text, len, &m, &v);
	if (v.state == PANE_TYPED &&
	    (input = classify_input_block(p, &v, text, len, &m)) != NULL) {
		ok = restore_matches(input, prompt);
		free(input);
	}
	free(meta);
	free(text);
	return ok;
}

static void
test_captures(void)
{
	const char *one = "fix the failing parser tests sleep 60";
	const char *two = "Review the changes in src/parser.c and src/lexer.c for correctness, then "
	    "write unit tests for every public function that lacks one, keeping the existing "
	    "style.\n\nReport what you changed. sleep 60";

	is_int(capture_shows("claude-typed-interrupted-1", one), 1, "a prompt given back");
	is_int(capture_shows("claude-typed-interruptedesc-1", one), 1,
	    "... after one Escape (Esc again to clear): still the prompt");
	is_int(capture_shows("claude-typed-interrupted-2", two), 1,
	    "a wrapped prompt of two paragraphs given back");
	is_int(capture_shows("claude-typed-interrupted-2", "Review the changes in src/parser.c"),
	    0, "... is not a prompt it starts with");
	is_int(capture_shows("claude-typed-interrupted-3", "Write the release notes for 2.4.\n\n"
	    "Keep them short: one line per change. sleep 60"), 1, "... and as the helper pastes it "
	    "(paste-buffer -r: its blank line kept)");
	is_int(capture_shows("claude-typed-interrupted-1", two), 0, "another item's prompt");
	is_int(capture_shows("claude-typed-draft-1", one), 0, "a person's draft");
	is_int(capture_shows("claude-idle-cleared-1", one), 0, "a cleared input holds nothing");
}

int
main(void)
{
	unsetenv("TMUX_DISPATCH_PROFILES");
	ok(restore_matches("❯" NBSP "work forever", "work forever"), "the prompt, as typed");
	ok(restore_matches("❯" NBSP "this is a long prompt that wraps   at the edge of the pane",
	    "this is a long prompt that wraps at the edge of the\npane"), "wrapped and indented");
	ok(restore_matches("❯" NBSP "para one   para two", "para one\n\npara two\n"),
	    "paragraphs, blank lines and a trailing newline");
	ok(restore_matches("> a\ttab", "a tab"), "another agent's marker, a tab");
	ok(restore_matches("❯" NBSP "the start of a very long prompt, cut…",
	    "the start of a very long prompt, cut at the pane's edge"), "cut short with …");
	ok(!restore_matches("❯" NBSP "work forever and more", "work forever"),
	    "a draft that adds to the prompt");
	ok(!restore_matches("❯" NBSP "work", "work forever"), "a draft that is its start");
	ok(!restore_matches("❯" NBSP "work…", "work forever"), "too short a cut-short start");
	ok(!restore_matches("❯" NBSP "the start of a very long prompt, but…",
	    "the start of a very long prompt, cut at the pane's edge"), "cut short, differing");
	ok(!restore_matches("❯" NBSP "my own draft", "work forever"), "other text");
	ok(!restore_matches("❯" NBSP, ""), "an empty input is no prompt");
	ok(!restore_matches("❯" NBSP "work forever", "work forevex"), "one character differs");
	test_captures();
	profile_free_all();
	return tap_done();
}
