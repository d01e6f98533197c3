/*
 * Kernel page tables. See paging.h for the layout and the contract; the table operations
 * themselves are mm/pagetable.c (host tested).
 *
 * Invariants:
 *  - g_root's PML4 entries 256..511 are present from paging_init() on and never change;
 *  - no leaf mapping is both writable and executable (pagetable.c refuses it);
 *  - table pages are reached through phys_to_virt(): before the switch the boot tables map
 *    physical 0..1 GiB at KERNEL_VMA, and pmm hands out only frames below 1 GiB until
 *    pmm_late_init(), so every table built here is reachable both before and after;
 *  - g_pt_lock serialises all edits of kernel-half tables. User halves are edited only by
 *    mm/aspace.c, under the address space's own lock, through a context of its own whose
 *    tables are charged to the process (paging_map refuses user addresses, so no uncharged
 *    table can enter a user half).
 */
#include "mm/paging.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "boot/multiboot2.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "panic.h"

#define SZ_4K 0x1000ull
#define SZ_1G 0x40000000ull
#define SZ_4G 0x100000000ull
#define EARLY_LIMIT SZ_1G

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];
extern char __boot_stack_guard[];

static uint64_t g_root;
static volatile bool g_live; /* the direct map is in CR3 */
static struct spinlock g_pt_lock = SPINLOCK_INIT(LOCK_LEVEL_KERNEL_PT);
static uint64_t g_mmio_next = MMIO_BASE; /* g_pt_lock, as are the kernel's page tables */
static uint64_t g_direct_end;            /* end of the highest range in the direct map */
static uint64_t g_direct_mapped;         /* bytes the direct map covers */

static Retcode kernel_alloc_table(void *arg, uint64_t *pa)
{
    (void)arg;
    *pa = pmm_alloc_zeroed(0);
    return *pa != 0 ? rcOk : rcOutOfMemory;
}

static void *kernel_table_virt(void *arg, uint64_t pa)
{
    (void)arg;
    return phys_to_virt(pa);
}

static struct pt_ctx g_ctx = {.alloc_table = kernel_alloc_table, .table_virt = kernel_table_virt};

static uint64_t page_down(uint64_t a)
{
    return a & ~(SZ_4K - 1);
}
static uint64_t page_up(uint64_t a)
{
    return (a + SZ_4K - 1) & ~(SZ_4K - 1);
}

void *phys_to_virt(uint64_t pa)
{
    if (g_live)
        return (void *)(uintptr_t)(PHYS_BASE + pa);
    KASSERT(pa < EARLY_LIMIT);
    return (void *)(uintptr_t)(KERNEL_VMA + pa);
}

static void map_image_range(const char *s, const char *e, uint64_t flags, const char *what)
{
    uint64_t va = (uint64_t)(uintptr_t)s, end = (uint64_t)(uintptr_t)e;
    KASSERT(va % SZ_4K == 0 && end % SZ_4K == 0);
    if (end <= va)
        return;
    Retcode rc = pt_map_range(&g_ctx, g_root, va, va - KERNEL_VMA, end - va, flags, 0);
    if (rc != rcOk)
        panic("paging: cannot map %s (%#lx..%#lx): %s", what, va, end, retcode_name(rc));
}

static bool is_ram(uint32_t type)
{
    return type == MB2_MEM_AVAILABLE || type == MB2_MEM_ACPI_RECLAIMABLE || type == MB2_MEM_NVS;
}

static void direct_map(uint64_t s, uint64_t e, uint64_t flags)
{
    uint64_t before =
        g_ctx.leaves[1] * SZ_4K + g_ctx.leaves[2] * pt_level_size(2) + g_ctx.leaves[3] * SZ_1G;
    Retcode rc =
        pt_map_range(&g_ctx, g_root, PHYS_BASE + s, s, e - s, flags, PT_SKIP_MAPPED | PT_COUNT);
    if (rc != rcOk)
        panic("paging: cannot direct-map %#lx..%#lx: %s", s, e, retcode_name(rc));
    g_direct_mapped += g_ctx.leaves[1] * SZ_4K + g_ctx.leaves[2] * pt_level_size(2) +
                       g_ctx.leaves[3] * SZ_1G - before;
    if (e > g_direct_end)
        g_direct_end = e;
}

/*
 * Pass 1: RAM, write-back. Pass 2: every other map entry below 4 GiB and the first MiB,
 * uncached (they may hold device memory; ACPI tables there stay readable). Pass 2 skips what
 * pass 1 mapped. Non-RAM entries above 4 GiB (e.g. a HyperTransport hole) hold nothing the
 * kernel reads through the direct map; paging_map_mmio serves devices there.
 */
