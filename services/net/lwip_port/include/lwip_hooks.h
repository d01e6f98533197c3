/*
 * The hooks Bastion's port gives lwIP (LWIP_HOOK_FILENAME in lwipopts.h; lwIP includes this in
 * each of its files that calls a hook).
 *
 * LWIP_HOOK_TCP_INPACKET_PCB: every TCP segment lwIP matched to a connection or listener, before
 * lwIP handles it. The port uses it for half-open connections (tcp_half_open.c).
 */
#ifndef LWIP_PORT_LWIP_HOOKS_H
#define LWIP_PORT_LWIP_HOOKS_H

#include "lwip/err.h"
#include "lwip/stats.h"

struct tcp_pcb;
struct tcp_hdr;

/* A SYN for a listener while every connection of lwIP's pool is taken and no TIME-WAIT,
 * LAST-ACK or CLOSING one is left for lwIP to reclaim: the oldest half-open connection
 * (SYN-RCVD) is aborted, so that the new one gets its place. Without it, a few SYNs never
 * completed hold the whole pool until lwIP drops them after 20 s, and no client of any TCP
 * service gets in meanwhile. Always ERR_OK: the segment goes on to lwIP. */
err_t tcp_half_open_admit(struct tcp_pcb *pcb, const struct tcp_hdr *hdr);
/* Half-open connections aborted to admit a newer SYN (the stack's "tcp.evicted"). */
extern STAT_COUNTER tcp_half_open_evicted;

#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
    tcp_half_open_admit((pcb), (hdr))

#endif
