/*
 * One socket of the stack over lwIP's raw API: its pcb, what lwIP's callbacks brought in (a
 * TCP stream's received data, a listener's connections not yet accepted, a UDP socket's
 * datagrams) and its error. Every function runs under stack_lock (socket_server.h) and never
 * waits: what would have to wait is rcWouldBlock (rcInProgress for a connect), and
 * socket_server.c keeps the call and runs it again after lwIP's next events.
 *
 * Invariants: a TCP socket's received data is at most lwIP's window (TCP_WND), since the window
 * opens (tcp_recved) only by what the client took; a UDP socket keeps at most SOCK_DGRAM_MAX
 * datagrams and drops the rest, as a full socket buffer does; a listener keeps at most its
 * backlog (at most SOCK_BACKLOG_MAX) connections, each already a socket of the listener's
 * client (counted against its limits), and lwIP resets the ones beyond.
 */
#ifndef NETSTACK_SOCKET_SOCK_H
#define NETSTACK_SOCKET_SOCK_H

#include <stdint.h>

#include <bastion/retcode.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define SOCK_BACKLOG_MAX 8u
#define SOCK_DGRAM_MAX 16u

enum sock_state {
    SOCK_FREE = 0,
    SOCK_NEW,        /* made (and maybe bound) */
    SOCK_LISTENING,  /* TCP: taking connections */
    SOCK_CONNECTING, /* TCP: SYN sent */
    SOCK_CONNECTED,  /* TCP: established; UDP: a default peer set */
    SOCK_FAILED,     /* TCP: reset, refused or given up: only Close is left */
};

struct sock_dgram {
    struct pbuf *p;
    uint32_t address;
    uint16_t port;
};

struct sock {
    enum sock_state state;
    uint32_t protocol;
    uint32_t slot, client;
    struct tcp_pcb *tcp; /* NULL once lwIP freed it (error callback) or we closed it */
    struct udp_pcb *udp;
    /* TCP: the received stream not yet taken; the peer's end of it; our shutdowns */
    struct pbuf *rx;
    int rx_end, shut_read, shut_write;
    Retcode error; /* pending, reported once by the next call that reads it */
    /* TCP listener: slots of accepted connections, oldest first */
    uint32_t backlog[SOCK_BACKLOG_MAX];
    uint32_t backlog_head, backlog_count, backlog_max;
    /* UDP: datagrams received, oldest first; the connected peer */
    struct sock_dgram dgrams[SOCK_DGRAM_MAX];
    uint32_t dgram_head, dgram_count;
    uint32_t peer_address;
    uint16_t peer_port;
    uint32_t reuse_addr, keep_alive, no_delay;
};

/* A new socket of the protocol in s (a slot of client). rcStackFull when lwIP has no pcb left. */
Retcode sock_open(struct sock *s, uint32_t protocol, uint32_t slot, uint32_t client);
Retcode sock_bind(struct sock *s, uint32_t address, uint16_t port, uint16_t *bound);
Retcode sock_listen(struct sock *s, uint32_t backlog);
/* The oldest accepted connection's slot, or rcWouldBlock. */
Retcode sock_accept(struct sock *s, uint32_t *slot);
/* Takes the next backlog slot for freeing (rcNotFound when empty). */
Retcode sock_backlog_pop(struct sock *s, uint32_t *slot);
/* TCP: starts connecting (rcInProgress) or fails; UDP: sets the peer (rcOk). */
Retcode sock_connect(struct sock *s, uint32_t address, uint16_t port);
/* A connect under way: rcOk when connected, rcInProgress, or why it failed. */
Retcode sock_connect_result(struct sock *s);
/* A connect whose time ran out: the attempt is aborted and the socket failed (rcTimeout). */
void sock_connect_abandon(struct sock *s);
Retcode sock_send(struct sock *s, const void *data, uint32_t len, uint32_t address, uint16_t port,
                  uint32_t *sent);
Retcode sock_recv(struct sock *s, void *buf, uint32_t max, uint32_t *got, uint32_t *address,
                  uint16_t *port);
Retcode sock_shutdown(struct sock *s, uint32_t how);
/* Closes the pcb and frees what the socket holds; s is SOCK_FREE after. */
void sock_close(struct sock *s);
Retcode sock_set_option(struct sock *s, uint32_t option, uint32_t value);
Retcode sock_get_option(struct sock *s, uint32_t option, uint32_t *value);
/* net.Socket Ev* bits that hold now. */
uint32_t sock_events(const struct sock *s);
Retcode sock_local(const struct sock *s, uint32_t *address, uint16_t *port);
Retcode sock_peer(const struct sock *s, uint32_t *address, uint16_t *port);

/* From socket_server.c: a new socket of client for an incoming connection (NULL: the client
 * or the stack is full), and freeing one that never reached its client. */
struct sock *socket_server_adopt(uint32_t client, uint32_t *slot);
void socket_server_drop(uint32_t slot);

#endif
