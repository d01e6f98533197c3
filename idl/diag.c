/* Diagnostics with file:line:column, error unwinding, and the compiler's tracked allocations. */
#include "diag.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Every allocation carries this header so that all of them can be freed after an error. */
struct block {
    struct block *prev, *next;
    max_align_t align_[];
};

static struct block *blocks;
static FILE *diag_out;
static jmp_buf *diag_jmp;
static int keep_memory;

static void vreport(struct loc loc, const char *sev, const char *fmt, va_list ap)
{
    FILE *f = diag_out ? diag_out : stderr;
    if (loc.file)
        fprintf(f, "%s:%d:%d: %s: ", loc.file, loc.line, loc.col, sev);
    else
        fprintf(f, "idlc: %s: ", sev);
    if (fmt)
        vfprintf(f, fmt, ap);
    fputc('\n', f);
    fflush(f);
}

void diag_error(struct loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(loc, "error", fmt, ap);
    va_end(ap);
    if (diag_jmp)
        longjmp(*diag_jmp, 1);
    exit(1);
}

void diag_fatal(const char *fmt, ...)
{
    va_list ap;
    struct loc none = {0};
    va_start(ap, fmt);
    vreport(none, "error", fmt, ap);
    va_end(ap);
    if (diag_jmp)
        longjmp(*diag_jmp, 1);
    exit(1);
}

void diag_warning(struct loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(loc, "warning", fmt, ap);
    va_end(ap);
}

void diag_free_all(void)
{
    while (blocks) {
        struct block *b = blocks;
        blocks = b->prev;
        free(b);
    }
    keep_memory = 0;
}

void diag_keep_memory(void) { keep_memory = 1; }

int diag_run(FILE *err, int (*fn)(void *), void *arg)
{
    jmp_buf jb;
    volatile int rc;
    diag_out = err;
    diag_jmp = &jb;
    if (setjmp(jb) == 0)
        rc = fn(arg);
    else
        rc = 1;
    diag_jmp = NULL;
    if (!keep_memory || rc != 0)
        diag_free_all();
    return rc;
}

void *xalloc(size_t n)
{
    struct block *b = calloc(1, sizeof *b + n);
    if (!b)
        diag_fatal("out of memory");
    b->prev = blocks;
    if (blocks)
        blocks->next = b;
    blocks = b;
    return b + 1;
}

void *xrealloc(void *p, size_t n)
{
    if (!p)
        return xalloc(n);
    struct block *old = (struct block *)p - 1;
    struct block *prev = old->prev, *next = old->next;
    struct block *b = realloc(old, sizeof *b + n);
    if (!b)
        diag_fatal("out of memory");
    if (prev)
        prev->next = b;
    if (next)
        next->prev = b;
    else
        blocks = b;
    return b + 1;
}

char *xstrndup(const char *s, size_t n)
{
    char *d = xalloc(n + 1);
    memcpy(d, s, n);
    return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}
