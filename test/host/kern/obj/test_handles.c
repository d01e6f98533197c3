/*
 * Handle tables, rights, derivation and revocation, object reference counts and kernel-memory
 * accounting (kern/obj). Tables use a counting allocator (so leaks and allocator failures are
 * visible) and lock hooks that check the documented lock discipline: table locks balanced,
 * never two held at once, and held whenever a slot function asserts it (assert_held).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "obj/handle.h"
#include "obj/handle_batch.h"
#include "obj/handle_slots.h"
#include "obj/kobj.h"

/* ---- harness: allocator and lock hooks ---------------------------------------------------- */

struct proc {
    size_t bytes;    /* outstanding allocator bytes */
    int fail_after;  /* allocations left before failing; -1: never */
    Retcode fail_rc; /* what a failing allocation returns */
    int locked;      /* this table's lock depth */
    int held_checks; /* assert_held calls */
    int held_misses; /* ... of them without the lock */
    int fill;        /* -1: new memory as malloc gives it; else every byte set to this */
};

static int table_locks_held; /* over all tables: must never exceed 1 */

static Retcode t_alloc(void *ctx, size_t bytes, void **out)
{
    struct proc *p = ctx;
    if (p->fail_after == 0)
        return p->fail_rc;
    if (p->fail_after > 0)
        p->fail_after--;
    assert_int_equal(p->locked, 1); /* documented: called with the table lock held */
    *out = malloc(bytes);
    assert_non_null(*out);
    if (p->fill >= 0)
        memset(*out, p->fill, bytes);
    p->bytes += bytes;
    return rcOk;
}

static void t_free(void *ctx, void *ptr, size_t bytes)
{
    struct proc *p = ctx;
    assert_true(p->bytes >= bytes);
    p->bytes -= bytes;
    free(ptr);
}

static void t_lock(void *ctx)
{
    struct proc *p = ctx;
    assert_int_equal(p->locked, 0);
    assert_int_equal(table_locks_held, 0);
    p->locked = 1;
    table_locks_held = 1;
}

static void t_unlock(void *ctx)
{
    struct proc *p = ctx;
    assert_int_equal(p->locked, 1);
    p->locked = 0;
    table_locks_held = 0;
}

static void t_assert_held(void *ctx)
{
    struct proc *p = ctx;
    p->held_checks++;
    if (p->locked != 1)
        p->held_misses++;
}

static const struct handle_table_ops ops = {t_alloc, t_free, t_lock, t_unlock, t_assert_held};

struct tab {
    struct proc p;
    struct handle_table t;
};

static void tab_init(struct tab *x, uint32_t limit, uint64_t seed)
{
    memset(&x->p, 0, sizeof(x->p));
    x->p.fail_after = -1;
    x->p.fill = -1;
    x->p.fail_rc = rcOutOfMemory;
    assert_int_equal(handle_table_init(&x->t, &ops, &x->p, limit, seed), rcOk);
}

static void tab_destroy(struct tab *x)
{
    handle_table_destroy(&x->t);
    assert_int_equal(x->p.bytes, 0);
    assert_int_equal(x->p.locked, 0);
    assert_int_equal(x->p.held_misses, 0); /* every slot function ran under the table lock */
}

/* ---- harness: a test object ------------------------------------------------------------- */

struct tobj {
    struct kobj k;
    int *destroyed;
};

static void tobj_destroy(struct kobj *k)
{
    struct tobj *o = (struct tobj *)k;
    (*o->destroyed)++;
    free(o);
}

static const struct kobj_ops thing_ops = {KOBJ_USER, "thing", tobj_destroy};
static const struct kobj_ops badge_ops = {KOBJ_BADGE, "badge", tobj_destroy};

static struct kobj *mkobj_ops(const struct kobj_ops *o_ops, int *destroyed,
                              struct kmem_account *acct)
{
    struct tobj *o = malloc(sizeof(*o));
    assert_non_null(o);
    o->destroyed = destroyed;
    assert_int_equal(kmem_charge(acct, sizeof(*o)), rcOk);
    assert_int_equal(kobj_init(&o->k, o_ops, KOBJ_SID_NONE, acct, sizeof(*o)), rcOk);
    return &o->k;
}

static struct kobj *mkobj(int *destroyed)
{
    return mkobj_ops(&thing_ops, destroyed, NULL);
}

#define ALL (HR_USER_FULL)

