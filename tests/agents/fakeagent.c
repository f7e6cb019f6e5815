/*
 * fakeagent: a stand-in for an AI coding agent TUI, for tmux-dispatch's integration tests.
 *
 * It draws screens shaped like Claude Code 2.1 (--style claude) or Codex CLI 0.169
 * (--style codex) as captured in ../shared/captures, so the product's real classifier
 * profiles see the same idle / typed / busy / permission / exited states. It reads keys in
 * raw mode, understands bracketed paste, and appends every submission it takes to a log,
 * hex-encoded, one line per submission, so tests can check the exact bytes delivered.
 * See tests/agents/README.md for options, log format and screen layouts.
 *
 * Single C11 file, libc + POSIX only.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define NBSP "\xc2\xa0"
#define TICK_MS 300         /* busy: one output line and a redraw per tick */
#define ESC_TIMEOUT_MS 30   /* a lone ESC with nothing after it within this is the Esc key */
#define SEQ_TIMEOUT_MS 200  /* an unfinished escape sequence is dropped after this */
#define CTRLC_WINDOW_MS 2000
#define MAX_TRANSCRIPT 1000 /* transcript lines kept (display only; the log is exact) */
#define MAX_SHOWN_LINES 8   /* lines shown per submission / input box */
#define MAX_LINE_BYTES 600  /* bytes of one line kept for display */
#define SAY_WORD "SAY:"     /* a submission holding it ends its turn saying the rest of its line */

/* ---------------------------------------------------------------- growable buffer */

struct buf {
	char *p;
	size_t len, cap;
};

static void
die_oom(void)
{
	static const char m[] = "fakeagent: out of memory\n";
	(void)!write(2, m, sizeof m - 1);
	_exit(70);
}

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (np == NULL)
			die_oom();
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		die_oom();
	return d;
}

/* ---------------------------------------------------------------- string lists */

struct lines {
	char **v;
	size_t n, cap;
};

static void
lines_push(struct lines *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **nv = realloc(l->v, cap * sizeof *nv);
		if (nv == NULL)
			die_oom();
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = xstrdup(s);
}

static void
lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---------------------------------------------------------------- UTF-8 and widths */

/* Decode one UTF-8 sequence; returns bytes used (>= 1), *cp = -1 when invalid. */
static size_t
u8dec(const unsigned char *s, size_t n, long *cp)
{
	unsigned c = s[0];
	size_t len;
	long v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2; v = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; v = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; v = c & 0x07; min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	if (n < len) {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return len;
}

/*
 * Columns a code point takes. Deliberately errs towards 2: drawing a line a bit short is
 * harmless, drawing it too long makes the terminal wrap and scroll. The glyphs the fake's
 * own chrome uses are listed as narrow.
 */
static int
cpwidth(long cp)
{
	if (cp < 0x1100)
		return 1;
	if (cp >= 0x2000 && cp <= 0x2bff) {
		switch (cp) {
		case 0x23bf: case 0x2722: case 0x2736: case 0x273b: case 0x276f:
		case 0x2714: case 0x2717: case 0x26a0:
			return 1;
		}
		if ((cp >= 0x2300 && cp <= 0x23ff) || (cp >= 0x2600 && cp <= 0x27bf) ||
		    cp >= 0x2b00)
			return 2;
		return 1;
	}
	return 2;
}

/* Make arbitrary bytes displayable: invalid UTF-8 and control characters become '?'. */
static void
sanitize(struct buf *out, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		long cp;
		size_t k = u8dec(s + i, n - i, &cp);
		if (cp == '\t')
			buf_add(out, " ", 1);
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			buf_add(out, "?", 1);
		else
			buf_add(out, s + i, k);
		i += k;
	}
}

/* Display width of valid UTF-8 text. */
static int
strwidth(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int w = 0;
	while (i < n) {
		long cp;
		i += u8dec(u + i, n - i, &cp);
		w += cp < 0 ? 1 : cpwidth(cp);
	}
	return w;
}

/* Append s cut to at most maxcols columns (with a trailing "…" when cut); returns columns. */
static int
put_trunc(struct buf *o, const char *s, int maxcols)
{
	if (maxcols <= 0)
		return 0;
	int total = strwidth(s);
	if (total <= maxcols) {
		buf_adds(o, s);
		return total;
	}
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int w = 0;
	while (i < n) {
		long cp;
		size_t k = u8dec(u + i, n - i, &cp);
		int cw = cp < 0 ? 1 : cpwidth(cp);
		if (w + cw > maxcols - 1)
			break;
		buf_add(o, u + i, k);
		w += cw;
		i += k;
	}
	buf_adds(o, "\xe2\x80\xa6"); /* … */
	return w + 1;
}

/* ---------------------------------------------------------------- time */

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- options and state */

enum style { STYLE_CLAUDE, STYLE_CODEX };
/* ST_THINK: a turn taken but not yet at work (--think): drawn like idle, as Gemini shows it. */
enum state { ST_STARTING, ST_IDLE, ST_BUSY, ST_PERM, ST_THINK };

static struct {
	const char *log, *log_raw, *events, *ready_file, *perm_word, *record, *model, *session_id, *resume;
	const char *hook, *hook_notify; /* run as the real CLIs run their hooks (--hook) */
	const char *suggest, *commit;
	enum style style;
	int64_t busy_ms, enter_grace_ms, startup_ms, think_ms, suggest_delay_ms;
	int freeze_lines; /* --freeze N: a hung turn prints nothing after N lines; 0: off */
	int bracketed, lf_newline;
	int restore; /* --restore-interrupted: Esc gives the interrupted turn's text back (Claude) */
} opt = { .perm_word = "PERMISSION", .busy_ms = 2000, .bracketed = 1 };

static int log_fd = -1, raw_fd = -1, ev_fd = -1;
static int sigpipe_fds[2] = { -1, -1 };
static struct termios saved_tio;
static int tio_saved, tty_dirty, alt_on;
static int rows = 24, cols = 80;
static char cwd_label[256] = "~";

static enum state state = ST_STARTING;
static struct buf input;          /* the composer, raw bytes */
static struct buf turn_text;      /* the submission the current turn works on */
static struct lines transcript;   /* display lines */
static struct lines queue;        /* submissions waiting while busy (NUL-free? no: see qlen) */
static size_t *queue_len;         /* byte length of each queued submission */
static int64_t turn_start, busy_end, next_tick, think_end;
static int out_lines, perm_sel, esc_armed, ready_done, dirty, exit_requested;
static int suggesting;            /* --suggest: a turn ended; the ghost text shows on an empty input */
static int64_t suggest_at;        /* ... from then on (--suggest-delay) */
static long ghost_line = -1;      /* the frame line drawing it, or -1 */
static int64_t ctrlc_armed_until;
static int64_t last_paste_end = -1;
static int hook_pending, hook_notify_pending;
static size_t paste_bytes_n;
static int paste_discard;

