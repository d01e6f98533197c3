/*
 * Kernel page tables. See paging.h for the layout and the contract.
 *
 * Invariants:
 *  - g_root's PML4 entries 256..511 are present from paging_init() on and never change;
 *  - no leaf mapping is both writable and executable (checked by every mapping path);
 *  - table pages are reached through phys_to_virt(): before the switch the boot tables map
 *    physical 0..1 GiB at KERNEL_VMA, and pmm hands out only frames below 1 GiB until
 *    pmm_late_init(), so every table built here is reachable both before and after;
 *  - g_pt_lock serialises all table edits (kernel half and user roots alike, for now).
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
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull
#define SZ_4G 0x100000000ull
#define EARLY_LIMIT SZ_1G

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];
extern char __boot_stack_guard[];

static uint64_t g_root;
static volatile bool g_live; /* the direct map is in CR3 */
static uint64_t g_nx_mask;   /* PTE_NX when the CPU has NX (the bit is reserved otherwise) */
static uint64_t g_global;    /* PTE_G when CR4.PGE is available */
static bool g_gbpages;
static struct spinlock g_pt_lock = SPINLOCK_INIT;
static uint64_t g_mmio_next = MMIO_BASE;
static uint64_t g_direct_pages[4]; /* index 1: 4 KiB, 2: 2 MiB, 3: 1 GiB */
static uint64_t g_direct_bytes;     /* end of the highest range in the direct map */
static uint64_t g_direct_mapped;    /* bytes the direct map covers */
static uint64_t g_table_pages;      /* frames used by page tables */

static inline unsigned idx(uint64_t va, int level)
{
    return (unsigned)(va >> (12 + 9 * (level - 1))) & 511u;
}

static inline uint64_t level_size(int level)
{
    return 1ull << (12 + 9 * (level - 1));
}

static uint64_t page_down(uint64_t a) { return a & ~(SZ_4K - 1); }
static uint64_t page_up(uint64_t a) { return (a + SZ_4K - 1) & ~(SZ_4K - 1); }

void *phys_to_virt(uint64_t pa)
{
    if (g_live)
        return (void *)(uintptr_t)(PHYS_BASE + pa);
    KASSERT(pa < EARLY_LIMIT);
    return (void *)(uintptr_t)(KERNEL_VMA + pa);
}

static bool canonical(uint64_t va)
{
    return va < USER_TOP || va >= PHYS_BASE;
}

/* Leaf flags as the hardware gets them: NX dropped when unsupported, G on kernel pages. */
static uint64_t hw_flags(uint64_t va, uint64_t flags)
{
    flags |= PTE_P;
    if (!(flags & PTE_NX) || !g_nx_mask)
        flags &= ~PTE_NX;
    if (va >= PHYS_BASE)
        flags |= g_global;
    return flags;
}

/*
 * The entry for va at `level` (1 = 4 KiB PTE, 2 = PD, 3 = PDPT) in root, creating missing
 * tables when `create`. rcAlreadyExists: a large page at *lvl (> level) covers va, *entry is
 * it. rcNotFound: a table is missing and !create. Called with g_pt_lock held (or before SMP).
 */
static Retcode walk(uint64_t root, uint64_t va, int level, bool create, uint64_t **entry, int *lvl)
{
    uint64_t *table = phys_to_virt(root);
    for (int l = 4; l > level; l--) {
        uint64_t *e = &table[idx(va, l)];
        if (!(*e & PTE_P)) {
            if (!create)
                return rcNotFound;
            uint64_t t = pmm_alloc_zeroed(0);
            if (t == 0)
                return rcOutOfMemory;
            g_table_pages++;
            /* Intermediate entries grant everything; the leaf decides W, U and NX. */
            *e = t | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
        } else if (*e & PTE_PS) {
            *entry = e;
            *lvl = l;
            return rcAlreadyExists;
        }
        table = phys_to_virt(*e & PTE_ADDR);
    }
    *entry = &table[idx(va, level)];
    *lvl = level;
    return rcOk;
}

