/*
 * os_attack_ksm (class ostest.AttackKsm): attacks on the security monitor and on the way answers
 * are decided, with the rights of an ordinary untrusted program (its own threads, its pid, the
 * console; IPC to the probe server and to a hostile server of its own). Each attack must be
 * stopped, and a bystander (ProbeServer, another process) still served afterwards.
 *
 *  1. Requesters that vanish mid-decision: a thread is terminated while the KSM holds its
 *     request. The KSM's verdict then finds nobody to answer; the KSM must keep deciding.
 *  2. Forged answers: os_liar_server answers a Stats request (whose answer its policy denies)
 *     as an Echo answer, as an error answer with a body, and honestly. None of them may reach
 *     us, and the server must be told each time and keep serving.
 *  3. Posing as the monitor: SYS_KSM_WAIT, the KSM's own receive, with a granting verdict word
 *     (as if answering a question), with one that is malformed, and with a buffer to take the
 *     next question into. Only the KSM's threads may call it: each try is refused with
 *     rcAccessDenied, no question is taken (the buffer stays as it was), and our own next request
 *     is still decided by the real KSM (a denial the policy makes is still a denial).
 */
#include <string.h>

#include <bastion/ksm_proto.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/syscall.h>
#include <user/thread.h>

#include "os_liar.h"
#include "ostest.h"
#include "ostest/ProbeServer.edl.h"

#define H(v) core_handle_arg(v)
#define ROUNDS 300

static Retcode own_pid(uint32_t *pid)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    return core_result(kl_core_Task_GetPid(&cl, H(kl_core_Types_InvalidHandleValue), pid, &rc),
                       &rc);
}

/* Calls the kernel (and so the KSM) until it is terminated. */
static int requester(void *arg)
{
    (void)arg;
    uint32_t pid;
    while (own_pid(&pid) != rcNoKsm)
        ;
    return 1; /* the monitor is gone: the main thread's checks say so */
}

/* A few thousand instructions of waiting whose length varies from round to round, so that the
 * terminations land at every point of a request's path (in the kernel, queued, in the KSM). */
static void spin(uint32_t round)
{
    uint32_t n = (round * 2654435761u) >> 20;
    for (volatile uint32_t i = 0; i < n; i++)
        ;
}

static void vanishing_requesters(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    CORE_CLIENT(hc, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    uint32_t started = 0, ended = 0;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        struct thread t;
        if (thread_create(&t, requester, NULL, THREAD_PRIO_DEFAULT, 16 * 1024) != rcOk)
            break;
        started++;
        spin(round);
        Retcode r = core_result(kl_core_Thread_Terminate(&cl, H(t.handle), 7, &rc), &rc);
        int code = 0;
        /* 30 s: the end must come, however slowly a loaded host runs the guest; a requester
         * the termination missed never ends (it loops until the monitor is gone). */
        Retcode j = r == rcOk ? thread_join(&t, 30000, &code) : rcFail;
        if (j == rcOk)
            ended++;
        else
            printf("os_attack_ksm: round %u: Terminate %s, join %s\n", round, retcode_name(r),
                   retcode_name(j));
        (void)core_result(kl_core_Handle_Close(&hc, H(t.handle), &rc), &rc);
    }
    OT_EQ(started, ROUNDS);
    OT_EQ(ended, started);
    /* The monitor still decides: our own call is granted, not refused for want of a KSM. */
    uint32_t pid = 0;
    OT_RC(own_pid(&pid), rcOk);
    OT_TRUE(pid != 0);
}

/* Captures a proxy's request instead of sending it (to send it raw, below). */
static uint8_t captured[256];
static size_t captured_len;
static Retcode capture(void *ctx, const void *req, size_t req_len, void *res, size_t cap,
                       size_t *res_len)
{
    (void)ctx;
    (void)res;
    (void)cap;
    (void)res_len;
    captured_len = req_len <= sizeof captured ? req_len : 0;
    memcpy(captured, req, captured_len);
    return rcFail;
}

static bool holds_secret(const uint8_t *buf, size_t len)
{
    uint64_t s = LIAR_SECRET;
    for (size_t i = 0; i + sizeof s <= len; i++)
        if (memcmp(buf + i, &s, sizeof s) == 0)
            return true;
    return false;
}

