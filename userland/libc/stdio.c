/*
 * printf and friends over kl.core.HAL.DebugWrite. The formatting engine is the kernel's
 * kvsnprintf (kern/lib/kprintf.c), compiled into userland unchanged: one engine, host-tested
 * once (test/host/kern/lib).
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>

#include "lib/kprintf.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return kvsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char *fmt, va_list ap)
{
    char buf[PRINTF_MAX];
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0)
        return EOF;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    if (len > 0 && core_debug_write(buf, len) != rcOk)
        return EOF;
    return (int)len;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    return printf("%s\n", s);
}

int putchar(int c)
{
    char ch = (char)c;
    return core_debug_write(&ch, 1) == rcOk ? (unsigned char)ch : EOF;
}
