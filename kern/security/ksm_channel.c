/* The security channel, kernel side (contract in ksm_channel.h). */
#include "security/ksm_channel.h"
#include "security/ksm_forget.h"

#include "bastion_idl.h"
#include "lib/kprintf.h"
#include "lib/prof.h"
#include "lib/string.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "obj/label.h"

/* Set once by ksm_channel_open() before the KSM runs, never changed: read without a lock. */
struct sec_label *ksm_channel_self_label; /* the KSM's label (a reference); NULL: no KSM */
static uint32_t ksm_pid;
static bool gone_reported; /* "the KSM is gone" was logged (atomic) */

void ksm_channel_open(struct sec_label *ksm, uint32_t pid)
{
    sec_label_get(ksm);
    ksm_pid = pid;
    __atomic_store_n(&ksm_channel_self_label, ksm, __ATOMIC_RELEASE);
}

#ifdef BASTION_TEST_HOOKS
bool ksm_test_gone(void)
{
    return ksm_channel_self_label != NULL && ksm_handoff_closed();
}
#endif

static uint32_t class_of(const struct sec_label *l)
{
    return l != NULL ? sec_label_class(l) : KSM_PROTO_CLASS_CORE;
}

static uint32_t sid_of(const struct sec_label *l)
{
    return l != NULL ? l->sid : KSM_PROTO_SID_NONE;
}

#ifdef BASTION_CORE_PROF
/* Mean ticks of each stage of the round trip, printed every 1,000 granted requests: the marks
 * of lib/prof.h in path order between ksm_ask's own stamps. */
static void prof_report(const uint64_t t[4])
{
    static const char *const stage[] = {"build",   "hand-off",    "switch-in",
                                        "deliver", "ksm-user",    "verdict-in",
                                        "answer",  "switch-back", "verdict"};
    static struct prof_average avg = {"KSMPROF", stage, 9, {0}, 0};
    const uint64_t at[] = {t[0],
                           t[1],
                           prof_marks[PROF_KSM_CALL],
                           prof_marks[PROF_KSM_RX_WOKE],
                           prof_marks[PROF_KSM_RX_LEAVE],
                           prof_marks[PROF_KSM_RX_ENTER],
                           prof_marks[PROF_KSM_REPLY],
                           prof_marks[PROF_KSM_SWITCH],
                           t[2],
                           t[3]};
    uint64_t s[9];
    /* A round trip that did not switch straight to a waiting receiver and back (the KSM's
     * first, while it starts) left marks out of order: not a sample of the hand-off path. */
    for (unsigned i = 0; i < 9; i++) {
        if (at[i + 1] < at[i])
            return;
        s[i] = at[i + 1] - at[i];
    }
    prof_average_add(&avg, s);
}
#endif

Retcode ksm_channel_wait(uint64_t verdict, uint64_t text, uint64_t text_len, uint64_t buf,
                         uint64_t cap, uint64_t *len)
{
    /* Inline, no call: with none, the six arguments pass straight on to ksm_handoff_wait. A
     * system call runs on a thread (thread_current() is never NULL there). */
    struct process *p = thread_current()->proc;
    if (p == NULL || !ksm_is_self(p->label))
        return rcAccessDenied;
    return ksm_handoff_wait(verdict, text, text_len, buf, cap, len);
}

