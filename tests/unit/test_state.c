/*
 * The state module and its helpers: the id map, terminal names and targets, what a command may
 * hold, times, the JSON text, and state_open/state_commit on a temporary directory (locking,
 * normalization, unknown keys and number text, refusals, the history, and the order of the
 * durable write: temp file fsynced, renamed, directory fsynced).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/cjson-text.h"
#include "queue.h"
#include "state.h"
#include "strmap.h"
#include "name.h"
#include "terminal.h"
#include "tap.h"
#include "tmux-dispatch.h"

/*
 * fsync and rename, interposed: the executable's definitions win over libc's for state.o, so
 * the test sees the order of the durable write. The real work is done by the system call and
 * by renameat, which is not interposed.
 */
#define EVENTS_MAX 64
static char *events[EVENTS_MAX];
static int nevents, recording;

static void
event(char *text)
{
	if (recording && nevents < EVENTS_MAX)
		events[nevents++] = text;
	else
		free(text);
}

int
fsync(int fd)
{
	char link[64], target[PATH_MAX + 1];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, target, PATH_MAX);
	target[n > 0 ? n : 0] = '\0';
	if (recording) {
		char *text;
		xasprintf(&text, "fsync %s", target);
		event(text);
	}
	return (int)syscall(SYS_fsync, fd);
}

int
rename(const char *from, const char *to)
{
	if (recording) {
		char *text;
		xasprintf(&text, "rename %s %s", from, to);
		event(text);
	}
	return renameat(AT_FDCWD, from, AT_FDCWD, to);
}

static void
events_clear(void)
{
	while (nevents > 0)
		free(events[--nevents]);
}

static int
event_index(const char *text)
{
	int i;

	for (i = 0; i < nevents; i++) {
		if (strcmp(events[i], text) == 0)
			return i;
	}
	return -1;
}

