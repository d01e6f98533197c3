/* Diagnostics of pslc: "file:line:column: error|warning: message", counted. */
#ifndef PSL_DIAG_H
#define PSL_DIAG_H

#include <stdio.h>

#include "hostlib/arena.h"

struct psl_pos {
    const char *file;
    int line, col;
};

void psl_diag_reset(FILE *out); /* counters to 0; messages go to out (stderr if NULL) */
void psl_error(struct psl_pos p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void psl_warning(struct psl_pos p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int psl_errors(void);
int psl_warnings(void);

/* Allocation that never returns NULL (a host tool: out of memory ends the run with
 * "pslc: out of memory", exit status 2), from one hostlib arena. */
struct host_arena *psl_arena(void); /* for hostlib functions that allocate */
void *psl_alloc(size_t n);
void *psl_realloc(void *p, size_t n);
char *psl_strdup(const char *s);
char *psl_strndup(const char *s, size_t n);
char *psl_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void psl_free(void *p); /* one allocation made by the functions above */
/* Everything allocated after psl_alloc_mark() returned mark is freed by psl_free_since(mark)
 * (for callers that compile many policies in one process). */
unsigned long long psl_alloc_mark(void);
void psl_free_since(unsigned long long mark);

/* Appends one element to a growable array (elements of size sz, count *n, capacity *cap). */
void *psl_push(void *arr, int *n, int *cap, size_t sz);
#define PSL_PUSH(arr, n, cap) \
    ((__typeof__(arr))((arr) = psl_push((arr), &(n), &(cap), sizeof *(arr))) + (n)-1)

#endif
