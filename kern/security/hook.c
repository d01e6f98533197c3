/*
 * The security hook (contract in hook.h): asks the KSM, or the fixed list for the KSM's own
 * requests, and writes the audit records.
 */
#include "security/hook.h"

#include <bastion/ksm_proto.h>

#include "lib/kprintf.h"
#include "proc/activity.h"
#include "security/class_counts.h"
#include "security/ksm_channel.h"
#include "security/ksm_handoff.h"
#include "security/ksm_self.h"
#include "security/kss.h"
#include "security/verdict.h"
#include "obj/label.h"

/* The hook's counts, one locked add per decision: grants, refusals (decided, not granted),
 * withdrawn questions (rcPeerClosed: nothing decided) and requests refused for an event out of
 * range. The totals are sums of these, made when they are read (security_denied,
 * security_decided), where the path used to pay two more locked adds on shared lines per
 * decision for them, and a third for a count per event that nothing read. Refusals are read
 * before grants: a reader never sees more refusals than decisions. */
static uint64_t grants, refusals, withdrawals, out_of_range;

static const char *const event_names[KSM_EV_COUNT] = {
    [KSM_EV_EXECUTE] = "execute", [KSM_EV_REQUEST] = "request",   [KSM_EV_RESPONSE] = "response",
    [KSM_EV_ERROR] = "error",     [KSM_EV_SECURITY] = "security",
};

/* "request Untrusted[demo.Untrusted] -> kernel[kl.core.Core] <what>" into a kss record. */
static void audit(const struct sec_request *req, bool granted, Retcode rc, const char *what)
{
    struct kss_record r = {
        .src_sid = req->src_sid,
        .dst_sid = req->dst_sid,
        .event = req->event,
        .granted = granted,
        .rc = rc,
    };
    int n = ksnprintf(r.text, sizeof r.text, "%s %s[%s] -> %s[%s] %s", event_names[req->event],
                      req->src != NULL ? req->src->name : "kernel", req->src_class,
                      req->dst != NULL ? req->dst->name : "kernel", req->dst_class, what);
    kss_text_mark_cut(r.text, sizeof r.text, n); /* long names: the end of `what` is lost */
    kss_write(&r);
}

/* A denial the KSM could not word: name the method by its ids. */
static void audit_kernel_denial(const struct sec_request *req, Retcode rc, const char *why)
{
    char what[96];
    int n;
    if (req->event == KSM_EV_EXECUTE)
        n = ksnprintf(what, sizeof what, "execute: %s (%s)", why, retcode_name(rc));
    else
        n = ksnprintf(what, sizeof what, "endpoint %u method %u: %s (%s)", req->endpoint_id,
                      req->method_id, why, retcode_name(rc));
    kss_text_mark_cut(what, sizeof what, n);
    audit(req, false, rc, what);
}

/* The verdict: the fixed list for the KSM's own requests, the kernel's own start of the KSM, or
 * the KSM's answer. Writes the audit records. (Unused in kernel-nomon.elf.) Inline in
 * security_check, its one caller, which the compiler would otherwise leave calling it (for its
 * large frame): one frame and one call fewer on every monitored request. */
