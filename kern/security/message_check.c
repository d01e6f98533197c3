/* The security checks of messages, their out-of-line halves (contract in message_check.h). */
#include "security/message_check.h"

#include "ipc/msg.h"
#include "mm/slab.h"
#include "obj/handle_batch.h"

/* A request's verdict hands its KSM_PROTO_REPLY_* bits to IPC as the kinds of answer that need
 * no check: the same bits by definition. */
_Static_assert(KSM_PROTO_REPLY_RESPONSE == IPC_ANSWER_RESPONSE &&
                   KSM_PROTO_REPLY_ERROR == IPC_ANSWER_ERROR,
               "verdict reply bits are IPC's answer kinds");

/*
 * What the monitor sees of sender's message: the message itself, or, when it carries handles, a
 * copy charged to the sender with their SIDs in place of the values and their objects' types
 * after it (ipc_msg_sid_view; *view != msg: *view_len bytes, which the caller frees with
 * kfree_charged(*view, &sender->kmem)).
 */
static Retcode monitor_view(struct process *sender, const void *msg, size_t len,
                            const struct idl_header *h, const void **view, size_t *view_len)
{
    *view = msg;
    *view_len = len;
    if (h->handle_count == 0)
        return rcOk;
    kobj_sid_t sids[IDL_HANDLES_MAX];
    uint8_t types[IDL_HANDLES_MAX];
    Retcode rc = handle_batch_sids(&sender->handles, ipc_msg_handles((void *)msg, h),
                                   h->handle_count, sids, types, NULL);
    if (rc != rcOk)
        return rc;
    size_t n = ipc_msg_monitor_len(len, h);
    void *copy = kmalloc_charged(n, &sender->kmem, &rc);
    if (copy == NULL)
        return rc;
    ipc_msg_sid_view(copy, n, msg, len, h, sids, types);
    *view = copy;
    *view_len = n;
    return rcOk;
}

/* Asks about req shown to the monitor as view[0..view_len), with view_room free bytes before
 * it (hook.h: msg_room), in place of its message; req keeps its message. */
static inline Retcode check_as(struct sec_request *req, const void *view, size_t view_len,
                               size_t view_room)
{
    const void *msg = req->msg;
    size_t len = req->msg_len, room = req->msg_room;
    req->msg = view;
    req->msg_len = view_len;
    req->msg_room = view_room;
    Retcode rc = security_check(req);
    req->msg = msg;
    req->msg_len = len;
    req->msg_room = room;
    return rc;
}

/* Asks about req (whose msg/msg_len are the message as sent) with sender's view of it. */
static Retcode check_viewed(struct sec_request *req, struct process *sender,
                            const struct idl_header *h)
{
    const void *msg = req->msg, *view;
    size_t view_len;
    Retcode rc = monitor_view(sender, msg, req->msg_len, h, &view, &view_len);
    if (rc != rcOk)
        return rc;
    rc = check_as(req, view, view_len, view != msg ? 0 : req->msg_room);
    if (view != msg)
        kfree_charged((void *)view, &sender->kmem);
    return rc;
}

Retcode security_check_viewed_request(struct sec_request *req, struct process *src,
                                      const struct idl_header *h, uint32_t *unchecked_answers)
{
    Retcode rc = check_viewed(req, src, h);
    *unchecked_answers = rc == rcOk ? req->reply_granted : 0;
    return rc;
}

/* A core-endpoint message's view fits here on the stack (most do): no allocation for it. */
#define CORE_VIEW_ON_STACK 512u

/*
 * Asks about req (a message of p's to or from the kernel's core endpoints, with handles) with
 * the handles shown as what they name in p's table (handle_batch_view): SID, type, the rights p
 * holds; a value that names nothing shows as KOBJ_SID_NONE, and the handler gives its own error.
 *
 * The handler resolves the same values after the verdict, in the same table. They name the
 * same objects then, or nothing: a value names at most one object in the life of a table (a
 * slot is retired rather than come round to its first value, obj/handle_table.c), however
 * long this thread waits and whatever p's other threads close and open meanwhile.
 */
