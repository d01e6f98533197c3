/*
 * The handle operations: copy, transfer, close, revoke, and the derivation tree they change
 * (contract in handle.h).
 *
 * Every function here runs with the caller's global derivation lock held; that lock protects the
 * parent/child/next/prev links and badges of every LIVE entry in every table. Slot state changes
 * additionally take the owning table's lock, one table at a time.
 *
 * Invariants (derivation lock):
 *   - only LIVE entries are linked; REVOKED and FREE entries have no parent, child or siblings;
 *   - e->child is the first of a doubly linked sibling list (next/prev) whose members all have
 *     parent == e; a root's next/prev are NULL;
 *   - all entries of one tree name the same object.
 * Walks are iterative: a derivation chain can be as long as the handles a process may own, and
 * the kernel stack is small.
 */
#include "obj/handle_slots.h"

static void link_child(struct handle_entry *parent, struct handle_entry *e)
{
    e->parent = parent;
    e->prev = NULL;
    e->next = parent->child;
    if (parent->child != NULL)
        parent->child->prev = e;
    parent->child = e;
}

/* Detaches e from its parent's list (e keeps its own children). */
static void unlink_from_parent(struct handle_entry *e)
{
    if (e->parent != NULL) {
        if (e->prev != NULL)
            e->prev->next = e->next;
        else
            e->parent->child = e->next;
        if (e->next != NULL)
            e->next->prev = e->prev;
    }
    e->parent = e->next = e->prev = NULL;
}

/* Gives e's children to e's parent (or makes them roots), as KnHandleClose documents. */
static void reparent_children(struct handle_entry *e)
{
    struct handle_entry *c = e->child;
    e->child = NULL;
    while (c != NULL) {
        struct handle_entry *n = c->next;
        c->parent = c->next = c->prev = NULL;
        if (e->parent != NULL)
            link_child(e->parent, c);
        c = n;
    }
}

/* Looks up a handle that must be LIVE and hold `need`; table lock taken and released here. */
static Retcode find_live(struct handle_table *t, handle_t h, handle_rights_t need,
                         struct handle_entry **out)
{
    Retcode rc = rcOk;
    table_lock(t);
    struct handle_entry *e = slot_find_locked(t, h);
    if (e == NULL)
        rc = rcBadHandle;
    else if (e->state == HANDLE_REVOKED)
        rc = rcHandleRevoked;
    else if (!hr_subset(need, e->rights))
        rc = rcAccessDenied;
    table_unlock(t);
    *out = e;
    return rc;
}

static Retcode badge_id(const struct kobj *badge, uint64_t *id)
{
    if (badge == NULL) {
        *id = 0;
        return rcOk;
    }
    if (kobj_type(badge) != KOBJ_BADGE)
        return rcInvalidArgument;
    *id = badge->koid;
    return rcOk;
}

static Retcode derive(struct handle_table *src, handle_t h, struct handle_table *dst,
                      handle_rights_t rights, const struct kobj *badge, handle_rights_t need,
                      handle_t *out)
{
    if (src == NULL || dst == NULL || out == NULL)
        return rcInvalidArgument;
    uint64_t bid;
    Retcode rc = badge_id(badge, &bid);
    if (rc != rcOk)
        return rc;
    struct handle_entry *from;
    rc = find_live(src, h, need, &from);
    if (rc != rcOk)
        return rc;
    /* Shrink only. `from` cannot change under us: its rights and liveness only change under the
     * derivation lock, which we hold. */
    if (!hr_subset(rights, from->rights))
        return rcAccessDenied;
    struct kobj *obj = from->obj;
    rc = kobj_ref(obj);
    if (rc != rcOk)
        return rc;
    struct handle_entry *e;
    table_lock(dst);
    rc = slot_alloc_locked(dst, obj, rights, bid, &e);
    if (rc == rcOk)
        *out = slot_value(dst, e);
    table_unlock(dst);
    if (rc != rcOk) {
        kobj_unref(obj);
        return rc;
    }
    link_child(from, e);
    return rcOk;
}

Retcode handle_copy(struct handle_table *t, handle_t h, handle_rights_t rights,
                    const struct kobj *badge, handle_t *out)
{
    return derive(t, h, t, rights, badge, HR_DUPLICATE, out);
}

Retcode handle_transfer(struct handle_table *src, handle_t h, struct handle_table *dst,
                        handle_rights_t rights, const struct kobj *badge, handle_t *out)
{
    return derive(src, h, dst, rights, badge, HR_TRANSFER, out);
}

