/*
 * Buddy allocator. See buddy.h for the contract.
 *
 * Invariants (checked by buddy_check):
 *  - a FREE head of order k is on free list k, its index is a multiple of 2^k, and the other
 *    2^k - 1 frames of its block are FREE_TAIL;
 *  - an ALLOC head of order k is followed by 2^k - 1 ALLOC_TAIL frames;
 *  - two free buddies of the same order never coexist (they are merged on free);
 *  - a HOT frame is on the hot list or the known-zero list, which together hold
 *    hot_count <= hot_max frames, zero_count of them on the second (buddy.h);
 *  - free_pages (blocks and hot frames) + used_pages + reserved_pages == nframes;
 *  - links[i] is read only while frame i is on a free list or the hot list, order[i] only while
 *    frame i is a block head (FREE_HEAD, ALLOC_HEAD): each is written when the frame becomes
 *    one, so buddy_init writes neither (only the state bytes).
 */
#include "mm/buddy.h"

enum buddy_state {
    BF_RESERVED = 0, /* zero so that clearing the metadata reserves everything */
    BF_FREE_HEAD,
    BF_FREE_TAIL,
    BF_ALLOC_HEAD,
    BF_ALLOC_TAIL,
    BF_HOT, /* a free single frame on the hot list */
};

size_t buddy_meta_size(uint64_t nframes)
{
    return (size_t)nframes * BUDDY_FRAME_META_BYTES;
}

void buddy_move_meta(struct buddy *b, void *meta)
{
    b->links = meta;
    b->state = (uint8_t *)meta + (size_t)b->nframes * sizeof(struct buddy_link);
    b->order = b->state + b->nframes;
}

/* Every state in s[0, n) is BF_RESERVED (zero): eight at a time where aligned. */
static bool all_reserved(const uint8_t *s, uint32_t n)
{
    typedef uint64_t __attribute__((may_alias)) word;
    while (n > 0 && ((uintptr_t)s & 7u) != 0) {
        if (*s++ != BF_RESERVED)
            return false;
        n--;
    }
    for (; n >= 8; s += 8, n -= 8)
        if (*(const word *)s != 0)
            return false;
    while (n-- > 0)
        if (*s++ != BF_RESERVED)
            return false;
    return true;
}

static void list_push(struct buddy *b, uint32_t i, unsigned order)
{
    struct buddy_link *f = &b->links[i];
    b->state[i] = BF_FREE_HEAD;
    b->order[i] = (uint8_t)order;
    f->prev = BUDDY_NONE;
    f->next = b->free_head[order];
    if (f->next != BUDDY_NONE)
        b->links[f->next].prev = i;
    b->free_head[order] = i;
    b->free_blocks[order]++;
}

static void list_remove(struct buddy *b, uint32_t i)
{
    struct buddy_link *f = &b->links[i];
    unsigned order = b->order[i];
    if (f->prev != BUDDY_NONE)
        b->links[f->prev].next = f->next;
    else
        b->free_head[order] = f->next;
    if (f->next != BUDDY_NONE)
        b->links[f->next].prev = f->prev;
    f->next = f->prev = BUDDY_NONE;
    b->free_blocks[order]--;
}

/* The tails of block (i, order) to tail_state: one memset (-fno-builtin kernel: the kernel's, a
 * rep stosq; the host's in tests). */
static void mark(struct buddy *b, uint32_t i, unsigned order, uint8_t tail_state)
{
    if (order > 0)
        __builtin_memset(&b->state[i + 1], tail_state, (1u << order) - 1);
}

Retcode buddy_init(struct buddy *b, uint64_t base, uint64_t nframes, void *meta, size_t meta_size)
{
    if (b == NULL || meta == NULL)
        return rcInvalidArgument;
    if (base % BUDDY_PAGE_SIZE != 0)
        return rcAlignment;
    if (nframes == 0 || nframes >= BUDDY_NONE)
        return rcOutOfRange;
    if (meta_size < buddy_meta_size(nframes))
        return rcBufferTooSmall;
    if ((uintptr_t)meta % _Alignof(struct buddy_link) != 0)
        return rcAlignment;
    b->base = base;
    b->nframes = (uint32_t)nframes;
    buddy_move_meta(b, meta);
    /* Every frame RESERVED; links and orders are written when needed (the invariants above). */
    __builtin_memset(b->state, BF_RESERVED, b->nframes);
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        b->free_head[k] = BUDDY_NONE;
        b->free_blocks[k] = 0;
    }
    b->free_pages = b->used_pages = 0;
    b->reserved_pages = b->nframes;
    b->hot_head = b->zero_head = BUDDY_NONE;
    b->hot_count = b->hot_max = b->zero_count = 0;
    return rcOk;
}

