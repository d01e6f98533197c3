/* User address spaces (see aspace.h). */
#include "mm/aspace.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/usermode.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "obj/account.h"
#include "obj/kobj.h"
#include "panic.h"
#include "proc/thread.h"
#include "sched/preempt.h"

#define PCID_COUNT 128 /* PCIDs 1..127 for address spaces, 0 for the kernel */
#define CR3_NOFLUSH (1ull << 63)
#define TLB_SHOOTDOWN_VECTOR 0xF2

#define ASPACE_MAGIC 0x41535043u /* "ASPC"; cleared by aspace_destroy */

/* Software bit of a user leaf (ignored by the CPU): the frame is not owned by this address
 * space. Unmapping and teardown never free such a frame, and it is not counted in `resident`.
 * Its owner is the object behind its VR_SHARED region (an MDL, whose reference the region holds
 * until the translation is gone on every CPU), or the boot image (PTE_IMAGE below). */
#define PTE_NOT_OWNED (1ull << 9)

/* A non-present user entry (the CPU ignores every other bit of it) that stands for a committed
 * page not backed yet. Commit writes it, so that the tables a committed page will need exist,
 * and are charged, from Commit on: the demand fault then never needs a table, and running out
 * of quota is Commit's rcQuotaExceeded, not a fatal fault later. It also keeps the table's
 * entry count up (mm/pagetable.h), so a table lives exactly while some page in it is committed
 * or mapped. */
#define PTE_COMMITTED (1ull << 10)

/* Software bit of a user leaf, always with PTE_NOT_OWNED: the frame is a page of the boot
 * image (a program's read-only page mapped in place by the loader, aspace_map_image), shared by
 * every process that runs the program and never freed (the boot volume lives as long as the
 * kernel). Its region is committed and marked VR_IMAGE_PAGES, but the page is not charged:
 * `committed` leaves it out, and unmapping it (leaf_cleared counts it in image_cleared) gives
 * nothing back. Never writable: reprotect_range keeps W off it whatever the region says
 * (vr_protect refuses first: rcImageReadOnly), back_page refuses it to aspace_write, and a
 * write to it from user mode is a protection fault, which serve_demand never serves. Not a
 * shared-memory frame for futex keys either (aspace_shared_phys): nobody writes it. */
#define PTE_IMAGE (1ull << 11)

/* root, id, pcid and the accounts are fixed; cpus_ever is atomic; every other field: lock. */
struct aspace {
    uint32_t magic;
    struct spinlock lock;
    uint64_t root;
    uint64_t id; /* unique for the kernel's lifetime */
    uint16_t pcid;
    struct kmem_account *ram;  /* committed pages and every table frame, root included */
    struct kmem_account *kmem; /* this object and the region records */
    struct pt_ctx pt;          /* the user half's tables (alloc charges ram) */
    uint64_t dead_tables;      /* emptied tables waiting for the shootdown (linked through
                                    * their entry 0, which has PTE_P clear) */
    uint64_t dead_frames;      /* unmapped user frames waiting for it too (linked through
                                    * their first word) */
    struct vr_map map;
    uint64_t committed;     /* pages charged (committed pages but the image's, PTE_IMAGE) */
    uint64_t resident;      /* pages backed by frames of its own */
    uint64_t image_cleared; /* PTE_IMAGE leaves cleared since the caller last reset it */
    uint64_t cpus_ever;     /* bit i: CPU i loaded it (may cache its translations) */
};

static struct kmem_cache *aspace_cache;
static uint64_t next_id = 1;
static bool pcid_on;

/* Per CPU, touched only by that CPU with interrupts off. */
static struct aspace *cpu_as[MAX_CPUS];
static uint64_t pcid_owner[MAX_CPUS][PCID_COUNT];

/* One shootdown at a time. */
static struct spinlock shoot_lock = SPINLOCK_INIT(LOCK_LEVEL_SHOOTDOWN);
static volatile uint64_t shoot_id;      /* shoot_lock; read by the other CPUs' IPI handler */
static volatile uint16_t shoot_pcid;    /* shoot_lock, as shoot_id */
static volatile uint32_t shoot_pending; /* set under shoot_lock; counted down atomically */

static void as_lock(struct aspace *as)
{
    sched_preempt_disable();
    spin_lock(&as->lock);
}

static void as_unlock(struct aspace *as)
{
    spin_unlock(&as->lock);
    sched_preempt_enable();
}

uint64_t aspace_root(const struct aspace *as)
{
    return as->root;
}
uint64_t aspace_committed_pages(const struct aspace *as)
{
    return as->committed;
}
uint64_t aspace_resident_pages(const struct aspace *as)
{
    return as->resident;
}

/* Region records are kernel heap objects the process causes: its kernel-memory account pays
 * for them, so a loop of reservations stops at rcQuotaExceeded (and the region list, whose
 * lookups are linear, stays as short as the quota allows). */
static Retcode vr_alloc_cb(void *ctx, size_t n, void **out)
{
    struct aspace *as = ctx;
    Retcode rc = rcOk;
    *out = kmalloc_charged(n, as->kmem, &rc);
    return rc;
}