/* ---------------------------------------------------------------- files */

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				(void)poll(&pfd, 1, 100);
				continue;
			}
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
ev(const char *fmt, ...)
{
	if (ev_fd < 0)
		return;
	struct buf b = { 0 };
	int64_t t = wall_ms();
	buf_printf(&b, "%lld.%03d ", (long long)(t / 1000), (int)(t % 1000));
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_adds(&b, tmp);
	buf_adds(&b, "\n");
	(void)write_all(ev_fd, b.p, b.len);
	buf_free(&b);
}

static void
hexenc(struct buf *o, const char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		char two[2] = { hx[(unsigned char)p[i] >> 4], hx[(unsigned char)p[i] & 15] };
		buf_add(o, two, 2);
	}
}

/* Event with the submission as hex, cut at 64 bytes (the log has it whole). */
static void
ev_text(const char *what, const char *p, size_t n)
{
	if (ev_fd < 0)
		return;
	struct buf h = { 0 };
	hexenc(&h, p, n > 64 ? 64 : n);
	ev("%s %zu %s", what, n, h.p ? h.p : "");
	buf_free(&h);
}

static void
log_submission(const char *p, size_t n)
{
	struct buf b = { 0 };
	hexenc(&b, p, n);
	buf_add(&b, "\n", 1);
	if (write_all(log_fd, b.p, b.len) < 0)
		fprintf(stderr, "fakeagent: writing %s: %s\n", opt.log, strerror(errno));
	buf_free(&b);
	if (raw_fd >= 0) {
		(void)write_all(raw_fd, p, n);
		(void)write_all(raw_fd, "\n", 1);
	}
}

static int
open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "fakeagent: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

/* ---------------------------------------------------------------- terminal */

