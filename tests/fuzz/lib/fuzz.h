/*
 * What every fuzz target shares. A target is one file, tests/fuzz/NAME.c, defining
 * LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize when it needs set-up); it is built twice:
 * with libFuzzer (make fuzz, clang) and with replay.c (make test, any compiler), which runs
 * every input kept in tests/fuzz/corpus/NAME through it. Its line in tests/fuzz/seeds names
 * the fixtures its corpus starts from, beside those inputs (tests/fuzz/run).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * A private directory for the process (under /dev/shm when there is one: the targets write
 * files at every input), with the environment pointed into it: the trust store, no tmux
 * server (TMUX_DISPATCH_TMUX names a program that does not exist).
 */
const char *fuzz_dir(void);
/* DIR/NAME holding LEN bytes of DATA (mode 0600); returns its path (static until next call). */
const char *fuzz_write(const char *name, const void *data, size_t len);
/* Standard output to /dev/null (MUTE 1) and back (0): a command's lines, not the TAP of replay. */
void fuzz_mute(int mute);
/* Removes DIR/NAME if it is there. */
void fuzz_remove(const char *name);
/* DATA as a NUL-terminated string (caller frees). */
char *fuzz_text(const uint8_t *data, size_t len);
/*
 * The next part of DATA up to a record separator (0x1e), or the rest: several inputs (a
 * screen and its metadata, a template and its includes) from one. NULL when none is left.
 */
char *fuzz_part(const uint8_t **data, size_t *len);

#endif
