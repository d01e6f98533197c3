/*
 * Per-process handle tables and the handle derivation tree.
 *
 * A handle is a 32-bit value, local to one process's table, that names one kernel object with a
 * rights mask (rights.h). Every handle made from another one (Handle.Copy, Task.TransferHandle, a
 * handle carried by an IPC message) is that handle's *descendant*; the handles of one object thus
 * form trees that span all the tables ("handle inheritance tree" in KasperskyOS):
 *
 *   handle_copy      descendant in the same table; needs HR_DUPLICATE.
 *   handle_transfer  descendant in another table;  needs HR_TRANSFER.
 *                    Both refuse rights that the source lacks (rcAccessDenied): rights only shrink.
 *                    Both may tag the new handle with a badge (resource transfer context object).
 *   handle_close     frees the handle. Its descendants stay valid: its parent takes its place
 *                    (KasperskyOS KnHandleClose), so an ancestor's Revoke still reaches them.
 *   handle_revoke    Handle.Revoke: revokes every descendant, in every table, then closes the
 *                    handle itself. Needs HR_REVOKE.
 *   handle_revoke_subtree
 *                    Handle.RevokeSubtree: revokes the subtrees rooted at the descendants that
 *                    were made from this handle under the given badge (with no badge: all of
 *                    its descendants); the handle itself is kept. Needs HR_REVOKE.
 *
 * A revoked handle keeps its slot and value (so the owner cannot be confused by the value being
 * reused behind its back), drops its object reference at once, and answers every lookup with
 * rcHandleRevoked until its owner closes it. An object is destroyed when its last handle is closed
 * or revoked and no kernel code holds a reference.
 *
 * Handle values: index (16 bits) | generation (15 bits) << 16, XOR a per-table random key, bit 31
 * always clear. The generation of a slot advances when the slot is freed, free slots are reused
 * oldest first, and generations start at random values, so a stale or guessed value is refused
 * (rcBadHandle) instead of reaching another object. 0 and HANDLE_INVALID are never handed out.
 *
 * Memory: entries live in chunks of HANDLE_CHUNK_ENTRIES that never move (the tree links point at
 * them across tables); the table grows a chunk at a time through the caller's allocator hook
 * (its slots initialised one by one as they are first handed out), which can charge the owning process's kernel-memory account, up to the table's handle limit.
 *
 * Locking (state it in every caller):
 *   - The global derivation lock, owned by the caller (the kernel's handle_tree_lock), must be
 *     held around every function that creates, closes or revokes handles: handle_copy,
 *     handle_transfer, handle_close, handle_revoke, handle_revoke_subtree, handle_table_destroy.
 *     It protects the tree links, and it serialises these so that a source handle cannot vanish
 *     in the middle of a copy.
 *   - Each table has its own lock, taken inside this module through the table's lock hook around
 *     any access to its slots. handle_install, handle_get and handle_get_sid need only that
 *     (they do not touch the tree), so the common lookup path does not contend globally.
 *   - Lock order: derivation lock, then one table lock; two table locks are never held together.
 *   - Object references are dropped after the table lock is released, but possibly with the
 *     derivation lock held (see kobj.h for what destroy may do).
 *   - The allocator hook runs with the table lock held: it must not sleep.
 */
#ifndef BASTION_OBJ_HANDLE_H
#define BASTION_OBJ_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/rights.h>

#include "obj/kobj.h"

typedef uint32_t handle_t;

#define HANDLE_INVALID 0xffffffffu /* KasperskyOS INVALID_HANDLE */
#define HANDLE_INDEX_BITS 16u
#define HANDLE_GEN_BITS 15u
#define HANDLE_MAX_ENTRIES (1u << HANDLE_INDEX_BITS) /* largest possible table limit */
#define HANDLE_CHUNK_ENTRIES 32u

enum handle_state {
    HANDLE_FREE = 0,
    HANDLE_LIVE,    /* reaches its object */
    HANDLE_REVOKED, /* slot kept until closed; lookups give rcHandleRevoked */
    HANDLE_RETIRED, /* every value it can name was handed out once: never used again */
};

struct handle_table;

/* One slot. Public only so that struct handle_table can be declared; use the functions. */
struct handle_entry {
    struct kobj *obj;           /* holds one reference while LIVE; NULL otherwise (table lock) */
    struct handle_table *table; /* fixed */
    handle_rights_t rights;     /* table lock */
    uint16_t gen;               /* table lock */
    uint16_t first_gen;         /* the generation of its first value, fixed */
    uint32_t index;             /* position in the table, fixed */
    uint8_t state;              /* enum handle_state; table lock */
    uint64_t badge; /* koid of the badge it was derived under; 0: none (derivation lock) */
    /* Derivation tree (derivation lock): parent, first child, siblings. When FREE, `next` links
     * the table's free list instead (table lock). */
    struct handle_entry *parent, *child, *next, *prev;
};

