/*
 * The security channel: how the kernel asks the KSM (the user-mode security monitor, ksm/monitor/)
 * for a verdict. docs/security-model.md describes the round trip.
 *
 * The kernel asks, the KSM's threads answer, through a hand-off of its own
 * (kern/security/ksm_handoff.c), not an IPC channel: each receiving thread of the KSM calls
 * SYS_KSM_WAIT (<bastion/syscall.h>), which gives the verdict on the question it took last and
 * waits for the next one. A question that finds a receiver waiting is copied straight into it
 * and run at once on the asker's CPU; the verdict comes back in registers.
 *
 *   question  received into the receiver's buffer, laid out as an IPC request
 *             (docs/message-format.md): the header (endpoint 0, method KSM_PROTO_DECIDE), the
 *             fixed part struct ksm_proto_request, and as arena the message being decided
 *             (request, response, error and security events, header included, as the sender
 *             wrote it) or, for execute events, the new process's class name with its NUL.
 *   verdict   one 64-bit word (KSM_PROTO_VERDICT_WORD: struct ksm_proto_verdict's fields, each
 *             in its own bits, the others zero) and, when `audit` is 1, the audit text
 *             ("<method>: <why>", NUL-terminated, at most KSM_PROTO_TEXT_MAX bytes) read from
 *             the KSM's memory; no text otherwise. Small on purpose: every question has one.
 *
 * Class ids are the KSM's own (the compiled table's); the kernel learns a process's id from the
 * verdict of its execute event and sends it with every later event of that process.
 *
 * SIDs: every request names the processes of the event by their security ids (the SID of the
 * process object, what Handle.GetSidByHandle gives for a task handle; for an execute event
 * dst_sid is the process being started), KSM_PROTO_SID_NONE for the kernel. SIDs are never
 * reused. The KSM keeps a policy's state (Flow, HashSet, StaticMap, Mic objects) by the SIDs
 * of processes and of the resources it was shown, and drops it when they end: a question carries
 * the SIDs of up to KSM_PROTO_ENDED_MAX of those that ended since earlier questions, the oldest
 * first (`ended_count` of them, as the rest of the fixed part, below). They are not part of the
 * event being decided; the KSM forgets them before it decides. The kernel itself is
 * KSM_PROTO_CLASS_CORE; a class the policy does not know is KSM_PROTO_CLASS_UNKNOWN, and the KSM
 * denies everything such a process does.
 *
 * Why so many per question: ends come in bursts (a process ending with a thousand handles the
 * monitor saw) and are told only with questions, while one request shows the monitor at most
 * 33 objects it may not have seen (16 handles in the request, 16 in its answer, which the
 * policy may grant without a question, and a process being started). Taking more than that per
 * question means the ends waiting shrink with every question whatever processes do, so a burst
 * of B ends is told within about B / 31 questions and state never piles up behind it.
 */
#ifndef BASTION_KSM_PROTO_H
#define BASTION_KSM_PROTO_H

#include <stdint.h>

#define KSM_PROTO_DECIDE 0u /* method id of the one request */
#define KSM_PROTO_CLASS_CORE 0xFFFFFFFEu
#define KSM_PROTO_CLASS_UNKNOWN 0xFFFFFFFFu
#define KSM_PROTO_TEXT_MAX 160u /* audit text, NUL included */
/* The end of an audit text (a verdict's, a kss record's) that did not fit whole: the bytes it
 * replaces are lost, and it says so. Records of model objects that do not fit are left out
 * whole and counted (" (+N)", always room for it); what is cut inside gets this. */
#define KSM_PROTO_TEXT_CUT " [cut]"
#define KSM_PROTO_SID_NONE 0u /* no process: the kernel (SIDs of objects start above it) */

/* KSM_PROTO_REPLY_* bits: which answers to a granted request the policy grants without
 * condition or audit, so that the kernel need not ask again when the answer comes. */
#define KSM_PROTO_REPLY_RESPONSE 1u /* the response event */
#define KSM_PROTO_REPLY_ERROR 2u    /* the error event */
#define KSM_PROTO_REPLY_ALL 3u

