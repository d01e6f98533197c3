/*
 * os_attack_hal (class ostest.AttackHal): the abuses the spec's danger texts name for the
 * privileged-register, cache and xHCI debug methods, with the rights of a driver the policy
 * trusts with HAL's register and cache methods but not with the xHCI debug capability
 * (test/os/policy/ostest.psl). What stops each is the kernel's allow-list (dev/privreg.h), its
 * range checks and rate limit (klcore/HAL_cache.c), and the policy for XHCIDBG:
 *
 *   HAL.GetPrivReg       reading IA32_LSTAR leaks the kernel's address; every system-call,
 *                        segment-base and control MSR is read: each rcUnknownRegister, value 0.
 *   HAL.SetPrivReg       writing IA32_LSTAR, EFER, the SYSCALL/SYSENTER MSRs, PAT ...: each
 *                        rcUnknownRegister (and this process's next system call still works).
 *                        The data channel with a reader: a pattern written to every listed
 *                        register is refused (rcReadOnlyRegister) and no register reads it back:
 *                        nothing writable is shared, so there is no channel to set up.
 *   HAL.GetPrivRegRange  ranges off the list (counters, MTRR writes' neighbours) and offsets past
 *                        a listed range: rcUnknownRegister, rcOutOfRange.
 *   HAL.SetPrivRegRange  every register of the MTRR ranges (memory types: an uncached kernel is a
 *                        machine brought to a crawl): rcReadOnlyRegister, none reads the pattern.
 *   HAL.FlushCache       two threads flood whole-cache flushes (WBINVD stalls the CPU): at most
 *                        100 per second are served (rcRateLimited for the rest) while the
 *                        bystander is served; a flush of kernel memory (the Flush+Reload probe
 *                        of another's data) is rcInvalidArgument.
 *   XHCIDBG.Start/Stop   turning the USB debug port on or off: the policy denies this class
 *                        (rcSecurityDisallow).
 *
 * After each, the probe server (another process) must still answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/start.h>
#include <user/thread.h>

#include "hal_calls.h"
#include "ostest.h"

#define PATTERN 0x5a5a5a5a5a5a5a5aull
#define KERNEL_ADDRESS 0xffffffff80000000ull
#define FLOOD_THREADS 2
#define FLOOD_CALLS 1500          /* whole-cache flushes per flooding thread */
#define FLUSH_ALL_PER_SECOND 100u /* klcore/HAL_cache.c */

/* MSRs that must never be reachable, by the names a caller would try (SDM names and short
 * ones, and an address written as a name). */
static const char *const forbidden[] = {
    "IA32_LSTAR",
    "IA32_STAR",
    "IA32_CSTAR",
    "IA32_FMASK",
    "IA32_EFER",
    "IA32_FS_BASE",
    "IA32_GS_BASE",
    "IA32_KERNEL_GS_BASE",
    "IA32_SYSENTER_CS",
    "IA32_SYSENTER_ESP",
    "IA32_SYSENTER_EIP",
    "IA32_PAT",
    "IA32_APIC_BASE",
    "IA32_SPEC_CTRL",
    "IA32_TSC_DEADLINE",
    "IA32_DEBUGCTL",
    "IA32_FEATURE_CONTROL",
    "IA32_PMC0",
    "MSR_PKG_ENERGY_STATUS",
    "LSTAR",
    "EFER",
    "0xC0000082",
    "",
};
#define NFORBIDDEN (sizeof forbidden / sizeof forbidden[0])

/* The kernel's whole list (dev/privreg.c): what a channel would have to go through. */
static const char *const listed[] = {"IA32_TSC",         "IA32_TSC_AUX",      "IA32_MPERF",
                                     "IA32_APERF",       "IA32_MTRRCAP",      "IA32_MTRR_DEF_TYPE",
                                     "IA32_MISC_ENABLE", "IA32_X2APIC_APICID"};
#define NLISTED (sizeof listed / sizeof listed[0])
static const struct {
    const char *name;
    uint32_t count;
} listed_ranges[] = {{"IA32_MTRR_PHYS", 20}, {"IA32_MTRR_FIX", 11}};
#define NRANGES (sizeof listed_ranges / sizeof listed_ranges[0])

static bool get_priv_reg(void)
{
    bool ok = true;
    for (size_t i = 0; i < NFORBIDDEN; i++) {
        uint64_t v = PATTERN;
        ok &= OT_RC(hal_get(forbidden[i], &v), rcUnknownRegister);
        ok &= OT_EQ(v, 0);
    }
    /* The reading end of a channel: no listed register holds what a writer tried to put. */
    for (size_t i = 0; i < NLISTED; i++) {
        uint64_t v = 0;
        (void)hal_get(listed[i], &v);
        ok &= ot_check(v != PATTERN, __LINE__, listed[i], "reads the written pattern");
    }
    return ok;
}

static bool set_priv_reg(void)
{
    bool ok = true;
    for (size_t i = 0; i < NFORBIDDEN; i++)
        ok &= OT_RC(hal_set(forbidden[i], PATTERN), rcUnknownRegister);
    /* Had IA32_LSTAR taken the pattern, this system call would not come back. */
    uint64_t tsc = 0;
    ok &= OT_RC(hal_get("IA32_TSC", &tsc), rcOk);
    /* The writing end of a channel: every listed register refuses. */
    for (size_t i = 0; i < NLISTED; i++)
        ok &= OT_RC(hal_set(listed[i], PATTERN), rcReadOnlyRegister);
    for (size_t i = 0; i < NLISTED; i++) {
        uint64_t v = 0;
        (void)hal_get(listed[i], &v);
        ok &= ot_check(v != PATTERN, __LINE__, listed[i], "reads the written pattern");
    }
    return ok;
}

