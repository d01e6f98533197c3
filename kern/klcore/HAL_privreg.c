/*
 * kl.core.HAL.GetPrivReg, SetPrivReg, GetPrivRegRange, SetPrivRegRange: the model-specific
 * registers of the allow-list (dev/privreg.h, which says what is listed and why), by name.
 *
 * Answers: rcUnknownRegister for a name not on the list (IA32_LSTAR, EFER ... are never on it),
 * rcReadOnlyRegister for a write to a listed register (every one, today), rcOutOfRange for an
 * offset past the range this CPU has, rcRegisterFault when the CPU refuses the access (#GP: the
 * register does not exist on this CPU model; caught by arch/x86_64/msr_safe.h, never a panic).
 * The name travels in the request as a string, so the policy can restrict it too
 * (`message.reg == "IA32_TSC"`, docs/policy-language.md).
 *
 * The register read is the one of the CPU the calling thread runs on; per-CPU registers
 * (IA32_TSC, IA32_TSC_AUX, APERF/MPERF) answer for that CPU.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr_safe.h"
#include "dev/privreg.h"
#include "klcore/HAL.h"

#define MSR_IA32_MTRRCAP 0xfeu
#define CPUID1_EDX_MTRR (1u << 12)
#define MTRRCAP_VCNT_MASK 0xffu
#define MTRRCAP_FIX (1u << 8)

/* How many registers of range r this CPU has. rcRegisterFault: no MTRRs at all. */
static Retcode range_present(const struct privreg *r, uint32_t *present)
{
    if (r->bound == PRIVREG_BOUND_FIXED) {
        *present = r->count;
        return rcOk;
    }
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint64_t cap;
    if (!(d & CPUID1_EDX_MTRR) || msr_read_safe(MSR_IA32_MTRRCAP, &cap) != 0)
        return rcRegisterFault;
    if (r->bound == PRIVREG_BOUND_MTRR_VAR)
        *present = 2 * (uint32_t)(cap & MTRRCAP_VCNT_MASK);
    else
        *present = (cap & MTRRCAP_FIX) ? r->count : 0;
    return rcOk;
}

/* The MSR that (name, offset) names, if the access is allowed. */
static Retcode resolve(const char *name, int range, uint32_t offset, uint32_t access, uint32_t *msr)
{
    const struct privreg *r;
    Retcode e = privreg_find(privreg_list, privreg_list_len, name, range, &r);
    if (e == rcOk)
        e = privreg_allows(r, access);
    if (e != rcOk || !range) {
        if (e == rcOk)
            *msr = r->msr;
        return e;
    }
    uint32_t present;
    e = range_present(r, &present);
    if (e == rcOk)
        e = privreg_range_msr(r, offset, present, msr);
    return e;
}

static Retcode read_msr(uint32_t msr, uint64_t *val)
{
    return msr_read_safe(msr, val) == 0 ? rcOk : rcRegisterFault;
}

Retcode hal_get_priv_reg(void *ctx, const char *reg, uint64_t *val, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    uint32_t msr;
    *val = 0;
    *rc = resolve(reg, 0, 0, PRIVREG_READ, &msr);
    if (*rc == rcOk)
        *rc = read_msr(msr, val);
    if (*rc != rcOk)
        *val = 0;
    return rcOk;
}

Retcode hal_get_priv_reg_range(void *ctx, const char *range, uint32_t offset, uint64_t *val,
                               kl_core_Types_Retcode *rc)
{
    (void)ctx;
    uint32_t msr;
    *val = 0;
    *rc = resolve(range, 1, offset, PRIVREG_READ, &msr);
    if (*rc == rcOk)
        *rc = read_msr(msr, val);
    if (*rc != rcOk)
        *val = 0;
    return rcOk;
}

/* Reached only for a writable entry, and the kernel's list has none (dev/privreg.h). */
static Retcode write_msr(uint32_t msr, uint64_t val)
{
    return msr_write_safe(msr, val) == 0 ? rcOk : rcRegisterFault;
}

Retcode hal_set_priv_reg(void *ctx, const char *reg, uint64_t val, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    uint32_t msr;
    *rc = resolve(reg, 0, 0, PRIVREG_WRITE, &msr);
    if (*rc == rcOk)
        *rc = write_msr(msr, val);
    return rcOk;
}

Retcode hal_set_priv_reg_range(void *ctx, const char *range, uint32_t offset, uint64_t val,
                               kl_core_Types_Retcode *rc)
{
    (void)ctx;
    uint32_t msr;
    *rc = resolve(range, 1, offset, PRIVREG_WRITE, &msr);
    if (*rc == rcOk)
        *rc = write_msr(msr, val);
    return rcOk;
}
