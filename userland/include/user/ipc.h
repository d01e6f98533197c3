/*
 * The IPC library: synchronous calls between processes over channel handles, in the message
 * format of idl/runtime (docs/message-format.md).
 *
 * Client: find the handle Einit gave under a connection id (init.yaml `connections: id`), bind
 * an idl_client to it, and call the generated proxies:
 *
 *     static _Alignas(8) uint8_t req[512], res[512];
 *     struct ipc_channel ch;
 *     struct idl_client cl;
 *     if (ipc_connect(&ch, "echo") == rcOk)
 *         ipc_client_init(&cl, &ch, echo_Server_EP_echo, req, sizeof req, res, sizeof res);
 *     echo_Echo_Echo(&cl, "hi", &reply, &served);
 *
 * Server: take the listener Einit made for the same id and run ipc_serve() with a dispatch
 * function (usually a generated <Iface>_dispatch with its ops table).
 */
#ifndef USER_IPC_H
#define USER_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bastion_idl.h"

/* Timeouts are in milliseconds; IPC_FOREVER (0) waits as long as it takes. A call that runs
 * out of time returns rcTimeout (if the server had already received it, its reply then gets
 * rcPeerClosed); a client whose server died gets rcPeerClosed. */
#define IPC_FOREVER 0u

/* The raw system calls, with the results as out parameters. */
Retcode ipc_call(uint32_t handle, const void *req, size_t req_len, void *res, size_t res_cap,
                 size_t *res_len, uint32_t timeout_ms);
Retcode ipc_recv(uint32_t handle, void *buf, size_t cap, size_t *len, uint64_t *token,
                 uint32_t timeout_ms);
Retcode ipc_reply(uint64_t token, const void *buf, size_t len);
/* The receive half waits at most timeout_ms (rcTimeout; the reply has gone out by then). */
Retcode ipc_reply_recv(uint64_t token, void *buf, size_t len, uint32_t handle, size_t cap,
                       size_t *msg_len, uint64_t *new_token, uint32_t timeout_ms);

/* A client channel: the handle the transport calls on, and the timeout of each call. */
struct ipc_channel {
    uint32_t handle;
    uint32_t timeout_ms; /* IPC_FOREVER unless set */
};

/* Looks up the named connection in the start block: rcNotFound if Einit made none. The
 * channel's timeout starts as IPC_FOREVER. */
Retcode ipc_connect(struct ipc_channel *ch, const char *name);

/* idl_transport_fn over SYS_CALL; ctx is a struct ipc_channel *. */
Retcode ipc_transport(void *ctx, const void *req, size_t req_len, void *res, size_t res_cap,
                      size_t *res_len);

/* Binds cl to ch for the server endpoint `endpoint_id` (the riid from the server's EDL). Buffers
 * must be 8-byte aligned and hold the largest message of the methods called. */
void ipc_client_init(struct idl_client *cl, struct ipc_channel *ch, uint32_t endpoint_id,
                     void *req_buf, size_t req_cap, void *res_buf, size_t res_cap);

/* Handles one request: writes the reply into res (at most cap bytes) and sets *res_len.
 * rcOk sends it; any other code answers with an error header (see ipc_serve). */
typedef Retcode (*ipc_dispatch_fn)(void *ctx, const void *req, size_t req_len, void *res,
                                   size_t res_cap, size_t *res_len);

struct ipc_server {
    uint32_t listener; /* listener or server handle to receive on */
    ipc_dispatch_fn dispatch;
    void *ctx;
    void *buf[2]; /* two 8-byte-aligned buffers of cap bytes: request and reply swap */
    size_t cap;
    volatile bool stop; /* set (by a handler) to leave ipc_serve after the current reply */
    /* 0: wait for the next request as long as it takes; else ipc_serve returns rcTimeout
     * (after sending the last reply) when none came for that many milliseconds, so that a
     * server can look whether its client is still there and call ipc_serve again. */
    uint32_t recv_timeout_ms;
    uint64_t served;  /* requests answered */
    uint64_t refused; /* requests the dispatcher refused, or too large for buf */
    uint64_t lost;    /* replies whose client was gone (died or timed out) */
};

/*
 * Receives and answers requests until srv->stop is set or the channel fails; returns that
 * code (rcOk when stopped; rcInterrupted when another thread of the process set one of its
 * kl.core.IPC synchronization objects while this one waited for a request; rcTimeout when
 * srv->recv_timeout_ms passed without a request). Uses SYS_REPLY_RECV: the reply to one request and the wait for the
 * next are one system call. A request the dispatcher refuses (malformed, unknown method)
 * still gets an answer, a bare error header (flags response|error, no parameters), so its
 * client wakes up with rcBadMessage instead of waiting forever.
 */
Retcode ipc_serve(struct ipc_server *srv);

/* Writes that bare error header for request `req` into res; returns its length (24) or 0. */
size_t ipc_error_header(const void *req, size_t req_len, void *res, size_t cap);

#endif
