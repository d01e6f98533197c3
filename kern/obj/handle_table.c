/*
 * Handle tables: slots, values and lookups (contract in handle.h).
 *
 * Invariants (table lock):
 *   - used == number of slots in state LIVE or REVOKED, used <= limit;
 *   - every FREE slot is on the free list exactly once, in the order it was freed;
 *   - slots [0, fresh) are initialised; [fresh, nchunks * HANDLE_CHUNK_ENTRIES) are memory the
 *     allocator gave and nothing has written: no value names them (slot_find_locked refuses an
 *     index >= fresh before it reads the slot), no scan reads them, and a slot is initialised
 *     when it is first handed out. So a new process does not pay for 32 slots it never uses,
 *     and never-initialised memory is never read;
 *   - a value names at most one object in the life of the table: a slot whose generations have
 *     all been handed out is RETIRED (on no list, never found) rather than come round to its
 *     first value. So a value looked up twice (the monitor's view of a request, then the
 *     handler) names the same object both times, or nothing the second time, however many
 *     handles were closed and opened in between;
 *   - a LIVE slot holds exactly one reference on its object; FREE and REVOKED hold none;
 *   - a slot's value is ((gen << 16) | index) ^ key with gen < 2^15, key < 2^31, never 0.
 */
#include "obj/handle_slots.h"

#define GEN_MASK ((1u << HANDLE_GEN_BITS) - 1u)
#define INDEX_MASK ((1u << HANDLE_INDEX_BITS) - 1u)

/* xorshift64*: enough to make initial generations unpredictable from outside once seeded by the
 * hardware generator; it is not used for anything that needs cryptographic strength. */
