/*
 * The network stack's event loop: the only place the stack's thread waits. It waits inside
 * the driver's Receive, bounded by the time until lwIP's next timer, so a quiet network costs
 * one IPC per timer period and a busy one takes frames as fast as they come.
 */
#include "lwip/sys.h"
#include "lwip/timeouts.h"

#include "nic_netif.h"
#include "stack_loop.h"

/* The longest single wait: also how late done() may be noticed after a timer changed it. */
#define STACK_WAIT_MAX_MS 100u
/* How often the driver is asked for the link state (a cable plugged in starts DHCP). */
#define LINK_CHECK_MS 1000u

Retcode stack_run_until(struct netif *netif, bool (*done)(void *arg), void *arg, uint32_t limit_ms)
{
    u32_t start = sys_now(), link_checked = start;
    for (;;) {
        if (sys_now() - link_checked >= LINK_CHECK_MS) {
            link_checked = sys_now();
            Retcode r = nic_netif_check_link(netif);
            if (r != rcOk)
                return r;
        }
        sys_check_timeouts();
        netif_poll_all();
        if (done(arg))
            return rcOk;
        u32_t elapsed = sys_now() - start;
        if (elapsed >= limit_ms)
            return rcTimeout;
        u32_t wait = sys_timeouts_sleeptime();
        if (wait > STACK_WAIT_MAX_MS)
            wait = STACK_WAIT_MAX_MS;
        if (wait > limit_ms - elapsed)
            wait = limit_ms - elapsed;
        Retcode r = nic_netif_poll(netif, wait ? wait : 1);
        if (r != rcOk && r != rcTimeout)
            return r;
    }
}
