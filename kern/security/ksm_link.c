/* The security channel, kernel side (ksm_link.h). */
#include "security/ksm_link.h"

#include "bastion_idl.h"
#include "ipc/ipc.h"
#include "ipc/port.h"
#include "lib/kprintf.h"
#include "lib/prof.h"
#include "lib/string.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "security/ksm_choice.h"
#include "security/label.h"
#include "security/verdict.h"

#define KSM_TASK_NAME "ksm"
#define KSM_CLASS_NAME "Ksm"

/* Set once by ksm_start() before Einit exists, never changed: read without a lock. */
static struct ipc_port *channel;   /* the kernel's reference on the security channel's port */
static struct sec_label *ksm_label; /* the KSM's label (a reference) */
static uint32_t ksm_pid;
static struct process *ksm_proc;    /* a reference: the KSM lives as long as the system */
static bool gone_reported;          /* "the KSM is gone" was logged (atomic) */

void ksm_start(void)
{
#ifdef BASTION_NO_MONITOR
    kprintf("security: BENCHMARK KERNEL WITHOUT A SECURITY MONITOR: every request is granted unchecked\n");
    return;
#endif
    const char *path = ksm_choose_program(); /* fixed by the image: ksm_choice.h */
    if (strcmp(path, "none") == 0) {
        kprintf("security: no KSM (ksm=none): every request will be denied (rcNoKsm)\n");
        return;
    }
    struct process *p;
    Retcode rc = process_create(NULL, KSM_TASK_NAME, KSM_CLASS_NAME, path, 0, THREAD_PRIO_MAX, &p);
    if (rc != rcOk) {
        kprintf("security: cannot create the KSM from ROMFS \"%s\": %s: every request will be denied\n", path,
                retcode_name(rc));
        return;
    }
    handle_t h;
    struct ipc_port *port;
    rc = ipc_security_channel(p, &h, &port);
    if (rc != rcOk) {
        kprintf("security: no security channel for the KSM: %s: every request will be denied\n", retcode_name(rc));
        process_terminate(p, PROC_EXIT_TERMINATED, rc, NULL);
        process_unref(p);
        return;
    }
    p->security_handle = h;
    sec_label_get(p->label);
    ksm_label = p->label;
    ksm_pid = p->pid;
    ksm_proc = p;
    channel = port;
    kprintf("security: starting the KSM from \"%s\" (pid %u)\n", path, p->pid);
    /* Its execute event is the kernel's own decision (hook.c): there is nobody to ask yet. */
    rc = process_start(p);
    if (rc != rcOk)
        kprintf("security: the KSM did not start: %s: every request will be denied\n", retcode_name(rc));
}

#ifdef BASTION_TEST_HOOKS
bool ksm_test_terminate(void)
{
    if (ksm_proc == NULL)
        return false;
    process_terminate(ksm_proc, PROC_EXIT_TERMINATED, rcFail, NULL);
    return true;
}

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

#ifdef BASTION_CORE_PROF
/* Mean ticks of each stage of the round trip, printed every 1,000 granted requests. */
static void prof_report(const uint64_t t[4])
{
    static const char *const stage[] = {"build", "record+switch", "ksm", "reply+switch", "verdict"};
    static struct prof_average avg = {"KSMPROF", stage, 5, {0}, 0};
    /* A round trip that did not switch straight to a waiting receiver (the KSM's first, while
     * it starts) left no marks of its own: not a sample of the hand-off path. */
    if (prof_marks[PROF_KSM_CALL] < t[1] || prof_marks[PROF_KSM_REPLY] < prof_marks[PROF_KSM_CALL] ||
        prof_marks[PROF_KSM_REPLY] > t[2])
        return;
    uint64_t s[5] = {t[1] - t[0], prof_marks[PROF_KSM_CALL] - t[1], prof_marks[PROF_KSM_REPLY] - prof_marks[PROF_KSM_CALL],
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
    if (req->event == SEC_EVENT_EXECUTE) {
        arena = req->dst_class;
        arena_len = strlen(req->dst_class) + 1;
    }
    struct idl_header h = {
        .endpoint_id = 0, .method_id = KSM_PROTO_DECIDE, .fixed_size = sizeof(struct ksm_proto_request),
        .arena_size = (uint32_t)arena_len,
    };
    struct ksm_proto_request r = {
        .event = req->event, .src_class = class_of(req->src), .dst_class = class_of(req->dst),
        .endpoint_id = req->endpoint_id, .method_id = req->method_id,
    };
    struct {
        struct idl_header h;
        struct ksm_proto_request r;
    } head = {h, r};
    _Static_assert(sizeof head == IDL_HEADER_SIZE + sizeof r, "the arena follows the fixed part");

    size_t answer_len = 0;
#ifdef BASTION_CORE_PROF
    t[1] = __builtin_ia32_rdtsc();
#endif
    Retcode rc = ipc_kernel_call(channel, &head, sizeof head, arena, arena_len, &h, v->buf, sizeof v->buf,
                                 KSM_VERDICT_TIMEOUT_MS, &answer_len);
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
            kprintf("security: the KSM (pid %u) is gone: every request is denied from now on (rcNoKsm)\n",
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
        *why = rc == rcBufferTooSmall ? "the request does not fit the KSM's buffer" : "the KSM could not take the request";
        return rcSecurityDisallow;
    }
    *why = "no memory for the security request";
    return rc;
}
