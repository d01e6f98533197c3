/*
 * Physical memory manager. See pmm.h for the contract and the two boot phases.
 *
 * Invariants:
 *  - g_buddy covers frames [0, g_nframes): base 0, so a block of order k is physically
 *    aligned to 2^k pages (2 MiB blocks are 2 MiB aligned, usable as large pages);
 *  - before pmm_late_init() no frame at or above EARLY_LIMIT is free, so every frame handed
 *    out can be reached through the boot mapping (phys_to_virt's early form);
 *  - g_lock protects g_buddy; it is taken with interrupts off because frames may be freed
 *    from interrupt context later (e.g. deferred teardown).
 */
#include "mm/pmm.h"

#include "arch/x86_64/spinlock.h"
#include "boot/multiboot2.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "mm/paging.h"
#include "panic.h"

#define EARLY_LIMIT (1ull << 30) /* the boot tables map physical 0..1 GiB */
#define LOW_LIMIT (1ull << 20)   /* below 1 MiB: firmware and the AP trampoline */
#define MAX_RESERVED (BOOT_MODULES_MAX + 4)

extern char __kernel_virt_start[], __kernel_virt_end[];

struct range {
    uint64_t start, end; /* [start, end), page-aligned outward */
    const char *what;
};

#define PMM_HOT_FRAMES 64u   /* 256 KiB at most left uncoalesced */
static struct buddy g_buddy; /* g_lock; free_pages also read atomically without it */
static struct spinlock g_lock = SPINLOCK_INIT(LOCK_LEVEL_PMM);
static uint64_t g_nframes;
static uint64_t g_meta_phys, g_meta_size;
static uint64_t g_phys_top;
static const struct boot_info *g_bi;
static struct range g_reserved[MAX_RESERVED];
static unsigned g_nreserved;

static uint64_t page_down(uint64_t a)
{
    return a & ~(PAGE_SIZE - 1);
}
static uint64_t page_up(uint64_t a)
{
    return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static void add_reserved(uint64_t start, uint64_t end, const char *what)
{
    KASSERT(g_nreserved < MAX_RESERVED);
    g_reserved[g_nreserved++] = (struct range){page_down(start), page_up(end), what};
}

/* First reserved range overlapping [s, e), or NULL. */
static const struct range *overlap(uint64_t s, uint64_t e)
{
    for (unsigned i = 0; i < g_nreserved; i++)
        if (s < g_reserved[i].end && g_reserved[i].start < e)
            return &g_reserved[i];
    return NULL;
}

/* A page-aligned spot of `size` bytes in available RAM in [LOW_LIMIT, EARLY_LIMIT) that
 * overlaps no reserved range; 0 if there is none. */
static uint64_t find_metadata_home(const struct boot_info *bi, uint64_t size)
{
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const struct boot_mmap_entry *m = &bi->mmap[i];
        if (m->type != MB2_MEM_AVAILABLE)
            continue;
        uint64_t s = page_up(m->base), e = page_down(m->base + m->length);
        if (s < LOW_LIMIT)
            s = LOW_LIMIT;
        if (e > EARLY_LIMIT)
            e = EARLY_LIMIT;
        while (s < e && e - s >= size) {
            const struct range *r = overlap(s, s + size);
            if (r == NULL)
                return s;
            s = r->end;
        }
    }
    return 0;
}

/* Adds the available RAM of bi inside [lo, hi) to the buddy allocator. */
static void add_available(const struct boot_info *bi, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const struct boot_mmap_entry *m = &bi->mmap[i];
        if (m->type != MB2_MEM_AVAILABLE)
            continue;
        uint64_t s = page_up(m->base), e = page_down(m->base + m->length);
        if (s < lo)
            s = lo;
        if (e > hi)
            e = hi;
        if (e > g_nframes * PAGE_SIZE)
            e = g_nframes * PAGE_SIZE;
        if (s >= e)
            continue;
        Retcode rc = buddy_add_free(&g_buddy, s, (e - s) / PAGE_SIZE);
        if (rc == rcAlreadyExists) {
            /* Overlapping "available" entries (seen on some firmware): add page by page. */
            for (uint64_t p = s; p < e; p += PAGE_SIZE)
                (void)buddy_add_free(&g_buddy, p, 1);
        } else if (rc != rcOk) {
            panic("pmm: cannot add RAM %#lx..%#lx: %s", s, e, retcode_name(rc));
        }
    }
}

/* Takes out every reserved range and every non-available map entry (firmware maps that
 * overlap an available entry with a reserved one must lose the RAM, not the firmware). */
