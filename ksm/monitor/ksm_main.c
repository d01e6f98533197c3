/*
 * The KSM, Bastion's security monitor: the user process that decides every request (docs/
 * security-model.md). The kernel starts it before Einit and marks it as the KSM in its start
 * block; its threads receive the kernel's security questions (SYS_KSM_WAIT) and answer each
 * with a verdict from the policy table built into this binary (bastion_ksm() in
 * ksm/CMakeLists.txt compiles the solution's PSL with pslc).
 *
 * It parses nothing at run time and serves nobody else; it allocates once, at start, the state
 * store of a policy with Flow, HashSet or StaticMap objects (state_new). One receiving thread
 * per CPU (up to KSM_RECEIVERS_MAX), each with its own buffer, each in SYS_KSM_WAIT, which
 * gives the verdict on the last question and receives the next (<bastion/ksm_proto.h>): a
 * question is handed to a waiting receiver and decided on its requester's CPU, so decisions for
 * several CPUs run in parallel (ksm_decide() is pure), except a stateful policy's, which take
 * turns on the store's lock. Its own kernel requests (the console, its memory, its threads, its
 * exit) are checked by the kernel against a fixed list.
 */
#include <stdio.h>
#include <stdlib.h>

#include <user/core.h>
#include <user/start.h>
#include <user/syscall.h>
#include <user/thread.h>

#include "ksm_answer.h"
#include "ksm_decide.h"

extern const struct ksm_table ksm_policy; /* the generated table (bastion_psl_compile NAME) */

static struct ksm_answer_ctx ctx; /* the table and the kernel's class id in it */

/*
 * A faulty KSM for the kernel's fail-closed tests (test/boot: ksm-faulty), never a real one:
 * after KSM_TEST_FAULT_AFTER good answers it sends KSM_TEST_BAD_VERDICTS verdicts that are out
 * of range, then stops answering: each receiver keeps the question it holds and sleeps, as a
 * monitor stuck on them would (without burning the CPUs the requesters' timeouts need); the
 * questions behind them wait in the kernel's queue until they time out.
 */
#ifdef KSM_TEST_FAULT_AFTER
/* false: this receiver stops answering for good. */
static bool test_fault(uint64_t *word)
{
    static unsigned answered_all; /* over every receiver */
    unsigned answered = __atomic_add_fetch(&answered_all, 1, __ATOMIC_RELAXED);
    if (answered > KSM_TEST_FAULT_AFTER + KSM_TEST_BAD_VERDICTS)
        return false;
    if (answered > KSM_TEST_FAULT_AFTER)
        *word = (*word & ~(uint64_t)0xFF) | 2u; /* granted 2: out of range */
    return true;
}

static _Noreturn void test_hang(void)
{
    for (;;)
        core_thread_sleep(1000);
}
#endif

#define KSM_RECEIVERS_MAX 8
#define KSM_RECEIVER_STACK (16u * 1024u)

/* A receiver's buffer holds the largest request: the security-channel header and fixed part
 * with its most ended SIDs, then a whole IPC message. */
static _Alignas(8) uint8_t buffers[KSM_RECEIVERS_MAX][KSM_PROTO_QUESTION_MAX + IDL_MESSAGE_MAX];

/*
 * One receiver: answers questions with buffers[i], for as long as the system runs. It never
 * returns: every process depends on it, so nothing a requester does (ending while its question
 * is decided, timing out) may end it. A verdict whose requester is gone comes back as
 * rcReplyLost with the next question received all the same; after any other failure (a question
 * that did not fit was already failed at the kernel) there is no question to answer, and the
 * next wait gives no verdict.
 */
static _Noreturn int serve(void *arg)
{
    uint8_t *request = buffers[(uintptr_t)arg];
    const size_t cap = sizeof buffers[0];
    size_t len = 0;
    Retcode rc = sys_ksm_wait_raw(0, NULL, 0, request, cap, &len);
    for (;;) {
        if (rc == rcReplyLost)
            rc = rcOk; /* the verdict went nowhere; a new question is here */
        if (rc != rcOk) {
            /* rcPeerClosed can only mean the KSM itself is ending: pause instead of spinning,
             * and try again. */
            if (rc == rcPeerClosed)
                core_thread_sleep(10);
            rc = sys_ksm_wait_raw(0, NULL, 0, request, cap, &len);
            continue;
        }
#ifdef BASTION_CORE_PROF
        uint64_t t0 = __builtin_ia32_rdtsc();
#endif
        /* The common question's word comes from the pre-grants alone; the others are decided
         * into a (whose text is sent when audited). */
        struct ksm_answer a;
        size_t text;
        uint64_t word = ksm_answer_word(&ctx, request, len, &a, &text);
#ifdef KSM_TEST_FAULT_AFTER
        if (!test_fault(&word))
            test_hang();
#endif
#ifdef BASTION_CORE_PROF
        /* The decision's share of the round trip (docs/benchmarks.md), every 1,000 answers;
         * the benchmark image has one CPU, so one receiver updates these. */
        static uint64_t sum, n;
        sum += __builtin_ia32_rdtsc() - t0;
        if (++n == 1000) {
            printf("KSMPROF-USER answer %llu\n", (unsigned long long)(sum / n));
            sum = n = 0;
        }
#endif
        rc = sys_ksm_wait_raw(word, text != 0 ? a.text : NULL, text, request, cap, &len);
    }
}

