/*
 * The security hook: the one function every request passes through before it has any effect.
 *
 * Callers: core.c for every core-endpoint request (after idl_route_request validated it, before
 * the handler runs), ipc/call.c for every inter-process request (when Call sends it) and every
 * response and error response (when Reply sends it), and process start (the "execute" event).
 * Nothing else decides; a caller that gets anything but rcOk drops the request and returns that
 * code (rcSecurityDisallow) to the sender.
 *
 * Issue 4: the body grants every request and counts it per event, so the accounting and the
 * call sites are in place and tested. Issue 5 replaces the body, and only the body, with the
 * round trip to the Kaspersky Security Module: build the security request from struct
 * sec_request (who: SID and class; what: destination SID and class, endpoint, method, event;
 * the message and the SIDs of the handles it carries), hand it to the KSM by direct switch,
 * and fail closed (rcNoKsm) when no KSM runs or its verdict is malformed.
 */
#ifndef BASTION_SECURITY_HOOK_H
#define BASTION_SECURITY_HOOK_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "obj/kobj.h"

enum sec_event {
    SEC_EVENT_EXECUTE = 0, /* a process is started */
    SEC_EVENT_REQUEST,     /* a request to the kernel or to a server process */
    SEC_EVENT_RESPONSE,    /* a server's response */
    SEC_EVENT_ERROR,       /* a server's error response */
    SEC_EVENT_SECURITY,    /* a security-interface request (issue 5) */
    SEC_EVENT_COUNT
};

struct sec_request {
    enum sec_event event;
    kobj_sid_t src_sid;      /* the sending process (KOBJ_SID_KERNEL for the kernel) */
    const char *src_class;   /* its class (EDL name) */
    kobj_sid_t dst_sid;      /* the receiving process, or KOBJ_SID_KERNEL for kl.core.Core */
    const char *dst_class;   /* "kl.core.Core" or the server's class */
    uint32_t endpoint_id;    /* riid */
    uint32_t method_id;
    const void *msg;         /* the message, already copied into the kernel and checked */
    size_t msg_len;
};

/* Decides one request: rcOk (granted) or rcSecurityDisallow. Never sleeps in issue 4. */
Retcode security_check(const struct sec_request *req);

/* Requests seen per event since boot, and how many were denied (diagnostics, tests). */
uint64_t security_count(enum sec_event ev);
uint64_t security_denied(void);

#endif
