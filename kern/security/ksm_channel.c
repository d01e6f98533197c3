/* The security channel, kernel side (contract in ksm_channel.h). */
#include "security/ksm_channel.h"
#include "security/ksm_forget.h"

#include "bastion_idl.h"
#include "ipc/ipc.h"
#include "ipc/port.h"
#include "lib/kprintf.h"
#include "lib/prof.h"
#include "lib/string.h"
#include "proc/thread.h"
#include "obj/label.h"
#include "security/verdict.h"

/* Set once by ksm_channel_open() before the KSM runs, never changed: read without a lock. */
static struct ipc_port *channel;    /* the kernel's reference on the security channel's port */
static struct sec_label *ksm_label; /* the KSM's label (a reference) */
static uint32_t ksm_pid;
static bool gone_reported; /* "the KSM is gone" was logged (atomic) */

void ksm_channel_open(struct ipc_port *port, struct sec_label *ksm, uint32_t pid)
{
    sec_label_get(ksm);
    ksm_label = ksm;
    ksm_pid = pid;
    channel = port;
}

#ifdef BASTION_TEST_HOOKS
bool ksm_test_gone(void)
{
    return channel != NULL && __atomic_load_n(&channel->closed, __ATOMIC_ACQUIRE);
}
#endif

bool ksm_is_self(const struct sec_label *l)
{
    return l != NULL && l == ksm_label;
}

static uint32_t class_of(const struct sec_label *l)
{
    return l != NULL ? sec_label_class(l) : KSM_PROTO_CLASS_CORE;
}

static uint32_t sid_of(const struct sec_label *l)
{
    return l != NULL ? l->sid : KSM_PROTO_SID_NONE;
}

#ifdef BASTION_CORE_PROF
/* Mean ticks of each stage of the round trip, printed every 1,000 granted requests. */
static void prof_report(const uint64_t t[4])
{
    static const char *const stage[] = {"build", "record+switch", "ksm", "reply+switch", "verdict"};
    static struct prof_average avg = {"KSMPROF", stage, 5, {0}, 0};
    /* A round trip that did not switch straight to a waiting receiver (the KSM's first, while
     * it starts) left no marks of its own: not a sample of the hand-off path. */
    if (prof_marks[PROF_KSM_CALL] < t[1] ||
        prof_marks[PROF_KSM_REPLY] < prof_marks[PROF_KSM_CALL] || prof_marks[PROF_KSM_REPLY] > t[2])
        return;
    uint64_t s[5] = {t[1] - t[0], prof_marks[PROF_KSM_CALL] - t[1],
                     prof_marks[PROF_KSM_REPLY] - prof_marks[PROF_KSM_CALL],
                     t[2] - prof_marks[PROF_KSM_REPLY], t[3] - t[2]};
    prof_average_add(&avg, s);
}
#endif

Retcode ksm_ask(const struct sec_request *req, struct ksm_verdict_in *v, const char **why)
{
#ifdef BASTION_CORE_PROF
    uint64_t t[4] = {__builtin_ia32_rdtsc()};
#endif
    if (channel == NULL) {
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
    struct idl_header h = {
        .endpoint_id = 0,
        .method_id = KSM_PROTO_DECIDE,
        .fixed_size = sizeof(struct ksm_proto_request),
        .arena_size = (uint32_t)arena_len,
    };
    struct ksm_proto_request r = {
        .event = req->event,
        .src_class = class_of(req->src),
        .dst_class = class_of(req->dst),
        .endpoint_id = req->endpoint_id,
        .method_id = req->method_id,
        .src_sid = sid_of(req->src),
        .dst_sid = sid_of(req->dst),
        .ended_sid = ksm_forget_pop(),
    };
    struct {
        struct idl_header h;
        struct ksm_proto_request r;
    } head = {h, r};
    _Static_assert(sizeof head == KSM_PROTO_ARENA_OFFSET, "the arena follows the fixed part "
                                                          "(ksm_proto.h)");

    size_t answer_len = 0;
#ifdef BASTION_CORE_PROF
    t[1] = __builtin_ia32_rdtsc();
#endif
    Retcode rc = ipc_kernel_call(channel, &head, sizeof head, arena, arena_len, &h, v->buf,
                                 sizeof v->buf, KSM_VERDICT_TIMEOUT_MS, &answer_len);
#ifdef BASTION_CORE_PROF
    t[2] = __builtin_ia32_rdtsc();
#endif
    if (rc == rcOk) {
        if (ksm_verdict_parse(v->buf, answer_len, &v->v, &v->text)) {
#ifdef BASTION_CORE_PROF
            t[3] = __builtin_ia32_rdtsc();
            prof_report(t);
#endif
            return rcOk;
        }
        *why = "malformed verdict from the KSM";
        return rcSecurityDisallow;
    }
    if (rc == rcTimeout) {
        *why = "no verdict from the KSM in time";
        return rcNoKsm;
    }
    if (rc == rcPeerClosed && channel->closed) {
        if (!__atomic_exchange_n(&gone_reported, true, __ATOMIC_RELAXED))
            kprintf("security: the KSM (pid %u) is gone: every request is denied from now on "
                    "(rcNoKsm)\n",
                    ksm_pid);
        *why = "the KSM is gone";
        return rcNoKsm;
    }
    if (rc == rcPeerClosed && thread_should_exit(thread_current())) {
        /* The requester itself is being ended: nothing was decided, nobody sees the answer. */
        *why = "no verdict (the requester is ending)";
        return rc;
    }
    if (rc == rcPeerClosed || rc == rcBufferTooSmall) {
        /* The request never reached a receiver of the KSM (its buffer refused it): a denial like
         * any other, recorded, and not to be mistaken for the requester's own end. */
        *why = rc == rcBufferTooSmall ? "the request does not fit the KSM's buffer"
                                      : "the KSM could not take the request";
        return rcSecurityDisallow;
    }
    *why = "no memory for the security request";
    return rc;
}
