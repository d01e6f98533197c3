/*
 * The IPC system calls (contract in ipc_calls.h): handle lookups, copy-in and layout checks,
 * the security checks, then the core endpoints, the security interface or the exchange of
 * kern/ipc. Here IPC and the security hook meet: IPC moves messages and decides nothing, the
 * hook decides and moves nothing.
 */
#include "syscall/ipc_calls.h"

#include "ipc/ipc.h"
#include "ipc/msg.h"
#include "ipc/port.h"
#include "klcore/klcore.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "panic.h"
#include "proc/activity.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "security/ksm_handoff.h"
#include "security/message_check.h"
#include "security/sec_iface.h"
#ifdef BASTION_CORE_PROF
#include "arch/x86_64/cpu.h"
#endif

#ifndef BASTION_NO_MONITOR
/* A call the monitor's receiver may send on when it grants it (security/ksm_handoff.h). */
struct call_forward {
    struct ksm_forward f; /* first: the receiver's pointer to it is this record's */
    struct ipc_call *c;
    /* Unused. It keeps this frame, which ipc_sys_call's locals make, as large as it was when
     * the record still took a copy of the header from here: GCC inlines core_call (a frame of
     * ~900 bytes) into the system call only while its frame grows at most elevenfold
     * (--param large-stack-frame-growth), and without these 8 bytes core_call is a call of
     * its own again (core_call +34, futex_rtt +72). */
    void *frame_for_the_inliner;
};

static struct thread *forward_call(struct ksm_forward *f, uint32_t reply_granted,
                                   struct spinlock **locked)
{
    struct call_forward *cf = (struct call_forward *)f;
    /* The verdict's KSM_PROTO_REPLY_* bits are IPC's answer kinds, as for the caller's own
     * send (security_check_server_request). */
    return ipc_call_hand_on(cf->c, reply_granted, locked);
}
#endif

_Static_assert(IPC_CALL_REQ_ROOM >= SEC_MSG_ROOM && IPC_CALL_REQ_ROOM % 8 == 0, "room for the "
                                                                                "monitor's "
                                                                                "question before a "
                                                                                "call's request, "
                                                                                "which stays "
                                                                                "aligned");

Retcode ipc_sys_call(uint32_t handle, uint64_t req, uint64_t req_len, uint64_t resp,
                     uint64_t resp_cap, uint64_t timeout_ms, uint64_t *resp_len)
{
#ifdef BASTION_CORE_PROF
    extern uint64_t core_prof_t0, core_prof_t1;
    core_prof_t0 = rdtsc();
#endif
    struct thread *self = thread_current();
    struct process *p = self->proc;
    if (p == NULL)
        return rcInvalidArgument;
    activity_count_call(self, p); /* every call, whatever becomes of it (proc/activity.h) */
    if (req_len < IDL_HEADER_SIZE || req_len > IDL_MESSAGE_MAX)
        return rcBadMessage;
    /* A client end gives its port with a reference the call record keeps (ipc/port.h). */
    struct kobj *o;
    struct ipc_port *port;
    Retcode rc = ipc_fast_call_target(p, handle, &port, &o);
    if (rc != rcOk)
        return rc;
    if (port == NULL) {
        if (kobj_type(o) == KOBJ_KERNEL) {
            kobj_unref(o);
#ifdef BASTION_CORE_PROF
            core_prof_t1 = rdtsc();
#endif
            return core_call(p, req, req_len, resp, resp_cap, resp_len);
        }
        enum kobj_type type = kobj_type(o);
        kobj_unref(o);
        if (type == KOBJ_SECURITY)
            return sec_iface_call(p, req, req_len, resp, resp_cap, resp_len);
        return rcBadHandle;
    }

    /* One allocation for the call: its record, the request and room for a small answer. It
     * takes over the port reference, and keeps the port alive for the whole exchange. */
    struct ipc_call *c = ipc_call_new(port, req_len, resp_cap, &rc);
    if (c == NULL)
        return rc;
    /* The exchange reads the header from the request itself (port.h), which nobody changes
     * once it is checked; h is the security check's copy. */
    struct idl_header h;
    uint32_t unchecked_answers; /* set by the security check, read only after its rcOk */
    rc = copy_from_user(c->req, req, req_len);
    if (rc == rcOk)
        rc = ipc_msg_check_words(c->req, req_len, IPC_MSG_REQUEST, &h);
#ifndef BASTION_NO_MONITOR
    /* Without a timeout, the monitor may send the call on as it grants it: the caller's wait for
     * the verdict then becomes its wait for the answer, which has no deadline to keep. */
    struct call_forward fw = {.f = {.send = forward_call}, .c = c};
    struct ksm_forward *forward = timeout_ms == 0 ? &fw.f : NULL;
#else
    struct ksm_forward *forward = NULL; /* kernel-nomon.elf asks nobody */
#endif
    if (rc == rcOk)
        rc = security_check_server_request(p, port->dst_sid, port->dst_class, port->dst_label,
                                           c->req, req_len, IPC_CALL_REQ_ROOM, &h,
                                           &unchecked_answers, forward);
#ifndef BASTION_NO_MONITOR
    if (fw.f.sent) {
        KASSERT(rc == rcOk); /* sent only on a grant, which the check returns as rcOk */
        return ipc_call_port_sent(c, resp, resp_len);
    }
#endif
    if (rc != rcOk) {
        ipc_call_discard(c);
        return rc;
    }
    /* ipc_call_port owns c from here. */
    return ipc_call_port(c, resp, timeout_ms, unchecked_answers, resp_len);
}

Retcode ipc_sys_reply(uint64_t token, uint64_t buf, uint64_t len)
{
    if (process_current() == NULL)
        return rcInvalidArgument;
    return ipc_reply_token(token, buf, len, NULL, 0, 0, NULL, NULL);
}

Retcode ipc_sys_reply_recv(uint64_t token, uint64_t buf, uint64_t len, uint32_t handle,
                           uint64_t cap, uint64_t timeout_ms, uint64_t *msg_len,
                           uint64_t *out_token)
{
    struct process *p = process_current();
    if (p == NULL)
        return rcInvalidArgument;
    /* The lookup, the answer and the receive in one function of kern/ipc (port.h). */
    return ipc_reply_recv(p, handle, token, buf, len, cap, timeout_ms, msg_len, out_token);
}

/* Recv is ReplyRecv with nothing to answer (token 0). */
Retcode ipc_sys_recv(uint32_t handle, uint64_t buf, uint64_t cap, uint64_t timeout_ms,
                     uint64_t *msg_len, uint64_t *token)
{
    return ipc_sys_reply_recv(0, buf, 0, handle, cap, timeout_ms, msg_len, token);
}
