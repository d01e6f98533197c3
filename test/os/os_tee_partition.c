/*
 * os_tee_partition: the image's TEE partition (init.yaml `tee: true`, class
 * ostest.TeePartition, docs/tee.md). It serves the rich world's kl.core.TEE requests forever,
 * one at a time, with the commands of tee_calls.h: an echo; a buffer built with
 * TEEVMM.MdlAllocate and MdlAddFrame over the frames a request shared, mapped and written; the
 * MdlAddFrame of frames nobody shares with it now (a kernel frame, a frame beside a shared one,
 * the frames of the last share whose token was freed since), each of which must be refused; and
 * MdlAllocate until its own quota stops it. It prints nothing per request, only when a
 * Dispatch itself fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bastion/vmm.h>
#include <user/core.h>
#include <user/vmm.h>

#include "tee_calls.h"

#define PAGE 4096u
#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define EXHAUST_MAX 20000u

/* The frames of the last shared request, to try again once its token is gone. */
static uint64_t last_frames[kl_core_TEE_TeeShareFramesMax];
static uint32_t last_pages;

static void close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    (void)core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* TEE_CMD_SHARE: a buffer over every shared frame, each page's text answered in place. */
static Retcode serve_share(const struct kl_core_TEE_TeeMessage *req)
{
    uint32_t n = req->sharePages;
    if (n == 0 || n > kl_core_TEE_TeeShareFramesMax)
        return rcInvalidArgument;
    memcpy(last_frames, req->shareFrames, n * sizeof(uint64_t));
    last_pages = n;
    uint32_t h = 0;
    Retcode r = tee_mdl_allocate((uint64_t)n * PAGE, RW, &h);
    if (r != rcOk)
        return r;
    for (uint32_t i = 0; i < n && r == rcOk; i++)
        r = tee_mdl_add_frame(h, req->shareFrames[i], 1);
    uint64_t va = 0;
    if (r == rcOk)
        r = core_mdl_map(h, 0, (uint64_t)n * PAGE, 0, RW, &va);
    if (r == rcOk) {
        for (uint32_t i = 0; i < n; i++) {
            char *page = (char *)(uintptr_t)(va + (uint64_t)i * PAGE);
            char text[64];
            size_t len = strnlen(page, sizeof text - 1);
            memcpy(text, page, len);
            text[len] = 0;
            snprintf(page, PAGE, "tee saw %s", text);
        }
        (void)core_vmm_free(va, (uint64_t)n * PAGE);
    }
    close_handle(h);
    return r;
}

static bool listed(const struct kl_core_TEE_TeeMessage *req, uint64_t pa)
{
    for (uint32_t i = 0; i < req->sharePages; i++)
        if (req->shareFrames[i] == pa)
            return true;
    return false;
}

/* TEE_CMD_ADD_UNSHARED: every attempt must be rcFrameNotShared; their codes go in the answer's
 * payload (int32_t each). */
static Retcode serve_add_unshared(const struct kl_core_TEE_TeeMessage *req,
                                  struct kl_core_TEE_TeeMessage *ans)
{
    uint32_t h = 0;
    Retcode r = tee_mdl_allocate(4 * PAGE, RW, &h);
    if (r != rcOk)
        return r;
    uint64_t tries[2 + kl_core_TEE_TeeShareFramesMax];
    uint32_t n = 0;
    tries[n++] = 0x100000; /* the kernel's image: never anyone's share */
    if (req->sharePages > 0 && !listed(req, req->shareFrames[0] + PAGE))
        tries[n++] = req->shareFrames[0] + PAGE; /* beside a frame this request shares */
    for (uint32_t i = 0; i < last_pages; i++)
        if (!listed(req, last_frames[i]))
            tries[n++] = last_frames[i]; /* shared by a request already answered */
    bool all_refused = true;
    for (uint32_t i = 0; i < n; i++) {
        int32_t got = tee_mdl_add_frame(h, tries[i], 1);
        all_refused = all_refused && got == rcFrameNotShared;
        memcpy(ans->payload + i * sizeof got, &got, sizeof got);
    }
    ans->payloadSize = n * (uint32_t)sizeof(int32_t);
    close_handle(h);
    return all_refused ? rcOk : rcFail;
}

/* TEE_CMD_EXHAUST: blank buffers until the kernel says no; all closed before answering (the
 * answer needs kernel memory of its own). */
static Retcode serve_exhaust(struct kl_core_TEE_TeeMessage *ans)
{
    static uint32_t hs[EXHAUST_MAX];
    uint32_t n = 0;
    Retcode r = rcOk;
    while (n < EXHAUST_MAX && (r = tee_mdl_allocate(PAGE, RW, &hs[n])) == rcOk)
        n++;
    for (uint32_t i = 0; i < n; i++)
        close_handle(hs[i]);
    memcpy(ans->payload, &n, sizeof n);
    ans->payloadSize = sizeof n;
    return n == EXHAUST_MAX ? rcOk : r;
}

int main(void)
{
    static struct kl_core_TEE_TeeMessage ans, req;
    memset(&ans, 0, sizeof ans);
    for (;;) {
        Retcode r = tee_dispatch(&ans, &req);
        memset(&ans, 0, sizeof ans);
        if (r != rcOk) {
            /* rcNotFound: the request's owner withdrew it or ended; serve the next one. */
            printf("os_tee_partition: Dispatch: %s\n", retcode_name(r));
            if (r != rcNotFound)
                core_thread_sleep(100);
            continue;
        }
        ans.token = req.token;
        ans.command = req.command;
        ans.shareHandle = kl_core_Types_InvalidHandleValue;
        switch (req.command) {
        case TEE_CMD_ECHO: {
            uint32_t n = req.payloadSize <= sizeof ans.payload - 4 ? req.payloadSize
                                                                   : sizeof ans.payload - 4;
            memcpy(ans.payload, "tee:", 4);
            memcpy(ans.payload + 4, req.payload, n);
            ans.payloadSize = n + 4;
            ans.status = rcOk;
            break;
        }
        case TEE_CMD_SHARE:
            ans.status = serve_share(&req);
            break;
        case TEE_CMD_ADD_UNSHARED:
            ans.status = serve_add_unshared(&req, &ans);
            break;
        case TEE_CMD_EXHAUST:
            ans.status = serve_exhaust(&ans);
            break;
        default:
            ans.status = rcNotSupported;
        }
    }
}
