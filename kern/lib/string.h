/*
 * Freestanding memory and string functions for the kernel (gcc may also emit calls to memcpy,
 * memset, memmove and memcmp by itself, so these names and signatures are fixed by the C
 * standard). Host tests use libc's instead.
 */
#ifndef BASTION_LIB_STRING_H
#define BASTION_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/*
 * The kernel is built with -fno-builtin, so without these every memcpy or memset is a call, even
 * of the 2 or 8 bytes of a field or a pad (a call, the function's set-up and two string moves
 * for what one load and store do). A size known at compile time and small is done inline by the
 * compiler; any other size calls the functions above, whose string moves are fewer instructions
 * than the compiler's own choice for large blocks (icount counts each iteration). Arguments are
 * evaluated once either way: __builtin_constant_p evaluates nothing. (A host test that renames
 * the functions, -Dmemcpy=u_memcpy, keeps its names.)
 */
#define STRING_INLINE_MAX 64
#ifndef memcpy
#define memcpy(dst, src, n)                                                                    \
    (__builtin_constant_p(n) && (n) <= STRING_INLINE_MAX ? __builtin_memcpy((dst), (src), (n)) \
                                                         : (memcpy)((dst), (src), (n)))
#endif
#ifndef memset
#define memset(dst, c, n)                                                                    \
    (__builtin_constant_p(n) && (n) <= STRING_INLINE_MAX ? __builtin_memset((dst), (c), (n)) \
                                                         : (memset)((dst), (c), (n)))
#endif

#endif
