/* Net.Nic served over the e1000 (nic.h). */
#include <stdio.h>
#include <string.h>

#include <bastion/rights.h>
#include <bastion/vmm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/syscall.h>
#include <user/vmm.h>

#include "kl/core/Handle.idl.h"
#include "kl/core/IO.idl.h"
#include "net/E1000.edl.h"
#include "frame_hook.h"
#include "nic.h"

#define SLOT_BUFFER_SIZE ((NIC_RX_SLOTS + NIC_TX_SLOTS) * net_Nic_SlotSize)
#define MSG_MAX 512u
#define TICK_MS 10u /* how often the interrupt thread looks at Receive's timeout */

/* What the stack may do with the slot buffer: map it read-write. Not pass it on. */
#define STACK_RIGHTS (HR_READ | HR_WRITE | HR_MEMORY_MAP)

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | (uint64_t)hi << 32;
}

static Retcode handle_close(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

static Retcode handle_copy(uint32_t from, uint32_t rights, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    Retcode r =
        core_result(kl_core_Handle_Copy(&cl, core_handle_arg(from), rights,
                                        core_handle_arg(kl_core_Types_InvalidHandleValue), &h, &rc),
                    &rc);
    *out = r == rcOk ? h.handle : 0;
    return r;
}

/* Under the lock: whether the session's stack is gone (nic.h). A waiting Receive is asked:
 * its deadline set to now, so that the interrupt thread's next tick answers it rcTimeout, and
 * a stack that ended in it shows as a lost answer by the next Open. */
static bool session_gone(struct nic *n)
{
    if (n->answer_lost)
        return true;
    if (n->waiting) {
        n->deadline = 1; /* the past: answered at the next tick */
        return false;
    }
    return rdtsc() - n->last_call > (uint64_t)NIC_SESSION_IDLE_MS * n->tsc_per_ms;
}

/* Under the lock: forgets the gone stack: its waiting Receive (nobody to answer), its receive
 * slots, and the buffer it had (unmapped here, our handle closed: the buffer goes with the
 * last mapping of it, which a silent stack may still hold). */
static void session_end(struct nic *n)
{
    n->waiting = false;
    n->rx_owned = 0;
    if (n->mdl != 0) {
        (void)core_vmm_free((uint64_t)(uintptr_t)n->slots, SLOT_BUFFER_SIZE);
        (void)handle_close(n->mdl);
        n->mdl = 0;
        n->slots = NULL;
    }
    n->open = false;
    printf("e1000: the stack of session %u is gone (%s); the next Open is taken\n", n->session,
           n->answer_lost ? "an answer to it was lost" : "silent");
}

/* The shared buffer, made at the first Open of each session; the stack gets a copy of the
 * handle with STACK_RIGHTS (and HR_TRANSFER, which the reply uses to move it and which the
 * rights the reply names leave behind). */
static Retcode nic_open(void *ctx, idl_handle_t *buffer, uint32_t *rx_slots, uint32_t *tx_slots,
                        uint32_t *slot_size, uint64_t *mac, uint32_t *mtu, uint32_t *rc)
{
    struct nic *n = ctx;
    /* A failure goes back as Open's error answer: the code in rc, no handle. */
    if (n->open) {
        if (!session_gone(n)) {
            *rc = rcResourceBusy;
            return rcResourceBusy;
        }
        session_end(n);
    }
    uint32_t copy = 0;
    Retcode r = rcOk;
    if (n->mdl == 0) {
        uint64_t va = 0;
        r = core_mdl_create(SLOT_BUFFER_SIZE, BASTION_VMM_READ | BASTION_VMM_WRITE, &n->mdl);
        if (r == rcOk)
            r = core_mdl_map(n->mdl, 0, SLOT_BUFFER_SIZE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE,
                             &va);
        if (r != rcOk) {
            n->mdl = 0; /* the next Open tries again; a handle left behind goes at exit */
            *rc = (uint32_t)r;
            return r;
        }
        n->slots = (uint8_t *)(uintptr_t)va;
    }
    if ((r = handle_copy(n->mdl, STACK_RIGHTS | HR_TRANSFER, &copy)) != rcOk) {
        *rc = (uint32_t)r;
        return r;
    }
    *buffer = (idl_handle_t){.handle = copy, .rights = STACK_RIGHTS};
    *rx_slots = NIC_RX_SLOTS;
    *tx_slots = NIC_TX_SLOTS;
    *slot_size = net_Nic_SlotSize;
    *mac = n->hw->mac;
    *mtu = net_Nic_Mtu;
    n->open = true;
    n->rx_owned = 0;
    n->session++;
    n->answer_lost = false;
    n->last_call = rdtsc();
    return rcOk;
}

static Retcode nic_transmit(void *ctx, uint32_t slot, uint32_t length, uint32_t *rc)
{
    struct nic *n = ctx;
    n->last_call = rdtsc();
    if (!n->open)
        *rc = rcNotOpen;
    else if (slot >= NIC_TX_SLOTS || length < net_Nic_FrameMin || length > net_Nic_FrameMax)
        *rc = rcInvalidArgument;
    else
        /* The one copy: from the shared slot, which the stack may still be writing, into the
         * driver's own DMA buffer, which only the driver writes and the device reads. */
        *rc =
            (uint32_t)e1000_tx(n->hw, n->slots + (NIC_RX_SLOTS + slot) * net_Nic_SlotSize, length);
    return rcOk;
}

static int free_rx_slot(const struct nic *n)
{
    for (uint32_t i = 0; i < NIC_RX_SLOTS; i++)
        if (!(n->rx_owned & 1ull << i))
            return (int)i;
    return -1;
}

/* The next good frame into a free receive slot, if there is both. */
static bool take_frame(struct nic *n, uint32_t *slot, uint32_t *length)
{
    const uint8_t *frame;
    uint32_t len;
    int free = free_rx_slot(n);
    if (free < 0 || !e1000_rx_peek(n->hw, &frame, &len))
        return false;
    if (len > net_Nic_SlotSize)
        len = net_Nic_SlotSize; /* never: the device's buffers are no larger than a slot */
    /* The one copy on the way in: the stack never sees the DMA buffer. */
    memcpy(n->slots + (uint32_t)free * net_Nic_SlotSize, frame, len);
    e1000_rx_next(n->hw);
    e1000_frame_hook(n->hw->counters.rxFrames);
    n->rx_owned |= 1ull << free;
    *slot = (uint32_t)free;
    *length = len;
    return true;
}

/* Under the lock: gives receive slot `slot` back; false when the stack does not own it. */
static bool give_back(struct nic *n, uint32_t slot)
{
    if (slot >= NIC_RX_SLOTS || !(n->rx_owned & 1ull << slot))
        return false;
    n->rx_owned &= ~(1ull << slot);
    return true;
}

static Retcode nic_receive(void *ctx, uint32_t timeout_ms, uint32_t release, uint32_t *slot,
                           uint32_t *length, uint32_t *rc)
{
    struct nic *n = ctx;
    *slot = *length = 0;
    *rc = rcOk;
    n->last_call = rdtsc();
    if (!n->open)
        *rc = rcNotOpen;
    else if (n->waiting && !n->replay)
        *rc = rcResourceBusy;
    /* The release happens once, when the request first comes; a replay of the kept request
     * (complete_waiting) finds the slot given back already. */
    else if (!n->replay && release != net_Nic_NoSlot && !give_back(n, release))
        *rc = rcInvalidArgument;
    else if (take_frame(n, slot, length))
        *rc = rcOk;
    else if (n->replay)
        *rc = rcTimeout; /* replayed without a frame: only when the time ran out */
    else {
        n->defer = true;
        n->deadline = timeout_ms == 0 ? 0 : rdtsc() + (uint64_t)timeout_ms * n->tsc_per_ms;
    }
    return rcOk;
}

static Retcode nic_release(void *ctx, uint32_t slot, uint32_t *rc)
{
    struct nic *n = ctx;
    n->last_call = rdtsc();
    if (!n->open)
        *rc = rcNotOpen;
    else
        *rc = give_back(n, slot) ? rcOk : rcInvalidArgument;
    return rcOk;
}

static Retcode nic_get_status(void *ctx, uint32_t *link_up, struct net_Nic_Counters *counters,
                              uint32_t *rc)
{
    struct nic *n = ctx;
    n->last_call = rdtsc();
    e1000_account(n->hw);
    *link_up = e1000_link_up(n->hw);
    *counters = n->hw->counters;
    *rc = rcOk;
    return rcOk;
}

static const struct net_Nic_ops nic_ops = {
    .Open = nic_open,
    .Transmit = nic_transmit,
    .Receive = nic_receive,
    .Release = nic_release,
    .GetStatus = nic_get_status,
};

static Retcode dispatch(struct nic *n, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK || h.endpoint_id != net_E1000_EP_nic)
        return rcBadMessage;
    return net_Nic_dispatch(&nic_ops, n, req, len, res, cap, res_len);
}

