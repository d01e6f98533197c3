/*
 * The socket library's side of the network stack: the channel to it and the descriptors.
 *
 * The channel: the connection the environment variable NET_CHANNEL names, else the one named
 * "net" in the start block, else the first one whose name starts with "net." (init.yaml `connections: [{target: <the stack's task>, id: net.myprog}]`).
 * The stack keeps one socket table per channel name, so each program should have its own id.
 *
 * Descriptors: 3..NET_FD_MAX-1 (0..2 are the console's); each names a socket number of the
 * stack and what the library keeps itself: O_NONBLOCK and the SO_RCVTIMEO / SO_SNDTIMEO
 * timeouts, which become each call's timeoutMs.
 */
#ifndef USER_NET_CLIENT_H
#define USER_NET_CLIENT_H

#include <stdint.h>

#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "net/Socket.idl.h"

#define NET_FD_MAX 64
#define NET_FD_FIRST 3

struct net_fd {
    int used;
    uint32_t socket; /* the stack's number */
    uint32_t protocol;
    int nonblock;
    uint32_t rcv_timeout_ms, snd_timeout_ms; /* 0: none (wait as long as it takes) */
};

/* A client bound to the stack's channel, with its own buffers, for one call; released after.
 * NULL (errno set) when the program has no channel to a stack. */
struct idl_client *net_call_begin(void);
void net_call_end(struct idl_client *cl);

/* The descriptor fd, or NULL with errno EBADF. */
struct net_fd *net_fd_get(int fd);
/* A free descriptor for socket (errno EMFILE when none): its number, or -1. */
int net_fd_alloc(uint32_t socket, uint32_t protocol);
void net_fd_free(int fd);

/* Sets errno from r (call result, or the method's rc) and returns -1; 0 for rcOk. */
int net_fail(Retcode r);
/* The outcome of a net.Socket call: the transport's failure, else the method's rc (taken by
 * address: the proxy writes it during the call). */
Retcode net_result(Retcode call, const uint32_t *rc);

#endif