static void
tty_out(const char *p, size_t n)
{
	if (write_all(STDOUT_FILENO, p, n) < 0 && errno != EAGAIN) {
		/* The pane is gone: nothing left to draw on. */
		if (tio_saved)
			(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		_exit(0);
	}
}

static void
tty_restore(void)
{
	if (tty_dirty) {
		struct buf b = { 0 };
		buf_adds(&b, "\x1b[?2004l\x1b[?25h");
		if (alt_on)
			buf_adds(&b, "\x1b[?1049l");
		(void)write_all(STDOUT_FILENO, b.p, b.len);
		buf_free(&b);
		tty_dirty = 0;
		alt_on = 0;
	}
	if (tio_saved)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void
tty_raw(void)
{
	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return; /* not a tty: run anyway, keys arrive as they are */
	tio_saved = 1;
	struct termios t = saved_tio;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void
get_size(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	if (rows > 1000)
		rows = 1000;
	if (cols > 1000)
		cols = 1000;
}

/* ---------------------------------------------------------------- transcript */

static void
tr_push(const char *s)
{
	if (transcript.n >= MAX_TRANSCRIPT) {
		size_t drop = MAX_TRANSCRIPT / 10;
		for (size_t i = 0; i < drop; i++)
			free(transcript.v[i]);
		memmove(transcript.v, transcript.v + drop, (transcript.n - drop) * sizeof *transcript.v);
		transcript.n -= drop;
	}
	lines_push(&transcript, s);
}

static void
tr_replace_last(const char *s)
{
	if (transcript.n == 0) {
		tr_push(s);
		return;
	}
	free(transcript.v[transcript.n - 1]);
	transcript.v[transcript.n - 1] = xstrdup(s);
}

/*
 * Split raw text into sanitized display lines (CR, LF and CRLF break lines), at most max
 * lines; the last kept line says how many more there are. Each line is cut to
 * MAX_LINE_BYTES bytes before sanitizing. Returns the number of source lines.
 */
static size_t
split_display(struct lines *out, const char *p, size_t n, size_t max)
{
	size_t nlines = 0, i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && p[j] != '\n' && p[j] != '\r')
			j++;
		if (out->n < max) {
			struct buf b = { 0 };
			sanitize(&b, p + i, j - i > MAX_LINE_BYTES ? MAX_LINE_BYTES : j - i);
			lines_push(out, b.p ? b.p : "");
			buf_free(&b);
		}
		nlines++;
		if (j >= n)
			break;
		if (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
			j++;
		i = j + 1;
	}
	if (nlines > max && max > 1) {
		char more[64];
		snprintf(more, sizeof more, "\xe2\x80\xa6 +%zu more lines", nlines - max + 1);
		free(out->v[max - 1]);
		out->v[max - 1] = xstrdup(more);
	}
	return nlines;
}

/* Push text as transcript lines: first line after first_prefix, the rest after two spaces. */
static void
tr_push_text(const char *first_prefix, const char *p, size_t n)
{
	struct lines l = { 0 };
	split_display(&l, p, n, MAX_SHOWN_LINES);
	for (size_t i = 0; i < l.n; i++) {
		struct buf b = { 0 };
		buf_adds(&b, i == 0 ? first_prefix : "  ");
		buf_adds(&b, l.v[i]);
		tr_push(b.p);
		buf_free(&b);
	}
	lines_free(&l);
}

/* ---------------------------------------------------------------- screen */

static const char *
rule(void)
{
	static struct buf r;
	static int rcols = -1;
	if (rcols != cols) {
		r.len = 0;
		for (int i = 0; i < cols; i++)
			buf_adds(&r, "\xe2\x94\x80"); /* ─ */
		if (r.p == NULL)
			buf_adds(&r, "");
		rcols = cols;
	}
	return r.p;
}

static const char spinner_glyphs[][4] = { "\xe2\x9c\xa2", "\xe2\x9c\xbb", "\xe2\x9c\xb6", "*" };

/* Input box lines, with prefix for the first line and "  " for the rest. */
static void
input_lines(struct lines *out, const char *first_prefix)
{
	struct lines l = { 0 };
	split_display(&l, input.p ? input.p : "", input.len, MAX_SHOWN_LINES);
	for (size_t i = 0; i < l.n; i++) {
		struct buf b = { 0 };
		buf_adds(&b, i == 0 ? first_prefix : "  ");
		buf_adds(&b, l.v[i]);
		lines_push(out, b.p);
		buf_free(&b);
	}
	lines_free(&l);
}

/* Whether the input shows --suggest's ghost text: idle, empty, after a turn. */
static int
ghost_showing(void)
{
	return opt.suggest != NULL && suggesting && now_ms() >= suggest_at && state == ST_IDLE &&
	    input.len == 0 && queue.n == 0;
}

/*
 * Claude Code's colours for it (recorded from 2.1.197): its own cursor in reverse video over the
 * first character, the rest dim (SGR 2). ROW is the screen row, 1-based.
 */
static void
ghost_paint(struct buf *o, int row)
{
	const unsigned char *u = (const unsigned char *)opt.suggest;
	long cp;
	size_t k = u8dec(u, strlen(opt.suggest), &cp);

	buf_printf(o, "\x1b[%d;3H\x1b[7m", row);
	buf_add(o, opt.suggest, k);
	buf_adds(o, "\x1b[0;2m");
	buf_adds(o, opt.suggest + k);
	buf_printf(o, "\x1b[0m\x1b[%d;3H", row);
}

/* Build the frame as lines; *cur_line is the frame line with the cursor (-1: hide it). */
static void
compose_claude(struct lines *f, long *cur_line)
{
	int64_t now = now_ms();
	lines_push(f, " \xe2\x96\x90\xe2\x96\x9b\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x9c\xe2\x96\x8c   Claude Code v2.1.197");
	lines_push(f, "\xe2\x96\x9d\xe2\x96\x9c\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x9b\xe2\x96\x98  Fake Model \xc2\xb7 fakeagent");
	struct buf b = { 0 };
	buf_adds(&b, "  \xe2\x96\x98\xe2\x96\x98 \xe2\x96\x9d\xe2\x96\x9d    ");
	buf_adds(&b, cwd_label);
	lines_push(f, b.p);
	buf_free(&b);
	if (opt.resume != NULL) {
		/* What a resumed agent shows: the session it continues, for tests to read. */
		struct buf r = { 0 };
		buf_adds(&r, "  Resumed session ");
		buf_adds(&r, opt.resume);
		lines_push(f, r.p);
		buf_free(&r);
	}
	lines_push(f, "");
	for (size_t i = 0; i < transcript.n; i++)
		lines_push(f, transcript.v[i]);
	if (state == ST_BUSY) {
		char sp[160];
		int64_t secs = (now - turn_start) / 1000;
		snprintf(sp, sizeof sp, "%s Working\xe2\x80\xa6 (%llds \xc2\xb7 \xe2\x86\x93 %d tokens)",
		    spinner_glyphs[(now / TICK_MS) % 4], (long long)secs, out_lines * 7);
		lines_push(f, "");
		lines_push(f, sp);
		lines_push(f, "  \xe2\x8e\xbf " NBSP "Tip: this is a fake agent for tmux-dispatch tests");
	}
	if (queue.n > 0) {
		lines_push(f, "");
		for (size_t i = 0; i < queue.n; i++) {
			struct lines l = { 0 };
			split_display(&l, queue.v[i], queue_len[i], 1);
			struct buf q = { 0 };
			buf_adds(&q, "  \xe2\x9d\xaf ");
			buf_adds(&q, l.n ? l.v[0] : "");
			lines_push(f, q.p);
			buf_free(&q);
			lines_free(&l);
		}
	}
	lines_push(f, "");
	lines_push(f, rule());
	if (state == ST_PERM) {
		lines_push(f, " Bash command");
		lines_push(f, "");
		lines_push(f, "   fake-command --step");
		lines_push(f, "   Run fake command");
		lines_push(f, "");
		lines_push(f, " Do you want to proceed?");
		*cur_line = (long)f->n + perm_sel;
		lines_push(f, perm_sel == 0 ? " \xe2\x9d\xaf 1. Yes" : "   1. Yes");
		lines_push(f, perm_sel == 1 ? " \xe2\x9d\xaf 2. No" : "   2. No");
		lines_push(f, "");
		lines_push(f, " Esc to cancel \xc2\xb7 Tab to amend \xc2\xb7 ctrl+e to explain");
		return;
	}
	if (input.len == 0 && queue.n > 0)
		lines_push(f, "\xe2\x9d\xaf" NBSP "Press up to edit queued messages");
	else if (ghost_showing()) {
		/* The text as plain capture shows it; redraw paints its colours over it. */
		struct buf g = { 0 };
		buf_adds(&g, "\xe2\x9d\xaf" NBSP);
		buf_adds(&g, opt.suggest);
		ghost_line = (long)f->n;
		lines_push(f, g.p);
		buf_free(&g);
	} else
		input_lines(f, "\xe2\x9d\xaf" NBSP);
	*cur_line = (long)f->n - 1;
	lines_push(f, rule());
	if (now < ctrlc_armed_until)
		lines_push(f, "  Press Ctrl-C again to exit");
	else if (input.len > 0)
		lines_push(f, esc_armed ? "  Esc again to clear" : "");
	else if (state == ST_BUSY)
		lines_push(f, "  esc to interrupt \xc2\xb7 \xe2\x86\x90 for agents");
	else
		lines_push(f, "  ? for shortcuts \xc2\xb7 \xe2\x86\x90 for agents");
}

static void
compose_codex(struct lines *f, long *cur_line)
{
	int64_t now = now_ms();
	struct lines top = { 0 }, bot = { 0 };
	struct buf b = { 0 };
	long bot_cur = -1;

	lines_push(&top, "");
	lines_push(&top, "  >_ OpenAI Codex (v0.169.0)");
	buf_adds(&b, "     ");
	buf_adds(&b, cwd_label);
	lines_push(&top, b.p);
	b.len = 0;
	lines_push(&top, "");
	for (size_t i = 0; i < transcript.n; i++)
		lines_push(&top, transcript.v[i]);

	if (state == ST_PERM) {
		lines_push(&bot, "");
		lines_push(&bot, "  Would you like to run the following command?");
		lines_push(&bot, "");
		lines_push(&bot, "  Reason: fakeagent wants to run: fake-command --step");
		lines_push(&bot, "");
		lines_push(&bot, "  $ fake-command --step");
		lines_push(&bot, "");
		bot_cur = (long)bot.n + perm_sel;
		lines_push(&bot, perm_sel == 0 ? "\xe2\x80\xba 1. Yes, proceed (y)" : "  1. Yes, proceed (y)");
		lines_push(&bot, perm_sel == 1 ?
		    "\xe2\x80\xba 2. Yes, and don't ask again for commands that start with `fake-command` (p)" :
		    "  2. Yes, and don't ask again for commands that start with `fake-command` (p)");
		lines_push(&bot, perm_sel == 2 ?
		    "\xe2\x80\xba 3. No, and tell Codex what to do differently (esc)" :
		    "  3. No, and tell Codex what to do differently (esc)");
		lines_push(&bot, "");
		lines_push(&bot, "  Press enter to confirm or esc to cancel");
	} else {
		if (state == ST_BUSY) {
			char sp[160];
			snprintf(sp, sizeof sp, "%s Working (%llds \xe2\x80\xa2 esc to interrupt)",
			    (now / TICK_MS) % 2 ? "\xe2\x80\xa2" : "\xe2\x97\xa6",
			    (long long)((now - turn_start) / 1000));
			lines_push(&bot, "");
			lines_push(&bot, sp);
		}
		if (queue.n > 0) {
			lines_push(&bot, "");
			lines_push(&bot, "\xe2\x80\xa2 Queued follow-up inputs");
			for (size_t i = 0; i < queue.n; i++) {
				struct lines l = { 0 };
				split_display(&l, queue.v[i], queue_len[i], 1);
				b.len = 0;
				buf_adds(&b, "  \xe2\x86\xb3 ");
				buf_adds(&b, l.n ? l.v[0] : "");
				lines_push(&bot, b.p);
				lines_free(&l);
			}
		}
		lines_push(&bot, "");
		lines_push(&bot, "");
		if (input.len == 0)
			lines_push(&bot, "\xe2\x80\xba Ask Codex to do anything");
		else
			input_lines(&bot, "\xe2\x80\xba ");
		bot_cur = (long)bot.n - 1;
		lines_push(&bot, "");
		b.len = 0;
		buf_adds(&b, "  fake-model default \xc2\xb7 ");
		buf_adds(&b, cwd_label);
		lines_push(&bot, b.p);
		if (now < ctrlc_armed_until)
			lines_push(&bot, "  ctrl + c again to quit");
		else if (input.len > 0)
			lines_push(&bot, state == ST_BUSY ? "  tab to queue message" : "");
		else
			lines_push(&bot, "  \xe2\x86\x90 for agents \xc2\xb7 ? for shortcuts");
	}
	/* Top-anchored transcript, bottom-anchored composer; the top scrolls away first. */
	size_t start = 0;
	if (top.n + bot.n > (size_t)rows)
		start = top.n + bot.n - (size_t)rows < top.n ? top.n + bot.n - (size_t)rows : top.n;
	for (size_t i = start; i < top.n; i++)
		lines_push(f, top.v[i]);
	while (f->n + bot.n < (size_t)rows)
		lines_push(f, "");
	if (bot_cur >= 0)
		*cur_line = (long)f->n + bot_cur;
	for (size_t i = 0; i < bot.n; i++)
		lines_push(f, bot.v[i]);
	lines_free(&top);
	lines_free(&bot);
	buf_free(&b);
}

static void
redraw(void)
{
	struct lines f = { 0 };
	long cur = -1;
	get_size();
	ghost_line = -1;
	if (opt.style == STYLE_CODEX)
		compose_codex(&f, &cur);
	else
		compose_claude(&f, &cur);

	/* Too tall: keep the bottom (the input box and footer). */
	size_t first = f.n > (size_t)rows ? f.n - (size_t)rows : 0;
	struct buf o = { 0 };
	buf_adds(&o, "\x1b[?25l");
	int cur_row = -1, cur_col = 0;
	for (int r = 0; r < rows; r++) {
		size_t li = first + (size_t)r;
		buf_printf(&o, "\x1b[%d;1H", r + 1);
		int w = 0;
		if (li < f.n)
			w = put_trunc(&o, f.v[li], cols);
		if (w < cols)
			buf_adds(&o, "\x1b[K");
		if (li < f.n && (long)li == cur) {
			cur_row = r + 1;
			cur_col = w < cols ? w + 1 : cols;
		}
	}
	if (cur_row > 0) {
		buf_printf(&o, "\x1b[%d;%dH", cur_row, cur_col);
		if (state != ST_PERM)
			buf_adds(&o, "\x1b[?25h");
	}
	if (ghost_line >= (long)first && ghost_line < (long)first + rows)
		ghost_paint(&o, (int)(ghost_line - (long)first) + 1);
	tty_out(o.p, o.len);
	buf_free(&o);
	lines_free(&f);
	dirty = 0;

	if (state == ST_IDLE && !ready_done) {
		ready_done = 1;
		ev("ready");
		if (opt.ready_file != NULL) {
			int fd = open(opt.ready_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		}
	}
}

/* ---------------------------------------------------------------- agent behaviour */

static void start_turn(char *text, size_t n);

static void
quit_goodbye(void)
{
	ev("exit");
	if (opt.style == STYLE_CODEX) {
		tty_restore();
		char m[128];
		snprintf(m, sizeof m, "Token usage: total=0 input=0 output=0\r\n"
		    "Session ID: fake-%ld\r\n", (long)getpid());
		tty_out(m, strlen(m));
	} else {
		redraw();
		char m[160];
		snprintf(m, sizeof m, "\x1b[%d;1H\r\nResume this session with:\r\nclaude --resume fake-%ld\r\n",
		    rows, (long)getpid());
		tty_out(m, strlen(m));
		tty_restore();
	}
	exit(0);
}

static int
contains(const char *h, size_t hn, const char *nd)
{
	size_t nn = strlen(nd);
	if (nn == 0 || nn > hn)
		return 0;
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, nd, nn) == 0)
			return 1;
	return 0;
}

static int
is_exit_command(const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	return (n == 4 && memcmp(p, "exit", 4) == 0) || (n == 5 && memcmp(p, "/exit", 5) == 0);
}

static void
finish_turn_and_next(void)
{
	state = ST_IDLE;
	dirty = 1;
	if (queue.n > 0) {
		char *t = queue.v[0];
		size_t n = queue_len[0];
		memmove(queue.v, queue.v + 1, (queue.n - 1) * sizeof *queue.v);
		memmove(queue_len, queue_len + 1, (queue.n - 1) * sizeof *queue_len);
		queue.n--;
		start_turn(t, n);
		free(t);
	}
}

static void
begin_work(void)
{
	int64_t now = now_ms();
	state = ST_BUSY;
	busy_end = now + opt.busy_ms;
	next_tick = now + TICK_MS;
	out_lines = 0;
	dirty = 1;
}

/* Runs ARGV (git) with no terminal output, and waits for it; its exit status. */
static int
run_quiet(char *const argv[])
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return status;
}

