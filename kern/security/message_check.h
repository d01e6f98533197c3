/*
 * The security checks of messages: a process's request to a server, a server's answer, and the
 * kernel's answer to a core-endpoint request. Each builds the security request of its event and
 * asks the hook (hook.h); the caller drops the message on anything but rcOk.
 *
 * Answers: a request's verdict may grant its answers in advance (KSM_PROTO_REPLY_* bits, when
 * the policy grants them without condition or audit). This header is the only reader of those
 * bits: a core call keeps them as an opaque word (`answer_grant`) for
 * security_answer_pregranted(); a call to a server hands them to IPC as the answer kinds it may
 * send unchecked (IPC_ANSWER_*, the same bits). Any other answer is decided as an event of its
 * own (response or error).
 *
 * Handles: a message that carries handles is shown to the monitor with their SIDs in place of
 * the handle values (ipc_msg_sid_view), so the policy decides on resources, not on numbers
 * private to the sender; a handle the sender may not pass on is refused before anyone is asked.
 * A core-endpoint message names the caller's own handles and passes none on: each is shown as
 * what it names in the caller's table, whatever its rights.
 *
 * May sleep (the monitor is asked): call with no lock held.
 */
#ifndef BASTION_SECURITY_MESSAGE_CHECK_H
#define BASTION_SECURITY_MESSAGE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>
#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "ipc/ipc.h"
#include "lib/string.h"
#include "obj/kobj.h"
#include "proc/process.h"
#include "security/hook.h"

struct sec_label;

/* The one reader of the pre-grant bits: did the request's verdict grant this answer (response
 * or error, by its header) in advance? */
static inline bool security_answer_pregranted(const struct idl_header *h, uint32_t answer_grant)
{
    uint32_t bit = (h->flags & IDL_FLAG_ERROR) ? KSM_PROTO_REPLY_ERROR : KSM_PROTO_REPLY_RESPONSE;
    return (answer_grant & bit) != 0;
}

/* src's request as the hook sees it, to a server (dst_sid/dst_class/dst) or, with dst_sid
 * KOBJ_SID_KERNEL, to the kernel's core endpoints. */
static inline struct sec_request security_request_of(struct process *src, kobj_sid_t dst_sid,
                                                     const char *dst_class, struct sec_label *dst,
                                                     const void *msg, size_t len,
                                                     const struct idl_header *h)
{
    /* Every field, one store each: an initializer would clear the whole record first (a string
     * store on the path of every monitored call) and then write most of it again. */
    struct sec_request r;
    _Static_assert(sizeof r == 96, "every field of the request is stored below");
    r.event = KSM_EV_REQUEST;
    r.src_sid = kobj_sid(&src->obj);
    r.src_class = src->class_name;
    r.dst_sid = dst_sid;
    r.dst_class = dst_class;
    r.src = src->label;
    r.dst = dst;
    r.endpoint_id = h->endpoint_id;
    r.method_id = h->method_id;
    r.msg = msg;
    r.msg_len = len;
    r.msg_room = 0;
    r.reply_granted = 0;
    r.forward = NULL;
    return r;
}

/* The out-of-line halves of the checks below (message_check.c). */
Retcode security_check_viewed_request(struct sec_request *req, struct process *src,
                                      const struct idl_header *h, uint32_t *unchecked_answers);
Retcode security_check_viewed_kernel_request(struct sec_request *req, struct process *src,
                                             const struct idl_header *h, uint32_t *answer_grant);
Retcode security_check_asked_kernel_answer(struct process *p, const void *msg, size_t len,
                                           const struct idl_header *h);

/*
 * The checks below sit on the path of every monitored call (docs/benchmarks.md): their common
 * case (no handles to show as SIDs, an answer granted in advance) is inline, so the layering
 * costs no instructions there; the rest is in message_check.c.
 */

