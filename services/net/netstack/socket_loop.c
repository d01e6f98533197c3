/*
 * The network stack's event loop when it serves sockets: the loop of stack_loop.c with
 * stack_lock held whenever it touches lwIP, so that the receiver threads of socket_server.c
 * can run requests on lwIP between its waits. It waits without the lock: in the driver's
 * Receive when there is a NIC, else in Thread.Sleep (the loopback interface alone). After
 * every frame and timer it answers the socket calls that can now be answered or have timed out.
 * A driver that fails (or is killed) takes its link down with it, not the stack.
 */
#include <stdio.h>

#include <user/core.h>

#include "lwip/sys.h"
#include "lwip/timeouts.h"

#include "nic_netif.h"
#include "socket_loop.h"
#include "socket_server.h"

/* The longest wait (also how late a changed link state may be seen). A waiting call's timeout
 * wakes the loop at its deadline; a call that waits as long as it takes costs no wake-ups. */
#define IDLE_WAIT_MS 100u
#define LINK_CHECK_MS 1000u

/* The driver failed (it ended, or answers nonsense): its interface goes link down, so lwIP
 * routes nothing more to it and its connections time out, and the loop goes on without it:
 * the programs' sockets between themselves (the loopback interface) keep working. Under
 * stack_lock. */
static void nic_gone(struct netif *nic, Retcode why)
{
    netif_set_link_down(nic);
    printf("netstack: the NIC driver is gone (%s): its link is down; sockets go on without it\n",
           retcode_name(why));
}

void socket_loop_run(struct netif *nic)
{
    u32_t link_checked = sys_now();
    for (;;) {
        mutex_lock(&stack_lock);
        Retcode r = rcOk;
        if (nic && sys_now() - link_checked >= LINK_CHECK_MS) {
            link_checked = sys_now();
            r = nic_netif_check_link(nic);
        }
        if (r != rcOk) {
            nic_gone(nic, r);
            nic = NULL;
        }
        sys_check_timeouts();
        netif_poll_all();
        socket_server_poll();
        u32_t wait = sys_timeouts_sleeptime();
        uint32_t call = socket_server_next_deadline();
        mutex_unlock(&stack_lock);
        if (wait > call)
            wait = call;
        if (wait > IDLE_WAIT_MS)
            wait = IDLE_WAIT_MS;
        if (wait == 0)
            wait = 1;
        if (nic == NULL) {
            core_thread_sleep(wait);
            continue;
        }
        uint32_t slot = 0, len = 0;
        r = nic_netif_wait(wait, &slot, &len);
        if (r == rcTimeout)
            continue;
        mutex_lock(&stack_lock);
        if (r == rcOk)
            r = nic_netif_take(nic, slot, len);
        if (r != rcOk) {
            nic_gone(nic, r);
            nic = NULL;
        }
        mutex_unlock(&stack_lock);
    }
}