/* Replaces the large page *e (at level lvl) by a table of 512 pages one level down with the
 * same flags. Only used on tables not yet loaded in CR3. */
static Retcode split(uint64_t *e, int lvl)
{
    uint64_t t = pmm_alloc_zeroed(0);
    if (t == 0)
        return rcOutOfMemory;
    g_table_pages++;
    uint64_t *tab = phys_to_virt(t);
    uint64_t base = *e & PTE_ADDR & ~(level_size(lvl) - 1);
    uint64_t fl = *e & ~PTE_ADDR;
    uint64_t child = level_size(lvl - 1);
    for (unsigned i = 0; i < 512; i++)
        tab[i] = (base + i * child) | (lvl - 1 == 1 ? (fl & ~PTE_PS) : fl);
    *e = t | PTE_P | PTE_W | (fl & PTE_U);
    g_direct_pages[lvl]--;
    g_direct_pages[lvl - 1] += 512;
    return rcOk;
}

/*
 * Maps [va, va + size) -> [pa, ...) with the largest pages alignment allows. With `skip`,
 * pages already mapped are left alone (the direct map's passes use that to give RAM priority);
 * without, an existing mapping is rcAlreadyExists.
 */
static Retcode map_range(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, bool skip,
                         bool count)
{
    if ((flags & PTE_W) && !(flags & PTE_NX))
        return rcWxViolation;
    while (size > 0) {
        int level = 1;
        if (g_gbpages && ((va | pa) & (SZ_1G - 1)) == 0 && size >= SZ_1G)
            level = 3;
        else if (((va | pa) & (SZ_2M - 1)) == 0 && size >= SZ_2M)
            level = 2;
        uint64_t *e;
        int lvl;
        for (;;) {
            Retcode rc = walk(root, va, level, true, &e, &lvl);
            if (rc == rcAlreadyExists) {
                if (!skip)
                    return rc;
                break; /* covered by a large page already */
            }
            if (rc != rcOk)
                return rc;
            if ((*e & PTE_P) && level > 1 && !(*e & PTE_PS)) {
                level--; /* a table of smaller pages is there: fill it at its granularity */
                continue;
            }
            if (*e & PTE_P) {
                if (!skip)
                    return rcAlreadyExists;
                break;
            }
            *e = pa | hw_flags(va, flags) | (level > 1 ? PTE_PS : 0);
            if (count) {
                g_direct_pages[level]++;
                g_direct_mapped += level_size(level);
            }
            break;
        }
        uint64_t step = level_size(lvl) - (va & (level_size(lvl) - 1));
        if (step > size)
            step = size;
        va += step;
        pa += step;
        size -= step;
    }
    return rcOk;
}

/* Changes the flags of the direct map over physical [s, e), splitting large pages. */
static void protect_direct(uint64_t s, uint64_t e, uint64_t flags)
{
    for (uint64_t pa = page_down(s); pa < e; pa += SZ_4K) {
        uint64_t *ent;
        int lvl;
        Retcode rc;
        while ((rc = walk(g_root, PHYS_BASE + pa, 1, false, &ent, &lvl)) == rcAlreadyExists) {
            rc = split(ent, lvl);
            if (rc != rcOk)
                panic("paging: cannot split the direct map at %#lx: %s", pa, retcode_name(rc));
        }
        if (rc != rcOk || !(*ent & PTE_P))
            continue;
        *ent = (*ent & PTE_ADDR) | hw_flags(PHYS_BASE + pa, flags);
    }
}

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, const char *what)
{
    Retcode rc = map_range(g_root, va, pa, size, flags, false, false);
    if (rc != rcOk)
        panic("paging: cannot map %s (%#lx..%#lx): %s", what, va, va + size, retcode_name(rc));
}

static void map_image_range(const char *s, const char *e, uint64_t flags, const char *what)
{
    uint64_t va = (uint64_t)(uintptr_t)s, end = (uint64_t)(uintptr_t)e;
    KASSERT(va % SZ_4K == 0 && end % SZ_4K == 0);
    if (end > va)
        map_or_panic(va, va - KERNEL_VMA, end - va, flags, what);
}

