/* Host tests of kern/mm/vregion.c: placement, splitting, merging, state counts and every
 * refusal (alignment, W^X, gaps, overlap, exhaustion, allocation failure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mm/vregion.h"

#define P VR_PAGE
#define LO 0x10000ull
#define HI 0x100000000ull

static struct vr_map m;
static int allocs_left = -1; /* -1: unlimited */
static int live;

/* Fails like a charged allocation whose account is full. */
static Retcode vr_test_alloc(void *ctx, size_t n, void **out)
{
    (void)ctx;
    if (allocs_left == 0)
        return rcQuotaExceeded;
    if (allocs_left > 0)
        allocs_left--;
    live++;
    *out = malloc(n);
    return rcOk;
}

static void vr_test_free(void *ctx, void *p)
{
    (void)ctx;
    live--;
    free(p);
}

static int setup(void **state)
{
    (void)state;
    allocs_left = -1;
    live = 0;
    vr_init(&m, LO, HI, vr_test_alloc, vr_test_free, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vr_clear(&m);
    assert_int_equal(live, 0);
    return 0;
}

static void test_reserve_first_fit_and_hint(void **state)
{
    (void)state;
    uint64_t a, b, c;
    assert_int_equal(vr_reserve(&m, 0, 3 * P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(a, LO);
    assert_int_equal(vr_reserve(&m, 0, 1, BASTION_VMM_READ, &b), rcOk); /* rounded up to a page */
    assert_int_equal(b, LO + 3 * P);
    assert_int_equal(vr_reserve(&m, 0x200000, P, BASTION_VMM_READ, &c), rcOk);
    assert_int_equal(c, 0x200000);
    assert_int_equal(vr_reserve(&m, 0x200000, P, BASTION_VMM_READ, &c), rcAlreadyExists);
    assert_int_equal(vr_reserve(&m, 0x200001, P, BASTION_VMM_READ, &c), rcAlignment);
    assert_int_equal(vr_reserve(&m, HI, P, BASTION_VMM_READ, &c), rcInvalidArgument);
    assert_int_equal(vr_reserve(&m, 0, 0, BASTION_VMM_READ, &c), rcInvalidArgument);
    assert_int_equal(vr_reserve(&m, 0, P, BASTION_VMM_WRITE | BASTION_VMM_EXECUTE, &c),
                     rcWxViolation);
    assert_int_equal(vr_reserve(&m, 0, P, 8, &c), rcInvalidArgument);
    assert_int_equal(vr_reserve(&m, 0, HI, BASTION_VMM_READ, &c), rcInvalidArgument);
    assert_int_equal(vr_count(&m), 3);
}

static void test_gap_reuse_after_release(void **state)
{
    (void)state;
    uint64_t a, b, c, d;
    assert_int_equal(vr_reserve(&m, 0, 2 * P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(vr_reserve(&m, 0, 2 * P, BASTION_VMM_READ, &b), rcOk);
    assert_int_equal(vr_reserve(&m, 0, 2 * P, BASTION_VMM_READ, &c), rcOk);
    assert_int_equal(vr_release(&m, b, 2 * P, NULL, NULL), rcOk);
    assert_int_equal(vr_reserve(&m, 0, 3 * P, BASTION_VMM_READ, &d), rcOk);
    assert_int_equal(d, c + 2 * P); /* too big for the hole */
    assert_int_equal(vr_reserve(&m, 0, 2 * P, BASTION_VMM_READ, &d), rcOk);
    assert_int_equal(d, b); /* fits the hole exactly */
}

static void test_commit_split_and_merge(void **state)
{
    (void)state;
    uint64_t a, changed = 99;
    assert_int_equal(vr_reserve(&m, 0, 10 * P, BASTION_VMM_READ | BASTION_VMM_WRITE, &a), rcOk);
    assert_int_equal(vr_set_state(&m, a + 2 * P, 3 * P, VR_COMMITTED, &changed), rcOk);
    assert_int_equal(changed, 3);
    assert_int_equal(vr_count(&m), 3);
    const struct vregion *r = vr_find(&m, a + 3 * P);
    assert_non_null(r);
    assert_int_equal(r->base, a + 2 * P);
    assert_int_equal(r->size, 3 * P);
    assert_int_equal(r->state, VR_COMMITTED);
    /* Overlapping commit counts only the newly committed pages. */
    assert_int_equal(vr_set_state(&m, a, 4 * P, VR_COMMITTED, &changed), rcOk);
    assert_int_equal(changed, 2);
    assert_int_equal(vr_pages_in_state(&m, a, 10 * P, VR_COMMITTED), 5);
    assert_int_equal(vr_pages_in_state(&m, a, 10 * P, VR_RESERVED), 5);
    /* Decommitting everything merges back into one region. */
    assert_int_equal(vr_set_state(&m, a, 10 * P, VR_RESERVED, &changed), rcOk);
    assert_int_equal(changed, 5);
    assert_int_equal(vr_count(&m), 1);
}

static void test_refusals_leave_map_unchanged(void **state)
{
    (void)state;
    uint64_t a, b;
    assert_int_equal(vr_reserve(&m, 0x100000, 2 * P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(vr_reserve(&m, 0x100000 + 3 * P, 2 * P, BASTION_VMM_READ, &b), rcOk);
    /* The range spans the one-page gap between them. */
    assert_int_equal(vr_set_state(&m, a, 5 * P, VR_COMMITTED, NULL), rcNotFound);
    assert_int_equal(vr_protect(&m, a, 5 * P, BASTION_VMM_READ | BASTION_VMM_WRITE), rcNotFound);
    assert_int_equal(vr_release(&m, a, 5 * P, NULL, NULL), rcNotFound);
    assert_int_equal(vr_set_state(&m, a + 1, P, VR_COMMITTED, NULL), rcAlignment);
    assert_int_equal(vr_set_state(&m, a, P, VR_FREE, NULL), rcInvalidArgument);
    assert_int_equal(vr_protect(&m, a, P, BASTION_VMM_WRITE | BASTION_VMM_EXECUTE), rcWxViolation);
    assert_int_equal(vr_count(&m), 2);
    assert_int_equal(vr_pages_in_state(&m, a, 5 * P, VR_COMMITTED), 0);
    assert_null(vr_find(&m, a + 2 * P));
}

static void test_protect_splits(void **state)
{
    (void)state;
    uint64_t a;
    assert_int_equal(vr_reserve(&m, 0, 4 * P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(vr_protect(&m, a + P, P, BASTION_VMM_READ | BASTION_VMM_EXECUTE), rcOk);
    assert_int_equal(vr_count(&m), 3);
    assert_int_equal(vr_find(&m, a + P)->prot, BASTION_VMM_READ | BASTION_VMM_EXECUTE);
    assert_int_equal(vr_find(&m, a)->prot, BASTION_VMM_READ);
    assert_int_equal(vr_protect(&m, a + P, P, BASTION_VMM_READ), rcOk);
    assert_int_equal(vr_count(&m), 1);
}

/* W^X over time: what was ever writable never becomes executable, whichever way it got
 * writable (at reservation or by a protect, on part of the region); sealed regions keep their
 * protection; a refusal changes nothing. */
static void test_wx_over_time(void **state)
{
    (void)state;
    uint64_t a, b, c;
    assert_int_equal(vr_reserve(&m, 0, 2 * P, BASTION_VMM_READ | BASTION_VMM_WRITE, &a), rcOk);
    assert_int_equal(vr_protect(&m, a, 2 * P, BASTION_VMM_READ | BASTION_VMM_EXECUTE),
                     rcWxViolation);
    assert_int_equal(vr_protect(&m, a, P, BASTION_VMM_READ), rcOk);
    assert_int_equal(vr_protect(&m, a, P, BASTION_VMM_READ | BASTION_VMM_EXECUTE), rcWxViolation);
    assert_int_equal(vr_protect(&m, a, P, BASTION_VMM_EXECUTE), rcWxViolation);
    assert_int_equal(vr_find(&m, a)->prot, BASTION_VMM_READ);

    /* Never writable: may become executable; once made writable, never again. */
    assert_int_equal(vr_reserve(&m, 0, 4 * P, 0, &b), rcOk);
    assert_int_equal(vr_protect(&m, b, 4 * P, BASTION_VMM_READ | BASTION_VMM_EXECUTE), rcOk);
    assert_int_equal(vr_protect(&m, b + P, P, BASTION_VMM_READ | BASTION_VMM_WRITE), rcOk);
    assert_int_equal(vr_protect(&m, b + P, P, BASTION_VMM_READ), rcOk);
    unsigned before = vr_count(&m);
    assert_int_equal(vr_protect(&m, b, 4 * P, BASTION_VMM_READ | BASTION_VMM_EXECUTE),
                     rcWxViolation);
    assert_int_equal(vr_count(&m), before);
    assert_int_equal(vr_find(&m, b + P)->prot, BASTION_VMM_READ);
    assert_int_equal(vr_protect(&m, b + 2 * P, 2 * P, BASTION_VMM_READ | BASTION_VMM_EXECUTE),
                     rcOk);

    /* Sealed (an image segment): no protect at all, not even a narrower one. */
    assert_int_equal(vr_reserve(&m, 0, 2 * P, 0, &c), rcOk);
    assert_int_equal(vr_protect(&m, c, 2 * P, BASTION_VMM_READ | BASTION_VMM_EXECUTE), rcOk);
    assert_int_equal(vr_seal(&m, c, 2 * P), rcOk);
    assert_int_equal(vr_protect(&m, c, P, BASTION_VMM_READ | BASTION_VMM_WRITE), rcAccessDenied);
    assert_int_equal(vr_protect(&m, c + P, P, BASTION_VMM_READ), rcAccessDenied);
    assert_int_equal(vr_find(&m, c)->prot, BASTION_VMM_READ | BASTION_VMM_EXECUTE);
    assert_int_equal(vr_find(&m, c)->size, 2 * P);
}

static void test_release_partial_counts_committed(void **state)
{
    (void)state;
    uint64_t a, n = 0;
    assert_int_equal(vr_reserve(&m, 0, 8 * P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(vr_set_state(&m, a, 8 * P, VR_COMMITTED, NULL), rcOk);
    assert_int_equal(vr_release(&m, a + 2 * P, 3 * P, &n, NULL), rcOk);
    assert_int_equal(n, 3);
    assert_int_equal(vr_count(&m), 2);
    assert_null(vr_find(&m, a + 3 * P));
    assert_non_null(vr_find(&m, a + 5 * P));
}

static void test_neighbouring_reservations_stay_apart(void **state)
{
    (void)state;
    uint64_t a, b;
    assert_int_equal(vr_reserve(&m, 0, P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(vr_reserve(&m, 0, P, BASTION_VMM_READ, &b), rcOk);
    assert_int_equal(b, a + P);
    /* Same state and protection, adjacent, but two reservations: never merged. */
    assert_int_equal(vr_count(&m), 2);
    assert_int_equal(vr_release(&m, a, P, NULL, NULL), rcOk);
    assert_non_null(vr_find(&m, b));
}

static void vr_test_allocation_failure(void **state)
{
    (void)state;
    uint64_t a;
    assert_int_equal(vr_reserve(&m, 0, 4 * P, BASTION_VMM_READ, &a), rcOk);
    allocs_left = 0;
    /* The allocator's own code comes back: a full account is rcQuotaExceeded, not "no memory". */
    assert_int_equal(vr_reserve(&m, 0, P, BASTION_VMM_READ, &a), rcQuotaExceeded);
    assert_int_equal(vr_set_state(&m, a + P, P, VR_COMMITTED, NULL), rcQuotaExceeded);
    allocs_left = -1;
    assert_int_equal(vr_count(&m), 1);
    assert_int_equal(vr_find(&m, a)->state, VR_RESERVED);
}

static void test_exhaustion(void **state)
{
    (void)state;
    struct vr_map small;
    vr_init(&small, LO, LO + 4 * P, vr_test_alloc, vr_test_free, NULL);
    uint64_t a;
    assert_int_equal(vr_reserve(&small, 0, 3 * P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(vr_reserve(&small, 0, 2 * P, BASTION_VMM_READ, &a), rcOutOfMemory);
    assert_int_equal(vr_reserve(&small, 0, P, BASTION_VMM_READ, &a), rcOk);
    assert_int_equal(a, LO + 3 * P);
    vr_clear(&small);
}

/* MDL mappings: a shared region is made from one whole reservation, never split (state and
 * protection changes refuse it), released only whole, and handed back, not freed. */
static void test_shared_regions(void **state)
{
    (void)state;
    uint64_t a, b;
    int owner;
    assert_int_equal(vr_reserve(&m, 0, 4 * P, BASTION_VMM_READ | BASTION_VMM_WRITE, &a), rcOk);
    assert_int_equal(vr_reserve(&m, 0, 2 * P, BASTION_VMM_READ, &b), rcOk);
    assert_int_equal(vr_make_shared(&m, a, 2 * P, &owner), rcNotFound); /* not the whole one */
    assert_int_equal(vr_make_shared(&m, a, 4 * P, NULL), rcInvalidArgument);
    assert_int_equal(vr_make_shared(&m, a, 4 * P, &owner), rcOk);
    assert_int_equal(vr_make_shared(&m, a, 4 * P, &owner), rcNotFound); /* already shared */
    assert_int_equal(vr_find(&m, a + P)->state, VR_SHARED);
    assert_ptr_equal(vr_find(&m, a + P)->owner, &owner);
    assert_int_equal(vr_set_state(&m, a, P, VR_COMMITTED, NULL), rcNotSupported);
    assert_int_equal(vr_set_state(&m, a + P, P, VR_RESERVED, NULL), rcNotSupported);
    assert_int_equal(vr_protect(&m, a, 4 * P, BASTION_VMM_READ), rcNotSupported);
    assert_int_equal(vr_pages_in_state(&m, a, 4 * P, VR_COMMITTED), 0);
    struct vregion *sh = NULL;
    uint64_t n = 7;
    assert_int_equal(vr_release(&m, a, 4 * P, &n, NULL), rcNotSupported);
    assert_int_equal(vr_release(&m, a + P, 3 * P, &n, &sh), rcInvalidArgument);
    assert_null(sh);
    assert_int_equal(vr_count(&m), 2);
    assert_int_equal(vr_release(&m, a, 4 * P, &n, &sh), rcOk);
    assert_int_equal(n, 0);
    assert_non_null(sh);
    assert_ptr_equal(sh->owner, &owner);
    assert_null(sh->next);
    assert_null(vr_find(&m, a));
    assert_int_equal(vr_count(&m), 1);
    vr_free_record(&m, sh);
}

/* A region with pages of the boot image (aspace_map_image): marked whole, without a split, only
 * when committed; never writable afterwards, whatever piece of it is asked. */
static void test_image_pages(void **state)
{
    (void)state;
    uint64_t base, n = 99;
    assert_int_equal(vr_reserve(&m, 0x400000, 4 * P, 0, &base), rcOk);
    assert_int_equal(vr_mark_image(&m, base + P, 2 * P), rcNotFound); /* not committed */
    assert_int_equal(vr_set_state(&m, base, 4 * P, VR_COMMITTED, &n), rcOk);
    assert_int_equal(vr_mark_image(&m, base + 3 * P, 2 * P), rcNotFound); /* past its end */
    assert_int_equal(vr_mark_image(&m, base + 8 * P, P), rcNotFound);     /* no region */
    assert_int_equal(vr_mark_image(&m, base + P, 2 * P), rcOk);
    assert_int_equal(vr_count(&m), 1); /* no split */
    assert_true(vr_find(&m, base)->flags & VR_IMAGE_PAGES);
    /* Readable and executable, never writable: rcImageReadOnly, and nothing changed. */
    assert_int_equal(vr_protect(&m, base, 4 * P, BASTION_VMM_READ | BASTION_VMM_EXECUTE), rcOk);
    assert_int_equal(vr_protect(&m, base + 3 * P, P, BASTION_VMM_READ | BASTION_VMM_WRITE),
                     rcImageReadOnly);
    assert_int_equal(vr_count(&m), 1);
    /* A piece split off by a decommit keeps the mark. */
    assert_int_equal(vr_set_state(&m, base + 2 * P, P, VR_RESERVED, &n), rcOk);
    assert_int_equal(n, 1);
    assert_true(vr_find(&m, base + 2 * P)->flags & VR_IMAGE_PAGES);
    assert_int_equal(vr_protect(&m, base + 2 * P, P, BASTION_VMM_WRITE), rcImageReadOnly);
    /* Sealed (as the loader seals image segments): the seal answers first. */
    assert_int_equal(vr_seal(&m, base, 4 * P), rcOk);
    assert_int_equal(vr_protect(&m, base + P, P, BASTION_VMM_READ | BASTION_VMM_WRITE),
                     rcAccessDenied);
    assert_int_equal(vr_release(&m, base, 4 * P, &n, NULL), rcOk);
    assert_int_equal(n, 3);
    assert_int_equal(vr_count(&m), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reserve_first_fit_and_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_reuse_after_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_split_and_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_leave_map_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protect_splits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_partial_counts_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_neighbouring_reservations_stay_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(vr_test_allocation_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wx_over_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_regions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_pages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
