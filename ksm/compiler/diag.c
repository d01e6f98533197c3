/* Diagnostics and allocation helpers shared by every pass of pslc. */
#include "diag.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static FILE *diag_out;
static int nerrors, nwarnings;

void psl_diag_reset(FILE *out)
{
    diag_out = out;
    nerrors = nwarnings = 0;
}

static void vreport(const char *kind, struct psl_pos p, const char *fmt, va_list ap)
{
    FILE *f = diag_out ? diag_out : stderr;
    if (!fmt) /* never NULL; the guard keeps gcc's -O2 + UBSan null-path analysis quiet */
        fmt = "";
    fprintf(f, "%s:%d:%d: %s: ", p.file ? p.file : "<input>", p.line, p.col, kind);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    fflush(f);
}

void psl_error(struct psl_pos p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("error", p, fmt, ap);
    va_end(ap);
    nerrors++;
}

void psl_warning(struct psl_pos p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("warning", p, fmt, ap);
    va_end(ap);
    nwarnings++;
}

int psl_errors(void) { return nerrors; }
int psl_warnings(void) { return nwarnings; }

/*
 * Every allocation carries a header linking it into one list, newest first, with its
 * allocation number: a long-lived caller (the fuzz target, a test that compiles thousands of
 * policies) frees everything a run allocated with psl_free_since(psl_alloc_mark()) taken
 * before it. Reallocation keeps a block's number and place in the list.
 */
struct psl_block {
    struct psl_block *older, *newer;
    unsigned long long seq;
    max_align_t payload[];
};

static struct psl_block *newest;
static unsigned long long allocations;

static _Noreturn void out_of_memory(void)
{
    fputs("pslc: out of memory\n", stderr);
    exit(2);
}

void *psl_alloc(size_t n)
{
    struct psl_block *b = calloc(1, sizeof *b + (n ? n : 1));
    if (!b)
        out_of_memory();
    b->seq = ++allocations;
    b->older = newest;
    if (newest)
        newest->newer = b;
    newest = b;
    return b->payload;
}

static void relink(struct psl_block *b)
{
    if (b->older)
        b->older->newer = b;
    if (b->newer)
        b->newer->older = b;
    else
        newest = b;
}

void *psl_realloc(void *p, size_t n)
{
    if (!p)
        return psl_alloc(n);
    struct psl_block *b = realloc((struct psl_block *)p - 1, sizeof *b + (n ? n : 1));
    if (!b)
        out_of_memory();
    relink(b);
    return b->payload;
}

void psl_free(void *p)
{
    if (!p)
        return;
    struct psl_block *b = (struct psl_block *)p - 1;
    if (b->older)
        b->older->newer = b->newer;
    if (b->newer)
        b->newer->older = b->older;
    else
        newest = b->older;
    free(b);
}

unsigned long long psl_alloc_mark(void) { return allocations; }

void psl_free_since(unsigned long long mark)
{
    while (newest && newest->seq > mark) {
        struct psl_block *b = newest;
        newest = b->older;
        if (newest)
            newest->newer = NULL;
        free(b);
    }
}

char *psl_strndup(const char *s, size_t n)
{
    char *d = psl_alloc(n + 1);
    memcpy(d, s, n);
    return d;
}

char *psl_strdup(const char *s) { return psl_strndup(s, strlen(s)); }

char *psl_fmt(const char *fmt, ...)
{
    va_list ap;
    if (!fmt) /* as in vreport() */
        fmt = "";
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = psl_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void *psl_push(void *arr, int *n, int *cap, size_t sz)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        arr = psl_realloc(arr, (size_t)*cap * sz);
    }
    memset((char *)arr + (size_t)*n * sz, 0, sz);
    (*n)++;
    return arr;
}
