/*
 * os_attack_vm: memory abuse with the VMM rights a plausible untrusted program has (its class,
 * ostest.AttackVm, gets what the demo's demo.Untrusted gets for VMM: regions of at most 1 MiB,
 * never executable, Free; plus malloc's Commit steps of at most 1 MiB), under small quotas
 * (test/os/init.yaml: RAM 4 MiB, kernel memory 256 KiB).
 *
 *  1. Allocate(4 KiB, COMMIT) at addresses 1 GiB apart, touch, Free, many times: each page
 *     needs page tables of its own; none may stay behind.
 *  2. The same without Free: stops at the RAM quota with rcQuotaExceeded, and what the machine
 *     lost meanwhile is within the quota (page tables are charged).
 *  3. Reserve-only Allocate in a loop: region records stop at the kernel-memory quota with
 *     rcQuotaExceeded.
 *  4. Reserve 4 KiB regions 1 GiB apart and Commit each, touch: stops at the RAM quota.
 * While it holds all it could get, the bystander (os_probe_server, another process) still
 * answers; afterwards the free-page count of the machine (Profiler.GetCounters mm.free_pages) is
 * back where it started. "os_attack_vm: attack kl.core.VMM.Allocate: stopped" is printed when 1-3 passed,
 * "attack kl.core.VMM.Commit: stopped" when 4 did.
 *
 * Other test processes run at the same time, so the machine's free-page count moves by itself:
 * a check on it passes as soon as it holds once within a few seconds (what others take for a
 * while comes back; what leaked never does) and allows SLACK pages of noise.
 */
#include <string.h>

#include <user/core.h>
#include <user/vmm.h>

#include "kl/core/Profiler.idl.h"
#include "ostest.h"

#define PAGE 4096ull
#define GIB (1ull << 30)
#define SPREAD_BASE 0x0000200000000000ull /* 32 TiB: far from the image, heap and stacks */
#define RAM_LIMIT (4ull << 20)            /* init.yaml */
#define KMEM_LIMIT (256ull << 10)
#define SLACK 512u /* pages: other processes' churn, slab caches */
#define FREE_LOOPS 1500u
#define MAX_HELD 4096u
#define MAX_RESERVES 12000u /* the quota allows about 3700 */

static uint64_t held[MAX_RESERVES];

/* ---- measuring ---- */

static uint64_t free_pages(void)
{
    uint64_t v = 0;
    uint32_t n = 0;
    return ot_counters("mm.free_pages", &v, 1, &n) == rcOk && n == 1 ? v : 0;
}

struct own {
    uint64_t ram, kmem, tables, regions;
};

static struct own own_counters(void)
{
    uint64_t v[4] = {0};
    uint32_t n = 0;
    (void)ot_counters("task.", v, 4, &n);
    return (struct own){v[0], v[1], v[2], v[3]};
}

/* True once the machine's free pages are at least `least` (retried for about 5 s). */
static bool free_pages_reach(uint64_t least, uint64_t *seen)
{
    for (int i = 0; i < 50; i++) {
        *seen = free_pages();
        if (*seen >= least)
            return true;
        (void)core_thread_sleep(100);
    }
    return false;
}

/* ---- the attacks ---- */

static void touch(uint64_t va)
{
    *(volatile uint8_t *)(uintptr_t)va = 1;
}

/* 1: allocate, touch, free at spread addresses; every page's tables must go with it. */
static bool spread_allocate_free(void)
{
    struct own before = own_counters();
    uint64_t free0 = free_pages();
    unsigned ok = 0;
    for (unsigned k = 0; k < FREE_LOOPS; k++) {
        uint64_t va = 0;
        if (core_vmm_allocate(SPREAD_BASE + k * GIB, PAGE,
                              BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE,
                              &va) != rcOk)
            break;
        touch(va);
        if (core_vmm_free(va, PAGE) != rcOk)
            break;
        ok++;
    }
    struct own after = own_counters();
    uint64_t seen = 0;
    bool pass = OT_EQ(ok, FREE_LOOPS);
    pass &= OT_EQ(after.tables, before.tables);
    pass &= OT_EQ(after.ram, before.ram);
    bool back = free_pages_reach(free0 - SLACK, &seen); /* before ot_check reads seen */
    pass &= ot_check(back, __LINE__, "free pages back after allocate/free",
                     "%llu free, %llu before", (unsigned long long)seen, (unsigned long long)free0);
    printf("os_attack_vm: %u spread allocate/touch/free rounds, free pages %llu -> %llu\n", ok,
           (unsigned long long)free0, (unsigned long long)seen);
    return pass;
}

/* Frees the first n regions of held[] (size each). */
static unsigned free_held(unsigned n, uint64_t size)
{
    unsigned freed = 0;
    for (unsigned i = 0; i < n; i++)
        freed += core_vmm_free(held[i], size) == rcOk;
    return freed;
}

/*
 * 2 and 4: take page after page 1 GiB apart from base until the quota stops it (commit_later:
 * reserve, then Commit), check what the machine lost is within the quota and the bystander is
 * served while it is held, give everything back.
 */
