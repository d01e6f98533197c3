/*
 * The KSM, Bastion's security monitor: the user process that decides every request (docs/
 * security-model.md). The kernel starts it before Einit and gives it the server end of the
 * security channel; it answers each request there with a verdict from the policy table built
 * into this binary (bastion_ksm() in ksm/CMakeLists.txt compiles the solution's PSL with pslc).
 *
 * It parses nothing at run time, allocates nothing and serves nobody else. Its own kernel
 * requests (the console, its exit) are checked by the kernel against a fixed list.
 */
#include <stdio.h>

#include <user/ipc.h>
#include <user/start.h>

#include "ksm_answer.h"
#include "ksm_decide.h"

extern const struct ksm_table ksm_policy; /* the generated table (bastion_psl_compile NAME) */

/* The largest request: the security-channel header, then a whole IPC message. */
static _Alignas(8) uint8_t request[KSM_ANSWER_ARENA_OFFSET + IDL_MESSAGE_MAX];


int main(void)
{
    uint32_t channel = security_channel_handle();
    if (channel == 0) {
        printf("ksm: no security channel: only the kernel starts the KSM\n");
        return 1;
    }
    struct ksm_answer_ctx ctx = {&ksm_policy, ksm_class_id(&ksm_policy, "kl.core.Core")};
    printf("ksm: deciding from a policy of %u classes and %u rules\n", ksm_policy.nclasses, ksm_policy.ncalls);

    size_t len;
    uint64_t token;
    Retcode rc = ipc_recv(channel, request, sizeof request, &len, &token, IPC_FOREVER);
    for (;;) {
        if (rc != rcOk) {
            /* A request the kernel withdrew or that did not fit: it was denied at the kernel;
             * wait for the next. rcPeerClosed: the kernel closed the channel (shutdown). */
            if (rc == rcPeerClosed)
                return 0;
            rc = ipc_recv(channel, request, sizeof request, &len, &token, IPC_FOREVER);
            continue;
        }
        /* ReplyRecv sends from and receives into the same buffer: the verdict (and its audit
         * text, if any) replaces the request it answers. */
        struct ksm_answer a;
        size_t text = ksm_answer(&ctx, request, len, &a);
        struct idl_header h = {.fixed_size = sizeof a.v, .arena_size = (uint32_t)text, .flags = IDL_FLAG_RESPONSE};
        __builtin_memcpy(request, &h, sizeof h);
        __builtin_memcpy(request + sizeof h, &a.v, sizeof a.v);
        __builtin_memcpy(request + sizeof h + sizeof a.v, a.text, text);
        rc = ipc_reply_recv(token, request, sizeof h + sizeof a.v + text, channel, sizeof request, &len, &token,
                            IPC_FOREVER);
    }
}