/* ------------------------------------------------------------------------------------------ */

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, n;
	char *buf = xmalloc(1);

	if (f == NULL) {
		free(buf);
		return NULL;
	}
	for (;;) {
		buf = xrealloc(buf, len + 65536 + 1);
		if ((n = fread(buf + len, 1, 65536, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		fatal("cannot write %s", path);
}

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static int
count_lines(const char *text)
{
	int n = 0;

	for (; text != NULL && *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/* ------------------------------------------------------------------------------------------ */

#define NKEYS 100000

static void
test_strmap(void)
{
	static char keys[NKEYS][16];
	struct strmap *map = strmap_new();
	char copy[16];
	int i, bad;

	is_int(strmap_count(map), 0, "strmap: a new map is empty");
	ok(strmap_get(map, "nothing") == NULL, "strmap: get on an empty map is NULL");
	for (i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof keys[i], "q-%d", i);
	for (bad = 0, i = 0; i < NKEYS; i++)
		bad += strmap_put(map, keys[i], &keys[i]) != NULL;
	is_int(bad, 0, "strmap: 100k new keys, every put says new");
	is_int(strmap_count(map), NKEYS, "strmap: counts 100k keys after growing");
	for (bad = 0, i = 0; i < NKEYS; i++)
		bad += strmap_get(map, keys[i]) != &keys[i];
	is_int(bad, 0, "strmap: every key finds its value");
	for (bad = 0, i = 0; i < NKEYS; i += 997) {
		snprintf(copy, sizeof copy, "q-%d", i);
		bad += strmap_get(map, copy) != &keys[i];
	}
	is_int(bad, 0, "strmap: keys compare by content, not by pointer");
	ok(strmap_get(map, "q-100000") == NULL && strmap_get(map, "") == NULL &&
	    strmap_get(map, "q-") == NULL, "strmap: absent keys are NULL");
	ok(strmap_put(map, keys[5], &keys[6]) == &keys[5] && strmap_get(map, keys[5]) == &keys[6],
	    "strmap: put on an existing key returns the old value and replaces it");
	is_int(strmap_count(map), NKEYS, "strmap: replacing does not count twice");
	strmap_put(map, keys[5], &keys[5]);

	for (i = 0; i < NKEYS; i += 2)
		strmap_del(map, keys[i]);
	is_int(strmap_count(map), NKEYS / 2, "strmap: deleting half leaves half");
	for (bad = 0, i = 0; i < NKEYS; i++)
		bad += strmap_get(map, keys[i]) != (i % 2 == 0 ? NULL : &keys[i]);
	is_int(bad, 0, "strmap: deleted keys are gone, the others found past their tombstones");
	strmap_del(map, "never there");
	strmap_del(map, keys[0]);
	is_int(strmap_count(map), NKEYS / 2, "strmap: deleting an absent key changes nothing");
	for (bad = 0, i = 0; i < NKEYS; i += 2)
		bad += strmap_put(map, keys[i], &keys[i]) != NULL;
	is_int(bad, 0, "strmap: deleted keys can be put again, as new");
	is_int(strmap_count(map), NKEYS, "strmap: all 100k back");
	for (bad = 0, i = 0; i < NKEYS; i++)
		bad += strmap_get(map, keys[i]) != &keys[i];
	is_int(bad, 0, "strmap: every key finds its value after the churn");
	strmap_free(map);

	/* Few live keys, many deletions: tombstones must be swept, or a lookup never ends. */
	map = strmap_new();
	for (bad = 0, i = 0; i < NKEYS; i++) {
		strmap_put(map, keys[i], &keys[i]);
		if (i >= 8)
			strmap_del(map, keys[i - 8]);
		if (i % 1000 == 999)
			bad += strmap_get(map, keys[i - 3]) != &keys[i - 3] ||
			    strmap_get(map, keys[i - 9]) != NULL;
	}
	is_int(bad, 0, "strmap: 100k inserts and deletes with 8 live keys stay correct");
	is_int(strmap_count(map), 8, "strmap: and count 8");
	strmap_put(map, "", map);
	ok(strmap_get(map, "") == map, "strmap: the empty string is a key like any other");
	strmap_free(map);
	strmap_free(NULL);
}

static void
test_terminal_names(void)
{
	static const char *good[] = { "a", "Z", "0", "generator-1", "A.b_c-9", "...", "-", "_x_",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL };
	static const char *bad[] = { "", "a b", "a/b", "a:b", "a;b", "é", "a\nb", "a\tb", "a\x1b",
		"%1", "@1", "a*", "$x", "a'b", "a\"b", "a\\b",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL };
	const char **p;

	for (p = good; *p != NULL; p++)
		ok(name_valid(*p), "name_valid accepts '%s'", *p);
	for (p = bad; *p != NULL; p++)
		ok(!name_valid(*p), "name_valid refuses a bad name (#%d, length %zu)",
		    (int)(p - bad), strlen(*p));
}

static void
test_terminal_targets(void)
{
	static const char *good[] = { "s:1", "s:1.0", "s:12.34", "my-session:editor",
		"scripthammer:7", "s:w", "s:w.3", "my session:2", "%0", "%17", "@4", "@123", NULL };
	static const char *bad[] = { "", "s", "s:1;", "s:1.0;", "-t", "-s:1", "%", "%x", "%1;",
		"%-1", "@", "@1.2", "@x", "s:1.x", "s:1.", "s:.1", ":1", "s:1:2", "s.x:1", "s:1\x1b",
		"s:\n1", "s:1\r", "s:1\x7f", "s:1\x01", "\x1b", ";", NULL };
	char longest[258];
	const char **p;

	for (p = good; *p != NULL; p++)
		ok(name_valid_target(*p), "name_valid_target accepts '%s'", *p);
	for (p = bad; *p != NULL; p++)
		ok(!name_valid_target(*p), "name_valid_target refuses a bad shape (#%d)",
		    (int)(p - bad));
	memset(longest, 'x', sizeof longest);
	longest[0] = 's';
	longest[1] = ':';
	longest[256] = '\0';
	ok(name_valid_target(longest), "name_valid_target accepts 256 characters");
	longest[256] = 'x';
	longest[257] = '\0';
	ok(!name_valid_target(longest), "name_valid_target refuses 257 characters");
}

static void
test_default_group(void)
{
	static const char *cases[][2] = {
		{ "generator-1", "generator" }, { "generator-12", "generator" },
		{ "a-b-3", "a-b" }, { "reviewer", "reviewer" }, { "x-1a", "x-1a" },
		{ "v2", "v2" }, { "-5", "-5" }, { "a-", "a-" }, { "a--1", "a-" },
	};
	size_t i;
	char *group;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		group = terminal_default_group(cases[i][0]);
		is_str(group, cases[i][1], "terminal_default_group('%s')", cases[i][0]);
		free(group);
	}
}

/* Runs queue_check_command on an exactly sized heap copy, so a read past the end shows. */
static const char *
check_command(const char *text, size_t len)
{
	char *copy = xmalloc(len + 1);
	const char *why;

	memcpy(copy, text, len);
	copy[len] = '\0';
	why = queue_check_command(copy);
	free(copy);
	return why;
}

#define CHECK(s) check_command(s, sizeof(s) - 1)

static void
test_check_command(void)
{
	static const char *truncated[] = { "\xc2", "\xe2\x82", "\xe2", "\xf0\x9f\x98", "\xf0\x9f",
		"\xf0", "a\xe2\x80", NULL };
	const char **t;
	char buf[8];
	int c, bad;

	ok(CHECK("/wireframe-fix 003 01-registration.svg") == NULL, "command: plain text is fine");
	ok(CHECK("line one\nline two") == NULL, "command: newline is allowed");
	ok(CHECK("a\tb") == NULL, "command: tab is allowed");
	ok(CHECK("é – 😀 ä ✓ \xc2\xa0") == NULL, "command: UTF-8 text and U+00A0 are fine");
	ok(CHECK("\xf4\x8f\xbf\xbf") == NULL, "command: U+10FFFF is fine");
	ok(CHECK("") != NULL, "command: empty is refused");
	ok(CHECK("\n\n") != NULL, "command: only newlines is refused (it would never be typed)");
	ok(CHECK("\nx\n") == NULL, "command: newlines around text are fine");
	for (bad = 0, c = 1; c < 0x20; c++) {
		if (c == '\n' || c == '\t')
			continue;
		snprintf(buf, sizeof buf, "a%cb", c);
		bad += check_command(buf, 3) == NULL;
	}
	is_int(bad, 0, "command: every C0 control but newline and tab is refused (ESC, CR, ...)");
	ok(CHECK("a\x7f") != NULL, "command: DEL is refused");
	for (bad = 0, c = 0x80; c <= 0x9f; c++) {
		snprintf(buf, sizeof buf, "a\xc2%cb", c);
		bad += check_command(buf, 4) == NULL;
	}
	is_int(bad, 0, "command: every C1 control (U+0080-U+009F, U+0085 NEL, U+009B CSI) refused");
	ok(CHECK("a\xff") != NULL, "command: 0xff is not UTF-8");
	ok(CHECK("\x80") != NULL, "command: a lone continuation byte is not UTF-8");
	ok(CHECK("\xc0\xaf") != NULL && CHECK("\xc1\xbf") != NULL, "command: overlong 2-byte");
	ok(CHECK("\xe0\x80\xaf") != NULL, "command: overlong 3-byte");
	ok(CHECK("\xf0\x80\x80\xaf") != NULL, "command: overlong 4-byte");
	ok(CHECK("\xed\xa0\x80") != NULL && CHECK("\xed\xbf\xbf") != NULL,
	    "command: UTF-16 surrogates are not UTF-8");
	ok(CHECK("\xf4\x90\x80\x80") != NULL && CHECK("\xf5\x80\x80\x80") != NULL,
	    "command: beyond U+10FFFF is refused");
	ok(CHECK("\xe2\x28\xa1") != NULL, "command: a bad continuation byte is refused");
	for (t = truncated; *t != NULL; t++)
		ok(check_command(*t, strlen(*t)) != NULL,
		    "command: a sequence cut by the end is refused (#%d)", (int)(t - truncated));
}

static void
test_times(void)
{
	static const time_t times[] = { 0, 1, 86399, 951868799 /* 2000-02-29T23:59:59Z */,
		1768557600 /* 2026-01-16T10:00:00Z */, 1709251199, 2147483647, 4102444800 };
	static const char *bad[] = { "", "garbage", "2026-01-16", "2026-01-16T10:00",
		"2026-01-16T10:00:00+02:00", "2026-01-16T10:00:00Zjunk", "16/01/2026 10:00:00",
		"2026-13-01T00:00:00Z", NULL };
	const char **p;
	char *text, *old_tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	time_t t;
	size_t i;
	int zone;

	text = state_format_time(1768557600);
	is_str(text, "2026-01-16T10:00:00Z", "state_format_time writes UTC, ISO 8601, Z");
	free(text);
	/* The local zone must not matter either way. */
	for (zone = 0; zone < 3; zone++) {
		setenv("TZ", zone == 0 ? "UTC0" : zone == 1 ? "EST5EDT,M3.2.0,M11.1.0" : "NZST-12", 1);
		tzset();
		for (i = 0; i < sizeof times / sizeof times[0]; i++) {
			text = state_format_time(times[i]);
			t = -1;
			ok(state_parse_time(text, &t) == 0 && t == times[i],
			    "time round trip %s in zone %d", text, zone);
			free(text);
		}
	}
	if (old_tz != NULL)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old_tz);
	ok(state_parse_time("2026-01-16T10:00:00.250Z", &t) == 0 && t == 1768557600,
	    "state_parse_time takes fractional seconds");
	ok(state_parse_time("2026-01-16T10:00:00", &t) == 0 && t == 1768557600,
	    "state_parse_time takes the form without Z as UTC");
	ok(state_parse_time(NULL, &t) != 0, "state_parse_time refuses NULL");
	for (p = bad; *p != NULL; p++)
		ok(state_parse_time(*p, &t) != 0, "state_parse_time refuses '%s'", *p);
}

static void
test_json_text(void)
{
	cJSON *doc = cJSON_CreateObject(), *inner, *back;
	char *text;

	cJSON_AddStringToObject(doc, "tabs", "a\tb\t\tc\t");
	cJSON_AddStringToObject(doc, "colon", "key:\tvalue: x:");
	cJSON_AddStringToObject(doc, "key:\twith tab", ":\t:");
	cJSON_AddStringToObject(doc, "ends", "x:");
	inner = cJSON_AddObjectToObject(doc, "inner");
	cJSON_AddNumberToObject(inner, "n", 7);
	cJSON_AddItemToObject(inner, "list", cJSON_CreateStringArray((const char *[]){ "\t", ":" }, 2));
	text = state_json_text(doc);
	ok(strchr(text, '\t') == NULL, "state_json_text: no tab byte left (strings keep \\t)");
	back = cJSON_Parse(text);
	ok(back != NULL && cJSON_Compare(doc, back, 1), "state_json_text: reads back as the same");
	ok(strstr(text, "\"colon\": \"key:\\tvalue: x:\"") != NULL,
	    "state_json_text: \"key\": value, string intact");
	ok(strstr(text, "\n  \"inner\": {\n    \"n\": 7,\n") != NULL,
	    "state_json_text: two spaces per level");
	cJSON_Delete(back);
	free(text);
	cJSON_Delete(doc);

	doc = cJSON_Parse("{\"a\":{\"b\":[1,\"x\"]}}");
	text = state_json_text(doc);
	is_str(text, "{\n  \"a\": {\n    \"b\": [1, \"x\"]\n  }\n}", "state_json_text: the layout");
	free(text);
	cJSON_Delete(doc);
}

/* Every kind of value, every byte a string may hold, numbers of every form code creates. */
static void
test_json_text_as_cjson(void)
{
	static const double nums[] = { 0, 1, -1, 7, 42, 999999999, -999999999, 1e9, 2147483647,
		-2147483648.0, 2147483648.0, 1234567890123.0, 1e15, 1e16, 1e300, 1.5, -0.25, 0.1,
		1.0 / 3, 3e-7, 123456.789 };
	cJSON *doc = cJSON_CreateObject(), *arr, *obj, *n;
	char bytes[256], *text, *want;
	size_t i;

	for (i = 1; i < 256; i++)
		bytes[i - 1] = (char)i;
	bytes[255] = '\0';
	cJSON_AddStringToObject(doc, "every byte", bytes);
	cJSON_AddStringToObject(doc, bytes, "as a key");
	cJSON_AddStringToObject(doc, "", "");
	cJSON_AddStringToObject(doc, "utf-8", "\xc3\xa9\xe2\x9d\xaf \xf0\x9f\x98\x80 \\\"q\"\x7f");
	arr = cJSON_AddArrayToObject(doc, "numbers");
	for (i = 0; i < sizeof nums / sizeof *nums; i++) {
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(nums[i]));
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(-nums[i]));
	}
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(NAN));
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(INFINITY));
	/* valuedouble set without valueint, as a careless caller might. */
	n = cJSON_CreateNumber(5);
	n->valuedouble = 6;
	cJSON_AddItemToArray(arr, n);
	cJSON_AddObjectToObject(doc, "empty object");
	cJSON_AddArrayToObject(doc, "empty array");
	arr = cJSON_AddArrayToObject(doc, "nested");
	obj = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, obj);
	cJSON_AddItemToObject(obj, "deeper", cJSON_CreateObject());
	cJSON_AddItemToObject(obj, "arrays", cJSON_Parse("[[], [[1, {}], {\"a\": [true]}], null]"));
	cJSON_AddItemToArray(arr, cJSON_CreateObject());
	cJSON_AddItemToArray(arr, cJSON_CreateArray());
	cJSON_AddItemToArray(arr, cJSON_CreateString("x"));
	cJSON_AddBoolToObject(doc, "false", 0);
	cJSON_AddNullToObject(doc, "null");
	cJSON_AddRawToObject(doc, "raw", "{\"kept\": 1.50}");
	text = state_json_text(doc);
	want = cjson_text(doc);
	is_str(text, want, "state_json_text: cJSON_Print's text with its tabs rewritten, for every "
	    "kind of value");
	free(want);
	free(text);
	cJSON_Delete(doc);
	for (i = 0; i < 3; i++) {
		const char *top[] = { "\"s\"", "[]", "-0.5" };
		doc = cJSON_Parse(top[i]);
		text = state_json_text(doc);
		want = cjson_text(doc);
		is_str(text, want, "state_json_text: a document that is %s", top[i]);
		free(want);
		free(text);
		cJSON_Delete(doc);
	}
}