static bool spread_until_quota(bool commit_later, uint64_t base)
{
    const char *what = commit_later ? "reserve+commit" : "allocate";
    struct own before = own_counters();
    uint64_t free0 = free_pages();
    unsigned n = 0;
    Retcode r = rcOk;
    while (n < MAX_HELD) {
        uint64_t va = 0, at = base + (uint64_t)n * GIB;
        uint32_t prot = BASTION_VMM_READ | BASTION_VMM_WRITE;
        r = core_vmm_allocate(
            at, PAGE, prot | (commit_later ? BASTION_VMM_RESERVE : BASTION_VMM_COMMIT), &va);
        if (r == rcOk && commit_later) {
            r = core_vmm_commit(va, PAGE);
            if (r != rcOk)
                (void)core_vmm_free(va, PAGE);
        }
        if (r != rcOk)
            break;
        touch(va);
        held[n++] = va;
    }
    bool pass = OT_RC(r, rcQuotaExceeded);
    /* What it holds: at most its RAM quota (pages and tables) and kernel memory, plus noise. */
    uint64_t bound = (RAM_LIMIT + KMEM_LIMIT) / PAGE + SLACK, seen = 0;
    bool within = free_pages_reach(free0 > bound ? free0 - bound : 0, &seen);
    pass &= ot_check(within, __LINE__, "the machine lost at most the quota",
                     "%llu free, %llu before, %u pages held", (unsigned long long)seen,
                     (unsigned long long)free0, n);
    pass &= ot_bystander_served();
    struct own peak = own_counters();
    printf("os_attack_vm: spread %s stopped after %u pages (%s): RAM charge %llu KiB, %llu page "
           "tables, "
           "free pages %llu -> %llu\n",
           what, n, retcode_name(r), (unsigned long long)(peak.ram >> 10),
           (unsigned long long)peak.tables, (unsigned long long)free0, (unsigned long long)seen);
    pass &= OT_TRUE(peak.ram <= RAM_LIMIT);
    pass &= OT_EQ(free_held(n, PAGE), n);
    struct own after = own_counters();
    pass &= OT_EQ(after.tables, before.tables);
    pass &= OT_EQ(after.ram, before.ram);
    bool back = free_pages_reach(free0 - SLACK, &seen);
    pass &= ot_check(back, __LINE__, "free pages back", "%llu free, %llu before",
                     (unsigned long long)seen, (unsigned long long)free0);
    return pass;
}

/* 3: reservations without RAM; their records are kernel memory. */
static bool reserve_until_quota(void)
{
    struct own before = own_counters();
    unsigned n = 0;
    Retcode r = rcOk;
    while (n < MAX_RESERVES) {
        r = core_vmm_allocate(0, PAGE, BASTION_VMM_RESERVE | BASTION_VMM_READ, &held[n]);
        if (r != rcOk)
            break;
        n++;
    }
    bool pass = OT_RC(r, rcQuotaExceeded);
    pass &= ot_bystander_served();
    /* A core call with an out sequence needs kernel memory itself (a scratch page and a message
     * buffer, about 6 KiB): make room first. */
    unsigned room = n < 256 ? n : 256;
    for (unsigned i = n - room; i < n; i++)
        pass &= OT_RC(core_vmm_free(held[i], PAGE), rcOk);
    n -= room;
    struct own peak = own_counters();
    printf("os_attack_vm: %u reservations stopped (%s): %llu regions, kernel memory %llu KiB\n",
           n + room, retcode_name(r), (unsigned long long)peak.regions,
           (unsigned long long)(peak.kmem >> 10));
    pass &= OT_TRUE(peak.regions >= n && peak.kmem <= KMEM_LIMIT && peak.kmem > KMEM_LIMIT / 2);
    pass &= OT_EQ(free_held(n, PAGE), n);
    struct own after = own_counters();
    pass &= OT_EQ(after.regions, before.regions);
    pass &= OT_EQ(after.kmem, before.kmem);
    return pass;
}

int main(void)
{
    ot_begin("os_attack_vm");
    if (!ot_bystander_served() || !OT_TRUE(free_pages() != 0))
        return ot_end();
    uint64_t free0 = free_pages();

    bool allocate_ok = spread_allocate_free();
    /* Each attack at addresses of its own, so none finds tables another one left. */
    allocate_ok &= spread_until_quota(false, SPREAD_BASE + 2048 * GIB);
    allocate_ok &= reserve_until_quota();
    bool commit_ok = spread_until_quota(true, SPREAD_BASE + 4096 * GIB);

    ot_bystander_served();
    uint64_t seen = 0;
    bool back = free_pages_reach(free0 - SLACK, &seen);
    back = ot_check(back, __LINE__, "free pages back at the end", "%llu free, %llu at the start",
                    (unsigned long long)seen, (unsigned long long)free0);
    if (allocate_ok && back)
        ot_attack("kl.core.VMM.Allocate", true);
    if (commit_ok && back)
        ot_attack("kl.core.VMM.Commit", true);
    return ot_end();
}