static Retcode get(struct tab *x, handle_t h, handle_rights_t need)
{
    struct kobj *o;
    Retcode rc = handle_get(&x->t, h, KOBJ_ANY, need, &o, NULL);
    if (rc == rcOk)
        kobj_unref(o);
    return rc;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_install_lookup_close(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a;
    tab_init(&a, 64, 1);
    struct kobj *obj = mkobj(&destroyed);
    handle_t h;
    assert_int_equal(handle_install(&a.t, obj, HR_READ | HR_BASIC, &h), rcOk);
    assert_int_equal(kobj_refcount(obj), 2); /* creator + handle */
    assert_true(h != 0 && h != HANDLE_INVALID && (h & 0x80000000u) == 0);

    struct kobj *got;
    handle_rights_t r;
    assert_int_equal(handle_get(&a.t, h, KOBJ_USER, HR_READ, &got, &r), rcOk);
    assert_ptr_equal(got, obj);
    assert_int_equal(r, HR_READ | HR_BASIC);
    assert_int_equal(kobj_refcount(obj), 3);
    kobj_unref(got);

    /* Wrong type and missing rights are refused with their own codes. */
    assert_int_equal(handle_get(&a.t, h, KOBJ_THREAD, 0, &got, NULL), rcBadHandle);
    assert_int_equal(handle_get(&a.t, h, KOBJ_USER, HR_WRITE, &got, NULL), rcAccessDenied);

    kobj_sid_t sid;
    assert_int_equal(handle_get_sid(&a.t, h, &sid), rcOk);
    assert_int_equal(sid, kobj_sid(obj));
    assert_true(sid >= KOBJ_SID_FIRST);

    assert_int_equal(handle_table_count(&a.t), 1);
    assert_int_equal(handle_close(&a.t, h), rcOk);
    assert_int_equal(handle_table_count(&a.t), 0);
    assert_int_equal(get(&a, h, 0), rcBadHandle);
    assert_int_equal(handle_close(&a.t, h), rcBadHandle);
    assert_int_equal(handle_get_sid(&a.t, h, &sid), rcBadHandle);
    assert_int_equal(destroyed, 0); /* the creator still holds its reference */
    kobj_unref(obj);
    assert_int_equal(destroyed, 1);
    tab_destroy(&a);
}

static void test_bad_values(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a;
    tab_init(&a, 64, 7);
    struct kobj *obj = mkobj(&destroyed);
    handle_t h;
    assert_int_equal(handle_install(&a.t, obj, ALL, &h), rcOk);
    assert_int_equal(get(&a, 0, 0), rcBadHandle);
    assert_int_equal(get(&a, HANDLE_INVALID, 0), rcBadHandle);
    assert_int_equal(get(&a, h | 0x80000000u, 0), rcBadHandle);
    assert_int_equal(get(&a, h ^ 0x00010000u, 0), rcBadHandle); /* other generation */
    assert_int_equal(get(&a, h ^ 0x00000001u, 0), rcBadHandle); /* free slot */
    assert_int_equal(get(&a, h ^ 0x00008000u, 0), rcBadHandle); /* index past the table */
    /* Sweep a range of values: exactly one of them names the handle. */
    int hits = 0;
    for (uint32_t v = 0; v < 0x40000; v++)
        hits += get(&a, v ^ (h & 0xfffc0000u), 0) == rcOk;
    assert_int_equal(hits, 1);
    kobj_unref(obj);
    tab_destroy(&a);
    assert_int_equal(destroyed, 1);
}

/* handle_find_held (the IPC fast path's lookup, under the table lock it takes itself) gives
 * handle_get's answer for every value: live, revoked, closed, free, stale and invalid ones. */
static Retcode find_held(struct tab *x, handle_t h, handle_rights_t need)
{
    struct kobj *o = NULL;
    x->t.ops->lock(x->t.ctx);
    Retcode rc = handle_find_held(&x->t, h, need, &o);
    x->t.ops->unlock(x->t.ctx);
    if (rc == rcOk)
        assert_non_null(o);
    return rc;
}

static void test_find_held_agrees_with_get(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b;
    tab_init(&a, 64, 51);
    tab_init(&b, 64, 52);
    struct kobj *obj = mkobj(&destroyed);
    handle_t root, hb, hlive, hclosed;
    assert_int_equal(handle_install(&a.t, obj, ALL, &root), rcOk);
    assert_int_equal(handle_transfer(&a.t, root, &b.t, HR_READ | HR_TRANSFER, NULL, &hb), rcOk);
    assert_int_equal(handle_install(&b.t, obj, HR_READ, &hlive), rcOk);
    assert_int_equal(handle_install(&b.t, obj, HR_READ, &hclosed), rcOk);
    kobj_unref(obj);
    assert_int_equal(handle_close(&b.t, hclosed), rcOk);
    assert_int_equal(handle_revoke(&a.t, root), rcOk);

    assert_int_equal(find_held(&b, hb, 0), rcHandleRevoked);
    assert_int_equal(find_held(&b, hlive, HR_READ), rcOk);
    assert_int_equal(find_held(&b, hlive, HR_WRITE), rcAccessDenied);
    assert_int_equal(find_held(&b, hclosed, 0), rcBadHandle);
    assert_int_equal(find_held(&b, HANDLE_INVALID, 0), rcBadHandle);
    assert_int_equal(find_held(&b, hlive | 0x80000000u, 0), rcBadHandle);
    const handle_rights_t needs[] = {0, HR_READ, HR_WRITE};
    for (unsigned n = 0; n < sizeof needs / sizeof needs[0]; n++)
        for (uint32_t v = 0; v < 0x40000; v += 7)
            assert_int_equal(find_held(&b, v ^ (hlive & 0xfffc0000u), needs[n]),
                             get(&b, v ^ (hlive & 0xfffc0000u), needs[n]));
    /* Every slot value near the live ones, each generation: the revoked one included. */
    for (uint32_t g = 0; g < 4; g++)
        for (uint32_t i = 0; i < 8; i++) {
            handle_t v = (hb & ~0x7u) ^ i ^ (g << 16);
            assert_int_equal(find_held(&b, v, 0), get(&b, v, 0));
        }

    assert_int_equal(handle_close(&b.t, hb), rcOk);
    assert_int_equal(handle_close(&b.t, hlive), rcOk);
    assert_int_equal(destroyed, 1);
    tab_destroy(&a);
    tab_destroy(&b);
}

static void test_generation_on_reuse(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a;
    tab_init(&a, HANDLE_CHUNK_ENTRIES, 3);
    struct kobj *obj = mkobj(&destroyed);
    handle_t hs[HANDLE_CHUNK_ENTRIES];
    for (unsigned i = 0; i < HANDLE_CHUNK_ENTRIES; i++)
        assert_int_equal(handle_install(&a.t, obj, ALL, &hs[i]), rcOk);
    for (unsigned i = 0; i < HANDLE_CHUNK_ENTRIES; i++)
        for (unsigned j = i + 1; j < HANDLE_CHUNK_ENTRIES; j++)
            assert_true(hs[i] != hs[j]);
    handle_t extra;
    assert_int_equal(handle_install(&a.t, obj, ALL, &extra), rcQuotaExceeded);

    /* The only free slot is the one just closed: reused, but under a new value. */
    handle_t old = hs[5];
    assert_int_equal(handle_close(&a.t, old), rcOk);
    handle_t again;
    assert_int_equal(handle_install(&a.t, obj, ALL, &again), rcOk);
    assert_true(again != old);
    assert_int_equal((again ^ old) & 0xffffu, 0); /* same slot (the key cancels out) */
    assert_int_equal(get(&a, old, 0), rcBadHandle);
    assert_int_equal(get(&a, again, 0), rcOk);

    /* Reusing one slot many times never hands out the value it had just before. */
    for (int round = 0; round < 1000; round++) {
        handle_t prev = again;
        assert_int_equal(handle_close(&a.t, again), rcOk);
        assert_int_equal(handle_install(&a.t, obj, ALL, &again), rcOk);
        assert_true(again != prev && again != 0 && again != HANDLE_INVALID);
        assert_int_equal(get(&a, prev, 0), rcBadHandle);
    }
    assert_int_equal(kobj_refcount(obj), 1 + HANDLE_CHUNK_ENTRIES);
    tab_destroy(&a);
    assert_int_equal(kobj_refcount(obj), 1);
    kobj_unref(obj);
    assert_int_equal(destroyed, 1);
}

static int cmp_handle(const void *a, const void *b)
{
    handle_t x = *(const handle_t *)a, y = *(const handle_t *)b;
    return x < y ? -1 : x > y;
}

/* A value names at most one object in the life of a table: one slot reused over and over (the
 * only free one) gives every value of its generations once, then is retired and another slot
 * takes over. Without retiring, its first value comes back after 32,767 reuses. */
static void test_slot_retired_not_reused(void **state)
{
    (void)state;
    enum { ROUNDS = 40000 };
    int destroyed = 0;
    struct tab a;
    tab_init(&a, HANDLE_CHUNK_ENTRIES, 5);
    struct kobj *obj = mkobj(&destroyed);
    handle_t held[HANDLE_CHUNK_ENTRIES - 1];
    for (unsigned i = 0; i < HANDLE_CHUNK_ENTRIES - 1; i++)
        assert_int_equal(handle_install(&a.t, obj, ALL, &held[i]), rcOk);
    static handle_t seen[ROUNDS];
    unsigned slots_used = 1;
    for (unsigned i = 0; i < ROUNDS; i++) {
        assert_int_equal(handle_install(&a.t, obj, ALL, &seen[i]), rcOk);
        if (i > 0 && ((seen[i] ^ seen[i - 1]) & 0xffffu) != 0)
            slots_used++;
        assert_int_equal(handle_close(&a.t, seen[i]), rcOk);
        assert_int_equal(get(&a, seen[i], 0), rcBadHandle);
    }
    qsort(seen, ROUNDS, sizeof seen[0], cmp_handle);
    for (unsigned i = 1; i < ROUNDS; i++)
        assert_true(seen[i] != seen[i - 1]);
    /* The first slot gave 32,767 values, then the table grew by a chunk for the next ones. */
    assert_true(slots_used >= 2);
    for (unsigned i = 0; i < HANDLE_CHUNK_ENTRIES - 1; i++)
        assert_int_equal(get(&a, held[i], 0), rcOk);
    tab_destroy(&a);
    kobj_unref(obj);
    assert_int_equal(destroyed, 1);
}

static void test_free_slots_fifo_and_keys(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b;
    tab_init(&a, 64, 11);
    tab_init(&b, 64, 12);
    struct kobj *obj = mkobj(&destroyed);
    handle_t ha, hb;
    assert_int_equal(handle_install(&a.t, obj, ALL, &ha), rcOk);
    assert_int_equal(handle_install(&b.t, obj, ALL, &hb), rcOk);
    /* Same slot index 0 in both tables, different values: keys differ per table. */
    assert_true(ha != hb);
    assert_int_equal(get(&a, hb, 0), rcBadHandle);
    /* A freed slot goes to the back of the queue: the next install takes another slot. */
    assert_int_equal(handle_close(&a.t, ha), rcOk);
    handle_t h2;
    assert_int_equal(handle_install(&a.t, obj, ALL, &h2), rcOk);
    assert_true(((h2 ^ ha) & 0xffffu) != 0);
    kobj_unref(obj);
    tab_destroy(&a);
    tab_destroy(&b);
    assert_int_equal(destroyed, 1);
}

static void test_growth_and_allocator_errors(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a;
    tab_init(&a, 1000, 5);
    struct kobj *obj = mkobj(&destroyed);
    handle_t *hs = calloc(1000, sizeof(*hs));
    for (unsigned i = 0; i < 1000; i++)
        assert_int_equal(handle_install(&a.t, obj, ALL, &hs[i]), rcOk);
    for (unsigned i = 0; i < 1000; i++)
        assert_int_equal(get(&a, hs[i], 0), rcOk);
    handle_t h;
    assert_int_equal(handle_install(&a.t, obj, ALL, &h), rcQuotaExceeded);
    assert_int_equal(handle_table_count(&a.t), 1000);
    tab_destroy(&a);

    /* The allocator's own error reaches the caller and nothing leaks or stays referenced. */
    tab_init(&a, 1000, 5);
    a.p.fail_after = 0;
    a.p.fail_rc = rcQuotaExceeded;
    assert_int_equal(handle_install(&a.t, obj, ALL, &h), rcQuotaExceeded);
    a.p.fail_after = 2; /* directory + first chunk succeed, second chunk fails */
    a.p.fail_rc = rcOutOfMemory;
    for (unsigned i = 0; i < HANDLE_CHUNK_ENTRIES; i++)
        assert_int_equal(handle_install(&a.t, obj, ALL, &hs[i]), rcOk);
    assert_int_equal(handle_install(&a.t, obj, ALL, &h), rcOutOfMemory);
    assert_int_equal(kobj_refcount(obj), 1 + HANDLE_CHUNK_ENTRIES);
    tab_destroy(&a);
    free(hs);
    assert_int_equal(kobj_refcount(obj), 1);
    kobj_unref(obj);
    assert_int_equal(destroyed, 1);
}

static void test_init_errors(void **state)
{
    (void)state;
    struct handle_table t;
    struct proc p = {0, -1, rcOutOfMemory, 0, 0, 0, -1};
    const struct handle_table_ops no_alloc = {NULL, t_free, NULL, NULL, NULL};
    const struct handle_table_ops half_lock = {t_alloc, t_free, t_lock, NULL, NULL};
    assert_int_equal(handle_table_init(&t, NULL, &p, 8, 0), rcInvalidArgument);
    assert_int_equal(handle_table_init(&t, &no_alloc, &p, 8, 0), rcInvalidArgument);
    assert_int_equal(handle_table_init(&t, &half_lock, &p, 8, 0), rcInvalidArgument);
    assert_int_equal(handle_table_init(&t, &ops, &p, 0, 0), rcInvalidArgument);
    assert_int_equal(handle_table_init(&t, &ops, &p, HANDLE_MAX_ENTRIES + 1, 0), rcInvalidArgument);
    assert_int_equal(handle_table_init(&t, &ops, &p, HANDLE_MAX_ENTRIES, 0), rcOk);
    handle_table_destroy(&t);
}

static void test_rights_only_shrink(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b;
    tab_init(&a, 64, 21);
    tab_init(&b, 64, 22);
    struct kobj *obj = mkobj(&destroyed);
    handle_t root, c, d;
    assert_int_equal(handle_install(&a.t, obj, HR_READ | HR_WRITE | HR_BASIC, &root), rcOk);

    /* Asking for a right the source lacks is refused, for copy and transfer alike. */
    assert_int_equal(handle_copy(&a.t, root, HR_READ | HR_SPEC(15), NULL, &c), rcAccessDenied);
    assert_int_equal(handle_transfer(&a.t, root, &b.t, HR_SPEC(0), NULL, &c), rcAccessDenied);
    assert_int_equal(handle_table_count(&a.t), 1);
    assert_int_equal(handle_table_count(&b.t), 0);

    /* Shrinking works, and the child cannot grow back what it lost. */
    assert_int_equal(handle_copy(&a.t, root, HR_READ | HR_DUPLICATE | HR_TRANSFER, NULL, &c), rcOk);
    assert_int_equal(get(&a, c, HR_READ), rcOk);
    assert_int_equal(get(&a, c, HR_WRITE), rcAccessDenied);
    assert_int_equal(handle_copy(&a.t, c, HR_READ | HR_WRITE, NULL, &d), rcAccessDenied);
    assert_int_equal(handle_transfer(&a.t, c, &b.t, HR_READ | HR_REVOKE, NULL, &d), rcAccessDenied);
    assert_int_equal(handle_transfer(&a.t, c, &b.t, HR_READ, NULL, &d), rcOk);
    handle_rights_t r;
    struct kobj *got;
    assert_int_equal(handle_get(&b.t, d, KOBJ_USER, 0, &got, &r), rcOk);
    assert_int_equal(r, HR_READ);
    kobj_unref(got);

    /* Copy needs DUPLICATE, transfer needs TRANSFER, revoke needs REVOKE. */
    handle_t no_dup, no_xfer, e;
    assert_int_equal(handle_copy(&a.t, root, HR_READ | HR_TRANSFER, NULL, &no_dup), rcOk);
    assert_int_equal(handle_copy(&a.t, no_dup, HR_READ, NULL, &e), rcAccessDenied);
    assert_int_equal(handle_transfer(&a.t, no_dup, &b.t, HR_READ, NULL, &e), rcOk);
    assert_int_equal(handle_copy(&a.t, root, HR_READ | HR_DUPLICATE, NULL, &no_xfer), rcOk);
    assert_int_equal(handle_transfer(&a.t, no_xfer, &b.t, HR_READ, NULL, &e), rcAccessDenied);
    assert_int_equal(handle_copy(&a.t, no_xfer, HR_READ, NULL, &e), rcOk);
    assert_int_equal(handle_revoke(&a.t, no_xfer), rcAccessDenied);
    assert_int_equal(handle_revoke_subtree(&a.t, no_xfer, NULL), rcAccessDenied);
    assert_int_equal(get(&a, e, HR_READ), rcOk); /* the refused revoke changed nothing */

    kobj_unref(obj);
    tab_destroy(&a);
    tab_destroy(&b);
    assert_int_equal(destroyed, 1);
}

static void test_close_reparents(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b, c;
    tab_init(&a, 64, 31);
    tab_init(&b, 64, 32);
    tab_init(&c, 64, 33);
    struct kobj *obj = mkobj(&destroyed);
    handle_t ha, hb, hc1, hc2;
    assert_int_equal(handle_install(&a.t, obj, ALL, &ha), rcOk);
    kobj_unref(obj); /* from now on only handles keep it alive */
    assert_int_equal(handle_transfer(&a.t, ha, &b.t, ALL, NULL, &hb), rcOk);
    assert_int_equal(handle_transfer(&b.t, hb, &c.t, ALL, NULL, &hc1), rcOk);
    assert_int_equal(handle_copy(&b.t, hb, ALL, NULL, &hc2), rcOk);

    uint32_t n;
    struct handle_table *pt;
    handle_t p;
    assert_int_equal(handle_tree_info(&b.t, hb, &n, &pt, &p), rcOk);
    assert_int_equal(n, 2);
    assert_ptr_equal(pt, &a.t);
    assert_int_equal(p, ha);
    assert_int_equal(handle_tree_info(&a.t, ha, &n, &pt, &p), rcOk);
    assert_int_equal(n, 1);
    assert_null(pt);
    assert_int_equal(p, HANDLE_INVALID);

    /* Closing the middle handle keeps its descendants valid, now children of its parent. */
    assert_int_equal(handle_close(&b.t, hb), rcOk);
    assert_int_equal(get(&c, hc1, 0), rcOk);
    assert_int_equal(get(&b, hc2, 0), rcOk);
    assert_int_equal(handle_tree_info(&c.t, hc1, NULL, &pt, &p), rcOk);
    assert_ptr_equal(pt, &a.t);
    assert_int_equal(p, ha);
    assert_int_equal(handle_tree_info(&a.t, ha, &n, NULL, NULL), rcOk);
    assert_int_equal(n, 2);

    /* ... so the ancestor's Revoke still reaches them. */
    assert_int_equal(handle_revoke(&a.t, ha), rcOk);
    assert_int_equal(get(&c, hc1, 0), rcHandleRevoked);
    assert_int_equal(get(&b, hc2, 0), rcHandleRevoked);
    assert_int_equal(destroyed, 1);

    /* Closing a root makes its children roots. */
    obj = mkobj(&destroyed);
    assert_int_equal(handle_install(&a.t, obj, ALL, &ha), rcOk);
    kobj_unref(obj);
    assert_int_equal(handle_copy(&a.t, ha, ALL, NULL, &hb), rcOk);
    assert_int_equal(handle_close(&a.t, ha), rcOk);
    assert_int_equal(handle_tree_info(&a.t, hb, NULL, &pt, &p), rcOk);
    assert_null(pt);
    assert_int_equal(destroyed, 1);
    assert_int_equal(handle_close(&a.t, hb), rcOk);
    assert_int_equal(destroyed, 2);

    tab_destroy(&a);
    tab_destroy(&b);
    tab_destroy(&c);
}

static void test_revoke_across_tables(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b, c;
    tab_init(&a, 64, 41);
    tab_init(&b, 64, 42);
    tab_init(&c, 64, 43);
    struct kobj *obj = mkobj(&destroyed);
    handle_t root, keep, hb, hb2, hc;
    assert_int_equal(handle_install(&a.t, obj, ALL, &root), rcOk);
    assert_int_equal(handle_install(&a.t, obj, ALL, &keep), rcOk); /* an unrelated root */
    kobj_unref(obj);
    assert_int_equal(handle_transfer(&a.t, root, &b.t, ALL, NULL, &hb), rcOk);
    assert_int_equal(handle_copy(&b.t, hb, ALL, NULL, &hb2), rcOk);
    assert_int_equal(handle_transfer(&b.t, hb2, &c.t, HR_READ, NULL, &hc), rcOk);
    assert_int_equal(kobj_refcount(obj), 5);

    assert_int_equal(handle_revoke(&a.t, root), rcOk);
    /* Revoke closes the handle itself ... */
    assert_int_equal(get(&a, root, 0), rcBadHandle);
    /* ... and cuts off every descendant everywhere, which keep their slots until closed. */
    assert_int_equal(get(&b, hb, 0), rcHandleRevoked);
    assert_int_equal(get(&b, hb2, 0), rcHandleRevoked);
    assert_int_equal(get(&c, hc, 0), rcHandleRevoked);
    kobj_sid_t sid;
    assert_int_equal(handle_get_sid(&c.t, hc, &sid), rcHandleRevoked);
    handle_t x;
    assert_int_equal(handle_copy(&b.t, hb, HR_READ, NULL, &x), rcHandleRevoked);
    assert_int_equal(handle_transfer(&b.t, hb, &c.t, HR_READ, NULL, &x), rcHandleRevoked);
    assert_int_equal(handle_revoke(&b.t, hb), rcHandleRevoked);
    assert_int_equal(handle_revoke_subtree(&b.t, hb, NULL), rcHandleRevoked);
    assert_int_equal(handle_table_count(&b.t), 2);
    assert_int_equal(handle_table_count(&c.t), 1);
    /* The unrelated root still works and holds the object. */
    assert_int_equal(get(&a, keep, HR_READ), rcOk);
    assert_int_equal(kobj_refcount(obj), 1);
    assert_int_equal(destroyed, 0);

    /* Revoked handles are freed by Close, after which the value is simply invalid. */
    assert_int_equal(handle_close(&c.t, hc), rcOk);
    assert_int_equal(get(&c, hc, 0), rcBadHandle);
    assert_int_equal(handle_table_count(&c.t), 0);
    assert_int_equal(handle_close(&a.t, keep), rcOk);
    assert_int_equal(destroyed, 1);

    tab_destroy(&a);
    tab_destroy(&b); /* frees the two revoked slots */
    tab_destroy(&c);
}

static void test_revoke_subtree_badges(void **state)
{
    (void)state;
    int destroyed = 0, badges_destroyed = 0;
    struct tab a, b, c;
    tab_init(&a, 64, 51);
    tab_init(&b, 64, 52);
    tab_init(&c, 64, 53);
    struct kobj *obj = mkobj(&destroyed);
    struct kobj *badge1 = mkobj_ops(&badge_ops, &badges_destroyed, NULL);
    struct kobj *badge2 = mkobj_ops(&badge_ops, &badges_destroyed, NULL);
    handle_t root, hb, hb_child, hc, ha2, x;
    assert_int_equal(handle_install(&a.t, obj, ALL, &root), rcOk);
    assert_int_equal(handle_transfer(&a.t, root, &b.t, ALL, badge1, &hb), rcOk);
    assert_int_equal(handle_copy(&b.t, hb, ALL, NULL, &hb_child), rcOk);
    assert_int_equal(handle_transfer(&a.t, root, &c.t, ALL, badge2, &hc), rcOk);
    assert_int_equal(handle_copy(&a.t, root, ALL, NULL, &ha2), rcOk);

    /* A badge must be a badge. */
    assert_int_equal(handle_copy(&a.t, root, ALL, obj, &x), rcInvalidArgument);
    assert_int_equal(handle_revoke_subtree(&a.t, root, obj), rcInvalidArgument);

    /* Only the subtree made under badge1 goes; the handle itself and the rest stay. */
    assert_int_equal(handle_revoke_subtree(&a.t, root, badge1), rcOk);
    assert_int_equal(get(&a, root, 0), rcOk);
    assert_int_equal(get(&b, hb, 0), rcHandleRevoked);
    assert_int_equal(get(&b, hb_child, 0), rcHandleRevoked);
    assert_int_equal(get(&c, hc, 0), rcOk);
    assert_int_equal(get(&a, ha2, 0), rcOk);
    uint32_t n;
    assert_int_equal(handle_tree_info(&a.t, root, &n, NULL, NULL), rcOk);
    assert_int_equal(n, 2);

    /* Badge matching is by the badge's object id: a dead badge cannot alias a new one. */
    assert_int_equal(handle_revoke_subtree(&a.t, root, badge1), rcOk);
    assert_int_equal(get(&c, hc, 0), rcOk);

    /* Without a badge: every descendant, the handle stays. */
    assert_int_equal(handle_revoke_subtree(&a.t, root, NULL), rcOk);
    assert_int_equal(get(&a, root, HR_READ), rcOk);
    assert_int_equal(get(&c, hc, 0), rcHandleRevoked);
    assert_int_equal(get(&a, ha2, 0), rcHandleRevoked);
    assert_int_equal(handle_tree_info(&a.t, root, &n, NULL, NULL), rcOk);
    assert_int_equal(n, 0);
    assert_int_equal(kobj_refcount(obj), 2); /* creator + root */

    /* New descendants can be made again after a revoke. */
    assert_int_equal(handle_transfer(&a.t, root, &c.t, HR_READ, badge2, &x), rcOk);
    assert_int_equal(get(&c, x, HR_READ), rcOk);

    kobj_unref(obj);
    kobj_unref(badge1);
    kobj_unref(badge2);
    assert_int_equal(badges_destroyed, 2);
    tab_destroy(&a);
    tab_destroy(&b);
    tab_destroy(&c);
    assert_int_equal(destroyed, 1);
}

static void test_refcount_and_destroy(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b;
    tab_init(&a, 64, 61);
    tab_init(&b, 64, 62);
    struct kobj *obj = mkobj(&destroyed);
    handle_t h, h2;
    assert_int_equal(handle_install(&a.t, obj, ALL, &h), rcOk);
    kobj_unref(obj);
    assert_int_equal(kobj_refcount(obj), 1);
    assert_int_equal(handle_transfer(&a.t, h, &b.t, ALL, NULL, &h2), rcOk);
    assert_int_equal(kobj_refcount(obj), 2);

    /* A reference from handle_get keeps the object alive past the last handle. */
    struct kobj *held;
    assert_int_equal(handle_get(&b.t, h2, KOBJ_ANY, 0, &held, NULL), rcOk);
    assert_int_equal(handle_close(&a.t, h), rcOk);
    assert_int_equal(handle_close(&b.t, h2), rcOk);
    assert_int_equal(destroyed, 0);
    assert_int_equal(kobj_refcount(held), 1);
    kobj_unref(held);
    assert_int_equal(destroyed, 1);

    /* Revocation drops references at once, even though revoked slots stay. */
    obj = mkobj(&destroyed);
    assert_int_equal(handle_install(&a.t, obj, ALL, &h), rcOk);
    kobj_unref(obj);
    assert_int_equal(handle_transfer(&a.t, h, &b.t, ALL, NULL, &h2), rcOk);
    assert_int_equal(handle_revoke(&a.t, h), rcOk);
    assert_int_equal(destroyed, 2);
    assert_int_equal(handle_table_count(&b.t), 1);

    /* kobj_init refuses what cannot be an object; kobj_ref refuses a dead one. */
    struct tobj t;
    const struct kobj_ops any_ops = {KOBJ_ANY, "any", tobj_destroy};
    const struct kobj_ops no_destroy = {KOBJ_USER, "x", NULL};
    assert_int_equal(kobj_init(&t.k, NULL, 0, NULL, 0), rcInvalidArgument);
    assert_int_equal(kobj_init(&t.k, &any_ops, 0, NULL, 0), rcInvalidArgument);
    assert_int_equal(kobj_init(&t.k, &no_destroy, 0, NULL, 0), rcInvalidArgument);
    t.k.refs = 0;
    assert_int_equal(kobj_ref(&t.k), rcInvalidArgument);
    t.k.refs = KOBJ_REFS_MAX;
    assert_int_equal(kobj_ref(&t.k), rcOverflow);

    /* SIDs and koids are unique; a given SID can be shared on purpose. */
    struct kobj *o1 = mkobj(&destroyed), *o2 = mkobj(&destroyed);
    assert_true(kobj_sid(o1) != kobj_sid(o2));
    assert_true(o1->koid != o2->koid);
    struct tobj *o3 = malloc(sizeof(*o3));
    o3->destroyed = &destroyed;
    assert_int_equal(kobj_init(&o3->k, &thing_ops, KOBJ_SID_KERNEL, NULL, 0), rcOk);
    assert_int_equal(kobj_sid(&o3->k), KOBJ_SID_KERNEL);
    kobj_unref(o1);
    kobj_unref(o2);
    kobj_unref(&o3->k);
    assert_int_equal(destroyed, 5);

    tab_destroy(&a);
    tab_destroy(&b);
}

static void test_table_destroy_reparents(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b, c;
    tab_init(&a, 64, 71);
    tab_init(&b, 64, 72);
    tab_init(&c, 64, 73);
    struct kobj *obj = mkobj(&destroyed);
    handle_t ha, hb, hc;
    assert_int_equal(handle_install(&a.t, obj, ALL, &ha), rcOk);
    kobj_unref(obj);
    assert_int_equal(handle_transfer(&a.t, ha, &b.t, ALL, NULL, &hb), rcOk);
    assert_int_equal(handle_transfer(&b.t, hb, &c.t, ALL, NULL, &hc), rcOk);
    /* Process B exits: its handles close, C's handle now hangs off A's. */
    tab_destroy(&b);
    assert_int_equal(get(&c, hc, 0), rcOk);
    struct handle_table *pt;
    handle_t p;
    assert_int_equal(handle_tree_info(&c.t, hc, NULL, &pt, &p), rcOk);
    assert_ptr_equal(pt, &a.t);
    assert_int_equal(p, ha);
    assert_int_equal(handle_revoke_subtree(&a.t, ha, NULL), rcOk);
    assert_int_equal(get(&c, hc, 0), rcHandleRevoked);
    assert_int_equal(destroyed, 0);
    tab_destroy(&a);
    assert_int_equal(destroyed, 1);
    tab_destroy(&c);
}

static void test_deep_chain(void **state)
{
    (void)state;
    int destroyed = 0;
    enum { DEPTH = 20000 };
    struct tab a, b;
    tab_init(&a, HANDLE_MAX_ENTRIES, 81);
    tab_init(&b, HANDLE_MAX_ENTRIES, 82);
    struct kobj *obj = mkobj(&destroyed);
    handle_t *hs = malloc(DEPTH * sizeof(*hs));
    assert_int_equal(handle_install(&a.t, obj, ALL, &hs[0]), rcOk);
    kobj_unref(obj);
    for (int i = 1; i < DEPTH; i++) {
        struct tab *from = (i - 1) % 2 ? &b : &a, *to = i % 2 ? &b : &a;
        assert_int_equal(handle_transfer(&from->t, hs[i - 1], &to->t, ALL, NULL, &hs[i]), rcOk);
    }
    /* Close a handle in the middle: the chain stays connected. */
    assert_int_equal(handle_close(&b.t, hs[DEPTH / 2 + 1]), rcOk); /* odd indices are in b */
    /* Revoking the root walks the whole chain without recursion. */
    assert_int_equal(handle_revoke(&a.t, hs[0]), rcOk);
    assert_int_equal(get(&b, hs[DEPTH - 1], 0), rcHandleRevoked);
    assert_int_equal(get(&a, hs[DEPTH - 2], 0), rcHandleRevoked);
    assert_int_equal(destroyed, 1);
    assert_int_equal(handle_table_count(&a.t) + handle_table_count(&b.t), DEPTH - 2);
    free(hs);
    tab_destroy(&a);
    tab_destroy(&b);
}

static int released;
/* What one test object costs its account: itself and its end note's share (obj/kobj.h). */
#define OBJ_COST (sizeof(struct tobj) + KOBJ_END_CHARGE)

static void acct_release(struct kmem_account *acct)
{
    (void)acct;
    released++;
}

static void test_kernel_memory_accounting(void **state)
{
    (void)state;
    int destroyed = 0;
    struct kmem_account acct;
    kmem_account_init(&acct, 3 * OBJ_COST, acct_release);
    released = 0;
    struct kobj *o1 = mkobj_ops(&thing_ops, &destroyed, &acct);
    struct kobj *o2 = mkobj_ops(&thing_ops, &destroyed, &acct);
    assert_int_equal(acct.used, 2 * OBJ_COST); /* each with its end note's share */
    assert_int_equal(acct.refs, 3);            /* owner + two objects */
    assert_int_equal(kmem_charge(&acct, 2 * OBJ_COST), rcQuotaExceeded);
    assert_int_equal(acct.used, 2 * OBJ_COST); /* a refused charge charges nothing */
    assert_int_equal(kmem_charge(&acct, SIZE_MAX), rcQuotaExceeded);

    /* The process (account owner) goes away first: objects still uncharge safely. */
    kmem_account_put(&acct);
    assert_int_equal(released, 0);
    kobj_unref(o1);
    assert_int_equal(acct.used, OBJ_COST);
    kobj_unref(o2);
    assert_int_equal(acct.used, 0);
    assert_int_equal(acct.peak, 2 * OBJ_COST);
    assert_int_equal(released, 1);
    assert_int_equal(destroyed, 2);

    /* Lowering the limit below use refuses every new charge; NULL accounts charge nothing. */
    kmem_account_init(&acct, 100, NULL);
    assert_int_equal(kmem_charge(&acct, 60), rcOk);
    acct.limit = 50;
    assert_int_equal(kmem_charge(&acct, 1), rcQuotaExceeded);
    kmem_uncharge(&acct, 1000);
    assert_int_equal(acct.used, 0);
    assert_int_equal(kmem_charge(NULL, SIZE_MAX), rcOk);
    assert_int_equal(kmem_account_get(NULL), rcOk);
    acct.refs = UINT32_MAX;
    assert_int_equal(kmem_account_get(&acct), rcOverflow);
}

static void test_table_charges_through_allocator(void **state)
{
    (void)state;
    /* A table whose allocator charges a small account stops growing with rcQuotaExceeded. */
    int destroyed = 0;
    struct tab a;
    tab_init(&a, HANDLE_MAX_ENTRIES, 91);
    struct kobj *obj = mkobj(&destroyed);
    handle_t h;
    uint32_t installed = 0;
    a.p.fail_after = 5; /* the directory and four chunks */
    a.p.fail_rc = rcQuotaExceeded;
    Retcode rc;
    while ((rc = handle_install(&a.t, obj, ALL, &h)) == rcOk)
        installed++;
    assert_int_equal(rc, rcQuotaExceeded);
    assert_int_equal(installed, 4 * HANDLE_CHUNK_ENTRIES);
    tab_destroy(&a);
    kobj_unref(obj);
    assert_int_equal(destroyed, 1);
}

/* A keeper of end notes (obj/kobj.h) that counts what it is given and can run out of memory. */
static struct kobj_end *ended_note;
static int ended_calls, notes_live, notes_fail;
static struct kobj_end *note_alloc(void)
{
    if (notes_fail)
        return NULL;
    notes_live++;
    return malloc(sizeof(struct kobj_end));
}
static void note_free(struct kobj_end *end)
{
    notes_live--;
    free(end);
}
static void note_ended(struct kobj_end *end)
{
    ended_note = end;
    ended_calls++;
}
static const struct kobj_end_keeper keeper = {note_alloc, note_free, note_ended};

/* A destroy that keeps the memory, as a process's does (it queues it to the reaper). */
static void kept_destroy(struct kobj *obj)
{
    (*((struct tobj *)obj)->destroyed)++;
}
static const struct kobj_ops kept_ops = {KOBJ_USER, "kept", kept_destroy};

/* The keeper is handed the note of each object the monitor was shown (a view marked it), after
 * its destruction, with its SID and type; of no other object. One note, however often shown. */
static void test_end_of_shown_objects(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a;
    tab_init(&a, 64, 103);
    kobj_set_end_keeper(&keeper);
    ended_calls = notes_live = notes_fail = 0;
    struct kobj *unseen = mkobj(&destroyed), *seen = mkobj(&destroyed);
    kobj_sid_t seen_sid = kobj_sid(seen);
    handle_t hs;
    assert_int_equal(handle_install(&a.t, seen, HR_READ, &hs), rcOk);
    kobj_unref(seen); /* the handle holds the last reference */
    struct handle_desc d = {hs, 0};
    uint8_t type = 0;
    assert_int_equal(handle_batch_view(&a.t, &d, 1, &type), rcOk); /* shows it */
    d = (struct handle_desc){hs, 0};
    assert_int_equal(handle_batch_view(&a.t, &d, 1, &type), rcOk); /* again: the same note */
    assert_int_equal(notes_live, 1);
    kobj_unref(unseen);
    assert_int_equal(destroyed, 1);
    assert_int_equal(ended_calls, 0);
    assert_int_equal(handle_close(&a.t, hs), rcOk); /* the last reference */
    assert_int_equal(destroyed, 2);
    assert_int_equal(ended_calls, 1);
    assert_int_equal(ended_note->sid, seen_sid);
    assert_int_equal(ended_note->type, KOBJ_USER);
    kobj_end_free(ended_note);
    assert_int_equal(notes_live, 0);
    kobj_set_end_keeper(NULL);
    tab_destroy(&a);
}

/* A note's bytes: charged with the object (kobj_init), taken by the note when it is made, kept
 * charged after the object has gone until the note is freed; a note taken away
 * (kobj_take_end, a process's end told at its death) is not handed over again. */
static void test_end_note_charge(void **state)
{
    (void)state;
    int destroyed = 0;
    struct kmem_account acct;
    kmem_account_init(&acct, 10 * OBJ_COST, NULL);
    kobj_set_end_keeper(&keeper);
    ended_calls = notes_live = notes_fail = 0;
    struct kobj *o = mkobj_ops(&thing_ops, &destroyed, &acct);
    assert_int_equal(acct.used, OBJ_COST);
    assert_int_equal(kobj_mark_shown(o), rcOk);
    assert_int_equal(acct.used, OBJ_COST); /* moved to the note, not charged twice */
    assert_int_equal(acct.refs, 3);        /* owner, object, note */
    kobj_unref(o);
    assert_int_equal(destroyed, 1);
    assert_int_equal(ended_calls, 1);
    assert_int_equal(acct.used, KOBJ_END_CHARGE); /* the note's share stays until told */
    kobj_end_free(ended_note);
    assert_int_equal(acct.used, 0);
    assert_int_equal(acct.refs, 1);

    struct kobj *p = mkobj_ops(&thing_ops, &destroyed, &acct);
    assert_int_equal(kobj_mark_shown(p), rcOk);
    struct kobj_end *taken = kobj_take_end(p);
    assert_non_null(taken);
    assert_null(kobj_take_end(p));
    kobj_unref(p);
    assert_int_equal(ended_calls, 1); /* not handed over again */
    kobj_end_free(taken);
    assert_int_equal(acct.used, 0);
    assert_int_equal(notes_live, 0);

    /* A destroy that only queues the object (a process's, to its reaper) leaves the header to
     * code that takes the note for an end told early: the note was handed over once, and is
     * not there to take again. */
    struct tobj kept = {.destroyed = &destroyed};
    assert_int_equal(kmem_charge(&acct, sizeof kept), rcOk);
    assert_int_equal(kobj_init(&kept.k, &kept_ops, KOBJ_SID_NONE, &acct, sizeof kept), rcOk);
    assert_int_equal(kobj_mark_shown(&kept.k), rcOk);
    kobj_unref(&kept.k);
    assert_int_equal(ended_calls, 2);
    assert_null(kobj_take_end(&kept.k));
    kobj_end_free(ended_note);
    assert_int_equal(acct.used, 0);

    /* An account without room for the note makes no object: its share is part of the price. */
    kmem_account_init(&acct, sizeof(struct tobj) + KOBJ_END_CHARGE - 1, NULL);
    struct tobj t;
    assert_int_equal(kmem_charge(&acct, sizeof t), rcOk);
    assert_int_equal(kobj_init(&t.k, &thing_ops, KOBJ_SID_NONE, &acct, sizeof t), rcQuotaExceeded);
    kmem_uncharge(&acct, sizeof t);
    assert_int_equal(acct.used, 0);
    assert_int_equal(acct.refs, 1);
    kobj_set_end_keeper(NULL);
}

/* No memory for a note: the object is not shown, the view fails (the monitor must not see a
 * resource whose end it could not hear of), and nothing is handed over at its end. */
static void test_end_note_without_memory(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a;
    tab_init(&a, 64, 107);
    kobj_set_end_keeper(&keeper);
    ended_calls = notes_live = 0;
    notes_fail = 1;
    struct kobj *o = mkobj(&destroyed);
    handle_t h;
    assert_int_equal(handle_install(&a.t, o, HR_READ | HR_TRANSFER, &h), rcOk);
    kobj_unref(o);
    struct handle_desc d = {h, 0};
    uint8_t type = 0;
    assert_int_equal(handle_batch_view(&a.t, &d, 1, &type), rcOutOfMemory);
    kobj_sid_t sid = 0;
    struct handle_desc in = {h, HR_READ};
    uint32_t bad = 99;
    assert_int_equal(handle_batch_sids(&a.t, &in, 1, &sid, &type, &bad), rcOutOfMemory);
    assert_int_equal(bad, 0);
    notes_fail = 0;
    assert_int_equal(handle_batch_sids(&a.t, &in, 1, &sid, &type, &bad), rcOk);
    assert_int_equal(notes_live, 1);
    assert_int_equal(handle_close(&a.t, h), rcOk);
    assert_int_equal(destroyed, 1);
    assert_int_equal(ended_calls, 1);
    kobj_end_free(ended_note);
    assert_int_equal(notes_live, 0);
    kobj_set_end_keeper(NULL);
    tab_destroy(&a);
}

static void test_message_handles_all_or_nothing(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a, b;
    tab_init(&a, 64, 101);
    tab_init(&b, 2, 102);
    struct kobj *o[3] = {mkobj(&destroyed), mkobj(&destroyed), mkobj(&destroyed)};
    struct handle_desc in[3], out[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(handle_install(&a.t, o[i], HR_READ | HR_BASIC, &in[i].handle), rcOk);
        in[i].rights = HR_READ;
    }
    /* SIDs for the security monitor, in message order. */
    kobj_sid_t sids[3];
    uint8_t types[3] = {0, 0, 0};
    uint32_t bad = 99;
    assert_int_equal(handle_batch_sids(&a.t, in, 3, sids, types, &bad), rcOk);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sids[i], kobj_sid(o[i]));
        assert_int_equal(types[i], kobj_type(o[i])); /* and their objects' types */
        assert_int_not_equal(types[i], KOBJ_ANY);
    }
    assert_int_equal(handle_batch_sids(&a.t, in, 3, sids, NULL, &bad), rcOk); /* types: optional */
    in[1].rights = HR_READ | HR_WRITE;
    assert_int_equal(handle_batch_sids(&a.t, in, 3, sids, types, &bad), rcAccessDenied);
    assert_int_equal(bad, 1);
    in[1].rights = HR_READ;
    in[2].handle ^= 0x00010000u;
    assert_int_equal(handle_batch_sids(&a.t, in, 3, sids, types, &bad), rcBadHandle);
    assert_int_equal(bad, 2);
    in[2].handle ^= 0x00010000u;

    /* A core-endpoint request's view: no right needed (in[1] has no TRANSFER), the rights held;
     * a stale value, a revoked handle and "none" name nothing, and the view never fails. */
    handle_t held_only;
    assert_int_equal(handle_copy(&a.t, in[1].handle, HR_READ, NULL, &held_only), rcOk);
    handle_t parent, revoked;
    assert_int_equal(handle_copy(&a.t, in[2].handle, HR_READ | HR_BASIC, NULL, &parent), rcOk);
    assert_int_equal(handle_copy(&a.t, parent, HR_READ, NULL, &revoked), rcOk);
    assert_int_equal(handle_revoke(&a.t, parent), rcOk); /* revoked's parent: it is REVOKED */
    struct handle_desc core[4] = {
        {held_only, 0}, {in[0].handle ^ 0x00010000u, 0}, {revoked, 0}, {0xffffffffu, 0}};
    uint8_t vt[4] = {0xee, 0xee, 0xee, 0xee};
    core[2].rights = HR_READ; /* what the message asked for: replaced by what is held */
    handle_batch_view(&a.t, core, 4, vt);
    assert_int_equal(core[0].handle, kobj_sid(o[1]));
    assert_int_equal(vt[0], kobj_type(o[1]));
    assert_int_equal(core[0].rights, HR_READ);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(core[i].handle, KOBJ_SID_NONE);
        assert_int_equal(vt[i], 0);
        assert_int_equal(core[i].rights, HR_NONE);
    }
    assert_int_equal(handle_close(&a.t, held_only), rcOk);
    assert_int_equal(handle_close(&a.t, revoked), rcOk);

    /* b holds at most 2 handles: the third fails and the first two are taken back. */
    assert_int_equal(handle_batch_transfer(&a.t, in, 3, &b.t, NULL, out, &bad), rcQuotaExceeded);
    assert_int_equal(bad, 2);
    assert_int_equal(handle_table_count(&b.t), 0);
    uint32_t children;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kobj_refcount(o[i]), 2);
        assert_int_equal(handle_tree_info(&a.t, in[i].handle, &children, NULL, NULL), rcOk);
        assert_int_equal(children, 0);
    }
    /* A handle without TRANSFER in the middle: nothing moves either. */
    handle_t no_xfer;
    assert_int_equal(handle_copy(&a.t, in[1].handle, HR_READ | HR_DUPLICATE, NULL, &no_xfer), rcOk);
    struct handle_desc two[2] = {in[0], {no_xfer, HR_READ}};
    assert_int_equal(handle_batch_transfer(&a.t, two, 2, &b.t, NULL, out, &bad), rcAccessDenied);
    assert_int_equal(bad, 1);
    assert_int_equal(handle_table_count(&b.t), 0);

    /* Two handles fit: both arrive, as descendants, with the rights asked for. */
    assert_int_equal(handle_batch_transfer(&a.t, in, 2, &b.t, NULL, out, &bad), rcOk);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(out[i].rights, HR_READ);
        struct handle_table *pt;
        handle_t p;
        assert_int_equal(handle_tree_info(&b.t, out[i].handle, NULL, &pt, &p), rcOk);
        assert_ptr_equal(pt, &a.t);
        assert_int_equal(p, in[i].handle);
    }
    assert_int_equal(handle_batch_transfer(&a.t, in, 0, &b.t, NULL, NULL, NULL), rcOk);
    for (int i = 0; i < 3; i++)
        kobj_unref(o[i]);
    tab_destroy(&a);
    tab_destroy(&b);
    assert_int_equal(destroyed, 3);
}