/* Under the lock: answers the waiting Receive into out when a frame and a free slot are there
 * or its time ran out. false when it still waits (or none does). */
static bool complete_waiting(struct nic *n, struct nic_reply *out)
{
    if (!n->waiting)
        return false;
    const uint8_t *frame;
    uint32_t len;
    bool ready = free_rx_slot(n) >= 0 && e1000_rx_peek(n->hw, &frame, &len);
    bool expired = n->deadline != 0 && rdtsc() >= n->deadline;
    if (!ready && !expired)
        return false;
    n->replay = true;
    Retcode r = dispatch(n, n->req, n->req_len, out->buf, sizeof out->buf, &out->len);
    n->replay = false;
    n->waiting = false;
    out->token = n->token;
    out->session = n->session;
    if (r != rcOk)
        out->len = ipc_error_header(n->req, n->req_len, out->buf, sizeof out->buf);
    return true;
}

/* Sends an answer of session `session`; a lost one (its caller ended) ends that session. */
static void answer(struct nic *n, uint32_t session, uint64_t token, const void *buf, size_t len)
{
    if (ipc_reply(token, buf, len) != rcReplyLost)
        return; /* sent, or a failure that is the caller's own business */
    mutex_lock(&n->lock);
    if (n->open && n->session == session)
        n->answer_lost = true;
    mutex_unlock(&n->lock);
}