static void insert_coalesce(struct buddy *b, uint32_t i, unsigned order);

static void drain_list(struct buddy *b, uint32_t *head)
{
    while (*head != BUDDY_NONE) {
        uint32_t i = *head;
        *head = b->links[i].next;
        b->links[i].next = BUDDY_NONE;
        b->state[i] = BF_FREE_HEAD; /* insert_coalesce re-marks it */
        insert_coalesce(b, i, 0);
    }
}

/* Gives every hot frame, known zero or not, back to the blocks (merging it with its buddies). */
static void drain_hot(struct buddy *b)
{
    drain_list(b, &b->hot_head);
    drain_list(b, &b->zero_head);
    b->hot_count = b->zero_count = 0;
}

/* The first frame of a hot list (not empty), allocated. */
static uint64_t take_hot(struct buddy *b, uint32_t *head)
{
    uint32_t i = *head;
    *head = b->links[i].next;
    b->hot_count--;
    b->links[i].next = BUDDY_NONE;
    b->state[i] = BF_ALLOC_HEAD;
    b->order[i] = 0;
    b->free_pages--;
    b->used_pages++;
    return b->base + ((uint64_t)i << BUDDY_PAGE_SHIFT);
}

/* Range [paddr, +npages) to frame indices; checks alignment and bounds. */
static Retcode to_range(const struct buddy *b, uint64_t paddr, uint64_t npages, uint32_t *first,
                        uint32_t *end)
{
    if (paddr % BUDDY_PAGE_SIZE != 0)
        return rcAlignment;
    if (paddr < b->base)
        return rcOutOfRange;
    uint64_t f = (paddr - b->base) >> BUDDY_PAGE_SHIFT;
    if (f > b->nframes || npages > b->nframes - f)
        return rcOutOfRange;
    *first = (uint32_t)f;
    *end = (uint32_t)(f + npages);
    return rcOk;
}

/*
 * Insert the free block (i, order) and merge it with its buddy while the buddy is a free
 * head of the same order. The block's frames must already be counted as free.
 */
static void insert_coalesce(struct buddy *b, uint32_t i, unsigned order)
{
    while (order < BUDDY_MAX_ORDER) {
        uint32_t bud = i ^ (1u << order);
        if (bud >= b->nframes || (uint64_t)(i < bud ? i : bud) + (2u << order) > b->nframes)
            break;
        if (b->state[bud] != BF_FREE_HEAD || b->order[bud] != order)
            break;
        list_remove(b, bud);
        if (bud < i) {
            /* The buddy becomes the head of the merged block; the old head turns into a tail. */
            b->state[i] = BF_FREE_TAIL;
            i = bud;
        } else {
            b->state[bud] = BF_FREE_TAIL;
        }
        order++;
    }
    mark(b, i, order, BF_FREE_TAIL);
    list_push(b, i, order);
}

Retcode buddy_add_free(struct buddy *b, uint64_t paddr, uint64_t npages)
{
    uint32_t first, end;
    Retcode rc = to_range(b, paddr, npages, &first, &end);
    if (rc != rcOk)
        return rc;
    if (!all_reserved(&b->state[first], end - first))
        return rcAlreadyExists;
    /* Insert the largest aligned blocks that fit, so init costs O(blocks), not O(pages). */
    uint32_t i = first;
    while (i < end) {
        unsigned order = 0;
        while (order < BUDDY_MAX_ORDER && (i & ((2u << order) - 1)) == 0 &&
               (uint64_t)i + (2u << order) <= end)
            order++;
        uint32_t n = 1u << order;
        b->reserved_pages -= n;
        b->free_pages += n;
        insert_coalesce(b, i, order);
        i += n;
    }
    return rcOk;
}

/* Head of the free block containing frame i, or BUDDY_NONE when i is not free. */
static uint32_t free_block_of(const struct buddy *b, uint32_t i)
{
    if (b->state[i] != BF_FREE_HEAD && b->state[i] != BF_FREE_TAIL)
        return BUDDY_NONE;
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        uint32_t h = i & ~((1u << k) - 1);
        if (b->state[h] == BF_FREE_HEAD && b->order[h] >= k)
            return h;
    }
    return BUDDY_NONE; /* unreachable while the invariants hold */
}

