/*
 * os_hal (class ostest.Hal): kl.core.HAL's privileged registers and cache flush, and
 * kl.core.XHCIDBG, as a driver with a least-privilege policy uses them (test/os/policy/
 * ostest.psl: GetPrivReg of every name but IA32_MISC_ENABLE, which the policy refuses by name).
 *
 *   - IA32_TSC reads (and grows where the CPU counts it: QEMU's TCG reads it as 0);
 *     IA32_TSC_AUX equals what RDTSCP reads (a CPU without RDTSCP: rcRegisterFault, or
 *     TCG's 0); a name off the kernel's list is
 *     rcUnknownRegister, a range's name given as a register too; writes to a listed register
 *     are rcReadOnlyRegister; IA32_X2APIC_APICID, whose read raises #GP in the kernel's xAPIC
 *     mode, is rcRegisterFault (and the kernel lives on) where the CPU raises it; the
 *     policy's name rule answers rcSecurityDisallow.
 *   - The MTRR ranges: offset 0 reads, the first offset past what IA32_MTRRCAP reports is
 *     rcOutOfRange.
 *   - FlushCache on its own memory (committed, and reserved only), the whole cache once and the
 *     second time at once rcRateLimited; a kernel address rcInvalidArgument, an unmapped one
 *     rcNotFound, more than 1 MiB rcOutOfRange, an unknown cache type rcInvalidArgument.
 *   - XHCIDBG.Start/Stop: argv[1] says what the machine has: "no-xhci" (the pc machine of the
 *     default image: rcNoHardware) or "no-dbc" (q35 with QEMU's qemu-xhci, which has no debug
 *     capability: rcNoDebugCapability).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/vmm.h>

#include "hal_calls.h"
#include "ostest.h"

#define PAGE 4096u
#define KERNEL_ADDRESS 0xffffffff80000000ull
#define UNMAPPED_ADDRESS 0x100000000000ull /* 16 TiB: nothing of ours is there */

/* RDTSCP's ECX: IA32_TSC_AUX, which the kernel sets to each CPU's index. */
static uint32_t rdtscp_aux(void)
{
    uint32_t lo, hi, aux;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    return aux;
}

static void registers(void)
{
    uint64_t a = 0, b = 0;
    OT_RC(hal_get("IA32_TSC", &a), rcOk);
    for (volatile int i = 0; i < 10000; i++)
        ;
    OT_RC(hal_get("IA32_TSC", &b), rcOk);
    /* QEMU's TCG (7.2) reads the TSC MSR as 0; hardware and KVM count. */
    ot_check(b > a || (a == 0 && b == 0), __LINE__, "IA32_TSC grows", "%llu then %llu",
             (unsigned long long)a, (unsigned long long)b);
    /* A value to compare: IA32_TSC_AUX is the CPU's index, which RDTSCP also reads. The call
     * counts only when the thread stayed on one CPU around it. A CPU without RDTSCP has no
     * IA32_TSC_AUX to read: #GP in the kernel, a named answer (QEMU's TCG reads every MSR,
     * that one as 0, since the kernel writes it only where RDTSCP is). */
    if (ot_cpu_has_rdtscp()) {
        bool compared = false;
        for (int i = 0; i < 50 && !compared; i++) {
            uint32_t before = rdtscp_aux();
            uint64_t aux = UINT64_MAX;
            Retcode r = hal_get("IA32_TSC_AUX", &aux);
            if (rdtscp_aux() != before)
                continue;
            compared = true;
            OT_RC(r, rcOk);
            ot_check(aux == before, __LINE__, "IA32_TSC_AUX is RDTSCP's", "%llu, RDTSCP %u",
                     (unsigned long long)aux, before);
        }
        OT_TRUE(compared);
    } else {
        uint64_t aux = UINT64_MAX;
        Retcode r = hal_get("IA32_TSC_AUX", &aux);
        ot_check(r == rcRegisterFault || (r == rcOk && aux == 0), __LINE__,
                 "IA32_TSC_AUX without RDTSCP", "returned %s, value %llu", retcode_name(r),
                 (unsigned long long)aux);
        printf("os_hal: no RDTSCP: IA32_TSC_AUX read: %s\n", retcode_name(r));
    }
    uint64_t v = 1;
    OT_RC(hal_get("NO_SUCH_REGISTER", &v), rcUnknownRegister);
    OT_EQ(v, 0);
    OT_RC(hal_get("IA32_MTRR_PHYS", &v), rcUnknownRegister); /* a range, not a register */
    OT_RC(hal_get("ia32_tsc", &v), rcUnknownRegister);       /* names are exact */
    OT_RC(hal_set("IA32_TSC", 0), rcReadOnlyRegister);
    OT_RC(hal_set("IA32_MTRR_DEF_TYPE", 0), rcReadOnlyRegister);
    OT_RC(hal_set("NO_SUCH_REGISTER", 0), rcUnknownRegister);
    /* An x2APIC register in xAPIC mode raises #GP, caught in the kernel: a named answer, and
     * the next call is served. QEMU 7.2's TCG raises nothing for any MSR read (it answers 0),
     * so there this shows only that the read is harmless. */
    Retcode r = hal_get("IA32_X2APIC_APICID", &v);
    ot_check(r == rcRegisterFault || (r == rcOk && v == 0), __LINE__, "IA32_X2APIC_APICID",
             "returned %s, value %llu", retcode_name(r), (unsigned long long)v);
    printf("os_hal: IA32_X2APIC_APICID in xAPIC mode: %s\n", retcode_name(r));
    OT_RC(hal_get("IA32_TSC", &v), rcOk);
    OT_RC(hal_get("IA32_MTRR_DEF_TYPE", &v), rcOk);
    /* The policy reads the name: this one is on the kernel's list but not in ours. */
    OT_RC(hal_get("IA32_MISC_ENABLE", &v), rcSecurityDisallow);
}

