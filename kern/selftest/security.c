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

static void kill_test(void *arg)
{
    (void)arg;
    while (decisions() < wanted_verdicts)
        sched_sleep_ns(10 * 1000 * 1000ull);
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
    while (ksm_forget_pop() != 0) {
    }
    const uint32_t end = 0x7ffffff0u; /* no object has such a SID in this short run */
    ksm_forget_push(end);
    struct sec_request probe = {
        .event = KSM_EV_REQUEST,
        .src_sid = 1000,
        .src_class = "Einit",
        .dst_sid = KOBJ_SID_KERNEL,
        .dst_class = "kl.core.Core",
        .src = l,
        .msg = msg,
        .msg_len = sizeof msg,
    };
    check(security_check(&probe) == rcNoKsm, "the probe is denied with rcNoKsm");
    bool back = false;
    for (uint32_t sid; (sid = ksm_forget_pop()) != 0;)
        back = back || sid == end;
    check(back, "the end the unasked question took is queued again");
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