static void vr_free_cb(void *ctx, void *p)
{
    struct aspace *as = ctx;
    kfree_charged(p, as->kmem);
}

/*
 * Page tables are charged to the RAM account, not to kernel memory: they are whole frames
 * from the page allocator, the pool the RAM limit exists to bound (a process that spreads
 * pages 1 GiB apart needs two tables per page, so uncharged tables let it take all of RAM for
 * a charge of one page). Kernel-memory limits are sized for heap objects, in KiB, and the
 * number of tables a space needs depends on where ASLR puts its regions.
 */
static Retcode table_alloc(void *arg, uint64_t *pa)
{
    struct aspace *as = arg;
    Retcode rc = kmem_charge(as->ram, PAGE_SIZE);
    if (rc != rcOk)
        return rc;
    *pa = pmm_alloc_user(true);
    if (*pa == 0) {
        kmem_uncharge(as->ram, PAGE_SIZE);
        return rcOutOfMemory;
    }
    return rcOk;
}

/* as locked. An emptied table waits on dead_tables until release_tables (after a shootdown):
 * another CPU may still walk it through its paging-structure caches. */
static void table_free(void *arg, uint64_t pa)
{
    struct aspace *as = arg;
    *(uint64_t *)phys_to_virt(pa) = as->dead_tables; /* bit 0 clear: a not-present entry */
    as->dead_tables = pa;
}

/* Every CPU has dropped this space's cached translations since the tables went dead. */
static void release_tables(struct aspace *as)
{
    while (as->dead_tables) {
        uint64_t pa = as->dead_tables;
        uint64_t *first = phys_to_virt(pa);
        as->dead_tables = *first;
        /* A table dies when its count of entries reaches 0 (pt_clear_range): every entry is
         * zero but the link word, so with that cleared the next table or demand-zero page may
         * take the frame without zeroing its 4 KiB again (pmm_free_zeroed; the test kernel
         * checks every word). */
        *first = 0;
        pmm_free_zeroed(pa);
        kmem_uncharge(as->ram, PAGE_SIZE);
    }
    /* Their charge went back with the commit state (decommit, free). */
    while (as->dead_frames) {
        uint64_t pa = as->dead_frames;
        as->dead_frames = *(uint64_t *)phys_to_virt(pa);
        pmm_free(pa, 0);
    }
}

Retcode aspace_create(struct kmem_account *ram, struct kmem_account *kmem, struct aspace **out)
{
    Retcode rc = rcOk;
    struct aspace *as = kmem_cache_alloc_charged(aspace_cache, kmem, &rc);
    if (!as)
        return rc;
    memset(as, 0, sizeof *as);
    rc = kmem_charge(ram, PAGE_SIZE); /* the root table */
    if (rc == rcOk && paging_new_root(&as->root) != rcOk) {
        kmem_uncharge(ram, PAGE_SIZE);
        rc = rcOutOfMemory;
    }
    if (rc != rcOk) {
        kmem_cache_free_charged(aspace_cache, as, kmem);
        return rc;
    }
    spin_init(&as->lock, LOCK_LEVEL_ASPACE);
    as->magic = ASPACE_MAGIC;
    as->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
    as->pcid = (uint16_t)(1 + as->id % (PCID_COUNT - 1));
    as->ram = ram;
    as->kmem = kmem;
    paging_user_ctx(&as->pt);
    as->pt.alloc_table = table_alloc;
    as->pt.free_table = table_free;
    as->pt.arg = as;
    vr_init(&as->map, ASPACE_USER_LO, ASPACE_USER_HI, vr_alloc_cb, vr_free_cb, as);
    *out = as;
    return rcOk;
}

uint64_t aspace_table_pages(const struct aspace *as)
{
    return as->pt.tables;
}

uint64_t aspace_region_count(struct aspace *as)
{
    as_lock(as);
    uint64_t n = vr_count(&as->map);
    as_unlock(as);
    return n;
}

/* ---- Page-table walking over the user half (4 KiB pages only, tables from paging_map). ---- */

static uint64_t *table(uint64_t entry)
{
    return phys_to_virt(entry & PTE_ADDR);
}

/* The PTE of va, or NULL if an upper level is missing; *skip gets the bytes to the next
 * address whose tables may exist (at least one page). */
static uint64_t *pte_of(uint64_t root, uint64_t va, uint64_t *skip)
{
    uint64_t *l4 = phys_to_virt(root);
    uint64_t e = l4[(va >> 39) & 511];
    if (!(e & PTE_P)) {
        *skip = (1ull << 39) - (va & ((1ull << 39) - 1));
        return NULL;
    }
    e = table(e)[(va >> 30) & 511];
    if (!(e & PTE_P)) {
        *skip = (1ull << 30) - (va & ((1ull << 30) - 1));
        return NULL;
    }
    e = table(e)[(va >> 21) & 511];
    if (!(e & PTE_P)) {
        *skip = (1ull << 21) - (va & ((1ull << 21) - 1));
        return NULL;
    }
    *skip = PAGE_SIZE;
    return &table(e)[(va >> 12) & 511];
}

