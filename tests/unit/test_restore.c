/*
 * restore_matches: an input given back by an interrupt is recognised as the prompt that was
 * typed (whitespace, wrapping, the prompt marker and a cut-short line aside) and nothing else
 * is: a person's draft, longer or shorter, is never taken for it.
 */
#include "restore.h"
#include "tap.h"

#define NBSP "\xc2\xa0"

int
main(void)
{
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
	return tap_done();
}
