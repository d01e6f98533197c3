/* Per-process I/O permission bitmaps and their loading into each CPU's TSS (ioperm.h). */
#include "dev/ioperm.h"

#include "arch/x86_64/percpu.h"
#include "arch/x86_64/spinlock.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "proc/process.h"
#include "proc/thread.h"

struct io_bitmap {
    uint64_t version;          /* io_perm_lock to change; read without it by ioperm_switch */
    uint32_t span;             /* bytes from the start that may hold a zero (allowed) bit */
    struct io_permit *permits; /* io_perm_lock */
    uint8_t map[TSS_IOMAP_BYTES];
};

static struct spinlock io_perm_lock = SPINLOCK_INIT(LOCK_LEVEL_IO_PERM);
static uint64_t next_version = 1; /* io_perm_lock; 0 means "no bitmap loaded" */

/* io_perm_lock held: the map from the permits, and a new version. */
static void rebuild_locked(struct io_bitmap *bm)
{
    spin_assert_held(&io_perm_lock);
    memset(bm->map, 0xFF, sizeof bm->map);
    uint32_t span = 0;
    for (struct io_permit *q = bm->permits; q; q = q->next) {
        for (uint32_t port = q->base; port < q->base + q->size; port++)
            bm->map[port / 8] &= (uint8_t) ~(1u << (port % 8));
        uint32_t end = (q->base + q->size + 7) / 8;
        if (end > span)
            span = end;
    }
    bm->span = span;
    __atomic_store_n(&bm->version, next_version++, __ATOMIC_RELEASE);
}

/* Interrupts off: makes this CPU's TSS select `bm` (NULL: none), copying it in if needed. */
static void load(struct io_bitmap *bm)
{
    struct percpu *cpu = this_cpu();
    if (!bm) {
        cpu->tss.iomap_base = TSS_IOMAP_NONE;
        return;
    }
    uint64_t v = __atomic_load_n(&bm->version, __ATOMIC_ACQUIRE);
    if (cpu->io_loaded_version != v) {
        /* Bytes past both spans are 0xFF in both: copy only up to the larger. A change racing
         * with this copy bumps the version after it, so the next switch copies again. */
        uint32_t n = bm->span > cpu->io_loaded_span ? bm->span : cpu->io_loaded_span;
        memcpy(cpu->io_bitmap, bm->map, n);
        cpu->io_loaded_span = bm->span;
        cpu->io_loaded_version = v;
    }
    cpu->tss.iomap_base = TSS_IOMAP_OFFSET;
}

void ioperm_switch(struct process *next)
{
    struct io_bitmap *bm = next ? __atomic_load_n(&next->io_bitmap, __ATOMIC_ACQUIRE) : NULL;
    if (!bm && PERCPU(tss.iomap_base) == TSS_IOMAP_NONE)
        return; /* the common case: no ports before, none now */
    load(bm);
}

Retcode ioperm_grant(struct process *p, struct io_permit *perm, uint32_t base, uint32_t size)
{
    if (!p || size == 0 || base >= 0x10000u || size > 0x10000u - base)
        return rcInvalidArgument;
    struct io_bitmap *fresh = NULL;
    if (!__atomic_load_n(&p->io_bitmap, __ATOMIC_ACQUIRE)) {
        Retcode rc = rcOk;
        fresh = kmalloc_charged(sizeof *fresh, &p->kmem, &rc);
        if (!fresh)
            return rc;
        memset(fresh, 0, sizeof *fresh);
        memset(fresh->map, 0xFF, sizeof fresh->map);
    }
    uint64_t flags = spin_lock_irqsave(&io_perm_lock);
    struct io_bitmap *bm = p->io_bitmap;
    if (!bm) {
        bm = fresh;
        fresh = NULL;
        __atomic_store_n(&p->io_bitmap, bm, __ATOMIC_RELEASE);
    }
    *perm = (struct io_permit){.next = bm->permits, .base = base, .size = size, .active = true};
    bm->permits = perm;
    rebuild_locked(bm);
    if (thread_current() && thread_current()->proc == p)
        load(bm);
    spin_unlock_irqrestore(&io_perm_lock, flags);
    if (fresh)
        kfree_charged(fresh, &p->kmem); /* another thread of p made it first */
    return rcOk;
}

void ioperm_revoke(struct process *p, struct io_permit *perm)
{
    uint64_t flags = spin_lock_irqsave(&io_perm_lock);
    struct io_bitmap *bm = p->io_bitmap;
    if (perm->active && bm) {
        for (struct io_permit **pp = &bm->permits; *pp; pp = &(*pp)->next) {
            if (*pp == perm) {
                *pp = perm->next;
                break;
            }
        }
        perm->active = false;
        rebuild_locked(bm);
        if (thread_current() && thread_current()->proc == p)
            load(bm);
    }
    spin_unlock_irqrestore(&io_perm_lock, flags);
}

void ioperm_process_free(struct process *p)
{
    uint64_t flags = spin_lock_irqsave(&io_perm_lock);
    struct io_bitmap *bm = p->io_bitmap;
    __atomic_store_n(&p->io_bitmap, NULL, __ATOMIC_RELEASE);
    /* Permits still listed belong to access objects someone else still references: they
     * find no bitmap and do nothing when they end. */
    for (struct io_permit *q = bm ? bm->permits : NULL; q; q = q->next)
        q->active = false;
    spin_unlock_irqrestore(&io_perm_lock, flags);
    if (bm)
        kfree_charged(bm, &p->kmem);
}