static bool is_ram(uint32_t type)
{
    return type == MB2_MEM_AVAILABLE || type == MB2_MEM_ACPI_RECLAIMABLE || type == MB2_MEM_NVS;
}

static void build_direct_map(const struct boot_info *bi)
{
    /* Pass 1: RAM, write-back. Pass 2: every other map entry below 4 GiB and the first MiB,
     * uncached (they may hold device memory; ACPI tables there stay readable). Pass 2 skips
     * what pass 1 did. Non-RAM entries above 4 GiB (e.g. a HyperTransport hole) hold nothing
     * the kernel reads through the direct map; paging_map_mmio serves devices there. */
    for (int pass = 1; pass <= 2; pass++) {
        uint64_t flags = PAGE_KERNEL_RW | (pass == 2 ? PAGE_UNCACHED : 0);
        for (size_t i = 0; i < bi->mmap_count; i++) {
            const struct boot_mmap_entry *m = &bi->mmap[i];
            if (is_ram(m->type) != (pass == 1) || m->length == 0)
                continue;
            uint64_t s = page_down(m->base), e = page_up(m->base + m->length);
            if (pass == 2 && e > SZ_4G)
                e = SZ_4G;
            if (s >= e)
                continue;
            Retcode rc = map_range(g_root, PHYS_BASE + s, s, e - s, flags, true, true);
            if (rc != rcOk)
                panic("paging: cannot direct-map %#lx..%#lx: %s", s, e, retcode_name(rc));
            if (e > g_direct_bytes)
                g_direct_bytes = e;
        }
    }
    Retcode rc = map_range(g_root, PHYS_BASE, 0, 0x100000, PAGE_KERNEL_RW | PAGE_UNCACHED, true, true);
    if (rc != rcOk)
        panic("paging: cannot direct-map the first MiB: %s", retcode_name(rc));
}

/* Expect the leaf for va to be absent (want == 0) or to have exactly the W/NX/P bits of want. */
static void expect(const void *p, uint64_t want, const char *what)
{
    uint64_t pa, fl;
    Retcode rc = paging_query(g_root, (uintptr_t)p, &pa, &fl);
    uint64_t mask = PTE_P | PTE_W | g_nx_mask;
    if (want == 0 ? rc != rcNotFound : (rc != rcOk || (fl & mask) != (want & mask)))
        panic("paging: self-check failed for %s at %p: %s, flags %#lx", what, p, retcode_name(rc), fl);
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
    expect(phys_to_virt((uint64_t)(uintptr_t)__text_start - KERNEL_VMA), PAGE_KERNEL_RO, "direct-map alias of .text");
}

