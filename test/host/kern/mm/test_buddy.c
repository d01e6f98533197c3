/* Buddy allocator: splitting, coalescing, exhaustion, fragmentation, reserved regions, misuse. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/buddy.h"

#define PG BUDDY_PAGE_SIZE

struct fixture {
    struct buddy b;
    void *meta;
};

/* A buddy over nframes frames at physical base, all free. */
static struct fixture *make(uint64_t base, uint64_t nframes)
{
    struct fixture *f = calloc(1, sizeof *f);
    size_t sz = buddy_meta_size(nframes);
    f->meta = malloc(sz);
    assert_int_equal(buddy_init(&f->b, base, nframes, f->meta, sz), rcOk);
    assert_int_equal(f->b.reserved_pages, nframes);
    assert_int_equal(buddy_add_free(&f->b, base, nframes), rcOk);
    assert_int_equal(buddy_check(&f->b), rcOk);
    return f;
}

static void destroy(struct fixture *f)
{
    free(f->meta);
    free(f);
}

static void test_init_errors(void **state)
{
    (void)state;
    struct buddy b;
    _Alignas(struct buddy_link) uint8_t meta[64 * BUDDY_FRAME_META_BYTES];
    assert_int_equal(buddy_init(&b, 0x1001, 4, meta, sizeof meta), rcAlignment);
    assert_int_equal(buddy_init(&b, 0, 0, meta, sizeof meta), rcOutOfRange);
    assert_int_equal(buddy_init(&b, 0, 65, meta, sizeof meta), rcBufferTooSmall);
    assert_int_equal(buddy_init(&b, 0, 64, NULL, sizeof meta), rcInvalidArgument);
    assert_int_equal(buddy_init(&b, 0, 64, meta, sizeof meta), rcOk);
    assert_int_equal(buddy_add_free(&b, 0x800, 1), rcAlignment);
    assert_int_equal(buddy_add_free(&b, 60 * PG, 5), rcOutOfRange);
    assert_int_equal(buddy_add_free(&b, 0, 64), rcOk);
    assert_int_equal(buddy_add_free(&b, 8 * PG, 1), rcAlreadyExists);
    assert_int_equal(b.free_pages, 64);
    assert_int_equal(buddy_check(&b), rcOk);
}

static void test_add_free_builds_max_blocks(void **state)
{
    (void)state;
    /* 3000 frames: two order-10 blocks (2048) + order 9 (512) + 8 (256) + 7 (128) + 5 + 4 + 3. */
    struct fixture *f = make(0, 3000);
    assert_int_equal(f->b.free_blocks[10], 2);
    assert_int_equal(f->b.free_blocks[9], 1);
    assert_int_equal(f->b.free_blocks[8], 1);
    assert_int_equal(f->b.free_blocks[7], 1);
    assert_int_equal(f->b.free_blocks[5], 1);
    assert_int_equal(f->b.free_blocks[4], 1);
    assert_int_equal(f->b.free_blocks[3], 1);
    assert_int_equal(f->b.free_blocks[0], 0);
    assert_int_equal(f->b.free_pages, 3000);
    assert_int_equal(buddy_largest_free_order(&f->b), 10);
    destroy(f);
}

static void test_split_and_coalesce(void **state)
{
    (void)state;
    struct fixture *f = make(0x100000, 16); /* base 1 MiB: order-4 block fits exactly */
    uint64_t a, b, c;
    assert_int_equal(buddy_alloc(&f->b, 0, &a), rcOk);
    assert_int_equal(a, 0x100000);
    /* One order-0 alloc split 16 into 8 + 4 + 2 + 1 (+ the allocated 1). */
    assert_int_equal(f->b.free_blocks[3], 1);
    assert_int_equal(f->b.free_blocks[2], 1);
    assert_int_equal(f->b.free_blocks[1], 1);
    assert_int_equal(f->b.free_blocks[0], 1);
    assert_int_equal(f->b.used_pages, 1);
    assert_int_equal(f->b.free_pages, 15);
    assert_int_equal(buddy_alloc(&f->b, 0, &b), rcOk);
    assert_int_equal(b, 0x101000);
    assert_int_equal(buddy_alloc(&f->b, 2, &c), rcOk);
    assert_int_equal(c, 0x104000);
    assert_int_equal(buddy_check(&f->b), rcOk);
    assert_int_equal(buddy_free(&f->b, a, 0), rcOk);
    assert_int_equal(buddy_free(&f->b, c, 2), rcOk);
    assert_int_equal(buddy_check(&f->b), rcOk);
    assert_int_equal(buddy_largest_free_order(&f->b), 3);
    /* Freeing the last page merges everything back into one order-4 block. */
    assert_int_equal(buddy_free(&f->b, b, 0), rcOk);
    assert_int_equal(f->b.free_blocks[4], 1);
    assert_int_equal(
        f->b.free_blocks[0] + f->b.free_blocks[1] + f->b.free_blocks[2] + f->b.free_blocks[3], 0);
    assert_int_equal(f->b.used_pages, 0);
    assert_int_equal(f->b.free_pages, 16);
    assert_int_equal(buddy_check(&f->b), rcOk);
    destroy(f);
}