Retcode buddy_reserve(struct buddy *b, uint64_t paddr, uint64_t npages)
{
    uint32_t first, end;
    Retcode rc = to_range(b, paddr, npages, &first, &end);
    if (rc != rcOk)
        return rc;
    for (uint32_t i = first; i < end; i++)
        if (b->state[i] == BF_ALLOC_HEAD || b->state[i] == BF_ALLOC_TAIL)
            return rcResourceBusy;
    drain_hot(b); /* a hot frame in the range is free: it goes the way of the blocks' */
    for (uint32_t i = first; i < end; i++) {
        uint32_t h = free_block_of(b, i);
        if (h == BUDDY_NONE)
            continue; /* already reserved */
        /* Split the containing block down to order 0 around frame i, keeping the other halves. */
        unsigned order = b->order[h];
        list_remove(b, h);
        while (order > 0) {
            order--;
            uint32_t half = 1u << order;
            uint32_t keep = (i < h + half) ? h + half : h; /* the half without frame i */
            list_push(b, keep, order);
            if (keep == h)
                h += half;
        }
        b->state[i] = BF_RESERVED;
        b->free_pages--;
        b->reserved_pages++;
    }
    return rcOk;
}

Retcode buddy_alloc(struct buddy *b, unsigned order, uint64_t *paddr)
{
    if (b == NULL || paddr == NULL || order > BUDDY_MAX_ORDER)
        return rcInvalidArgument;
    if (order == 0 && b->hot_head != BUDDY_NONE) {
        *paddr = take_hot(b, &b->hot_head);
        return rcOk;
    }
    if (order == 0 && b->zero_head != BUDDY_NONE) {
        b->zero_count--;
        *paddr = take_hot(b, &b->zero_head);
        return rcOk;
    }
    unsigned k = order;
    while (k <= BUDDY_MAX_ORDER && b->free_head[k] == BUDDY_NONE)
        k++;
    if (k > BUDDY_MAX_ORDER && b->hot_count != 0) {
        /* Nothing large enough but the hot frames, uncoalesced: give them back and look again. */
        drain_hot(b);
        k = order;
        while (k <= BUDDY_MAX_ORDER && b->free_head[k] == BUDDY_NONE)
            k++;
    }
    if (k > BUDDY_MAX_ORDER)
        return rcOutOfMemory;
    uint32_t i = b->free_head[k];
    list_remove(b, i);
    /* Split: keep the lower half, give the upper halves back to the lists. */
    while (k > order) {
        k--;
        list_push(b, i + (1u << k), k);
    }
    b->state[i] = BF_ALLOC_HEAD;
    b->order[i] = (uint8_t)order;
    mark(b, i, order, BF_ALLOC_TAIL);
    b->free_pages -= 1u << order;
    b->used_pages += 1u << order;
    *paddr = b->base + ((uint64_t)i << BUDDY_PAGE_SHIFT);
    return rcOk;
}

static Retcode alloc_head(const struct buddy *b, uint64_t paddr, uint32_t *idx)
{
    if (paddr % BUDDY_PAGE_SIZE != 0)
        return rcAlignment;
    if (paddr < b->base || ((paddr - b->base) >> BUDDY_PAGE_SHIFT) >= b->nframes)
        return rcOutOfRange;
    uint32_t i = (uint32_t)((paddr - b->base) >> BUDDY_PAGE_SHIFT);
    if (b->state[i] == BF_ALLOC_TAIL)
        return rcAlignment; /* inside an allocation, not at its start */
    if (b->state[i] != BF_ALLOC_HEAD)
        return rcNotFound;
    *idx = i;
    return rcOk;
}

Retcode buddy_alloc_zeroed(struct buddy *b, uint64_t *paddr, bool *zero)
{
    if (b == NULL || paddr == NULL || zero == NULL)
        return rcInvalidArgument;
    *zero = b->zero_head != BUDDY_NONE;
    if (*zero) {
        b->zero_count--;
        *paddr = take_hot(b, &b->zero_head);
        return rcOk;
    }
    return buddy_alloc(b, 0, paddr);
}

Retcode buddy_free_zeroed(struct buddy *b, uint64_t paddr)
{
    if (b == NULL)
        return rcInvalidArgument;
    uint32_t i;
    Retcode rc = alloc_head(b, paddr, &i);
    if (rc != rcOk)
        return rc;
    if (b->order[i] != 0 || b->hot_count >= b->hot_max)
        return buddy_free(b, paddr, 0);
    b->used_pages--;
    b->free_pages++;
    b->state[i] = BF_HOT;
    b->links[i].next = b->zero_head;
    b->zero_head = i;
    b->zero_count++;
    b->hot_count++;
    return rcOk;
}