static uint64_t prot_flags(uint32_t prot)
{
    uint64_t f = PTE_P | PTE_U;
    if (prot & BASTION_VMM_WRITE)
        f |= PTE_W;
    if (!(prot & BASTION_VMM_EXECUTE))
        f |= PTE_NX;
    return f;
}

static void leaf_cleared(void *arg, uint64_t va, uint64_t e)
{
    struct aspace *as = arg;
    (void)va;
    if (e & PTE_IMAGE)
        as->image_cleared++; /* never charged: the caller gives back that much less */
    if ((e & PTE_P) && !(e & PTE_NOT_OWNED)) {
        /* Not freed before the shootdown: another CPU running this space may still write
         * through its cached translation, and the frame must not belong to anyone else then. */
        uint64_t pa = e & PTE_ADDR;
        *(uint64_t *)phys_to_virt(pa) = as->dead_frames;
        as->dead_frames = pa;
        as->resident--;
    }
}

/* as locked. Unmaps [va, va + size): every backed page goes to dead_frames, the commit markers
 * go, and the tables left empty go to dead_tables. Returns true if a shootdown is due (a
 * translation went away, or a table did); the caller then calls finish_unmap, which frees them. */
static bool unmap_range(struct aspace *as, uint64_t va, uint64_t size)
{
    uint64_t present = pt_clear_range(&as->pt, as->root, va, size, leaf_cleared, as);
    return present != 0 || as->dead_tables != 0;
}


static bool reprotect_range(struct aspace *as, uint64_t va, uint64_t size, uint32_t prot)
{
    bool any = false;
    for (uint64_t a = va, end = va + size; a < end;) {
        uint64_t skip;
        uint64_t *pte = pte_of(as->root, a, &skip);
        if (pte && (*pte & PTE_P)) {
            uint64_t keep = *pte & (PTE_ADDR | PTE_NOT_OWNED | PTE_IMAGE);
            uint64_t flags = prot_flags(prot);
            if (keep & PTE_IMAGE)
                flags &= ~PTE_W; /* the boot image's frame: never writable (see PTE_IMAGE) */
            *pte = keep | flags;
            any = true;
        }
        a = skip > end - a ? end : a + skip;
    }
    return any;
}

/* ---- TLB ---- */

static void load_cr3(struct aspace *as, bool flush)
{
    if (pcid_on)
        write_cr3(as->root | as->pcid | (flush ? 0 : CR3_NOFLUSH));
    else
        write_cr3(as->root);
}

/* Interrupts off. This CPU's part of a shootdown of address space `id`. */
static void flush_apply(uint64_t id, uint16_t pcid)
{
    unsigned me = this_cpu()->index;
    struct aspace *cur = cpu_as[me];
    if (cur && cur->id == id) {
        load_cr3(cur, true);
        pcid_owner[me][pcid] = id;
    } else if (pcid_owner[me][pcid] == id) {
        pcid_owner[me][pcid] = 0; /* the next switch to it flushes */
    }
}

static void shootdown_ipi(struct trap_frame *tf)
{
    (void)tf;
    flush_apply(shoot_id, shoot_pcid);
    __atomic_sub_fetch(&shoot_pending, 1, __ATOMIC_RELEASE);
    lapic_eoi();
}

/* as locked (preemption off, interrupts on). Every CPU that may cache as's translations drops
 * them before this returns. */
static void shootdown(struct aspace *as)
{
    unsigned me = this_cpu()->index;
    uint64_t others = __atomic_load_n(&as->cpus_ever, __ATOMIC_ACQUIRE) & ~(1ull << me);
    uint64_t f = cpu_irq_save();
    flush_apply(as->id, as->pcid);
    cpu_irq_restore(f);
    if (!others)
        return;
    while (!spin_trylock(&shoot_lock))
        cpu_pause(); /* interrupts on: answer other CPUs' shootdowns meanwhile */
    shoot_id = as->id;
    shoot_pcid = as->pcid;
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_CPUS && i < 64; i++)
        if (others >> i & 1)
            n++;
    __atomic_store_n(&shoot_pending, n, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < MAX_CPUS && i < 64; i++)
        if (others >> i & 1)
            lapic_send_ipi(smp_apic_id(i), TLB_SHOOTDOWN_VECTOR);
    while (__atomic_load_n(&shoot_pending, __ATOMIC_ACQUIRE))
        cpu_pause();
    spin_unlock(&shoot_lock);
}

/* as locked, after unmap_range returned true: the shootdown, then the dead tables' frames. */
static void finish_unmap(struct aspace *as)
{
    shootdown(as);
    release_tables(as);
}

/* Out of line and cold: the switch itself then needs no frame for the panic's call. */
static _Noreturn __attribute__((noinline, cold)) void destroyed_switch(unsigned me,
                                                                       struct aspace *as)
{
    panic("aspace: cpu %u switching to a destroyed address space %p", me, (void *)as);
}

/* aspace_activate on CPU me (this one): inline in both entry points, so that the scheduler's
 * switch (aspace_switch) makes one call, not two. */
