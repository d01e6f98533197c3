/*
 * os_ipc_interrupt (class ostest.IpcInterrupt): kl.core.IPC's synchronization objects interrupt
 * this process's own blocking Call and Recv, and leave both sides of the exchange clean.
 *
 * Channels (init.yaml): "loop", one to itself, of which Einit names only its listener (nobody
 * calls it: a Recv on it waits), and "intr", to a probe server of its own (IntrServer, one
 * thread), which a Delay call keeps busy so that a second call waits for the server to receive
 * it. Checks:
 *   - a thread blocked in Recv on "loop" and one whose Echo waits behind a Delay on "intr" are
 *     both woken with rcInterrupted by SetInterrupt from the main thread; the Delay call, which
 *     the server had already received, is not interrupted and gets its answer (the spec: only
 *     a Call waiting for the server's Recv is interrupted);
 *   - while the object is set, a Call and a Recv that would wait return rcInterrupted at once;
 *   - after ClearInterrupt they wait again: a Recv times out, a call waits behind another Delay
 *     and is answered; the server never saw the interrupted calls (no reply of its was lost)
 *     and still answers;
 *   - closing a set object clears it; another type of handle is refused; the handle carries no
 *     HR_TRANSFER.
 */
#include <string.h>

#include <bastion/rights.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "ipc_sync_calls.h"
#include "ostest.h"
#include "ostest/ProbeServer.edl.h"

#define MSG_MAX 512u
#define WAIT_MS 10000u    /* the blocked threads' own bound: the test fails, it does not hang */
#define SHORT_MS 200u     /* a wait that must time out */
#define BUSY_MS 10000u    /* how long a Delay keeps IntrServer from receiving */
#define SETTLE_MS 1000u   /* long enough for a thread that is about to call to be in its call */
#define STARTUP_MS 60000u /* IntrServer starts with everything else: on a loaded host, late */

static uint32_t loop_listener;
static struct ipc_channel intr_ch;

/* One thread's outcome: done once it returned, rc what it got. */
struct outcome {
    volatile int done;
    volatile Retcode rc;
};

static struct outcome recv_out, echo_out, delay_out;
static volatile uint32_t delay_ms, delay_slept;
static volatile int delay_calling; /* set by the Delay thread right before its call */

/* A client of "intr" on our channel with its own buffers and timeout. */
struct intr_client {
    _Alignas(8) uint8_t req[MSG_MAX], res[MSG_MAX];
    struct ipc_channel ch;
    struct idl_client cl;
};

static void client_init(struct intr_client *c, uint32_t timeout_ms)
{
    c->ch = intr_ch;
    c->ch.timeout_ms = timeout_ms;
    ipc_client_init(&c->cl, &c->ch, ostest_ProbeServer_EP_probe, c->req, sizeof c->req, c->res,
                    sizeof c->res);
}

/* Echo of 3 bytes on "intr", waiting at most ms; the call's code. */
static Retcode echo_intr(uint32_t ms)
{
    struct intr_client c;
    client_init(&c, ms);
    static const uint8_t data[3] = {1, 2, 3};
    struct idl_seq back = {0};
    uint64_t served = 0;
    Retcode r =
        ostest_Probe_Echo(&c.cl, (struct idl_seq){.data = data, .count = 3}, &back, &served);
    if (r == rcOk && (back.count != 3 || memcmp(back.data, data, 3) != 0))
        r = rcBadMessage;
    return r;
}

static Retcode stats_intr(uint64_t *lost)
{
    struct intr_client c;
    client_init(&c, WAIT_MS);
    uint64_t served = 0, refused = 0;
    uint32_t idle = 0;
    return ostest_Probe_Stats(&c.cl, &served, lost, &idle, &refused);
}

static int receiver(void *arg)
{
    (void)arg;
    _Alignas(8) uint8_t buf[MSG_MAX];
    size_t len;
    uint64_t token;
    recv_out.rc = ipc_recv(loop_listener, buf, sizeof buf, &len, &token, WAIT_MS);
    recv_out.done = 1;
    return 0;
}

static int echoer(void *arg)
{
    (void)arg;
    echo_out.rc = echo_intr(WAIT_MS);
    echo_out.done = 1;
    return 0;
}

static int delayer(void *arg)
{
    (void)arg;
    struct intr_client c;
    client_init(&c, WAIT_MS + BUSY_MS);
    uint32_t slept = 0;
    delay_calling = 1;
    delay_out.rc = ostest_Probe_Delay(&c.cl, delay_ms, &slept);
    delay_slept = slept;
    delay_out.done = 1;
    return 0;
}

static bool start(struct thread *t, thread_fn fn)
{
    return OT_RC(thread_create(t, fn, NULL, THREAD_PRIO_DEFAULT, 0), rcOk);
}

static void join(struct thread *t)
{
    int code = -1;
    OT_RC(thread_join(t, WAIT_MS + 2 * BUSY_MS, &code), rcOk);
}