struct handle_table_ops {
    /* Get `bytes` of kernel memory (an entry chunk or the chunk directory): rcOk and *out, or a
     * named error (rcOutOfMemory, rcQuotaExceeded) that is passed to the caller unchanged. */
    Retcode (*alloc)(void *ctx, size_t bytes, void **out);
    void (*free)(void *ctx, void *ptr, size_t bytes);
    /* The table lock; both NULL when the caller serialises every access itself. */
    void (*lock)(void *ctx);
    void (*unlock)(void *ctx);
    /* Optional: stops the system if the table lock is not held (by this CPU, where the lock
     * can tell). Called at the top of every slot function that needs the lock; the kernel
     * without lock checks compiles the calls out (obj/handle_slots.h). */
    void (*assert_held)(void *ctx);
};

/* ops, ctx and key are fixed after handle_table_init; every other field: the table lock. */
struct handle_table {
    const struct handle_table_ops *ops;
    void *ctx;                    /* passed to every hook: the owning process, typically */
    struct handle_entry **chunks; /* directory of chunk pointers */
    uint32_t nchunks, chunks_cap;
    uint32_t
        fresh; /* slots [0, fresh) initialised; the chunks' others never read (handle_table.c) */
    uint32_t limit; /* most slots in use (LIVE + REVOKED) at once */
    uint32_t used;
    struct handle_entry *free_head, *free_tail; /* FIFO: oldest freed slot reused first */
    uint32_t key;                               /* XORed into values, bit 31 clear */
    uint64_t rng;                               /* xorshift state for initial generations */
};

/*
 * Initialises an empty table that may grow to `limit` handles (1..HANDLE_MAX_ENTRIES; the
 * kernel passes the process's handle limit). `seed` should come from the hardware random
 * generator: it decides the table's key and initial generations. No memory is taken yet.
 * Errors: rcInvalidArgument (NULL ops or alloc/free hooks, only one of lock/unlock, bad limit).
 */
Retcode handle_table_init(struct handle_table *t, const struct handle_table_ops *ops, void *ctx,
                          uint32_t limit, uint64_t seed);

/* Closes every handle (descendants elsewhere are re-parented as by handle_close) and frees the
 * table's memory. Caller holds the derivation lock; the table must no longer be reachable. */
void handle_table_destroy(struct handle_table *t);

/* Creates a root handle (no parent) on `obj` with `rights`, taking a new reference on `obj`.
 * Table lock only. Errors: rcInvalidArgument, rcQuotaExceeded (limit reached), the allocator's
 * error, rcOverflow (object reference count saturated). */
Retcode handle_install(struct handle_table *t, struct kobj *obj, handle_rights_t rights,
                       handle_t *out);

/* The slot a value points at, whatever its state, and the generation the value names in *gen;
 * NULL for a value that points at no initialised slot (bit 31 set, past the table). */
static inline struct handle_entry *handle_slot_at(const struct handle_table *t, handle_t h,
                                                  uint32_t *gen)
{
    if (h & 0x80000000u) /* also catches HANDLE_INVALID */
        return NULL;
    uint32_t raw = h ^ t->key;
    uint32_t index = raw & ((1u << HANDLE_INDEX_BITS) - 1u);
    *gen = raw >> HANDLE_INDEX_BITS;
    if (index >= t->fresh) /* past the table, or never initialised: nothing to read there */
        return NULL;
    return &t->chunks[index / HANDLE_CHUNK_ENTRIES][index % HANDLE_CHUNK_ENTRIES];
}

/* The slot layer's lookup (handle_table.c's slot_find_locked, which also asserts the lock): the
 * entry a value names if it is in use (LIVE or REVOKED) with the right generation, else NULL.
 * Inline here for handle_find_held, which the lookup of every IPC call goes through. */
static inline struct handle_entry *handle_slot_lookup(const struct handle_table *t, handle_t h)
{
    uint32_t gen;
    struct handle_entry *e = handle_slot_at(t, h, &gen);
    if (e == NULL || (e->state != HANDLE_LIVE && e->state != HANDLE_REVOKED) || e->gen != gen)
        return NULL;
    return e;
}

/*
 * handle_get's checks for a caller that holds the table's lock itself (the kernel's IPC fast
 * path holds a process's handles_lock directly instead of through the table's lock hook):
 * LIVE, every right in `need`. No reference is taken: *obj stays alive only while the caller
 * holds the lock, so it takes what it keeps (a reference on the object, or on what the object
 * holds) before it lets go. Errors: rcBadHandle, rcHandleRevoked, rcAccessDenied.
 */
