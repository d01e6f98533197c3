/*
 * VT-d remapping units (vtd.h): bring-up, context entries, invalidation, fault records.
 */
#include "dev/vtd.h"

#include "arch/x86_64/acpi.h"
#include "dev/dmar.h"
#include "lib/kprintf.h"
#include "mm/paging.h"
#include "mm/pmm.h"

/* How long a register-based command may take before the unit is declared broken. */
#define VTD_SPIN_MAX 10000000u

struct vtd_unit {
    volatile uint8_t *regs;
    uint64_t reg_phys, reg_size;
    struct vtd_caps caps;
    uint64_t root_pa;         /* 256 root entries, one per bus */
    uint64_t context_pa[256]; /* each bus's context table, 0 until a device needs one */
};

static struct dmar_info dmar;
static struct vtd_unit units[DMAR_MAX_UNITS];
static int unit_of_dmar[DMAR_MAX_UNITS]; /* dmar unit index -> units[] index, -1 unused */
static unsigned nunits;
static unsigned levels;
static unsigned domain_ids;
static bool caching_mode;
static bool active;

static uint32_t rd32(const struct vtd_unit *u, unsigned off)
{
    return *(volatile uint32_t *)(u->regs + off);
}
static uint64_t rd64(const struct vtd_unit *u, unsigned off)
{
    return *(volatile uint64_t *)(u->regs + off);
}
static void wr32(struct vtd_unit *u, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(u->regs + off) = v;
}
static void wr64(struct vtd_unit *u, unsigned off, uint64_t v)
{
    *(volatile uint64_t *)(u->regs + off) = v;
}

bool vtd_unit_regs(unsigned i, uint64_t *base, uint64_t *size)
{
    if (i >= nunits)
        return false;
    *base = units[i].reg_phys;
    *size = units[i].reg_size;
    return true;
}

bool vtd_active(void)
{
    return active;
}
unsigned vtd_levels(void)
{
    return levels;
}
unsigned vtd_domain_ids(void)
{
    return domain_ids;
}
bool vtd_caching_mode(void)
{
    return caching_mode;
}

void vtd_flush_cpu(const void *p, unsigned long len)
{
    bool all_coherent = true;
    for (unsigned i = 0; i < nunits; i++)
        all_coherent = all_coherent && units[i].caps.coherent;
    if (!all_coherent) {
        uintptr_t a = (uintptr_t)p & ~(uintptr_t)63, end = (uintptr_t)p + len;
        for (; a < end; a += 64)
            __asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
    }
    __asm__ volatile("mfence" ::: "memory");
}

/* Issues a global command (one-shot `bit`, or a persistent one turned on or off) and waits for
 * GSTS to show it. */
static bool gcmd(struct vtd_unit *u, uint32_t bit, bool on)
{
    uint32_t keep = rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;
    uint32_t cmd = on ? keep | bit : keep & ~bit;
    wr32(u, VTD_REG_GCMD, cmd);
    /* One-shot commands (SRTP) report completion by setting their status bit; a persistent
     * state by its status bit matching. */
    for (uint32_t i = 0; i < VTD_SPIN_MAX; i++) {
        bool set = (rd32(u, VTD_REG_GSTS) & bit) != 0;
        if (set == on)
            return true;
        __asm__ volatile("pause");
    }
    return false;
}

static bool ccmd(struct vtd_unit *u, uint64_t cmd)
{
    wr64(u, VTD_REG_CCMD, cmd);
    for (uint32_t i = 0; i < VTD_SPIN_MAX; i++) {
        uint64_t v = rd64(u, VTD_REG_CCMD);
        if (!(v & VTD_CCMD_ICC))
            return VTD_CCMD_CAIG(v) != 0;
        __asm__ volatile("pause");
    }
    return false;
}

static bool iotlb(struct vtd_unit *u, uint64_t cmd)
{
    unsigned off = u->caps.iro + 8;
    wr64(u, off, cmd);
    for (uint32_t i = 0; i < VTD_SPIN_MAX; i++) {
        uint64_t v = rd64(u, off);
        if (!(v & VTD_IOTLB_IVT))
            return VTD_IOTLB_IAIG(v) != 0;
        __asm__ volatile("pause");
    }
    return false;
}

static void clear_faults(struct vtd_unit *u)
{
    for (unsigned i = 0; i < u->caps.nfr; i++)
        wr32(u, u->caps.fro + i * 16 + 12, VTD_FRCD_CLEAR_HI32);
    wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
}

