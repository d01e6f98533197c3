/*
 * os_libc: the C library from user mode: formatted output, the heap over VMM (many sizes,
 * reuse, realloc, large blocks), strings and numbers, the environment, the mutex without
 * contention, and the stack canary. Single-threaded, so it also runs under the host's stand-in
 * kernel (test/host/userland/user_run.c). Expects the environment OS_LIBC=yes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/mutex.h>
#include <user/start.h>

#include "ostest.h"

extern uintptr_t __stack_chk_guard;

static void formatting(void)
{
    char buf[64];
    OT_EQ(snprintf(buf, sizeof buf, "%d|%5s|%-3x|%04u|%c|%%", -42, "ab", 0xf, 7u, 'z'), 22);
    OT_TRUE(strcmp(buf, "-42|   ab|f  |0007|z|%") == 0);
    OT_EQ(snprintf(buf, 4, "%s", "truncated"), 9); /* the length it would have had */
    OT_TRUE(strcmp(buf, "tru") == 0);
    OT_EQ(snprintf(buf, sizeof buf, "%llx %lu %zu", 0x123456789abcull, 4000000000ul, (size_t)17),
          26);
    OT_TRUE(strcmp(buf, "123456789abc 4000000000 17") == 0);
    OT_TRUE(printf("os_libc: printf works (%s)\n", "DebugWrite") > 0);
}

static void heap(void)
{
    enum { N = 300 };
    static unsigned char *p[N];
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(1 + (i * 97) % 5000);
        p[i] = malloc(n);
        if (!OT_TRUE(p[i] != NULL))
            return;
        OT_EQ((uintptr_t)p[i] % 16, 0);
        memset(p[i], i & 0xff, n);
        total += n;
    }
    int intact = 1;
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(1 + (i * 97) % 5000);
        for (size_t k = 0; k < n; k += 61)
            intact &= p[i][k] == (i & 0xff);
    }
    OT_TRUE(intact); /* no two blocks overlap */
    for (int i = 0; i < N; i += 2)
        free(p[i]);
    for (int i = 0; i < N; i += 2) {
        p[i] = malloc(100);
        OT_TRUE(p[i] != NULL);
    }
    for (int i = 0; i < N; i++)
        free(p[i]);
    char *r = malloc(10);
    strcpy(r, "realloc");
    r = realloc(r, 100000);
    OT_TRUE(r != NULL && strcmp(r, "realloc") == 0);
    free(r);
    unsigned char *big = malloc(3u << 20); /* its own region */
    if (OT_TRUE(big != NULL)) {
        big[0] = 1;
        big[(3u << 20) - 1] = 2;
        OT_EQ(big[0] + big[(3u << 20) - 1], 3);
        free(big);
    }
    int *z = calloc(1000, sizeof *z);
    int zero = z != NULL;
    for (int i = 0; z && i < 1000; i++)
        zero &= z[i] == 0;
    OT_TRUE(zero);
    free(z);
    OT_TRUE(malloc((size_t)1 << 62) == NULL); /* refused, not a crash */
}

static void strings_and_numbers(void)
{
    OT_EQ(strtol("-1234", NULL, 10), (unsigned long long)-1234);
    OT_EQ(strtoul("ff", NULL, 16), 255);
    OT_EQ(atoi("42abc"), 42);
    char *d = strdup("bastion");
    OT_TRUE(d != NULL && strcmp(d, "bastion") == 0);
    OT_TRUE(strstr(d, "tio") == d + 3);
    free(d);
    char buf[8];
    OT_EQ(strlcpy(buf, "overlong string", sizeof buf), 15);
    OT_TRUE(strcmp(buf, "overlon") == 0);
}

static void environment(void)
{
    const char *v = getenv("OS_LIBC");
    OT_TRUE(v != NULL && strcmp(v, "yes") == 0);
    OT_TRUE(getenv("NO_SUCH_VARIABLE") == NULL);
    OT_TRUE(getenv("OS_LIB") == NULL); /* a prefix is not a match */
    OT_TRUE(start_argc() >= 1 && start_argv()[start_argc()] == NULL);
    uint32_t h;
    OT_RC(start_connection("no such channel", &h), rcNotFound);
}

static void mutex(void)
{
    mutex_t m = MUTEX_INIT;
    mutex_lock(&m);
    OT_TRUE(!mutex_trylock(&m));
    mutex_unlock(&m);
    OT_TRUE(mutex_trylock(&m));
    mutex_unlock(&m);
    OT_EQ(m.word, 0);
}

int main(void)
{
    ot_begin("os_libc");
    OT_TRUE(__stack_chk_guard != 0x595e9fbd94fda766ull); /* crt0 replaced the build-time value */
    OT_EQ(__stack_chk_guard & 0xff, 0);
    formatting();
    heap();
    strings_and_numbers();
    environment();
    mutex();
    return ot_end();
}
