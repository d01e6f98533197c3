/*
 * The security checks of messages: a process's request to a server, a server's answer, and the
 * kernel's answer to a core-endpoint request. Each builds the security request of its event and
 * asks the hook (hook.h); the caller drops the message on anything but rcOk.
 *
 * Answers: a request's verdict may grant its answers in advance (KSM_PROTO_REPLY_* bits, when
 * the policy grants them without condition or audit). This file is the only reader of those
 * bits: the callers keep them as an opaque word (`answer_grant`) from the request's check to
 * its answer's. Any other answer is decided as an event of its own (response or error).
 *
 * Handles: a message that carries handles is shown to the monitor with their SIDs in place of
 * the handle values (ipc_msg_sid_view), so the policy decides on resources, not on numbers
 * private to the sender; a handle the sender may not pass on is refused before anyone is asked.
 *
 * May sleep (the monitor is asked): call with no lock held.
 */
#ifndef BASTION_SECURITY_MESSAGE_CHECK_H
#define BASTION_SECURITY_MESSAGE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "ipc/ipc.h"
#include "obj/kobj.h"

struct process;
struct sec_label;

/*
 * src's request msg[0..len) (checked IPC layout, header h, still in the kernel) to the server
 * named dst_sid/dst_class/dst (its port's record of it). rcOk: *answer_grant is what the call
 * keeps for its answer's check. Errors: the handle lookup's (a handle src may not pass on),
 * rcQuotaExceeded/rcOutOfMemory (no room for the monitor's view), security_check's.
 */
Retcode security_check_server_request(struct process *src, kobj_sid_t dst_sid, const char *dst_class,
                                      struct sec_label *dst, const void *msg, size_t len,
                                      const struct idl_header *h, uint32_t *answer_grant);

/* src's request msg[0..len) (validated against kl.core, header h) to the kernel's core
 * endpoints, as security_check_server_request does for a server; the monitor sees the message
 * as sent (the handle values in it are src's own, which the handler resolves in src's table). */
Retcode security_check_kernel_request(struct process *src, const void *msg, size_t len, const struct idl_header *h,
                                      uint32_t *answer_grant);

/* A server's answer, before it has any effect (ipc_answer_check_fn, for ipc_reply_token). */
Retcode security_check_server_answer(const struct ipc_answer *a);

/* The kernel's answer msg[0..len) to p's core-endpoint request whose check left answer_grant.
 * Errors: rcBadMessage (no valid header), security_check's. */
Retcode security_check_kernel_answer(struct process *p, const void *msg, size_t len, uint32_t answer_grant);

#endif
