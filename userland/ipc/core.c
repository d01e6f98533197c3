/*
 * The core-endpoint transport and the wrappers libc needs (<user/core.h>). Each wrapper keeps
 * its buffers on its own stack frame: core calls are reentrant and need no lock, which is what
 * lets the futex mutex itself call Sync.Wait.
 */
#include <string.h>

#include <user/core.h>
#include <user/start.h>
#include <user/syscall.h>

/* Every core call's one transport: sys_call() on the process's core handle, with the
 * response's length stored whatever the result (0 unless rcOk, as sys_call does) when res_len
 * is given; written out so that the length's pointer is the one value kept across the system
 * call (sys_call's own form kept a zero in a second saved register for its store). */
Retcode core_transport(void *ctx, const void *req, size_t req_len, void *res, size_t res_cap,
                       size_t *res_len)
{
    (void)ctx;
    register uint64_t r10 __asm__("r10") = (uint64_t)res;
    register uint64_t r8 __asm__("r8") = (uint64_t)res_cap;
    register uint64_t r9 __asm__("r9") = 0; /* no timeout */
    uint64_t rdx = req_len;
    uint32_t rax; /* the Retcode: the kernel's 64-bit value is its sign extension */
    __asm__ volatile("syscall"
                     : "=a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "0"((uint64_t)SYS_CALL), "D"((uint64_t)core_handle()), "S"(req)
                     : "rcx", "r11", "memory");
    /* 0 unless rcOk, as a mask: a select would keep a zero in a saved register across the
     * call for it. */
    if (res_len != NULL)
        *res_len = (size_t)rdx & ((size_t)((Retcode)rax != rcOk) - 1u);
    return (Retcode)rax;
}

Retcode core_debug_write(const void *data, size_t len)
{
    const uint8_t *p = data;
    do {
        size_t n = len < kl_core_HAL_DebugWriteMax ? len : kl_core_HAL_DebugWriteMax;
        CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_MEDIUM);
        kl_core_Types_Retcode rc = rcFail;
        struct idl_seq seq = {.data = p, .count = (uint32_t)n};
        Retcode r = core_result(kl_core_HAL_DebugWrite(&cl, seq, &rc), &rc);
        if (r != rcOk)
            return r;
        p += n;
        len -= n;
    } while (len > 0);
    return rcOk;
}

Retcode core_get_entropy(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        uint32_t n = len < kl_core_HAL_EntropyMax ? (uint32_t)len : kl_core_HAL_EntropyMax;
        CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_MEDIUM);
        kl_core_Types_Retcode rc = rcFail;
        struct idl_seq out = {0};
        Retcode r = core_result(kl_core_HAL_GetEntropy(&cl, &out, n, &rc), &rc);
        if (r != rcOk)
            return r;
        if (out.count != n)
            return rcTruncated;
        memcpy(p, out.data, n);
        p += n;
        len -= n;
    }
    return rcOk;
}

Retcode core_vmm_allocate(uint64_t addr, uint64_t size, uint32_t flags, uint64_t *va)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_VirtAddr out = 0;
    Retcode r = core_result(kl_core_VMM_Allocate(&cl, addr, size, flags, &out, &rc), &rc);
    if (r == rcOk && va)
        *va = out;
    return r;
}

Retcode core_vmm_commit(uint64_t va, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_VMM_Commit(&cl, va, size, 0, &rc), &rc);
}

Retcode core_vmm_decommit(uint64_t va, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_VMM_Decommit(&cl, va, size, &rc), &rc);
}

Retcode core_vmm_protect(uint64_t va, uint64_t size, uint32_t flags)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_VMM_Protect(&cl, va, size, flags, &rc), &rc);
}

Retcode core_vmm_free(uint64_t va, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_VMM_Free(&cl, va, size, &rc), &rc);
}

Retcode core_sync_wait(const volatile uint32_t *word, uint32_t val, uint32_t msec)
{
    CORE_CLIENT(cl, kl_core_Core_EP_sync_Sync, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Msecs left = 0;
    return core_result(kl_core_Sync_Wait(&cl, (uint64_t)(uintptr_t)word, val, msec, &left, &rc),
                       &rc);
}

Retcode core_sync_wake(const volatile uint32_t *word, uint32_t nthreads, uint32_t *woken)
{
    CORE_CLIENT(cl, kl_core_Core_EP_sync_Sync, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    uint32_t n = 0;
    Retcode r =
        core_result(kl_core_Sync_Wake(&cl, (uint64_t)(uintptr_t)word, nthreads, &n, &rc), &rc);
    if (woken)
        *woken = r == rcOk ? n : 0;
    return r;
}

Retcode core_thread_sleep(uint32_t msec)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Thread_Sleep(&cl, msec, &rc), &rc);
}

Retcode core_task_exit(int32_t code)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_Exit(&cl, code, &rc), &rc);
}

Retcode core_security_connect(uint32_t *handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0, 0};
    Retcode r = core_result(kl_core_Handle_SecurityConnect(&cl, &h, &rc), &rc);
    *handle = r == rcOk ? h.handle : 0;
    return r;
}

Retcode core_thread_exit(int32_t code)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Thread_Exit(&cl, code, &rc), &rc);
}