static inline __attribute__((always_inline)) void activate_on(unsigned me, struct aspace *as)
{
    if (!as) {
        write_cr3(paging_kernel_root() | (pcid_on ? CR3_NOFLUSH : 0));
        cpu_as[me] = NULL;
        return;
    }
    if (as->magic != ASPACE_MAGIC)
        destroyed_switch(me, as);
    __atomic_or_fetch(&as->cpus_ever, 1ull << me, __ATOMIC_ACQ_REL);
    bool flush = true;
    if (pcid_on) {
        flush = pcid_owner[me][as->pcid] != as->id;
        pcid_owner[me][as->pcid] = as->id;
    }
    load_cr3(as, flush);
    cpu_as[me] = as;
}

void aspace_activate(struct aspace *as)
{
    activate_on(this_cpu()->index, as);
}

void aspace_switch(struct aspace *as)
{
    unsigned me = PERCPU(index);
    if (cpu_as[me] != as)
        activate_on(me, as);
}

void aspace_init_cpu(void)
{
    if (cpu_features.pcid && !(read_cr4() & CR4_PCIDE) && (read_cr3() & 0xFFF) == 0) {
        write_cr4(read_cr4() | CR4_PCIDE);
        pcid_on = true;
    }
}

/* ---- Operations ---- */

Retcode aspace_reserve(struct aspace *as, uint64_t hint, uint64_t size, uint32_t prot,
                       uint64_t *out)
{
    if (!as || !out)
        return rcInvalidArgument;
    as_lock(as);
    Retcode rc = vr_reserve(&as->map, hint, size, prot, out);
    as_unlock(as);
    return rc;
}

Retcode aspace_commit(struct aspace *as, uint64_t va, uint64_t size)
{
    if (!as)
        return rcInvalidArgument;
    as_lock(as);
    Retcode rc = rcOk;
    if ((va | size) & (PAGE_SIZE - 1))
        rc = rcAlignment;
    uint64_t pages = 0;
    if (rc == rcOk)
        rc = vr_check_range(&as->map, va, size);
    if (rc == rcOk) {
        pages = vr_pages_in_state(&as->map, va, size, VR_RESERVED);
        rc = kmem_charge(as->ram, pages * PAGE_SIZE);
    }
    if (rc == rcOk) {
        /* The tables the pages will need, charged now (see PTE_COMMITTED). */
        rc = pt_prepare(&as->pt, as->root, va, size);
        if (rc == rcOk) {
            uint64_t changed = 0;
            rc = vr_set_state(&as->map, va, size, VR_COMMITTED, &changed);
            if (rc == rcOk) {
                as->committed += changed;
                rc = pt_mark(&as->pt, as->root, va, size, PTE_COMMITTED);
                KASSERT(rc == rcOk); /* the tables were just prepared */
            } else {
                pt_prune(&as->pt, as->root, va, size);
            }
        }
        if (rc != rcOk)
            kmem_uncharge(as->ram, pages * PAGE_SIZE);
    }
    if (as->dead_tables)
        finish_unmap(as); /* tables a failed commit made and gave back */
    as_unlock(as);
    return rc;
}

Retcode aspace_decommit(struct aspace *as, uint64_t va, uint64_t size)
{
    if (!as)
        return rcInvalidArgument;
    as_lock(as);
    uint64_t changed = 0;
    Retcode rc = vr_set_state(&as->map, va, size, VR_RESERVED, &changed);
    if (rc == rcOk) {
        as->image_cleared = 0;
        bool shoot = unmap_range(as, va, size);
        changed -= as->image_cleared; /* the image's pages were never charged */
        kmem_uncharge(as->ram, changed * PAGE_SIZE);
        as->committed -= changed;
        if (shoot)
            finish_unmap(as);
    }
    as_unlock(as);
    return rc;
}

Retcode aspace_protect(struct aspace *as, uint64_t va, uint64_t size, uint32_t prot)
{
    if (!as)
        return rcInvalidArgument;
    as_lock(as);
    Retcode rc = vr_protect(&as->map, va, size, prot);
    if (rc == rcOk && reprotect_range(as, va, size, prot))
        shootdown(as);
    as_unlock(as);
    return rc;
}

Retcode aspace_seal(struct aspace *as, uint64_t va, uint64_t size)
{
    if (!as)
        return rcInvalidArgument;
    as_lock(as);
    Retcode rc = vr_seal(&as->map, va, size);
    as_unlock(as);
    return rc;
}

/* Drops the references of released shared regions and frees their records. Called only once
 * their translations are gone on every CPU (after the shootdown), without the lock: the last
 * reference frees the frames. */
static void put_shared(struct aspace *as, struct vregion *list)
{
    while (list) {
        struct vregion *r = list;
        list = r->next;
        kobj_unref(r->owner);
        vr_free_record(&as->map, r);
    }
}

