/*
 * net_dhcp: the network stack's code over the e1000 driver on QEMU's user network (the network
 * image, test/os/net.yaml): the interface opened over net.Nic, an address by DHCP from QEMU
 * (10.0.2.15/24; gateway 10.0.2.2 and name server 10.0.2.3 only on an unrestricted network),
 * and three pings of QEMU's address 10.0.2.2 answered. Channel: nic.
 *
 * On the network image the driver serves net_client first: net_dhcp waits until the kernel's
 * process list (/.kernel/tasks) shows NetClient ended, then opens; its Open is refused
 * (rcResourceBusy) until the driver has seen that stack gone (services/net/e1000/nic.h), so it
 * asks again each second for at most OPEN_LIMIT_S. That the Open is then taken is the driver's
 * re-Open under test.
 */
#include <stdint.h>
#include <string.h>

#include <user/core.h>
#include <user/task_table.h>

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
#define OPEN_LIMIT_S 90u

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

static struct task_table tasks;

/* Whether the process named `name` still runs (is in the list and not ended). */
static bool still_runs(const char *name)
{
    if (task_table_read(&tasks) != rcOk)
        return false;
    for (uint32_t i = 0; i < tasks.count; i++)
        if (strcmp(tasks.rec[i].name, name) == 0)
            return tasks.rec[i].state == BASTION_TASK_CREATED ||
                   tasks.rec[i].state == BASTION_TASK_RUNNING;
    return false;
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
    uint32_t waited = 0;
    for (; waited < OPEN_LIMIT_S && still_runs("NetClient"); waited++)
        core_thread_sleep(1000);
    OT_TRUE(!still_runs("NetClient"));
    Retcode opened = rcResourceBusy;
    for (; waited < OPEN_LIMIT_S; waited++) {
        if ((opened = nic_netif_add(&netif, "nic")) != rcResourceBusy)
            break;
        core_thread_sleep(1000);
    }
    if (!OT_RC(opened, rcOk))
        return ot_end();
    printf("net_dhcp: the driver took our Open after %u s\n", waited);
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
    /* QEMU names its gateway and name server only on an unrestricted network; the image's is
     * restricted (restrict=on), so either QEMU's or none, never another. */
    OT_TRUE(same_addr(netif_ip4_gw(&netif), 10, 0, 2, 2) ||
            same_addr(netif_ip4_gw(&netif), 0, 0, 0, 0));
    OT_TRUE(same_addr(ip_2_ip4(dns_getserver(0)), 10, 0, 2, 3) ||
            same_addr(ip_2_ip4(dns_getserver(0)), 0, 0, 0, 0));

    /* QEMU's own address answers ping, restricted or not, and is on the link either way. */
    ip_addr_t qemu;
    IP_ADDR4(&qemu, 10, 0, 2, 2);
    uint32_t answered = 0;
    if (OT_TRUE(ping_open(&pg))) {
        for (uint16_t seq = 1; seq <= PINGS; seq++)
            if (ping_send(&pg, &qemu, seq) &&
                stack_run_until(&netif, ping_answered, NULL, PING_LIMIT_MS) == rcOk)
                answered++;
        ping_close(&pg);
    }
    OT_EQ(answered, PINGS);
    printf("net_dhcp: ping 10.0.2.2: %u of %u answered\n", answered, PINGS);
    return ot_end();
}