/* ------------------------------------------------------------------------------------------ */

struct tmp {
	char dir[64];
	char *state, *lock, *tmp, *history;
};

static void
tmp_setup(struct tmp *t)
{
	const char *base = getenv("TMPDIR");

	snprintf(t->dir, sizeof t->dir, "%s/td-unit-XXXXXX",
	    base != NULL && *base != '\0' && strlen(base) < 40 ? base : "/tmp");
	if (mkdtemp(t->dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	xasprintf(&t->state, "%s/state.json", t->dir);
	xasprintf(&t->lock, "%s/state.json.lock", t->dir);
	xasprintf(&t->tmp, "%s/state.json.tmp", t->dir);
	xasprintf(&t->history, "%s/state.history.jsonl", t->dir);
}

static void
tmp_teardown(struct tmp *t)
{
	char *side;

	unlink(t->state);
	unlink(t->lock);
	unlink(t->tmp);
	unlink(t->history);
	xasprintf(&side, "%s/.terminal-status.d", t->dir);
	rmdir(side);
	free(side);
	if (rmdir(t->dir) != 0)
		printf("# could not remove %s: %s\n", t->dir, strerror(errno));
	free(t->state);
	free(t->lock);
	free(t->tmp);
	free(t->history);
}

/* Opens the state expecting a refusal; returns the status and whether the file is unchanged. */
static int
open_refused(struct tmp *t, const char *text, int *unchanged)
{
	struct state st;
	char *after;
	int rc;

	spit(t->state, text);
	td_quiet(1);
	rc = state_open(&st, t->state, STATE_WRITE);
	td_quiet(0);
	state_close(&st);
	after = slurp(t->state);
	*unchanged = after != NULL && strcmp(after, text) == 0;
	free(after);
	return rc;
}

static void
test_open_commit(void)
{
	struct tmp t;
	struct state st;
	cJSON *item, *v;
	char *text;
	int rc, unchanged, i_fsync_tmp, i_rename, i_fsync_dir;
	char *want;

	tmp_setup(&t);

	/* A missing file is an empty state; the first commit creates it. */
	rc = state_open(&st, t.state, STATE_WRITE);
	is_int(rc, 0, "state_open: a missing file opens for writing");
	ok(!st.exists && cJSON_GetArraySize(st.queue) == 0 && st.terminals != NULL &&
	    st.completed != NULL, "state_open: an empty state with every list");
	ok(exists(t.lock), "state_open: the lock file is beside the state");
	item = item_create(&st, NULL, "/first");
	is_str(state_str(item, "id"), "q-1", "item_create generates q-1");
	ok(state_item(&st, "q-1") == item, "state_item finds it");
	events_clear();
	recording = 1;
	rc = state_commit(&st);
	recording = 0;
	is_int(rc, 0, "state_commit writes");
	state_close(&st);
	ok(exists(t.state) && !exists(t.tmp), "state_commit: the file exists, no temp file left");

	/* The durable write, in order: temp file fsynced, renamed over the state, dir fsynced. */
	xasprintf(&want, "fsync %s", t.tmp);
	i_fsync_tmp = event_index(want);
	free(want);
	xasprintf(&want, "rename %s %s", t.tmp, t.state);
	i_rename = event_index(want);
	free(want);
	xasprintf(&want, "fsync %s", t.dir);
	i_fsync_dir = event_index(want);
	free(want);
	ok(i_fsync_tmp >= 0, "state_commit fsyncs the temp file");
	ok(i_rename > i_fsync_tmp, "state_commit renames the temp file over the state after that");
	ok(i_fsync_dir > i_rename, "state_commit fsyncs the directory after the rename");
	if (i_fsync_tmp < 0 || i_rename < 0 || i_fsync_dir < 0) {
		for (rc = 0; rc < nevents; rc++)
			printf("#   event: %s\n", events[rc]);
	}
	events_clear();

	/* Reading it back. */
	rc = state_open(&st, t.state, STATE_READ);
	is_int(rc, 0, "state_open reads what state_commit wrote");
	ok(st.exists && cJSON_GetArraySize(st.queue) == 1, "  with its one item");
	is_str(state_str(state_item(&st, "q-1"), "status"), ST_PENDING, "  pending");
	ok(st.lock_fd == -1, "state_open for reading takes no lock");
	state_close(&st);

	/* A hand-written file: normalized, unknown keys and number text kept. */
	spit(t.state, "{\"queue\": [{\"command\": \"/x\", \"extra\": {\"n\": 1.50, \"big\": "
	    "12345678901234567890}}, {\"id\": \"q-7\", \"command\": \"/y\", \"status\": \"done\"}],"
	    " \"top\": [1e999, -0, 1E+2], \"terminals\": {\"t-1\": {\"target\": \"s:1\", \"c\": 1}}}");
	rc = state_open(&st, t.state, STATE_WRITE);
	is_int(rc, 0, "state_open accepts a hand-written partial file");
	item = st.queue->child;
	is_str(state_str(item, "id"), "q-8", "  an item without id gets one past every q-N");
	is_str(state_str(item, "status"), ST_PENDING, "  without status it is pending");
	v = cJSON_GetObjectItemCaseSensitive(item, "dependsOn");
	ok(cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0, "  dependsOn []");
	v = cJSON_GetObjectItemCaseSensitive(item, "priority");
	ok(cJSON_IsNumber(v) && v->valuedouble == 0, "  priority 0");
	v = cJSON_GetObjectItemCaseSensitive(item, "attempts");
	ok(cJSON_IsNumber(v) && v->valuedouble == 0, "  attempts 0");
	ok(state_str(item, "createdAt") != NULL, "  createdAt set");
	ok(cJSON_GetArraySize(st.queue) == 1 && cJSON_GetArraySize(st.completed) == 1 &&
	    state_item(&st, "q-7") == st.completed->child, "  a done item moves to completedToday");
	v = cJSON_GetObjectItemCaseSensitive(st.root, "version");
	ok(cJSON_IsNumber(v) && v->valuedouble == 1, "  version 1 added");
	ok(state_terminal(&st, "t-1") != NULL && state_terminal(&st, "t-2") == NULL,
	    "state_terminal finds terminals by name");
	rc = state_commit(&st);
	is_int(rc, 0, "state_commit writes the normalized file");
	state_close(&st);
	text = slurp(t.state);
	ok(text != NULL && strstr(text, "\"n\": 1.50,") != NULL &&
	    strstr(text, "\"big\": 12345678901234567890") != NULL &&
	    strstr(text, "\"top\": [1e999, -0, 1E+2]") != NULL && strstr(text, "\"c\": 1\n") != NULL,
	    "state_commit keeps unknown keys, numbers as written");
	ok(text != NULL && strstr(text, "\"nextId\": 9") != NULL, "state_commit records nextId");
	free(text);

	/* A number the helper changes is written as the new number, not the old text. */
	rc = state_open(&st, t.state, STATE_WRITE);
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    st.queue->child, "extra"), "n");
	(void)cJSON_SetNumberValue(v, 2.25);
	state_commit(&st);
	state_close(&st);
	text = slurp(t.state);
	ok(rc == 0 && text != NULL && strstr(text, "\"n\": 2.25,") != NULL,
	    "a changed number is written as its new value");
	free(text);

	/* Refusals leave the file as it was. */
	is_int(open_refused(&t, "{\"queue\": [}", &unchanged), TD_EXIT_INVALID,
	    "state_open: invalid JSON is exit 3");
	ok(unchanged, "  the file is untouched");
	is_int(open_refused(&t, "{\"queue\": {}}", &unchanged), TD_EXIT_INVALID,
	    "state_open: \"queue\": {} is exit 3");
	ok(unchanged, "  the file is untouched");
	is_int(open_refused(&t, "{\"queue\": [{\"command\": \"a\\u0000b\"}]}", &unchanged),
	    TD_EXIT_INVALID, "state_open: \\u0000 in a string is exit 3");
	is_int(open_refused(&t, "{\"k\\u0000\": 1}", &unchanged), TD_EXIT_INVALID,
	    "state_open: \\u0000 in a key is exit 3");
	is_int(open_refused(&t, "{\"a\": \"\\\\u0000\"}", &unchanged), 0,
	    "state_open: an escaped backslash before u0000 is just text");
	is_int(open_refused(&t, "{\"terminals\": {\"t\": {\"target\": \"s:1\"}, \"t\": "
	    "{\"target\": \"s:2\"}}}", &unchanged), TD_EXIT_INVALID,
	    "state_open: a terminal named twice is exit 3");
	is_int(open_refused(&t, "\xef\xbb\xbf{\"n\": 1.50}", &unchanged), 0,
	    "state_open: a UTF-8 byte order mark is skipped");
	is_int(open_refused(&t, "", &unchanged), 0, "state_open: an empty file is an empty state");

	/* Finished items of an earlier day go to the history, unless still depended on. */
	spit(t.state, "{\"queue\": [{\"id\": \"w\", \"command\": \"/w\", \"dependsOn\": [\"old2\"]}],"
	    " \"completedToday\": [{\"id\": \"old1\", \"command\": \"/a\", \"status\": \"done\","
	    " \"finishedAt\": \"2020-01-01T00:00:00Z\", \"x\": 1.50}, {\"id\": \"old2\", \"command\":"
	    " \"/b\", \"status\": \"done\", \"finishedAt\": \"2020-01-01T00:00:00Z\"}]}");
	rc = state_open(&st, t.state, STATE_WRITE);
	is_int(rc == 0 ? state_commit(&st) : rc, 0, "state_commit with items of an earlier day");
	ok(state_item(&st, "old1") == NULL && state_item(&st, "old2") != NULL,
	    "  the archived item is gone from the state, the needed one stays");
	state_close(&st);
	text = slurp(t.history);
	is_int(count_lines(text), 1, "  one line in the history file");
	ok(text != NULL && strncmp(text, "{\"id\":\"old1\",", 13) == 0 &&
	    strstr(text, "\"x\":1.50") != NULL, "  the whole item, numbers as written");
	free(text);

	/* A stale temp file is replaced; the mode of the state is kept. */
	spit(t.tmp, "{\"half\": ");
	chmod(t.tmp, 0);
	chmod(t.state, 0640);
	rc = state_open(&st, t.state, STATE_WRITE);
	/* A change: a commit of the text as read writes nothing (tested below). */
	if (rc == 0)
		cJSON_AddTrueToObject(st.root, "touched");
	is_int(rc == 0 ? state_commit(&st) : rc, 0, "state_commit over a stale temp file");
	state_close(&st);
	{
		struct stat sb;
		ok(stat(t.state, &sb) == 0 && (sb.st_mode & 07777) == 0640, "  the mode stays 0640");
	}
	ok(!exists(t.tmp), "  no temp file left");

	/* Nothing changed: the file is not written again (same inode, same mtime). */
	{
		struct stat before, after;
		rc = state_open(&st, t.state, STATE_WRITE);
		stat(t.state, &before);
		is_int(rc == 0 ? state_commit(&st) : rc, 0, "state_commit of an unchanged state");
		state_close(&st);
		ok(stat(t.state, &after) == 0 && after.st_ino == before.st_ino &&
		    after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
		    after.st_mtim.tv_nsec == before.st_mtim.tv_nsec, "  not rewritten");
	}

	/* Numbers among strings that look like numbers: each printed back as it was written. */
	spit(t.state, "{\"s\": \"1.50 -3 \\\"2e3\\\" 007\", \"n\": [0, -7, 123456789, 1234567890, "
	    "-0, 1.0, 2e3, 1E2, -12.50], \"t\": true, \"m\": {\"k 1.5\": 1.50}}\n");
	rc = state_open(&st, t.state, STATE_WRITE);
	if (rc == 0)
		cJSON_AddTrueToObject(st.root, "touched");
	is_int(rc == 0 ? state_commit(&st) : rc, 0, "state_commit of numbers written variously");
	state_close(&st);
	text = slurp(t.state);
	ok(text != NULL && strstr(text, "[0, -7, 123456789, 1234567890, -0, 1.0, 2e3, 1E2, -12.50]")
	    != NULL && strstr(text, "\"k 1.5\": 1.50") != NULL &&
	    strstr(text, "\"1.50 -3 \\\"2e3\\\" 007\"") != NULL, "  every number as written");
	free(text);

	/* A kept number changed in place is written as its new value, not as the old text. */
	spit(t.state, "{\"n\": 1.50, \"m\": 10, \"k\": 1.50}\n");
	rc = state_open(&st, t.state, STATE_WRITE);
	if (rc == 0) {
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(st.root, "n"), 2.25);
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(st.root, "m"), 11);
	}
	is_int(rc == 0 ? state_commit(&st) : rc, 0, "state_commit of numbers changed in place");
	state_close(&st);
	text = slurp(t.state);
	ok(text != NULL && strstr(text, "\"n\": 2.25,") != NULL && strstr(text, "\"m\": 11,") !=
	    NULL && strstr(text, "\"k\": 1.50") != NULL, "  written as their new values");
	free(text);

	tmp_teardown(&t);
}

int
main(void)
{
	test_strmap();
	test_terminal_names();
	test_terminal_targets();
	test_default_group();
	test_check_command();
	test_times();
	test_json_text();
	test_json_text_as_cjson();
	test_open_commit();
	events_clear();
	return tap_done();
}
