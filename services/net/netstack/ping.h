/*
 * ICMP echo (ping) over lwIP's raw API, driven by the stack's event loop.
 */
#ifndef NETSTACK_PING_H
#define NETSTACK_PING_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip_addr.h"

struct ping {
    struct raw_pcb *pcb;
    uint16_t id, seq;
    bool answered; /* the echo reply of the latest request came */
    uint32_t sent_at, rtt_ms;
};

/* Opens the raw ICMP pcb; false if lwIP has none left. */
bool ping_open(struct ping *pg);
/* Sends echo request number seq to dst; false if it could not be sent. */
bool ping_send(struct ping *pg, const ip_addr_t *dst, uint16_t seq);
void ping_close(struct ping *pg);

#endif
