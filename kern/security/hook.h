/*
 * The security hook: the one function every request passes through before it has any effect.
 *
 * Callers: core.c for every core-endpoint request (after idl_route_request validated it, before
 * the handler runs) and, when the policy makes it conditional, the kernel's answer; ipc/call.c
 * and syscall/ipc_calls.c for every inter-process request, response and error response; process.c
 * for every process start (the "execute" event). Nothing else decides; a caller that gets
 * anything but rcOk drops the request and returns that code to the sender.
 *
 * security_check() asks the KSM (ksm_channel.c) over the security channel and waits for its
 * verdict, so it may sleep: call it with no lock held. Fail closed: no KSM, a KSM that died or
 * gave no verdict within KSM_VERDICT_TIMEOUT_MS (rcNoKsm), a malformed verdict
 * (rcSecurityDisallow); every such denial is logged. The KSM's own requests never reach it: a
 * fixed list in the kernel decides them (ksm_self.c). docs/security-model.md.
 */
#ifndef BASTION_SECURITY_HOOK_H
#define BASTION_SECURITY_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>
#include <bastion/retcode.h>

#include "obj/kobj.h"

/* The class requests to the kernel, and its answers, name (kl.core.Core, idl/kl/core/Core.edl). */
#define SEC_KERNEL_CLASS "kl.core.Core"


struct sec_label;
struct ksm_forward;

struct sec_request {
    enum ksm_event event;
    kobj_sid_t src_sid;    /* the sending process (KOBJ_SID_KERNEL for the kernel) */
    const char *src_class; /* its class (EDL name), for audit records */
    kobj_sid_t dst_sid;    /* the receiving process, or KOBJ_SID_KERNEL for kl.core.Core */
    const char *dst_class; /* "kl.core.Core" or the server's class */
    struct sec_label *src; /* the source's label; NULL: the kernel */
    struct sec_label *dst; /* the destination's; NULL: the kernel. Execute: the new process's,
                              * whose class id the verdict sets */
    uint32_t endpoint_id;  /* riid */
    uint32_t method_id;
    const void *msg; /* the message, already copied into the kernel and checked; execute:
                              * unused (the destination's class name is sent) */
    size_t msg_len;
    /* Bytes right before msg that are the caller's and free (0: none): the check may write
     * there. With SEC_MSG_ROOM of them the monitor's question is built in place, head and
     * message in one piece, and the KSM receives it in one copy (ksm_channel.c). */
    size_t msg_room;
    /* Out, granted request events: KSM_PROTO_REPLY_* bits of the answers (response, error)
     * that need no check of their own (the policy grants them without condition or audit). */
    uint32_t reply_granted;
    /* A request to send on at once when the KSM grants it (security/ksm_handoff.h), or NULL.
     * When its `sent` is set after the check, the request is with its server: the check
     * returned rcOk, and the caller only waits for the answer. */
    struct ksm_forward *forward;
};

/* The room before a message that lets its question to the monitor be built in place: the
 * question's fixed part without ended SIDs (<bastion/ksm_proto.h>). */
#define SEC_MSG_ROOM KSM_PROTO_ARENA_OFFSET

/* Decides one event: rcOk (granted), rcSecurityDisallow (denied, or a malformed verdict) or
 * rcNoKsm (no KSM to ask); rcPeerClosed when the calling thread is being ended while it waits
 * (not recorded: nothing was decided). May sleep. */
Retcode security_check(struct sec_request *req);

/* Requests granted and denied since boot (a withdrawn question and a request with an event
 * out of range are denials here; diagnostics, tests). */
uint64_t security_granted(void);
uint64_t security_denied(void);

/* The events decided since boot (granted or refused; a withdrawn question is none, nor a
 * request with an event out of range) and of them those refused: the totals of the
 * per-class counts (class_counts.h), read so that *refused <= *decisions. */
void security_decided(uint64_t *decisions, uint64_t *refused);

#endif
