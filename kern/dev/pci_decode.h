/*
 * The pure part of PCI enumeration: decoding a BAR from what sizing read back, and walking a
 * function's capability list. It works only on the values and the read function its caller
 * passes (the caller reads configuration space), so the host test test/host/kern/dev runs the
 * same code.
 */
#ifndef BASTION_DEV_PCI_DECODE_H
#define BASTION_DEV_PCI_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/pci.h"

/* Configuration-space registers of every header type. */
#define PCI_CFG_VENDOR 0x00
#define PCI_CFG_DEVICE 0x02
#define PCI_CFG_COMMAND 0x04
#define PCI_CFG_STATUS 0x06
#define PCI_CFG_PROG_IF 0x09
#define PCI_CFG_SUBCLASS 0x0A
#define PCI_CFG_CLASS 0x0B
#define PCI_CFG_HEADER_TYPE 0x0E
#define PCI_CFG_BAR0 0x10
#define PCI_CFG_CAP_PTR 0x34
#define PCI_CFG_IRQ_LINE 0x3C
#define PCI_CFG_IRQ_PIN 0x3D
/* Type 1 (PCI-to-PCI bridge) header. */
#define PCI_CFG_SECONDARY_BUS 0x19

#define PCI_COMMAND_IO 0x1u
#define PCI_COMMAND_MEM 0x2u
#define PCI_STATUS_CAP_LIST 0x10u
#define PCI_HEADER_MULTIFUNCTION 0x80u
#define PCI_HEADER_TYPE_MASK 0x7Fu

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11

/*
 * Decode one BAR. `lo` is the BAR's value, `lo_mask` what it read back after all ones were
 * written; for a 64-bit memory BAR `hi`/`hi_mask` are the same for the next BAR (ignored
 * otherwise). Fills *out (size 0: the function has no BAR there) and returns how many BAR slots
 * it used: 2 for a 64-bit memory BAR, else 1. A 64-bit BAR in the last slot (`last_slot`) is
 * malformed: it is reported with size 0 and uses 1 slot.
 */
unsigned pci_bar_decode(uint32_t lo, uint32_t lo_mask, uint32_t hi, uint32_t hi_mask,
                        bool last_slot, struct pci_bar *out);

/* True when BAR value `lo` is a 64-bit memory BAR (it then spans two slots). */
bool pci_bar_is_mem64(uint32_t lo);

/* Reads one byte of a function's configuration space. */
typedef uint8_t (*pci_cfg_read8_fn)(void *ctx, uint16_t off);

/*
 * Offset of the first capability with id `cap_id` in the standard list (status bit 4, pointer at
 * 0x34), or 0 when there is none. The walk is bounded: a pointer below 0x40 ends it, and so does
 * a list longer than the 48 capabilities that fit in 192 bytes (a loop in broken hardware).
 */
uint8_t pci_cap_find(pci_cfg_read8_fn read8, void *ctx, uint8_t cap_id);

#endif
