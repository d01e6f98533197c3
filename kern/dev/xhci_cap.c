/* The walk of the xHCI extended capability list (contract in xhci_cap.h). */
#include "dev/xhci_cap.h"

uint32_t xhci_find_ext_cap(const volatile void *mmio, size_t size, uint8_t id)
{
    if (mmio == NULL || size < XHCI_CAP_HCCPARAMS1 + 4)
        return 0;
    uint64_t off = (uint64_t)(xhci_read32(mmio, XHCI_CAP_HCCPARAMS1) >> 16) * 4;
    for (unsigned n = 0; off != 0 && n < XHCI_EXT_CAP_MAX; n++) {
        if (off % 4 != 0 || off + 4 > size)
            return 0;
        uint32_t word = xhci_read32(mmio, (uint32_t)off);
        if ((word & 0xff) == id)
            return (uint32_t)off;
        uint32_t next = (word >> 8) & 0xff;
        if (next == 0)
            return 0;
        off += (uint64_t)next * 4;
    }
    return 0;
}