static void apply_reservations(const struct boot_info *bi)
{
    uint64_t limit = g_nframes * PAGE_SIZE;
    for (unsigned i = 0; i < g_nreserved; i++) {
        uint64_t s = g_reserved[i].start, e = g_reserved[i].end;
        if (e > limit)
            e = limit;
        if (s < e) {
            Retcode rc = buddy_reserve(&g_buddy, s, (e - s) / PAGE_SIZE);
            if (rc != rcOk)
                panic("pmm: cannot reserve %s %#lx..%#lx: %s", g_reserved[i].what, s, e,
                      retcode_name(rc));
        }
    }
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const struct boot_mmap_entry *m = &bi->mmap[i];
        if (m->type == MB2_MEM_AVAILABLE)
            continue;
        uint64_t s = page_down(m->base), e = page_up(m->base + m->length);
        if (e > limit)
            e = limit;
        if (s < e)
            (void)buddy_reserve(&g_buddy, s, (e - s) / PAGE_SIZE);
    }
}

void pmm_init(const struct boot_info *bi)
{
    KASSERT(bi != NULL);
    g_bi = bi;
    uint64_t top_avail = 0;
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const struct boot_mmap_entry *m = &bi->mmap[i];
        uint64_t end = m->base + m->length;
        if (end > g_phys_top)
            g_phys_top = end;
        if (m->type == MB2_MEM_AVAILABLE && page_down(end) > top_avail)
            top_avail = page_down(end);
    }
    if (top_avail <= LOW_LIMIT)
        panic("pmm: the multiboot2 memory map has no usable RAM above 1 MiB (%zu entries)",
              bi->mmap_count);
    g_nframes = top_avail / PAGE_SIZE;
    if (g_nframes >= BUDDY_NONE)
        g_nframes = BUDDY_NONE - 1; /* 16 TiB of frames: more RAM than the buddy indexes */

    uint64_t kstart = (uint64_t)(uintptr_t)__kernel_virt_start - KERNEL_VMA;
    uint64_t kend = (uint64_t)(uintptr_t)__kernel_virt_end - KERNEL_VMA;
    add_reserved(0, LOW_LIMIT, "low memory (firmware, AP trampoline)");
    add_reserved(kstart, kend, "kernel image");
    if (bi->info_phys != 0)
        add_reserved(bi->info_phys, bi->info_phys + bi->info_size, "multiboot2 information");
    for (size_t i = 0; i < bi->module_count; i++)
        add_reserved(bi->modules[i].start, bi->modules[i].end, "boot module");

    g_meta_size = page_up(buddy_meta_size(g_nframes));
    g_meta_phys = find_metadata_home(bi, g_meta_size);
    if (g_meta_phys == 0)
        panic("pmm: no room below 1 GiB for %lu KiB of page-frame metadata", g_meta_size / 1024);
    add_reserved(g_meta_phys, g_meta_phys + g_meta_size, "page-frame metadata");

    Retcode rc = buddy_init(&g_buddy, 0, g_nframes, phys_to_virt(g_meta_phys), g_meta_size);
    if (rc != rcOk)
        panic("pmm: buddy_init: %s", retcode_name(rc));
    /* Pages come and go a few dozen at a time (a process's tables, stack and data, a VMM.Free):
     * keeping that many freed frames apart saves splitting and merging each (buddy.h). */
    g_buddy.hot_max = PMM_HOT_FRAMES;
    add_available(bi, LOW_LIMIT, EARLY_LIMIT);
    apply_reservations(bi);
    pmm_print_summary();
}

/*
 * Frames process memory may never take: user pages, their page tables and MDL buffers come from
 * pmm_alloc_user(), which stops this many frames short of empty. When processes together have
 * committed more than the machine has (each within its own quota), the kernel's own allocations
 * (call records, message buffers, slabs, the security requests to the KSM) still find memory: a
 * program gets rcOutOfMemory or a fatal fault, and everything else, its output included, goes on.
 * Measured without it: with every frame taken by user memory, every core call that needs a
 * message buffer (DebugWrite, so every printf) failed with rcOutOfMemory, and the machine looked
 * stopped although its sleepers were woken on time. Set once by pmm_late_init().
 */
static uint64_t g_user_reserve;

#define USER_RESERVE_MIN 256u  /* 1 MiB */
#define USER_RESERVE_MAX 2048u /* 8 MiB */

void pmm_late_init(void)
{
    uint64_t flags = spin_lock_irqsave(&g_lock);
    /* The boot mapping is gone: reach the metadata through the direct map from now on. */
    buddy_move_meta(&g_buddy, phys_to_virt(g_meta_phys));
    if (g_nframes * PAGE_SIZE > EARLY_LIMIT) {
        add_available(g_bi, EARLY_LIMIT, g_nframes * PAGE_SIZE);
        apply_reservations(g_bi);
    }
    uint64_t reserve = g_buddy.free_pages / 128;
    g_user_reserve = reserve < USER_RESERVE_MIN   ? USER_RESERVE_MIN
                     : reserve > USER_RESERVE_MAX ? USER_RESERVE_MAX
                                                  : reserve;
    spin_unlock_irqrestore(&g_lock, flags);
}

