/* The pure part of PCI enumeration: BAR decoding and the capability walk (pci_decode.h). */
#include "dev/pci_decode.h"

#define BAR_IO 0x1u
#define BAR_MEM_TYPE_MASK 0x6u
#define BAR_MEM_TYPE_64 0x4u
#define BAR_MEM_PREFETCH 0x8u
#define BAR_IO_ADDR_MASK 0xFFFFFFFCu
#define BAR_MEM_ADDR_MASK 0xFFFFFFF0u

bool pci_bar_is_mem64(uint32_t lo)
{
    return !(lo & BAR_IO) && (lo & BAR_MEM_TYPE_MASK) == BAR_MEM_TYPE_64;
}

unsigned pci_bar_decode(uint32_t lo, uint32_t lo_mask, uint32_t hi, uint32_t hi_mask,
                        bool last_slot, struct pci_bar *out)
{
    *out = (struct pci_bar){0};
    if (lo & BAR_IO) {
        /* I/O BARs decode 16 address bits on x86; the upper half may read back as zero. */
        uint32_t mask = lo_mask & BAR_IO_ADDR_MASK;
        if (mask == 0)
            return 1;
        mask |= 0xFFFF0000u;
        out->io = true;
        out->base = lo & BAR_IO_ADDR_MASK;
        out->size = (uint32_t)(~mask + 1u);
        return 1;
    }
    out->prefetch = (lo & BAR_MEM_PREFETCH) != 0;
    if (pci_bar_is_mem64(lo)) {
        if (last_slot)
            return 1;
        uint64_t mask = ((uint64_t)hi_mask << 32) | (lo_mask & BAR_MEM_ADDR_MASK);
        out->mem64 = true;
        if (mask != 0) {
            out->base = ((uint64_t)hi << 32) | (lo & BAR_MEM_ADDR_MASK);
            out->size = ~mask + 1u;
        }
        return 2;
    }
    uint32_t mask = lo_mask & BAR_MEM_ADDR_MASK;
    if (mask == 0)
        return 1;
    out->base = lo & BAR_MEM_ADDR_MASK;
    out->size = (uint32_t)(~mask + 1u);
    return 1;
}

uint8_t pci_cap_find(pci_cfg_read8_fn read8, void *ctx, uint8_t cap_id)
{
    uint8_t status = read8(ctx, PCI_CFG_STATUS);
    if (!(status & PCI_STATUS_CAP_LIST))
        return 0;
    uint8_t off = read8(ctx, PCI_CFG_CAP_PTR) & 0xFC;
    for (unsigned n = 0; n < 48 && off >= 0x40; n++) {
        if (read8(ctx, off) == cap_id)
            return off;
        off = read8(ctx, (uint16_t)(off + 1)) & 0xFC;
    }
    return 0;
}