static void ranges(void)
{
    uint64_t cap = 0, v = 0;
    OT_RC(hal_get("IA32_MTRRCAP", &cap), rcOk);
    uint32_t var = 2 * (uint32_t)(cap & 0xff);
    printf("os_hal: IA32_MTRRCAP %#llx: %u variable-range registers, fixed ranges %s\n",
           (unsigned long long)cap, var, (cap & 0x100) ? "yes" : "no");
    OT_TRUE(var > 0); /* QEMU's CPUs have 8 pairs */
    if (var > 0)
        OT_RC(hal_get_range("IA32_MTRR_PHYS", 0, &v), rcOk);
    OT_RC(hal_get_range("IA32_MTRR_PHYS", var, &v), rcOutOfRange);
    OT_RC(hal_get_range("IA32_MTRR_PHYS", 0xffffffffu, &v), rcOutOfRange);
    if (cap & 0x100) {
        OT_RC(hal_get_range("IA32_MTRR_FIX", 10, &v), rcOk);
        OT_RC(hal_get_range("IA32_MTRR_FIX", 11, &v), rcOutOfRange);
    }
    OT_RC(hal_get_range("IA32_TSC", 0, &v), rcUnknownRegister); /* a register, not a range */
    OT_RC(hal_set_range("IA32_MTRR_PHYS", 0, 0), rcReadOnlyRegister);
    OT_RC(hal_set_range("NO_SUCH_RANGE", 0, 0), rcUnknownRegister);
}

static void cache(void)
{
    uint64_t va = 0;
    if (!OT_RC(core_vmm_allocate(0, 4 * PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &va), rcOk))
        return;
    OT_RC(core_vmm_commit(va, 2 * PAGE), rcOk);
    memset((void *)va, 0x5a, 2 * PAGE);
    OT_RC(hal_flush(kl_core_HAL_CacheData, va, 2 * PAGE), rcOk);
    OT_RC(hal_flush(kl_core_HAL_CacheUnified, va + 100, 3 * PAGE), rcOk); /* 3rd page reserved */
    OT_RC(hal_flush(kl_core_HAL_CacheInstruction, va, 1), rcOk);
    OT_EQ(((volatile uint8_t *)va)[PAGE + 7], 0x5a); /* the data is still there */
    /* A page of the range in no region: the last one, freed just now. */
    OT_RC(core_vmm_free(va + 3 * PAGE, PAGE), rcOk);
    OT_RC(hal_flush(kl_core_HAL_CacheData, va, 4 * PAGE), rcNotFound);
    OT_RC(hal_flush(kl_core_HAL_CacheData, KERNEL_ADDRESS, PAGE), rcInvalidArgument);
    OT_RC(hal_flush(kl_core_HAL_CacheData, UNMAPPED_ADDRESS, PAGE), rcNotFound);
    OT_RC(hal_flush(kl_core_HAL_CacheData, va, 1024 * 1024 + 1), rcOutOfRange);
    OT_RC(hal_flush(kl_core_HAL_CacheData, UINT64_MAX - 10, 100), rcOutOfRange);
    OT_RC(hal_flush(0, va, PAGE), rcInvalidArgument);
    OT_RC(hal_flush(kl_core_HAL_CacheData, va, 0), rcInvalidArgument); /* size 0 needs va 0 */
    /* The whole cache: once, and at once again is over the per-process rate. "At once" is up
     * to the scheduler: a flush asked back to back may still come more than the rate's interval
     * later when this thread is preempted on a loaded host, so of 50 asked back to back at
     * least one must be refused (with no limit, all are served), and each answer is one of
     * the two. */
    OT_RC(hal_flush(kl_core_HAL_CacheUnified, 0, 0), rcOk);
    unsigned limited = 0, other = 0;
    for (int i = 0; i < 50; i++) {
        Retcode r = hal_flush(kl_core_HAL_CacheUnified, 0, 0);
        limited += r == rcRateLimited;
        other += r != rcRateLimited && r != rcOk;
    }
    OT_TRUE(limited > 0);
    OT_EQ(other, 0u);
    OT_RC(core_vmm_free(va, 3 * PAGE), rcOk);
}

static void xhci(const char *machine)
{
    Retcode want = rcFail;
    if (!strcmp(machine, "no-xhci"))
        want = rcNoHardware;
    else if (!strcmp(machine, "no-dbc"))
        want = rcNoDebugCapability;
    if (!ot_check(want != rcFail, __LINE__, "argv[1]", "'%s': expected no-xhci or no-dbc", machine))
        return;
    OT_RC(xhcidbg_start(), want);
    OT_RC(xhcidbg_stop(), want);
    OT_RC(xhcidbg_start(), want); /* the probe runs again and answers the same */
    printf("os_hal: XHCIDBG.Start on this machine: %s\n", retcode_name(want));
}

int main(int argc, char **argv)
{
    ot_begin("os_hal");
    registers();
    ranges();
    cache();
    xhci(argc > 1 ? argv[1] : "");
    return ot_end();
}
