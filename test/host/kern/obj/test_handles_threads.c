/*
 * The locking contract of kern/obj under real concurrency: lookups and installs take only the
 * table locks (pthread mutexes behind the lock hooks) while another thread copies, transfers,
 * revokes and closes under a global derivation mutex, as the kernel will. ASan catches a use
 * after free if a lookup could ever see an object that revocation freed; the final counts check
 * that no reference was lost or doubled.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "obj/handle.h"
#include "obj/kobj.h"

struct proc {
    pthread_mutex_t lock;
    struct handle_table t;
};

static Retcode p_alloc(void *ctx, size_t bytes, void **out)
{
    (void)ctx;
    *out = malloc(bytes);
    return *out != NULL ? rcOk : rcOutOfMemory;
}

static void p_free(void *ctx, void *ptr, size_t bytes)
{
    (void)ctx;
    (void)bytes;
    free(ptr);
}

static void p_lock(void *ctx)
{
    pthread_mutex_lock(&((struct proc *)ctx)->lock);
}

static void p_unlock(void *ctx)
{
    pthread_mutex_unlock(&((struct proc *)ctx)->lock);
}

static const struct handle_table_ops ops = {p_alloc, p_free, p_lock, p_unlock, NULL};

static pthread_mutex_t tree_lock = PTHREAD_MUTEX_INITIALIZER; /* the derivation lock */
static int created, destroyed;                                /* atomics */

struct tobj {
    struct kobj k;
    int payload;
};

static void tobj_destroy(struct kobj *k)
{
    struct tobj *o = (struct tobj *)k;
    o->payload = -1;
    __atomic_add_fetch(&destroyed, 1, __ATOMIC_RELAXED);
    free(o);
}

static const struct kobj_ops tops = {KOBJ_USER, "thing", tobj_destroy};

static struct kobj *mkobj(void)
{
    struct tobj *o = malloc(sizeof(*o));
    o->payload = 42;
    if (kobj_init(&o->k, &tops, KOBJ_SID_NONE, NULL, 0) != rcOk)
        abort();
    __atomic_add_fetch(&created, 1, __ATOMIC_RELAXED);
    return &o->k;
}

static struct proc a, b, c;
static int stop;                  /* atomic */
static unsigned long reader_hits; /* atomic: successful lookups, so we know they overlapped */

/* Published values that readers probe; they may be stale, revoked or closed at any moment. */
#define SLOTS 64
static handle_t seen_b[SLOTS], seen_c[SLOTS];

static void *reader(void *arg)
{
    struct proc *p = arg;
    handle_t *seen = p == &b ? seen_b : seen_c;
    unsigned long ok = 0;
    unsigned i = 0;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        handle_t h = __atomic_load_n(&seen[i++ % SLOTS], __ATOMIC_RELAXED);
        struct kobj *o;
        Retcode rc = handle_get(&p->t, h, KOBJ_USER, HR_READ, &o, NULL);
        if (rc == rcOk) {
            /* The reference keeps the object alive even if it is revoked right now. */
            if (((struct tobj *)o)->payload != 42)
                abort();
            kobj_unref(o);
            ok++;
            __atomic_add_fetch(&reader_hits, 1, __ATOMIC_RELAXED);
        } else if (rc != rcBadHandle && rc != rcHandleRevoked) {
            abort();
        }
    }
    return (void *)ok;
}

/* Installs roots in b with b's lock only (handle_install needs no derivation lock) and closes
 * them under the derivation lock, as the kernel's Handle.Close will. Makes b's slots churn. */
static void *churn(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3000 && !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
        struct kobj *o = mkobj();
        handle_t h;
        if (handle_install(&b.t, o, HR_READ | HR_BASIC, &h) != rcOk)
            abort();
        kobj_unref(o);
        __atomic_store_n(&seen_b[(unsigned)i % SLOTS], h, __ATOMIC_RELAXED);
        pthread_mutex_lock(&tree_lock);
        if (handle_close(&b.t, h) != rcOk)
            abort();
        pthread_mutex_unlock(&tree_lock);
    }
    return NULL;
}

static void *deriver(void *arg)
{
    (void)arg;
    /* At least 3000 rounds, and on until the readers have really run alongside (bounded). */
    for (int round = 0; round < 3000 ||
                        (__atomic_load_n(&reader_hits, __ATOMIC_RELAXED) < 1000 && round < 2000000);
         round++) {
        struct kobj *o = mkobj();
        handle_t root, hb, hc, hc2;
        if (handle_install(&a.t, o, HR_READ | HR_BASIC, &root) != rcOk)
            abort();
        kobj_unref(o);
        pthread_mutex_lock(&tree_lock);
        if (handle_transfer(&a.t, root, &b.t, HR_READ | HR_BASIC, NULL, &hb) != rcOk ||
            handle_transfer(&b.t, hb, &c.t, HR_READ | HR_DUPLICATE, NULL, &hc) != rcOk ||
            handle_copy(&c.t, hc, HR_READ, NULL, &hc2) != rcOk)
            abort();
        pthread_mutex_unlock(&tree_lock);
        __atomic_store_n(&seen_b[(unsigned)round % SLOTS], hb, __ATOMIC_RELAXED);
        __atomic_store_n(&seen_c[(unsigned)round % SLOTS], hc2, __ATOMIC_RELAXED);
        pthread_mutex_lock(&tree_lock);
        if (handle_revoke(&a.t, root) != rcOk)
            abort();
        /* The owners close their revoked handles. */
        if (handle_close(&b.t, hb) != rcOk || handle_close(&c.t, hc) != rcOk ||
            handle_close(&c.t, hc2) != rcOk)
            abort();
        pthread_mutex_unlock(&tree_lock);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void test_concurrent_lookup_and_revoke(void **state)
{
    (void)state;
    struct proc *ps[] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) {
        pthread_mutex_init(&ps[i]->lock, NULL);
        assert_int_equal(handle_table_init(&ps[i]->t, &ops, ps[i], 4096, 1000 + i), rcOk);
    }
    pthread_t r1, r2, ch, dv;
    pthread_create(&r1, NULL, reader, &b);
    pthread_create(&r2, NULL, reader, &c);
    pthread_create(&ch, NULL, churn, NULL);
    pthread_create(&dv, NULL, deriver, NULL);
    pthread_join(dv, NULL);
    pthread_join(ch, NULL);
    void *ok1, *ok2;
    pthread_join(r1, &ok1);
    pthread_join(r2, &ok2);
    /* Every object made was destroyed exactly once, and every table is empty. */
    assert_int_equal(created, destroyed);
    assert_int_equal(handle_table_count(&a.t), 0);
    assert_int_equal(handle_table_count(&b.t), 0);
    assert_int_equal(handle_table_count(&c.t), 0);
    for (int i = 0; i < 3; i++) {
        pthread_mutex_lock(&tree_lock);
        handle_table_destroy(&ps[i]->t);
        pthread_mutex_unlock(&tree_lock);
    }
    assert_true((uintptr_t)ok1 + (uintptr_t)ok2 >= 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_lookup_and_revoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