static void build_direct_map(const struct boot_info *bi)
{
    for (int pass = 1; pass <= 2; pass++) {
        uint64_t flags = PAGE_KERNEL_RW | (pass == 2 ? PAGE_UNCACHED : 0);
        for (size_t i = 0; i < bi->mmap_count; i++) {
            const struct boot_mmap_entry *m = &bi->mmap[i];
            if (is_ram(m->type) != (pass == 1) || m->length == 0)
                continue;
            uint64_t s = page_down(m->base), e = page_up(m->base + m->length);
            if (pass == 2 && e > SZ_4G)
                e = SZ_4G;
            if (s < e)
                direct_map(s, e, flags);
        }
    }
    direct_map(0, 0x100000, PAGE_KERNEL_RW | PAGE_UNCACHED);
}

/* Expect the leaf for va to be absent (want == 0) or to have exactly the P/W/NX bits of want. */
static void expect(const void *p, uint64_t want, const char *what)
{
    uint64_t pa = 0, fl = 0;
    Retcode rc = pt_query(&g_ctx, g_root, (uintptr_t)p, &pa, &fl);
    uint64_t mask = PTE_P | PTE_W | g_ctx.nx_mask;
    if (want == 0 ? rc != rcNotFound : (rc != rcOk || (fl & mask) != (want & mask)))
        panic("paging: self-check failed for %s at %p: %s, flags %#lx", what, p, retcode_name(rc),
              fl);
}

/* Verifies the W^X layout just built, so a linker-script or mapping change cannot silently
 * weaken it: text RX, rodata R NX, data RW NX, guard page absent, identity map gone, the
 * direct map's alias of the text read-only. */
static void paging_selfcheck(void)
{
    expect(__text_start, PAGE_KERNEL_RX, "kernel .text");
    expect(__rodata_start, PAGE_KERNEL_RO, "kernel .rodata");
    expect(__data_start, PAGE_KERNEL_RW, "kernel .data");
    expect(__boot_stack_guard + SZ_4K, PAGE_KERNEL_RW, "boot stack");
    expect(__boot_stack_guard, 0, "boot stack guard page");
    expect((const void *)(uintptr_t)0x200000, 0, "identity map");
    expect(phys_to_virt((uint64_t)(uintptr_t)__text_start - KERNEL_VMA), PAGE_KERNEL_RO,
           "direct-map alias of .text");
}

void paging_init(void)
{
    KASSERT(!g_live);
    g_ctx.nx_mask = cpu_features.nx ? PTE_NX : 0;
    g_ctx.global = cpu_features.pge ? PTE_G : 0;
    g_ctx.gbpages = cpu_features.gbpages;
    if (!cpu_features.nx)
        kprintf("paging: WARNING: CPU without NX, data pages stay executable\n");

    g_root = pmm_alloc_zeroed(0);
    if (g_root == 0)
        panic("paging: no frame for the kernel PML4");
    g_ctx.tables++;
    uint64_t *pml4 = phys_to_virt(g_root);
    for (unsigned i = 256; i < 512; i++) {
        uint64_t t = pmm_alloc_zeroed(0);
        if (t == 0)
            panic("paging: no frame for kernel PDPT %u", i);
        g_ctx.tables++;
        pml4[i] = t | PTE_P | PTE_W;
    }

    const struct boot_info *bi = pmm_boot_info();
    KASSERT(bi != NULL);
    build_direct_map(bi);

    /* Kernel image at 4 KiB granularity, W^X per section. */
    map_image_range(__text_start, __text_end, PAGE_KERNEL_RX, "kernel .text");
    map_image_range(__rodata_start, __rodata_end, PAGE_KERNEL_RO, "kernel .rodata");
    map_image_range(__data_start, __data_end, PAGE_KERNEL_RW, "kernel .data");
    KASSERT((uintptr_t)__boot_stack_guard >= (uintptr_t)__bss_start &&
            (uintptr_t)__boot_stack_guard + SZ_4K <= (uintptr_t)__bss_end);
    map_image_range(__bss_start, __boot_stack_guard, PAGE_KERNEL_RW, "kernel .bss");
    map_image_range(__boot_stack_guard + SZ_4K, __bss_end, PAGE_KERNEL_RW, "kernel .bss");
    /* The direct map's alias of code and constants is read-only too: W^X holds per frame. */
    uint64_t ro_start = (uint64_t)(uintptr_t)__text_start - KERNEL_VMA;
    uint64_t ro_end = (uint64_t)(uintptr_t)__rodata_end - KERNEL_VMA;
    Retcode rc =
        pt_protect(&g_ctx, g_root, PHYS_BASE + ro_start, ro_end - ro_start, PAGE_KERNEL_RO);
    if (rc != rcOk)
        panic("paging: cannot make the direct map of the kernel image read-only: %s",
              retcode_name(rc));

    write_cr3(g_root); /* the identity map and the boot tables' 1 GiB alias are gone */
    g_live = true;
    pmm_late_init();
    paging_selfcheck();
    paging_print_summary();
}