Retcode aspace_free(struct aspace *as, uint64_t va, uint64_t size)
{
    if (!as)
        return rcInvalidArgument;
    as_lock(as);
    uint64_t committed = 0;
    struct vregion *shared = NULL;
    Retcode rc = vr_release(&as->map, va, size, &committed, &shared);
    if (rc == rcOk) {
        as->image_cleared = 0;
        bool shoot = unmap_range(as, va, size);
        committed -= as->image_cleared; /* the image's pages were never charged */
        kmem_uncharge(as->ram, committed * PAGE_SIZE);
        as->committed -= committed;
        if (shoot)
            finish_unmap(as);
    }
    as_unlock(as);
    put_shared(as, shared);
    return rc;
}

/* Maps npages at va, each page's frame frames[i] or, without frames, pa + i pages (device
 * memory), with `extra` PTE bits beside the protection's; see aspace_map_shared. */
static Retcode map_shared(struct aspace *as, uint64_t va, const uint64_t *frames, uint64_t pa,
                          uint64_t npages, uint32_t prot, uint64_t extra, struct kobj *owner)
{
    if (!as || !owner || npages == 0 || (prot & ~BASTION_VMM_PROT_MASK) ||
        ((prot & BASTION_VMM_WRITE) && (prot & BASTION_VMM_EXECUTE)))
        return rcInvalidArgument;
    as_lock(as);
    const struct vregion *r = vr_find(&as->map, va);
    Retcode rc = rcOk;
    if (!r || r->base != va || r->size != npages * PAGE_SIZE || r->state != VR_RESERVED)
        rc = rcNotFound; /* not the reservation the caller just made (another thread freed it) */
    uint64_t i = 0;
    for (; rc == rcOk && i < npages; i++)
        rc = pt_map_range(&as->pt, as->root, va + i * PAGE_SIZE,
                          frames ? frames[i] : pa + i * PAGE_SIZE, PAGE_SIZE,
                          prot_flags(prot) | PTE_NOT_OWNED | extra, 0);
    if (rc == rcOk)
        rc = vr_make_shared(&as->map, va, npages * PAGE_SIZE, owner);
    /* Only what this call mapped (i > 0: the reservation was the caller's), up to and including
     * the page that failed, whose new tables, left empty, are freed on the way. PTE_NOT_OWNED: no
     * frame is freed. */
    if (rc != rcOk && i > 0 && unmap_range(as, va, i * PAGE_SIZE))
        finish_unmap(as);
    as_unlock(as);
    return rc;
}

Retcode aspace_map_shared(struct aspace *as, uint64_t va, const uint64_t *frames, uint64_t npages,
                          uint32_t prot, struct kobj *owner)
{
    if (!frames)
        return rcInvalidArgument;
    return map_shared(as, va, frames, 0, npages, prot, 0, owner);
}

Retcode aspace_map_device(struct aspace *as, uint64_t va, uint64_t pa, uint64_t npages,
                          uint32_t prot, struct kobj *owner)
{
    if (pa & (PAGE_SIZE - 1))
        return rcAlignment;
    if (prot & BASTION_VMM_EXECUTE)
        return rcInvalidArgument;
    /* PCD|PWT: uncached whatever the PAT's first entries hold (they are the reset defaults). */
    return map_shared(as, va, NULL, pa, npages, prot, PTE_PCD | PTE_PWT, owner);
}

Retcode aspace_map_image(struct aspace *as, uint64_t va, uint64_t pa, uint64_t npages)
{
    if (!as || npages == 0 || npages > (ASPACE_USER_HI - ASPACE_USER_LO) / PAGE_SIZE)
        return rcInvalidArgument;
    if ((va | pa) & (PAGE_SIZE - 1))
        return rcAlignment;
    uint64_t size = npages * PAGE_SIZE;
    as_lock(as);
    Retcode rc = vr_mark_image(&as->map, va, size);
    uint64_t mapped = 0;
    if (rc == rcOk) {
        /* Read-only whatever the region's protection: only reprotect_range sets the final
         * flags, and it keeps W off these leaves. */
        uint64_t flags = prot_flags(vr_find(&as->map, va)->prot) & ~PTE_W;
        for (; rc == rcOk && mapped < npages; mapped++) {
            uint64_t skip, a = va + mapped * PAGE_SIZE;
            uint64_t *pte = pte_of(as->root, a, &skip);
            if (!pte)
                rc = rcNotFound; /* no table: not committed (Commit makes them) */
            else if (*pte & PTE_P)
                rc = rcAlreadyExists; /* backed already: an owned frame is never replaced */
            else if (*pte != 0)       /* over the commit marker, through the entry just found */
                rc = pt_fill_marker(&as->pt, pte, a, pa + mapped * PAGE_SIZE,
                                    flags | PTE_NOT_OWNED | PTE_IMAGE);
            else /* no marker (nothing committed there): the table exists, nothing to allocate */
                rc = pt_map_range(&as->pt, as->root, a, pa + mapped * PAGE_SIZE, PAGE_SIZE,
                                  flags | PTE_NOT_OWNED | PTE_IMAGE, 0);
        }
        if (rc != rcOk)
            mapped--; /* the loop counted the page that failed */
        /* Committed but the image's: their charge goes back now (see PTE_IMAGE). */
        kmem_uncharge(as->ram, mapped * PAGE_SIZE);
        as->committed -= mapped;
    }
    as_unlock(as);
    return rc;
}

