/* The server loop of <user/ipc.h>. */
#include <string.h>

#include <user/ipc.h>
#include <user/syscall.h>

size_t ipc_error_header(const void *req, size_t req_len, void *res, size_t cap)
{
    struct idl_header h;
    if (cap < IDL_HEADER_SIZE)
        return 0;
    if (idl_peek_header(req, req_len, &h) != IDL_OK)
        memset(&h, 0, sizeof h);
    struct idl_header out = {
        .endpoint_id = h.endpoint_id,
        .method_id = h.method_id,
        .flags = IDL_FLAG_RESPONSE | IDL_FLAG_ERROR,
    };
    memcpy(res, &out, sizeof out);
    return sizeof out;
}

Retcode ipc_serve(struct ipc_server *srv)
{
    size_t len = 0;
    uint64_t token = 0;
    int in = 0; /* index of the buffer that receives the next request */
    Retcode r = sys_recv(srv->listener, srv->buf[in], srv->cap, &len, &token, srv->recv_timeout_ms);
    for (;;) {
        if (r == rcReplyLost) {
            /* Our last answer found no caller (gone or timed out), but the next request is
             * here: serve it. */
            srv->lost++;
            r = rcOk;
        }
        if (r == rcBufferTooSmall || r == rcPeerClosed) {
            /* A request too large for our buffer (the kernel failed it back to its sender), or
             * a plain Reply whose caller was gone: keep serving the others. */
            if (r == rcBufferTooSmall)
                srv->refused++;
            r = sys_recv(srv->listener, srv->buf[in], srv->cap, &len, &token, srv->recv_timeout_ms);
            continue;
        }
        if (r != rcOk)
            return r;
        void *req = srv->buf[in], *res = srv->buf[in ^ 1];
        size_t res_len = 0;
        if (srv->dispatch(srv->ctx, req, len, res, srv->cap, &res_len) == rcOk) {
            srv->served++;
        } else {
            res_len = ipc_error_header(req, len, res, srv->cap);
            srv->refused++;
        }
        if (srv->stop) {
            r = sys_reply(token, res, res_len);
            return r == rcReplyLost ? rcOk : r;
        }
        /* The reply leaves from `res`, and the next request arrives in that same buffer. */
        in ^= 1;
        r = sys_reply_recv(token, res, res_len, srv->listener, srv->cap, &len, &token,
                           srv->recv_timeout_ms);
    }
}