/* The hot list: freed single frames come back first, uncoalesced, up to hot_max; a double
 * free of one is still caught; block allocations and reservations give them back. */
static void test_hot_list(void **state)
{
    (void)state;
    struct fixture *f = make(0, 16);
    f->b.hot_max = 2;
    uint64_t p[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(buddy_alloc(&f->b, 0, &p[i]), rcOk);
    for (int i = 0; i < 4; i++)
        assert_int_equal(buddy_free(&f->b, p[i], 0), rcOk);
    /* Two stayed hot (p[0], p[1]), two went back to the blocks. */
    assert_int_equal(f->b.hot_count, 2);
    assert_int_equal(f->b.free_pages, 16);
    assert_int_equal(f->b.used_pages, 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    assert_int_equal(buddy_free(&f->b, p[1], 0), rcNotFound); /* a double free, hot or not */
    assert_int_equal(buddy_free(&f->b, p[3], 0), rcNotFound);
    uint64_t a;
    assert_int_equal(buddy_alloc(&f->b, 0, &a), rcOk);
    assert_int_equal(a, p[1]); /* the last frame freed hot is the first taken */
    assert_int_equal(f->b.hot_count, 1);
    assert_int_equal(buddy_free(&f->b, a, 0), rcOk);
    /* An order-4 block exists only once the hot frames are merged back. */
    uint64_t big;
    assert_int_equal(buddy_alloc(&f->b, 4, &big), rcOk);
    assert_int_equal(big, 0);
    assert_int_equal(f->b.hot_count, 0);
    assert_int_equal(f->b.free_pages, 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    assert_int_equal(buddy_free(&f->b, big, 4), rcOk);
    /* A reservation over a hot frame reserves it. */
    assert_int_equal(buddy_alloc(&f->b, 0, &a), rcOk);
    assert_int_equal(buddy_free(&f->b, a, 0), rcOk);
    assert_int_equal(f->b.hot_count, 1);
    assert_int_equal(buddy_reserve(&f->b, a, 1), rcOk);
    assert_int_equal(f->b.hot_count, 0);
    assert_int_equal(f->b.reserved_pages, 1);
    assert_int_equal(f->b.free_pages, 15);
    assert_int_equal(buddy_check(&f->b), rcOk);
    /* The largest free order counts a hot frame when nothing else is free. */
    for (int i = 0; i < 15; i++)
        assert_int_equal(buddy_alloc(&f->b, 0, &p[i % 4]), rcOk);
    assert_int_equal(buddy_largest_free_order(&f->b), -1);
    assert_int_equal(buddy_free(&f->b, p[0], 0), rcOk);
    assert_int_equal(buddy_largest_free_order(&f->b), 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    /* A corrupt hot list is found. */
    f->b.hot_count = 2;
    assert_int_equal(buddy_check(&f->b), rcBadFormat);
    destroy(f);
}

/* Known-zero frames: kept apart from the plain hot ones within the same hot_max, handed out as
 * known zero only by buddy_alloc_zeroed, taken by a plain allocation only when no plain hot
 * frame is left, given back to the blocks with the others; misuse is caught as in buddy_free. */
static void test_zero_hot_list(void **state)
{
    (void)state;
    struct fixture *f = make(0, 16);
    f->b.hot_max = 3;
    uint64_t p[4], a;
    bool zero = true;
    for (int i = 0; i < 4; i++)
        assert_int_equal(buddy_alloc(&f->b, 0, &p[i]), rcOk);
    /* No known-zero frame yet: an ordinary one, said not to be zero. */
    assert_int_equal(buddy_alloc_zeroed(&f->b, &a, &zero), rcOk);
    assert_false(zero);
    assert_int_equal(buddy_free(&f->b, a, 0), rcOk); /* plain hot */
    /* A plain hot frame is no known-zero one. */
    zero = true;
    uint64_t h;
    assert_int_equal(buddy_alloc_zeroed(&f->b, &h, &zero), rcOk);
    assert_false(zero);
    assert_int_equal(h, a);
    assert_int_equal(buddy_free(&f->b, h, 0), rcOk);
    assert_int_equal(buddy_free_zeroed(&f->b, p[0]), rcOk);
    assert_int_equal(buddy_free_zeroed(&f->b, p[1]), rcOk);
    /* hot_max counts both lists: the fourth frame goes back to the blocks. */
    assert_int_equal(buddy_free_zeroed(&f->b, p[2]), rcOk);
    assert_int_equal(f->b.hot_count, 3);
    assert_int_equal(f->b.zero_count, 2);
    assert_int_equal(f->b.free_pages, 15);
    assert_int_equal(buddy_check(&f->b), rcOk);
    assert_int_equal(buddy_free_zeroed(&f->b, p[1]), rcNotFound); /* a double free */
    assert_int_equal(buddy_free_zeroed(&f->b, 5 * PG + 1), rcAlignment);
    uint64_t two;
    assert_int_equal(buddy_alloc(&f->b, 1, &two), rcOk);
    assert_int_equal(buddy_free_zeroed(&f->b, two), rcInvalidArgument); /* not one frame */
    assert_int_equal(buddy_free(&f->b, two, 1), rcOk);
    /* A plain allocation takes the plain hot frame, not a known-zero one. */
    uint64_t b;
    assert_int_equal(buddy_alloc(&f->b, 0, &b), rcOk);
    assert_int_equal(b, a);
    assert_int_equal(f->b.zero_count, 2);
    /* The zeroed allocation takes the last known-zero frame freed, and says so. */
    zero = false;
    assert_int_equal(buddy_alloc_zeroed(&f->b, &a, &zero), rcOk);
    assert_true(zero);
    assert_int_equal(a, p[1]);
    assert_int_equal(f->b.zero_count, 1);
    assert_int_equal(buddy_check(&f->b), rcOk);
    /* With no plain hot frame left a plain allocation takes a known-zero one. */
    uint64_t c;
    assert_int_equal(buddy_alloc(&f->b, 0, &c), rcOk);
    assert_int_equal(c, p[0]);
    assert_int_equal(f->b.zero_count, 0);
    assert_int_equal(f->b.hot_count, 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    /* A block allocation gives known-zero frames back to the blocks too. */
    assert_int_equal(buddy_free_zeroed(&f->b, c), rcOk);
    assert_int_equal(buddy_free_zeroed(&f->b, a), rcOk);
    assert_int_equal(buddy_free(&f->b, b, 0), rcOk);
    assert_int_equal(buddy_free(&f->b, p[3], 0), rcOk);
    uint64_t big;
    assert_int_equal(buddy_alloc(&f->b, 4, &big), rcOk);
    assert_int_equal(f->b.hot_count, 0);
    assert_int_equal(f->b.zero_count, 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    assert_int_equal(buddy_free(&f->b, big, 4), rcOk);
    /* A corrupt known-zero count is found. */
    assert_int_equal(buddy_alloc(&f->b, 0, &a), rcOk);
    assert_int_equal(buddy_free_zeroed(&f->b, a), rcOk);
    assert_int_equal(buddy_check(&f->b), rcOk);
    f->b.zero_count = 0;
    assert_int_equal(buddy_check(&f->b), rcBadFormat);
    destroy(f);
}

static void test_exhaustion(void **state)
{
    (void)state;
    struct fixture *f = make(0, 100);
    uint64_t seen[100];
    for (int i = 0; i < 100; i++) {
        assert_int_equal(buddy_alloc(&f->b, 0, &seen[i]), rcOk);
        for (int j = 0; j < i; j++)
            assert_true(seen[j] != seen[i]); /* never the same page twice */
        assert_true(seen[i] < 100 * PG);
    }
    uint64_t p = 0xdead;
    assert_int_equal(buddy_alloc(&f->b, 0, &p), rcOutOfMemory);
    assert_int_equal(p, 0xdead);
    assert_int_equal(f->b.free_pages, 0);
    assert_int_equal(f->b.used_pages, 100);
    assert_int_equal(buddy_largest_free_order(&f->b), -1);
    assert_int_equal(buddy_alloc(&f->b, BUDDY_MAX_ORDER + 1, &p), rcInvalidArgument);
    for (int i = 0; i < 100; i++)
        assert_int_equal(buddy_free(&f->b, seen[i], 0), rcOk);
    assert_int_equal(f->b.free_pages, 100);
    assert_int_equal(buddy_check(&f->b), rcOk);
    /* Back to the same shape as a fresh 100-frame allocator: 64 + 32 + 4. */
    assert_int_equal(f->b.free_blocks[6], 1);
    assert_int_equal(f->b.free_blocks[5], 1);
    assert_int_equal(f->b.free_blocks[2], 1);
    destroy(f);
}

static void test_fragmentation(void **state)
{
    (void)state;
    /* Allocate all 64 pages singly, free every other one: 32 free pages but no order-1 block. */
    struct fixture *f = make(0, 64);
    uint64_t pg[64];
    for (int i = 0; i < 64; i++)
        assert_int_equal(buddy_alloc(&f->b, 0, &pg[i]), rcOk);
    for (int i = 0; i < 64; i++)
        if ((pg[i] / PG) % 2 == 0)
            assert_int_equal(buddy_free(&f->b, pg[i], 0), rcOk);
    assert_int_equal(f->b.free_pages, 32);
    assert_int_equal(f->b.free_blocks[0], 32);
    uint64_t p;
    assert_int_equal(buddy_alloc(&f->b, 1, &p), rcOutOfMemory);
    assert_int_equal(buddy_largest_free_order(&f->b), 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    /* Freeing the odd pages coalesces pairwise and upward, back to one order-6 block. */
    for (int i = 0; i < 64; i++)
        if ((pg[i] / PG) % 2 == 1)
            assert_int_equal(buddy_free(&f->b, pg[i], 0), rcOk);
    assert_int_equal(f->b.free_blocks[6], 1);
    assert_int_equal(buddy_alloc(&f->b, 6, &p), rcOk);
    assert_int_equal(p, 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    destroy(f);
}

static void test_reserved_regions(void **state)
{
    (void)state;
    struct fixture *f = make(0, 1024);
    /* Reserve pages 3..5 and 512: they must never be handed out. */
    assert_int_equal(buddy_reserve(&f->b, 3 * PG, 3), rcOk);
    assert_int_equal(buddy_reserve(&f->b, 512 * PG, 1), rcOk);
    assert_int_equal(buddy_reserve(&f->b, 4 * PG, 1), rcOk); /* idempotent */
    assert_int_equal(f->b.reserved_pages, 4);
    assert_int_equal(f->b.free_pages, 1020);
    assert_int_equal(buddy_check(&f->b), rcOk);
    uint64_t p;
    int n = 0;
    while (buddy_alloc(&f->b, 0, &p) == rcOk) {
        uint64_t i = p / PG;
        assert_false(i >= 3 && i <= 5);
        assert_false(i == 512);
        n++;
    }
    assert_int_equal(n, 1020);
    assert_int_equal(buddy_check(&f->b), rcOk);
    /* Reserving an allocated page is refused and changes nothing. */
    assert_int_equal(buddy_reserve(&f->b, 0, 8), rcResourceBusy);
    assert_int_equal(f->b.reserved_pages, 4);
    assert_int_equal(buddy_free(&f->b, 4 * PG, 0), rcNotFound); /* reserved, not allocated */
    destroy(f);
}

static void test_holes_between_ranges(void **state)
{
    (void)state;
    /* Like a real memory map: two usable ranges with a hole, frames outside stay reserved. */
    struct buddy b;
    size_t sz = buddy_meta_size(4096);
    void *meta = malloc(sz);
    assert_int_equal(buddy_init(&b, 0, 4096, meta, sz), rcOk);
    assert_int_equal(buddy_add_free(&b, 0x1000, 158), rcOk);    /* 4 KiB .. 636 KiB */
    assert_int_equal(buddy_add_free(&b, 0x100000, 3840), rcOk); /* 1 MiB .. 16 MiB */
    assert_int_equal(buddy_check(&b), rcOk);
    assert_int_equal(b.free_pages, 158 + 3840);
    assert_int_equal(b.reserved_pages, 4096 - 158 - 3840);
    uint64_t p;
    assert_int_equal(buddy_alloc(&b, 10, &p), rcOk);
    assert_int_equal(p % (1024 * PG), 0); /* order-10 blocks are 4 MiB aligned with base 0 */
    assert_true(p >= 0x100000);
    assert_int_equal(buddy_free(&b, p, 10), rcOk);
    assert_int_equal(buddy_check(&b), rcOk);
    free(meta);
}

/* buddy_init writes only the state bytes: links and orders are written when a frame joins a
 * list or heads a block. Metadata full of junk must work exactly like zeroed metadata. */
static void test_garbage_metadata(void **state)
{
    (void)state;
    struct buddy b;
    size_t sz = buddy_meta_size(300);
    void *meta = malloc(sz);
    memset(meta, 0xa5, sz);
    assert_int_equal(buddy_init(&b, 0, 300, meta, sz), rcOk);
    b.hot_max = 4;
    assert_int_equal(buddy_add_free(&b, 0, 300), rcOk);
    assert_int_equal(buddy_check(&b), rcOk);
    assert_int_equal(buddy_reserve(&b, 256 * PG, 44), rcOk);
    assert_int_equal(buddy_check(&b), rcOk);
    uint64_t p[40];
    for (unsigned i = 0; i < 40; i++)
        assert_int_equal(buddy_alloc(&b, i % 3, &p[i]), rcOk);
    assert_int_equal(buddy_check(&b), rcOk);
    for (unsigned i = 0; i < 40; i += 2)
        assert_int_equal(buddy_free(&b, p[i], i % 3), rcOk);
    assert_int_equal(buddy_check(&b), rcOk);
    for (unsigned i = 1; i < 40; i += 2)
        assert_int_equal(buddy_free(&b, p[i], i % 3), rcOk);
    assert_int_equal(buddy_check(&b), rcOk);
    assert_int_equal(b.free_pages, 256);
    free(meta);
}

/* buddy_add_free refuses a range with any frame not reserved, wherever that frame lies relative
 * to the eight-byte words its scan of the state bytes reads, and changes nothing. */
static void test_add_free_overlap_any_offset(void **state)
{
    (void)state;
    for (uint32_t taken = 0; taken < 40; taken++) {
        for (uint32_t first = 0; first <= taken; first++) {
            struct fixture *f = calloc(1, sizeof *f);
            size_t sz = buddy_meta_size(64);
            f->meta = malloc(sz);
            memset(f->meta, 0x5a, sz);
            assert_int_equal(buddy_init(&f->b, 0, 64, f->meta, sz), rcOk);
            assert_int_equal(buddy_add_free(&f->b, taken * PG, 1), rcOk);
            assert_int_equal(buddy_add_free(&f->b, first * PG, taken + 1 - first), rcAlreadyExists);
            assert_int_equal(buddy_add_free(&f->b, first * PG, 64 - first), rcAlreadyExists);
            assert_int_equal(f->b.free_pages, 1);
            assert_int_equal(buddy_check(&f->b), rcOk);
            if (first < taken)
                assert_int_equal(buddy_add_free(&f->b, first * PG, taken - first), rcOk);
            assert_int_equal(buddy_check(&f->b), rcOk);
            destroy(f);
        }
    }
}

static void test_misuse_detected(void **state)
{
    (void)state;
    struct fixture *f = make(0x200000, 32);
    uint64_t p, q;
    assert_int_equal(buddy_alloc(&f->b, 2, &p), rcOk);
    assert_int_equal(buddy_alloc(&f->b, 0, &q), rcOk);
    assert_int_equal(buddy_free(&f->b, 0x100000, 0), rcOutOfRange);           /* below base */
    assert_int_equal(buddy_free(&f->b, 0x200000 + 32 * PG, 0), rcOutOfRange); /* past end */
    assert_int_equal(buddy_free(&f->b, p + 8, 2), rcAlignment);
    assert_int_equal(buddy_free(&f->b, p + PG, 0), rcAlignment);  /* inside a block */
    assert_int_equal(buddy_free(&f->b, p, 1), rcInvalidArgument); /* wrong order */
    unsigned order = 99;
    assert_int_equal(buddy_block_order(&f->b, p, &order), rcOk);
    assert_int_equal(order, 2);
    assert_int_equal(buddy_free(&f->b, p, 2), rcOk);
    assert_int_equal(buddy_free(&f->b, p, 2), rcNotFound); /* double free */
    assert_int_equal(buddy_block_order(&f->b, p, &order), rcNotFound);
    assert_int_equal(f->b.used_pages, 1);
    assert_int_equal(buddy_check(&f->b), rcOk);
    assert_int_equal(buddy_free(&f->b, q, 0), rcOk);
    assert_int_equal(f->b.free_pages, 32);
    destroy(f);
}

static void test_check_detects_corruption(void **state)
{
    (void)state;
    struct fixture *f = make(0, 16);
    f->b.free_pages++;
    assert_int_equal(buddy_check(&f->b), rcBadFormat);
    f->b.free_pages--;
    f->b.state[3] = 0; /* a tail of the free block turned "reserved" */
    assert_int_equal(buddy_check(&f->b), rcBadFormat);
    destroy(f);
}

/* Random allocations and frees of orders 0-4 against buddy_check, with a hot list of hot_max
 * frames (0: none). */
static void random_stress(unsigned hot_max)
{
    struct fixture *f = make(0, 2000);
    f->b.hot_max = hot_max;
    struct {
        uint64_t p;
        unsigned o;
    } live[400];
    int nlive = 0;
    srand(1234);
    for (int step = 0; step < 20000; step++) {
        if (nlive < 400 && (rand() % 3 != 0 || nlive == 0)) {
            unsigned o = (unsigned)(rand() % 5);
            uint64_t p;
            Retcode rc = buddy_alloc(&f->b, o, &p);
            if (rc == rcOk) {
                assert_int_equal(p % ((uint64_t)PG << o), 0);
                live[nlive].p = p;
                live[nlive].o = o;
                nlive++;
            } else {
                assert_int_equal(rc, rcOutOfMemory);
            }
        } else {
            int i = rand() % nlive;
            assert_int_equal(buddy_free(&f->b, live[i].p, live[i].o), rcOk);
            live[i] = live[--nlive];
        }
        if (step % 997 == 0)
            assert_int_equal(buddy_check(&f->b), rcOk);
    }
    while (nlive > 0) {
        nlive--;
        assert_int_equal(buddy_free(&f->b, live[nlive].p, live[nlive].o), rcOk);
    }
    assert_int_equal(f->b.free_pages, 2000);
    assert_int_equal(f->b.used_pages, 0);
    assert_int_equal(buddy_check(&f->b), rcOk);
    destroy(f);
}

static void test_random_stress(void **state)
{
    (void)state;
    random_stress(0);
}

static void test_random_stress_hot(void **state)
{
    (void)state;
    random_stress(16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_add_free_builds_max_blocks),
        cmocka_unit_test(test_split_and_coalesce),
        cmocka_unit_test(test_hot_list),
        cmocka_unit_test(test_zero_hot_list),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_fragmentation),
        cmocka_unit_test(test_reserved_regions),
        cmocka_unit_test(test_holes_between_ranges),
        cmocka_unit_test(test_garbage_metadata),
        cmocka_unit_test(test_add_free_overlap_any_offset),
        cmocka_unit_test(test_misuse_detected),
        cmocka_unit_test(test_check_detects_corruption),
        cmocka_unit_test(test_random_stress),
        cmocka_unit_test(test_random_stress_hot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
