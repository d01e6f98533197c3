/*
 * The host tools' one diagnostic format, so that editors and tests read every tool's messages
 * the same way:
 *
 *     file:line:column: severity: message      (host_diag_at: a position in an input)
 *     name: severity: message                  (host_diag_in: a whole file, or the tool itself)
 *
 * Each message is one line, flushed at once (a tool may die right after it). f NULL: stderr.
 */
#ifndef HOSTLIB_DIAG_H
#define HOSTLIB_DIAG_H

#include <stdarg.h>
#include <stdio.h>

void host_diag_vat(FILE *f, const char *file, int line, int col, const char *severity,
                   const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
void host_diag_at(FILE *f, const char *file, int line, int col, const char *severity,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void host_diag_vin(FILE *f, const char *name, const char *severity, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
void host_diag_in(FILE *f, const char *name, const char *severity, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<tool>: out of memory" on stderr, exit status 2: a tool's out_of_memory handler. */
_Noreturn void host_out_of_memory(const char *tool);

#endif
