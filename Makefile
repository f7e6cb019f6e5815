# tmux-dispatch build. `make` builds bin/tmux-dispatch; `make test` runs every test through prove.
CC      ?= cc
CFLAGS  ?= -O2 -g
CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS   := $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
# Warnings are errors for developers and CI; the plugin builds on users' machines with
# WERROR= (scripts/build.sh), so a newer compiler's new warning cannot break an install.
WERROR  ?= -Werror
WARN    := -std=c11 -Wall -Wextra $(WERROR) -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE
ALL_CFLAGS = $(WARN) $(CJSON_CFLAGS) -Ihelper $(CFLAGS) $(SAN)
LDLIBS  := $(CJSON_LIBS)

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
PLUGINDIR ?= $(PREFIX)/share/tmux-dispatch

BUILD   ?= bin
OBJDIR  := $(BUILD)/obj
SRCS    := $(wildcard helper/*.c) $(OBJDIR)/profiles-builtin.c
LIBSRCS := $(filter-out helper/tmux-dispatch.c,$(SRCS))
OBJS    := $(patsubst %.c,$(OBJDIR)/%.o,$(notdir $(SRCS)))
LIBOBJS := $(patsubst %.c,$(OBJDIR)/%.o,$(notdir $(LIBSRCS)))
HDRS    := $(wildcard helper/*.h)
UNITS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
AGENTS  := $(patsubst tests/agents/%.c,$(BUILD)/agents/%,$(wildcard tests/agents/*.c))
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
# Fuzz targets: tests/fuzz/NAME.c each (tests/fuzz/lib/fuzz.h); make test replays their corpus.
FUZZERS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
REPLAYS := $(patsubst %,$(BUILD)/fuzz-replay/%,$(FUZZERS))
FUZZLIB := tests/fuzz/lib/fuzz.c tests/fuzz/lib/fuzz.h
TESTS   := $(sort $(wildcard tests/unit/*.c) $(wildcard tests/*/*.bats) $(wildcard tests/fuzz/*.c))

.PHONY: all test check asan valgrind bench accuracy demo demo-stop clean install uninstall lint \
	fuzz fuzzers soak
all: $(BUILD)/tmux-dispatch

$(BUILD)/tmux-dispatch: $(OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LDLIBS)

# Objects depend on the flags they were built with: a tree the plugin built with WERROR= is
# rebuilt (with -Werror) by `make test`, so CI never passes on objects warnings were allowed in.
$(OBJDIR)/cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' > $@

$(OBJDIR)/%.o: helper/%.c $(HDRS) $(OBJDIR)/cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The built-in profiles are data (helper/profiles.json, the same form users write), compiled in.
$(OBJDIR)/profiles-builtin.c: helper/profiles.json
	@mkdir -p $(@D)
	{ echo 'const char profiles_builtin_json[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0x00 };'; } > $@

$(OBJDIR)/profiles-builtin.o: $(OBJDIR)/profiles-builtin.c $(OBJDIR)/cflags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIBOBJS) $(LDLIBS)

# The objects as an archive: a fuzz target that includes a helper/*.c file (to reach its
# static functions) replaces that object, which the linker then does not take from here.
$(OBJDIR)/libtd.a: $(LIBOBJS)
	rm -f $@
	ar rcs $@ $(LIBOBJS)

$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/lib/replay.c $(FUZZLIB) $(OBJDIR)/libtd.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz/lib -o $@ $< tests/fuzz/lib/replay.c tests/fuzz/lib/fuzz.c \
	    $(OBJDIR)/libtd.a $(LDLIBS)

$(BUILD)/fuzzers/%: tests/fuzz/%.c $(FUZZLIB) $(OBJDIR)/libtd.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Itests/fuzz/lib -o $@ $< tests/fuzz/lib/fuzz.c \
	    $(OBJDIR)/libtd.a $(LDLIBS)

$(BUILD)/agents/%: tests/agents/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $<

$(BUILD)/bench/%: tests/bench/%.c $(LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# The test command of the README. TD_BUILD tells the tests which build to exercise.
test: all $(UNITS) $(AGENTS) $(REPLAYS)
	TD_BUILD="$$(cd $(BUILD) && pwd)" prove -e tests/tap-exec $(PROVE_FLAGS) $(TESTS)

check: test

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, in a separate build tree.
asan:
	$(MAKE) BUILD=bin/asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" CFLAGS="-O1 -g" test

# The C unit tests under valgrind: any leak or invalid access fails.
valgrind: $(UNITS) $(REPLAYS)
	TD_BUILD="$$(cd $(BUILD) && pwd)" TD_VALGRIND=1 prove -e tests/tap-exec $(wildcard tests/unit/*.c) \
	    $(wildcard tests/fuzz/*.c)

bench: all $(BENCHES) $(AGENTS)
	TD_BUILD="$$(cd $(BUILD) && pwd)" tests/bench/run

# Classifier accuracy over every fixture capture, per profile.
accuracy: all
	TD_BUILD="$$(cd $(BUILD) && pwd)" tests/fixtures/accuracy

# Every fuzz target under libFuzzer (clang) with ASan and UBSan, FUZZ_SECONDS each, in its own
# build tree; the working corpus (seeded from the fixtures) and any crash are under it.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= $(BUILD)/fuzz
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g" \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_BUILD) $(FUZZERS)

fuzzers: $(patsubst %,$(BUILD)/fuzzers/%,$(FUZZERS))

# 8 workers of random operations against 3 fake agents driven by the plugin's hooks, for
# SOAK_SECONDS, the invariants checked every few seconds (tests/soak/run).
SOAK_SECONDS ?= 600
soak: all $(AGENTS)
	TD_BUILD="$$(cd $(BUILD) && pwd)" SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/run

# Three fake agents on a private tmux server; queued work flows into them (README).
demo: all $(AGENTS)
	scripts/demo.sh

demo-stop:
	scripts/demo.sh stop

# Shell scripts of the plugin and the tests' helpers (bats files themselves are not bash).
LINTED := dispatch.tmux $(wildcard scripts/*.sh) tests/tap-exec tests/fixtures/accuracy \
	$(wildcard tests/lib/*.bash) tests/plugin/common.bash tests/bench/run $(wildcard tests/bench/*.sh) \
	tests/fuzz/run tests/soak/run
lint:
	shellcheck -x $(LINTED)

# The helper and its man page; the plugin's files under PLUGINDIR, with bin/tmux-dispatch a
# link to the installed helper so dispatch.tmux runs it without building (run-shell
# PLUGINDIR/dispatch.tmux in tmux.conf, or point TPM at the repository as usual).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PLUGINDIR)/scripts \
	    $(DESTDIR)$(PLUGINDIR)/bin
	install -m 755 $(BUILD)/tmux-dispatch $(DESTDIR)$(BINDIR)/tmux-dispatch
	install -m 644 helper/tmux-dispatch.1 $(DESTDIR)$(MANDIR)/man1/tmux-dispatch.1
	install -m 755 dispatch.tmux $(DESTDIR)$(PLUGINDIR)/dispatch.tmux
	install -m 755 $(wildcard scripts/*.sh) $(DESTDIR)$(PLUGINDIR)/scripts/
	ln -sf $(BINDIR)/tmux-dispatch $(DESTDIR)$(PLUGINDIR)/bin/tmux-dispatch

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tmux-dispatch $(DESTDIR)$(MANDIR)/man1/tmux-dispatch.1
	rm -rf $(DESTDIR)$(PLUGINDIR)

FORCE:

clean:
	rm -rf bin