uint64_t paging_kernel_root(void)
{
    return g_root;
}

Retcode paging_query(uint64_t root, uintptr_t va, uint64_t *pa, uint64_t *flags)
{
    uint64_t irq = spin_lock_irqsave(&g_pt_lock);
    Retcode rc = pt_query(&g_ctx, root, va, pa, flags);
    spin_unlock_irqrestore(&g_pt_lock, irq);
    return rc;
}

uint64_t virt_to_phys(const void *p)
{
    uint64_t va = (uint64_t)(uintptr_t)p;
    if (va >= KERNEL_VMA)
        return va - KERNEL_VMA;
    if (va >= PHYS_BASE && va - PHYS_BASE < g_direct_end)
        return va - PHYS_BASE;
    uint64_t pa;
    if (g_root == 0 || paging_query(g_root, va, &pa, NULL) != rcOk)
        return PADDR_INVALID;
    return pa;
}

void paging_user_ctx(struct pt_ctx *ctx)
{
    ctx->table_virt = kernel_table_virt;
    ctx->nx_mask = g_ctx.nx_mask;
    ctx->global = 0;
    ctx->gbpages = false;
}

Retcode paging_map(uint64_t root, uintptr_t va, uint64_t pa, uint64_t flags)
{
    if (va < USER_TOP)
        return rcInvalidArgument; /* user halves: mm/aspace.c, which charges their tables */
    /* A new leaf over a not-present entry needs no TLB flush (SDM vol. 3, 4.10.4.3). */
    uint64_t irq = spin_lock_irqsave(&g_pt_lock);
    Retcode rc = pt_map_range(&g_ctx, root, va, pa, SZ_4K, flags, 0);
    spin_unlock_irqrestore(&g_pt_lock, irq);
    return rc;
}

Retcode paging_unmap(uint64_t root, uintptr_t va, uint64_t *pa)
{
    uint64_t irq = spin_lock_irqsave(&g_pt_lock);
    Retcode rc = pt_unmap(&g_ctx, root, va, pa);
    if (rc == rcOk && (va >= PHYS_BASE || root == (read_cr3() & PTE_ADDR)))
        invlpg(va);
    spin_unlock_irqrestore(&g_pt_lock, irq);
    return rc;
}

Retcode paging_new_root(uint64_t *root)
{
    if (root == NULL)
        return rcInvalidArgument;
    uint64_t r = pmm_alloc_zeroed(0);
    if (r == 0)
        return rcOutOfMemory;
    uint64_t *dst = phys_to_virt(r);
    const uint64_t *src = phys_to_virt(g_root);
    for (unsigned i = 256; i < 512; i++)
        dst[i] = src[i];
    *root = r;
    return rcOk;
}

void *paging_map_mmio(uint64_t paddr, size_t size)
{
    KASSERT(g_live);
    if (size == 0 || paddr + size < paddr)
        return NULL;
    uint64_t start = page_down(paddr), end = page_up(paddr + size);
    uint64_t irq = spin_lock_irqsave(&g_pt_lock);
    uint64_t va = g_mmio_next;
    /* One unmapped page after each window catches a driver running off its registers. */
    if (end - start + SZ_4K > MMIO_BASE + MMIO_SIZE - va) {
        spin_unlock_irqrestore(&g_pt_lock, irq);
        return NULL;
    }
    Retcode rc =
        pt_map_range(&g_ctx, g_root, va, start, end - start, PAGE_KERNEL_RW | PAGE_UNCACHED, 0);
    g_mmio_next =
        va + (end - start) + SZ_4K; /* even after a failure: never reuse a half-mapped window */
    spin_unlock_irqrestore(&g_pt_lock, irq);
    if (rc != rcOk)
        return NULL;
    return (void *)(uintptr_t)(va + (paddr - start));
}

void paging_print_summary(void)
{
    kprintf("paging: direct map at %#lx: %lu MiB up to %#lx (%lu x 1G, %lu x 2M, %lu x 4K pages), "
            "%lu KiB of page tables\n",
            (uint64_t)PHYS_BASE, g_direct_mapped >> 20, g_direct_end, g_ctx.leaves[3],
            g_ctx.leaves[2], g_ctx.leaves[1], g_ctx.tables * 4);
    kprintf("paging: kernel image W^X at 4 KiB (text RX, rodata R, data/bss RW NX), boot-stack "
            "guard %p "
            "unmapped, identity map dropped, NX %s\n",
            (void *)__boot_stack_guard, g_ctx.nx_mask ? "on" : "unavailable");
}
