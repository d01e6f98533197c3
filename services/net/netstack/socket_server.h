/*
 * net.Socket served by the network stack (docs/networking.md, "Sockets for programs"): one
 * receiver thread per client channel takes requests and runs them on lwIP under the stack's
 * one lock; a call that must wait (Accept, Connect, Recv, Send with a timeout) keeps its reply
 * token and a copy of its request, and is run again after every lwIP event until it completes
 * or its time runs out, as the e1000 driver does with its waiting Receive.
 *
 * Clients: every listener Einit gave the stack under a name that is "net" or starts with "net."
 * is one client with its own socket table (socket_table.h). The kernel does not tell a server
 * who sent a request, but a listener is reached only through the channels Einit made for it, so
 * the listener a request came in on names its client: give each program its own connection id
 * ("net.web", "net.client") and no program can reach another's sockets.
 */
#ifndef NETSTACK_SOCKET_SERVER_H
#define NETSTACK_SOCKET_SERVER_H

#include <stdint.h>

#include <bastion/retcode.h>
#include <user/mutex.h>

/* The lock every use of lwIP holds (the loop thread's timers and frames, the receiver
 * threads' requests): lwIP stays single-threaded at any instant. */
extern mutex_t stack_lock;

/* Finds the client channels in the start block and starts one receiver thread for each, at
 * priority. *clients: how many; rcNotFound when there is none. */
Retcode socket_server_start(uint32_t priority, uint32_t *clients);

/* Under stack_lock, after lwIP ran (frames, timers): answers every waiting call that can be
 * answered now or whose time ran out. */
void socket_server_poll(void);

/* Under stack_lock: milliseconds until the soonest timeout of a waiting call (0 when one is
 * due), UINT32_MAX when no call waits with a timeout: the loop wakes by then to answer it. */
uint32_t socket_server_next_deadline(void);

#endif
