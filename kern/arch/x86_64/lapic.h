/*
 * The local APIC of each CPU, in xAPIC mode (memory-mapped registers, one 4 KiB page at the
 * physical address IA32_APIC_BASE reports, mapped once through the MMIO window: every CPU sees
 * its own LAPIC at the same address).
 *
 * lapic_init() runs on the BSP after acpi_init() and paging_init(); lapic_init_ap() on each AP
 * after its per-CPU data is up. Both leave the LAPIC software-enabled with TPR 0, LINT0 masked
 * (the 8259 is not used), LINT1 programmed as NMI when the MADT says so, errors reported on
 * LAPIC_ERROR_VECTOR, and the timer masked (timer.c owns it).
 */
#ifndef BASTION_ARCH_X86_64_LAPIC_H
#define BASTION_ARCH_X86_64_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_ERROR_VECTOR 0xFE
#define LAPIC_SPURIOUS_VECTOR 0xFF /* low 4 bits set: required on P6-era LAPICs */

/* Register offsets (Intel SDM vol. 3, "Local APIC register address map"). */
#define LAPIC_REG_ID 0x020
#define LAPIC_REG_VERSION 0x030
#define LAPIC_REG_TPR 0x080
#define LAPIC_REG_EOI 0x0B0
#define LAPIC_REG_SVR 0x0F0
#define LAPIC_REG_ESR 0x280
#define LAPIC_REG_ICR_LO 0x300
#define LAPIC_REG_ICR_HI 0x310
#define LAPIC_REG_LVT_TIMER 0x320
#define LAPIC_REG_LVT_LINT0 0x350
#define LAPIC_REG_LVT_LINT1 0x360
#define LAPIC_REG_LVT_ERROR 0x370
#define LAPIC_REG_TIMER_INIT 0x380
#define LAPIC_REG_TIMER_CUR 0x390
#define LAPIC_REG_TIMER_DIV 0x3E0

#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_LVT_PERIODIC (1u << 17)

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);

/* BSP: map the LAPIC, enable it, install the spurious/error handlers, print id/version. */
void lapic_init(void);
/* AP: enable this CPU's LAPIC the same way (the mapping and handlers are shared). */
void lapic_init_ap(void);

/* This CPU's APIC id (bits 31:24 of the ID register in xAPIC mode). */
uint32_t lapic_id(void);

/* Signal end of interrupt; every LAPIC-delivered handler except the spurious one calls it. */
void lapic_eoi(void);

/*
 * Inter-processor interrupts. Each waits for the previous IPI to leave the ICR first and
 * returns false if the ICR stayed busy (delivery status pending) for a million reads.
 */
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_init_deassert(uint32_t apic_id);
bool lapic_send_sipi(uint32_t apic_id, uint8_t page); /* AP starts at physical page * 4096 */
bool lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* NMI to every other CPU (destination shorthand); false before lapic_init(). Lock-free, so
 * the panic path may use it. */
bool lapic_send_nmi_all_but_self(void);

#endif
