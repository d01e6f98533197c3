/*
 * kl.core.CpuFreq: processor groups and their operating performance points (OPP).
 *
 * What is probed, on every call (all of it is fixed after boot):
 *   - CPUID leaf 0x16 (when the largest basic leaf reaches it): EAX[15:0], the processor's base
 *     (nominal) frequency in MHz; when absent or 0, the TSC's calibrated rate (tsc_hz(), see
 *     arch/x86_64/tsc.h) stands for it;
 *   - ACPI: whether the DSDT or an SSDT names _PSS (performance states) or _CPC (CPPC)
 *     (arch/x86_64/acpi_power.h).
 * The kernel has no AML interpreter, so it cannot evaluate _PSS/_CPC nor know which
 * IA32_PERF_CTL values or CPPC registers they stand for: it changes no frequency. The layout is
 * therefore one group, every online CPU, with one OPP: the nominal frequency, voltage 0 (no
 * source reports it). QEMU's machines name neither _PSS nor _CPC and its default CPU has no leaf
 * 0x16, so there the OPP is the TSC rate. GetLayout's boot line says what was found.
 *
 *   GetLayout()             that one entry (groupId 0, oppId 0, cpus = the online mask).
 *   GetCurOppId(group)      0 for group 0; any other group rcNoSuchCpuGroup.
 *   SetOppId(group, opp)    group 0, OPP 0: rcOk (it is the current one, nothing changes);
 *                           another group rcNoSuchCpuGroup, another OPP rcNoSuchOpp.
 */
#include "arch/x86_64/acpi_power.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "klcore/klcore.h"
#include "lib/kprintf.h"

#define CPUID_FREQ_LEAF 0x16u

/* The nominal frequency in kHz and where it came from. */
static uint32_t nominal_khz(const char **source)
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a >= CPUID_FREQ_LEAF) {
        cpuid(CPUID_FREQ_LEAF, 0, &a, &b, &c, &d);
        if ((a & 0xFFFFu) != 0) {
            *source = "cpuid-16h";
            return (a & 0xFFFFu) * 1000u;
        }
    }
    *source = "tsc";
    uint64_t khz = tsc_hz() / 1000u;
    return khz > UINT32_MAX ? UINT32_MAX : (uint32_t)khz;
}

static Retcode GetLayout(void *ctx, struct idl_seq *layout, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct kl_core_CpuFreq_CpuOpp *opp = c->scratch;
    layout->data = opp;
    layout->count = 0;
    if (opp == NULL || c->scratch_size < sizeof *opp) {
        *rc = rcBufferTooSmall;
        return rcOk;
    }
    const char *source;
    *opp = (struct kl_core_CpuFreq_CpuOpp){
        .groupId = 0,
        .oppId = 0,
        .cpus = core_cpus_online(),
        .freqKhz = nominal_khz(&source),
        .voltageUv = 0,
    };
    static bool told;
    if (!__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
        kprintf("cpufreq: one group, one OPP: %u kHz (%s); ACPI _PSS %s, _CPC %s (not "
                "interpreted)\n",
                opp->freqKhz, source, acpi_has_pss() ? "present" : "absent",
                acpi_has_cpc() ? "present" : "absent");
    layout->count = 1;
    *rc = rcOk;
    return rcOk;
}

static Retcode GetCurOppId(void *ctx, uint32_t group, uint32_t *opp_id, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *opp_id = 0;
    *rc = group == 0 ? rcOk : rcNoSuchCpuGroup;
    return rcOk;
}

static Retcode SetOppId(void *ctx, uint32_t group, uint32_t opp_id, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *rc = group != 0 ? rcNoSuchCpuGroup : opp_id != 0 ? rcNoSuchOpp : rcOk;
    return rcOk;
}

const struct kl_core_CpuFreq_ops core_cpufreq_ops = {
    .GetLayout = GetLayout,
    .GetCurOppId = GetCurOppId,
    .SetOppId = SetOppId,
};
