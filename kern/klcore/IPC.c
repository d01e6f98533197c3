/*
 * kl.core.IPC: IPC synchronization objects, which interrupt the blocking Call and Recv of the
 * threads of the process that made them (ipc/interrupt.h, docs/ipc.md).
 *
 * CreateSyncObject makes one (KOBJ_IPC_SYNC), charged to the caller's kernel-memory account
 * (kobj_new) and counted against IPC_SYNC_MAX per process (rcTooManySyncObjects); its handle
 * carries no HR_TRANSFER, so it never leaves the process. SetInterrupt switches it to the set
 * state: while any object of a process is set, its threads' Calls that wait for a server to
 * receive them and its Recvs that wait for a request end (or do not begin) with
 * rcInterrupted. ClearInterrupt switches it back. Both need HR_WRITE, are idempotent (setting a
 * set object again changes nothing), and act on the object's own process, the caller's. An
 * object destroyed while set (its last handle closed, the process ended) clears itself.
 */
#include "ipc/interrupt.h"
#include "klcore/klcore.h"
#include "obj/kobj_new.h"
#include "proc/process.h"

struct ipc_sync {
    struct kobj obj;       /* first: KOBJ_IPC_SYNC */
    struct process *owner; /* reference: the process whose waits it interrupts */
    uint32_t set;          /* atomic: 1 while set (counted once in owner->ipc_interrupts) */
};

static void sync_destroy(struct kobj *obj)
{
    struct ipc_sync *s = (struct ipc_sync *)obj;
    if (__atomic_exchange_n(&s->set, 0, __ATOMIC_ACQ_REL) != 0)
        ipc_interrupt_lower(s->owner);
    ipc_sync_count_drop(s->owner);
    process_unref(s->owner);
    kobj_free_mem(s);
}

static const struct kobj_ops ipc_sync_ops = {KOBJ_IPC_SYNC, "ipc-sync", sync_destroy};

static Retcode CreateSyncObject(void *ctx, idl_handle_t *sync_handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    sync_handle->handle = HANDLE_INVALID;
    sync_handle->rights = 0;
    Retcode r = ipc_sync_count_take(c->proc);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    struct ipc_sync *s = NULL;
    r = kobj_new(sizeof *s, &ipc_sync_ops, &c->proc->kmem, (void **)&s);
    if (r != rcOk) {
        ipc_sync_count_drop(c->proc);
        *rc = r;
        return rcOk;
    }
    process_ref(c->proc);
    s->owner = c->proc;
    r = core_install(c, s, HR_IPC_SYNC_FULL, &sync_handle->handle, &sync_handle->rights);
    kobj_unref(&s->obj); /* the handle holds its own; on failure this destroys it */
    *rc = r;
    return rcOk;
}

/* Switches the caller's object `h` to `set`; rcBadHandle / rcAccessDenied from the lookup. */
static Retcode switch_to(struct core_ctx *c, idl_handle_t h, uint32_t set)
{
    struct ipc_sync *s;
    Retcode r = core_get(c, h.handle, KOBJ_IPC_SYNC, HR_WRITE, (void **)&s);
    if (r != rcOk)
        return r;
    if (__atomic_exchange_n(&s->set, set, __ATOMIC_ACQ_REL) != set) {
        if (set)
            ipc_interrupt_raise(s->owner);
        else
            ipc_interrupt_lower(s->owner);
    }
    kobj_unref(&s->obj);
    return rcOk;
}

static Retcode SetInterrupt(void *ctx, idl_handle_t sync_handle, kl_core_Types_Retcode *rc)
{
    *rc = switch_to(ctx, sync_handle, 1);
    return rcOk;
}

static Retcode ClearInterrupt(void *ctx, idl_handle_t sync_handle, kl_core_Types_Retcode *rc)
{
    *rc = switch_to(ctx, sync_handle, 0);
    return rcOk;
}

const struct kl_core_IPC_ops core_ipc_ops = {
    .CreateSyncObject = CreateSyncObject,
    .SetInterrupt = SetInterrupt,
    .ClearInterrupt = ClearInterrupt,
};
