/*
 * The socket library's side of the network stack: the channel to it and the descriptors.
 *
 * The channel: the connection the environment variable NET_CHANNEL names, else the one named
 * "net" in the start block, else the first one whose name starts with "net." (init.yaml `connections: [{target: <the stack's task>, id: net.myprog}]`).
 * The stack keeps one socket table per channel name, so each program should have its own id.
 *
 * Descriptors: numbers of the process's one descriptor table (user/fd.h), shared with files,
 * installed with the kind net_socket_kind (socket.c: close, read and write of a socket). For
 * each, the library keeps (in its array indexed by the number) the stack's socket number and
 * what it keeps itself: O_NONBLOCK and the SO_RCVTIMEO / SO_SNDTIMEO timeouts, which become
 * each call's timeoutMs.
 */
#ifndef USER_NET_CLIENT_H
#define USER_NET_CLIENT_H

#include <stdint.h>

#include <bastion/retcode.h>
#include <user/fd.h>

#include "bastion_idl.h"
#include "net/Socket.idl.h"

struct net_fd {
    uint32_t socket; /* the stack's number */
    uint32_t protocol;
    int nonblock;
    uint32_t rcv_timeout_ms, snd_timeout_ms; /* 0: none (wait as long as it takes) */
};

/* A client bound to the stack's channel, with its own buffers, for one call; released after.
 * NULL (errno set) when the program has no channel to a stack. */
struct idl_client *net_call_begin(void);
void net_call_end(struct idl_client *cl);

/* The kind of a socket's descriptors (socket.c). */
extern const struct fd_kind net_socket_kind;

/* The socket descriptor fd, or NULL with errno EBADF (not open) or ENOTSOCK (open as another
 * kind, a file). */
struct net_fd *net_fd_get(int fd);
/* The state of socket descriptor fd (FD_FIRST <= fd < FD_MAX) without a lookup: for the kind's
 * close, which runs while the table holds the number reserved (user/fd.h). */
struct net_fd *net_fd_closing(int fd);
/* A free descriptor for socket (errno EMFILE when none): its number, or -1. */
int net_fd_alloc(uint32_t socket, uint32_t protocol);

/* Sets errno from r (call result, or the method's rc) and returns -1; 0 for rcOk. */
int net_fail(Retcode r);
/* The outcome of a net.Socket call: the transport's failure, else the method's rc (taken by
 * address: the proxy writes it during the call). */
Retcode net_result(Retcode call, const uint32_t *rc);

#endif