static inline __attribute__((always_inline)) Retcode
check_core_viewed(struct sec_request *req, struct process *p, const struct idl_header *h)
{
    /* With room before the view for the monitor's question (hook.h: msg_room). */
    _Alignas(8) uint8_t on_stack[SEC_MSG_ROOM + CORE_VIEW_ON_STACK];
    uint8_t *const stack_view = on_stack + SEC_MSG_ROOM;
    size_t len = req->msg_len, n = ipc_msg_monitor_len(len, h);
    void *view = stack_view;
    Retcode rc = rcOk;
    if (n > CORE_VIEW_ON_STACK && (view = kmalloc_charged(n, &p->kmem, &rc)) == NULL)
        return rc;
    /* The layout of ipc_msg_sid_view's, filled from the caller's table instead of a transfer's
     * checks: the message, then its handles' types and zeros to n. */
    memcpy(view, req->msg, len);
    uint8_t no_room[IDL_HANDLES_MAX], *types = no_room;
    if (n > len) {
        types = (uint8_t *)view + len;
        const uint64_t zero = 0;
        for (size_t at = 0; at < n - len; at += sizeof zero) /* n - len: 8 or 16 */
            memcpy(types + at, &zero, sizeof zero);
    }
    uint32_t count = h->handle_count < IDL_HANDLES_MAX ? h->handle_count : IDL_HANDLES_MAX;
    rc = handle_batch_view(&p->handles, ipc_msg_handles(view, h), count, types);
    if (rc == rcOk)
        rc = check_as(req, view, n, view == stack_view ? SEC_MSG_ROOM : 0);
    if (view != stack_view)
        kfree_charged(view, &p->kmem);
    return rc;
}

Retcode security_check_viewed_kernel_request(struct sec_request *req, struct process *src,
                                             const struct idl_header *h, uint32_t *answer_grant)
{
    Retcode rc = check_core_viewed(req, src, h);
    *answer_grant = rc == rcOk ? req->reply_granted : 0;
    return rc;
}

Retcode security_check_server_answer(const struct ipc_answer *a)
{
    struct sec_request sr = {
        .event = (a->h->flags & IDL_FLAG_ERROR) ? KSM_EV_ERROR : KSM_EV_RESPONSE,
        .src_sid = kobj_sid(&a->server->obj),
        .src_class = a->server->class_name,
        .dst_sid = kobj_sid(&a->client->obj),
        .dst_class = a->client->class_name,
        .src = a->server->label,
        .dst = a->client->label,
        .endpoint_id = a->h->endpoint_id,
        .method_id = a->h->method_id,
        .msg = a->msg,
        .msg_len = a->len,
    };
    return check_viewed(&sr, a->server, a->h);
}

Retcode security_check_asked_kernel_answer(struct process *p, const void *msg, size_t len,
                                           const struct idl_header *h)
{
    /* Shown to the monitor as the client receives it, but for its handles (already installed in
     * p's table), which are shown as what they name. */
    struct sec_request sr = {
        .event = (h->flags & IDL_FLAG_ERROR) ? KSM_EV_ERROR : KSM_EV_RESPONSE,
        .src_sid = KOBJ_SID_KERNEL,
        .src_class = SEC_KERNEL_CLASS,
        .dst_sid = kobj_sid(&p->obj),
        .dst_class = p->class_name,
        .dst = p->label,
        .endpoint_id = h->endpoint_id,
        .method_id = h->method_id,
        .msg = msg,
        .msg_len = len,
    };
    return h->handle_count != 0 ? check_core_viewed(&sr, p, h) : security_check(&sr);
}

/* What IPC asks of every answer it may not send unchecked (declared in ipc/ipc.h). */
Retcode ipc_answer_check(const struct ipc_answer *a)
{
    return security_check_server_answer(a);
}
