/*
 * os_net_switch: a stand-in NIC driver for the network stack's tests: two net.Nic interfaces,
 * on the channels "nica" and "nicb", joined like two ports of a switch with a cable each. A
 * frame transmitted on one port is received on the other, so two stack processes (os_netstack)
 * reach each other through exactly the IPC path a real driver gives them (Open's shared
 * slots, Transmit, Receive with its timeout, Release), with no device in between.
 *
 * One thread serves each port; a port's Receive waits on a futex word that the other port's
 * Transmit bumps. The process ends when both stacks have gone (each port's server ends when
 * its client closes, rcPeerClosed) or after SWITCH_LIFETIME_MS.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bastion/rights.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/mutex.h>
#include <user/start.h>
#include <user/thread.h>
#include <user/vmm.h>

#include "net/E1000.edl.h"
#include "net_priority.h"
#include "net/Nic.idl.h"
#include "ostest/NetSwitch.edl.h"

/* The stack calls net.Nic at the endpoint id of a real driver's (nic_netif.c). */
_Static_assert(ostest_NetSwitch_EP_nic == net_E1000_EP_nic, "net.Nic endpoint ids differ");

#define RX_SLOTS 16u
#define TX_SLOTS 4u
#define QUEUE_FRAMES 64u
#define SWITCH_LIFETIME_MS 120000u

struct frame {
    uint32_t len;
    uint8_t data[net_Nic_FrameMax];
};

struct port {
    const char *channel;
    uint8_t mac_last; /* the MAC is 52:54:00:00:00:<mac_last> */
    uint32_t mdl;
    uint8_t *slots;
    bool opened;
    bool rx_owned[RX_SLOTS]; /* slots the stack holds (Receive gave, Release not yet) */
    mutex_t lock;            /* guards the queue */
    struct frame queue[QUEUE_FRAMES];
    uint32_t head, count;
    volatile uint32_t arrivals; /* futex word: bumped on every queued frame */
    struct port *peer;
    struct net_Nic_Counters counters;
    struct ipc_server srv;
    _Alignas(8) uint8_t buf[2][512];
};

static struct port ports[2] = {{.channel = "nica", .mac_last = 0xa},
                               {.channel = "nicb", .mac_last = 0xb}};

static Retcode nic_open(void *ctx, idl_handle_t *buffer, uint32_t *rx_slots, uint32_t *tx_slots,
                        uint32_t *slot_size, uint64_t *mac, uint32_t *mtu, uint32_t *rc)
{
    struct port *p = ctx;
    /* A failure is an error answer (net.Nic: an answer that carries a handle must carry a real
     * one): rc holds the code and the handler returns it. */
    if (p->opened) {
        *rc = rcResourceBusy;
        return rcResourceBusy;
    }
    uint64_t size = (uint64_t)(RX_SLOTS + TX_SLOTS) * net_Nic_SlotSize, va = 0;
    Retcode r = core_mdl_create(size, BASTION_VMM_READ | BASTION_VMM_WRITE, &p->mdl);
    if (r == rcOk)
        r = core_mdl_map(p->mdl, 0, size, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va);
    if (r != rcOk) {
        *rc = (uint32_t)r;
        return r;
    }
    p->slots = (uint8_t *)(uintptr_t)va;
    p->opened = true;
    buffer->handle = p->mdl;
    buffer->rights = HR_MEMORY_MAP | HR_READ | HR_WRITE;
    *rx_slots = RX_SLOTS;
    *tx_slots = TX_SLOTS;
    *slot_size = net_Nic_SlotSize;
    *mac = 0x000000005452ull | ((uint64_t)p->mac_last << 40);
    *mtu = net_Nic_Mtu;
    return rcOk;
}

static Retcode nic_transmit(void *ctx, uint32_t slot, uint32_t length, uint32_t *rc)
{
    struct port *p = ctx, *to = p->peer;
    if (!p->opened) {
        *rc = rcNotOpen;
        return rcOk;
    }
    if (slot >= TX_SLOTS || length < net_Nic_FrameMin || length > net_Nic_FrameMax) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    *rc = rcOk;
    mutex_lock(&to->lock);
    if (to->count == QUEUE_FRAMES) {
        p->counters.txDrops++;
    } else {
        struct frame *f = &to->queue[(to->head + to->count) % QUEUE_FRAMES];
        f->len = length;
        memcpy(f->data, p->slots + (uint64_t)(RX_SLOTS + slot) * net_Nic_SlotSize, length);
        to->count++;
        p->counters.txFrames++;
        p->counters.txBytes += length;
    }
    mutex_unlock(&to->lock);
    __atomic_add_fetch(&to->arrivals, 1, __ATOMIC_RELEASE);
    core_sync_wake(&to->arrivals, 1, NULL);
    return rcOk;
}