Retcode aspace_free_shared_of(struct aspace *as, uint64_t va, uint64_t size,
                              const struct kobj *owner)
{
    if (!as || !owner)
        return rcInvalidArgument;
    as_lock(as);
    const struct vregion *r = vr_find(&as->map, va);
    bool same = r && r->state == VR_SHARED && r->base == va && r->size == size &&
                r->owner == (const void *)owner;
    uint64_t committed = 0;
    struct vregion *shared = NULL;
    Retcode rc = same ? vr_release(&as->map, va, size, &committed, &shared) : rcNotFound;
    if (rc == rcOk && unmap_range(as, va, size))
        finish_unmap(as);
    as_unlock(as);
    put_shared(as, shared);
    return rc;
}

/* Under the lock: tables left empty by an unmap are freed while the space lives, so a walk
 * without it could read a table that is being reused. */
bool aspace_shared_phys(struct aspace *as, uint64_t va, uint64_t *pa)
{
    if (!as || va < ASPACE_USER_LO || va >= ASPACE_USER_HI)
        return false;
    as_lock(as);
    uint64_t skip;
    const uint64_t *pte = pte_of(as->root, va, &skip);
    bool shared = pte && (*pte & PTE_P) && (*pte & PTE_NOT_OWNED) && !(*pte & PTE_IMAGE);
    if (shared)
        *pa = (*pte & PTE_ADDR) | (va & (PAGE_SIZE - 1));
    as_unlock(as);
    return shared;
}

Retcode aspace_query(struct aspace *as, uint64_t va, struct aspace_info *info)
{
    if (!as || !info)
        return rcInvalidArgument;
    as_lock(as);
    /* A destroyed space here is a caller that did not keep it alive (process_aspace_pin). */
    KASSERT(as->magic == ASPACE_MAGIC);
    const struct vregion *r = vr_find(&as->map, va);
    if (r) {
        info->base = r->base;
        info->size = r->size;
        info->state = r->state;
        info->prot = r->prot;
    } else {
        info->base = va & ~(PAGE_SIZE - 1);
        info->size = PAGE_SIZE;
        info->state = VR_FREE;
        info->prot = 0;
    }
    as_unlock(as);
    return rcOk;
}

Retcode aspace_next_region(struct aspace *as, uint64_t after, struct aspace_info *info)
{
    if (!as || !info)
        return rcInvalidArgument;
    as_lock(as);
    KASSERT(as->magic == ASPACE_MAGIC);
    const struct vregion *best = NULL;
    for (const struct vregion *r = as->map.head; r; r = r->next)
        if (r->base + r->size > after && (best == NULL || r->base < best->base))
            best = r;
    if (best) {
        info->base = best->base;
        info->size = best->size;
        info->state = best->state;
        info->prot = best->prot;
    }
    as_unlock(as);
    return best ? rcOk : rcNotFound;
}

Retcode aspace_each_resident(struct aspace *as, uint64_t va, uint64_t size,
                             void (*fn)(void *kva, size_t len, void *arg), void *arg)
{
    uint64_t end = va + size;
    if (!as || !fn || end < va || va < ASPACE_USER_LO || end > ASPACE_USER_HI)
        return rcInvalidArgument;
    as_lock(as);
    Retcode rc = rcOk;
    for (uint64_t a = va & ~(PAGE_SIZE - 1); a < end && rc == rcOk; a += PAGE_SIZE) {
        const struct vregion *r = vr_find(&as->map, a);
        if (r == NULL || r->state == VR_FREE)
            rc = rcNotFound;
    }
    for (uint64_t a = va; a < end && rc == rcOk;) {
        uint64_t page_end = (a & ~(PAGE_SIZE - 1)) + PAGE_SIZE;
        uint64_t piece_end = page_end < end ? page_end : end;
        uint64_t skip;
        const uint64_t *pte = pte_of(as->root, a, &skip);
        if (pte && (*pte & PTE_P))
            fn((char *)phys_to_virt(*pte & PTE_ADDR) + (a & (PAGE_SIZE - 1)), piece_end - a, arg);
        a = piece_end;
    }
    as_unlock(as);
    return rc;
}

/* as locked. The frame behind va (committed, in a region), backed now if it is not yet.
 * [off, off + n) of the page is what the caller writes before anyone can read it (aspace_write
 * under the lock; n 0 for a fault): a new frame gets only the rest zeroed, all of it when n is
 * 0, so that no stale bytes reach a process and the bytes about to be written are not zeroed
 * first (a loaded segment's partly filled pages, the start block). */