uint64_t pmm_alloc(unsigned order)
{
    uint64_t pa = 0;
    uint64_t flags = spin_lock_irqsave(&g_lock);
    Retcode rc = buddy_alloc(&g_buddy, order, &pa);
    spin_unlock_irqrestore(&g_lock, flags);
    return rc == rcOk ? pa : 0;
}


uint64_t pmm_user_reserve(void)
{
    return g_user_reserve;
}

uint64_t pmm_alloc_user(bool zeroed)
{
    uint64_t pa = 0;
    bool zero = false;
    Retcode rc = rcOutOfMemory;
    uint64_t flags = spin_lock_irqsave(&g_lock);
    if (g_buddy.free_pages > g_user_reserve)
        rc = zeroed ? buddy_alloc_zeroed(&g_buddy, &pa, &zero) : buddy_alloc(&g_buddy, 0, &pa);
    spin_unlock_irqrestore(&g_lock, flags);
    if (rc != rcOk)
        return 0;
    if (zeroed && !zero)
        memset(phys_to_virt(pa), 0, PAGE_SIZE); /* a known-zero frame is not zeroed twice */
    return pa;
}

uint64_t pmm_alloc_zeroed(unsigned order)
{
    if (order == 0) {
        uint64_t pa = 0;
        bool zero = false;
        uint64_t flags = spin_lock_irqsave(&g_lock);
        Retcode rc = buddy_alloc_zeroed(&g_buddy, &pa, &zero);
        spin_unlock_irqrestore(&g_lock, flags);
        if (rc != rcOk)
            return 0;
        if (!zero)
            memset(phys_to_virt(pa), 0, PAGE_SIZE);
        return pa;
    }
    uint64_t pa = pmm_alloc(order);
    if (pa != 0)
        memset(phys_to_virt(pa), 0, PAGE_SIZE << order);
    return pa;
}

void pmm_free(uint64_t paddr, unsigned order)
{
    uint64_t flags = spin_lock_irqsave(&g_lock);
    Retcode rc = buddy_free(&g_buddy, paddr, order);
    spin_unlock_irqrestore(&g_lock, flags);
    if (rc != rcOk)
        panic("pmm_free(%#lx, order %u): %s (%s)", paddr, order, retcode_name(rc),
              retcode_text(rc));
}

void pmm_free_zeroed(uint64_t paddr)
{
#ifdef BASTION_TEST_HOOKS
    /* The promise the allocator cannot check: a frame handed out as zero without being zeroed
     * must be all zero, or a process would read another's bytes. */
    const uint64_t *w = phys_to_virt(paddr);
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
        if (w[i] != 0)
            panic("pmm_free_zeroed(%#lx): word %u is %#lx, not zero", paddr, i, w[i]);
#endif
    uint64_t flags = spin_lock_irqsave(&g_lock);
    Retcode rc = buddy_free_zeroed(&g_buddy, paddr);
    spin_unlock_irqrestore(&g_lock, flags);
    if (rc != rcOk)
        panic("pmm_free_zeroed(%#lx): %s (%s)", paddr, retcode_name(rc), retcode_text(rc));
}

Retcode pmm_block_order(uint64_t paddr, unsigned *order)
{
    uint64_t flags = spin_lock_irqsave(&g_lock);
    Retcode rc = buddy_block_order(&g_buddy, paddr, order);
    spin_unlock_irqrestore(&g_lock, flags);
    return rc;
}

uint64_t pmm_free_pages(void)
{
    return __atomic_load_n(&g_buddy.free_pages, __ATOMIC_RELAXED);
}
uint64_t pmm_used_pages(void)
{
    return __atomic_load_n(&g_buddy.used_pages, __ATOMIC_RELAXED);
}
uint64_t pmm_reserved_pages(void)
{
    return __atomic_load_n(&g_buddy.reserved_pages, __ATOMIC_RELAXED);
}
uint64_t pmm_total_pages(void)
{
    return g_nframes;
}
uint64_t pmm_phys_top(void)
{
    return g_phys_top;
}
const struct boot_info *pmm_boot_info(void)
{
    return g_bi;
}

void pmm_print_summary(void)
{
    uint64_t ram = 0;
    for (size_t i = 0; g_bi != NULL && i < g_bi->mmap_count; i++)
        if (g_bi->mmap[i].type == MB2_MEM_AVAILABLE)
            ram += g_bi->mmap[i].length;
    kprintf("pmm: %lu MiB usable RAM in %zu map entries; %lu pages free (%lu MiB), %lu used, "
            "%lu reserved; metadata %lu KiB at %#lx\n",
            ram >> 20, g_bi ? g_bi->mmap_count : (size_t)0, pmm_free_pages(), pmm_free_pages() >> 8,
            pmm_used_pages(), pmm_reserved_pages(), g_meta_size >> 10, g_meta_phys);
}
