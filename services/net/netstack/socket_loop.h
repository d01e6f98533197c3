/*
 * The network stack's event loop while it serves sockets (socket_loop.c): lwIP's frames and
 * timers under stack_lock, the waits without it.
 */
#ifndef NETSTACK_SOCKET_LOOP_H
#define NETSTACK_SOCKET_LOOP_H

#include <bastion/retcode.h>

#include "lwip/netif.h"

/* Runs for good over nic (NULL: the loopback interface only). When the driver fails, nic's
 * link goes down (printed: "netstack: the NIC driver is gone (...)") and the loop goes on
 * without it. */
void socket_loop_run(struct netif *nic);

#endif
