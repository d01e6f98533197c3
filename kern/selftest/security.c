/*
 * Self-test of the security monitor's link (kern/security/ksm_channel.c, hook.c), kernel-test.elf
 * only: the fail-closed test of a KSM that dies while the system runs
 * (test/boot: ksm-killed). With the kernel parameter `ksmkill=<n>`, a kernel thread waits
 * until the KSM has given n verdicts, ends it as a crash would, and then checks that nothing
 * is granted any more: one request of each event kind from a labelled process is denied with
 * rcNoKsm, and the count of granted requests does not move while the solution keeps running.
 * Prints "ksm_killed: N passed, M failed".
 */
#ifdef BASTION_TEST_HOOKS
#include "selftest/selftest.h"

#include <bastion/ksm_proto.h>

#include "boot/params.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "security/hook.h"
#include "security/ksm_channel.h"
#include "security/ksm_forget.h"
#include "security/ksm_start.h"
#include "obj/kobj_new.h"
#include "obj/label.h"

static uint64_t wanted_verdicts;
static unsigned passed, failed;

static void check(bool ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        kprintf("ksm_killed: FAIL %s\n", what);
    }
}

static uint64_t decisions(void)
{
    return security_granted() + security_denied();
}

/* A destroy hook for the burst's objects (kernel objects of kobj_new). */
static void burst_destroy(struct kobj *obj)
{
    kobj_free_mem(obj);
}

/* The oldest end queued, alone (a chain of one), or NULL. */
static struct kobj_end *pop_end(void)
{
    uint32_t sid, n;
    return ksm_forget_take(&sid, 1, &n);
}

/*
 * No end is dropped, however many come at once: BURST_ENDS objects (more than a fixed queue
 * ever held: 8,192) are shown, then end together; each end is queued and told once, and its
 * note's bytes stay charged to the objects' account until it is told, then go back.
 */
#define BURST_ENDS 10000u
static struct kobj *burst_objs[BURST_ENDS];

/* Makes n (<= BURST_ENDS) objects charged to acct, shows each to the monitor and ends them all;
 * returns how many were made. */
static uint32_t burst_of_ends(struct kmem_account *acct, uint32_t n)
{
    static const struct kobj_ops ops = {KOBJ_USER, "burst", burst_destroy};
    uint32_t made = 0;
    for (; made < n; made++)
        if (kobj_new(sizeof(struct kobj), &ops, acct, (void **)&burst_objs[made]) != rcOk ||
            kobj_mark_shown(burst_objs[made]) != rcOk)
            break;
    for (uint32_t i = 0; i < made; i++)
        kobj_unref(burst_objs[i]);
    return made;
}

static void ends_in_a_burst(void)
{
    static struct kmem_account acct; /* static: a note left behind by a failure stays valid */
    kmem_account_init(&acct, 4u << 20, NULL);
    uint32_t made = burst_of_ends(&acct, BURST_ENDS);
    check(made == BURST_ENDS, "every object of the burst made and shown");
    check(acct.used == (uint64_t)made * KOBJ_END_CHARGE, "every end of the burst kept, its note "
                                                         "charged until the KSM is told");
    /* The solution goes on meanwhile: its questions (denied, the KSM is gone) take ends and put
     * them back, and other ends come among these; drain until every one of the burst is seen. */
    uint32_t seen = 0, misnamed = 0;
    for (int round = 0; round < 100 && seen < made; round++) {
        uint32_t sids[KSM_PROTO_ENDED_MAX], n;
        for (struct kobj_end *c; (c = ksm_forget_take(sids, KSM_PROTO_ENDED_MAX, &n)) != NULL;) {
            uint32_t i = 0;
            for (struct kobj_end *e = c; e != NULL; e = e->next, i++) {
                seen += e->account == &acct;
                misnamed += i >= n || sids[i] != e->sid;
            }
            misnamed += i != n;
            ksm_forget_told(c);
        }
        if (seen < made)
            sched_sleep_ns(10 * 1000 * 1000ull);
    }
    check(seen == made, "each end of the burst queued and told once");
    check(misnamed == 0, "the SIDs taken are the taken notes', in order");
    check(acct.used == 0, "told ends give their charge back");
    kmem_account_put(&acct);
}

/* A request of l's (an Einit's) to the kernel: what the tests ask the KSM, granted or not. Its
 * message has the room before it that the kernel's callers leave (hook.h: msg_room), so its
 * question is built in place whenever no end waits; ends that wait must still go with it. Only
 * kill_test's thread asks with it (the room is written). */
static struct sec_request probe_request(struct sec_label *l)
{
    static _Alignas(8) uint8_t room_and_msg[SEC_MSG_ROOM + 24];
    return (struct sec_request){
        .event = KSM_EV_REQUEST,
        .src_sid = 1000,
        .src_class = "Einit",
        .dst_sid = KOBJ_SID_KERNEL,
        .dst_class = "kl.core.Core",
        .src = l,
        .msg = room_and_msg + SEC_MSG_ROOM,
        .msg_len = sizeof room_and_msg - SEC_MSG_ROOM,
        .msg_room = SEC_MSG_ROOM,
    };
}

/*
 * With the KSM alive: a question carries up to KSM_PROTO_ENDED_MAX ends, the oldest, so a burst
 * of LIVE_ENDS is told within LIVE_ENDS / KSM_PROTO_ENDED_MAX questions of this thread that
 * carry some of it (fewer when the system asks meanwhile, a few more when ends were queued
 * before it; ends that come meanwhile queue behind the burst's). One end per question would
 * need LIVE_ENDS of them. Only the questions after which fewer of the burst's ends are left
 * count: while another thread's question holds the last of them on its way to a KSM that a
 * loaded host runs slowly, this thread's questions find the queue empty and carry none.
 */
