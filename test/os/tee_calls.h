/*
 * kl.core.TEE and TEEVMM from user mode for the TEE tests (os_tee, os_attack_tee and the
 * partition os_tee_partition), and the commands the partition serves (docs/tee.md).
 */
#ifndef OSTEST_TEE_CALLS_H
#define OSTEST_TEE_CALLS_H

#include <stdint.h>
#include <string.h>

#include <user/core.h>

/* What the test partition does with a request (TeeMessage.command). */
enum tee_cmd {
    TEE_CMD_ECHO = 1,         /* answers "tee:" + the request's payload */
    TEE_CMD_SHARE = 2,        /* builds a buffer over the shared frames, maps it, writes
                               * "tee saw <text>" over the text at each page's start */
    TEE_CMD_ADD_UNSHARED = 3, /* MdlAddFrame of frames no request it holds shares: status 0 when
                               * every one was refused with rcFrameNotShared */
    TEE_CMD_EXHAUST = 4,      /* MdlAllocate until it fails: status = that failure, payload = the
                               * count (uint32_t); everything closed before the answer */
};

static inline Retcode tee_dispatch(const struct kl_core_TEE_TeeMessage *in,
                                   struct kl_core_TEE_TeeMessage *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_tee_TEE, CORE_MSG_LARGE);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_TEE_Dispatch(&cl, in, out, &rc), &rc);
}

/* A request: token 0 for a new one, text as the payload, share an MDL handle or
 * kl_core_Types_InvalidHandleValue. */
static inline Retcode tee_ask(uint64_t token, uint32_t cmd, const char *text, uint32_t share,
                              struct kl_core_TEE_TeeMessage *out)
{
    static struct kl_core_TEE_TeeMessage in;
    memset(&in, 0, sizeof in);
    memset(out, 0, sizeof *out);
    in.token = token;
    in.command = cmd;
    in.shareHandle = share;
    size_t n = text != NULL ? strlen(text) : 0;
    if (n > sizeof in.payload)
        n = sizeof in.payload;
    memcpy(in.payload, text, n);
    in.payloadSize = (uint32_t)n;
    return tee_dispatch(&in, out);
}

static inline Retcode tee_free_token(uint64_t token)
{
    CORE_CLIENT(cl, kl_core_Core_EP_tee_TEE, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_TEE_FreeToken(&cl, token, &rc), &rc);
}

static inline Retcode tee_mdl_allocate(uint64_t size, uint32_t prot, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_tee_TEEVMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t out = {kl_core_Types_InvalidHandleValue, 0};
    Retcode r = core_result(kl_core_TEEVMM_MdlAllocate(&cl, size, prot, &out, &rc), &rc);
    *h = out.handle;
    return r;
}

static inline Retcode tee_mdl_add_frame(uint32_t h, uint64_t pa, uint64_t pages)
{
    CORE_CLIENT(cl, kl_core_Core_EP_tee_TEEVMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_TEEVMM_MdlAddFrame(&cl, core_handle_arg(h), pa, pages, &rc), &rc);
}

/* The answer's payload as text (NUL-terminated in buf[cap]). */
static inline const char *tee_text(const struct kl_core_TEE_TeeMessage *m, char *buf, size_t cap)
{
    size_t n = m->payloadSize < cap - 1 ? m->payloadSize : cap - 1;
    memcpy(buf, m->payload, n);
    buf[n] = 0;
    return buf;
}

#endif