/* The slot functions assert the table lock (the kernel's hook checks its spinlock): every use
 * by the module passes, and a call without the lock is caught. */
static void test_slot_functions_assert_table_lock(void **state)
{
    (void)state;
    struct tab x;
    tab_init(&x, 8, 1);
    int destroyed = 0;
    struct kobj *o = mkobj_ops(&thing_ops, &destroyed, NULL);
    handle_t h;
    assert_int_equal(handle_install(&x.t, o, HR_READ, &h), rcOk);
    kobj_unref(o);
    struct kobj *got;
    assert_int_equal(handle_get(&x.t, h, KOBJ_USER, HR_READ, &got, NULL), rcOk);
    kobj_unref(got);
    assert_true(x.p.held_checks >= 2);
    assert_int_equal(x.p.held_misses, 0);
    assert_non_null(slot_find_locked(&x.t, h)); /* without the lock */
    assert_int_equal(x.p.held_misses, 1);
    x.p.held_misses = 0;
    tab_destroy(&x);
    assert_int_equal(destroyed, 1);
}

static int match_calls;

static bool match_count(const struct kobj *obj, void *arg)
{
    (void)obj; /* not read: a slot never initialised would hand in garbage */
    (void)arg;
    match_calls++;
    return false;
}

/* A chunk's slots are initialised as they are first handed out; the others are memory nobody
 * wrote. Here that memory is forged to look like LIVE slots (state 1, generation 0x0101, an
 * object pointer of 0x01 bytes): a value naming such a slot must be refused before the slot is
 * read, the scans (handle_table_any, the teardown) must not visit it. */
