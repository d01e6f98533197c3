/*
 * I/O APICs: where device interrupts (global system interrupts, GSIs) enter. ioapic_init()
 * maps every IOAPIC the MADT lists, masks every pin, and retires the legacy 8259 PICs
 * (remapped to vectors 0x20..0x2F so a stray one cannot look like an exception, then masked).
 * Drivers route an interrupt with ioapic_route_isa_irq() (applies the MADT's interrupt source
 * overrides: ISA IRQ 0 is GSI 2 on most PCs, some IRQs are level/active-low) or
 * ioapic_route_gsi().
 *
 * Vector convention: GSI n uses IOAPIC_VECTOR_BASE + n for the first IOAPIC_MAX_ROUTED GSIs.
 */
#ifndef BASTION_ARCH_X86_64_IOAPIC_H
#define BASTION_ARCH_X86_64_IOAPIC_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stdint.h>

#define PIC_VECTOR_BASE 0x20
#define IOAPIC_VECTOR_BASE 0x30
#define IOAPIC_MAX_ROUTED 24

/* BSP, after acpi_init() and lapic_init(); interrupts off. */
void ioapic_init(void);

/* Number of GSIs served by all IOAPICs together (0 without an IOAPIC). */
unsigned ioapic_gsi_count(void);

/*
 * Deliver GSI `gsi` as `vector` to the CPU with APIC id `dest`, with the polarity/trigger of
 * the ACPI INTI `flags` (bus defaults are ISA's: edge, active high), and unmask it.
 * rcNotFound: no IOAPIC serves that GSI. rcInvalidArgument: vector below 0x20.
 */
Retcode ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest, uint16_t flags);

/* The same for ISA IRQ `irq`, after the MADT's overrides. */
Retcode ioapic_route_isa_irq(uint8_t irq, uint8_t vector, uint32_t dest);

/* Mask or unmask one GSI. rcNotFound: no IOAPIC serves it. */
Retcode ioapic_set_masked(uint32_t gsi, bool masked);

#endif