/* --commit FILE: the submission appended to FILE in the working directory, then committed,
 * as a real agent working in a git worktree would. */
static void
commit_submission(const char *text, size_t n)
{
	char msg[64];
	int fd;

	if ((fd = open(opt.commit, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		return;
	(void)!write(fd, text, n);
	(void)!write(fd, "\n", 1);
	close(fd);
	snprintf(msg, sizeof msg, "fakeagent: %zu bytes", n);
	run_quiet((char *const[]){ "git", "add", "--", (char *)opt.commit, NULL });
	run_quiet((char *const[]){ "git", "commit", "-q", "-m", msg, NULL });
	ev("commit");
}

/* What the turn says before it ends: the text after SAY_WORD in its submission, or "". */
static char say_text[MAX_LINE_BYTES];

static void
say_remember(const char *text, size_t n)
{
	size_t i, w = strlen(SAY_WORD), len = 0;

	say_text[0] = '\0';
	for (i = 0; i + w <= n; i++) {
		if (memcmp(text + i, SAY_WORD, w) == 0)
			break;
	}
	if (i + w > n)
		return;
	for (i += w; i < n && text[i] != '\n' && text[i] != '\r' && len + 1 < sizeof say_text; i++)
		say_text[len++] = text[i];
	say_text[len] = '\0';
}

/* Takes a submission: logs it, echoes it, and starts working (or asks permission). */
static void
start_turn(char *text, size_t n)
{
	say_remember(text, n);
	log_submission(text, n);
	buf_free(&turn_text);
	buf_add(&turn_text, text, n);
	ev_text("take", text, n);
	suggesting = 0;
	if (opt.commit != NULL && !is_exit_command(text, n))
		commit_submission(text, n);
	tr_push("");
	tr_push_text(opt.style == STYLE_CODEX ? "\xe2\x80\xba " : "\xe2\x9d\xaf ", text, n);
	turn_start = now_ms();
	dirty = 1;
	if (is_exit_command(text, n)) {
		exit_requested = 1; /* main loop says goodbye, once the caller has freed text */
		return;
	}
	if (contains(text, n, opt.perm_word)) {
		state = ST_PERM;
		perm_sel = 0;
		ev("perm");
		hook_notify_pending = opt.hook_notify != NULL;
		if (opt.style == STYLE_CODEX) {
			tr_push("");
			tr_push("\xe2\x80\xa2 I will run the command now.");
			tr_push("");
			tr_push("\xe2\x80\xa2 Running fake-command --step");
		} else {
			tr_push("");
			tr_push("\xe2\x97\x8f I will run the command now.");
			tr_push("");
			tr_push("\xe2\x97\x8f Bash(fake-command --step)");
			tr_push("  \xe2\x8e\xbf " NBSP "Waiting\xe2\x80\xa6");
		}
		return;
	}
	if (opt.think_ms > 0) {
		state = ST_THINK;
		think_end = turn_start + opt.think_ms;
		return;
	}
	begin_work();
}

static void
complete_turn(void)
{
	char m[128];
	int64_t secs = (now_ms() - turn_start) / 1000;
	if (opt.style == STYLE_CODEX) {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		snprintf(m, sizeof m, "  Worked for %llds \xe2\x80\xa2 %02d:%02d", (long long)secs,
		    tm.tm_hour, tm.tm_min);
	} else {
		snprintf(m, sizeof m, "\xe2\x9c\xbb Worked for %llds", (long long)secs);
	}
	if (say_text[0] != '\0') {
		char said[MAX_LINE_BYTES + 8];
		snprintf(said, sizeof said, "%s %s", opt.style == STYLE_CODEX ? "\xe2\x80\xa2" :
		    "\xe2\x97\x8f", say_text);
		tr_push("");
		tr_push(said);
	}
	tr_push("");
	tr_push(m);
	ev("done");
	hook_pending = opt.hook != NULL;
	suggesting = opt.suggest != NULL;
	suggest_at = now_ms() + opt.suggest_delay_ms;
	finish_turn_and_next();
}

static void
busy_tick(void)
{
	char m[96];
	/* Hung mid-output: the spinner and its counters go on, the transcript stops. */
	if (opt.freeze_lines > 0 && out_lines >= opt.freeze_lines)
		return;
	out_lines++;
	if (out_lines == 1) {
		tr_push("");
		snprintf(m, sizeof m, "%s fake output line 1",
		    opt.style == STYLE_CODEX ? "\xe2\x80\xa2" : "\xe2\x97\x8f");
	} else {
		snprintf(m, sizeof m, "  fake output line %d", out_lines);
	}
	tr_push(m);
	dirty = 1;
}

static void
interrupted_notice(void)
{
	tr_push("");
	if (opt.style == STYLE_CODEX)
		tr_push("\xe2\x96\xa0 Conversation interrupted - use /feedback if something went wrong");
	else
		tr_push("  \xe2\x8e\xbf " NBSP "Interrupted \xc2\xb7 What should Claude do instead?");
}

static void
perm_answer(int yes)
{
	ev(yes ? "perm-yes" : "perm-no");
	if (opt.style == STYLE_CODEX) {
		tr_push("");
		if (yes) {
			tr_push("\xe2\x9c\x94 You approved codex to run fake-command --step this time");
			tr_push("");
			tr_push("\xe2\x80\xa2 Ran fake-command --step");
			tr_push("  \xe2\x94\x94 ok");
		} else {
			tr_push("\xe2\x9c\x97 You canceled the request to run fake-command --step");
			interrupted_notice();
		}
	} else {
		if (yes) {
			tr_replace_last("  \xe2\x8e\xbf " NBSP "ok");
		} else {
			tr_replace_last("  \xe2\x8e\xbf " NBSP "Interrupted \xc2\xb7 What should Claude do instead?");
		}
	}
	if (yes)
		begin_work();
	else
		finish_turn_and_next();
	dirty = 1;
}

/* Esc or Ctrl-C while busy: stop, and put queued messages back into the composer. */
static void
interrupt_turn(void)
{
	ev("interrupt");
	interrupted_notice();
	if (queue.n > 0) {
		struct buf nb = { 0 };
		for (size_t i = 0; i < queue.n; i++) {
			if (nb.len)
				buf_add(&nb, "\n", 1);
			buf_add(&nb, queue.v[i], queue_len[i]);
			free(queue.v[i]);
		}
		queue.n = 0;
		if (input.len) {
			buf_add(&nb, "\n", 1);
			buf_add(&nb, input.p, input.len);
		}
		buf_free(&input);
		input = nb;
	}
	/* Claude Code 2.1.197 puts the interrupted prompt back into its input, before the rest. */
	if (opt.restore && turn_text.len > 0) {
		struct buf nb = { 0 };
		buf_add(&nb, turn_text.p, turn_text.len);
		if (input.len) {
			buf_add(&nb, "\n", 1);
			buf_add(&nb, input.p, input.len);
		}
		buf_free(&input);
		input = nb;
	}
	state = ST_IDLE;
	dirty = 1;
}

static void
queue_push(const char *p, size_t n)
{
	struct buf b = { 0 };
	buf_add(&b, p, n);
	buf_add(&b, "", 0);
	lines_push(&queue, "");
	free(queue.v[queue.n - 1]);
	queue.v[queue.n - 1] = b.p ? b.p : xstrdup("");
	size_t *nl = realloc(queue_len, queue.cap * sizeof *nl);
	if (nl == NULL)
		die_oom();
	queue_len = nl;
	queue_len[queue.n - 1] = n;
}

/* ---------------------------------------------------------------- keys */

static void
key_enter(void)
{
	int64_t now = now_ms();
	if (state == ST_PERM) {
		perm_answer(opt.style == STYLE_CODEX ? perm_sel != 2 : perm_sel == 0);
		return;
	}
	if (opt.enter_grace_ms > 0 && last_paste_end >= 0 && now - last_paste_end < opt.enter_grace_ms) {
		ev("enter-dropped %lld", (long long)(now - last_paste_end));
		return;
	}
	if (input.len == 0) {
		/* A nudge: tests count them. */
		ev("enter-empty");
		return;
	}
	struct buf sub = input;
	memset(&input, 0, sizeof input);
	esc_armed = 0;
	ev_text(state == ST_BUSY ? "submit-busy" : "submit", sub.p, sub.len);
	if (state == ST_BUSY) {
		queue_push(sub.p, sub.len);
		dirty = 1;
	} else {
		start_turn(sub.p, sub.len);
	}
	buf_free(&sub);
}

static void
key_newline(void)
{
	if (state == ST_PERM)
		return;
	buf_add(&input, "\n", 1);
	dirty = 1;
}

static void
key_esc(void)
{
	if (state == ST_PERM) {
		perm_answer(0);
	} else if (state == ST_BUSY) {
		interrupt_turn();
	} else if (input.len > 0) {
		if (esc_armed) {
			input.len = 0;
			esc_armed = 0;
		} else {
			esc_armed = 1;
		}
	} else {
		/* Claude's second Esc here opens its rewind dialog: tests count these. */
		ev("esc-empty");
	}
	dirty = 1;
}

static void
key_ctrl_c(void)
{
	int64_t now = now_ms();
	dirty = 1;
	if (state == ST_PERM) {
		perm_answer(0);
	} else if (input.len > 0) {
		input.len = 0;
		esc_armed = 0;
	} else if (state == ST_BUSY) {
		interrupt_turn();
	} else if (opt.style == STYLE_CODEX || now < ctrlc_armed_until) {
		exit_requested = 1;
	} else {
		ctrlc_armed_until = now + CTRLC_WINDOW_MS;
	}
}

static void
key_backspace(void)
{
	if (state == ST_PERM || input.len == 0)
		return;
	size_t n = input.len - 1;
	/* Back over continuation bytes to the lead byte of a UTF-8 sequence (max 4 bytes). */
	while (n > 0 && input.len - n < 4 && ((unsigned char)input.p[n] & 0xc0) == 0x80)
		n--;
	input.len = n;
	input.p[n] = '\0';
	dirty = 1;
}

static void
key_ctrl_u(void)
{
	if (state == ST_PERM)
		return;
	size_t n = input.len;
	while (n > 0 && input.p[n - 1] != '\n' && input.p[n - 1] != '\r')
		n--;
	input.len = n;
	if (input.p)
		input.p[n] = '\0';
	dirty = 1;
}

static void
key_arrow(int up)
{
	if (state != ST_PERM)
		return;
	int nopts = opt.style == STYLE_CODEX ? 3 : 2;
	perm_sel = up ? (perm_sel + nopts - 1) % nopts : (perm_sel + 1) % nopts;
	dirty = 1;
}

static void
key_char(unsigned char c)
{
	if (state == ST_PERM) {
		switch (c) {
		case '1': case 'y': case 'Y':
			perm_answer(1);
			break;
		case '2':
			perm_answer(opt.style == STYLE_CODEX);
			break;
		case 'p':
			if (opt.style == STYLE_CODEX)
				perm_answer(1);
			break;
		case '3':
			if (opt.style == STYLE_CODEX)
				perm_answer(0);
			break;
		case 'n': case 'N':
			perm_answer(0);
			break;
		}
		return;
	}
	buf_add(&input, &c, 1);
	esc_armed = 0;
	dirty = 1;
}

/* One key byte outside any escape sequence and outside a paste. */
static void
key_byte(unsigned char c)
{
	if (c != 0x03)
		ctrlc_armed_until = 0;
	switch (c) {
	case '\r':
		key_enter();
		return;
	case '\n':
		if (opt.lf_newline)
			key_newline();
		else
			key_enter();
		return;
	case 0x7f:
	case 0x08:
		key_backspace();
		return;
	case 0x03:
		key_ctrl_c();
		return;
	case 0x15:
		key_ctrl_u();
		return;
	case '\t':
		/* Tab accepts the suggestion: it becomes real input, as typed. */
		if (ghost_showing()) {
			buf_adds(&input, opt.suggest);
			ev_text("accept-suggestion", input.p, input.len);
			dirty = 1;
		}
		return;
	}
	if (c < 0x20)
		return; /* other control keys (NUL, Tab, ...) do nothing */
	key_char(c);
}

/* ---------------------------------------------------------------- paste */

static void
paste_begin(void)
{
	paste_bytes_n = 0;
	paste_discard = state == ST_PERM;
}

static void
paste_data(const char *p, size_t n)
{
	paste_bytes_n += n;
	if (paste_discard)
		return;
	buf_add(&input, p, n);
	esc_armed = 0;
	dirty = 1;
}

static void
paste_end(void)
{
	last_paste_end = now_ms();
	ev("paste %zu%s", paste_bytes_n, paste_discard ? " discarded" : "");
	dirty = 1;
}

/* ---------------------------------------------------------------- input parser */

static const char PASTE_END[] = "\x1b[201~";
static enum { P_NORM, P_ESC, P_CSI, P_SS3 } pstate;
static char seq[40];
static size_t seqlen, paste_match;
static int in_paste;
static int64_t seq_deadline;

static void
csi(int final)
{
	if (final == '~' && strcmp(seq, "200") == 0) {
		in_paste = 1;
		paste_match = 0;
		paste_begin();
	} else if (final == 'A') {
		key_arrow(1);
	} else if (final == 'B') {
		key_arrow(0);
	}
	/* Everything else (other keys, focus reports, a stray 201~) is ignored. */
}

static void
feed(unsigned char c)
{
	if (in_paste) {
		if (c == (unsigned char)PASTE_END[paste_match]) {
			if (++paste_match == sizeof PASTE_END - 1) {
				in_paste = 0;
				paste_match = 0;
				paste_end();
			}
			return;
		}
		if (paste_match > 0) {
			paste_data(PASTE_END, paste_match);
			paste_match = 0;
			if (c == (unsigned char)PASTE_END[0]) {
				paste_match = 1;
				return;
			}
		}
		paste_data((const char *)&c, 1);
		return;
	}
	switch (pstate) {
	case P_NORM:
		if (c == 0x1b) {
			pstate = P_ESC;
			seq_deadline = now_ms() + ESC_TIMEOUT_MS;
			return;
		}
		key_byte(c);
		return;
	case P_ESC:
		if (c == '[') {
			pstate = P_CSI;
			seqlen = 0;
			seq[0] = '\0';
			seq_deadline = now_ms() + SEQ_TIMEOUT_MS;
			return;
		}
		if (c == 'O') {
			pstate = P_SS3;
			seq_deadline = now_ms() + SEQ_TIMEOUT_MS;
			return;
		}
		pstate = P_NORM;
		if (c == '\r') { /* Alt-Enter / Esc-Enter: a newline in the input */
			key_newline();
			return;
		}
		key_esc();
		feed(c);
		return;
	case P_CSI:
		if (c >= 0x40 && c <= 0x7e) {
			pstate = P_NORM;
			csi(c);
			return;
		}
		if (c < 0x20 || c > 0x7e) { /* not part of a CSI: drop the sequence, reread */
			pstate = P_NORM;
			feed(c);
			return;
		}
		if (seqlen < sizeof seq - 1) {
			seq[seqlen++] = (char)c;
			seq[seqlen] = '\0';
		}
		return;
	case P_SS3:
		pstate = P_NORM;
		if (c == 'A')
			key_arrow(1);
		else if (c == 'B')
			key_arrow(0);
		return;
	}
}

/* ---------------------------------------------------------------- signals, main loop */

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char s = (unsigned char)sig;
	(void)!write(sigpipe_fds[1], &s, 1);
	errno = saved;
}

static void
setup_signals(void)
{
	if (pipe(sigpipe_fds) < 0) {
		perror("fakeagent: pipe");
		exit(1);
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sigpipe_fds[i], F_SETFL, fcntl(sigpipe_fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(sigpipe_fds[i], F_SETFD, FD_CLOEXEC);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGWINCH };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Handle pending signals; returns after a resize, never after a terminating signal. */
static void
drain_signals(void)
{
	unsigned char s;
	while (read(sigpipe_fds[0], &s, 1) == 1) {
		if (s == SIGWINCH) {
			dirty = 1;
			continue;
		}
		tty_restore();
		ev("signal %d", (int)s);
		signal(s, SIG_DFL);
		raise(s);
		_exit(128 + s);
	}
}

static void
process_timers(void)
{
	int64_t now = now_ms();
	if (pstate != P_NORM && !in_paste && now >= seq_deadline) {
		int was_esc = pstate == P_ESC;
		pstate = P_NORM;
		if (was_esc)
			key_esc();
	}
	if (state == ST_THINK && now >= think_end)
		begin_work();
	if (state == ST_BUSY) {
		while (state == ST_BUSY && now >= next_tick && next_tick < busy_end) {
			busy_tick();
			next_tick += TICK_MS;
		}
		if (state == ST_BUSY && now >= busy_end)
			complete_turn();
	}
	if (ctrlc_armed_until && now >= ctrlc_armed_until) {
		ctrlc_armed_until = 0;
		dirty = 1;
	}
	if (suggesting && suggest_at != 0 && now >= suggest_at) {
		suggest_at = 0;
		dirty = 1;
	}
}

static int
poll_timeout(void)
{
	int64_t now = now_ms(), t = 1000;
	if (pstate != P_NORM && !in_paste && seq_deadline - now < t)
		t = seq_deadline - now;
	if (state == ST_BUSY) {
		int64_t nt = next_tick < busy_end ? next_tick : busy_end;
		if (nt - now < t)
			t = nt - now;
	}
	if (state == ST_THINK && think_end - now < t)
		t = think_end - now;
	if (ctrlc_armed_until && ctrlc_armed_until - now < t)
		t = ctrlc_armed_until - now;
	if (suggesting && suggest_at != 0 && suggest_at - now < t)
		t = suggest_at - now;
	return t < 0 ? 0 : (int)t;
}

static void
wait_startup(void)
{
	int64_t end = now_ms() + opt.startup_ms;
	for (;;) {
		int64_t left = end - now_ms();
		if (left <= 0)
			return;
		struct pollfd p = { .fd = sigpipe_fds[0], .events = POLLIN };
		if (poll(&p, 1, left > 1000 ? 1000 : (int)left) > 0)
			drain_signals();
	}
}

/*
 * --hook CMD: CMD split on spaces is run (no shell) with the event's JSON on stdin, and waited
 * for, the way Claude Code runs a Stop hook once the turn's last screen is drawn. Its exit
 * status and output are ignored; "hook NAME" / "hook-done NAME" events bracket it.
 */
static void
run_hook(const char *cmd, const char *event, const char *type)
{
	char *words = xstrdup(cmd), *argv[32], *save = NULL, *w;
	char json[512];
	int n = 0, fds[2], out[2];
	struct buf got = { 0 };
	char rb[512];
	ssize_t r;
	pid_t pid;

	for (w = strtok_r(words, " ", &save); w != NULL && n < 31; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (opt.session_id != NULL)
		snprintf(json, sizeof json, "{\"session_id\":\"%s\",\"hook_event_name\":\"%s\"%s%s%s}",
		    opt.session_id, event, type ? ",\"notification_type\":\"" : "", type ? type : "",
		    type ? "\"" : "");
	else
		snprintf(json, sizeof json, "{\"session_id\":\"fake-%ld\",\"hook_event_name\":\"%s\"%s%s%s}",
		    (long)getpid(), event, type ? ",\"notification_type\":\"" : "", type ? type : "",
		    type ? "\"" : "");
	ev("hook %s", event);
	if (n == 0 || pipe(fds) != 0 || pipe(out) != 0) {
		free(words);
		return;
	}
	if ((pid = fork()) == 0) {
		dup2(fds[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		close(out[0]);
		close(out[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[0]);
	close(out[1]);
	signal(SIGPIPE, SIG_IGN);
	(void)write_all(fds[1], json, strlen(json));
	close(fds[1]);
	/* As the CLIs do: the hook has ended when its output is closed, by whatever holds it. */
	while ((r = read(out[0], rb, sizeof rb)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			buf_add(&got, rb, (size_t)r);
	close(out[0]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (got.len > 0) {
		struct buf hx = { 0 };
		hexenc(&hx, got.p, got.len);
		ev("hook-output %s", hx.p);
		buf_free(&hx);
	}
	ev("hook-done %s", event);
	buf_free(&got);
	free(words);
}

static void
run_pending_hooks(void)
{
	if (hook_pending) {
		hook_pending = 0;
		run_hook(opt.hook, "Stop", NULL);
	}
	if (hook_notify_pending) {
		hook_notify_pending = 0;
		run_hook(opt.hook_notify, "Notification", "permission_prompt");
	}
}

static void
usage(FILE *f)
{
	fputs("usage: fakeagent --log FILE [options]\n"
	    "  --log FILE            append each submission taken, hex-encoded, one per line (required)\n"
	    "  --log-raw FILE        also append the raw text plus \\n (for humans)\n"
	    "  --events FILE         append timestamped events (ready, paste, submit, take, done, ...)\n"
	    "  --style claude|codex  which agent's screens to draw (default claude)\n"
	    "  --busy SECONDS        a turn's length (default 2, fractions ok); --freeze N: hang after N lines\n"
	    "  --perm-word WORD      a submission containing WORD asks permission (default PERMISSION)\n"
	    "  --enter-grace MS      drop an Enter arriving within MS ms after a paste ends (default 0)\n"
	    "  --think MS            show a taken turn idle-looking for MS ms before working (default 0)\n"
	    "  --startup-delay SECS  draw nothing and leave bracketed paste off until then\n"
	    "  --ready-file FILE     create FILE once the first idle prompt is drawn\n"
	    "  --no-bracketed-paste  never turn bracketed paste on\n"
	    "  --lf-newline          outside a paste, LF inserts a newline instead of submitting\n"
	    "  --record FILE         write its argv and environment there, hex-encoded, at start\n"
	    "  --model M, --session-id ID  accepted as a launched agent's flags (see --record)\n"
	    "  --resume ID           show \"Resumed session ID\" under the banner (claude style)\n"
	    "  --hook CMD            at the end of each turn, once its screen is drawn, run CMD (split\n"
	    "                        on spaces, no shell) with a Stop event's JSON on stdin, and wait\n"
	    "  --hook-notify CMD     the same with a Notification event when permission is asked\n"
	    "  --suggest TEXT        after each turn show TEXT as dim ghost text in the empty input;\n"
	    "                        Tab accepts it (claude style)\n"
	    "  --suggest-delay MS    draw it MS ms after the turn's end, as the real one arrives\n"
	    "  --commit FILE         append each submission taken to FILE (in the working directory)\n"
	    "                        and git commit it there\n"
	    "  --restore-interrupted Esc while busy puts the interrupted submission back into the\n"
	    "                        input, as Claude Code does\n", f);
}

static double
parse_num(const char *name, const char *v, double max)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end != '\0' || !(d >= 0) || d > max) {
		fprintf(stderr, "fakeagent: bad value for %s: '%s'\n", name, v);
		exit(2);
	}
	return d;
}

static void
parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[64];
		const char *eq = strchr(a, '=');
		if (strncmp(a, "--", 2) == 0 && eq != NULL && (size_t)(eq - a) < sizeof name) {
			memcpy(name, a, (size_t)(eq - a));
			name[eq - a] = '\0';
			val = eq + 1;
		} else {
			snprintf(name, sizeof name, "%s", a);
		}
#define FLAG(n) (strcmp(name, n) == 0)
#define VALUE() (val != NULL ? val : (i + 1 < argc ? argv[++i] : (fprintf(stderr, "fakeagent: %s needs a value\n", name), exit(2), "")))
		if (FLAG("--help") || FLAG("-h")) {
			usage(stdout);
			exit(0);
		} else if (FLAG("--log")) {
			opt.log = VALUE();
		} else if (FLAG("--log-raw")) {
			opt.log_raw = VALUE();
		} else if (FLAG("--events")) {
			opt.events = VALUE();
		} else if (FLAG("--record")) {
			opt.record = VALUE();
		} else if (FLAG("--model")) {
			opt.model = VALUE();
		} else if (FLAG("--session-id")) {
			opt.session_id = VALUE();
		} else if (FLAG("--resume")) {
			opt.resume = VALUE();
		} else if (FLAG("--hook")) {
			opt.hook = VALUE();
		} else if (FLAG("--hook-notify")) {
			opt.hook_notify = VALUE();
		} else if (FLAG("--suggest")) {
			opt.suggest = VALUE();
			if (*opt.suggest == '\0') {
				fprintf(stderr, "fakeagent: --suggest needs a text\n");
				exit(2);
			}
		} else if (FLAG("--suggest-delay")) {
			opt.suggest_delay_ms = (int64_t)parse_num(name, VALUE(), 600000);
		} else if (FLAG("--restore-interrupted") && val == NULL) {
			opt.restore = 1;
		} else if (FLAG("--commit")) {
			opt.commit = VALUE();
		} else if (FLAG("--ready-file")) {
			opt.ready_file = VALUE();
		} else if (FLAG("--perm-word")) {
			opt.perm_word = VALUE();
		} else if (FLAG("--style")) {
			const char *s = VALUE();
			if (strcmp(s, "claude") == 0)
				opt.style = STYLE_CLAUDE;
			else if (strcmp(s, "codex") == 0)
				opt.style = STYLE_CODEX;
			else {
				fprintf(stderr, "fakeagent: unknown style '%s'\n", s);
				exit(2);
			}
		} else if (FLAG("--busy")) {
			opt.busy_ms = (int64_t)(parse_num(name, VALUE(), 86400) * 1000 + 0.5);
		} else if (FLAG("--freeze")) {
			opt.freeze_lines = (int)parse_num(name, VALUE(), 1000);
		} else if (FLAG("--think")) {
			opt.think_ms = (int64_t)parse_num(name, VALUE(), 600000);
		} else if (FLAG("--enter-grace")) {
			opt.enter_grace_ms = (int64_t)parse_num(name, VALUE(), 600000);
		} else if (FLAG("--startup-delay")) {
			opt.startup_ms = (int64_t)(parse_num(name, VALUE(), 3600) * 1000 + 0.5);
		} else if (FLAG("--no-bracketed-paste") && val == NULL) {
			opt.bracketed = 0;
		} else if (FLAG("--lf-newline") && val == NULL) {
			opt.lf_newline = 1;
		} else {
			/* One line, no usage after it: a launcher test reads the pane's last lines. */
			fprintf(stderr, "fakeagent: unknown argument '%s' (see --help)\n", a);
			exit(2);
		}
#undef FLAG
#undef VALUE
	}
	if (opt.log == NULL) {
		fprintf(stderr, "fakeagent: --log FILE is required\n");
		usage(stderr);
		exit(2);
	}
}

extern char **environ;

/* --record: "arg HEX" per argv element, then "env HEX" per environment entry, in one write. */
static void
record_start(int argc, char **argv)
{
	struct buf b = { 0 };
	int fd;

	for (int i = 0; i < argc; i++) {
		buf_adds(&b, "arg ");
		hexenc(&b, argv[i], strlen(argv[i]));
		buf_adds(&b, "\n");
	}
	for (char **e = environ; *e != NULL; e++) {
		buf_adds(&b, "env ");
		hexenc(&b, *e, strlen(*e));
		buf_adds(&b, "\n");
	}
	if ((fd = open(opt.record, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		perror(opt.record);
		exit(1);
	}
	(void)write_all(fd, b.p, b.len);
	close(fd);
	buf_free(&b);
}

static void
cleanup(void)
{
	tty_restore();
	buf_free(&input);
	lines_free(&transcript);
	lines_free(&queue);
	free(queue_len);
	queue_len = NULL;
}

int
main(int argc, char **argv)
{
	parse_args(argc, argv);
	if (opt.record)
		record_start(argc, argv);
	log_fd = open_append(opt.log);
	if (opt.log_raw)
		raw_fd = open_append(opt.log_raw);
	if (opt.events)
		ev_fd = open_append(opt.events);

	char cwd[sizeof cwd_label];
	if (getcwd(cwd, sizeof cwd) != NULL) {
		const char *home = getenv("HOME");
		size_t hl = home ? strlen(home) : 0;
		if (hl > 1 && strncmp(cwd, home, hl) == 0 && (cwd[hl] == '/' || cwd[hl] == '\0'))
			snprintf(cwd_label, sizeof cwd_label, "~%s", cwd + hl);
		else
			snprintf(cwd_label, sizeof cwd_label, "%s", cwd);
	}

	setup_signals();
	tty_raw();
	atexit(cleanup);
	ev("start pid=%ld", (long)getpid());
	wait_startup();

	struct buf o = { 0 };
	tty_dirty = 1;
	if (opt.style == STYLE_CODEX) {
		buf_adds(&o, "\x1b[?1049h");
		alt_on = 1;
	}
	buf_adds(&o, "\x1b[H\x1b[2J");
	if (opt.bracketed)
		buf_adds(&o, "\x1b[?2004h");
	tty_out(o.p, o.len);
	buf_free(&o);
	state = ST_IDLE;
	redraw();

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sigpipe_fds[0], .events = POLLIN },
		};
		int r = poll(p, 2, poll_timeout());
		if (r < 0 && errno != EINTR) {
			perror("fakeagent: poll");
			exit(1);
		}
		if (r > 0 && (p[1].revents & POLLIN))
			drain_signals();
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			unsigned char rb[4096];
			ssize_t n = read(STDIN_FILENO, rb, sizeof rb);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				ev("eof");
				exit(0); /* the pane went away */
			}
			for (ssize_t i = 0; i < n && !exit_requested; i++)
				feed(rb[i]);
		}
		if (!exit_requested)
			process_timers();
		if (exit_requested)
			quit_goodbye();
		if (dirty)
			redraw();
		run_pending_hooks();
	}
}
