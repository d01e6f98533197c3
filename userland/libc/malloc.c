/*
 * malloc over kl.core.VMM.
 *
 * The heap is one region reserved on first use (VMM.Allocate with BASTION_VMM_RESERVE) and backed
 * by RAM in HEAP_STEP pieces as it grows (VMM.Commit), so the process's RAM limit is charged
 * only for what it used. Requests of LARGE_MIN bytes or more get a committed region of their own
 * and give it back on free (VMM.Free).
 *
 * Heap blocks: a 16-byte header {size, tag} then the payload; sizes are multiples of 16, so
 * every payload is 16-byte aligned. Free blocks are on one list in address order; free()
 * merges a block with its neighbours when they touch, so the list never holds two adjacent
 * blocks. First fit. One futex mutex serialises everything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/mutex.h>
#include <user/vmm.h>

#define HEAP_RESERVE (64ull << 20)
#define HEAP_STEP (64u << 10)
#define LARGE_MIN (256u << 10)
#define ALIGN 16u
#define TAG_USED 0x55534544u  /* "USED" */
#define TAG_FREE 0x46524545u  /* "FREE" */
#define TAG_LARGE 0x4C524745u /* "LRGE" */

struct block {
    size_t size; /* whole block, header included */
    uint32_t tag;
    uint32_t pad;
    struct block *next; /* free blocks only: next free block at a higher address */
};
_Static_assert(offsetof(struct block, next) == ALIGN, "payload starts after a 16-byte header");

static mutex_t heap_lock = MUTEX_INIT;
static struct block *free_list;
static uint64_t heap_base, heap_committed; /* reserved region and how much of it is RAM */
static int heap_reserved = -1;             /* -1 not tried, 0 failed, 1 reserved */

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

/* Puts b on the free list in address order and merges it with touching neighbours.
 * Called with heap_lock held. */
static void insert_free(struct block *b)
{
    b->tag = TAG_FREE;
    struct block *prev = NULL, *cur = free_list;
    while (cur && cur < b) {
        prev = cur;
        cur = cur->next;
    }
    b->next = cur;
    if (cur && (uint8_t *)b + b->size == (uint8_t *)cur) {
        b->size += cur->size;
        b->next = cur->next;
    }
    if (prev && (uint8_t *)prev + prev->size == (uint8_t *)b) {
        prev->size += b->size;
        prev->next = b->next;
    } else if (prev) {
        prev->next = b;
    } else {
        free_list = b;
    }
}

/* Adds at least `need` bytes of RAM to the heap. Called with heap_lock held. */
static int grow(size_t need)
{
    size_t step = round_up(need, HEAP_STEP);
    if (heap_reserved < 0) {
        heap_reserved =
            core_vmm_allocate(0, HEAP_RESERVE,
                              BASTION_VMM_RESERVE | BASTION_VMM_READ | BASTION_VMM_WRITE,
                              &heap_base) == rcOk;
    }
    if (heap_reserved == 1 && heap_committed + step <= HEAP_RESERVE) {
        if (core_vmm_commit(heap_base + heap_committed, step) != rcOk)
            return -1;
        struct block *b = (struct block *)(uintptr_t)(heap_base + heap_committed);
        heap_committed += step;
        b->size = step;
        insert_free(b);
        return 0;
    }
    /* No reservation (or it is full): a separately committed piece. */
    uint64_t va;
    if (core_vmm_allocate(0, step, BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE,
                          &va) != rcOk)
        return -1;
    struct block *b = (struct block *)(uintptr_t)va;
    b->size = step;
    insert_free(b);
    return 0;
}

static void *large_alloc(size_t size)
{
    size_t total = round_up(size + ALIGN, USER_PAGE_SIZE);
    if (total < size)
        return NULL;
    uint64_t va;
    if (core_vmm_allocate(0, total, BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE,
                          &va) != rcOk)
        return NULL;
    struct block *b = (struct block *)(uintptr_t)va;
    b->size = total;
    b->tag = TAG_LARGE;
    return (uint8_t *)b + ALIGN;
}

void *malloc(size_t size)
{
    if (size == 0)
        size = 1;
    if (size >= LARGE_MIN)
        return size > (1ull << 46) ? NULL : large_alloc(size);
    size_t need = round_up(size + ALIGN, ALIGN); /* >= 32: room for the free-list link */
    mutex_lock(&heap_lock);
    for (int attempt = 0; attempt < 2; attempt++) {
        struct block *prev = NULL;
        for (struct block *b = free_list; b; prev = b, b = b->next) {
            if (b->size < need)
                continue;
            if (b->size - need >= sizeof(struct block) + ALIGN) {
                struct block *rest = (struct block *)((uint8_t *)b + need);
                rest->size = b->size - need;
                rest->tag = TAG_FREE;
                rest->next = b->next;
                b->size = need;
                b->next = rest;
            }
            if (prev)
                prev->next = b->next;
            else
                free_list = b->next;
            b->tag = TAG_USED;
            mutex_unlock(&heap_lock);
            return (uint8_t *)b + ALIGN;
        }
        if (grow(need) != 0)
            break;
    }
    mutex_unlock(&heap_lock);
    return NULL;
}

static struct block *header_of(void *p)
{
    struct block *b = (struct block *)((uint8_t *)p - ALIGN);
    if ((uintptr_t)p % ALIGN != 0 || (b->tag != TAG_USED && b->tag != TAG_LARGE)) {
        printf("free/realloc: %p is not a live heap block (double free or bad pointer)\n", p);
        abort();
    }
    return b;
}

void free(void *p)
{
    if (p == NULL)
        return;
    struct block *b = header_of(p);
    if (b->tag == TAG_LARGE) {
        b->tag = TAG_FREE;
        core_vmm_free((uint64_t)(uintptr_t)b, b->size);
        return;
    }
    mutex_lock(&heap_lock);
    insert_free(b);
    mutex_unlock(&heap_lock);
}

void *calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t size)
{
    if (p == NULL)
        return malloc(size);
    if (size == 0) {
        free(p);
        return NULL;
    }
    struct block *b = header_of(p);
    size_t have = b->size - ALIGN;
    if (size <= have && b->tag == TAG_USED)
        return p;
    void *q = malloc(size);
    if (q) {
        memcpy(q, p, have < size ? have : size);
        free(p);
    }
    return q;
}
