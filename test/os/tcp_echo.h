/*
 * A TCP echo over lwIP's raw API for the stack's tests: a server that writes back what it
 * receives as its send buffer allows, and a client that sends a known stream and checks every
 * byte that comes back. Both are driven by the caller's event loop (NO_SYS).
 */
#ifndef OSTEST_TCP_ECHO_H
#define OSTEST_TCP_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"

struct tcp_echo_server {
    struct pbuf *pending; /* received, not yet written back */
    uint32_t accepted, echoed;
    bool peer_closed, closed;
};

struct tcp_echo_client {
    struct tcp_pcb *pcb;
    uint32_t total, sent, received, mismatches, first_mismatch;
    err_t error; /* from the error callback; ERR_OK if it never ran */
    bool connected, done;
};

/* Listens on port (any address) and echoes every connection into srv; NULL if lwIP refused. */
struct tcp_pcb *tcp_echo_listen(struct tcp_echo_server *srv, u16_t port);
/* Connects to addr:port and starts sending `total` bytes of the stream; cl->done is set when
 * all came back (then the client closed), the server closed, or the connection failed
 * (cl->error). false if lwIP refused to start. */
bool tcp_echo_connect(struct tcp_echo_client *cl, const ip_addr_t *addr, u16_t port,
                      uint32_t total);
/* The byte at offset i of the stream: not periodic at 256, so a dropped or repeated segment
 * cannot line up with the pattern again. */
uint8_t tcp_echo_stream_byte(uint32_t i);

#endif
