/* VT-d structures and register values (vtd_format.h). Bit positions follow the Intel VT-d
 * specification; the host test checks each one. */
#include "dev/vtd_format.h"

void vtd_caps_decode(uint64_t cap, uint64_t ecap, struct vtd_caps *out)
{
    unsigned nd = (unsigned)(cap & 7u);
    out->domains = nd <= 6 ? 1u << (4u + 2u * nd) : 0;
    out->rwbf = (cap >> 4) & 1u;
    out->plmr = (cap >> 5) & 1u;
    out->phmr = (cap >> 6) & 1u;
    out->caching_mode = (cap >> 7) & 1u;
    out->sagaw = (unsigned)(cap >> 8) & 0x1Fu;
    out->mgaw = (unsigned)((cap >> 16) & 0x3Fu) + 1u;
    out->fro = (unsigned)((cap >> 24) & 0x3FFu) * 16u;
    out->nfr = (unsigned)((cap >> 40) & 0xFFu) + 1u;
    out->coherent = ecap & 1u;
    out->pass_through = (ecap >> 6) & 1u;
    out->iro = (unsigned)((ecap >> 8) & 0x3FFu) * 16u;
}

unsigned vtd_levels_for(unsigned sagaw)
{
    if (sagaw & (1u << 1))
        return 3;
    if (sagaw & (1u << 2))
        return 4;
    return 0;
}

unsigned vtd_aw_for_levels(unsigned levels)
{
    return levels - 2u;
}

void vtd_root_entry(uint64_t context_table_pa, uint64_t *lo, uint64_t *hi)
{
    *lo = (context_table_pa & VTD_SL_ADDR_MASK) | 1u;
    *hi = 0;
}

void vtd_context_entry(uint64_t slpt_pa, unsigned levels, uint16_t did, uint64_t *lo, uint64_t *hi)
{
    /* P (bit 0); FPD (bit 1) clear: faults are recorded; TT (bits 3:2) 0. */
    *lo = (slpt_pa & VTD_SL_ADDR_MASK) | 1u;
    *hi = (uint64_t)vtd_aw_for_levels(levels) | ((uint64_t)did << 8);
}

uint64_t vtd_sl_table(uint64_t next_table_pa)
{
    return (next_table_pa & VTD_SL_ADDR_MASK) | VTD_SL_READ | VTD_SL_WRITE;
}

uint64_t vtd_sl_leaf(uint64_t page_pa, bool read, bool write)
{
    return (page_pa & VTD_SL_ADDR_MASK) | (read ? VTD_SL_READ : 0) | (write ? VTD_SL_WRITE : 0);
}

uint64_t vtd_ccmd_global(void)
{
    return VTD_CCMD_ICC | (1ull << 61);
}

uint64_t vtd_ccmd_device(uint16_t did, uint16_t source_id)
{
    /* CIRG 3 (device-selective), FM 0: the whole source id is compared. */
    return VTD_CCMD_ICC | (3ull << 61) | ((uint64_t)source_id << 16) | did;
}

uint64_t vtd_iotlb_global(void)
{
    /* DR and DW: drain reads and writes before the invalidation completes. */
    return VTD_IOTLB_IVT | (1ull << 60) | (1ull << 49) | (1ull << 48);
}

uint64_t vtd_iotlb_domain(uint16_t did)
{
    return VTD_IOTLB_IVT | (2ull << 60) | (1ull << 49) | (1ull << 48) | ((uint64_t)did << 32);
}

void vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *out)
{
    out->present = (hi >> 63) & 1u;
    out->read = (hi >> 62) & 1u;
    out->reason = (uint8_t)(hi >> 32);
    out->source_id = (uint16_t)hi;
    out->addr = lo & ~0xFFFull;
}

const char *vtd_fault_reason_text(uint8_t reason)
{
    switch (reason) {
    case 0x1:
        return "root entry not present";
    case 0x2:
        return "context entry not present";
    case 0x3:
        return "invalid context entry";
    case 0x4:
        return "address beyond the domain's width";
    case 0x5:
        return "write not permitted";
    case 0x6:
        return "read not permitted";
    case 0x7:
        return "page-table entry unreadable";
    case 0x8:
        return "root table unreadable";
    case 0x9:
        return "context table unreadable";
    case 0xA:
        return "reserved bits in a root entry";
    case 0xB:
        return "reserved bits in a context entry";
    case 0xC:
        return "reserved bits in a page-table entry";
    case 0xD:
        return "translation type not allowed";
    default:
        return "unlisted reason";
    }
}

uint32_t vtd_msi_addr(uint32_t apic_id)
{
    return 0xFEE00000u | ((apic_id & 0xFFu) << 12);
}

uint32_t vtd_msi_data(uint8_t vector)
{
    return vector;
}