/* The security events, as PSL names them: the one definition the kernel and the KSM share. */
enum ksm_event {
    KSM_EV_EXECUTE = 0,  /* a process is started */
    KSM_EV_REQUEST = 1,  /* a request to the kernel or to a server process */
    KSM_EV_RESPONSE = 2, /* a server's (or the kernel's) response */
    KSM_EV_ERROR = 3,    /* an error response */
    KSM_EV_SECURITY = 4, /* a request on a security interface (Handle.SecurityConnect) */
    KSM_EV_COUNT = 5
};

struct ksm_proto_request {
    uint32_t event;       /* enum ksm_event */
    uint32_t src_class;   /* the source's class id, or KSM_PROTO_CLASS_CORE */
    uint32_t dst_class;   /* the destination's; for execute events ignored (the arena names it) */
    uint32_t endpoint_id; /* request/response/error: riid; security: ignored */
    uint32_t method_id;
    uint32_t src_sid;     /* the source process's SID, or KSM_PROTO_SID_NONE (the kernel) */
    uint32_t dst_sid;     /* the destination's (execute: the new process), or _NONE */
    uint32_t ended_count; /* 0..KSM_PROTO_ENDED_MAX ended SIDs follow this struct (above) */
    uint32_t reserved[2]; /* 0: the arena stays 8-byte aligned */
};

/* The fixed part of a question is struct ksm_proto_request and then its `ended_count` SIDs
 * (uint32_t, never KSM_PROTO_SID_NONE), padded with a zero word to a multiple of 8 bytes so that
 * the arena stays 8-byte aligned: the IPC header's fixed_size is
 * sizeof(struct ksm_proto_request) + KSM_PROTO_ENDED_BYTES(ended_count). */
#define KSM_PROTO_ENDED_MAX 64u
#define KSM_PROTO_ENDED_BYTES(n) (((uint32_t)(n)*4u + 7u) & ~7u)

struct ksm_proto_verdict {
    uint32_t granted;  /* 1: granted, 0: denied; anything else is a malformed verdict */
    uint32_t class_id; /* execute events: the new process's class id (or _UNKNOWN) */
    uint32_t audit;    /* 1: the kernel writes a kss record with the arena's text */
    uint32_t reply;    /* granted request events: KSM_PROTO_REPLY_* bits, else 0 */
};

_Static_assert(sizeof(struct ksm_proto_request) == 40, "security channel ABI");

/* The verdict word: granted in bits 0-7, audit in 8-15, reply in 16-23, class_id in 32-63; bits
 * 24-31 are zero. Each field keeps a byte of its own so that a value out of range (granted 2) is
 * still seen, and refused, by the kernel. */
#define KSM_PROTO_VERDICT_WORD(granted, audit, reply, class_id)       \
    ((uint64_t)(uint8_t)(granted) | (uint64_t)(uint8_t)(audit) << 8 | \
     (uint64_t)(uint8_t)(reply) << 16 | (uint64_t)(uint32_t)(class_id) << 32)
#define KSM_PROTO_VERDICT_RESERVED 0xFF000000ull

/* Where a request's arena starts when it carries no ended SID: after the IPC header
 * (IDL_HEADER_SIZE, 24 bytes) and struct ksm_proto_request. The kernel (security/ksm_channel.c)
 * and the KSM (ksm/monitor/ksm_answer.c) each assert it against the IPC header they use. With n
 * ended SIDs it is KSM_PROTO_ENDED_BYTES(n) further; a question is at most
 * KSM_PROTO_QUESTION_MAX bytes before its arena. */
#define KSM_PROTO_ARENA_OFFSET (24u + (uint32_t)sizeof(struct ksm_proto_request))
#define KSM_PROTO_QUESTION_MAX (KSM_PROTO_ARENA_OFFSET + KSM_PROTO_ENDED_BYTES(KSM_PROTO_ENDED_MAX))
_Static_assert(sizeof(struct ksm_proto_verdict) == 16, "security channel ABI");

#endif
