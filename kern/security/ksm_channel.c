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
    /* A question is its head (the header and the fixed part, with the ends not yet told
     * after it: ksm_proto.h) and then the arena. When the caller left room before the message
     * and no end waits to be told, as almost always, the head is written into that room: head
     * and message are then one piece, which the KSM's receiver copies out in one go. Otherwise
     * it is built here, with up to KSM_PROTO_ENDED_MAX ended SIDs; an end queued after the
     * look goes with a later question, as one queued during the take would. */
    struct question_head {
        struct idl_header h;
        struct ksm_proto_request r;
        uint32_t ended[KSM_PROTO_ENDED_MAX];
    };
    _Static_assert(__builtin_offsetof(struct question_head, ended) == KSM_PROTO_ARENA_OFFSET &&
                       KSM_PROTO_ARENA_OFFSET == SEC_MSG_ROOM,
                   "the ended SIDs follow the fixed part (ksm_proto.h), which fits the room");
    _Static_assert(sizeof(struct question_head) == KSM_PROTO_QUESTION_MAX &&
                       KSM_PROTO_ENDED_MAX % 2 == 0,
                   "a question's head, with room for the pad (ksm_proto.h)");
    struct question_head aside, *head = &aside;
    uint32_t n_ended = 0;
    struct kobj_end *ended = NULL;
    if (arena == req->msg && req->msg_room >= SEC_MSG_ROOM && ksm_forget_waiting() == 0)
        head = (struct question_head *)((uint8_t *)req->msg - SEC_MSG_ROOM);
    else
        ended = ksm_forget_take(aside.ended, KSM_PROTO_ENDED_MAX, &n_ended);
    const uint32_t ended_bytes = KSM_PROTO_ENDED_BYTES(n_ended); /* with the pad */
    head->h = (struct idl_header){
        .endpoint_id = 0,
        .method_id = KSM_PROTO_DECIDE,
        .fixed_size = (uint32_t)sizeof(struct ksm_proto_request) + ended_bytes,
        .arena_size = (uint32_t)arena_len,
    };
    /* Field by field: as far as the compiler knows (no strict aliasing) a store through head
     * may change req, so a whole-struct store would compute every value first and keep them
     * all live across it (spilled to the stack). */
    const struct sec_label *src = req->src, *dst = req->dst;
    const uint32_t event = req->event, endpoint_id = req->endpoint_id, method_id = req->method_id;
    struct ksm_proto_request *r = &head->r;
    r->event = event;
    r->src_class = class_of(src);
    r->dst_class = class_of(dst);
    r->endpoint_id = endpoint_id;
    r->method_id = method_id;
    r->src_sid = sid_of(src);
    r->dst_sid = sid_of(dst);
    r->ended_count = n_ended;
    r->reserved[0] = r->reserved[1] = 0;
    _Static_assert(sizeof *r == 40, "every field of the fixed part is stored above");

#ifdef BASTION_CORE_PROF
    t[1] = __builtin_ia32_rdtsc();
#endif
    size_t head_len = KSM_PROTO_ARENA_OFFSET + ended_bytes;
    if (head != &aside) { /* the arena is already after the head */
        head_len += arena_len;
        arena_len = 0;
    }
    bool seen;
    Retcode rc = ksm_handoff_ask(head, head_len, arena, arena_len, v,
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
