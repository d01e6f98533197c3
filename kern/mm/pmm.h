/*
 * Physical memory manager: the buddy allocator (mm/buddy.h) over the multiboot2 memory map.
 *
 * Frames are identified by physical address. Never handed out: everything below 1 MiB (BIOS
 * data, EBDA, the AP trampoline at 0x8000), the kernel image, the GRUB modules, the multiboot2
 * information, the allocator's own metadata, and every range the memory map does not call
 * "available". Physical address 0 is therefore never a valid allocation, which is why
 * pmm_alloc() can use 0 for "no memory".
 *
 * Two phases. pmm_init() runs while only the boot page tables exist (physical 0..1 GiB mapped
 * at KERNEL_VMA): it hands out frames below 1 GiB only. paging_init() builds the direct map,
 * then calls pmm_late_init(), which adds the RAM above 1 GiB.
 *
 * All functions are safe on any CPU (one spinlock, taken with interrupts off).
 */
#ifndef BASTION_MM_PMM_H
#define BASTION_MM_PMM_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define PMM_MAX_ORDER 10 /* = BUDDY_MAX_ORDER: 4 MiB blocks */

struct boot_info;

/* Builds the allocator from bi's memory map and prints one summary line. Panics (naming the
 * reason) when the map has no usable RAM or no room for the metadata. bi must stay alive until
 * pmm_late_init() (kmain keeps it static). */
void pmm_init(const struct boot_info *bi);

/* Called once by paging_init() after the direct map is live: moves the metadata pointer to
 * the direct map and adds RAM above 1 GiB. */
void pmm_late_init(void);

/* 2^order contiguous frames, aligned to their size; returns the physical address or 0. */
uint64_t pmm_alloc(unsigned order);
/* Same, filled with zeros (through phys_to_virt). */
uint64_t pmm_alloc_zeroed(unsigned order);
/* One frame for process memory (user pages, their page tables, MDL buffers), zeroed if asked;
 * 0 once the free frames are down to pmm_user_reserve(): the rest is kept for the kernel's own
 * allocations, so that running out of memory fails process requests and never the kernel's
 * (pmm_free frees it). */
uint64_t pmm_alloc_user(bool zeroed);
uint64_t pmm_user_reserve(void);
/* Frees a block from pmm_alloc with its order. A foreign address, double free or wrong order
 * is a kernel bug: it panics with the buddy allocator's Retcode name. */
void pmm_free(uint64_t paddr, unsigned order);
/* Frees one frame the caller knows to be all zero (a page table whose entries were all
 * cleared): a zeroed allocation may take it without zeroing it again (buddy.h, known-zero hot
 * frames). The test kernel checks every word of it and panics on one that is not. */
void pmm_free_zeroed(uint64_t paddr);
/* Order of the allocated block starting at paddr (rcNotFound if none). */
Retcode pmm_block_order(uint64_t paddr, unsigned *order);

uint64_t pmm_free_pages(void);
uint64_t pmm_used_pages(void);     /* allocated through pmm_alloc */
uint64_t pmm_reserved_pages(void); /* never allocatable (see above), holes included */
uint64_t pmm_total_pages(void);    /* frames covered: up to the end of the highest usable RAM */
/* Physical end of the highest memory-map entry of any type (what the direct map spans). */
uint64_t pmm_phys_top(void);

void pmm_print_summary(void);

/* The boot information pmm_init() was given (paging_init() maps its memory map). */
const struct boot_info *pmm_boot_info(void);

#endif
