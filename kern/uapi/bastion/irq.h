/*
 * How IO.RegisterIrq's `irq` number names an interrupt (docs/drivers.md "## Interrupts").
 *
 *   0x00000000 .. 0x000000FF   the global system interrupt (GSI) of a PCI function's legacy
 *                              INTx line, as the IOAPIC sees it
 *   0x80000000 | bdf << 8 | i  message i of the MSI capability of PCI function bdf
 *                              (bus << 8 | device << 3 | function); i must be 0: the kernel
 *                              gives each function one MSI vector
 *
 * Bits 24..30 of an MSI number are reserved (zero). The same numbers name the interrupt in a
 * policy's conditions on RegisterIrq, so a rule can allow exactly one device's interrupt.
 * AttachIrq's `flags` are reserved (0): the kernel knows each line's trigger from ACPI and PCI.
 */
#ifndef BASTION_IRQ_H
#define BASTION_IRQ_H

#include <stdint.h>

#define BASTION_IRQ_MSI_FLAG 0x80000000u
#define BASTION_IRQ_MSI_RESERVED 0x7F000000u
#define BASTION_IRQ_GSI_MAX 0xFFu

/* The number of INTx line `gsi`, and of MSI message `index` of PCI function `bdf`. */
#define BASTION_IRQ_INTX(gsi) ((uint32_t)(gsi))
#define BASTION_IRQ_MSI(bdf, index) \
    (BASTION_IRQ_MSI_FLAG | (uint32_t)(uint16_t)(bdf) << 8 | (uint32_t)(uint8_t)(index))

#endif
