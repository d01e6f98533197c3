/* Tracked allocations: a doubly linked list of blocks, newest first (contract in arena.h). */
#include "hostlib/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Invariant: a->newest is the block with the highest number, each block's `older` has a lower
 * one; host_realloc keeps a block's number, so the order survives reallocation. */
struct host_block {
    struct host_block *older, *newer;
    unsigned long long seq;
    max_align_t payload[];
};

static void *out_of_memory(struct host_arena *a)
{
    if (a->out_of_memory)
        a->out_of_memory();
    fputs("out of memory\n", stderr);
    exit(2);
}

void *host_alloc(struct host_arena *a, size_t n)
{
    struct host_block *b = calloc(1, sizeof *b + (n ? n : 1));
    if (!b)
        return out_of_memory(a);
    b->seq = ++a->allocations;
    b->older = a->newest;
    if (a->newest)
        a->newest->newer = b;
    a->newest = b;
    return b->payload;
}

void *host_realloc(struct host_arena *a, void *p, size_t n)
{
    if (!p)
        return host_alloc(a, n);
    struct host_block *b = realloc((struct host_block *)p - 1, sizeof *b + (n ? n : 1));
    if (!b)
        return out_of_memory(a);
    if (b->older)
        b->older->newer = b;
    if (b->newer)
        b->newer->older = b;
    else
        a->newest = b;
    return b->payload;
}

void host_free(struct host_arena *a, void *p)
{
    if (!p)
        return;
    struct host_block *b = (struct host_block *)p - 1;
    if (b->older)
        b->older->newer = b->newer;
    if (b->newer)
        b->newer->older = b->older;
    else
        a->newest = b->older;
    free(b);
}

unsigned long long host_mark(const struct host_arena *a)
{
    return a->allocations;
}

void host_free_since(struct host_arena *a, unsigned long long mark)
{
    while (a->newest && a->newest->seq > mark) {
        struct host_block *b = a->newest;
        a->newest = b->older;
        if (a->newest)
            a->newest->newer = NULL;
        free(b);
    }
}

void host_free_all(struct host_arena *a)
{
    host_free_since(a, 0);
}

char *host_strndup(struct host_arena *a, const char *s, size_t n)
{
    char *d = host_alloc(a, n + 1);
    memcpy(d, s, n);
    return d;
}

char *host_strdup(struct host_arena *a, const char *s)
{
    return host_strndup(a, s, strlen(s));
}

char *host_vprintf(struct host_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    if (!fmt) /* never NULL; the guard keeps gcc's -O2 + UBSan null-path analysis quiet */
        fmt = "";
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = host_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *host_printf(struct host_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = host_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

void *host_push(struct host_arena *a, void *arr, int *n, int *cap, size_t sz)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        arr = host_realloc(a, arr, (size_t)*cap * sz);
    }
    memset((char *)arr + (size_t)*n * sz, 0, sz);
    (*n)++;
    return arr;
}