static inline __attribute__((always_inline, unused)) Retcode decide(struct sec_request *req)
{
    Retcode rc;
    if (ksm_is_self(req->src)) {
        /* The KSM's own request: the fixed list decides; the kernel's answer needs no check. */
        rc = ksm_self_allowed(req) ? rcOk : rcSecurityDisallow;
        req->reply_granted = rc == rcOk ? KSM_PROTO_REPLY_ALL : 0;
        if (rc != rcOk)
            audit_kernel_denial(req, rc, "not on the KSM's fixed list");
        return rc;
    }
    if (req->event == KSM_EV_EXECUTE && req->src == NULL && ksm_is_self(req->dst))
        return rcOk; /* the kernel starts the KSM: nobody to ask yet */
    struct ksm_verdict_in in;
    const char *why = "";
    /* The asking process: the source, or for the kernel's own answers the process it answers
     * (whose thread is the one asking). Its gate bounds how many of its questions the KSM holds. */
    struct sec_label *asker = req->src != NULL ? req->src : req->dst;
    if (asker != NULL && ksm_gate_enter(&asker->gate) != rcOk)
        return rcPeerClosed; /* ended while it waited: nothing was asked */
    if (req->forward != NULL)
        req->forward->gate = asker != NULL ? &asker->gate : NULL; /* whoever sends leaves it */
    rc = ksm_ask(req, &in, &why);
    if (asker != NULL && !(req->forward != NULL && req->forward->sent))
        ksm_gate_leave(&asker->gate);
    if (rc != rcOk) {
        /* A requester being ended withdrew its question: no decision to record. */
        if (rc != rcPeerClosed)
            audit_kernel_denial(req, rc, why);
        return rc;
    }
    const struct ksm_proto_verdict v = ksm_verdict_split(in.word);
    if (req->event == KSM_EV_EXECUTE && v.granted)
        __atomic_store_n(&req->dst->class_id, v.class_id, __ATOMIC_RELEASE);
    req->reply_granted = v.granted ? v.reply : 0;
    rc = v.granted ? rcOk : rcSecurityDisallow;
    if (v.audit || !v.granted)
        audit(req, v.granted, rc, in.text);
    return rc;
}

/* The decision counts on the source process and the thread that asked (proc/activity.h):
 * every caller that names a source process asks from a thread of it; the label, one per
 * process, tells the calling thread's process from another (a mismatch counts nothing rather
 * than on the wrong process). */
static void count_for_source(const struct sec_request *req, bool denied)
{
    struct thread *t = thread_current();
    struct process *p = t != NULL ? t->proc : NULL;
    if (req->src != NULL && p != NULL && p->label == req->src)
        activity_count_decision(t, p, denied);
}

Retcode security_check(struct sec_request *req)
{
    if (req == NULL || (unsigned)req->event >= KSM_EV_COUNT) {
        __atomic_add_fetch(&out_of_range, 1, __ATOMIC_RELAXED);
        return rcSecurityDisallow;
    }
    req->reply_granted = 0;
#ifdef BASTION_NO_MONITOR
    /* kernel-nomon.elf, the benchmark build: the monitor's share of a request is what this
     * leaves out. ksm_start() said so on the console. */
    req->reply_granted = KSM_PROTO_REPLY_ALL;
    Retcode rc = rcOk;
#else
    Retcode rc = decide(req);
#endif
    /* A withdrawn question (rcPeerClosed) was never decided: not a decision of its class. */
    if (rc == rcPeerClosed) {
        __atomic_add_fetch(&withdrawals, 1, __ATOMIC_RELAXED);
        return rc;
    }
    __atomic_add_fetch(rc == rcOk ? &grants : &refusals, 1, __ATOMIC_RELEASE);
    class_counts_add(req->src != NULL ? req->src_class : NULL,
                     req->src != NULL ? &req->src->counts_slot : NULL, rc != rcOk);
    count_for_source(req, rc != rcOk);
    return rc;
}

uint64_t security_granted(void)
{
    return __atomic_load_n(&grants, __ATOMIC_ACQUIRE);
}

uint64_t security_denied(void)
{
    return __atomic_load_n(&out_of_range, __ATOMIC_RELAXED) +
           __atomic_load_n(&withdrawals, __ATOMIC_RELAXED) +
           __atomic_load_n(&refusals, __ATOMIC_ACQUIRE);
}

void security_decided(uint64_t *decisions, uint64_t *refused)
{
    uint64_t r = __atomic_load_n(&refusals, __ATOMIC_ACQUIRE); /* first: see above */
    *refused = r;
    *decisions = r + __atomic_load_n(&grants, __ATOMIC_ACQUIRE);
}
