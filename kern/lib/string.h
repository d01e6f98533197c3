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

#endif
