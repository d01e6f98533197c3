/*
 * bench_echo: the server side of ipc_rtt and ipc_rtt_4k. It receives on the listener "bench"
 * (Einit's channel from BenchMain) and answers every request with the request itself, marked as
 * a response: an empty message comes back empty, a 4 KiB arena comes back as a 4 KiB arena, so
 * ipc_rtt_4k moves 4 KiB each way like the Linux pipe_rtt_4k.
 * The loop is Recv once, then ReplyRecv: one system call per round trip on this side.
 */
#include <stdio.h>
#include <string.h>

#include <user/ipc.h>
#include <user/start.h>
#include <user/syscall.h>

#define BENCH_MSG_CAP (IDL_HEADER_SIZE + 8192u)

int main(void)
{
    static _Alignas(8) uint8_t buf[BENCH_MSG_CAP];
    uint32_t listener;
    if (start_connection("bench", &listener) != rcOk) {
        printf("BENCH-ERROR ipc_rtt bench_echo has no listener \"bench\"\n");
        return 1;
    }
    size_t len = 0;
    uint64_t token = 0;
    Retcode r = sys_recv(listener, buf, sizeof buf, &len, &token, IPC_FOREVER);
    while (r == rcOk) {
        struct idl_header h;
        memcpy(&h, buf, sizeof h);
        /* Same layout, so the kernel's size check of the response holds as it did for the
         * request; a request with handles is answered without them. */
        h.flags = IDL_FLAG_RESPONSE;
        if (h.handle_count != 0) {
            h.fixed_size = h.arena_size = 0;
            h.handle_count = 0;
            len = IDL_HEADER_SIZE;
        }
        memcpy(buf, &h, sizeof h);
        r = sys_reply_recv(token, buf, len, listener, sizeof buf, &len, &token, IPC_FOREVER);
    }
    printf("BENCH-ERROR ipc_rtt bench_echo stopped: %s\n", retcode_name(r));
    return 1;
}
