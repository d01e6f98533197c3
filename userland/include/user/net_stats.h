/*
 * The network stack's counters (net.Socket GetStats): lwIP's per layer and the stack's own
 * socket counts, asked over the program's channel to the stack (the socket library's, net_client.h
 * says which). For programs that link the socket library (bastion_net), which brings the
 * generated net/Socket.idl.h; the policy grants GetStats to the status page's class only, so
 * any other caller gets rcSecurityDisallow.
 */
#ifndef USER_NET_STATS_H
#define USER_NET_STATS_H

#include <bastion/retcode.h>

#include "net/Socket.idl.h"

/* Fills *out. rcNotFound when the program has no channel to a stack; otherwise the call's
 * failure (rcSecurityDisallow: the monitor refused it) or the stack's rc. */
Retcode net_stack_stats(struct net_Socket_Stats *out);

#endif