static Retcode back_page(struct aspace *as, const struct vregion *r, uint64_t va, size_t off,
                         size_t n, uint64_t *pa)
{
    uint64_t skip;
    uint64_t *pte = pte_of(as->root, va, &skip);
    if (pte && (*pte & PTE_P)) {
        if (*pte & PTE_IMAGE)
            return rcImageReadOnly; /* the boot image's frame, shared: see PTE_IMAGE */
        *pa = *pte & PTE_ADDR;
        return rcOk;
    }
    uint64_t frame = pmm_alloc_user(n == 0);
    if (!frame)
        return rcOutOfMemory;
    if (n != 0) {
        uint8_t *p = phys_to_virt(frame);
        if (off != 0)
            memset(p, 0, off);
        if (off + n < PAGE_SIZE)
            memset(p + off + n, 0, PAGE_SIZE - off - n);
    }
    /* Over the page's commit marker when Commit wrote one (its table is there: pte, no walk
     * again), else tables are made and charged here (aspace_write's pages). */
    Retcode rc =
        pte != NULL && *pte != 0
            ? pt_fill_marker(&as->pt, pte, va, frame, prot_flags(r->prot))
            : pt_map_range(&as->pt, as->root, va, frame, PAGE_SIZE, prot_flags(r->prot), 0);
    if (rc != rcOk) {
        pmm_free(frame, 0);
        /* Tables made before the failure go to dead_tables, freed at the next unmap's
         * shootdown or with the space (a shootdown here could run with interrupts off). */
        pt_prune(&as->pt, as->root, va, PAGE_SIZE);
        return rc;
    }
    as->resident++;
    *pa = frame;
    return rcOk;
}

Retcode aspace_write(struct aspace *as, uint64_t va, const void *src, size_t len)
{
    if (!as || (len && !aspace_user_range_ok(va, len)))
        return rcInvalidArgument;
    const uint8_t *s = src;
    Retcode rc = rcOk;
    as_lock(as);
    while (len && rc == rcOk) {
        uint64_t page = va & ~(PAGE_SIZE - 1);
        size_t off = va - page, n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        const struct vregion *r = vr_find(&as->map, page);
        if (!r) {
            rc = rcNotFound;
            break;
        }
        if (r->state == VR_RESERVED) {
            rc = kmem_charge(as->ram, PAGE_SIZE);
            if (rc != rcOk)
                break;
            rc = vr_set_state(&as->map, page, PAGE_SIZE, VR_COMMITTED, NULL);
            if (rc != rcOk) {
                kmem_uncharge(as->ram, PAGE_SIZE);
                break;
            }
            as->committed++;
            r = vr_find(&as->map, page);
        }
        uint64_t pa;
        rc = back_page(as, r, page, off, n, &pa);
        if (rc == rcOk) {
            memcpy((uint8_t *)phys_to_virt(pa) + off, s, n);
            s += n;
            va += n;
            len -= n;
        }
    }
    as_unlock(as);
    return rc;
}

/*
 * The index of the first nonzero entry of t[i..end), or end; `left` is how many nonzero entries
 * the caller still expects there (an intermediate entry's count of its table, pagetable.h),
 * and none left ends the scan at once. The teardown of an address space reads every table it
 * has, and most of a process's tables are almost empty: eight entries are tested at a time.
 * A kernel built for the tests checks that nothing is left past the last counted entry: a
 * wrong count would leak the frames it skipped.
 */
static unsigned next_used(const uint64_t *t, unsigned i, unsigned end, unsigned left)
{
    if (left == 0) {
#ifdef BASTION_TEST_HOOKS
        for (unsigned k = i; k < end; k++)
            if (t[k] != 0)
                panic("aspace: table %p entry %u set past its count", (const void *)t, k);
#endif
        return end;
    }
    while (i < end && (i & 7) != 0 && t[i] == 0)
        i++;
    while (i + 8 <= end &&
           (t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] | t[i + 7]) == 0)
        i += 8;
    while (i < end && t[i] == 0)
        i++;
    return i;
}

/* How many nonzero entries the table under intermediate entry e has: its count where the page
 * tables keep one (user-half entries), else all of them may be. */
static unsigned used_count(uint64_t e)
{
    return (e & PTE_U) ? pt_entry_count(e) : 512;
}

