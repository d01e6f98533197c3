/*
 * net_dhcp: the network stack's code over the e1000 driver on QEMU's user network (the network
 * image, test/os/net.yaml): the interface opened over net.Nic, an address by DHCP from QEMU
 * (10.0.2.15, gateway 10.0.2.2, name server 10.0.2.3), and three pings of the gateway
 * answered. Channel: nic.
 */
#include <stdint.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include "nic_netif.h"
#include "ostest.h"
#include "ping.h"
#include "stack_loop.h"

#define DHCP_LIMIT_MS 30000u
#define PINGS 3u
#define PING_LIMIT_MS 2000u

static struct netif netif;
static struct ping pg;

static bool dhcp_bound(void *arg)
{
    (void)arg;
    return dhcp_supplied_address(&netif);
}

static bool ping_answered(void *arg)
{
    (void)arg;
    return pg.answered;
}

static bool same_addr(const ip4_addr_t *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
    ip4_addr_t want;
    IP4_ADDR(&want, b0, b1, b2, b3);
    return ip4_addr_cmp(a, &want);
}

int main(void)
{
    ot_begin("net_dhcp");
    lwip_init();
    if (!OT_RC(nic_netif_add(&netif, "nic"), rcOk))
        return ot_end();
    netif_set_default(&netif);
    OT_EQ(dhcp_start(&netif), ERR_OK);
    if (!OT_RC(stack_run_until(&netif, dhcp_bound, NULL, DHCP_LIMIT_MS), rcOk))
        return ot_end();
    char addr[16], gw[16];
    ip4addr_ntoa_r(netif_ip4_addr(&netif), addr, sizeof addr);
    ip4addr_ntoa_r(netif_ip4_gw(&netif), gw, sizeof gw);
    printf("net_dhcp: DHCP: address %s, gateway %s\n", addr, gw);
    OT_TRUE(same_addr(netif_ip4_addr(&netif), 10, 0, 2, 15));
    OT_TRUE(same_addr(netif_ip4_netmask(&netif), 255, 255, 255, 0));
    OT_TRUE(same_addr(netif_ip4_gw(&netif), 10, 0, 2, 2));
    OT_TRUE(same_addr(ip_2_ip4(dns_getserver(0)), 10, 0, 2, 3));

    uint32_t answered = 0;
    if (OT_TRUE(ping_open(&pg))) {
        for (uint16_t seq = 1; seq <= PINGS; seq++)
            if (ping_send(&pg, netif_ip_gw4(&netif), seq) &&
                stack_run_until(&netif, ping_answered, NULL, PING_LIMIT_MS) == rcOk)
                answered++;
        ping_close(&pg);
    }
    OT_EQ(answered, PINGS);
    printf("net_dhcp: ping %s: %u of %u answered\n", gw, answered, PINGS);
    return ot_end();
}
