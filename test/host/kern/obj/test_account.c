/*
 * Account arithmetic (kern/obj/account.c): charges within a limit, and quota trading: a child's
 * limit carved out of its parent's, raised and cut, closed when its owner ends and given back
 * in full once its last reference goes, so that a tree of accounts never holds more than its
 * root was given; and the per-kind counts beside the bytes (kmem_count_take).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "obj/account.h"

static int released;
static void count_release(struct kmem_account *acct)
{
    (void)acct;
    released++;
}

/* Sum of what the accounts of a tree hold themselves, children's carves not counted twice. */
static uint64_t held(const struct kmem_account *a)
{
    return a->used;
}

static void charge_within_limit(void **state)
{
    (void)state;
    struct kmem_account a;
    kmem_account_init(&a, 100, NULL);
    assert_int_equal(kmem_charge(&a, 60), rcOk);
    assert_int_equal(kmem_charge(&a, 41), rcQuotaExceeded);
    assert_int_equal(kmem_charge(&a, 40), rcOk);
    assert_int_equal(kmem_account_available(&a), 0);
    assert_int_equal(kmem_charge(&a, SIZE_MAX), rcQuotaExceeded);
    kmem_uncharge(&a, 100);
    assert_int_equal(a.used, 0);
    assert_int_equal(a.peak, 100);
    kmem_uncharge(&a, 5); /* a caller bug saturates */
    assert_int_equal(a.used, 0);
}

static void carve_charges_the_parent(void **state)
{
    (void)state;
    released = 0;
    struct kmem_account parent, child;
    kmem_account_init(&parent, 1000, count_release);
    kmem_account_init(&child, 0, count_release);
    assert_int_equal(kmem_account_carve(&child, &parent, 400), rcOk);
    assert_int_equal(parent.used, 400);
    assert_int_equal(parent.refs, 2);
    assert_int_equal(child.limit, 400);
    assert_int_equal(kmem_account_available(&parent), 600);
    /* The child uses its own limit, not the parent's. */
    assert_int_equal(kmem_charge(&child, 400), rcOk);
    assert_int_equal(kmem_charge(&child, 1), rcQuotaExceeded);
    assert_int_equal(parent.used, 400);
    kmem_uncharge(&child, 400);
    kmem_account_put(&child);
    assert_int_equal(released, 1);
    assert_int_equal(parent.used, 0); /* given back with the last reference */
    assert_int_equal(parent.refs, 1);
    kmem_account_put(&parent);
    assert_int_equal(released, 2);
}

static void carve_more_than_the_parent_has(void **state)
{
    (void)state;
    struct kmem_account parent, child;
    kmem_account_init(&parent, 1000, NULL);
    assert_int_equal(kmem_charge(&parent, 700), rcOk);
    kmem_account_init(&child, 0, NULL);
    assert_int_equal(kmem_account_carve(&child, &parent, 301), rcQuotaExceeded);
    assert_int_equal(parent.used, 700);
    assert_int_equal(parent.refs, 1);
    assert_null(child.parent);
    assert_int_equal(kmem_account_carve(&child, &parent, UINT64_MAX), rcQuotaExceeded);
    assert_int_equal(kmem_account_carve(&child, &parent, 300), rcOk);
    assert_int_equal(kmem_account_available(&parent), 0);
    /* Carving twice, or from itself, is a caller bug. */
    assert_int_equal(kmem_account_carve(&child, &parent, 1), rcInvalidArgument);
    assert_int_equal(kmem_account_carve(&parent, &parent, 1), rcInvalidArgument);
    kmem_account_put(&child);
    assert_int_equal(parent.used, 700);
}

static void resize_raises_and_cuts(void **state)
{
    (void)state;
    struct kmem_account parent, child;
    kmem_account_init(&parent, 1000, NULL);
    kmem_account_init(&child, 0, NULL);
    assert_int_equal(kmem_account_carve(&child, &parent, 100), rcOk);
    /* A raise comes out of what the parent has left. */
    assert_int_equal(kmem_account_resize(&child, 600), rcOk);
    assert_int_equal(parent.used, 600);
    assert_int_equal(child.limit, 600);
    assert_int_equal(kmem_account_resize(&child, 1001), rcQuotaExceeded);
    assert_int_equal(kmem_account_resize(&child, UINT64_MAX), rcQuotaExceeded);
    assert_int_equal(parent.used, 600);
    assert_int_equal(child.limit, 600);
    /* A cut gives back, but never below what the child holds. */
    assert_int_equal(kmem_charge(&child, 250), rcOk);
    assert_int_equal(kmem_account_resize(&child, 249), rcOutOfRange);
    assert_int_equal(child.limit, 600);
    assert_int_equal(child.used, 250);
    assert_int_equal(kmem_account_resize(&child, 250), rcOk);
    assert_int_equal(parent.used, 250);
    assert_int_equal(child.used, 250);
    assert_int_equal(kmem_charge(&child, 1), rcQuotaExceeded);
    assert_int_equal(child.peak, 250); /* the cut's hold is not a charge */
    kmem_uncharge(&child, 250);
    kmem_account_put(&child);
    assert_int_equal(parent.used, 0);
}