void aspace_destroy(struct aspace *as)
{
    if (!as)
        return;
    KASSERT(as->magic == ASPACE_MAGIC);
    for (unsigned i = 0; i < MAX_CPUS; i++)
        if (cpu_as[i] == as)
            panic("aspace: destroying the address space live on cpu %u", i);
    as->magic = 0;
    /* Region by region: every user entry lies in a region, so clearing each region's range
     * frees every frame the space owns and, as they empty, its tables (to dead_frames and
     * dead_tables, freed below by release_tables): work in proportion to what is mapped,
     * where a scan of the tables reads every entry up to their last. */
    for (const struct vregion *r = as->map.head; r; r = r->next)
        (void)unmap_range(as, r->base, r->size);
    /* Tables no region covered (none while the map's invariant holds: the test kernel stops
     * on it, the others say so) are found by the scan below, each charged one page. */
    uint64_t tables = as->pt.tables;
    if (tables != 0) {
#ifdef BASTION_TEST_HOOKS
        panic("aspace: %lu page tables outside every region at teardown", tables);
#else
        kprintf("aspace: %lu page tables outside every region at teardown\n", tables);
#endif
    }
    uint64_t *l4 = phys_to_virt(as->root);
    for (unsigned i = tables == 0 ? 256 : next_used(l4, 0, 256, 256); i < 256;
         i = next_used(l4, i + 1, 256, 256)) {
        if (!(l4[i] & PTE_P))
            continue;
        uint64_t *l3 = table(l4[i]);
        unsigned n3 = used_count(l4[i]);
        for (unsigned j = next_used(l3, 0, 512, n3); n3 > 0 && j < 512;
             j = next_used(l3, j + 1, 512, --n3)) {
            if (!(l3[j] & PTE_P))
                continue;
            uint64_t *l2 = table(l3[j]);
            unsigned n2 = used_count(l3[j]);
            for (unsigned k = next_used(l2, 0, 512, n2); n2 > 0 && k < 512;
                 k = next_used(l2, k + 1, 512, --n2)) {
                if (!(l2[k] & PTE_P))
                    continue;
                uint64_t *l1 = table(l2[k]);
                unsigned n1 = used_count(l2[k]);
                for (unsigned m = next_used(l1, 0, 512, n1); n1 > 0 && m < 512;
                     m = next_used(l1, m + 1, 512, --n1))
                    if ((l1[m] & PTE_P) && !(l1[m] & PTE_NOT_OWNED))
                        pmm_free(l1[m] & PTE_ADDR, 0);
                pmm_free(l2[k] & PTE_ADDR, 0);
                as->pt.tables--;
            }
            pmm_free(l3[j] & PTE_ADDR, 0);
            as->pt.tables--;
        }
        pmm_free(l4[i] & PTE_ADDR, 0);
        as->pt.tables--;
        l4[i] = 0;
    }
    KASSERT(as->pt.tables == 0);
    /* CPUs that ran it may still hold its PCID's translations: forget them. */
    uint64_t f = cpu_irq_save();
    if (__atomic_load_n(&as->cpus_ever, __ATOMIC_ACQUIRE)) {
        cpu_irq_restore(f);
        sched_preempt_disable();
        shootdown(as);
        sched_preempt_enable();
    } else {
        cpu_irq_restore(f);
    }
    release_tables(as); /* the regions' frames and tables, after the shootdown above */
    kmem_uncharge(as->ram, as->committed * PAGE_SIZE);
    kmem_uncharge(as->ram, tables * PAGE_SIZE);
    /* The translations are gone everywhere: shared regions may now drop their objects. */
    for (const struct vregion *r = as->map.head; r; r = r->next)
        if (r->state == VR_SHARED)
            kobj_unref(r->owner);
    vr_clear(&as->map);
    pmm_free(as->root, 0);
    kmem_uncharge(as->ram, PAGE_SIZE);
    kmem_cache_free_charged(aspace_cache, as, as->kmem);
}

/* ---- Faults ---- */

static struct aspace *current_aspace(void)
{
    struct thread *t = thread_current();
    return t ? t->aspace : NULL;
}

/* Serves a demand fault at va with error code err in the current space. */
static bool serve_demand(uint64_t va, uint64_t err, bool irqs_were_on)
{
    struct aspace *as = current_aspace();
    if (!as || va < ASPACE_USER_LO || va >= ASPACE_USER_HI || (err & 1))
        return false; /* no space, outside the user range, or a protection violation */
    if (irqs_were_on) {
        sti();
        as_lock(as);
    } else {
        /* A copy with interrupts off must not wait: the holder may be waiting for this CPU's
         * shootdown answer. Fail the access instead (the copy returns rcInvalidArgument). */
        sched_preempt_disable();
        if (!spin_trylock(&as->lock)) {
            sched_preempt_enable();
            return false;
        }
    }
    bool ok = false;
    const struct vregion *r = vr_find(&as->map, va);
    if (r && r->state == VR_COMMITTED && r->prot) {
        bool allowed = true;
        if ((err & 2) && !(r->prot & BASTION_VMM_WRITE))
            allowed = false;
        if ((err & 16) && !(r->prot & BASTION_VMM_EXECUTE))
            allowed = false;
        uint64_t pa;
        ok = allowed && back_page(as, r, va & ~(PAGE_SIZE - 1), 0, 0, &pa) == rcOk;
    }
    as_unlock(as);
    cli();
    return ok;
}

bool aspace_page_fault(struct trap_frame *f)
{
    uint64_t va = read_cr2();
    bool irqs_on = (f->rflags & RFLAGS_IF) != 0;
    if (trap_from_user(f)) {
        if (serve_demand(va, f->error_code, irqs_on))
            return true;
        user_fault_fatal(f, "page fault", va);
        return true; /* not reached for the faulting thread */
    }
    uint64_t fixup = usercopy_fixup_for(f->rip);
    if (fixup != 0) {
        if (serve_demand(va, f->error_code, irqs_on))
            return true;
        f->rip = fixup;
        return true;
    }
    return false;
}

void aspace_init(void)
{
    aspace_cache = kmem_cache_create("aspace", sizeof(struct aspace), 64);
    if (!aspace_cache)
        panic("aspace: no memory for the cache");
    idt_set_irq_handler(TLB_SHOOTDOWN_VECTOR, shootdown_ipi);
    exception_set_handler(14, aspace_page_fault);
    user_faults_init();
}
