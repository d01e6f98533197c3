/*
 * Bastion userland libc: formatted output. Everything goes to the diagnostic output
 * (kl.core.HAL.DebugWrite), which the kernel writes to the serial console.
 *
 * The formatter is the kernel's own kvsnprintf (kern/lib/kprintf.c, host-tested): %d %i %u %x
 * %X %o %p %s %c %%, length modifiers hh h l ll z t j, flags - 0 + space #, width and precision.
 * No floating point. printf formats into a 1024-byte buffer on the caller's stack and writes it
 * with one DebugWrite call, so the line of one printf is never split by another thread's or
 * process's output; longer output is cut at 1023 bytes.
 */
#ifndef USER_STDIO_H
#define USER_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)
#define PRINTF_MAX 1024

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes s and a newline; returns a non-negative number or EOF. */
int puts(const char *s);
int putchar(int c);

/* Moves a file or directory of the RAM file system (userland/file): -1 with errno EEXIST when
 * `to` exists (the file system does not replace). */
int rename(const char *from, const char *to);

#endif
