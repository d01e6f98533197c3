/*
 * Virtual memory: x86-64 4-level page tables, the kernel's final address space, and the
 * direct map of physical memory.
 *
 * Kernel half layout (each region owns whole PML4 slots, 512 GiB each):
 *   0xFFFF800000000000  PHYS_BASE   direct map of physical memory (slot 256..), RW, NX
 *   0xFFFFFE0000000000  KSTACK_BASE kernel stacks with guard pages (slot 508, smp.c)
 *   0xFFFFFF0000000000  MMIO_BASE   device windows from paging_map_mmio (slot 510), UC, NX
 *   0xFFFFFFFF80000000  KERNEL_VMA  kernel image, 4 KiB pages, W^X per section (slot 511)
 * User half: below USER_TOP.
 *
 * Every kernel-half PML4 slot gets its PDPT at paging_init() and keeps it forever, so a new
 * address space shares the kernel half by copying PML4 entries 256..511 once
 * (paging_new_root), and later kernel mappings appear in every address space.
 *
 * W^X is enforced for every mapping made through this interface: a writable mapping must be
 * NX (rcWxViolation otherwise).
 *
 * TLB: paging_unmap() invalidates on the calling CPU only; cross-CPU shootdown arrives with
 * user address spaces (until then kernel mappings are only added, never changed, after boot).
 */
#ifndef BASTION_MM_PAGING_H
#define BASTION_MM_PAGING_H

#include <bastion/retcode.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/pagetable.h"

#define KERNEL_VMA 0xFFFFFFFF80000000ull
#define PHYS_BASE 0xFFFF800000000000ull
#define KSTACK_BASE 0xFFFFFE0000000000ull
#define MMIO_BASE 0xFFFFFF0000000000ull
#define MMIO_SIZE (1ull << 39)
#define USER_TOP 0x0000800000000000ull
#define PADDR_INVALID (~0ull)

/* Page-table entry bits PTE_* come from mm/pagetable.h. */

/* Flag sets for paging_map. */
#define PAGE_KERNEL_RW (PTE_P | PTE_W | PTE_NX)
#define PAGE_KERNEL_RO (PTE_P | PTE_NX)
#define PAGE_KERNEL_RX (PTE_P)
#define PAGE_USER_RW (PTE_P | PTE_U | PTE_W | PTE_NX)
#define PAGE_USER_RO (PTE_P | PTE_U | PTE_NX)
#define PAGE_USER_RX (PTE_P | PTE_U)
#define PAGE_UNCACHED (PTE_PCD | PTE_PWT)

/*
 * Builds the final kernel address space from the memory map pmm_init() saw: direct map
 * (2 MiB / 1 GiB pages where alignment allows; RAM write-back, other map entries and the
 * first MiB uncached), kernel image at 4 KiB granularity with text RX, rodata R, data/bss RW
 * (NX), the boot stack's guard page unmapped; no identity map. Switches CR3 to it, then calls
 * pmm_late_init(). Runs once on the BSP, after pmm_init(), before any other CPU starts.
 */
void paging_init(void);

/* Physical address of the kernel's PML4 (what every CPU loads into CR3). */
uint64_t paging_kernel_root(void);

/* Direct-map translation. Before paging_init() (boot tables) only physical 0..1 GiB works. */
void *phys_to_virt(uint64_t pa);
/* Kernel virtual address to physical: image, direct map, or a table walk; PADDR_INVALID if
 * unmapped. */
uint64_t virt_to_phys(const void *va);

/*
 * Maps one 4 KiB page va -> pa of the kernel half in the address space `root` (a PML4's
 * physical address) with `flags` (PTE_* bits; PTE_P is implied). Intermediate tables come from
 * the pmm, uncharged. rcAlignment: va or pa not page-aligned. rcInvalidArgument: a user-half or
 * non-canonical va (user halves are mapped by mm/aspace.c, which charges their tables to the
 * process), or a user flag. rcWxViolation: writable and executable. rcAlreadyExists: va is
 * mapped. rcOutOfMemory: no frame for a table.
 */
Retcode paging_map(uint64_t root, uintptr_t va, uint64_t pa, uint64_t flags);

/* Fills the parts of a pt_ctx for a user half that come from the CPU (NX) and the direct map
 * (table_virt); the caller sets alloc_table, free_table and arg. */
void paging_user_ctx(struct pt_ctx *ctx);

/* Removes the 4 KiB mapping of va; *pa (may be NULL) gets the frame it mapped.
 * rcNotFound: not mapped. rcInvalidArgument: va lies in a large page (direct map). */
Retcode paging_unmap(uint64_t root, uintptr_t va, uint64_t *pa);

/* Translation of va in root: physical address and the leaf entry's flags. rcNotFound. */
Retcode paging_query(uint64_t root, uintptr_t va, uint64_t *pa, uint64_t *flags);

/* A new PML4 whose kernel half is the kernel's (user half empty). rcOutOfMemory. */
Retcode paging_new_root(uint64_t *root);

/* Maps [paddr, paddr + size) uncached, RW, NX in the MMIO window; returns the virtual address
 * of paddr (the in-page offset kept), or NULL when the window or memory is exhausted.
 * Mappings are permanent. Safe on any CPU. */
void *paging_map_mmio(uint64_t paddr, size_t size);

/* Prints the layout and how many pages of each size back the direct map. */
void paging_print_summary(void);

#endif
