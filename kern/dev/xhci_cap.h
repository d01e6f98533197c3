/*
 * The xHCI extended capability list (xHCI specification 7: "xHCI Extended Capabilities"): where
 * in a controller's MMIO window a capability such as the USB Debug Capability starts.
 *
 * Pure: it reads the window through a plain pointer and never leaves it, so the host test walks
 * a fake window built in memory. HCCPARAMS1 bits 31:16 (xECP) give the first capability's
 * offset in 32-bit words from the window's start; each capability's first word has its ID in
 * bits 7:0 and the offset of the next, in words from itself, in bits 15:8 (0: the last).
 */
#ifndef BASTION_DEV_XHCI_CAP_H
#define BASTION_DEV_XHCI_CAP_H

#include <stddef.h>
#include <stdint.h>

#define XHCI_CAP_HCCPARAMS1 0x10u /* capability register: xECP in bits 31:16 */
#define XHCI_EXT_CAP_LEGACY 1u    /* USB legacy support */
#define XHCI_EXT_CAP_PROTOCOL 2u  /* supported protocol */
#define XHCI_EXT_CAP_DBC 10u      /* USB debug capability (xHCI 7.6) */

/* At most this many capabilities are followed. Next pointers only go forward, so the walk
 * ends anyway; the bound keeps a list of thousands of tiny entries (a broken or hostile
 * device) from costing more than a real controller's handful. */
#define XHCI_EXT_CAP_MAX 64u

/* Reads the 32-bit register at byte offset off of the window (volatile: MMIO). */
static inline uint32_t xhci_read32(const volatile void *mmio, uint32_t off)
{
    return *(const volatile uint32_t *)((const volatile uint8_t *)mmio + off);
}

/* The byte offset of the first extended capability with this id in the window
 * [mmio, mmio + size), or 0 when the list has none, leaves the window or runs past
 * XHCI_EXT_CAP_MAX entries. */
uint32_t xhci_find_ext_cap(const volatile void *mmio, size_t size, uint8_t id);

#endif