/* Frees e's slot and drops its reference; e must have no tree links left (or be REVOKED). */
static void free_entry(struct handle_entry *e)
{
    struct handle_table *t = e->table;
    table_lock(t);
    struct kobj *obj = e->state == HANDLE_LIVE ? e->obj : NULL;
    slot_free_locked(t, e);
    table_unlock(t);
    if (obj != NULL)
        kobj_unref(obj);
}

/* Close of a LIVE entry: children move to its parent, then the slot is freed. */
static void close_live(struct handle_entry *e)
{
    reparent_children(e);
    unlink_from_parent(e);
    free_entry(e);
}

Retcode handle_close(struct handle_table *t, handle_t h)
{
    if (t == NULL)
        return rcInvalidArgument;
    table_lock(t);
    struct handle_entry *e = slot_find_locked(t, h);
    table_unlock(t);
    if (e == NULL)
        return rcBadHandle;
    if (e->state == HANDLE_REVOKED)
        free_entry(e);
    else
        close_live(e);
    return rcOk;
}

/* Turns a LIVE leaf into REVOKED: it leaves the tree and drops its reference, keeps its slot. */
static void revoke_leaf(struct handle_entry *e)
{
    unlink_from_parent(e);
    struct handle_table *t = e->table;
    table_lock(t);
    struct kobj *obj = e->obj;
    e->obj = NULL;
    e->state = HANDLE_REVOKED;
    table_unlock(t);
    kobj_unref(obj);
}

/* Revokes `root` and everything below it, leaves first, without recursion. */
static void revoke_tree(struct handle_entry *root)
{
    struct handle_entry *cur = root;
    for (;;) {
        while (cur->child != NULL)
            cur = cur->child;
        struct handle_entry *up = cur->parent;
        bool done = cur == root;
        revoke_leaf(cur);
        if (done)
            return;
        cur = up;
    }
}

Retcode handle_revoke(struct handle_table *t, handle_t h)
{
    if (t == NULL)
        return rcInvalidArgument;
    struct handle_entry *e;
    Retcode rc = find_live(t, h, HR_REVOKE, &e);
    if (rc != rcOk)
        return rc;
    while (e->child != NULL)
        revoke_tree(e->child);
    close_live(e);
    return rcOk;
}

Retcode handle_revoke_subtree(struct handle_table *t, handle_t h, const struct kobj *badge)
{
    if (t == NULL)
        return rcInvalidArgument;
    uint64_t bid;
    Retcode rc = badge_id(badge, &bid);
    if (rc != rcOk)
        return rc;
    struct handle_entry *e;
    rc = find_live(t, h, HR_REVOKE, &e);
    if (rc != rcOk)
        return rc;
    struct handle_entry *c = e->child;
    while (c != NULL) {
        struct handle_entry *n = c->next; /* revoke_tree(c) unlinks c, never its siblings */
        if (badge == NULL || c->badge == bid)
            revoke_tree(c);
        c = n;
    }
    return rcOk;
}

Retcode handle_tree_info(struct handle_table *t, handle_t h, uint32_t *children,
                         struct handle_table **parent_table, handle_t *parent)
{
    if (t == NULL)
        return rcInvalidArgument;
    struct handle_entry *e;
    Retcode rc = find_live(t, h, 0, &e);
    if (rc != rcOk)
        return rc;
    if (children != NULL) {
        uint32_t n = 0;
        for (struct handle_entry *c = e->child; c != NULL; c = c->next)
            n++;
        *children = n;
    }
    if (parent_table != NULL)
        *parent_table = e->parent != NULL ? e->parent->table : NULL;
    if (parent != NULL)
        *parent = e->parent != NULL ? slot_value(e->parent->table, e->parent) : HANDLE_INVALID;
    return rcOk;
}

void handle_table_destroy(struct handle_table *t)
{
    if (t == NULL)
        return;
    for (uint32_t i = 0; i < t->fresh; i++) { /* the rest were never initialised (or used) */
        struct handle_entry *e = &t->chunks[i / HANDLE_CHUNK_ENTRIES][i % HANDLE_CHUNK_ENTRIES];
        if (e->state == HANDLE_LIVE)
            close_live(e);
        else if (e->state == HANDLE_REVOKED)
            free_entry(e);
    }
    table_lock(t);
    for (uint32_t c = 0; c < t->nchunks; c++)
        t->ops->free(t->ctx, t->chunks[c], HANDLE_CHUNK_ENTRIES * sizeof(struct handle_entry));
    if (t->chunks != NULL)
        t->ops->free(t->ctx, t->chunks, t->chunks_cap * sizeof(*t->chunks));
    t->chunks = NULL;
    t->nchunks = t->chunks_cap = 0;
    t->fresh = 0;
    t->free_head = t->free_tail = NULL;
    table_unlock(t);
}
