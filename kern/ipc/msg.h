/*
 * IPC messages as the kernel sees them between two processes: the layout check and the handle
 * translation that every message gets on its way, whatever its interface.
 *
 * The kernel does not know a server's interface, so a message between processes is checked for
 * what the format (docs/message-format.md, idl/runtime/bastion_idl.h) fixes for every method:
 * header fields, the exact total length 24 + pad8(fixed) + 8*handles + arena, the size limits.
 * The receiver's generated dispatcher then validates the method-specific parts (offsets inside
 * the arena, string terminators, union tags) on its own copy. Requests to the kernel's own
 * endpoints are validated completely (idl_route_request) by kern/klcore/klcore.c instead.
 *
 * Every function works on a copy of the message in kernel memory (the sender can no longer
 * change it) that is 8-byte aligned. Pure: no locks, no allocation; the caller holds the
 * derivation lock around the translation functions (see obj/handle.h).
 */
#ifndef BASTION_IPC_MSG_H
#define BASTION_IPC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "obj/handle.h"
#include "obj/handle_batch.h"

enum ipc_msg_kind {
    IPC_MSG_REQUEST,  /* flags must be 0 */
    IPC_MSG_RESPONSE, /* IDL_FLAG_RESPONSE, optionally IDL_FLAG_ERROR */
};

/*
 * Checks the layout of the message buf[0..len) and copies its header to *h.
 * Errors (all rcBadMessage, so the sender learns its message was malformed, not which rule):
 * shorter than the header, longer than IDL_MESSAGE_MAX, reserved field not 0, flags wrong for
 * `kind`, more than IDL_HANDLES_MAX handles, fixed/arena sizes that overflow, or a length other
 * than exactly 24 + pad8(fixed_size) + 8 * handle_count + arena_size.
 * rcInvalidArgument: NULL buf or h.
 */
Retcode ipc_msg_check(const void *buf, size_t len, enum ipc_msg_kind kind, struct idl_header *h);

/*
 * ipc_msg_check's rules, inline, for the kernel's own copies on the path of every call and
 * answer (buf non-NULL, h non-NULL; any alignment): the header read as its three little-endian
 * words (bastion_idl.h, idl_direct_header) and checked with word compares, where field by field
 * took a load, a store and a compare each. ipc_msg_check is this after its NULL checks, so the
 * host tests and fuzzers check this code.
 */
static inline __attribute__((always_inline)) Retcode
ipc_msg_check_words(const void *buf, size_t len, enum ipc_msg_kind kind, struct idl_header *h)
{
    /* Unsigned: a len below the header wraps past the bound. */
    if (len - IDL_HEADER_SIZE > (size_t)IDL_MESSAGE_MAX - IDL_HEADER_SIZE)
        return rcBadMessage;
    uint64_t w0, w1, w2;
    __builtin_memcpy(&w0, buf, sizeof w0);
    __builtin_memcpy(&w1, (const uint8_t *)buf + 8, sizeof w1);
    __builtin_memcpy(&w2, (const uint8_t *)buf + 16, sizeof w2);
    /* w2: handle_count in bits 0-15, flags in 16-31, reserved in 32-63 (all must be 0). */
    uint64_t flags_reserved = w2 >> 16;
    if (kind == IPC_MSG_REQUEST) {
        if (flags_reserved != 0)
            return rcBadMessage;
    } else if ((flags_reserved & ~(uint64_t)(IDL_FLAG_RESPONSE | IDL_FLAG_ERROR)) != 0 ||
               (flags_reserved & IDL_FLAG_RESPONSE) == 0) {
        return rcBadMessage;
    }
    uint64_t handles = w2 & 0xffffu;
    if (handles > IDL_HANDLES_MAX)
        return rcBadMessage;
    /* w1: fixed_size in bits 0-31, arena_size in 32-63. 64-bit arithmetic: each term is below
     * 2^33, so the sum cannot wrap. */
    uint64_t total = (uint64_t)IDL_HEADER_SIZE + (((w1 & 0xffffffffu) + 7u) & ~(uint64_t)7u) +
                     8u * handles + (w1 >> 32);
    if (total != (uint64_t)len)
        return rcBadMessage;
    __builtin_memcpy(h, &w0, sizeof w0);
    __builtin_memcpy((uint8_t *)h + 8, &w1, sizeof w1);
    __builtin_memcpy((uint8_t *)h + 16, &w2, sizeof w2);
    return rcOk;
}

/* The handle table of a checked message (h from ipc_msg_check), 8-byte aligned in buf. */
struct handle_desc *ipc_msg_handles(void *buf, const struct idl_header *h);

/*
 * The length of the security monitor's copy of a checked message of len bytes with header h
 * (ipc_msg_sid_view): len, then its handles' types, one byte each, padded with zeros to a
 * multiple of 8 bytes; only len when the message has no handles or the types would take it past
 * IDL_MESSAGE_MAX (then the monitor finds no types: a rule that reads one denies the event).
 */
size_t ipc_msg_monitor_len(size_t len, const struct idl_header *h);

/*
 * Writes the message as the security monitor is to see it into out (out_len bytes, from
 * ipc_msg_monitor_len, for a checked message buf of len bytes with header h): the same bytes,
 * but each handle entry's handle value replaced by its object's SID, sids[i] (from
 * handle_batch_sids). The monitor sees SIDs, never handle values: a handle value means nothing
 * outside its table, and a rule on it would be a rule on chance. The rights field is kept (what
 * the receiver is to get). Past the message, when out_len leaves room, each handle's object type
 * types[i] (enum kobj_type) and zeros to out_len. The receiver's copy is never touched.
 */
void ipc_msg_sid_view(void *out, size_t out_len, const void *buf, size_t len,
                      const struct idl_header *h, const kobj_sid_t *sids, const uint8_t *types);

/*
 * Moves the message's handles from `src` (the sender's table) into `dst` (the receiver's) and
 * rewrites each entry with the receiver's handle value and the rights it got. Rights never
 * grow: an entry asking for rights its handle lacks, or a handle without HR_TRANSFER, is
 * refused (rcAccessDenied); an unknown handle gives rcBadHandle, a revoked one rcHandleRevoked;
 * dst's limit or memory account rcQuotaExceeded. All or nothing: on an error no handle was
 * created in dst and the message is unchanged; *bad (may be NULL) is the failing entry.
 * Derivation lock held.
 */
Retcode ipc_msg_translate(void *buf, const struct idl_header *h, struct handle_table *src,
                          struct handle_table *dst, uint32_t *bad);

/* Undoes ipc_msg_translate when a translated message can no longer be delivered (its receiver
 * is gone): closes the handles it created in dst. Derivation lock held. */
void ipc_msg_untranslate(void *buf, const struct idl_header *h, struct handle_table *dst);

#endif
