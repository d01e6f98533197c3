/*
 * os_limits: the RAM and kernel-memory limits of this process (test/os/init.yaml: ram 4 MiB,
 * kernel_memory 128 KiB). Reaching either gives rcQuotaExceeded, never a hang or a panic; what
 * was taken can be given back and taken again; the other test processes keep running meanwhile.
 */
#include <user/core.h>
#include <user/start.h>
#include <user/vmm.h>

#include "ostest.h"

#define CHUNK (256u * 1024u)
#define MAX_CHUNKS 256
#define MAX_HANDLES 100000
#define PAGE 4096u
/* What is left after the last chunk: less than a chunk and its page tables. */
#define MAX_PAGES ((int)(CHUNK / PAGE) + 4)

static uint64_t chunks[MAX_CHUNKS];
static uint32_t handles[MAX_HANDLES];
static uint64_t pages[MAX_PAGES];

static void ram_limit(void)
{
    int n = 0;
    Retcode r = rcOk;
    while (n < MAX_CHUNKS) {
        r = core_vmm_allocate(0, CHUNK, BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE,
                              &chunks[n]);
        if (r != rcOk)
            break;
        ((volatile uint8_t *)(uintptr_t)chunks[n])[CHUNK - 1] = 1; /* really ours */
        n++;
    }
    OT_RC(r, rcQuotaExceeded);
    OT_TRUE(n >= 4 && n <= 16); /* 1 MiB at least, at most the 4 MiB limit */
    printf("os_limits: RAM limit reached after %u KiB\n", (unsigned)(n * (CHUNK / 1024)));
    /* The last chunk may have failed only for the page tables its new place needed; a chunk
     * committed where tables exist could still fit. Taking what is left page by page leaves
     * less than a page and its three tables, so no chunk can fit anywhere. */
    int p = 0;
    while (p < MAX_PAGES &&
           core_vmm_allocate(0, PAGE, BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE,
                             &pages[p]) == rcOk)
        p++;
    OT_TRUE(p < MAX_PAGES);
    /* Reserve-then-commit hits the same limit. */
    uint64_t va = 0;
    if (OT_RC(core_vmm_allocate(0, CHUNK,
                                BASTION_VMM_RESERVE | BASTION_VMM_READ | BASTION_VMM_WRITE, &va),
              rcOk)) {
        OT_RC(core_vmm_commit(va, CHUNK), rcQuotaExceeded);
        OT_RC(core_vmm_free(va, CHUNK), rcOk);
    }
    for (int i = 0; i < p; i++)
        OT_RC(core_vmm_free(pages[i], PAGE), rcOk);
    for (int i = 0; i < n; i++)
        OT_RC(core_vmm_free(chunks[i], CHUNK), rcOk);
    /* Given back: the same amount fits again. At the same addresses: the page tables, charged
     * to RAM too, are then the same; chunks placed anew at random could straddle more tables
     * and miss the last chunk by a page or two without anything having leaked. */
    int again = 0;
    for (; again < n; again++) {
        const uint32_t flags = BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE;
        uint64_t at = chunks[again];
        Retcode ar = core_vmm_allocate(at, CHUNK, flags, &chunks[again]);
        if (ar == rcAlreadyExists) /* taken meanwhile (the heap): anywhere, as the first time */
            ar = core_vmm_allocate(0, CHUNK, flags, &chunks[again]);
        if (ar != rcOk) {
            /* Which limit stopped it tells a leak of RAM from one of kernel memory. */
            printf("os_limits: chunk %d of %d again: %s\n", again + 1, n, retcode_name(ar));
            break;
        }
    }
    OT_EQ(again, n);
    for (int i = 0; i < again; i++)
        core_vmm_free(chunks[i], CHUNK);
}

static Retcode copy_core(uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    Retcode r =
        core_result(kl_core_Handle_Copy(&cl, core_handle_arg(core_handle()), 0,
                                        core_handle_arg(kl_core_Types_InvalidHandleValue), &h, &rc),
                    &rc);
    *out = h.handle;
    return r;
}

static Retcode close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

static void kernel_memory_limit(void)
{
    int n = 0;
    Retcode r = rcOk;
    while (n < MAX_HANDLES) {
        r = copy_core(&handles[n]);
        if (r != rcOk)
            break;
        n++;
    }
    OT_RC(r, rcQuotaExceeded);
    OT_TRUE(n > 0);
    printf("os_limits: kernel-memory limit reached after %d handles\n", n);
    int closed = 0;
    for (int i = 0; i < n; i++)
        closed += close_handle(handles[i]) == rcOk;
    OT_EQ(closed, n);
    /* Given back: handles can be made again, and the kernel still serves us. */
    uint32_t h;
    if (OT_RC(copy_core(&h), rcOk))
        OT_RC(close_handle(h), rcOk);
    OT_RC(core_thread_sleep(1), rcOk);
}

int main(void)
{
    ot_begin("os_limits");
    ram_limit();
    kernel_memory_limit();
    return ot_end();
}