static void forged_answers(void)
{
    static _Alignas(8) uint8_t req[512], res[512];
    struct ipc_channel ch;
    struct idl_client liar;
    if (!OT_RC(ipc_connect(&ch, "liar"), rcOk))
        return;
    ch.timeout_ms = 10000; /* a server that stopped would fail the test, not hang it */
    ipc_client_init(&liar, &ch, ostest_ProbeServer_EP_probe, req, sizeof req, res, sizeof res);

    /* The Stats request, as the proxy makes it, sent raw so that we see every byte that comes back. */
    static _Alignas(8) uint8_t sreq[64];
    struct idl_client cap = {.call = capture,
                             .endpoint_id = ostest_ProbeServer_EP_probe,
                             .req_buf = sreq,
                             .req_cap = sizeof sreq,
                             .res_buf = res,
                             .res_cap = sizeof res};
    uint64_t a, b, d;
    uint32_t c;
    (void)ostest_Probe_Stats(&cap, &a, &b, &c, &d);
    if (!OT_TRUE(captured_len >= IDL_HEADER_SIZE))
        return;

    static const struct {
        uint8_t mode;
        Retcode want; /* what the call must return */
    } tries[] = {
        {LIAR_AS_ECHO, rcBadMessage}, /* the kernel: an answer to another method */
        {LIAR_AS_ERROR,
         rcSecurityDisallow},              /* the KSM: an error with a body, no error parameters */
        {LIAR_HONEST, rcSecurityDisallow}, /* the policy: Stats' answer is denied */
    };
    for (unsigned i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        struct idl_seq back;
        uint64_t served;
        uint8_t mode = tries[i].mode;
        if (!OT_RC(ostest_Probe_Echo(&liar, (struct idl_seq){.data = &mode, .count = 1}, &back,
                                     &served),
                   rcOk))
            continue;
        static _Alignas(8) uint8_t raw[512];
        memset(raw, 0, sizeof raw);
        size_t raw_len = 0;
        Retcode r = ipc_call(ch.handle, captured, captured_len, raw, sizeof raw, &raw_len, 10000);
        ot_check(r == tries[i].want, __LINE__, "forged answer refused", "mode %u: %s, expected %s",
                 mode, retcode_name(r), retcode_name(tries[i].want));
        ot_check(!holds_secret(raw, sizeof raw), __LINE__, "no forged byte reached us", "mode %u",
                 mode);
    }
    /* The liar heard of each refusal and kept serving: Echo's `served` is its refusal count. */
    struct idl_seq back;
    uint64_t refused = 0;
    uint8_t none = 0xFF;
    OT_RC(ostest_Probe_Echo(&liar, (struct idl_seq){.data = &none, .count = 1}, &back, &refused),
          rcOk);
    OT_EQ(refused, 3);
}

static void posing_as_the_monitor(void)
{
    static _Alignas(8) uint8_t buf[KSM_PROTO_ARENA_OFFSET + 256];
    static const char why[] = "granted by the impostor";
    static const struct {
        uint64_t word;
        const char *text;
        size_t text_len;
    } tries[] = {
        {KSM_PROTO_VERDICT_WORD(1, 0, KSM_PROTO_REPLY_ALL, 0), NULL, 0},
        {KSM_PROTO_VERDICT_WORD(1, 1, KSM_PROTO_REPLY_ALL, 0), why, sizeof why},
        {~0ull, why, sizeof why}, /* every field out of range */
        {0, NULL, 0},             /* a first wait: no verdict, only the next question */
    };
    for (unsigned i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        memset(buf, 0xA5, sizeof buf);
        size_t len = 0xDEAD;
        Retcode r =
            sys_ksm_wait(tries[i].word, tries[i].text, tries[i].text_len, buf, sizeof buf, &len);
        ot_check(r == rcAccessDenied, __LINE__, "SYS_KSM_WAIT refused to a non-KSM", "try %u: %s",
                 i, retcode_name(r));
        OT_EQ(len, 0xDEAD);
        bool untouched = true;
        for (size_t j = 0; j < sizeof buf; j++)
            untouched = untouched && buf[j] == 0xA5;
        ot_check(untouched, __LINE__, "no question was received", "try %u", i);
    }
    /* The real monitor still decides our requests: granted what the policy grants... */
    uint32_t pid = 0;
    OT_RC(own_pid(&pid), rcOk);
    OT_TRUE(pid != 0);
    /* ...and denied what it denies (AttackKsm may not create tasks). */
    CORE_CLIENT(tc, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t task = {0};
    OT_RC(core_result(kl_core_Task_Create(&tc, "impostor", "ostest.AttackKsm", "os_attack_ksm", 0,
                                          10, 0, &task, &rc),
                      &rc),
          rcSecurityDisallow);
}

int main(void)
{
    ot_begin("os_attack_ksm");
    vanishing_requesters();
    forged_answers();
    posing_as_the_monitor();
    ot_bystander_served();
    return ot_end();
}
