/*
 * The kernel's core endpoints (kl.core.*) from user mode.
 *
 * Every core method is a generated proxy (kl/core/<Iface>.idl.h) called through an idl_client
 * whose transport is SYS_CALL on this process's Core handle. CORE_CLIENT declares such a client
 * with its request and response buffers on the caller's stack, so core calls need no lock and
 * no thread-local storage: any thread may call any method at any time.
 *
 *     CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
 *     kl_core_Types_Retcode rc;
 *     Retcode r = core_result(kl_core_Thread_Sleep(&cl, 10, &rc), &rc);
 *
 * A core method reports its outcome in its `rc` out parameter; the proxy's own return value is
 * the transport's or the message's (rcBadMessage, ...). core_result() folds the two.
 *
 * The core_* functions below wrap the methods the C library itself needs.
 */
#ifndef USER_CORE_H
#define USER_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "bastion_idl.h"
#include "kl/core/Core.edl.h"

/* Buffer sizes: every point-9 method without a sequence fits in CORE_MSG_SMALL; DebugWrite's
 * 1024 bytes and FS.Read's 4096-byte block need the larger ones. */
#define CORE_MSG_SMALL 256u
#define CORE_MSG_MEDIUM 1280u
#define CORE_MSG_LARGE 4352u

Retcode core_transport(void *ctx, const void *req, size_t req_len, void *res, size_t res_cap,
                       size_t *res_len);

/* Every member named, so that the compiler stores each (a member left to zero had it clear
 * the whole struct first with a string store). */
#define CORE_CLIENT(var, endpoint, cap)                 \
    _Alignas(8) uint8_t var##_req_[cap];                \
    _Alignas(8) uint8_t var##_res_[cap];                \
    struct idl_client var = {.call = core_transport,    \
                             .ctx = NULL,               \
                             .endpoint_id = (endpoint), \
                             .req_buf = var##_req_,     \
                             .req_cap = (cap),          \
                             .res_buf = var##_res_,     \
                             .res_cap = (cap),          \
                             .last_error = IDL_OK,      \
                             .res_len = 0}

/* A handle of this process as a parameter of a core method (the kernel looks the value up in
 * the caller's own table; the rights field asks for nothing beyond what is held). */
#define CORE_HANDLE_RIGHTS_AS_HELD 0u
static inline idl_handle_t core_handle_arg(uint32_t handle)
{
    return (idl_handle_t){.handle = handle, .rights = CORE_HANDLE_RIGHTS_AS_HELD};
}

/* The outcome of a core call: the transport's/message's failure if any, else the method's rc.
 * rc is passed by address and read here, after the call: C leaves the order in which a call's
 * arguments are evaluated open, so core_result(proxy(..., &rc), rc) could read rc before the
 * proxy wrote it. */
static inline Retcode core_result(Retcode call, const kl_core_Types_Retcode *rc)
{
    return call != rcOk ? call : (Retcode)*rc;
}

/* Handle.SecurityConnect: a handle on which SYS_CALL asks the KSM about this process's own
 * security interface (EDL `security`); the call's result is the verdict (rcOk or
 * rcSecurityDisallow). Bind an idl_client to it with ipc_client_init (any endpoint id). */
Retcode core_security_connect(uint32_t *handle);

/* HAL.DebugWrite, split into DebugWriteMax pieces. */
Retcode core_debug_write(const void *data, size_t len);
/* HAL.GetEntropy, up to EntropyMax bytes per call, looped. */
Retcode core_get_entropy(void *buf, size_t len);

/* VMM: addresses and sizes in bytes, page multiples (the kernel refuses others). */
Retcode core_vmm_allocate(uint64_t addr, uint64_t size, uint32_t flags, uint64_t *va);
Retcode core_vmm_commit(uint64_t va, uint64_t size);
Retcode core_vmm_decommit(uint64_t va, uint64_t size);
Retcode core_vmm_protect(uint64_t va, uint64_t size, uint32_t flags);
Retcode core_vmm_free(uint64_t va, uint64_t size);

/* Sync: futexes. Wait blocks while *word == val, at most msec (kl_core_Types_InfiniteTimeout =
 * forever); rcTimeout when the time ran out. */
Retcode core_sync_wait(const volatile uint32_t *word, uint32_t val, uint32_t msec);
Retcode core_sync_wake(const volatile uint32_t *word, uint32_t nthreads, uint32_t *woken);

Retcode core_thread_sleep(uint32_t msec);
/* Task.Exit / Thread.Exit: return only on failure. */
Retcode core_task_exit(int32_t code);
Retcode core_thread_exit(int32_t code);

#endif
