/*
 * kernel-test.elf only: a request the kernel cannot copy into the KSM is a recorded denial
 * (test/boot: ksm-refuse). With the kernel parameter `ksmrefuse`, a kernel thread waits until
 * the KSM has given its first verdicts, then asks on behalf of a labelled process with a message
 * larger than any receiver's buffer (IDL_MESSAGE_MAX and more), which the KSM's Recv refuses
 * (rcBufferTooSmall). The requester must get rcSecurityDisallow (never rcPeerClosed, which a
 * caller reads as its own end, and never a grant), a kss record of that denial must be written,
 * and the KSM must go on deciding: a request of normal size afterwards gets a verdict.
 * Prints "ksm_refused: N passed, M failed".
 */
#ifdef BASTION_TEST_HOOKS
#include "selftest/selftest.h"

#include "bastion_idl.h"
#include "boot/params.h"
#include "lib/kprintf.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "security/hook.h"
#include "security/kss.h"
#include "obj/label.h"

/* The refused request's source: no process has this SID, so its record is found by it. */
#define REFUSED_SID 0x5EC0FFEEull

static unsigned passed, failed;

static void check(bool ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        kprintf("ksm_refused: FAIL %s\n", what);
    }
}

/* A record of a denial of REFUSED_SID's request with rc, among those the ring holds. */
static bool denial_recorded(Retcode rc)
{
    struct kss_cursor cur = {0};
    static struct kss_record r; /* large (its text): not on the kernel stack */
    uint64_t lost = 0;
    while (kss_read(&cur, &r, &lost))
        if (r.src_sid == REFUSED_SID && r.granted == 0 && r.rc == rc)
            return true;
    return false;
}

/* Larger than the KSM's receive buffer (its offset for the answer plus IDL_MESSAGE_MAX). */
static uint8_t oversized[IDL_MESSAGE_MAX + 4096];

static void refuse_test(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3000 && security_granted() == 0; i++)
        sched_sleep_ns(10 * 1000 * 1000ull);
    check(security_granted() > 0, "the KSM gave a verdict within 30 s");
    struct sec_label *l = sec_label_new("refused", NULL, &(Retcode){rcOk});
    check(l != NULL, "a label");
    if (l == NULL)
        goto out;
    l->class_id = 0;
    struct sec_request r = {
        .event = KSM_EV_REQUEST,
        .src_sid = REFUSED_SID,
        .src_class = "Einit",
        .dst_sid = KOBJ_SID_KERNEL,
        .dst_class = "kl.core.Core",
        .src = l,
        .dst = NULL,
        .msg = oversized,
        .msg_len = sizeof oversized,
    };
    uint64_t written = kss_written();
    Retcode rc = security_check(&r);
    kprintf("ksm_refused: a request of %lu bytes: %s\n", (unsigned long)sizeof oversized,
            retcode_name(rc));
    check(rc == rcSecurityDisallow, "an oversized request is denied with rcSecurityDisallow");
    check(r.reply_granted == 0, "no answer is granted in advance");
    check(kss_written() > written, "a kss record was written");
    check(denial_recorded(rcSecurityDisallow), "the record is the refused request's denial");

    /* The KSM still decides: the same request at a normal size gets a verdict. */
    r.msg_len = 64;
    rc = security_check(&r);
    kprintf("ksm_refused: the same request of %lu bytes: %s\n", (unsigned long)r.msg_len,
            retcode_name(rc));
    check(rc == rcOk || rc == rcSecurityDisallow, "a normal request afterwards gets a verdict");
    sec_label_put(l);
out:
    kprintf("ksm_refused: %u passed, %u failed\n", passed, failed);
}

void selftest_ksm_refuse_start(void)
{
    if (kparam_get("ksmrefuse") == NULL)
        return;
    struct thread *t;
    if (thread_create_kernel("ksmrefuse", refuse_test, NULL, THREAD_PRIO_DEFAULT, &t) != rcOk) {
        kprintf("ksm_refused: 0 passed, 1 failed (no thread)\n");
        return;
    }
    (void)thread_start(t);
    thread_unref(t);
}
#endif
