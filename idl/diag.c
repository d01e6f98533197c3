/* Diagnostics with file:line:column, error unwinding, and the compiler's tracked allocations
 * (the format and the allocation list are hostlib's; the unwinding is idlc's own). */
#include "diag.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include "hostlib/arena.h"
#include "hostlib/diag.h"

static _Noreturn void out_of_memory(void)
{
    diag_fatal("out of memory");
}

static struct host_arena arena = {.out_of_memory = out_of_memory};
static FILE *diag_out;
static jmp_buf *diag_jmp;
static int keep_memory;

static void vreport(struct loc loc, const char *sev, const char *fmt, va_list ap)
{
    if (loc.file)
        host_diag_vat(diag_out, loc.file, loc.line, loc.col, sev, fmt, ap);
    else
        host_diag_vin(diag_out, "idlc", sev, fmt, ap);
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
    host_free_all(&arena);
    keep_memory = 0;
}

void diag_keep_memory(void)
{
    keep_memory = 1;
}

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

struct host_arena *diag_arena(void)
{
    return &arena;
}

void *xalloc(size_t n)
{
    return host_alloc(&arena, n);
}

void *xrealloc(void *p, size_t n)
{
    return host_realloc(&arena, p, n);
}

char *xstrndup(const char *s, size_t n)
{
    return host_strndup(&arena, s, n);
}

char *xstrdup(const char *s)
{
    return host_strdup(&arena, s);
}

char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = host_vprintf(&arena, fmt, ap);
    va_end(ap);
    return s;
}
