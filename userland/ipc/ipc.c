/* The client side of <user/ipc.h>: system call wrappers, named connections, the transport. */
#include <string.h>

#include <user/ipc.h>
#include <user/start.h>
#include <user/syscall.h>

Retcode ipc_call(uint32_t handle, const void *req, size_t req_len, void *res, size_t res_cap,
                 size_t *res_len, uint32_t timeout_ms)
{
    return sys_call(handle, req, req_len, res, res_cap, res_len, timeout_ms);
}

Retcode ipc_recv(uint32_t handle, void *buf, size_t cap, size_t *len, uint64_t *token,
                 uint32_t timeout_ms)
{
    return sys_recv(handle, buf, cap, len, token, timeout_ms);
}

Retcode ipc_reply(uint64_t token, const void *buf, size_t len)
{
    return sys_reply(token, buf, len);
}

Retcode ipc_reply_recv(uint64_t token, void *buf, size_t len, uint32_t handle, size_t cap,
                       size_t *msg_len, uint64_t *new_token, uint32_t timeout_ms)
{
    return sys_reply_recv(token, buf, len, handle, cap, msg_len, new_token, timeout_ms);
}

Retcode ipc_connect(struct ipc_channel *ch, const char *name)
{
    if (ch == NULL)
        return rcInvalidArgument;
    ch->timeout_ms = IPC_FOREVER;
    return start_connection(name, &ch->handle);
}

Retcode ipc_transport(void *ctx, const void *req, size_t req_len, void *res, size_t res_cap,
                      size_t *res_len)
{
    const struct ipc_channel *ch = ctx;
    return sys_call(ch->handle, req, req_len, res, res_cap, res_len, ch->timeout_ms);
}

void ipc_client_init(struct idl_client *cl, struct ipc_channel *ch, uint32_t endpoint_id,
                     void *req_buf, size_t req_cap, void *res_buf, size_t res_cap)
{
    memset(cl, 0, sizeof *cl);
    cl->call = ipc_transport;
    cl->ctx = ch;
    cl->endpoint_id = endpoint_id;
    cl->req_buf = req_buf;
    cl->req_cap = req_cap;
    cl->res_buf = res_buf;
    cl->res_cap = res_cap;
}
