/* Bastion userland libc: <stdlib.h> subset. */
#ifndef USER_STDLIB_H
#define USER_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* Heap over kl.core.VMM (libc/malloc.c): thread-safe; NULL when the VMM refuses (RAM limit). */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);

/* Ends the process with Task.Exit(status). */
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void);

/* The value of NAME from the process's environment (init.yaml `env`), or NULL. */
char *getenv(const char *name);

long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);

#endif
