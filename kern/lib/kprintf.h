/*
 * Kernel formatted output.
 *
 * kvsnprintf/ksnprintf are pure (no locks, no I/O) and host tested (test/host/kern/lib/).
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z t j,
 * flags '-' '0' '+' ' ' '#', width and precision (numbers or '*').
 * %p prints "0x" and 16 hex digits; a NULL %s prints "(null)"; an unknown conversion is copied
 * as it stands. Like C's snprintf they always NUL-terminate when size > 0 and return the length
 * the full output would have had, so a result >= size means it was truncated.
 */
#ifndef BASTION_LIB_KPRINTF_H
#define BASTION_LIB_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#ifndef BASTION_HOST
/* Formats and writes to the console. Safe on every CPU and in interrupt handlers: one call's
 * output is never interleaved with another's. Lines longer than 512 bytes are cut. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
#endif

#endif
