/*
 * Tracked allocations for the host tools (idlc, pslc, their tests and fuzz targets).
 *
 * Every allocation of an arena is linked into one list, newest first, with its allocation
 * number, so a caller can free everything a run allocated without tracking each pointer: the
 * compilers unwind or stop after an error with half-built models, and long-lived callers (a test
 * that compiles thousands of policies, a fuzz target) must not leak. Allocation never returns
 * NULL: it calls the arena's out_of_memory handler, which must not return (a host tool has no
 * partial result worth keeping). Memory is zeroed by host_alloc, not by host_realloc's growth.
 */
#ifndef HOSTLIB_ARENA_H
#define HOSTLIB_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct host_block;

struct host_arena {
    struct host_block *newest;
    unsigned long long allocations; /* numbers handed out so far: the next mark */
    void (*out_of_memory)(void);    /* must not return; NULL: print "out of memory", exit 2 */
};

void *host_alloc(struct host_arena *a, size_t n);
void *host_realloc(struct host_arena *a, void *p, size_t n); /* keeps p's number and place */
void host_free(struct host_arena *a, void *p);               /* one allocation, or NULL */

/* Everything allocated after host_mark() returned mark is freed by host_free_since(mark). */
unsigned long long host_mark(const struct host_arena *a);
void host_free_since(struct host_arena *a, unsigned long long mark);
void host_free_all(struct host_arena *a);

char *host_strndup(struct host_arena *a, const char *s, size_t n);
char *host_strdup(struct host_arena *a, const char *s);
char *host_printf(struct host_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *host_vprintf(struct host_arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends one zeroed element to a growable array of elements of size sz (count *n, capacity
 * *cap, doubled when full); returns the array, which may have moved. */
void *host_push(struct host_arena *a, void *arr, int *n, int *cap, size_t sz);

#endif