Retcode ksm_ask(const struct sec_request *req, struct ksm_verdict_in *v, const char **why)
{
#ifdef BASTION_CORE_PROF
    uint64_t t[4] = {__builtin_ia32_rdtsc()};
#endif
    if (__atomic_load_n(&ksm_channel_self_label, __ATOMIC_ACQUIRE) == NULL) {
        *why = "no KSM";
        return rcNoKsm;
    }
    /* The arena: the message, or for execute the new process's class name with its NUL. */
    const void *arena = req->msg;
    size_t arena_len = req->msg != NULL ? req->msg_len : 0;
    if (req->event == KSM_EV_EXECUTE) {
        arena = req->dst_class;
        arena_len = strlen(req->dst_class) + 1;
    }
    /* The ends not yet told, with their SIDs after the fixed part (ksm_proto.h): none, as
     * almost always, costs one load. */
    struct {
        struct idl_header h;
        struct ksm_proto_request r;
        uint32_t ended[KSM_PROTO_ENDED_MAX];
    } head;
    _Static_assert(__builtin_offsetof(__typeof__(head), ended) == KSM_PROTO_ARENA_OFFSET,
                   "the ended SIDs follow the fixed part (ksm_proto.h)");
    _Static_assert(sizeof head == KSM_PROTO_QUESTION_MAX && KSM_PROTO_ENDED_MAX % 2 == 0,
                   "a question's head, with room for the pad (ksm_proto.h)");
    uint32_t n_ended;
    struct kobj_end *ended = ksm_forget_take(head.ended, KSM_PROTO_ENDED_MAX, &n_ended);
    const uint32_t ended_bytes = KSM_PROTO_ENDED_BYTES(n_ended); /* with the pad */
    head.h = (struct idl_header){
        .endpoint_id = 0,
        .method_id = KSM_PROTO_DECIDE,
        .fixed_size = (uint32_t)sizeof(struct ksm_proto_request) + ended_bytes,
        .arena_size = (uint32_t)arena_len,
    };
    head.r = (struct ksm_proto_request){
        .event = req->event,
        .src_class = class_of(req->src),
        .dst_class = class_of(req->dst),
        .endpoint_id = req->endpoint_id,
        .method_id = req->method_id,
        .src_sid = sid_of(req->src),
        .dst_sid = sid_of(req->dst),
        .ended_count = n_ended,
    };

#ifdef BASTION_CORE_PROF
    t[1] = __builtin_ia32_rdtsc();
#endif
    bool seen;
    Retcode rc = ksm_handoff_ask(&head, KSM_PROTO_ARENA_OFFSET + ended_bytes, arena, arena_len, v,
                                 KSM_VERDICT_TIMEOUT_MS * 1000000ull, req->forward, &seen);
    /* Ends the KSM never got go back in front of the queue for a later question: lost, they
     * would leave their SIDs' policy state in the KSM for good (a Flow, HashSet or StaticMap
     * entry that nothing can use, holding a place other resources need). */
    if (ended != NULL) {
        if (seen)
            ksm_forget_told(ended);
        else
            ksm_forget_put_back(ended);
    }
#ifdef BASTION_CORE_PROF
    t[2] = __builtin_ia32_rdtsc();
#endif
    switch (rc) {
    case rcOk:
#ifdef BASTION_CORE_PROF
        t[3] = __builtin_ia32_rdtsc();
        prof_report(t);
#endif
        return rcOk;
    case rcBadMessage:
        *why = "malformed verdict from the KSM";
        return rcSecurityDisallow;
    case rcTimeout:
        *why = "no verdict from the KSM in time";
        return rcNoKsm;
    case rcNoKsm:
        *why = "the KSM's receiver ended before its verdict";
        return rcNoKsm;
    case rcBufferTooSmall:
        /* Never reached a receiver, or not the one that took it: a denial like any other,
         * recorded, and not to be mistaken for the requester's own end. */
        *why = "the request does not fit the KSM's buffer";
        return rcSecurityDisallow;
    case rcPeerClosed:
        if (ksm_handoff_closed()) {
            if (!__atomic_exchange_n(&gone_reported, true, __ATOMIC_RELAXED))
                kprintf("security: the KSM (pid %u) is gone: every request is denied from now "
                        "on (rcNoKsm)\n",
                        ksm_pid);
            *why = "the KSM is gone";
            return rcNoKsm;
        }
        /* The requester itself is being ended: nothing was decided, nobody sees the answer. */
        *why = "no verdict (the requester is ending)";
        return rcPeerClosed;
    default:
        *why = "the KSM could not take the request";
        return rcSecurityDisallow;
    }
}
