/*
 * net_client: the e1000 driver's first client on the network test image (net.yaml), as a
 * network stack would use it. It opens the interface (net.Nic.Open: the shared slot buffer,
 * the MAC address), maps the slots, and talks to QEMU's user network (slirp, gateway
 * 10.0.2.2) from 10.0.2.15 with frames it builds itself:
 *   - an ARP request for 10.0.2.2: the reply must be opcode 2, from 10.0.2.2 to us, with the
 *     gateway's MAC (slirp's 52:55:0a:00:02:02) as sender and ours as target;
 *   - an ICMP echo request to 10.0.2.2: the reply must be an echo reply from 10.0.2.2 with the
 *     same identifier, sequence and payload and a correct checksum.
 * Then the refusals of the interface (a second Open, slots and lengths out of range, a slot not
 * owned) and the counters: link up, at least the frames sent and received here.
 * ARP requests for 10.0.2.15 that come in meanwhile are answered, as a stack would.
 */
#include <string.h>

#include <bastion/vmm.h>
#include <user/ipc.h>
#include <user/vmm.h>

#include "net/E1000.edl.h"
#include "net/Nic.idl.h"
#include "ostest.h"

#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define WAIT_MS 2000u
#define PING_PAYLOAD 32u

static const uint8_t our_ip[4] = {10, 0, 2, 15};
static const uint8_t gw_ip[4] = {10, 0, 2, 2};
static const uint8_t gw_mac[6] = {0x52, 0x55, 10, 0, 2, 2}; /* slirp's address of its hosts */

static struct idl_client cl;
static uint8_t mac[6];
static uint8_t *slots;
static uint32_t rx_slots, tx_slots, slot_size;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Internet checksum (RFC 1071) of n bytes. */
static uint16_t inet_sum(const uint8_t *p, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i + 1 < n; i += 2)
        s += get16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

static uint8_t *tx_slot(uint32_t i)
{
    return slots + (rx_slots + i) * slot_size;
}

static Retcode transmit(uint32_t slot, uint32_t len)
{
    uint32_t rc = rcFail;
    Retcode r = net_Nic_Transmit(&cl, slot, len, &rc);
    return r != rcOk ? r : (Retcode)rc;
}

static uint32_t build_eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, mac, 6);
    put16(f + 12, type);
    return 14;
}

static uint32_t build_arp(uint8_t *f, uint16_t op, const uint8_t *dst_mac, const uint8_t *tha,
                          const uint8_t *tpa)
{
    uint32_t n = build_eth(f, dst_mac, 0x0806);
    uint8_t *a = f + n;
    put16(a, 1);          /* Ethernet */
    put16(a + 2, 0x0800); /* IPv4 */
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, mac, 6);
    memcpy(a + 14, our_ip, 4);
    memcpy(a + 18, tha, 6);
    memcpy(a + 24, tpa, 4);
    return n + 28;
}

/* An ARP request for our address: answered (slirp asks before it sends to us). */
static bool answer_arp(const uint8_t *f, uint32_t len)
{
    if (len < 42 || get16(f + 12) != 0x0806 || get16(f + 20) != 1 || memcmp(f + 38, our_ip, 4))
        return false;
    uint8_t *t = tx_slot(1);
    uint32_t n = build_arp(t, 2, f + 22, f + 22, f + 28);
    OT_RC(transmit(1, n), rcOk);
    return true;
}

typedef bool (*frame_match)(const uint8_t *f, uint32_t len);

/* The frame receive_until accepted, copied out of its slot before the slot went back. */
static uint8_t got[net_Nic_SlotSize];
static uint32_t got_len;

/* Receives until a frame that match accepts (copied into got), at most 20 frames or timeouts.
 * Each Receive gives the previous frame's slot back, as the stack does; the last slot goes back
 * by Release. */
