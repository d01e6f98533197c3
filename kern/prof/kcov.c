/* Kernel code coverage of a process's system calls: its pools of areas (contract in kcov.h). */
#include "prof/kcov.h"

#include "mm/slab.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/thread.h"

/* One process's areas: `bytes` is what KcovAlloc reserved against the system-wide cap. */
struct kcov_pool {
    uint32_t nareas;
    uint64_t max_points;
    uint64_t bytes;
    struct kcov_area area[KCOV_THREADS_MAX];
};

/* Threads collecting now, all processes: the hook's first test (kcov_trace.c). */
uint32_t kcov_collectors;
/* Bytes of PC buffers all pools reserved; never above KCOV_SYSTEM_BYTES_MAX (atomic). */
static uint64_t system_bytes;

bool kcov_built(void)
{
#ifdef BASTION_KCOV
    return true;
#else
    return false;
#endif
}

uint64_t kcov_system_bytes(void)
{
    return __atomic_load_n(&system_bytes, __ATOMIC_RELAXED);
}

/* Reserves `bytes` against the system-wide cap; false (nothing reserved) beyond it. */
static bool system_reserve(uint64_t bytes)
{
    uint64_t cur = __atomic_load_n(&system_bytes, __ATOMIC_RELAXED);
    do {
        if (bytes > KCOV_SYSTEM_BYTES_MAX - cur)
            return false;
    } while (!__atomic_compare_exchange_n(&system_bytes, &cur, cur + bytes, false, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return true;
}

static void pool_destroy(struct process *p, struct kcov_pool *pool)
{
    if (pool == NULL)
        return;
    for (uint32_t i = 0; i < pool->nareas; i++)
        kfree_charged(pool->area[i].pcs, &p->kmem);
    __atomic_fetch_sub(&system_bytes, pool->bytes, __ATOMIC_RELAXED);
    kfree_charged(pool, &p->kmem);
}

Retcode kcov_alloc(struct process *p, uint32_t num_threads, uint64_t max_points)
{
    if (!kcov_built())
        return rcCoverageNotBuilt;
    if (num_threads == 0 || max_points == 0)
        return rcInvalidArgument;
    /* Each bound checked alone first, so that the product cannot overflow. */
    if (num_threads > KCOV_THREADS_MAX || max_points > KCOV_POINTS_MAX ||
        (uint64_t)num_threads * max_points * sizeof(uint64_t) > KCOV_PROCESS_BYTES_MAX)
        return rcKcovTooLarge;
    uint64_t bytes = (uint64_t)num_threads * max_points * sizeof(uint64_t);
    spin_lock(&p->lock);
    bool have = p->kcov != NULL;
    spin_unlock(&p->lock);
    if (have)
        return rcKcovAllocated;
    if (!system_reserve(bytes))
        return rcKcovTooLarge;
    Retcode rc = rcOk;
    struct kcov_pool *pool = kmalloc_charged(sizeof *pool, &p->kmem, &rc);
    if (pool == NULL) {
        __atomic_fetch_sub(&system_bytes, bytes, __ATOMIC_RELAXED);
        return rc;
    }
    *pool = (struct kcov_pool){.nareas = 0, .max_points = max_points, .bytes = bytes};
    for (uint32_t i = 0; i < num_threads; i++) {
        uint64_t *pcs = kmalloc_charged(max_points * sizeof(uint64_t), &p->kmem, &rc);
        if (pcs == NULL) {
            pool_destroy(p, pool);
            return rc;
        }
        pool->area[i] = (struct kcov_area){0, max_points, pcs, NULL};
        pool->nareas = i + 1;
    }
    /* Two KcovAlloc of one process at once: the first to get here keeps its pool. */
    spin_lock(&p->lock);
    bool raced = p->kcov != NULL;
    if (!raced)
        p->kcov = pool;
    spin_unlock(&p->lock);
    if (raced) {
        pool_destroy(p, pool);
        return rcKcovAllocated;
    }
    return rcOk;
}

/* Ends t's collection, if any; under p->lock. */
static void stop_locked(struct thread *t)
{
    struct kcov_area *a = t->kcov;
    if (a == NULL)
        return;
    __atomic_store_n(&t->kcov, NULL, __ATOMIC_RELAXED);
    a->holder = NULL;
    __atomic_fetch_sub(&kcov_collectors, 1, __ATOMIC_RELAXED);
}

Retcode kcov_free(struct process *p, struct thread *t)
{
    if (!kcov_built())
        return rcCoverageNotBuilt;
    spin_lock(&p->lock);
    struct kcov_pool *pool = p->kcov;
    if (pool == NULL) {
        spin_unlock(&p->lock);
        return rcKcovNotAllocated;
    }
    stop_locked(t);
    for (uint32_t i = 0; i < pool->nareas; i++)
        if (pool->area[i].holder != NULL) {
            spin_unlock(&p->lock);
            return rcKcovBusy;
        }
    p->kcov = NULL;
    spin_unlock(&p->lock);
    pool_destroy(p, pool);
    return rcOk;
}

Retcode kcov_start(struct process *p, struct thread *t)
{
    if (!kcov_built())
        return rcCoverageNotBuilt;
    spin_lock(&p->lock);
    struct kcov_pool *pool = p->kcov;
    Retcode rc = pool == NULL ? rcKcovNotAllocated : rcKcovBusy;
    if (pool != NULL && t->kcov != NULL) {
        /* Started again: start over in the same area. */
        t->kcov->count = 0;
        rc = rcOk;
    }
    for (uint32_t i = 0; pool != NULL && rc != rcOk && i < pool->nareas; i++) {
        struct kcov_area *a = &pool->area[i];
        if (a->holder != NULL)
            continue;
        a->holder = t;
        a->count = 0;
        __atomic_fetch_add(&kcov_collectors, 1, __ATOMIC_RELAXED);
        /* Last: from here on the hook writes to it. */
        __atomic_store_n(&t->kcov, a, __ATOMIC_RELEASE);
        rc = rcOk;
    }
    spin_unlock(&p->lock);
    return rc;
}

Retcode kcov_stop(struct process *p, struct thread *t, uint64_t points, uint64_t max_points,
                  uint64_t *num)
{
    *num = 0;
    if (!kcov_built())
        return rcCoverageNotBuilt;
    spin_lock(&p->lock);
    struct kcov_area *a = t->kcov;
    bool have_pool = p->kcov != NULL;
    if (a != NULL) {
        /* The collection ends before the copy (which is no part of it), but the area stays
         * held by t until the copy is done: KcovFree refuses to free a held area. */
        __atomic_store_n(&t->kcov, NULL, __ATOMIC_RELAXED);
        __atomic_fetch_sub(&kcov_collectors, 1, __ATOMIC_RELAXED);
    }
    spin_unlock(&p->lock);
    if (a == NULL)
        return have_pool ? rcKcovNotStarted : rcKcovNotAllocated;
    uint64_t n = a->count < max_points ? a->count : max_points;
    Retcode rc = n ? copy_to_user(points, a->pcs, n * sizeof(uint64_t)) : rcOk;
    spin_lock(&p->lock);
    a->holder = NULL;
    spin_unlock(&p->lock);
    if (rc == rcOk)
        *num = n;
    return rc;
}

void kcov_thread_exit(struct thread *t)
{
    struct process *p = t->proc;
    if (p == NULL || t->kcov == NULL)
        return;
    spin_lock(&p->lock);
    stop_locked(t);
    spin_unlock(&p->lock);
}

void kcov_process_exit(struct process *p)
{
    spin_lock(&p->lock);
    struct kcov_pool *pool = p->kcov;
    p->kcov = NULL;
    spin_unlock(&p->lock);
    pool_destroy(p, pool);
}
