/*
 * The network stack's event loop (NO_SYS): one thread waits for a frame from the driver at
 * most until lwIP's next timer is due, hands the frame in, fires the timers that are due and
 * delivers what lwIP looped back to itself.
 */
#ifndef NETSTACK_STACK_LOOP_H
#define NETSTACK_STACK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "lwip/netif.h"

/* Runs the loop over `netif` until done(arg) is true or limit_ms pass. rcOk when done() held,
 * rcTimeout at the limit, or the driver's failure (nic_netif_poll). */
Retcode stack_run_until(struct netif *netif, bool (*done)(void *arg), void *arg, uint32_t limit_ms);

#endif
