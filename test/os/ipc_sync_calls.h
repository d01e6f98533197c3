/*
 * kl.core.IPC as one-line calls, for os_ipc_interrupt and os_attack_ipc_sync. Each returns
 * core_result() of the generated proxy (rcSecurityDisallow when the policy denied it).
 */
#ifndef OSTEST_IPC_SYNC_CALLS_H
#define OSTEST_IPC_SYNC_CALLS_H

#include <user/core.h>

/* IPC.CreateSyncObject: the handle (with its rights) in *h. */
static inline Retcode ipc_sync_create(idl_handle_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_ipc_IPC, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    h->handle = kl_core_Types_InvalidHandleValue;
    h->rights = 0;
    return core_result(kl_core_IPC_CreateSyncObject(&cl, h, &rc), &rc);
}

/* IPC.SetInterrupt on our handle h. */
static inline Retcode ipc_sync_set(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_ipc_IPC, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_IPC_SetInterrupt(&cl, core_handle_arg(h), &rc), &rc);
}

/* IPC.ClearInterrupt on our handle h. */
static inline Retcode ipc_sync_clear(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_ipc_IPC, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_IPC_ClearInterrupt(&cl, core_handle_arg(h), &rc), &rc);
}

#endif
