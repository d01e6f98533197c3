/*
 * Self-test of the slab allocator (selftest=slab, kern/mm/slab.c): objects spread over slabs,
 * the spare-slab rule, destroy of a busy and an idle cache, a charged kmalloc against an
 * account's limit, and a page-sized kmalloc. Runs before the other groups, while no other
 * thread allocates, so that the free-page count it compares moves only by its own blocks.
 */
#ifdef BASTION_TEST_HOOKS

#include "selftest/check.h"

#include "lib/string.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "obj/account.h"

void selftest_slab(void)
{
    struct kmem_cache *c = kmem_cache_create("selftest", 100, 0);
    CHECK(c != NULL, "create a cache");
    if (c == NULL)
        return;
    size_t slot = kmem_cache_charge(c);
    unsigned per_slab = kmem_cache_per_slab(c);
    void *objs[100];
    bool all = true;
    for (int i = 0; i < 100; i++) {
        objs[i] = kmem_cache_alloc(c);
        CHECK(objs[i] != NULL, "object %d of 100", i);
        if (objs[i] == NULL) {
            all = false;
            continue;
        }
        memset(objs[i], 0xA5, 100);
        CHECK(i == 0 || objs[i] != objs[i - 1], "object %d is not the one before it", i);
    }
    struct kmem_stats s;
    kmem_cache_stats(c, &s);
    unsigned want_slabs = (100 + per_slab - 1) / per_slab;
    CHECK(s.active == 100 && s.slabs == want_slabs && s.active_bytes == 100ull * slot,
          "counters after 100 allocations: %lu live in %lu slabs (want %u), %lu bytes", s.active,
          s.slabs, want_slabs, s.active_bytes);
    CHECK(kmem_cache_destroy(c) == rcResourceBusy, "destroy of a busy cache is refused");
    for (int i = 0; i < 100; i++)
        kmem_cache_free(c, objs[i]);
    kmem_cache_stats(c, &s);
    CHECK(!all || (s.active == 0 && s.frees == 100 && s.slabs == 1),
          "counters after freeing: %lu live, %lu frees, %lu slabs (one spare)", s.active, s.frees,
          s.slabs);
    CHECK(kmem_cache_destroy(c) == rcOk, "destroy of an idle cache");

    /* Charging: a 1000-byte limit takes one 512-byte slot and refuses the next. */
    struct kmem_account acct;
    kmem_account_init(&acct, 1000, NULL);
    Retcode rc = rcOk;
    void *a = kmalloc_charged(300, &acct, &rc);
    void *b = kmalloc_charged(300, &acct, &rc);
    CHECK(a != NULL && b == NULL && rc == rcQuotaExceeded && acct.used == 512,
          "charged kmalloc against an account limit (used %lu)", (unsigned long)acct.used);
    struct kmem_stats t;
    kmem_totals(&t);
    CHECK(t.charged_bytes >= 512, "charged bytes counted (%lu)", t.charged_bytes);
    kfree_charged(a, &acct);
    kfree_charged(b, &acct);
    CHECK(acct.used == 0, "kfree_charged uncharges (used %lu)", (unsigned long)acct.used);

    uint64_t before = pmm_free_pages();
    void *big = kmalloc(5000);
    CHECK(big != NULL && ((uintptr_t)big & (PAGE_SIZE - 1)) == 0 && pmm_free_pages() == before - 2,
          "a 5000-byte kmalloc is a 2-page block");
    kfree(big);
    CHECK(pmm_free_pages() == before, "kfree of a page block gives its pages back");
}

#endif
