/* The security checks of messages (contract in message_check.h). */
#include "security/message_check.h"

#include <bastion/ksm_proto.h>

#include "ipc/msg.h"
#include "mm/slab.h"
#include "obj/handle_batch.h"
#include "proc/process.h"
#include "security/hook.h"

/*
 * What the monitor sees of sender's message: the message itself, or, when it carries handles, a
 * copy charged to the sender with their SIDs in place of the values (*view != msg: the caller
 * frees it with kfree_charged(*view, &sender->kmem)).
 */
static Retcode monitor_view(struct process *sender, const void *msg, size_t len, const struct idl_header *h,
                            const void **view)
{
    *view = msg;
    if (h->handle_count == 0)
        return rcOk;
    kobj_sid_t sids[IDL_HANDLES_MAX];
    Retcode rc = handle_batch_sids(&sender->handles, ipc_msg_handles((void *)msg, h), h->handle_count, sids,
                                   NULL);
    if (rc != rcOk)
        return rc;
    void *copy = kmalloc_charged(len, &sender->kmem, &rc);
    if (copy == NULL)
        return rc;
    ipc_msg_sid_view(copy, msg, len, h, sids);
    *view = copy;
    return rcOk;
}

/* Asks about req with sender's view of msg as its message. */
static Retcode check_viewed(struct sec_request *req, struct process *sender, const void *msg, size_t len,
                            const struct idl_header *h)
{
    const void *view;
    Retcode rc = monitor_view(sender, msg, len, h, &view);
    if (rc != rcOk)
        return rc;
    req->msg = view;
    req->msg_len = len;
    rc = security_check(req);
    if (view != msg)
        kfree_charged((void *)view, &sender->kmem);
    return rc;
}

/* The answer's event, and whether the request's verdict granted it in advance. */
static enum ksm_event answer_event(const struct idl_header *h)
{
    return (h->flags & IDL_FLAG_ERROR) ? KSM_EV_ERROR : KSM_EV_RESPONSE;
}

static bool answer_pregranted(const struct idl_header *h, uint32_t answer_grant)
{
    uint32_t bit = (h->flags & IDL_FLAG_ERROR) ? KSM_PROTO_REPLY_ERROR : KSM_PROTO_REPLY_RESPONSE;
    return (answer_grant & bit) != 0;
}

Retcode security_check_kernel_request(struct process *src, const void *msg, size_t len, const struct idl_header *h,
                                      uint32_t *answer_grant)
{
    struct sec_request sr = {
        .event = KSM_EV_REQUEST, .src_sid = kobj_sid(&src->obj), .src_class = src->class_name,
        .dst_sid = KOBJ_SID_KERNEL, .dst_class = SEC_KERNEL_CLASS, .src = src->label,
        .endpoint_id = h->endpoint_id, .method_id = h->method_id, .msg = msg, .msg_len = len,
    };
    Retcode rc = security_check(&sr);
    *answer_grant = rc == rcOk ? sr.reply_granted : 0;
    return rc;
}

Retcode security_check_server_request(struct process *src, kobj_sid_t dst_sid, const char *dst_class,
                                      struct sec_label *dst, const void *msg, size_t len,
                                      const struct idl_header *h, uint32_t *answer_grant)
{
    struct sec_request sr = {
        .event = KSM_EV_REQUEST, .src_sid = kobj_sid(&src->obj), .src_class = src->class_name,
        .dst_sid = dst_sid, .dst_class = dst_class, .src = src->label, .dst = dst,
        .endpoint_id = h->endpoint_id, .method_id = h->method_id,
    };
    Retcode rc = check_viewed(&sr, src, msg, len, h);
    *answer_grant = rc == rcOk ? sr.reply_granted : 0;
    return rc;
}

Retcode security_check_server_answer(const struct ipc_answer *a)
{
    if (answer_pregranted(a->h, a->answer_grant))
        return rcOk;
    struct sec_request sr = {
        .event = answer_event(a->h), .src_sid = kobj_sid(&a->server->obj), .src_class = a->server->class_name,
        .dst_sid = kobj_sid(&a->client->obj), .dst_class = a->client->class_name,
        .src = a->server->label, .dst = a->client->label,
        .endpoint_id = a->h->endpoint_id, .method_id = a->h->method_id,
    };
    return check_viewed(&sr, a->server, a->msg, a->len, a->h);
}

Retcode security_check_kernel_answer(struct process *p, const void *msg, size_t len, uint32_t answer_grant)
{
    struct idl_header h;
    if (idl_peek_header(msg, len, &h) != IDL_OK)
        return rcBadMessage;
    if (answer_pregranted(&h, answer_grant))
        return rcOk;
    /* Shown to the monitor as the client receives it. */
    struct sec_request sr = {
        .event = answer_event(&h), .src_sid = KOBJ_SID_KERNEL, .src_class = SEC_KERNEL_CLASS,
        .dst_sid = kobj_sid(&p->obj), .dst_class = p->class_name, .dst = p->label,
        .endpoint_id = h.endpoint_id, .method_id = h.method_id, .msg = msg, .msg_len = len,
    };
    return security_check(&sr);
}