static bool receive_until(frame_match match, const char *what)
{
    uint32_t held = net_Nic_NoSlot;
    bool ok = false;
    for (uint32_t tries = 0; tries < 20 && !ok; tries++) {
        uint32_t slot = 0, len = 0, rc = rcFail;
        Retcode r = net_Nic_Receive(&cl, WAIT_MS / 4, held, &slot, &len, &rc);
        if (r == rcOk && ((Retcode)rc == rcOk || (Retcode)rc == rcTimeout))
            held = net_Nic_NoSlot; /* given back before the wait */
        if (r == rcOk && (Retcode)rc == rcTimeout)
            continue;
        if (!OT_RC(r, rcOk) || !OT_RC((Retcode)rc, rcOk) || !OT_TRUE(slot < rx_slots) ||
            !OT_TRUE(len >= 14 && len <= slot_size))
            return false;
        held = slot;
        const uint8_t *f = slots + slot * slot_size;
        ok = match(f, len);
        if (ok) {
            memcpy(got, f, len);
            got_len = len;
        } else {
            answer_arp(f, len);
        }
    }
    if (held != net_Nic_NoSlot) {
        uint32_t rrc = rcFail;
        OT_RC(net_Nic_Release(&cl, held, &rrc), rcOk);
        OT_RC((Retcode)rrc, rcOk);
    }
    if (!ok)
        printf("net_client: no %s came\n", what);
    return ok;
}

static bool is_arp_reply(const uint8_t *f, uint32_t len)
{
    return len >= 42 && get16(f + 12) == 0x0806 && get16(f + 20) == 2;
}

static void arp_test(void)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, none[6] = {0};
    uint32_t n = build_arp(tx_slot(0), 1, bcast, none, gw_ip);
    if (!OT_RC(transmit(0, n), rcOk) || !receive_until(is_arp_reply, "ARP reply"))
        return;
    const uint8_t *f = got;
    OT_TRUE(got_len >= 42 && memcmp(f, mac, 6) == 0); /* to us */
    OT_TRUE(get16(f + 14) == 1 && get16(f + 16) == 0x0800 && f[18] == 6 && f[19] == 4);
    OT_TRUE(memcmp(f + 22, gw_mac, 6) == 0); /* sender: the gateway */
    OT_TRUE(memcmp(f + 28, gw_ip, 4) == 0);
    OT_TRUE(memcmp(f + 32, mac, 6) == 0); /* target: us */
    if (OT_TRUE(memcmp(f + 38, our_ip, 4) == 0))
        printf("net_client: ARP reply: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n", f[22],
               f[23], f[24], f[25], f[26], f[27]);
}

static bool is_echo_reply(const uint8_t *f, uint32_t len)
{
    return len >= 14 + 20 + 8 + PING_PAYLOAD && get16(f + 12) == 0x0800 && f[23] == 1 && f[34] == 0;
}

static void ping_test(void)
{
    uint8_t *f = tx_slot(0);
    uint32_t n = build_eth(f, gw_mac, 0x0800);
    uint8_t *ip = f + n, *icmp = ip + 20;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, 20 + 8 + PING_PAYLOAD);
    put16(ip + 4, 0x1234);
    ip[8] = 64;
    ip[9] = 1; /* ICMP */
    memcpy(ip + 12, our_ip, 4);
    memcpy(ip + 16, gw_ip, 4);
    put16(ip + 10, inet_sum(ip, 20));
    icmp[0] = 8; /* echo request */
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, 0xbeef);
    put16(icmp + 6, 1);
    for (uint32_t i = 0; i < PING_PAYLOAD; i++)
        icmp[8 + i] = (uint8_t)('a' + i % 26);
    put16(icmp + 2, inet_sum(icmp, 8 + PING_PAYLOAD));
    if (!OT_RC(transmit(0, n + 20 + 8 + PING_PAYLOAD), rcOk) || !receive_until(is_echo_reply, "ICMP"
                                                                                              " ech"
                                                                                              "o "
                                                                                              "repl"
                                                                                              "y"))
        return;
    const uint8_t *rip = got + 14, *ricmp = rip + 20;
    OT_TRUE(memcmp(got, mac, 6) == 0);
    OT_TRUE(memcmp(rip + 12, gw_ip, 4) == 0 && memcmp(rip + 16, our_ip, 4) == 0);
    OT_TRUE(inet_sum(rip, 20) == 0);
    OT_TRUE(get16(ricmp + 4) == 0xbeef && get16(ricmp + 6) == 1);
    OT_TRUE(memcmp(ricmp + 8, icmp + 8, PING_PAYLOAD) == 0);
    if (OT_TRUE(inet_sum(ricmp, 8 + PING_PAYLOAD) == 0))
        printf("net_client: ICMP echo reply from 10.0.2.2, %u bytes of payload equal\n",
               PING_PAYLOAD);
}

