/*
 * netstack: the network stack process. lwIP over the NIC driver (net.Nic on the channel
 * "nic"), its address from DHCP, then the event loop for good: it answers ARP and ping and
 * keeps the lease. Programs will reach it through a socket-like interface
 * (docs/networking.md, "The interface to programs"), which is designed but not built yet.
 *
 * Arguments: --ping <a.b.c.d> pings that address three times once the address is bound and
 * prints the outcome (the gateway, to show the path works).
 */
#include <stdio.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include "nic_netif.h"
#include "ping.h"
#include "stack_loop.h"

#define DHCP_LIMIT_MS 30000u
#define PING_COUNT 3u
#define PING_LIMIT_MS 2000u

static struct netif netif;

static bool dhcp_bound(void *arg)
{
    (void)arg;
    return dhcp_supplied_address(&netif);
}

static bool ping_answered(void *arg)
{
    return ((struct ping *)arg)->answered;
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static void ping_address(const char *text)
{
    ip_addr_t dst;
    struct ping pg;
    if (!ipaddr_aton(text, &dst) || !ping_open(&pg)) {
        printf("netstack: cannot ping %s\n", text);
        return;
    }
    unsigned answered = 0;
    for (uint16_t seq = 1; seq <= PING_COUNT; seq++) {
        if (ping_send(&pg, &dst, seq) &&
            stack_run_until(&netif, ping_answered, &pg, PING_LIMIT_MS) == rcOk) {
            answered++;
            printf("netstack: echo reply from %s: seq %u, %u ms\n", text, seq, (unsigned)pg.rtt_ms);
        }
    }
    printf("netstack: ping %s: %u of %u answered\n", text, answered, PING_COUNT);
    ping_close(&pg);
}

int main(int argc, char **argv)
{
    lwip_init();
    Retcode r = nic_netif_add(&netif, "nic");
    if (r != rcOk) {
        printf("netstack: the NIC driver on channel nic could not be opened: %s\n",
               retcode_name(r));
        return 1;
    }
    netif_set_default(&netif);
    dhcp_start(&netif);
    r = stack_run_until(&netif, dhcp_bound, NULL, DHCP_LIMIT_MS);
    if (r != rcOk) {
        printf("netstack: no DHCP lease within %u ms: %s\n", DHCP_LIMIT_MS, retcode_name(r));
        return 1;
    }
    char addr[16], mask[16], gw[16];
    ip4addr_ntoa_r(netif_ip4_addr(&netif), addr, sizeof addr);
    ip4addr_ntoa_r(netif_ip4_netmask(&netif), mask, sizeof mask);
    ip4addr_ntoa_r(netif_ip4_gw(&netif), gw, sizeof gw);
    printf("netstack: DHCP: address %s, netmask %s, gateway %s\n", addr, mask, gw);

    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--ping") == 0)
            ping_address(argv[i + 1]);

    r = stack_run_until(&netif, never, NULL, UINT32_MAX);
    printf("netstack: the NIC driver failed: %s\n", retcode_name(r));
    return 1;
}