/* Stateful decisions on several receivers take turns: a spin lock (the critical section is one
 * decision), sleeping a millisecond after long spinning in case the holder was preempted. The KSM
 * may not use Sync.Wait (kern/security/ksm_self.c), so no futex mutex. */
static void state_lock(void *arg)
{
    uint32_t *word = arg;
    for (unsigned spins = 0; __atomic_exchange_n(word, 1u, __ATOMIC_ACQUIRE) != 0; spins++) {
        __builtin_ia32_pause();
        if (spins >= 100000u) {
            core_thread_sleep(1);
            spins = 0;
        }
    }
}

static void state_unlock(void *arg)
{
    __atomic_store_n((uint32_t *)arg, 0u, __ATOMIC_RELEASE);
}

/* The store of a table with Flow, HashSet, StaticMap or Mic objects (KSM_SID_SLOTS processes), or
 * NULL for a stateless table (or when its memory cannot be had: then its stateful rules deny). */
static struct ksm_answer_state *state_new(const struct ksm_table *t)
{
    static uint32_t lock_word;
    if (t->nflows == 0 && t->nsets == 0 && t->nmaps == 0 && t->nmics == 0)
        return NULL;
    struct ksm_answer_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        goto fail;
    st->store.nsids = KSM_SID_SLOTS;
    st->store.flow = calloc((size_t)KSM_SID_SLOTS * t->nflows + 1, 1);
    st->store.set_of = calloc((size_t)KSM_SID_SLOTS * t->nsets + 1, sizeof(uint32_t));
    st->store.set_words = calloc((size_t)t->nset_words + 1, sizeof(uint64_t));
    st->store.map_of = calloc((size_t)KSM_SID_SLOTS * t->nmaps + 1, sizeof(uint32_t));
    st->store.map_words = calloc((size_t)t->nmap_words + 1, sizeof(uint64_t));
    st->store.mic_subj = calloc((size_t)KSM_SID_SLOTS * t->nmics * 2 + 1, sizeof(uint64_t));
    st->store.res = calloc((size_t)t->nres_words + 1, sizeof(uint64_t));
    if (!st->store.flow || !st->store.set_of || !st->store.set_words || !st->store.map_of ||
        !st->store.map_words || !st->store.mic_subj || !st->store.res)
        goto fail;
    ksm_sids_init(&st->sids);
    st->lock = state_lock;
    st->unlock = state_unlock;
    st->arg = &lock_word;
    printf("ksm: policy state for %u processes (%u Flow, %u HashSet, %u StaticMap, %u Mic "
           "objects)\n",
           KSM_SID_SLOTS, t->nflows, t->nsets, t->nmaps, t->nmics);
    return st;
fail:
    printf("ksm: no memory for the policy's state: its stateful rules deny\n");
    return NULL;
}

int main(void)
{
    if (!start_is_ksm()) {
        printf("ksm: not started as the KSM: only the kernel starts it\n");
        return 1;
    }
    /* The answers' pre-grants of every cell, once; without the memory each granted request
     * computes its own (the same bits, more slowly). */
    uint8_t *pregrants = calloc(ksm_answer_pregrants_size(&ksm_policy) + 1, 1);
    if (pregrants != NULL)
        ksm_answer_pregrants(&ksm_policy, pregrants);
    ctx = (struct ksm_answer_ctx){&ksm_policy, ksm_class_id(&ksm_policy, "kl.core.Core"),
                                  state_new(&ksm_policy), pregrants, NULL};
    ksm_answer_ctx_plain(&ctx);
    uint32_t receivers = start_cpu_count();
    if (receivers == 0)
        receivers = 1;
    if (receivers > KSM_RECEIVERS_MAX)
        receivers = KSM_RECEIVERS_MAX;
    /* The others first; this thread is receiver 0. One that cannot start costs parallelism,
     * not decisions. */
    uint32_t started = 1;
    for (uint32_t i = 1; i < receivers; i++) {
        struct thread t;
        if (thread_create(&t, serve, (void *)(uintptr_t)i, THREAD_PRIO_MAX, KSM_RECEIVER_STACK) ==
            rcOk)
            started++;
    }
    printf("ksm: deciding from a policy of %u classes and %u rules, %u receivers\n",
           ksm_policy.nclasses, ksm_policy.ncalls, started);
    serve((void *)0);
}
