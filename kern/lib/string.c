/* Freestanding memory and string functions; byte loops plus rep movs/stos for bulk work. */
#include "lib/string.h"

#include "lib/libcall.h"

#include <stdint.h>

/* Eight bytes per iteration, then the tail byte by byte: an eighth of the iterations of a plain
 * rep movsb (which QEMU's icount, the benchmarks' clock, counts one by one; on hardware with
 * fast strings the two cost about the same). */
KERNEL_LIBCALL void *(memcpy)(void *restrict dst, const void *restrict src, size_t n)
{
    void *d = dst;
    size_t words = n >> 3, bytes = n & 7;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(bytes) : : "memory");
    return dst;
}

KERNEL_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return (memcpy)(dst, src, n);
    /* Overlap with dst above src: copy backwards. */
    while (n--)
        d[n] = s[n];
    return dst;
}

KERNEL_LIBCALL void *(memset)(void *dst, int c, size_t n)
{
    void *d = dst;
    size_t words = n >> 3, bytes = n & 7;
    uint64_t pattern = (unsigned char)c * 0x0101010101010101ull;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
    return dst;
}

KERNEL_LIBCALL int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (*a == '\0')
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}