static void refusals(void)
{
    idl_handle_t h = {0};
    uint32_t a, b, c, mtu, rc = rcFail;
    uint64_t m;
    /* One stack only: an error answer, the code in rc. */
    OT_RC(net_Nic_Open(&cl, &h, &a, &b, &c, &m, &mtu, &rc), rcFail);
    OT_RC((Retcode)rc, rcResourceBusy);
    OT_RC(transmit(tx_slots, 60), rcInvalidArgument);
    OT_RC(transmit(0, 13), rcInvalidArgument);
    OT_RC(transmit(0, net_Nic_FrameMax + 1), rcInvalidArgument);
    OT_RC(net_Nic_Release(&cl, 0, &rc), rcOk);
    OT_RC((Retcode)rc, rcInvalidArgument); /* not ours: released already */
    OT_RC(net_Nic_Release(&cl, rx_slots, &rc), rcOk);
    OT_RC((Retcode)rc, rcInvalidArgument);
    uint32_t slot, len;
    /* A Receive that gives back a slot not ours receives nothing. */
    OT_RC(net_Nic_Receive(&cl, 200, 0, &slot, &len, &rc), rcOk);
    OT_RC((Retcode)rc, rcInvalidArgument);
    OT_RC(net_Nic_Receive(&cl, 200, rx_slots, &slot, &len, &rc), rcOk);
    OT_RC((Retcode)rc, rcInvalidArgument);
    OT_RC(net_Nic_Receive(&cl, 200, net_Nic_NoSlot, &slot, &len, &rc), rcOk);
    OT_RC((Retcode)rc, rcTimeout); /* nobody sends to us unasked */
}

static void status_test(void)
{
    uint32_t link = 0, rc = rcFail;
    struct net_Nic_Counters k = {0};
    if (!OT_RC(net_Nic_GetStatus(&cl, &link, &k, &rc), rcOk) || !OT_RC((Retcode)rc, rcOk))
        return;
    printf("net_client: link %u, rx %llu frames %llu bytes, tx %llu frames %llu bytes, drops "
           "%llu/%llu, errors %llu/%llu\n",
           link, (unsigned long long)k.rxFrames, (unsigned long long)k.rxBytes,
           (unsigned long long)k.txFrames, (unsigned long long)k.txBytes,
           (unsigned long long)k.rxDrops, (unsigned long long)k.txDrops,
           (unsigned long long)k.rxErrors, (unsigned long long)k.txErrors);
    OT_TRUE(link == 1);
    OT_TRUE(k.txFrames >= 2 && k.txBytes >= 42 + 74);
    OT_TRUE(k.rxFrames >= 2 && k.rxBytes >= 42 + 74);
    OT_TRUE(k.rxErrors == 0 && k.txErrors == 0 && k.txDrops == 0);
}

int main(void)
{
    ot_begin("net_client");
    static struct ipc_channel ch;
    static _Alignas(8) uint8_t req[512], res[512];
    if (!OT_RC(ipc_connect(&ch, "nic"), rcOk))
        return ot_end();
    ch.timeout_ms = 10000;
    ipc_client_init(&cl, &ch, net_E1000_EP_nic, req, sizeof req, res, sizeof res);

    /* Before Open: nothing. */
    uint32_t rc = rcFail;
    OT_RC(net_Nic_Transmit(&cl, 0, 60, &rc), rcOk);
    OT_RC((Retcode)rc, rcNotOpen);

    idl_handle_t buf = {0};
    uint32_t mtu = 0;
    uint64_t m = 0;
    if (!OT_RC(net_Nic_Open(&cl, &buf, &rx_slots, &tx_slots, &slot_size, &m, &mtu, &rc), rcOk))
        return ot_end();
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)(m >> (8 * i));
    printf("net_client: opened: %u+%u slots of %u bytes, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU "
           "%u\n",
           rx_slots, tx_slots, slot_size, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], mtu);
    OT_TRUE(mtu == net_Nic_Mtu && slot_size == net_Nic_SlotSize && rx_slots > 0 && tx_slots > 1);
    uint64_t va = 0;
    if (!OT_RC(core_mdl_map(buf.handle, 0, (uint64_t)(rx_slots + tx_slots) * slot_size, 0, RW, &va),
               rcOk))
        return ot_end();
    slots = (uint8_t *)(uintptr_t)va;
    arp_test();
    ping_test();
    refusals();
    status_test();
    return ot_end();
}