#define LIVE_ENDS 1000u
static void ends_told_many_per_question(struct sec_label *l)
{
    static struct kmem_account acct; /* static: a note left behind by a failure stays valid */
    kmem_account_init(&acct, 1u << 20, NULL);
    uint32_t made = burst_of_ends(&acct, LIVE_ENDS);
    check(made == LIVE_ENDS, "a burst of ends made while the KSM runs");
    struct sec_request probe = probe_request(l);
    uint32_t asked = 0, carrying = 0;
    const uint32_t enough = (LIVE_ENDS + KSM_PROTO_ENDED_MAX - 1) / KSM_PROTO_ENDED_MAX;
    for (uint64_t left;
         asked < 16 * enough && (left = __atomic_load_n(&acct.used, __ATOMIC_ACQUIRE)) != 0;
         asked++) {
        (void)security_check(&probe); /* granted or denied: the ends go either way */
        carrying += __atomic_load_n(&acct.used, __ATOMIC_ACQUIRE) < left;
    }
    kprintf("ksm_killed: %u ends told with %u questions, %u of them carrying some\n", made, asked,
            carrying);
    check(acct.used == 0, "every end of the burst told to the live KSM");
    /* + 2: ends queued before the burst go first */
    check(carrying <= enough + 2, "a question carries up to KSM_PROTO_ENDED_MAX ends");
    kmem_account_put(&acct);
}

static void kill_test(void *arg)
{
    (void)arg;
    while (decisions() < wanted_verdicts)
        sched_sleep_ns(10 * 1000 * 1000ull);
    struct sec_label *live = sec_label_new("probe", NULL, &(Retcode){rcOk});
    check(live != NULL, "a label for the live probe");
    if (live != NULL) {
        live->class_id = 0;
        ends_told_many_per_question(live);
        sec_label_put(live);
    }
    kprintf("ksm_killed: ending the KSM after %lu decisions\n", (unsigned long)decisions());
    check(ksm_test_terminate(), "a KSM was running");
    for (int i = 0; i < 500 && !ksm_test_gone(); i++)
        sched_sleep_ns(10 * 1000 * 1000ull);
    check(ksm_test_gone(), "the security channel closed within 5 s");

    /* A process the KSM had labelled: every kind of event is now denied for want of a KSM. */
    struct sec_label *l = sec_label_new("probe", NULL, &(Retcode){rcOk});
    check(l != NULL, "a label");
    if (l == NULL)
        goto out;
    l->class_id = 0;
    static const uint8_t msg[24];
    static const enum ksm_event events[] = {KSM_EV_EXECUTE, KSM_EV_REQUEST, KSM_EV_RESPONSE,
                                            KSM_EV_ERROR, KSM_EV_SECURITY};
    uint64_t granted_before = security_granted();
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        bool exec = events[i] == KSM_EV_EXECUTE;
        struct sec_request r = {
            .event = events[i],
            .src_sid = exec ? KOBJ_SID_KERNEL : 1000,
            .src_class = exec ? "kernel" : "Einit",
            .dst_sid = exec ? 1000 : KOBJ_SID_KERNEL,
            .dst_class = exec ? "Einit" : "kl.core.Core",
            .src = exec ? NULL : l,
            .dst = exec ? l : NULL,
            .msg = msg,
            .msg_len = sizeof msg,
        };
        check(security_check(&r) == rcNoKsm, "an event after the KSM died is denied with rcNoKsm");
        check(r.reply_granted == 0, "no answer is granted in advance");
    }
    /* An end taken by a question the KSM never got goes back to the queue: the dying
     * solution's ends may be queued too, so drain, push one, ask, and look for it. */
    for (struct kobj_end *e; (e = pop_end()) != NULL;)
        ksm_forget_told(e);
    static struct kobj_end probe_end = {.sid = 0x7ffffff0u}; /* no object has such a SID */
    ksm_forget_push(&probe_end);
    struct sec_request probe = probe_request(l);
    check(security_check(&probe) == rcNoKsm, "the probe is denied with rcNoKsm");
    /* The solution's own questions may hold it a moment (they take ends and put them back). */
    bool back = false;
    for (int round = 0; round < 100 && !back; round++) {
        for (struct kobj_end *e; (e = pop_end()) != NULL;) {
            if (e == &probe_end)
                back = true; /* not the keeper's memory: not freed */
            else
                ksm_forget_told(e);
        }
        if (!back)
            sched_sleep_ns(10 * 1000 * 1000ull);
    }
    check(back, "the end the unasked question took is queued again");
    ends_in_a_burst();
    /* The solution goes on making requests (and failing); none may be granted. */
    sched_sleep_ns(1000 * 1000 * 1000ull);
    check(security_granted() == granted_before, "nothing was granted after the KSM died");
    sec_label_put(l);
out:
    kprintf("ksm_killed: %u passed, %u failed\n", passed, failed);
}

void selftest_ksm_kill_start(void)
{
    const char *n = kparam_get("ksmkill");
    if (n == NULL)
        return;
    for (; *n >= '0' && *n <= '9'; n++)
        wanted_verdicts = wanted_verdicts * 10 + (uint64_t)(*n - '0');
    struct thread *t;
    if (thread_create_kernel("ksmkill", kill_test, NULL, THREAD_PRIO_DEFAULT, &t) != rcOk) {
        kprintf("ksm_killed: 0 passed, 1 failed (no thread)\n");
        return;
    }
    (void)thread_start(t);
    thread_unref(t);
}
#endif
