/*
 * The lwIP netif over net.Nic: frames are copied between lwIP's pbufs and the slots of the
 * buffer the driver shares (Open), one Transmit per sent frame, one Receive per received one
 * (the slot of a frame goes back to the driver with the next Receive, not by a Release of its
 * own: one round trip per frame, not two).
 *
 * Invariants: only the stack's one thread calls in here (NO_SYS); a receive slot is read only
 * between the Receive that handed it over and the copy into a pbuf, which comes before the
 * frame goes to lwIP, so the driver never waits for lwIP to finish with it; the slot is given
 * back by the next Receive (nic.release), which the loop calls at once; the
 * transmit slots are used in turn, and a slot is free again as soon as Transmit answers (the
 * driver copied the frame), so one slot would do and the rest are headroom.
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/vmm.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "netif/ethernet.h"

#include "net/E1000.edl.h"
#include "net/Nic.idl.h"
#include "nic_netif.h"

#define NIC_MSG_CAP 256u

static struct {
    struct ipc_channel ch;
    /* Two clients on the one channel, each with its own buffers: cl for what lwIP sends
     * (Transmit) and the link checks, rx_cl for the loop's Receive and Release, so that a
     * thread sending under the stack's lock never shares a buffer with the loop's thread
     * waiting in Receive without it (socket_server.h). */
    struct idl_client cl, rx_cl;
    _Alignas(8) uint8_t req[NIC_MSG_CAP];
    _Alignas(8) uint8_t res[NIC_MSG_CAP];
    _Alignas(8) uint8_t rx_req[NIC_MSG_CAP];
    _Alignas(8) uint8_t rx_res[NIC_MSG_CAP];
    uint8_t *slots; /* rx slots, then tx slots */
    uint32_t rx_slots, tx_slots, slot_size, next_tx;
    uint32_t release; /* the receive slot the next Receive gives back; net_Nic_NoSlot: none */
    struct nic_netif_counts counts;
} nic;

/* The outcome of a net.Nic call: the transport's failure, else the method's rc. rc is taken
 * by address: C leaves the order of a call's argument evaluations open, so a value argument
 * could be read before the proxy wrote it. */
static Retcode nic_result(Retcode call, const uint32_t *rc)
{
    return call != rcOk ? call : (Retcode)*rc;
}

static err_t nic_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    if (p->tot_len > nic.slot_size || p->tot_len > net_Nic_FrameMax)
        return ERR_BUF;
    uint32_t slot = nic.next_tx;
    nic.next_tx = (nic.next_tx + 1) % nic.tx_slots;
    uint8_t *dst = nic.slots + (uint64_t)(nic.rx_slots + slot) * nic.slot_size;
    pbuf_copy_partial(p, dst, p->tot_len, 0);
    uint32_t rc = rcFail;
    if (nic_result(net_Nic_Transmit(&nic.cl, slot, p->tot_len, &rc), &rc) != rcOk) {
        nic.counts.tx_refused++;
        LINK_STATS_INC(link.err);
        LINK_STATS_INC(link.drop);
        return ERR_IF;
    }
    nic.counts.tx++;
    LINK_STATS_INC(link.xmit); /* lwIP's link counters are the interface's to keep */
    return ERR_OK;
}

static err_t nic_netif_init(struct netif *netif)
{
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = nic_linkoutput;
    netif->flags |= NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    return ERR_OK;
}

/* Says which step of bringing the interface up failed; returns r. */
static Retcode nic_failed(const char *channel, const char *step, Retcode r)
{
    printf("netstack: interface on %s: %s failed: %s\n", channel, step, retcode_name(r));
    return r;
}