static uint64_t rng_next(struct handle_table *t)
{
    uint64_t x = t->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

Retcode handle_table_init(struct handle_table *t, const struct handle_table_ops *ops, void *ctx,
                          uint32_t limit, uint64_t seed)
{
    if (t == NULL || ops == NULL || ops->alloc == NULL || ops->free == NULL ||
        (ops->lock == NULL) != (ops->unlock == NULL) || limit == 0 || limit > HANDLE_MAX_ENTRIES)
        return rcInvalidArgument;
    t->ops = ops;
    t->ctx = ctx;
    t->chunks = NULL;
    t->nchunks = 0;
    t->chunks_cap = 0;
    t->fresh = 0;
    t->limit = limit;
    t->used = 0;
    t->free_head = NULL;
    t->free_tail = NULL;
    t->rng = seed ^ 0x9e3779b97f4a7c15ull; /* never 0: xorshift would stay at 0 */
    if (t->rng == 0)
        t->rng = 0x9e3779b97f4a7c15ull;
    t->key = (uint32_t)(rng_next(t) >> 32) & 0x7fffffffu;
    return rcOk;
}

handle_t slot_value(const struct handle_table *t, const struct handle_entry *e)
{
    return (((uint32_t)e->gen << HANDLE_INDEX_BITS) | e->index) ^ t->key;
}

struct handle_entry *slot_find_locked(struct handle_table *t, handle_t h)
{
    table_assert_held(t);
    return handle_slot_lookup(t, h);
}

/* Moves e to its next generation, past the one whose value would be 0 ("no handle"); false
 * when that is the generation it started with: every value of the slot has been used. */
static bool next_gen(const struct handle_table *t, struct handle_entry *e)
{
    e->gen = (uint16_t)((e->gen + 1u) & GEN_MASK);
    if (slot_value(t, e) == 0)
        e->gen = (uint16_t)((e->gen + 1u) & GEN_MASK);
    return e->gen != e->first_gen;
}

/* Adds one chunk of slots, uninitialised (fresh_slot does that when each is first handed out).
 * Called only when every slot is initialised, the free list is empty and used < limit. */
static Retcode grow_locked(struct handle_table *t)
{
    table_assert_held(t);
    if (t->nchunks * HANDLE_CHUNK_ENTRIES >= HANDLE_MAX_ENTRIES)
        return rcQuotaExceeded;
    if (t->nchunks == t->chunks_cap) {
        uint32_t cap = t->chunks_cap == 0 ? 4 : t->chunks_cap * 2;
        uint32_t most = HANDLE_MAX_ENTRIES / HANDLE_CHUNK_ENTRIES;
        if (cap > most)
            cap = most;
        void *mem;
        Retcode rc = t->ops->alloc(t->ctx, cap * sizeof(*t->chunks), &mem);
        if (rc != rcOk)
            return rc;
        struct handle_entry **dir = mem;
        for (uint32_t i = 0; i < t->nchunks; i++)
            dir[i] = t->chunks[i];
        if (t->chunks != NULL)
            t->ops->free(t->ctx, t->chunks, t->chunks_cap * sizeof(*t->chunks));
        t->chunks = dir;
        t->chunks_cap = cap;
    }
    void *mem;
    Retcode rc = t->ops->alloc(t->ctx, HANDLE_CHUNK_ENTRIES * sizeof(struct handle_entry), &mem);
    if (rc != rcOk)
        return rc;
    t->chunks[t->nchunks++] = mem;
    return rcOk;
}

/* Initialises slot `fresh` (FREE, its first generation random) and counts it in. Slots are
 * initialised in index order, each drawing its generation from the table's generator then, so
 * a table gives the same values in the same order as when a whole chunk was initialised at
 * once; and a fresh slot is taken before any freed one, as a new chunk's slots stood on the
 * free list before any slot freed later. Called only when fresh < nchunks * CHUNK_ENTRIES. */
static struct handle_entry *fresh_slot(struct handle_table *t)
{
    uint32_t index = t->fresh++;
    struct handle_entry *e = &t->chunks[index / HANDLE_CHUNK_ENTRIES][index % HANDLE_CHUNK_ENTRIES];
    e->table = t;
    e->index = index;
    e->gen = (uint16_t)(rng_next(t) & GEN_MASK);
    if (slot_value(t, e) == 0) /* 0 is "no handle" */
        e->gen = (uint16_t)((e->gen + 1u) & GEN_MASK);
    e->first_gen = e->gen;
    return e; /* slot_alloc_locked sets every other field */
}

Retcode slot_alloc_locked(struct handle_table *t, struct kobj *obj, handle_rights_t rights,
                          uint64_t badge, struct handle_entry **out)
{
    table_assert_held(t);
    if (t->used >= t->limit)
        return rcQuotaExceeded;
    struct handle_entry *e;
    if (t->fresh == t->nchunks * HANDLE_CHUNK_ENTRIES && t->free_head != NULL) {
        e = t->free_head;
        t->free_head = e->next;
        if (t->free_head == NULL)
            t->free_tail = NULL;
    } else {
        if (t->fresh == t->nchunks * HANDLE_CHUNK_ENTRIES) {
            Retcode rc = grow_locked(t);
            if (rc != rcOk)
                return rc;
        }
        e = fresh_slot(t);
    }
    e->obj = obj;
    e->rights = rights;
    e->state = HANDLE_LIVE;
    e->badge = badge;
    e->parent = e->child = e->next = e->prev = NULL;
    t->used++;
    *out = e;
    return rcOk;
}

void slot_free_locked(struct handle_table *t, struct handle_entry *e)
{
    table_assert_held(t);
    e->obj = NULL;
    e->rights = 0;
    e->badge = 0;
    e->parent = e->child = e->prev = NULL;
    e->next = NULL;
    t->used--;
    if (!next_gen(t, e)) {
        e->state = HANDLE_RETIRED;
        return;
    }
    e->state = HANDLE_FREE;
    if (t->free_tail != NULL)
        t->free_tail->next = e;
    else
        t->free_head = e;
    t->free_tail = e;
}

Retcode handle_install(struct handle_table *t, struct kobj *obj, handle_rights_t rights,
                       handle_t *out)
{
    if (t == NULL || obj == NULL || out == NULL)
        return rcInvalidArgument;
    /* The new reference is taken before the slot so that failure needs no undo in the table. */
    Retcode rc = kobj_ref(obj);
    if (rc != rcOk)
        return rc;
    struct handle_entry *e;
    table_lock(t);
    rc = slot_alloc_locked(t, obj, rights, 0, &e);
    if (rc == rcOk)
        *out = slot_value(t, e);
    table_unlock(t);
    if (rc != rcOk)
        kobj_unref(obj);
    return rc;
}

Retcode handle_peek(struct handle_table *t, handle_t h, kobj_sid_t *sid, uint8_t *type,
                    handle_rights_t *rights)
{
    /* Bit 31 is clear in every value (HANDLE_INVALID has it set): no lock needed to say so. */
    if ((h & 0x80000000u) != 0)
        return rcBadHandle;
    table_lock(t);
    struct handle_entry *e = slot_find_locked(t, h);
    Retcode rc = e != NULL && e->state == HANDLE_LIVE ? rcOk : rcBadHandle;
    /* The LIVE entry holds a reference: the object cannot go while the lock is held. */
    if (rc == rcOk)
        rc = kobj_mark_shown(e->obj);
    if (rc == rcOk) {
        *sid = kobj_sid(e->obj);
        *type = (uint8_t)kobj_type(e->obj); /* < 256: kobj.h */
        *rights = e->rights;
    }
    table_unlock(t);
    return rc;
}

Retcode handle_get(struct handle_table *t, handle_t h, enum kobj_type type, handle_rights_t need,
                   struct kobj **obj, handle_rights_t *rights)
{
    if (t == NULL || obj == NULL)
        return rcInvalidArgument;
    Retcode rc;
    table_lock(t);
    struct handle_entry *e = slot_find_locked(t, h);
    if (e == NULL)
        rc = rcBadHandle;
    else if (e->state == HANDLE_REVOKED)
        rc = rcHandleRevoked;
    else if (type != KOBJ_ANY && kobj_type(e->obj) != type)
        rc = rcBadHandle;
    else if (!hr_subset(need, e->rights))
        rc = rcAccessDenied;
    else
        rc = kobj_ref(e->obj); /* safe: the LIVE entry keeps the object alive under the lock */
    if (rc == rcOk) {
        *obj = e->obj;
        if (rights != NULL)
            *rights = e->rights;
    }
    table_unlock(t);
    return rc;
}

Retcode handle_get_sid(struct handle_table *t, handle_t h, kobj_sid_t *sid)
{
    if (t == NULL || sid == NULL)
        return rcInvalidArgument;
    Retcode rc = rcOk;
    table_lock(t);
    struct handle_entry *e = slot_find_locked(t, h);
    if (e == NULL)
        rc = rcBadHandle;
    else if (e->state == HANDLE_REVOKED)
        rc = rcHandleRevoked;
    else
        *sid = kobj_sid(e->obj);
    table_unlock(t);
    return rc;
}

uint32_t handle_table_count(struct handle_table *t)
{
    table_lock(t);
    uint32_t n = t->used;
    table_unlock(t);
    return n;
}

bool handle_table_any(struct handle_table *t, bool (*match)(const struct kobj *obj, void *arg),
                      void *arg)
{
    bool found = false;
    table_lock(t);
    for (uint32_t i = 0; i < t->fresh && !found; i++) { /* only initialised slots */
        const struct handle_entry *e =
            &t->chunks[i / HANDLE_CHUNK_ENTRIES][i % HANDLE_CHUNK_ENTRIES];
        found = e->state == HANDLE_LIVE && e->obj != NULL && match(e->obj, arg);
    }
    table_unlock(t);
    return found;
}
