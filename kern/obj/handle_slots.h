/*
 * Internal to kern/obj: the slot layer of a handle table (values, generations, free list,
 * growth), shared by handle_table.c and handle_ops.c. Every *_locked function expects the
 * table's lock (table_lock) to be held by the caller.
 */
#ifndef BASTION_OBJ_HANDLE_SLOTS_H
#define BASTION_OBJ_HANDLE_SLOTS_H

#include "obj/handle.h"

static inline void table_lock(struct handle_table *t)
{
    if (t->ops->lock != NULL)
        t->ops->lock(t->ctx);
}

static inline void table_unlock(struct handle_table *t)
{
    if (t->ops->unlock != NULL)
        t->ops->unlock(t->ctx);
}

/* The entry a value names if it is in use (LIVE or REVOKED) with the right generation; else NULL. */
struct handle_entry *slot_find_locked(struct handle_table *t, handle_t h);

/* Takes a free slot (growing the table if needed) and marks it LIVE with obj/rights and no tree
 * links; the caller has already taken the reference the entry will hold. */
Retcode slot_alloc_locked(struct handle_table *t, struct kobj *obj, handle_rights_t rights,
                          uint64_t badge, struct handle_entry **out);

/* Returns a slot to the free list and advances its generation. Tree links must be cleared. */
void slot_free_locked(struct handle_table *t, struct handle_entry *e);

/* The value that names `e`. */
handle_t slot_value(const struct handle_table *t, const struct handle_entry *e);

#endif
