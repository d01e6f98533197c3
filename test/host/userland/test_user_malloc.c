/*
 * userland malloc (libc/malloc.c) and the futex mutex (libc/mutex.c) on the host, over fake
 * core calls: VMM reservations are PROT_NONE mappings that Commit makes read-write (so touching
 * uncommitted heap faults), Sync.Wait/Wake are Linux futexes. The allocator runs under the
 * u_* names (CMakeLists.txt).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <user/core.h>
#include <user/mutex.h>
#include <user/vmm.h>

static uint64_t committed, allocations, frees;
static int refuse_after = -1; /* fail the n-th next Allocate/Commit (RAM limit); -1 never */

static Retcode quota(void)
{
    if (refuse_after == 0)
        return rcQuotaExceeded;
    if (refuse_after > 0)
        refuse_after--;
    return rcOk;
}

Retcode core_vmm_allocate(uint64_t addr, uint64_t size, uint32_t flags, uint64_t *va)
{
    assert_int_equal(addr, 0);
    assert_int_equal(size % USER_PAGE_SIZE, 0);
    if (quota() != rcOk)
        return rcQuotaExceeded;
    int prot = (flags & BASTION_VMM_COMMIT) ? PROT_READ | PROT_WRITE : PROT_NONE;
    void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    assert_true(p != MAP_FAILED);
    if (flags & BASTION_VMM_COMMIT)
        committed += size;
    allocations++;
    *va = (uint64_t)(uintptr_t)p;
    return rcOk;
}

Retcode core_vmm_commit(uint64_t va, uint64_t size)
{
    assert_int_equal(va % USER_PAGE_SIZE, 0);
    assert_int_equal(size % USER_PAGE_SIZE, 0);
    if (quota() != rcOk)
        return rcQuotaExceeded;
    assert_int_equal(mprotect((void *)(uintptr_t)va, size, PROT_READ | PROT_WRITE), 0);
    committed += size;
    return rcOk;
}

Retcode core_vmm_free(uint64_t va, uint64_t size)
{
    assert_int_equal(munmap((void *)(uintptr_t)va, size), 0);
    committed -= size;
    frees++;
    return rcOk;
}

Retcode core_sync_wait(const volatile uint32_t *word, uint32_t val, uint32_t msec)
{
    (void)msec;
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
    return rcOk;
}

Retcode core_sync_wake(const volatile uint32_t *word, uint32_t nthreads, uint32_t *woken)
{
    long n = syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, nthreads, NULL, NULL, 0);
    if (woken)
        *woken = n > 0 ? (uint32_t)n : 0;
    return rcOk;
}

void *u_malloc(size_t size);
void u_free(void *p);
void *u_calloc(size_t n, size_t size);
void *u_realloc(void *p, size_t size);

static void test_basic(void **state)
{
    (void)state;
    char *a = u_malloc(10), *b = u_malloc(100), *c = u_malloc(1);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_int_equal((uintptr_t)a % 16, 0);
    assert_int_equal((uintptr_t)b % 16, 0);
    assert_true(b >= a + 10 || a >= b + 100); /* disjoint */
    memset(a, 1, 10);
    memset(b, 2, 100);
    memset(c, 3, 1);
    assert_int_equal(a[9], 1);
    assert_int_equal(c[0], 3);
    u_free(b);
    /* A freed block is reused for a request that fits. */
    char *d = u_malloc(90);
    assert_ptr_equal(d, b);
    u_free(a);
    u_free(c);
    u_free(d);
    u_free(NULL);
    assert_non_null(u_malloc(0) ? (void *)1 : NULL);
}

static void test_coalesce_and_growth(void **state)
{
    (void)state;
    enum { N = 512 };
    static char *p[N];
    uint64_t before = committed;
    for (int i = 0; i < N; i++) {
        p[i] = u_malloc(1000);
        assert_non_null(p[i]);
        memset(p[i], i & 0xff, 1000); /* faults if the heap handed out uncommitted memory */
    }
    assert_true(committed > before); /* grew: 512 KB does not fit one step */
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 1000; k += 111)
            assert_int_equal((unsigned char)p[i][k], i & 0xff);
    }
    for (int i = 0; i < N; i += 2)
        u_free(p[i]);
    for (int i = 1; i < N; i += 2)
        u_free(p[i]);
    /* Everything merged back: a block as large as 200 of them (still a heap block, below the
     * own-region size) fits without growing. */
    uint64_t after = committed;
    void *big = u_malloc(200 * 1000);
    assert_non_null(big);
    assert_int_equal(committed, after);
    u_free(big);
}

static void test_large_and_calloc_realloc(void **state)
{
    (void)state;
    uint64_t a0 = allocations, f0 = frees;
    char *big = u_malloc(1 << 20);
    assert_non_null(big);
    assert_int_equal(allocations, a0 + 1); /* its own region */
    big[(1 << 20) - 1] = 7;
    u_free(big);
    assert_int_equal(frees, f0 + 1); /* given back */

    int *z = u_calloc(100, sizeof *z);
    assert_non_null(z);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    volatile size_t huge = (size_t)-1; /* volatile: keeps gcc from refusing the call itself */
    assert_null(u_calloc(huge, 16));   /* n * size overflows */
    for (int i = 0; i < 100; i++)
        z[i] = i;
    z = u_realloc(z, 4000 * sizeof *z);
    assert_non_null(z);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], i);
    assert_ptr_equal(u_realloc(z, 8), z); /* shrinking keeps the block */
    assert_null(u_realloc(z, 0));
    char *n = u_realloc(NULL, 5);
    assert_non_null(n);
    u_free(n);
}

static void test_quota(void **state)
{
    (void)state;
    refuse_after = 0;
    assert_null(u_malloc(1 << 20));   /* its own region: refused */
    assert_null(u_malloc(600 << 10)); /* refused too (large) */
    refuse_after = -1;
    void *p = u_malloc(1 << 20);
    assert_non_null(p);
    u_free(p);
}

static mutex_t counter_lock = MUTEX_INIT;
static volatile uint64_t counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        mutex_lock(&counter_lock);
        uint64_t v = counter;
        if ((i & 63) == 0)
            sched_yield();
        counter = v + 1;
        mutex_unlock(&counter_lock);
        if ((i & 15) == 0) {
            void *p = u_malloc((size_t)(i % 700) + 1);
            assert_non_null(p);
            memset(p, 0x5a, (size_t)(i % 700) + 1);
            u_free(p);
        }
    }
    return NULL;
}

static void test_mutex_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    counter = 0;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(counter, 4 * 20000);
    assert_int_equal(counter_lock.word, 0);
    assert_true(mutex_trylock(&counter_lock));
    assert_false(mutex_trylock(&counter_lock));
    mutex_unlock(&counter_lock);
    assert_int_equal(counter_lock.word, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_coalesce_and_growth),
        cmocka_unit_test(test_large_and_calloc_realloc),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_mutex_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
