/* Diagnostics and allocation helpers shared by every pass of pslc: hostlib's message format and
 * tracked allocations, with pslc's counters and its one arena. */
#include "diag.h"

#include <stdarg.h>

#include "hostlib/diag.h"

static FILE *diag_out;
static int nerrors, nwarnings;

static _Noreturn void out_of_memory(void)
{
    host_out_of_memory("pslc");
}

/* One arena for the whole compiler: a long-lived caller (the fuzz target, a test that compiles
 * thousands of policies) frees everything a run allocated with psl_free_since(psl_alloc_mark())
 * taken before it. */
static struct host_arena arena = {.out_of_memory = out_of_memory};

void psl_diag_reset(FILE *out)
{
    diag_out = out;
    nerrors = nwarnings = 0;
}

static void vreport(const char *kind, struct psl_pos p, const char *fmt, va_list ap)
{
    host_diag_vat(diag_out, p.file ? p.file : "<input>", p.line, p.col, kind, fmt, ap);
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

int psl_errors(void)
{
    return nerrors;
}

int psl_warnings(void)
{
    return nwarnings;
}

struct host_arena *psl_arena(void)
{
    return &arena;
}

void *psl_alloc(size_t n)
{
    return host_alloc(&arena, n);
}

void *psl_realloc(void *p, size_t n)
{
    return host_realloc(&arena, p, n);
}

void psl_free(void *p)
{
    host_free(&arena, p);
}

unsigned long long psl_alloc_mark(void)
{
    return host_mark(&arena);
}

void psl_free_since(unsigned long long mark)
{
    host_free_since(&arena, mark);
}

char *psl_strndup(const char *s, size_t n)
{
    return host_strndup(&arena, s, n);
}

char *psl_strdup(const char *s)
{
    return host_strdup(&arena, s);
}

char *psl_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = host_vprintf(&arena, fmt, ap);
    va_end(ap);
    return s;
}

void *psl_push(void *arr, int *n, int *cap, size_t sz)
{
    return host_push(&arena, arr, n, cap, sz);
}
