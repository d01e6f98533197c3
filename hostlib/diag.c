/* The host tools' diagnostic format (contract in diag.h). */
#include "hostlib/diag.h"

#include <stdlib.h>

/* The prefix is already printed; the message and its end follow. */
static void finish(FILE *f, const char *fmt, va_list ap)
{
    if (fmt) /* never NULL; the guard keeps gcc's -O2 + UBSan null-path analysis quiet */
        vfprintf(f, fmt, ap);
    fputc('\n', f);
    fflush(f);
}

void host_diag_vat(FILE *f, const char *file, int line, int col, const char *severity,
                   const char *fmt, va_list ap)
{
    if (!f)
        f = stderr;
    fprintf(f, "%s:%d:%d: %s: ", file, line, col, severity);
    finish(f, fmt, ap);
}

void host_diag_at(FILE *f, const char *file, int line, int col, const char *severity,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    host_diag_vat(f, file, line, col, severity, fmt, ap);
    va_end(ap);
}

void host_diag_vin(FILE *f, const char *name, const char *severity, const char *fmt, va_list ap)
{
    if (!f)
        f = stderr;
    fprintf(f, "%s: %s: ", name, severity);
    finish(f, fmt, ap);
}

void host_diag_in(FILE *f, const char *name, const char *severity, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    host_diag_vin(f, name, severity, fmt, ap);
    va_end(ap);
}

void host_out_of_memory(const char *tool)
{
    fprintf(stderr, "%s: out of memory\n", tool);
    exit(2);
}