/* Moves the oldest queued frame into a free receive slot; false if there is none or no slot. */
static bool deliver(struct port *p, uint32_t *slot, uint32_t *length)
{
    bool ok = false;
    mutex_lock(&p->lock);
    for (uint32_t s = 0; p->count && s < RX_SLOTS && !ok; s++) {
        if (p->rx_owned[s])
            continue;
        struct frame *f = &p->queue[p->head];
        memcpy(p->slots + (uint64_t)s * net_Nic_SlotSize, f->data, f->len);
        *slot = s;
        *length = f->len;
        p->rx_owned[s] = true;
        p->head = (p->head + 1) % QUEUE_FRAMES;
        p->count--;
        p->counters.rxFrames++;
        p->counters.rxBytes += f->len;
        ok = true;
    }
    mutex_unlock(&p->lock);
    return ok;
}

static Retcode nic_release(void *ctx, uint32_t slot, uint32_t *rc);

static Retcode nic_receive(void *ctx, uint32_t timeout_ms, uint32_t release, uint32_t *slot,
                           uint32_t *length, uint32_t *rc)
{
    struct port *p = ctx;
    if (!p->opened) {
        *rc = rcNotOpen;
        return rcOk;
    }
    /* The slot the stack gives back first, as the driver does (net.Nic.Receive). */
    if (release != net_Nic_NoSlot && (nic_release(ctx, release, rc), *rc != rcOk))
        return rcOk;
    for (;;) {
        uint32_t seen = __atomic_load_n(&p->arrivals, __ATOMIC_ACQUIRE);
        if (deliver(p, slot, length)) {
            *rc = rcOk;
            return rcOk;
        }
        Retcode r = core_sync_wait(&p->arrivals, seen,
                                   timeout_ms ? timeout_ms : kl_core_Types_InfiniteTimeout);
        if (r == rcTimeout) {
            *rc = rcTimeout;
            return rcOk;
        }
    }
}

static Retcode nic_release(void *ctx, uint32_t slot, uint32_t *rc)
{
    struct port *p = ctx;
    mutex_lock(&p->lock);
    bool owned = slot < RX_SLOTS && p->rx_owned[slot];
    if (owned)
        p->rx_owned[slot] = false;
    mutex_unlock(&p->lock);
    *rc = owned ? rcOk : rcInvalidArgument;
    return rcOk;
}

static Retcode nic_status(void *ctx, uint32_t *link_up, struct net_Nic_Counters *counters,
                          uint32_t *rc)
{
    struct port *p = ctx;
    *link_up = 1;
    *counters = p->counters;
    *rc = rcOk;
    return rcOk;
}

static const struct net_Nic_ops nic_ops = {.Open = nic_open,
                                           .Transmit = nic_transmit,
                                           .Receive = nic_receive,
                                           .Release = nic_release,
                                           .GetStatus = nic_status};

static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK || h.endpoint_id != ostest_NetSwitch_EP_nic)
        return rcBadMessage;
    return net_Nic_dispatch(&nic_ops, ctx, req, len, res, cap, res_len);
}

static int serve_port(void *arg)
{
    struct port *p = arg;
    p->srv.dispatch = dispatch;
    p->srv.ctx = p;
    p->srv.buf[0] = p->buf[0];
    p->srv.buf[1] = p->buf[1];
    p->srv.cap = sizeof p->buf[0];
    if (start_connection(p->channel, &p->srv.listener) != rcOk) {
        printf("os_net_switch: no listener %s\n", p->channel);
        return 1;
    }
    Retcode r = ipc_serve(&p->srv);
    return r == rcOk ? 0 : 2;
}

int main(void)
{
    net_test_lower_priority(); /* this thread only sleeps; its ports' threads matter */
    ports[0].peer = &ports[1];
    ports[1].peer = &ports[0];
    struct thread t[2];
    for (int i = 0; i < 2; i++) {
        if (thread_create(&t[i], serve_port, &ports[i], NET_TEST_PRIORITY, 0) != rcOk) {
            printf("os_net_switch: cannot start the thread of %s\n", ports[i].channel);
            return 1;
        }
    }
    /* The stacks exit when their test is done; the switch is then no longer needed. */
    core_thread_sleep(SWITCH_LIFETIME_MS);
    printf("os_net_switch: a: %llu frames sent, b: %llu frames sent\n",
           (unsigned long long)ports[0].counters.txFrames,
           (unsigned long long)ports[1].counters.txFrames);
    return 0;
}