Retcode nic_serve(struct nic *n, uint32_t listener)
{
    static _Alignas(8) uint8_t req[MSG_MAX], res[MSG_MAX];
    for (;;) {
        size_t len = 0, res_len = 0;
        uint64_t token = 0;
        Retcode r = ipc_recv(listener, req, sizeof req, &len, &token, IPC_FOREVER);
        if (r == rcBufferTooSmall)
            continue; /* no method of net.Nic is that large: not answered, the caller waits */
        if (r != rcOk)
            return r;
        struct nic_reply done;
        mutex_lock(&n->lock);
        n->defer = false;
        r = dispatch(n, req, len, res, sizeof res, &res_len);
        bool kept = r == rcOk && n->defer && len <= sizeof n->req;
        if (kept) {
            memcpy(n->req, req, len);
            n->req_len = len;
            n->token = token;
            n->waiting = true;
        }
        /* A Release may free the slot a waiting Receive needs. */
        bool completed = complete_waiting(n, &done);
        uint32_t session = n->session; /* an Open's answer belongs to the session it began */
        mutex_unlock(&n->lock);
        if (!kept) {
            if (r != rcOk)
                res_len = ipc_error_header(req, len, res, sizeof res);
            answer(n, session, token, res, res_len);
        }
        if (completed)
            answer(n, done.session, done.token, done.buf, done.len);
    }
}

static Retcode irq_call(uint32_t h, Retcode (*proxy)(struct idl_client *, idl_handle_t,
                                                     kl_core_Types_Retcode *))
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(proxy(&cl, core_handle_arg(h), &rc), &rc);
}

/* This thread becomes the handler of the line Einit registered for us. */
static Retcode irq_attach(uint32_t irq, uint32_t *delivery)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_IO_AttachIrq(&cl, core_handle_arg(irq), 0, &out, &rc), &rc);
    *delivery = out.handle;
    return r;
}

Retcode nic_interrupts(struct nic *n, uint32_t irq)
{
    uint32_t delivery = 0;
    Retcode r = irq_attach(irq, &delivery);
    if (r != rcOk)
        return r;
    for (;;) {
        uint64_t msg[8];
        size_t len = 0;
        uint64_t token = 0;
        r = sys_recv(delivery, msg, sizeof msg, &len, &token, TICK_MS);
        if (r != rcOk && r != rcTimeout)
            return r;
        struct nic_reply done;
        mutex_lock(&n->lock);
        uint32_t causes = 0;
        if (r == rcOk) {
            /* Reading the causes lowers the level-triggered line; then it may fire again. */
            causes = e1000_interrupt_causes(n->hw);
            e1000_account(n->hw);
        }
        bool completed = complete_waiting(n, &done);
        mutex_unlock(&n->lock);
        if (r == rcOk && n->interrupts++ == 0) /* once: the line works (the test reads it) */
            printf("e1000: first interrupt, causes 0x%x\n", causes);
        if (r == rcOk && (r = irq_call(irq, kl_core_IO_EnableIrq)) != rcOk)
            return r;
        if (completed)
            answer(n, done.session, done.token, done.buf, done.len);
    }
}
