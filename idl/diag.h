/*
 * Diagnostics and the compiler's memory: every message is "file:line:column: severity: text";
 * an error unwinds to the driver (diag_run), which frees every allocation made since it began.
 * That keeps the stages free of error plumbing and keeps tests leak-free under ASan.
 */
#ifndef IDLC_DIAG_H
#define IDLC_DIAG_H

#include <stdio.h>
#include <stddef.h>

#include "model.h"

/* Runs fn(arg) with errors caught; returns 0, or 1 if an error was reported. */
int diag_run(FILE *err, int (*fn)(void *), void *arg);

_Noreturn void diag_error(struct loc loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_warning(struct loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error not tied to a file position (bad command line, unwritable output). */
_Noreturn void diag_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocations live until the enclosing diag_run returns (or diag_keep_memory() is called). */
void *xalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The arena behind x*alloc (for hostlib functions that allocate, such as host_read_file). */
struct host_arena *diag_arena(void);

/* Tests that inspect the model after diag_run returns call this, then diag_free_all(). */
void diag_keep_memory(void);
void diag_free_all(void);

#endif