static void test_never_initialised_slots_refused(void **state)
{
    (void)state;
    int destroyed = 0;
    struct tab a;
    tab_init(&a, 64, 9);
    a.p.fill = 0x01;
    struct kobj *obj = mkobj(&destroyed);
    handle_t h;
    assert_int_equal(handle_install(&a.t, obj, ALL, &h), rcOk);
    assert_int_equal((h ^ a.t.key) & 0xffffu, 0); /* slot 0: the other 31 never handed out */
    for (uint32_t index = 1; index < HANDLE_CHUNK_ENTRIES; index++) {
        handle_t forged = ((0x0101u << HANDLE_INDEX_BITS) | index) ^ a.t.key;
        assert_int_equal(get(&a, forged, 0), rcBadHandle);
        assert_int_equal(handle_close(&a.t, forged), rcBadHandle);
    }
    match_calls = 0;
    assert_false(handle_table_any(&a.t, match_count, NULL));
    assert_int_equal(match_calls, 1); /* slot 0 alone */
    /* The next install initialises slot 1: it is found under its own value, not the forged one. */
    handle_t h1;
    assert_int_equal(handle_install(&a.t, obj, ALL, &h1), rcOk);
    assert_int_equal((h1 ^ a.t.key) & 0xffffu, 1);
    assert_int_equal(get(&a, h1, 0), rcOk);
    tab_destroy(&a); /* closes slots 0 and 1 only */
    assert_int_equal(kobj_refcount(obj), 1);
    kobj_unref(obj);
    assert_int_equal(destroyed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_lookup_close),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_find_held_agrees_with_get),
        cmocka_unit_test(test_generation_on_reuse),
        cmocka_unit_test(test_slot_retired_not_reused),
        cmocka_unit_test(test_free_slots_fifo_and_keys),
        cmocka_unit_test(test_growth_and_allocator_errors),
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_rights_only_shrink),
        cmocka_unit_test(test_close_reparents),
        cmocka_unit_test(test_revoke_across_tables),
        cmocka_unit_test(test_revoke_subtree_badges),
        cmocka_unit_test(test_refcount_and_destroy),
        cmocka_unit_test(test_table_destroy_reparents),
        cmocka_unit_test(test_deep_chain),
        cmocka_unit_test(test_kernel_memory_accounting),
        cmocka_unit_test(test_table_charges_through_allocator),
        cmocka_unit_test(test_message_handles_all_or_nothing),
        cmocka_unit_test(test_end_of_shown_objects),
        cmocka_unit_test(test_end_note_charge),
        cmocka_unit_test(test_end_note_without_memory),
        cmocka_unit_test(test_slot_functions_assert_table_lock),
        cmocka_unit_test(test_never_initialised_slots_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