static inline Retcode handle_find_held(struct handle_table *t, handle_t h, handle_rights_t need,
                                       struct kobj **obj)
{
    /* As every slot function, the lock asserted where locks are checked (handle_slots.h). */
#if !defined(BASTION_KERNEL) || defined(BASTION_LOCK_CHECKS)
    if (t->ops->assert_held != NULL)
        t->ops->assert_held(t->ctx);
#endif
    /* handle_slot_lookup's answer, with LIVE tested first: one compare of the state on the
     * common path. A slot of another generation, or FREE, is rcBadHandle; REVOKED of this
     * generation rcHandleRevoked. */
    uint32_t gen;
    struct handle_entry *e = handle_slot_at(t, h, &gen);
    if (e == NULL || e->gen != gen)
        return rcBadHandle;
    if (e->state != HANDLE_LIVE)
        return e->state == HANDLE_REVOKED ? rcHandleRevoked : rcBadHandle;
    if (!hr_subset(need, e->rights))
        return rcAccessDenied;
    *obj = e->obj;
    return rcOk;
}

/*
 * Looks a handle up for an operation: checks that it is LIVE, of type `type` (KOBJ_ANY: any)
 * and carries every right in `need`. On rcOk, *obj has a new reference that the caller drops
 * with kobj_unref, and *rights (if not NULL) receives the handle's rights. Table lock only.
 * Errors: rcBadHandle (not a handle of this table, stale generation, or another object type),
 * rcHandleRevoked, rcAccessDenied (a right in `need` is missing), rcOverflow.
 */
Retcode handle_get(struct handle_table *t, handle_t h, enum kobj_type type, handle_rights_t need,
                   struct kobj **obj, handle_rights_t *rights);

/* What a LIVE handle names, for the security monitor's view of a core request: its object's
 * SID and type and the handle's rights, read under the table lock without taking a reference;
 * the object is marked shown (kobj_mark_shown: its end will be reported). rcOk for a LIVE
 * handle; rcBadHandle, and nothing written, for any other value (bit 31 set, stale, free,
 * revoked); rcOutOfMemory or rcOverflow when the note of its end cannot be made (kobj_mark_shown:
 * the monitor must not be shown it, so the request fails). */
Retcode handle_peek(struct handle_table *t, handle_t h, kobj_sid_t *sid, uint8_t *type,
                    handle_rights_t *rights);

/* Handle.GetSidByHandle: the SID of the object behind a LIVE handle; needs no right.
 * Errors: rcBadHandle, rcHandleRevoked. */
Retcode handle_get_sid(struct handle_table *t, handle_t h, kobj_sid_t *sid);

/* Number of slots in use (LIVE + REVOKED). */
uint32_t handle_table_count(struct handle_table *t);

/* Whether some LIVE handle's object satisfies `match` (called with the table lock held: it
 * must only read the object's fixed fields, take no lock and not sleep). Linear in the table's
 * size: for rare questions about what a process holds (IOMMU.Attach's ownership rule). */
bool handle_table_any(struct handle_table *t, bool (*match)(const struct kobj *obj, void *arg),
                      void *arg);

/*
 * Handle.Copy: a descendant of `h` in the same table with `rights` (a subset of h's), tagged with
 * `badge` (a KOBJ_BADGE object, or NULL). Derivation lock held.
 * Errors: rcBadHandle, rcHandleRevoked, rcAccessDenied (no HR_DUPLICATE, or rights not a subset),
 * rcInvalidArgument (badge of another type), rcQuotaExceeded / allocator errors, rcOverflow.
 */
Retcode handle_copy(struct handle_table *t, handle_t h, handle_rights_t rights,
                    const struct kobj *badge, handle_t *out);

/* Task.TransferHandle and handles in IPC messages: as handle_copy, but the descendant is made in
 * `dst` and HR_TRANSFER is needed. Derivation lock held. */
Retcode handle_transfer(struct handle_table *src, handle_t h, struct handle_table *dst,
                        handle_rights_t rights, const struct kobj *badge, handle_t *out);

/* Handle.Close: frees a LIVE or REVOKED handle; descendants are re-parented to its parent.
 * Needs no right. Derivation lock held. Errors: rcBadHandle. */
Retcode handle_close(struct handle_table *t, handle_t h);

/* Handle.Revoke: revokes all descendants of `h` in every table, then closes `h`.
 * Derivation lock held. Errors: rcBadHandle, rcHandleRevoked, rcAccessDenied (no HR_REVOKE). */
Retcode handle_revoke(struct handle_table *t, handle_t h);

/* Handle.RevokeSubtree: revokes the subtrees rooted at the descendants of `h` derived under
 * `badge` (NULL: every descendant); `h` stays LIVE. Derivation lock held.
 * Errors: rcBadHandle, rcHandleRevoked, rcAccessDenied (no HR_REVOKE), rcInvalidArgument (badge
 * of another type). */
Retcode handle_revoke_subtree(struct handle_table *t, handle_t h, const struct kobj *badge);

/* Diagnostics and tests: the number of direct children of a LIVE handle, and its parent's value
 * and table (*parent_table NULL for a root). Derivation lock held. Errors: rcBadHandle,
 * rcHandleRevoked. */
Retcode handle_tree_info(struct handle_table *t, handle_t h, uint32_t *children,
                         struct handle_table **parent_table, handle_t *parent);

#endif