Retcode nic_netif_add(struct netif *netif, const char *channel)
{
    Retcode r = ipc_connect(&nic.ch, channel);
    if (r != rcOk)
        return nic_failed(channel, "finding the channel", r);
    ipc_client_init(&nic.cl, &nic.ch, net_E1000_EP_nic, nic.req, sizeof nic.req, nic.res,
                    sizeof nic.res);
    ipc_client_init(&nic.rx_cl, &nic.ch, net_E1000_EP_nic, nic.rx_req, sizeof nic.rx_req,
                    nic.rx_res, sizeof nic.rx_res);
    idl_handle_t buffer = {.handle = 0, .rights = 0};
    uint64_t mac = 0;
    uint32_t mtu = 0, rc = rcFail;
    /* Open answers a failure with an error answer (one that carries a handle must carry a
     * real one): the proxy then returns rcFail and rc holds the driver's code; on success rc
     * is not written. */
    Retcode call = net_Nic_Open(&nic.cl, &buffer, &nic.rx_slots, &nic.tx_slots, &nic.slot_size,
                                &mac, &mtu, &rc);
    r = call == rcOk ? rcOk : (rc != (uint32_t)rcFail ? (Retcode)rc : call);
    if (r != rcOk)
        return nic_failed(channel, "net.Nic.Open", r);
    /* The driver is trusted to describe its buffer, but a wrong description must not make the
     * stack read or write past it: the slots have to fit in what the kernel says it holds. */
    uint64_t size = 0;
    if ((r = core_mdl_get_size(buffer.handle, &size)) != rcOk)
        return nic_failed(channel, "VMM.MdlGetSize of the slots", r);
    if (nic.rx_slots == 0 || nic.tx_slots == 0 || nic.slot_size < net_Nic_FrameMax ||
        (uint64_t)(nic.rx_slots + nic.tx_slots) * nic.slot_size > size)
        return nic_failed(channel, "checking the slots against the buffer", rcBadMessage);
    uint64_t va = 0;
    r = core_mdl_map(buffer.handle, 0, size, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va);
    if (r != rcOk)
        return nic_failed(channel, "VMM.MdlMap of the slots", r);
    nic.slots = (uint8_t *)(uintptr_t)va;
    nic.release = net_Nic_NoSlot;

    if (!netif_add(netif, NULL, NULL, NULL, NULL, nic_netif_init, ethernet_input))
        return nic_failed(channel, "lwIP's netif_add", rcFail);
    for (int i = 0; i < ETH_HWADDR_LEN; i++)
        netif->hwaddr[i] = (uint8_t)(mac >> (8 * i));
    netif->mtu = (u16_t)(mtu < 576 || mtu > net_Nic_Mtu ? net_Nic_Mtu : mtu);
    netif_set_up(netif);

    nic_netif_check_link(netif);
    return rcOk;
}

Retcode nic_netif_driver_status(uint32_t *link_up, struct net_Nic_Counters *counters)
{
    uint32_t rc = rcFail;
    return nic_result(net_Nic_GetStatus(&nic.cl, link_up, counters, &rc), &rc);
}

Retcode nic_netif_check_link(struct netif *netif)
{
    uint32_t link = 0;
    struct net_Nic_Counters counters;
    Retcode r = nic_netif_driver_status(&link, &counters);
    if (r != rcOk)
        return r;
    if (link && !netif_is_link_up(netif))
        netif_set_link_up(netif); /* DHCP starts (or restarts) on this */
    else if (!link && netif_is_link_up(netif))
        netif_set_link_down(netif);
    return rcOk;
}

Retcode nic_netif_wait(uint32_t timeout_ms, uint32_t *slot, uint32_t *len)
{
    uint32_t rc = rcFail, give = nic.release;
    nic.release = net_Nic_NoSlot; /* given back by this call, whatever it answers */
    Retcode r = nic_result(
        net_Nic_Receive(&nic.rx_cl, timeout_ms ? timeout_ms : 1, give, slot, len, &rc), &rc);
    if (r != rcOk)
        return r;
    if (*slot >= nic.rx_slots || *len > nic.slot_size)
        return rcBadMessage; /* a driver's answer that points outside its own receive slots */
    return rcOk;
}

Retcode nic_netif_take(struct netif *netif, uint32_t slot, uint32_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p)
        pbuf_take(p, nic.slots + (uint64_t)slot * nic.slot_size, (u16_t)len);
    nic.release = slot; /* done with it: the next Receive gives it back */
    if (!p) {
        nic.counts.rx_no_pbuf++;
        LINK_STATS_INC(link.memerr);
        LINK_STATS_INC(link.drop);
        return rcOk;
    }
    nic.counts.rx++;
    LINK_STATS_INC(link.recv);
    if (netif->input(p, netif) != ERR_OK)
        pbuf_free(p);
    return rcOk;
}

Retcode nic_netif_poll(struct netif *netif, uint32_t timeout_ms)
{
    uint32_t slot = 0, len = 0;
    Retcode r = nic_netif_wait(timeout_ms, &slot, &len);
    return r != rcOk ? r : nic_netif_take(netif, slot, len);
}

void nic_netif_counts(struct nic_netif_counts *out)
{
    *out = nic.counts;
}
