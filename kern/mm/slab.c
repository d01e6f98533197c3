/*
 * Slab caches and kmalloc. See slab.h for the contract.
 *
 * Invariants, per cache, under c->lock:
 *  - every slab is on exactly one list: `full` (inuse == total), `empty` (inuse == 0) or
 *    `partial` (anything between);
 *  - bit i of slab->bitmap is set iff object i is allocated; free objects are chained through
 *    their first word from slab->free, and their count is total - inuse;
 *  - at most one slab sits on `empty` (a spare against alloc/free ping-pong); others go back to
 *    the pmm at once;
 *  - st.active == st.allocs - st.frees.
 * Slab pages are single frames addressed through the direct map, so the slab of an object is
 * the object's address rounded down to 4 KiB; kmalloc's large blocks are page-aligned and slab
 * objects never are (the header takes the first bytes), which is how kfree tells them apart.
 */
#include "mm/slab.h"

#include <stdbool.h>

#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "obj/account.h"
#include "panic.h"

#define SLAB_MAGIC 0x51AB0B1Eu
#define SLAB_SIZE 4096u
#define SLAB_MAX_OBJS (SLAB_SIZE / KMALLOC_MIN)

struct slab {
    uint32_t magic;
    uint16_t inuse, total;
    struct kmem_cache *cache;
    struct slab *next, *prev;
    void *free;
    uint64_t bitmap[SLAB_MAX_OBJS / 64];
};

struct kmem_cache {
    char name[KMEM_NAME_MAX];
    uint32_t slot;  /* object size rounded up to align */
    uint32_t first; /* offset of object 0 in a slab */
    uint16_t per_slab;
    struct spinlock lock;
    struct slab *partial, *full, *empty; /* lock, as is every slab of the cache */
    struct kmem_stats st;                /* lock */
    struct kmem_cache *next_cache;       /* g_caches_lock */
};