Retcode buddy_free(struct buddy *b, uint64_t paddr, unsigned order)
{
    if (b == NULL)
        return rcInvalidArgument;
    uint32_t i;
    Retcode rc = alloc_head(b, paddr, &i);
    if (rc != rcOk)
        return rc;
    if (b->order[i] != order)
        return rcInvalidArgument;
    b->used_pages -= 1u << order;
    b->free_pages += 1u << order;
    if (order == 0 && b->hot_count < b->hot_max) {
        b->state[i] = BF_HOT;
        b->links[i].next = b->hot_head;
        b->hot_head = i;
        b->hot_count++;
        return rcOk;
    }
    b->state[i] = BF_FREE_HEAD; /* insert_coalesce re-marks head and tails */
    insert_coalesce(b, i, order);
    return rcOk;
}

Retcode buddy_block_order(const struct buddy *b, uint64_t paddr, unsigned *order)
{
    uint32_t i;
    Retcode rc = alloc_head(b, paddr, &i);
    if (rc == rcOk)
        *order = b->order[i];
    return rc;
}

int buddy_largest_free_order(const struct buddy *b)
{
    for (int k = BUDDY_MAX_ORDER; k >= 0; k--)
        if (b->free_head[k] != BUDDY_NONE)
            return k;
    return b->hot_count != 0 ? 0 : -1;
}

Retcode buddy_check(const struct buddy *b)
{
    uint64_t free_pages = 0, used = 0, reserved = 0;
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        uint64_t n = 0;
        uint32_t prev = BUDDY_NONE;
        for (uint32_t i = b->free_head[k]; i != BUDDY_NONE; i = b->links[i].next) {
            if (i >= b->nframes || b->state[i] != BF_FREE_HEAD || b->order[i] != k ||
                b->links[i].prev != prev)
                return rcBadFormat;
            if ((i & ((1u << k) - 1)) != 0 || (uint64_t)i + (1u << k) > b->nframes)
                return rcBadFormat;
            for (uint32_t j = 1; j < (1u << k); j++)
                if (b->state[i + j] != BF_FREE_TAIL)
                    return rcBadFormat;
            if (k < BUDDY_MAX_ORDER) {
                uint32_t bud = i ^ (1u << k);
                if (bud < b->nframes && b->state[bud] == BF_FREE_HEAD && b->order[bud] == k)
                    return rcBadFormat; /* two free buddies not merged */
            }
            if (++n > b->nframes)
                return rcBadFormat; /* a cycle in the list */
            free_pages += 1u << k;
            prev = i;
        }
        if (n != b->free_blocks[k])
            return rcBadFormat;
    }
    uint64_t hot = 0, zero = 0;
    for (uint32_t i = b->hot_head; i != BUDDY_NONE; i = b->links[i].next) {
        if (i >= b->nframes || b->state[i] != BF_HOT || ++hot > b->hot_count)
            return rcBadFormat; /* a stranger or a cycle on the hot list */
    }
    for (uint32_t i = b->zero_head; i != BUDDY_NONE; i = b->links[i].next) {
        if (i >= b->nframes || b->state[i] != BF_HOT || ++zero > b->zero_count)
            return rcBadFormat; /* a stranger or a cycle on the known-zero list */
    }
    hot += zero;
    if (zero != b->zero_count || hot != b->hot_count || hot > b->hot_max)
        return rcBadFormat;
    free_pages += hot;
    for (uint32_t i = 0; i < b->nframes; i++) {
        uint8_t s = b->state[i];
        if (s == BF_HOT) {
            if (hot-- == 0)
                return rcBadFormat; /* a hot frame that is not on the list */
        } else if (s == BF_RESERVED) {
            reserved++;
        } else if (s == BF_ALLOC_HEAD) {
            unsigned o = b->order[i];
            if (o > BUDDY_MAX_ORDER || (i & ((1u << o) - 1)) != 0 ||
                (uint64_t)i + (1u << o) > b->nframes)
                return rcBadFormat;
            for (uint32_t j = 1; j < (1u << o); j++)
                if (b->state[i + j] != BF_ALLOC_TAIL)
                    return rcBadFormat;
            used += 1u << o;
        }
    }
    if (free_pages != b->free_pages || used != b->used_pages || reserved != b->reserved_pages)
        return rcBadFormat;
    if (free_pages + used + reserved != b->nframes)
        return rcBadFormat;
    return rcOk;
}