/*
 * src's request msg[0..len) (checked IPC layout, header h, still in the kernel, with msg_room
 * free bytes before it: hook.h) to the server named dst_sid/dst_class/dst (its port's record
 * of it). rcOk: *unchecked_answers are the
 * IPC_ANSWER_* kinds of its answer the verdict granted in advance (ipc_call_port's). Errors: the handle lookup's (a handle src may not pass on),
 * rcQuotaExceeded/rcOutOfMemory (no room for the monitor's view), security_check's.
 * forward (NULL: none): the request's sending on a grant (hook.h), for a request without
 * handles; one that carries handles is sent by its caller.
 */
static inline Retcode security_check_server_request(struct process *src, kobj_sid_t dst_sid,
                                                    const char *dst_class, struct sec_label *dst,
                                                    const void *msg, size_t len, size_t msg_room,
                                                    const struct idl_header *h,
                                                    uint32_t *unchecked_answers,
                                                    struct ksm_forward *forward)
{
    /* The verdict's KSM_PROTO_REPLY_* bits are IPC's answer kinds (asserted in message_check.c). */
    struct sec_request sr = security_request_of(src, dst_sid, dst_class, dst, msg, len, h);
    sr.msg_room = msg_room;
    if (h->handle_count != 0)
        return security_check_viewed_request(&sr, src, h, unchecked_answers);
    sr.forward = forward;
    Retcode rc = security_check(&sr);
    *unchecked_answers = rc == rcOk ? sr.reply_granted : 0;
    return rc;
}

/* src's request msg[0..len) (validated against kl.core, header h, msg_room free bytes before
 * it) to the kernel's core endpoints, as security_check_server_request does for a server. The handles in it stay src's
 * own (the handler resolves them in src's table); the monitor sees each as what it names there:
 * the object's SID, its type and the rights src holds over it (KOBJ_SID_NONE, type 0 and no
 * rights for a value that names nothing). Never fails for a handle: the handler does. */
static inline Retcode security_check_kernel_request(struct process *src, const void *msg,
                                                    size_t len, size_t msg_room,
                                                    const struct idl_header *h,
                                                    uint32_t *answer_grant)
{
    struct sec_request sr =
        security_request_of(src, KOBJ_SID_KERNEL, SEC_KERNEL_CLASS, NULL, msg, len, h);
    sr.msg_room = msg_room;
#ifndef BASTION_NO_MONITOR /* kernel-nomon.elf asks nobody: no view to build */
    if (h->handle_count != 0)
        return security_check_viewed_kernel_request(&sr, src, h, answer_grant);
#endif
    Retcode rc = security_check(&sr);
    *answer_grant = rc == rcOk ? sr.reply_granted : 0;
    return rc;
}

/* A server's answer the request's verdict did not grant in advance, before it has any effect.
 * IPC asks it through ipc_answer_check() (ipc.h), which message_check.c defines. */
Retcode security_check_server_answer(const struct ipc_answer *a);

/* The kernel's answer msg[0..len) to p's core-endpoint request whose check left answer_grant.
 * Errors: rcBadMessage (no valid header), security_check's. */
static inline Retcode security_check_kernel_answer(struct process *p, const void *msg, size_t len,
                                                   uint32_t answer_grant)
{
    struct idl_header h = {0};
    if (msg == NULL || len < IDL_HEADER_SIZE)
        return rcBadMessage;
    /* A pre-grant depends on the flags alone; the whole header is read only to ask. */
    _Static_assert(offsetof(struct idl_header, flags) == 18, "the header's wire layout");
    memcpy(&h.flags, (const uint8_t *)msg + offsetof(struct idl_header, flags), sizeof h.flags);
    if (security_answer_pregranted(&h, answer_grant))
        return rcOk;
    if (idl_peek_header(msg, len, &h) != IDL_OK)
        return rcBadMessage;
    return security_check_asked_kernel_answer(p, msg, len, &h);
}

#endif
