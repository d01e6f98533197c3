/*
 * os_kcov (class ostest.Kcov): kernel coverage of this program's system calls and the framed
 * gcda output, on the coverage kernel (bastion-kcov.iso, kernel-kcov.elf; docs/coverage.md):
 *
 *   - without KcovAlloc, Start, Stop and Free answer rcKcovNotAllocated; arguments beyond the
 *     hard caps (threads, points, bytes) rcKcovTooLarge and zero ones rcInvalidArgument;
 *   - KcovAlloc charges the buffers to this process's kernel memory, a second one is
 *     rcKcovAllocated, KcovStop before KcovStart rcKcovNotStarted;
 *   - Start, one system call, Stop: the PCs returned lie in the kernel's code, and those of
 *     HAL.GetEntropy differ from those of Sync.Wake; a small maxPoints bounds what comes back;
 *   - while a second thread collects, KcovFree is rcKcovBusy; once it stopped, KcovFree gives
 *     the charge back, and a second KcovFree is rcKcovNotAllocated;
 *   - FlushGcovFile frames a known buffer onto the serial console (test/boot/gcov-frames.sh
 *     extracts it from this boot's log and compares its bytes), refuses a bad name, an
 *     oversized buffer and an unmapped one;
 *   - the coverage kernel's own gcov records: GetCoverageData(0) is a gcda (its magic, a
 *     relative .gcda name), an index beyond them rcNotFound; FlushGcov frames them all
 *     (gcov-frames checks that gcov reads one of them with its .gcno from the build).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <user/thread.h>

#include "kcov_calls.h"
#include "ostest.h"

#define POINTS 8192u
#define FRAME_BYTES 200u /* of the framed file: more than three 64-byte lines */

static uint64_t pcs_a[POINTS], pcs_b[POINTS];

static bool not_allocated(void)
{
    uint64_t n = 1;
    bool ok = OT_RC(kcov_start(), rcKcovNotAllocated);
    ok &= OT_RC(kcov_stop(pcs_a, POINTS, &n), rcKcovNotAllocated);
    ok &= OT_EQ(n, 0);
    ok &= OT_RC(kcov_free(), rcKcovNotAllocated);
    return ok;
}

static bool caps(void)
{
    uint64_t before = kmem_used();
    bool ok = OT_RC(kcov_alloc(0, 16), rcInvalidArgument);
    ok &= OT_RC(kcov_alloc(1, 0), rcInvalidArgument);
    ok &= OT_RC(kcov_alloc(9, 16), rcKcovTooLarge);        /* threads */
    ok &= OT_RC(kcov_alloc(1, 16385), rcKcovTooLarge);     /* points an area */
    ok &= OT_RC(kcov_alloc(8, 16384 + 1), rcKcovTooLarge); /* bytes a process */
    ok &= OT_RC(kcov_alloc(0xFFFFFFFFu, 0xFFFFFFFFFFFFFFFFull), rcKcovTooLarge);
    ok &= OT_RC(kcov_alloc(1, 0x2000000000000000ull), rcKcovTooLarge); /* 8 * points wraps */
    ok &= ot_check(kmem_used() <= before + 4096, __LINE__, "refused requests charge nothing",
                   "%llu -> %llu", (unsigned long long)before, (unsigned long long)kmem_used());
    return ok;
}

static bool in_kernel(const uint64_t *pcs, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (pcs[i] < KERNEL_TEXT_MIN)
            return ot_check(false, __LINE__, "every PC lies in the kernel's code",
                            "pc[%llu] = %llx", (unsigned long long)i, (unsigned long long)pcs[i]);
    return true;
}

/* Some PC of b[] is none of a[]'s. */
static bool differs(const uint64_t *a, uint64_t na, const uint64_t *b, uint64_t nb)
{
    for (uint64_t i = 0; i < nb; i++) {
        bool found = false;
        for (uint64_t j = 0; j < na && !found; j++)
            found = a[j] == b[i];
        if (!found)
            return true;
    }
    return false;
}

static volatile uint32_t wake_word;

static bool collect(void)
{
    uint64_t before = kmem_used(), na = 0, nb = 0, n = 0;
    bool ok = OT_RC(kcov_alloc(2, POINTS), rcOk);
    uint64_t after = kmem_used();
    ok &= ot_check(after >= before + 2ull * POINTS * 8, __LINE__,
                   "the buffers are charged to the caller", "%llu -> %llu",
                   (unsigned long long)before, (unsigned long long)after);
    ok &= OT_RC(kcov_alloc(1, 16), rcKcovAllocated);
    ok &= OT_RC(kcov_stop(pcs_a, POINTS, &n), rcKcovNotStarted);

    uint8_t entropy[16];
    ok &= OT_RC(kcov_start(), rcOk);
    Retcode r1 = core_get_entropy(entropy, sizeof entropy);
    ok &= OT_RC(kcov_stop(pcs_a, POINTS, &na), rcOk);
    uint32_t woken = 0;
    ok &= OT_RC(kcov_start(), rcOk);
    Retcode r2 = core_sync_wake(&wake_word, 1, &woken);
    ok &= OT_RC(kcov_stop(pcs_b, POINTS, &nb), rcOk);
    ok &= OT_RC(r1, rcOk);
    ok &= OT_RC(r2, rcOk);
    printf("os_kcov: HAL.GetEntropy covered %llu PCs, Sync.Wake %llu PCs\n", (unsigned long long)na,
           (unsigned long long)nb);
    ok &= OT_TRUE(na > 10 && nb > 10);
    ok &= in_kernel(pcs_a, na) && in_kernel(pcs_b, nb);
    ok &= ot_check(differs(pcs_a, na, pcs_b, nb) && differs(pcs_b, nb, pcs_a, na), __LINE__,
                   "different system calls cover different kernel code", NULL);

    /* A small buffer bounds what comes back. */
    ok &= OT_RC(kcov_start(), rcOk);
    (void)core_get_entropy(entropy, sizeof entropy);
    ok &= OT_RC(kcov_stop(pcs_a, 3, &n), rcOk);
    ok &= OT_EQ(n, 3);
    ok &= in_kernel(pcs_a, n);
    return ok;
}