static bool unit_up(struct vtd_unit *u, unsigned idx)
{
    if (rd32(u, VTD_REG_GSTS) & VTD_GCMD_TE) {
        /* Firmware left translation on: turn it off while the tables are replaced. */
        if (!gcmd(u, VTD_GCMD_TE, false))
            return false;
    }
    u->root_pa = pmm_alloc_zeroed(0);
    if (u->root_pa == 0)
        return false;
    vtd_flush_cpu(phys_to_virt(u->root_pa), 4096);
    wr64(u, VTD_REG_RTADDR, u->root_pa); /* legacy-mode root table (RTT 0) */
    if (!gcmd(u, VTD_GCMD_SRTP, true)) {
        kprintf("vtd: unit %u: root table pointer not taken\n", idx);
        return false;
    }
    if (u->caps.rwbf) {
        /* Write-buffer flush: its status bit is set while the flush runs. */
        wr32(u, VTD_REG_GCMD, (rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT) | VTD_GCMD_WBF);
        for (uint32_t i = 0; i < VTD_SPIN_MAX && (rd32(u, VTD_REG_GSTS) & VTD_GCMD_WBF); i++)
            __asm__ volatile("pause");
    }
    if (!ccmd(u, vtd_ccmd_global()) || !iotlb(u, vtd_iotlb_global())) {
        kprintf("vtd: unit %u: global invalidation failed\n", idx);
        return false;
    }
    clear_faults(u);
    if (!gcmd(u, VTD_GCMD_TE, true)) {
        kprintf("vtd: unit %u: translation enable not taken\n", idx);
        return false;
    }
    return true;
}

bool vtd_init(void)
{
    for (unsigned i = 0; i < DMAR_MAX_UNITS; i++)
        unit_of_dmar[i] = -1;
    size_t len = 0;
    const void *t = acpi_table("DMAR", &len);
    if (t == NULL) {
        kprintf("vtd: no DMAR table: no IOMMU\n");
        return false;
    }
    Retcode rc = dmar_parse(t, len, &dmar);
    if (rc != rcOk) {
        kprintf("vtd: DMAR rejected: %s: no IOMMU\n", retcode_name(rc));
        return false;
    }
    kprintf("vtd: DMAR: host address width %u, %u units, %u reserved regions%s%s\n",
            dmar.host_addr_width, dmar.nunits, dmar.nrmrrs,
            (dmar.flags & DMAR_FLAG_INTR_REMAP) ? ", interrupt remapping (left off)" : "",
            dmar.dropped ? ", entries beyond the kernel's limits ignored" : "");

    /* First pass: map and decode, and agree on one depth for every unit. */
    unsigned sagaw_all = 0x1Fu, ids = 65536u;
    for (unsigned i = 0; i < dmar.nunits; i++) {
        const struct dmar_unit *d = &dmar.units[i];
        struct vtd_unit *u = &units[nunits];
        u->reg_phys = d->reg_base;
        u->reg_size = (uint64_t)d->reg_pages * 4096u;
        u->regs = paging_map_mmio(d->reg_base, (size_t)d->reg_pages * 4096u);
        if (u->regs == NULL) {
            kprintf("vtd: unit at 0x%lx: registers not mappable\n", (unsigned long)d->reg_base);
            continue;
        }
        uint32_t ver = rd32(u, VTD_REG_VER);
        vtd_caps_decode(rd64(u, VTD_REG_CAP), rd64(u, VTD_REG_ECAP), &u->caps);
        kprintf("vtd: unit %u at 0x%lx: version %u.%u, segment %u%s, %u domains, SAGAW 0x%x, "
                "%u fault records%s%s\n",
                nunits, (unsigned long)d->reg_base, (ver >> 4) & 0xFu, ver & 0xFu, d->segment,
                d->include_all ? " (every device)" : "", u->caps.domains, u->caps.sagaw,
                u->caps.nfr, u->caps.caching_mode ? ", caching mode" : "",
                u->caps.coherent ? "" : ", not coherent");
        if (d->segment != 0) {
            kprintf("vtd: unit %u: PCI segment %u is not supported; its devices stay as firmware "
                    "left them\n",
                    nunits, d->segment);
            continue;
        }
        if (u->caps.plmr || u->caps.phmr)
            kprintf("vtd: unit %u: protected memory regions are not used\n", nunits);
        sagaw_all &= u->caps.sagaw;
        if (u->caps.domains < ids)
            ids = u->caps.domains;
        caching_mode = caching_mode || u->caps.caching_mode;
        unit_of_dmar[i] = (int)nunits;
        nunits++;
    }
    for (unsigned i = 0; i < dmar.nrmrrs; i++)
        kprintf("vtd: reserved region 0x%lx-0x%lx is not mapped: its devices are blocked too\n",
                (unsigned long)dmar.rmrrs[i].base, (unsigned long)dmar.rmrrs[i].limit);
    levels = vtd_levels_for(sagaw_all);
    if (nunits == 0 || levels == 0) {
        kprintf("vtd: no usable unit (common SAGAW 0x%x): no IOMMU\n", sagaw_all);
        nunits = 0;
        return false;
    }
    domain_ids = ids;

    /* Second pass: tables, invalidation, translation on. A unit that does not come up is a
     * machine whose DMA cannot be trusted: say so loudly and treat it as having no IOMMU. */
    for (unsigned i = 0; i < nunits; i++) {
        if (!unit_up(&units[i], i)) {
            kprintf("vtd: unit %u did not come up: no IOMMU\n", i);
            nunits = 0;
            return false;
        }
    }
    active = true;
    kprintf("vtd: translation on, %u-level tables (%u-bit device addresses), every device "
            "blocked until attached\n",
            levels, 12 + 9 * levels);
    return true;
}

