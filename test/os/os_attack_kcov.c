/*
 * os_attack_kcov (class ostest.AttackKcov): the abuse the danger text of
 * kl.core.Profiler.KcovAlloc names, "exhausts RAM", by a program granted the Kcov methods (a
 * coverage-guided fuzzer is such a program) on the coverage kernel (bastion-kcov.iso):
 *
 *   - many KcovAlloc calls asking for huge buffers (numThreads * maxPoints up to 2^96 PCs, and
 *     sizes whose byte count wraps 64 bits): each rcKcovTooLarge, nothing charged;
 *   - the largest request within the caps (1 MiB) beyond this process's kernel-memory limit
 *     (kcov.yaml: 512 KiB): rcQuotaExceeded, nothing charged;
 *   - one request that fits, then many more: rcKcovAllocated each, the charge stays that of the
 *     one pool;
 *
 * and afterwards the probe server (another process) still answers, and KcovFree gives the
 * charge back.
 */
#include <stdint.h>
#include <stdio.h>

#include "kcov_calls.h"
#include "ostest.h"

#define ROUNDS 200

static bool huge_requests(void)
{
    uint64_t before = kmem_used();
    bool ok = true;
    int refused = 0;
    for (int i = 0; i < ROUNDS; i++) {
        uint32_t threads = 0xFFFFFFFFu >> (i % 16);
        uint64_t points = 0xFFFFFFFFFFFFFFFFull >> (i % 40);
        refused += kcov_alloc(threads, points) == rcKcovTooLarge;
        refused += kcov_alloc(1, 0x2000000000000000ull + (uint64_t)i) == rcKcovTooLarge;
    }
    ok &= OT_EQ(refused, 2 * ROUNDS);
    ok &= OT_RC(kcov_alloc(8, 16384), rcQuotaExceeded);
    uint64_t after = kmem_used();
    ok &= ot_check(after <= before + 4096, __LINE__, "refused requests charge nothing",
                   "%llu -> %llu", (unsigned long long)before, (unsigned long long)after);
    return ok;
}

static bool one_pool_only(void)
{
    uint64_t before = kmem_used();
    bool ok = OT_RC(kcov_alloc(4, 4096), rcOk); /* 128 KiB */
    uint64_t one = kmem_used();
    int refused = 0;
    for (int i = 0; i < ROUNDS; i++)
        refused += kcov_alloc(4, 4096) == rcKcovAllocated;
    ok &= OT_EQ(refused, ROUNDS);
    uint64_t after = kmem_used();
    printf("os_attack_kcov: kernel memory %llu before, %llu with one pool, %llu after %d more "
           "requests\n",
           (unsigned long long)before, (unsigned long long)one, (unsigned long long)after, ROUNDS);
    ok &= ot_check(one >= before + 4ull * 4096 * 8 && after <= one + 4096, __LINE__,
                   "the charge is that of one pool", NULL);
    return ok;
}

int main(void)
{
    ot_begin("os_attack_kcov");
    bool ok = huge_requests();
    ok &= one_pool_only();
    ot_attack("kl.core.Profiler.KcovAlloc", ok && ot_bystander_served());
    uint64_t held = kmem_used();
    OT_RC(kcov_free(), rcOk);
    ot_check(kmem_used() + 4ull * 4096 * 8 <= held, __LINE__, "KcovFree gives the charge back",
             NULL);
    return ot_end();
}
