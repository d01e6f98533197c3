/*
 * The KSM, Bastion's security monitor: the user process that decides every request (docs/
 * security-model.md). The kernel starts it before Einit and gives it the server end of the
 * security channel; it answers each request there with a verdict from the policy table built
 * into this binary (bastion_ksm() in ksm/CMakeLists.txt compiles the solution's PSL with pslc).
 *
 * It parses nothing at run time, allocates nothing and serves nobody else. Its own kernel
 * requests (the console, its exit) are checked by the kernel against a fixed list.
 */
#include <stdio.h>

#include <user/ipc.h>
#include <user/start.h>

#include "ksm_answer.h"
#include "ksm_decide.h"

extern const struct ksm_table ksm_policy; /* the generated table (bastion_psl_compile NAME) */

/*
 * A faulty KSM for the kernel's fail-closed tests (test/boot: ksm-faulty), never a real one:
 * after KSM_TEST_FAULT_AFTER good answers it sends KSM_TEST_BAD_VERDICTS verdicts that are out
 * of range, then stops answering (it spins, as a KSM stuck in a loop would).
 */
#ifdef KSM_TEST_FAULT_AFTER
static void test_fault(struct ksm_answer *a)
{
    static unsigned answered;
    if (++answered <= KSM_TEST_FAULT_AFTER)
        return;
    if (answered <= KSM_TEST_FAULT_AFTER + KSM_TEST_BAD_VERDICTS) {
        a->v.granted = 2;
        return;
    }
    for (;;)
        __asm__ volatile("pause");
}
#endif

/* The largest request: the security-channel header, then a whole IPC message. */
static _Alignas(8) uint8_t request[KSM_ANSWER_ARENA_OFFSET + IDL_MESSAGE_MAX];


int main(void)
{
    uint32_t channel = security_channel_handle();
    if (channel == 0) {
        printf("ksm: no security channel: only the kernel starts the KSM\n");
        return 1;
    }
    struct ksm_answer_ctx ctx = {&ksm_policy, ksm_class_id(&ksm_policy, "kl.core.Core")};
    printf("ksm: deciding from a policy of %u classes and %u rules\n", ksm_policy.nclasses, ksm_policy.ncalls);

    size_t len;
    uint64_t token;
    Retcode rc = ipc_recv(channel, request, sizeof request, &len, &token, IPC_FOREVER);
    for (;;) {
        if (rc != rcOk) {
            /* A request the kernel withdrew or that did not fit: it was denied at the kernel;
             * wait for the next. rcPeerClosed: the kernel closed the channel (shutdown). */
            if (rc == rcPeerClosed)
                return 0;
            rc = ipc_recv(channel, request, sizeof request, &len, &token, IPC_FOREVER);
            continue;
        }
        /* ReplyRecv sends from and receives into the same buffer: the verdict (and its audit
         * text, if any) replaces the request it answers. */
        struct ksm_answer a;
#ifdef BASTION_CORE_PROF
        uint64_t t0 = __builtin_ia32_rdtsc();
#endif
        size_t text = ksm_answer(&ctx, request, len, &a);
#ifdef KSM_TEST_FAULT_AFTER
        test_fault(&a);
#endif
#ifdef BASTION_CORE_PROF
        /* The decision's share of the round trip (docs/benchmarks.md), every 1,000 answers. */
        static uint64_t sum, n;
        sum += __builtin_ia32_rdtsc() - t0;
        if (++n == 1000) {
            printf("KSMPROF-USER answer %llu\n", (unsigned long long)(sum / n));
            sum = n = 0;
        }
#endif
        struct idl_header h = {.fixed_size = sizeof a.v, .arena_size = (uint32_t)text, .flags = IDL_FLAG_RESPONSE};
        __builtin_memcpy(request, &h, sizeof h);
        __builtin_memcpy(request + sizeof h, &a.v, sizeof a.v);
        __builtin_memcpy(request + sizeof h + sizeof a.v, a.text, text);
        rc = ipc_reply_recv(token, request, sizeof h + sizeof a.v + text, channel, sizeof request, &len, &token,
                            IPC_FOREVER);
    }
}
