/*
 * Handles carried by an IPC message: all of a message's handles move together or none do.
 *
 * A message's handle table (idl_handle_t in idl/runtime/bastion_idl.h: a 32-bit handle and a
 * 32-bit rights mask, the layout of struct handle_desc) names handles of the sender with the
 * rights the receiver is to get. The kernel first asks for the SIDs (the security monitor sees
 * SIDs, never handle values), then, once the request is granted, transfers every handle into the
 * receiver's table. A message is never delivered half-translated: if one handle fails, the
 * descendants already made for it are closed again and the sender's table is unchanged.
 */
#ifndef BASTION_OBJ_HANDLE_BATCH_H
#define BASTION_OBJ_HANDLE_BATCH_H

#include "obj/handle.h"

struct handle_desc {
    handle_t handle;
    handle_rights_t rights;
};
_Static_assert(sizeof(struct handle_desc) == 8, "same layout as idl_handle_t on the wire");

/*
 * For the security request: the SID of each handle in `in` (n entries) and, when types is not
 * NULL, its object's type (enum kobj_type, <bastion/object_type.h>), after checking that each
 * is LIVE, may be transferred (HR_TRANSFER) and that the rights asked for are a subset of its
 * own; each object whose SID is given is marked shown (kobj_mark_shown). Table lock only. On
 * failure *bad (if not NULL) is the index of the offending entry.
 * Errors: rcBadHandle, rcHandleRevoked, rcAccessDenied, rcInvalidArgument; rcOutOfMemory,
 * rcOverflow (the note of an object's end, kobj_mark_shown).
 */
Retcode handle_batch_sids(struct handle_table *src, const struct handle_desc *in, uint32_t n,
                          kobj_sid_t *sids, uint8_t *types, uint32_t *bad);

/*
 * For a message to or from the kernel's core endpoints, which names handles of the caller's own
 * table and transfers none: rewrites each of the n entries of a copy of its handle table, in
 * place, as what it names in t, for the security monitor. A LIVE handle becomes its object's SID
 * with the rights the caller holds over it, and types[i] its object's type; any other value
 * (none, stale, revoked: the method's handler answers those with its own error) becomes
 * KOBJ_SID_NONE with no rights and type 0, which name no resource. Each object shown is marked
 * so (kobj_mark_shown). Needs no right: looking is not using. Table lock only. Fails only when
 * the note of a shown object's end cannot be made (rcOutOfMemory, rcOverflow: kobj_mark_shown);
 * the entries are then partly rewritten and must not reach the monitor.
 */
Retcode handle_batch_view(struct handle_table *t, struct handle_desc *entries, uint32_t n,
                          uint8_t *types);

/*
 * Transfers every handle of `in` from `src` into `dst` (handle_transfer on each, same badge);
 * out[i] receives the new value and the rights it got. All or nothing: on failure nothing is left
 * in `dst`, *bad (if not NULL) is the failing index, and the error is handle_transfer's.
 * Derivation lock held.
 */
Retcode handle_batch_transfer(struct handle_table *src, const struct handle_desc *in, uint32_t n,
                              struct handle_table *dst, const struct kobj *badge,
                              struct handle_desc *out, uint32_t *bad);

#endif
