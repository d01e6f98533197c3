/*
 * Kernel object allocator: slab caches of fixed-size objects and kmalloc/kfree over size
 * classes, every allocation counted.
 *
 * A slab is one 4 KiB frame from the pmm, reached through the direct map: a header (owner
 * cache, free list, allocation bitmap) then the objects. kmalloc serves 16..1024 bytes from
 * power-of-two caches and larger sizes with whole buddy blocks.
 *
 * Counting and charging: each cache counts allocations, frees, live objects and slab pages;
 * kmem_totals() sums every cache plus large kmalloc blocks. A later issue charges kernel memory
 * to the process that caused it with the protocol of kern/obj/kobj.h: charge
 * kmem_cache_charge(c) (or kmalloc_charge(size)) bytes to the process's account first, then
 * allocate, and uncharge the same amount after freeing. The charge is the object's full
 * footprint (size rounded to its slot), so what a process is charged is exactly what it holds.
 *
 * Misuse is a kernel bug and panics with the cache's name: freeing a pointer that is not an
 * object start, freeing into the wrong cache, double free (caught by the slab bitmap).
 * All functions are safe on any CPU; each cache has its own spinlock.
 */
#ifndef BASTION_MM_SLAB_H
#define BASTION_MM_SLAB_H

#include <bastion/retcode.h>
#include <stddef.h>
#include <stdint.h>

#define KMEM_NAME_MAX 24
#define KMALLOC_MIN 16
#define KMALLOC_MAX_SLAB 1024 /* larger kmalloc requests get whole pages */
#define KMEM_OBJECT_MAX 1024  /* largest object a cache may hold (three per slab) */

struct kmem_cache;

struct kmem_stats {
    uint64_t allocs; /* successful allocations since creation */
    uint64_t frees;
    uint64_t failures;     /* allocations refused for lack of memory */
    uint64_t active;       /* live objects = allocs - frees */
    uint64_t active_bytes; /* active * slot size: what live objects occupy */
    uint64_t peak_active;
    uint64_t slabs;         /* slab pages held (live objects or one spare) */
    uint64_t charged_bytes; /* part of active_bytes charged to a process's kmem_account */
};

struct kmem_account; /* kern/obj/account.h */

/*
 * A cache of objects of `size` bytes aligned to `align` (0: 16; a power of two <= 64).
 * Returns NULL for size 0 or > KMEM_OBJECT_MAX, a bad alignment, or no memory.
 * `name` is copied (cut to KMEM_NAME_MAX - 1 characters).
 */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
/* rcResourceBusy while objects are live; the cache stays usable then. */
Retcode kmem_cache_destroy(struct kmem_cache *c);

void *kmem_cache_alloc(struct kmem_cache *c);          /* NULL when out of memory */
void kmem_cache_free(struct kmem_cache *c, void *obj); /* NULL is ignored */

/* Bytes one object of c occupies (its slot): what to charge per object. */
size_t kmem_cache_charge(const struct kmem_cache *c);
/* Objects one slab page holds (the self-test, kern/selftest/slab.c, checks the slab count). */
unsigned kmem_cache_per_slab(const struct kmem_cache *c);
void kmem_cache_stats(const struct kmem_cache *c, struct kmem_stats *out);
const char *kmem_cache_name(const struct kmem_cache *c);

/* General-purpose allocation; size 0 gives NULL. Memory is not zeroed (kzalloc is). */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p); /* NULL is ignored */
/* Bytes a kmalloc(size) occupies: the size class or the whole pages. */
size_t kmalloc_charge(size_t size);

/*
 * Charged variants: charge the allocation's footprint to `acct` first (NULL: kernel-internal,
 * nothing charged), then allocate; on failure nothing stays charged and NULL is returned with
 * *rc = rcQuotaExceeded (the account's limit) or rcOutOfMemory. The free variants return the
 * same charge; pass the account the object was charged to.
 */
void *kmem_cache_alloc_charged(struct kmem_cache *c, struct kmem_account *acct, Retcode *rc);
void kmem_cache_free_charged(struct kmem_cache *c, void *obj, struct kmem_account *acct);
void *kmalloc_charged(size_t size, struct kmem_account *acct, Retcode *rc);
void kfree_charged_block(void *p, struct kmem_account *acct);
/* Inline: freeing NULL (a buffer a path did not need) costs its caller no call. */
static inline void kfree_charged(void *p, struct kmem_account *acct)
{
    if (p != NULL)
        kfree_charged_block(p, acct);
}

/* Sum over every cache and the large kmalloc blocks. */
void kmem_totals(struct kmem_stats *out);

/* Creates the kmalloc caches and runs a short self-test; after paging_init(). */
void slab_init(void);
/* One line per cache with live objects, then the totals. */
void kmem_print_stats(void);

#endif