static volatile uint32_t helper_state; /* 1: collecting, 2: told to stop, 3: stopped */

static int helper(void *arg)
{
    (void)arg;
    uint64_t n = 0;
    Retcode r = kcov_start();
    __atomic_store_n(&helper_state, r == rcOk ? 1u : 9u, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&helper_state, __ATOMIC_SEQ_CST) != 2u)
        (void)core_thread_sleep(5);
    r = kcov_stop(pcs_b, POINTS, &n);
    __atomic_store_n(&helper_state, r == rcOk && n > 0 ? 3u : 9u, __ATOMIC_SEQ_CST);
    return 0;
}

static bool free_busy_then_free(void)
{
    uint64_t before = kmem_used();
    struct thread th;
    bool ok = OT_RC(thread_create(&th, helper, NULL, THREAD_PRIO_DEFAULT, 0), rcOk);
    for (int i = 0; i < 400 && __atomic_load_n(&helper_state, __ATOMIC_SEQ_CST) == 0; i++)
        (void)core_thread_sleep(5);
    ok &= OT_EQ(helper_state, 1);
    ok &= OT_RC(kcov_free(), rcKcovBusy);
    __atomic_store_n(&helper_state, 2u, __ATOMIC_SEQ_CST);
    int code = -1;
    ok &= OT_RC(thread_join(&th, 5000, &code), rcOk);
    ok &= OT_EQ(helper_state, 3);
    ok &= OT_RC(kcov_free(), rcOk);
    uint64_t after = kmem_used();
    /* The ended thread's object stays charged while our handle holds it: 8 KiB of slack. */
    ok &= ot_check(after + 2ull * POINTS * 8 <= before + 8192, __LINE__,
                   "KcovFree gives the charge back", "%llu -> %llu", (unsigned long long)before,
                   (unsigned long long)after);
    ok &= OT_RC(kcov_free(), rcKcovNotAllocated);
    return ok;
}

static uint8_t frame[FRAME_BYTES];
static uint8_t chunk[4096];

static bool gcov_frames(void)
{
    /* The bytes test/boot/gcov-frames.sh expects: i * 7 + 3, modulo 256. */
    for (unsigned i = 0; i < FRAME_BYTES; i++)
        frame[i] = (uint8_t)(i * 7u + 3u);
    bool ok = OT_RC(gcov_flush_file("os_kcov/frame.gcda", frame, FRAME_BYTES), rcOk);
    ok &= OT_RC(gcov_flush_file("../frame.gcda", frame, 8), rcInvalidArgument);
    ok &= OT_RC(gcov_flush_file("frame.txt", frame, 8), rcInvalidArgument);
    ok &= OT_RC(gcov_flush_file("a b.gcda", frame, 8), rcInvalidArgument);
    ok &= OT_RC(gcov_flush_file("big.gcda", frame, 64u * 1024u + 1u), rcGcovTooLarge);
    ok &= OT_FAILS(gcov_flush_file("unmapped.gcda", (const void *)0x1000, 8));
    return ok;
}

/* The coverage kernel's own gcov records. */
static bool kernel_gcov(void)
{
    uint64_t size = 0;
    char name[300] = "";
    Retcode r = gcov_coverage_data(0, chunk, &size, name, sizeof name);
    bool ok = ot_check(r == rcOk || r == rcBufferTooSmall, __LINE__, "record 0 comes back", "%s",
                       retcode_name(r));
    ok &= OT_TRUE(size >= 16);
    ok &= OT_TRUE(memcmp(chunk, "adcg", 4) == 0); /* the magic 0x67636461, little-endian */
    size_t len = strlen(name);
    ok &= ot_check(len > 5 && strcmp(name + len - 5, ".gcda") == 0 && name[0] != '/', __LINE__,
                   "a relative .gcda name", "'%s'", name);
    printf("os_kcov: kernel gcov record 0: %s, %llu bytes\n", name, (unsigned long long)size);
    ok &= OT_RC(gcov_coverage_data(1000000, chunk, &size, name, sizeof name), rcNotFound);
    /* Every record until rcNotFound: each whole (rcOk, at most 4096 bytes) or its start
     * (rcBufferTooSmall, more); a kernel of ~140 files has both kinds. */
    uint32_t records = 0, large = 0, bad = 0;
    for (; records < 1000; records++) {
        r = gcov_coverage_data(records, chunk, &size, name, sizeof name);
        if (r == rcNotFound)
            break;
        bad += !((r == rcOk && size <= 4096) || (r == rcBufferTooSmall && size > 4096)) ||
               memcmp(chunk, "adcg", 4) != 0;
        large += r == rcBufferTooSmall;
    }
    printf("os_kcov: the kernel holds %u gcov records, %u of them over 4096 bytes\n", records,
           large);
    ok &= OT_TRUE(records > 50 && records < 1000);
    ok &= OT_TRUE(large > 0);
    ok &= OT_EQ(bad, 0);
    ok &= OT_RC(gcov_flush_kernel(), rcOk);
    return ok;
}

int main(void)
{
    ot_begin("os_kcov");
    (void)not_allocated();
    (void)caps();
    (void)collect();
    (void)free_busy_then_free();
    (void)gcov_frames();
    (void)kernel_gcov();
    return ot_end();
}
