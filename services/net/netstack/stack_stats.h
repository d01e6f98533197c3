/*
 * What the stack refused and why, on request: lwIP's own counters per layer (LWIP_STATS,
 * lwipopts.h), the interface's and the driver's (net.Nic GetStatus), as one line of
 * "name=value" words, the same text answered over UDP and printed on the console.
 *
 * The line is for test images only (netstack --stats-port): the counters say what traffic the
 * stack saw, which a production stack has no reason to tell whoever can reach a UDP port of it.
 * The same lwIP counters go to the status page through net.Socket GetStats
 * (stack_stats_layers), which the monitor grants to the status page's class alone.
 */
#ifndef NETSTACK_STACK_STATS_H
#define NETSTACK_STACK_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"

#include "net/Socket.idl.h"

/* The line into buf (NUL-terminated, cut at cap - 1): lwIP's counters, then the interface's
 * (nic.*) and, when nic is not NULL, the driver's (drv.*, asked with GetStatus). Under
 * stack_lock (lwIP's state and the NIC client are the lock holder's). Returns its length. */
size_t stack_stats_format(char *buf, size_t cap, struct netif *nic);

/* lwIP's counters of each layer (link, etharp, ip, ipFrag, icmp, udp, tcp) into out, as lwIP
 * counted them; the stack's own fields of out are left alone. Under stack_lock. */
void stack_stats_layers(struct net_Socket_Stats *out);

/* A UDP pcb on port that answers every datagram, whatever it holds, with the line to its
 * sender and prints the line as "netstack: stats <line>". Under stack_lock, or before any
 * receiver thread runs. false when lwIP refused the pcb or the port. */
bool stack_stats_serve(uint16_t port, struct netif *nic);

#endif