static bool get_priv_reg_range(void)
{
    static const char *const unlisted[] = {"IA32_PMC", "IA32_PERFEVTSEL", "IA32_MC_CTL", "MSR",
                                           "IA32_LSTAR"};
    bool ok = true;
    uint64_t v;
    for (size_t i = 0; i < sizeof unlisted / sizeof unlisted[0]; i++)
        ok &= OT_RC(hal_get_range(unlisted[i], 0, &v), rcUnknownRegister);
    for (size_t i = 0; i < NRANGES; i++) {
        ok &= OT_RC(hal_get_range(listed_ranges[i].name, listed_ranges[i].count, &v), rcOutOfRange);
        ok &= OT_RC(hal_get_range(listed_ranges[i].name, 0x80000000u, &v), rcOutOfRange);
        for (uint32_t k = 0; k < listed_ranges[i].count; k++) {
            v = 0;
            (void)hal_get_range(listed_ranges[i].name, k, &v);
            ok &= ot_check(v != PATTERN, __LINE__, listed_ranges[i].name,
                           "offset %u reads the pattern", k);
        }
    }
    return ok;
}

static bool set_priv_reg_range(void)
{
    bool ok = true;
    for (size_t i = 0; i < NRANGES; i++)
        for (uint32_t k = 0; k <= listed_ranges[i].count; k++)
            ok &= OT_RC(hal_set_range(listed_ranges[i].name, k, PATTERN), rcReadOnlyRegister);
    ok &= OT_RC(hal_set_range("IA32_PMC", 0, PATTERN), rcUnknownRegister);
    uint64_t v = 0;
    for (uint32_t k = 0; k < listed_ranges[0].count; k++) {
        (void)hal_get_range("IA32_MTRR_PHYS", k, &v);
        ok &= ot_check(v != PATTERN, __LINE__, "IA32_MTRR_PHYS", "offset %u reads the pattern", k);
    }
    return ok;
}

/* ---- HAL.FlushCache --------------------------------------------------------------------- */

static uint32_t flood_served[FLOOD_THREADS], flood_limited[FLOOD_THREADS],
    flood_other[FLOOD_THREADS];

static int flood(void *arg)
{
    int i = (int)(uintptr_t)arg;
    for (int k = 0; k < FLOOD_CALLS; k++) {
        Retcode r = hal_flush(kl_core_HAL_CacheUnified, 0, 0);
        if (r == rcOk)
            flood_served[i]++;
        else if (r == rcRateLimited)
            flood_limited[i]++;
        else
            flood_other[i]++;
    }
    return 0;
}

static bool flush_cache(void)
{
    bool ok = OT_RC(hal_flush(kl_core_HAL_CacheData, KERNEL_ADDRESS, 4096), rcInvalidArgument);
    uint64_t per_ms = start_tsc_per_ms();
    struct thread t[FLOOD_THREADS];
    uint64_t t0 = hal_rdtsc();
    for (int i = 0; i < FLOOD_THREADS; i++)
        ok &= OT_RC(thread_create(&t[i], flood, (void *)(uintptr_t)i, 10, 0), rcOk);
    /* The bystander is asked while the flood runs. */
    ok &= ot_bystander_served();
    for (int i = 0; i < FLOOD_THREADS; i++)
        ok &= OT_RC(thread_join(&t[i], 120000, NULL), rcOk);
    uint64_t ms = per_ms ? (hal_rdtsc() - t0) / per_ms : 0;
    uint32_t served = 0, limited = 0, other = 0;
    for (int i = 0; i < FLOOD_THREADS; i++) {
        served += flood_served[i];
        limited += flood_limited[i];
        other += flood_other[i];
    }
    printf("os_attack_hal: %u whole-cache flushes asked in about %llu ms: %u served, %u "
           "rate-limited, %u other\n",
           FLOOD_THREADS * FLOOD_CALLS, (unsigned long long)ms, served, limited, other);
    /* Generous to the clock, never to a missing limit: without it all 3000 would be served. */
    uint64_t bound = 3 * ms * FLUSH_ALL_PER_SECOND / 1000 + 2;
    ok &= ot_check(served <= bound, __LINE__, "flushes served within the rate",
                   "%u served, at most %llu expected", served, (unsigned long long)bound);
    ok &= ot_check(served < FLOOD_THREADS * FLOOD_CALLS / 4, __LINE__, "most flushes refused",
                   "%u of %u served", served, FLOOD_THREADS * FLOOD_CALLS);
    ok &= OT_EQ(other, 0);
    ok &= OT_TRUE(served >= 1);
    return ok;
}

int main(void)
{
    ot_begin("os_attack_hal");
    bool ok = get_priv_reg();
    ot_attack("kl.core.HAL.GetPrivReg", ok && ot_bystander_served());
    ok = set_priv_reg();
    ot_attack("kl.core.HAL.SetPrivReg", ok && ot_bystander_served());
    ok = get_priv_reg_range();
    ot_attack("kl.core.HAL.GetPrivRegRange", ok && ot_bystander_served());
    ok = set_priv_reg_range();
    ot_attack("kl.core.HAL.SetPrivRegRange", ok && ot_bystander_served());
    ok = flush_cache();
    ot_attack("kl.core.HAL.FlushCache", ok && ot_bystander_served());
    ok = OT_RC(xhcidbg_start(), rcSecurityDisallow);
    ot_attack("kl.core.XHCIDBG.Start", ok && ot_bystander_served());
    ok = OT_RC(xhcidbg_stop(), rcSecurityDisallow);
    ot_attack("kl.core.XHCIDBG.Stop", ok && ot_bystander_served());
    return ot_end();
}