static struct vtd_unit *unit_for(uint16_t bdf)
{
    int d = dmar_unit_for(&dmar, 0, bdf);
    if (d < 0 || unit_of_dmar[d] < 0)
        return NULL;
    return &units[unit_of_dmar[d]];
}

static uint64_t *context_slot(struct vtd_unit *u, uint16_t bdf, bool create, Retcode *rc)
{
    unsigned bus = bdf >> 8;
    if (u->context_pa[bus] == 0) {
        if (!create) {
            *rc = rcOk;
            return NULL;
        }
        uint64_t ct = pmm_alloc_zeroed(0);
        if (ct == 0) {
            *rc = rcOutOfMemory;
            return NULL;
        }
        vtd_flush_cpu(phys_to_virt(ct), 4096);
        u->context_pa[bus] = ct;
        uint64_t *root = phys_to_virt(u->root_pa);
        uint64_t lo, hi;
        vtd_root_entry(ct, &lo, &hi);
        root[bus * 2 + 1] = hi;
        root[bus * 2] = lo;
        vtd_flush_cpu(&root[bus * 2], 16);
        if (caching_mode)
            (void)ccmd(u, vtd_ccmd_global());
    }
    *rc = rcOk;
    return (uint64_t *)phys_to_virt(u->context_pa[bus]) + (bdf & 0xFFu) * 2;
}

Retcode vtd_set_context(uint16_t bdf, uint64_t slpt_pa, uint16_t did)
{
    struct vtd_unit *u = unit_for(bdf);
    if (u == NULL)
        return rcNotFound;
    Retcode rc;
    uint64_t *ce = context_slot(u, bdf, slpt_pa != 0, &rc);
    if (ce == NULL)
        return rc; /* blocking a device whose bus has no table: it is blocked already */
    if (ce[0] & 1u) {
        /* Present: take it away first, and make the unit forget it and its domain's
         * translations for this device, before it can point anywhere else. */
        uint16_t old = (uint16_t)(ce[1] >> 8);
        ce[0] = 0;
        vtd_flush_cpu(ce, 16);
        (void)ccmd(u, vtd_ccmd_device(old, bdf));
        (void)iotlb(u, vtd_iotlb_domain(old));
        ce[1] = 0;
    }
    if (slpt_pa != 0) {
        uint64_t lo, hi;
        vtd_context_entry(slpt_pa, levels, did, &lo, &hi);
        ce[1] = hi;
        vtd_flush_cpu(ce, 16);
        ce[0] = lo; /* present last */
        vtd_flush_cpu(ce, 16);
        /* Not present -> present needs no invalidation unless the unit caches not-present
         * entries; doing it always costs one register write. */
        (void)ccmd(u, vtd_ccmd_device(caching_mode ? 0 : did, bdf));
    }
    return rcOk;
}

void vtd_flush_domain(uint16_t did)
{
    for (unsigned i = 0; i < nunits; i++)
        (void)iotlb(&units[i], vtd_iotlb_domain(did));
}

unsigned vtd_fault_collect(struct vtd_fault *out, unsigned max, bool *overflow)
{
    unsigned n = 0;
    *overflow = false;
    for (unsigned i = 0; i < nunits; i++) {
        struct vtd_unit *u = &units[i];
        uint32_t fsts = rd32(u, VTD_REG_FSTS);
        if (fsts & VTD_FSTS_PFO) {
            *overflow = true;
            wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
        }
        if (!(fsts & VTD_FSTS_PPF))
            continue;
        for (unsigned r = 0; r < u->caps.nfr; r++) {
            unsigned off = u->caps.fro + r * 16;
            struct vtd_fault f;
            vtd_fault_decode(rd64(u, off), rd64(u, off + 8), &f);
            if (!f.present)
                continue;
            if (n < max)
                out[n++] = f;
            else
                *overflow = true;
            wr32(u, off + 12, VTD_FRCD_CLEAR_HI32);
        }
    }
    return n;
}

void vtd_fault_irq_setup(uint32_t apic_id, uint8_t vector)
{
    for (unsigned i = 0; i < nunits; i++) {
        struct vtd_unit *u = &units[i];
        wr32(u, VTD_REG_FEDATA, vtd_msi_data(vector));
        wr32(u, VTD_REG_FEADDR, vtd_msi_addr(apic_id));
        wr32(u, VTD_REG_FEUADDR, 0);
        wr32(u, VTD_REG_FECTL, 0); /* unmask */
    }
}