static Retcode recv_loop(uint32_t ms)
{
    _Alignas(8) static uint8_t buf[MSG_MAX];
    size_t len;
    uint64_t token;
    return ipc_recv(loop_listener, buf, sizeof buf, &len, &token, ms);
}

/* ---- the checks ---------------------------------------------------------------------------- */

/* Set: the waiting Recv and the queued Echo end with rcInterrupted, the received Delay does
 * not; a Call and a Recv that would wait return at once. Leaves the object set. */
static void interrupt_blocked(uint32_t sync)
{
    struct thread d, r, e;
    /* The server is up and, having answered, waits in Recv: the Delay is handed to it at once
     * (as received as a call can be) when its thread calls. */
    if (!OT_RC(echo_intr(STARTUP_MS), rcOk))
        return;
    delay_ms = BUSY_MS;
    if (!start(&d, delayer))
        return;
    for (int i = 0; i < 1000 && !delay_calling; i++)
        core_thread_sleep(10);
    OT_TRUE(delay_calling);
    core_thread_sleep(SETTLE_MS); /* the Delay is in the server */
    bool started = start(&r, receiver);
    started &= start(&e, echoer);
    if (!started) {
        join(&d);
        return;
    }
    core_thread_sleep(SETTLE_MS); /* both wait: for a request, for the busy server */
    OT_TRUE(!recv_out.done && !echo_out.done && !delay_out.done);
    OT_RC(ipc_sync_set(sync), rcOk);
    join(&r);
    join(&e);
    OT_RC(recv_out.rc, rcInterrupted);
    OT_RC(echo_out.rc, rcInterrupted);
    /* The server is still busy with the Delay: a call now would wait for it, and a Recv on
     * "loop" for a request; both return at once (rcTimeout would mean they waited WAIT_MS).
     * Setting again changes nothing. */
    OT_TRUE(!delay_out.done);
    OT_RC(ipc_sync_set(sync), rcOk);
    OT_RC(echo_intr(WAIT_MS), rcInterrupted);
    OT_RC(recv_loop(WAIT_MS), rcInterrupted);
    /* The received Delay was not interrupted: it gets its answer. */
    join(&d);
    OT_RC(delay_out.rc, rcOk);
    OT_EQ(delay_slept, BUSY_MS);
}

/* Cleared: waits block again and calls are answered; the server lost no reply. */
static void after_clear(uint32_t sync)
{
    OT_RC(ipc_sync_clear(sync), rcOk);
    OT_RC(ipc_sync_clear(sync), rcOk);
    OT_RC(recv_loop(SHORT_MS), rcTimeout);
    /* An Echo behind a 1 s Delay waits for it, and is answered. */
    struct thread d;
    delay_out = (struct outcome){0};
    delay_ms = 1000;
    if (start(&d, delayer)) {
        core_thread_sleep(SETTLE_MS / 2);
        OT_RC(echo_intr(WAIT_MS), rcOk);
        join(&d);
        OT_RC(delay_out.rc, rcOk);
    }
    uint64_t lost = 99;
    OT_RC(stats_intr(&lost), rcOk);
    OT_EQ(lost, 0); /* the interrupted calls never reached it */
    OT_RC(echo_intr(WAIT_MS), rcOk);
}

/* Closing a set object clears it; with a second object set, clearing one is not enough. */
static void close_clears(uint32_t sync)
{
    idl_handle_t other;
    if (!OT_RC(ipc_sync_create(&other), rcOk))
        return;
    OT_RC(ipc_sync_set(sync), rcOk);
    OT_RC(ipc_sync_set(other.handle), rcOk);
    OT_RC(ipc_sync_clear(sync), rcOk);
    OT_RC(recv_loop(WAIT_MS), rcInterrupted);
    ot_close_handles(&other.handle, 1);
    OT_RC(recv_loop(SHORT_MS), rcTimeout);
    OT_RC(ipc_sync_set(other.handle), rcBadHandle);
}

int main(void)
{
    ot_begin("os_ipc_interrupt");
    if (!OT_RC(start_connection("loop", &loop_listener), rcOk) ||
        !OT_RC(ipc_connect(&intr_ch, "intr"), rcOk))
        return ot_end();
    /* "loop" is the listener: a Recv on it waits (and times out). */
    OT_RC(recv_loop(1), rcTimeout);
    idl_handle_t sync;
    if (!OT_RC(ipc_sync_create(&sync), rcOk))
        return ot_end();
    OT_EQ(sync.rights & HR_TRANSFER, 0);
    OT_EQ(sync.rights, HR_IPC_SYNC_FULL);
    interrupt_blocked(sync.handle);
    after_clear(sync.handle);
    close_clears(sync.handle);
    /* A handle of another type is refused. */
    OT_RC(ipc_sync_set(loop_listener), rcBadHandle);
    ot_close_handles(&sync.handle, 1);
    return ot_end();
}