void paging_init(void)
{
    KASSERT(!g_live);
    g_nx_mask = cpu_features.nx ? PTE_NX : 0;
    g_global = cpu_features.pge ? PTE_G : 0;
    g_gbpages = cpu_features.gbpages;
    if (!cpu_features.nx)
        kprintf("paging: WARNING: CPU without NX, data pages stay executable\n");

    g_root = pmm_alloc_zeroed(0);
    if (g_root == 0)
        panic("paging: no frame for the kernel PML4");
    g_table_pages++;
    uint64_t *pml4 = phys_to_virt(g_root);
    for (unsigned i = 256; i < 512; i++) {
        uint64_t t = pmm_alloc_zeroed(0);
        if (t == 0)
            panic("paging: no frame for kernel PDPT %u", i);
        g_table_pages++;
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
    protect_direct((uint64_t)(uintptr_t)__text_start - KERNEL_VMA, (uint64_t)(uintptr_t)__rodata_end - KERNEL_VMA,
                   PAGE_KERNEL_RO);

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
    if (!canonical(va))
        return rcInvalidArgument;
    uint64_t *e;
    int lvl;
    uint64_t irq = spin_lock_irqsave(&g_pt_lock);
    Retcode rc = walk(root, va, 1, false, &e, &lvl);
    uint64_t ent = (rc == rcOk || rc == rcAlreadyExists) ? *e : 0;
    spin_unlock_irqrestore(&g_pt_lock, irq);
    if (rc != rcOk && rc != rcAlreadyExists)
        return rc;
    if (!(ent & PTE_P))
        return rcNotFound;
    uint64_t size = level_size(lvl);
    if (pa != NULL)
        *pa = (ent & PTE_ADDR & ~(size - 1)) + (va & (size - 1));
    if (flags != NULL)
        *flags = ent & ~PTE_ADDR;
    return rcOk;
}

uint64_t virt_to_phys(const void *p)
{
    uint64_t va = (uint64_t)(uintptr_t)p;
    if (va >= KERNEL_VMA)
        return va - KERNEL_VMA;
    if (va >= PHYS_BASE && va - PHYS_BASE < g_direct_bytes)
        return va - PHYS_BASE;
    uint64_t pa;
    if (g_root == 0 || paging_query(g_root, va, &pa, NULL) != rcOk)
        return PADDR_INVALID;
    return pa;
}

Retcode paging_map(uint64_t root, uintptr_t va, uint64_t pa, uint64_t flags)
{
    if (va % SZ_4K != 0 || pa % SZ_4K != 0)
        return rcAlignment;
    if (!canonical(va) || (pa & ~PTE_ADDR) != 0)
        return rcInvalidArgument;
    if ((flags & PTE_U) && va >= USER_TOP)
        return rcInvalidArgument;
    if ((flags & PTE_W) && !(flags & PTE_NX))
        return rcWxViolation;
    flags &= ~(PTE_PS | PTE_ADDR);
    uint64_t *e;
    int lvl;
    uint64_t irq = spin_lock_irqsave(&g_pt_lock);
    Retcode rc = walk(root, va, 1, true, &e, &lvl);
    if (rc == rcOk) {
        if (*e & PTE_P)
            rc = rcAlreadyExists;
        else
            *e = pa | hw_flags(va, flags); /* not-present -> present needs no TLB flush */
    }
    spin_unlock_irqrestore(&g_pt_lock, irq);
    return rc;
}

Retcode paging_unmap(uint64_t root, uintptr_t va, uint64_t *pa)
{
    if (va % SZ_4K != 0)
        return rcAlignment;
    if (!canonical(va))
        return rcInvalidArgument;
    uint64_t *e;
    int lvl;
    uint64_t irq = spin_lock_irqsave(&g_pt_lock);
    Retcode rc = walk(root, va, 1, false, &e, &lvl);
    if (rc == rcAlreadyExists) {
        rc = rcInvalidArgument; /* part of a large page: not ours to punch holes in */
    } else if (rc == rcOk && !(*e & PTE_P)) {
        rc = rcNotFound;
    } else if (rc == rcOk) {
        if (pa != NULL)
            *pa = *e & PTE_ADDR;
        *e = 0;
        if (va >= PHYS_BASE || root == (read_cr3() & PTE_ADDR))
            invlpg(va);
    }
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
    Retcode rc = map_range(g_root, va, start, end - start, PAGE_KERNEL_RW | PAGE_UNCACHED, false, false);
    g_mmio_next = va + (end - start) + SZ_4K; /* even after a failure: never reuse a half-mapped window */
    spin_unlock_irqrestore(&g_pt_lock, irq);
    if (rc != rcOk)
        return NULL;
    return (void *)(uintptr_t)(va + (paddr - start));
}

void paging_print_summary(void)
{
    kprintf("paging: direct map at %#lx: %lu MiB up to %#lx (%lu x 1G, %lu x 2M, %lu x 4K pages), "
            "%lu KiB of page tables\n",
            (uint64_t)PHYS_BASE, g_direct_mapped >> 20, g_direct_bytes, g_direct_pages[3], g_direct_pages[2],
            g_direct_pages[1], g_table_pages * 4);
    kprintf("paging: kernel image W^X at 4 KiB (text RX, rodata R, data/bss RW NX), boot-stack guard %p "
            "unmapped, identity map dropped, NX %s\n",
            (void *)__boot_stack_guard, g_nx_mask ? "on" : "unavailable");
}
