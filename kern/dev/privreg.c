/*
 * The allow-list of privileged registers (contract in privreg.h) and its lookup.
 *
 * What is listed, and why the rest is not. Everything here is read-only, and nothing here tells
 * a process where the kernel is or lets it change how any other code runs:
 *   - IA32_TSC, IA32_TSC_AUX: a process reads both with RDTSC/RDTSCP anyway.
 *   - IA32_MPERF, IA32_APERF: the CPU's effective frequency, for a power-management service.
 *   - IA32_MTRRCAP, IA32_MTRR_DEF_TYPE and the ranges IA32_MTRR_PHYS (PHYSBASEn/PHYSMASKn,
 *     offset 2n and 2n+1) and IA32_MTRR_FIX (FIX64K_00000, FIX16K_80000, FIX16K_A0000,
 *     FIX4K_C0000 .. FIX4K_F8000, offsets 0..10): the memory types the firmware gave physical
 *     memory, which a driver needs to know whether a buffer is cached. They describe RAM and
 *     device windows, never kernel virtual addresses.
 *   - IA32_MISC_ENABLE: which CPU features the firmware turned on.
 *   - IA32_X2APIC_APICID: the CPU's local APIC id. The kernel runs the local APIC in xAPIC
 *     mode, where every x2APIC register raises #GP: this one answers rcRegisterFault on every
 *     machine today, and is listed as the register a caller can count on to show it.
 * Never listed, for any access:
 *   - EFER, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP: the system-call entry. Reading
 *     LSTAR gives the kernel's text address (the kernel's layout is a secret under randomised
 *     placement), writing any of them takes over every system call.
 *   - FS_BASE, GS_BASE, KERNEL_GS_BASE: per-CPU kernel data pointers.
 *   - PAT, the MTRRs for writing, APIC_BASE, TSC_DEADLINE, x2APIC registers: memory types and
 *     the interrupt controller the kernel relies on; APIC_BASE also gives physical layout.
 *   - SPEC_CTRL, PRED_CMD, FEATURE_CONTROL, DEBUGCTL: mitigations and debug features of the
 *     CPU, which protect other processes.
 *   - Performance counters and RAPL energy counters: measured side channels between processes
 *     (the profiler endpoint is where counters belong, under its own policy).
 */
#include "dev/privreg.h"

#include "lib/string.h"

/* FIX64K_00000, FIX16K_80000, FIX16K_A0000, FIX4K_C0000 .. FIX4K_F8000 (SDM vol. 3, 12.11). */
static const uint32_t mtrr_fixed_msrs[] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
                                           0x26b, 0x26c, 0x26d, 0x26e, 0x26f};

const struct privreg privreg_list[] = {
    {"IA32_TSC", 0x10, NULL, 0, PRIVREG_READ, 0},
    {"IA32_TSC_AUX", 0xc0000103, NULL, 0, PRIVREG_READ, 0},
    {"IA32_MPERF", 0xe7, NULL, 0, PRIVREG_READ, 0},
    {"IA32_APERF", 0xe8, NULL, 0, PRIVREG_READ, 0},
    {"IA32_MTRRCAP", 0xfe, NULL, 0, PRIVREG_READ, 0},
    {"IA32_MTRR_DEF_TYPE", 0x2ff, NULL, 0, PRIVREG_READ, 0},
    {"IA32_MISC_ENABLE", 0x1a0, NULL, 0, PRIVREG_READ, 0},
    {"IA32_X2APIC_APICID", 0x802, NULL, 0, PRIVREG_READ, 0},
    /* PHYSBASE0 .. PHYSMASK9: ten pairs is the most IA32_MTRRCAP.VCNT is documented to give. */
    {"IA32_MTRR_PHYS", 0x200, NULL, 20, PRIVREG_READ, PRIVREG_BOUND_MTRR_VAR},
    {"IA32_MTRR_FIX", 0, mtrr_fixed_msrs, sizeof mtrr_fixed_msrs / sizeof mtrr_fixed_msrs[0],
     PRIVREG_READ, PRIVREG_BOUND_MTRR_FIXED},
};
const size_t privreg_list_len = sizeof privreg_list / sizeof privreg_list[0];

Retcode privreg_find(const struct privreg *list, size_t n, const char *name, int range,
                     const struct privreg **out)
{
    if (name == NULL || out == NULL)
        return rcInvalidArgument;
    for (size_t i = 0; i < n; i++)
        if ((list[i].count != 0) == (range != 0) && strcmp(list[i].name, name) == 0) {
            *out = &list[i];
            return rcOk;
        }
    return rcUnknownRegister;
}

Retcode privreg_allows(const struct privreg *r, uint32_t access)
{
    if ((r->access & access) == access)
        return rcOk;
    return access & PRIVREG_WRITE ? rcReadOnlyRegister : rcAccessDenied;
}

Retcode privreg_range_msr(const struct privreg *r, uint32_t offset, uint32_t present, uint32_t *msr)
{
    uint32_t len = present < r->count ? present : r->count;
    if (offset >= len)
        return rcOutOfRange;
    *msr = r->msrs != NULL ? r->msrs[offset] : r->msr + offset;
    return rcOk;
}
