/*
 * Symmetric multiprocessing: start every application processor the MADT lists.
 *
 * smp_start_aps() runs once on the BSP after timer_init(). It prints "cpu 0 online" for the
 * BSP, then starts all the APs at once with INIT-SIPI-SIPI through the real-mode trampoline
 * at physical 0x8000 (ap_trampoline.asm). Each AP gets its own 16 KiB kernel stack with an
 * unmapped guard page below it, its GDT/TSS/IST stacks and per-CPU data (percpu_init_ap()),
 * enables its LAPIC and timer, prints "cpu <i> online" and idles with interrupts on.
 * Logical indexes are dense: BSP 0, then 1.. in MADT order of the APs that came up.
 */
#ifndef BASTION_ARCH_X86_64_SMP_H
#define BASTION_ARCH_X86_64_SMP_H

#include <stdint.h>

#include "arch/x86_64/percpu.h"

#define SMP_MAX_CPUS MAX_CPUS

/* Physical page of the trampoline (SIPI vector 0x08) and of its temporary page tables. */
#define SMP_TRAMPOLINE_PHYS 0x8000u
#define SMP_TRAMP_PML4_PHYS 0x9000u
#define SMP_TRAMP_PDPT_PHYS 0xA000u
#define SMP_TRAMP_PD_PHYS 0xB000u

/* Kernel stacks of the APs: slot i (1..) at KSTACK_BASE (mm/paging.h) + i * SMP_KSTACK_STRIDE
 * holds an unmapped guard page followed by SMP_KSTACK_PAGES mapped pages. Slots are given in
 * MADT order; an AP's slot and its logical index need not match. */
#define SMP_KSTACK_PAGES 4
#define SMP_KSTACK_STRIDE 0x10000ull

void smp_start_aps(void);

/* CPUs that reported in, the BSP included (1 before smp_start_aps()). */
unsigned smp_online_count(void);

/* APIC id of logical CPU `index`, or UINT32_MAX if no such CPU is online. */
uint32_t smp_apic_id(unsigned index);

#endif