static void close_gives_back_what_is_unused(void **state)
{
    (void)state;
    released = 0;
    struct kmem_account parent, child;
    kmem_account_init(&parent, 1000, NULL);
    kmem_account_init(&child, 0, count_release);
    assert_int_equal(kmem_account_carve(&child, &parent, 500), rcOk);
    assert_int_equal(kmem_charge(&child, 120), rcOk); /* an object that outlives the owner */
    assert_int_equal(kmem_account_get(&child), rcOk); /* ... holding a reference */
    kmem_account_close(&child);
    assert_int_equal(parent.used, 120);
    assert_int_equal(child.limit, 120);
    assert_int_equal(kmem_charge(&child, 1), rcQuotaExceeded); /* nothing new once closed */
    assert_int_equal(kmem_account_resize(&child, 900), rcPeerClosed);
    kmem_account_close(&child); /* idempotent */
    assert_int_equal(parent.used, 120);
    /* Each returned charge goes straight back. */
    kmem_uncharge(&child, 20);
    assert_int_equal(parent.used, 100);
    assert_int_equal(child.limit, 100);
    assert_int_equal(kmem_charge(&child, 20), rcQuotaExceeded);
    kmem_account_put(&child); /* the owner's reference */
    assert_int_equal(released, 0);
    kmem_uncharge(&child, 100);
    assert_int_equal(parent.used, 0);
    kmem_account_put(&child); /* the object's */
    assert_int_equal(released, 1);
    assert_int_equal(parent.used, 0);
    assert_int_equal(parent.refs, 1);
}

/* A chain: each child asks for more than its parent has left and is refused; what is carved
 * never exceeds the root; closing and dropping the chain gives the root everything back, the
 * last reference of each level returning its carve to the level above. */
static void chain_never_exceeds_the_root(void **state)
{
    (void)state;
    enum { DEPTH = 64 };
    struct kmem_account acct[DEPTH];
    kmem_account_init(&acct[0], 1u << 20, NULL);
    int depth = 1;
    for (; depth < DEPTH; depth++) {
        struct kmem_account *parent = &acct[depth - 1];
        assert_int_equal(kmem_charge(parent, 16), rcOk); /* the parent's own use */
        kmem_account_init(&acct[depth], 0, NULL);
        uint64_t avail = kmem_account_available(parent);
        assert_int_equal(kmem_account_carve(&acct[depth], parent, avail + 1), rcQuotaExceeded);
        if (avail < 32)
            break;
        assert_int_equal(kmem_account_carve(&acct[depth], parent, avail / 2), rcOk);
        assert_int_equal(kmem_account_resize(&acct[depth], avail + 1), rcQuotaExceeded);
    }
    assert_true(depth > 10);
    /* The root's use is its own 16 bytes plus everything below it: never more than its limit. */
    assert_true(held(&acct[0]) <= acct[0].limit);
    for (int i = depth - 1; i >= 1; i--) {
        if (acct[i].parent == NULL)
            continue;
        kmem_account_close(&acct[i]);
        kmem_uncharge(&acct[i], acct[i].used);
        kmem_account_put(&acct[i]);
    }
    kmem_uncharge(&acct[0], 16);
    assert_int_equal(acct[0].used, 0);
    assert_int_equal(acct[0].refs, 1);
}

/* Dropping the last reference of a deep chain at the leaf first releases nothing above it
 * while those still have owners, and the whole chain at once when they have not. */
/* Each kind is bounded on its own, a count given back can be taken again, a NULL account counts
 * nothing, and giving back more than was taken stays at 0. */
static void counts_stop_at_their_bound(void **state)
{
    (void)state;
    struct kmem_account a;
    kmem_account_init(&a, 100, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(kmem_count_take(&a, KMEM_COUNT_NOTICE_RECEIVERS, 3), rcOk);
    assert_int_equal(kmem_count_take(&a, KMEM_COUNT_NOTICE_RECEIVERS, 3), rcQuotaExceeded);
    assert_int_equal(kmem_count_take(&a, KMEM_COUNT_NOTICE_ENTRIES, 1), rcOk);
    assert_int_equal(kmem_count_take(&a, KMEM_COUNT_NOTICE_ENTRIES, 1), rcQuotaExceeded);
    kmem_count_give(&a, KMEM_COUNT_NOTICE_RECEIVERS);
    assert_int_equal(kmem_count_take(&a, KMEM_COUNT_NOTICE_RECEIVERS, 3), rcOk);
    assert_int_equal(a.used, 0); /* counts are not bytes */
    kmem_count_give(&a, KMEM_COUNT_NOTICE_ENTRIES);
    kmem_count_give(&a, KMEM_COUNT_NOTICE_ENTRIES);
    assert_int_equal(a.counted[KMEM_COUNT_NOTICE_ENTRIES], 0);
    assert_int_equal(kmem_count_take(NULL, KMEM_COUNT_NOTICE_ENTRIES, 0), rcOk);
    kmem_count_give(NULL, KMEM_COUNT_NOTICE_ENTRIES);
}

static void last_reference_releases_up_the_chain(void **state)
{
    (void)state;
    enum { DEPTH = 2000 };
    static struct kmem_account acct[DEPTH];
    released = 0;
    kmem_account_init(&acct[0], 1ull << 40, count_release);
    for (int i = 1; i < DEPTH; i++) {
        kmem_account_init(&acct[i], 0, count_release);
        assert_int_equal(kmem_account_carve(&acct[i], &acct[i - 1], (1ull << 40) - (uint64_t)i * 8),
                         rcOk);
    }
    for (int i = 0; i < DEPTH - 1; i++)
        kmem_account_put(&acct[i]); /* owners gone; each still referenced by its child */
    assert_int_equal(released, 0);
    kmem_account_put(&acct[DEPTH - 1]);
    assert_int_equal(released, DEPTH);
    assert_int_equal(acct[0].used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(charge_within_limit),
        cmocka_unit_test(carve_charges_the_parent),
        cmocka_unit_test(carve_more_than_the_parent_has),
        cmocka_unit_test(resize_raises_and_cuts),
        cmocka_unit_test(close_gives_back_what_is_unused),
        cmocka_unit_test(chain_never_exceeds_the_root),
        cmocka_unit_test(last_reference_releases_up_the_chain),
        cmocka_unit_test(counts_stop_at_their_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
