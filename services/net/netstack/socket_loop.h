/*
 * The network stack's event loop while it serves sockets (socket_loop.c): lwIP's frames and
 * timers under stack_lock, the waits without it.
 */
#ifndef NETSTACK_SOCKET_LOOP_H
#define NETSTACK_SOCKET_LOOP_H

#include <bastion/retcode.h>

#include "lwip/netif.h"

/* Runs for good over nic (NULL: the loopback interface only); returns only the driver's
 * failure. */
Retcode socket_loop_run(struct netif *nic);

#endif