static struct kmem_cache g_cache_cache; /* the cache that kmem_cache structs come from */
static struct kmem_cache *g_kmalloc[8]; /* 16, 32, ..., 1024 */
static struct kmem_cache *g_caches;     /* every cache, for statistics (g_caches_lock) */
static struct spinlock g_caches_lock = SPINLOCK_INIT(LOCK_LEVEL_SLAB_CACHES);
static struct spinlock g_large_lock = SPINLOCK_INIT(LOCK_LEVEL_SLAB_LARGE);
static struct kmem_stats g_large; /* kmalloc blocks of whole pages (g_large_lock) */
static bool g_ready;

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static void list_del(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void list_add(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static bool cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align)
{
    if (align == 0)
        align = 16;
    if (size == 0 || size > KMEM_OBJECT_MAX || (align & (align - 1)) != 0 || align > 64)
        return false;
    memset(c, 0, sizeof *c);
    size_t n = 0;
    while (name[n] != 0 && n < KMEM_NAME_MAX - 1) {
        c->name[n] = name[n];
        n++;
    }
    c->slot = (uint32_t)align_up(size < KMALLOC_MIN ? KMALLOC_MIN : size, align);
    c->first = (uint32_t)align_up(sizeof(struct slab), align);
    c->per_slab = (uint16_t)((SLAB_SIZE - c->first) / c->slot);
    spin_init(&c->lock, LOCK_LEVEL_SLAB_CACHE);
    uint64_t f = spin_lock_irqsave(&g_caches_lock);
    c->next_cache = g_caches;
    g_caches = c;
    spin_unlock_irqrestore(&g_caches_lock, f);
    return true;
}

/* A fresh slab for c, all objects free; NULL without memory. Called with c->lock held. */
static struct slab *slab_new(struct kmem_cache *c)
{
    uint64_t pa = pmm_alloc(0);
    if (pa == 0)
        return NULL;
    struct slab *s = phys_to_virt(pa);
    memset(s, 0, sizeof *s);
    s->magic = SLAB_MAGIC;
    s->cache = c;
    s->total = c->per_slab;
    uint8_t *base = (uint8_t *)s + c->first;
    /* Chain the objects in address order so that early allocations are adjacent. */
    for (int i = c->per_slab - 1; i >= 0; i--) {
        void **obj = (void **)(base + (size_t)i * c->slot);
        *obj = s->free;
        s->free = obj;
    }
    c->st.slabs++;
    return s;
}

static void slab_release(struct kmem_cache *c, struct slab *s)
{
    s->magic = 0;
    c->st.slabs--;
    pmm_free(virt_to_phys(s), 0);
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
    KASSERT(c != NULL);
    uint64_t f = spin_lock_irqsave(&c->lock);
    struct slab *s = c->partial;
    struct slab **from = &c->partial;
    if (s == NULL) {
        s = c->empty;
        from = &c->empty;
    }
    if (s == NULL) {
        s = slab_new(c);
        if (s == NULL) {
            c->st.failures++;
            spin_unlock_irqrestore(&c->lock, f);
            return NULL;
        }
    } else {
        list_del(from, s);
    }
    void **obj = s->free;
    s->free = *obj;
    unsigned i = (unsigned)(((uint8_t *)obj - ((uint8_t *)s + c->first)) / c->slot);
    s->bitmap[i / 64] |= 1ull << (i % 64);
    s->inuse++;
    list_add(s->inuse == s->total ? &c->full : &c->partial, s);
    c->st.allocs++;
    c->st.active++;
    c->st.active_bytes += c->slot;
    if (c->st.active > c->st.peak_active)
        c->st.peak_active = c->st.active;
    spin_unlock_irqrestore(&c->lock, f);
    return obj;
}

/* The slab holding obj, after checking it is one of c's (any cache when c is NULL). */
static struct slab *slab_of(struct kmem_cache *c, void *obj, unsigned *index)
{
    struct slab *s = (struct slab *)((uintptr_t)obj & ~(uintptr_t)(SLAB_SIZE - 1));
    if (s->magic != SLAB_MAGIC)
        panic("kmem: free of %p, which is not in a slab", obj);
    if (c != NULL && s->cache != c)
        panic("kmem: %p freed into cache %s but belongs to %s", obj, c->name, s->cache->name);
    c = s->cache;
    uint32_t off = (uint32_t)((uintptr_t)obj - (uintptr_t)s);
    if (off < c->first || (off - c->first) % c->slot != 0 || (off - c->first) / c->slot >= s->total)
        panic("kmem: %p is not the start of an object of cache %s", obj, c->name);
    *index = (off - c->first) / c->slot;
    return s;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
    if (obj == NULL)
        return;
    unsigned i;
    struct slab *s = slab_of(c, obj, &i);
    c = s->cache;
    uint64_t f = spin_lock_irqsave(&c->lock);
    if (!(s->bitmap[i / 64] & (1ull << (i % 64))))
        panic("kmem: double free of %p in cache %s", obj, c->name);
    s->bitmap[i / 64] &= ~(1ull << (i % 64));
    list_del(s->inuse == s->total ? &c->full : &c->partial, s);
    *(void **)obj = s->free;
    s->free = obj;
    s->inuse--;
    c->st.frees++;
    c->st.active--;
    c->st.active_bytes -= c->slot;
    if (s->inuse > 0)
        list_add(&c->partial, s);
    else if (c->empty == NULL)
        list_add(&c->empty, s);
    else
        slab_release(c, s);
    spin_unlock_irqrestore(&c->lock, f);
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
    KASSERT(g_ready);
    struct kmem_cache *c = kmem_cache_alloc(&g_cache_cache);
    if (c == NULL)
        return NULL;
    if (!cache_setup(c, name ? name : "?", size, align)) {
        kmem_cache_free(&g_cache_cache, c);
        return NULL;
    }
    return c;
}

Retcode kmem_cache_destroy(struct kmem_cache *c)
{
    if (c == NULL || c == &g_cache_cache)
        return rcInvalidArgument;
    uint64_t f = spin_lock_irqsave(&c->lock);
    if (c->st.active != 0) {
        spin_unlock_irqrestore(&c->lock, f);
        return rcResourceBusy;
    }
    while (c->empty != NULL) {
        struct slab *s = c->empty;
        list_del(&c->empty, s);
        slab_release(c, s);
    }
    spin_unlock_irqrestore(&c->lock, f);
    f = spin_lock_irqsave(&g_caches_lock);
    for (struct kmem_cache **pp = &g_caches; *pp != NULL; pp = &(*pp)->next_cache)
        if (*pp == c) {
            *pp = c->next_cache;
            break;
        }
    spin_unlock_irqrestore(&g_caches_lock, f);
    kmem_cache_free(&g_cache_cache, c);
    return rcOk;
}

size_t kmem_cache_charge(const struct kmem_cache *c)
{
    return c->slot;
}

unsigned kmem_cache_per_slab(const struct kmem_cache *c)
{
    return c->per_slab;
}

void kmem_cache_stats(const struct kmem_cache *c, struct kmem_stats *out)
{
    uint64_t f = spin_lock_irqsave((struct spinlock *)&c->lock);
    *out = c->st;
    spin_unlock_irqrestore((struct spinlock *)&c->lock, f);
}

const char *kmem_cache_name(const struct kmem_cache *c)
{
    return c->name;
}

/* Index of the kmalloc cache for size (<= KMALLOC_MAX_SLAB). */
static unsigned class_of(size_t size)
{
    unsigned k = 0;
    while ((size_t)KMALLOC_MIN << k < size)
        k++;
    return k;
}

static unsigned large_order(size_t size)
{
    unsigned k = 0;
    while (((size_t)SLAB_SIZE << k) < size)
        k++;
    return k;
}

size_t kmalloc_charge(size_t size)
{
    if (size == 0)
        return 0;
    if (size <= KMALLOC_MAX_SLAB)
        return (size_t)KMALLOC_MIN << class_of(size);
    return (size_t)SLAB_SIZE << large_order(size);
}

void *kmalloc(size_t size)
{
    KASSERT(g_ready);
    if (size == 0)
        return NULL;
    if (size <= KMALLOC_MAX_SLAB)
        return kmem_cache_alloc(g_kmalloc[class_of(size)]);
    if (size > ((size_t)SLAB_SIZE << PMM_MAX_ORDER))
        return NULL;
    unsigned order = large_order(size);
    uint64_t pa = pmm_alloc(order);
    uint64_t f = spin_lock_irqsave(&g_large_lock);
    if (pa == 0) {
        g_large.failures++;
    } else {
        g_large.allocs++;
        g_large.active++;
        g_large.active_bytes += (uint64_t)SLAB_SIZE << order;
        g_large.slabs += 1ull << order;
        if (g_large.active > g_large.peak_active)
            g_large.peak_active = g_large.active;
    }
    spin_unlock_irqrestore(&g_large_lock, f);
    return pa ? phys_to_virt(pa) : NULL;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (p == NULL)
        return;
    if (((uintptr_t)p & (SLAB_SIZE - 1)) != 0) {
        kmem_cache_free(NULL, p);
        return;
    }
    uint64_t pa = virt_to_phys(p);
    unsigned order;
    if (pa == PADDR_INVALID || pmm_block_order(pa, &order) != rcOk)
        panic("kfree: %p is neither a slab object nor a kmalloc page block (double free?)", p);
    pmm_free(pa, order);
    uint64_t f = spin_lock_irqsave(&g_large_lock);
    g_large.frees++;
    g_large.active--;
    g_large.active_bytes -= (uint64_t)SLAB_SIZE << order;
    g_large.slabs -= 1ull << order;
    spin_unlock_irqrestore(&g_large_lock, f);
}

void kmem_totals(struct kmem_stats *out)
{
    uint64_t f = spin_lock_irqsave(&g_large_lock);
    *out = g_large;
    spin_unlock_irqrestore(&g_large_lock, f);
    out->peak_active = 0; /* a sum of per-cache peaks would mean nothing */
    f = spin_lock_irqsave(&g_caches_lock);
    for (struct kmem_cache *c = g_caches; c != NULL; c = c->next_cache) {
        struct kmem_stats s;
        kmem_cache_stats(c, &s);
        out->allocs += s.allocs;
        out->frees += s.frees;
        out->failures += s.failures;
        out->active += s.active;
        out->active_bytes += s.active_bytes;
        out->slabs += s.slabs;
        out->charged_bytes += s.charged_bytes;
    }
    spin_unlock_irqrestore(&g_caches_lock, f);
}

/* Adds delta (may be negative as two's complement) to the charged bytes of obj's owner. */
static void count_charge(void *obj, int64_t delta)
{
    if (((uintptr_t)obj & (SLAB_SIZE - 1)) == 0) {
        uint64_t f = spin_lock_irqsave(&g_large_lock);
        g_large.charged_bytes += (uint64_t)delta;
        spin_unlock_irqrestore(&g_large_lock, f);
        return;
    }
    struct kmem_cache *c = ((struct slab *)((uintptr_t)obj & ~(uintptr_t)(SLAB_SIZE - 1)))->cache;
    uint64_t f = spin_lock_irqsave(&c->lock);
    c->st.charged_bytes += (uint64_t)delta;
    spin_unlock_irqrestore(&c->lock, f);
}

void *kmem_cache_alloc_charged(struct kmem_cache *c, struct kmem_account *acct, Retcode *rc)
{
    size_t charge = kmem_cache_charge(c);
    Retcode r = acct ? kmem_charge(acct, charge) : rcOk;
    void *obj = NULL;
    if (r == rcOk) {
        obj = kmem_cache_alloc(c);
        if (obj == NULL) {
            r = rcOutOfMemory;
            if (acct)
                kmem_uncharge(acct, charge);
        } else if (acct) {
            count_charge(obj, (int64_t)charge);
        }
    }
    if (rc != NULL)
        *rc = r;
    return obj;
}

void kmem_cache_free_charged(struct kmem_cache *c, void *obj, struct kmem_account *acct)
{
    if (obj == NULL)
        return;
    if (acct) {
        count_charge(obj, -(int64_t)kmem_cache_charge(c));
        kmem_uncharge(acct, kmem_cache_charge(c));
    }
    kmem_cache_free(c, obj);
}

void *kmalloc_charged(size_t size, struct kmem_account *acct, Retcode *rc)
{
    size_t charge = kmalloc_charge(size);
    Retcode r = size == 0 ? rcInvalidArgument : (acct ? kmem_charge(acct, charge) : rcOk);
    void *p = NULL;
    if (r == rcOk) {
        p = kmalloc(size);
        if (p == NULL) {
            r = rcOutOfMemory;
            if (acct)
                kmem_uncharge(acct, charge);
        } else if (acct) {
            count_charge(p, (int64_t)charge);
        }
    }
    if (rc != NULL)
        *rc = r;
    return p;
}

void kfree_charged_block(void *p, struct kmem_account *acct)
{
    if (((uintptr_t)p & (SLAB_SIZE - 1)) != 0) {
        /* A slab object (every IPC message copy is one): uncharge its slot and free it as kfree
         * would, straight to its cache, on the path of every call. */
        if (acct) {
            unsigned i;
            size_t charge = slab_of(NULL, p, &i)->cache->slot;
            count_charge(p, -(int64_t)charge);
            kmem_uncharge(acct, charge);
        }
        kmem_cache_free(NULL, p);
        return;
    }
    if (acct) {
        unsigned order;
        if (pmm_block_order(virt_to_phys(p), &order) != rcOk)
            panic("kfree_charged: %p is not a kmalloc block", p);
        size_t charge = (size_t)SLAB_SIZE << order;
        count_charge(p, -(int64_t)charge);
        kmem_uncharge(acct, charge);
    }
    kfree(p);
}

void slab_init(void)
{
    KASSERT(!g_ready);
    if (!cache_setup(&g_cache_cache, "kmem_cache", sizeof(struct kmem_cache), 16))
        panic("slab: cannot set up the cache of caches");
    g_ready = true;
    static const char *const names[] = {"kmalloc-16",  "kmalloc-32",  "kmalloc-64",  "kmalloc-128",
                                        "kmalloc-256", "kmalloc-512", "kmalloc-1024"};
    for (unsigned k = 0; k < 7; k++) {
        g_kmalloc[k] = kmem_cache_create(names[k], (size_t)KMALLOC_MIN << k, 16);
        if (g_kmalloc[k] == NULL)
            panic("slab: cannot create %s", names[k]);
    }
    kprintf("slab: 7 kmalloc caches (16..1024 bytes), larger sizes in page blocks; every "
            "allocation counted per cache\n");
    pmm_print_summary();
}

void kmem_print_stats(void)
{
    uint64_t f = spin_lock_irqsave(&g_caches_lock);
    for (struct kmem_cache *c = g_caches; c != NULL; c = c->next_cache)
        if (c->st.active != 0 || c->st.slabs != 0)
            kprintf("  %-16s slot %4u: %lu live (%lu bytes), %lu allocs, %lu frees, %lu slabs\n",
                    c->name, c->slot, c->st.active, c->st.active_bytes, c->st.allocs, c->st.frees,
                    c->st.slabs);
    spin_unlock_irqrestore(&g_caches_lock, f);
    struct kmem_stats t;
    kmem_totals(&t);
    kprintf("kmem: %lu live allocations, %lu bytes (%lu charged to processes), %lu pages\n",
            t.active, t.active_bytes, t.charged_bytes, t.slabs);
}
