/*
 * Kl.core.Task, frozen processes (proc/process_freeze.c froze them at a fatal fault):
 * GetThreadContext, GetNextVmRegion, TerminateAfterFreezing. Each needs HR_TASK_FROZEN on the
 * process's handle and a frozen process (rcNotFrozen otherwise: a running process is never
 * inspected this way, nor one that has ended).
 *
 * GetThreadContext: index 0 is the thread whose fault froze it (its registers at the fault),
 * 1.. its other threads (their registers where the freeze stopped them: proc/process_freeze.c),
 * rcNotFound past the last; rcResourceBusy for a thread still on its way to stop (the freeze
 * waits for each, so only briefly). gsBase is 0: user mode has no GS base of its own.
 * GetNextVmRegion: the lowest region ending above `after` (walk with after = next + size):
 * base, size, flags (BASTION_VMM_READ/WRITE/EXECUTE of its protection, BASTION_VMM_COMMIT when
 * committed or shared), and for a committed region of at most TASK_FREEZE_COPY_MAX bytes a
 * handle to a new read-only MDL buffer holding a copy of its contents (pages never touched read
 * as zero), charged to the caller's RAM and kernel memory: the caller maps it (VMM.MdlMap) to
 * read the stack or data of the crashed program. Larger or reserved regions: the invalid
 * handle. rcNotFound past the last region.
 * TerminateAfterFreezing: ends it, with its fault as the exit reason.
 */
#include <bastion/vmm.h>

#include "klcore/Task.h"
#include "mm/aspace.h"
#include "mm/mdl.h"
#include "mm/paging.h"
#include "obj/kobj.h"
#include "lib/string.h"
#include "proc/process.h"

#define TASK_FREEZE_COPY_MAX (1024ull * 1024)

/* The frozen process behind `task` (new reference): rcNotFrozen if it is not frozen. */
static Retcode frozen_get(struct core_ctx *c, idl_handle_t task, struct process **p)
{
    Retcode r = task_get(c, task, HR_TASK_FROZEN, p);
    if (r != rcOk)
        return r;
    spin_lock(&(*p)->lock);
    bool frozen = (*p)->frozen && (*p)->state == PROC_RUNNING;
    spin_unlock(&(*p)->lock);
    if (!frozen) {
        process_unref(*p);
        return rcNotFrozen;
    }
    return rcOk;
}

Retcode task_GetThreadContext(void *ctx, idl_handle_t task, uint32_t index,
                              struct kl_core_Task_ThreadContext *context, kl_core_Types_Retcode *rc)
{
    memset(context, 0, sizeof *context);
    struct process *p;
    Retcode r = frozen_get(ctx, task, &p);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    spin_lock(&p->lock);
    if (!p->frozen || p->state != PROC_RUNNING) {
        r = rcNotFrozen;
    } else if (index >= p->nfrozen) {
        r = rcNotFound;
    } else if (!p->frozen_threads[index].saved) {
        r = rcResourceBusy;
    } else {
        const struct process_frozen_thread *g = &p->frozen_threads[index];
        context->tid = (kl_core_Types_Tid)g->tid;
        context->regs = (struct kl_core_Task_CpuContext){
            g->rax, g->rbx, g->rcx, g->rdx, g->rsi, g->rdi, g->rbp, g->rsp,    g->r8,      g->r9,
            g->r10, g->r11, g->r12, g->r13, g->r14, g->r15, g->rip, g->rflags, g->fs_base, 0};
    }
    spin_unlock(&p->lock);
    process_unref(p);
    *rc = r;
    return rcOk;
}

static void copy_page(void *kva, size_t len, void *arg)
{
    memcpy(arg, kva, len);
}

/* A read-only copy of [base, base + size) of `as` in a new MDL charged to the caller. */
static Retcode copy_region(struct core_ctx *c, struct aspace *as, uint64_t base, uint64_t size,
                           idl_handle_t *handle)
{
    struct mdl *m;
    Retcode r = mdl_create(size, BASTION_VMM_READ, &c->proc->kmem, &c->proc->ram, &m);
    if (r != rcOk)
        return r;
    for (uint64_t i = 0; i < m->npages && r == rcOk; i++)
        r = aspace_each_resident(as, base + i * 4096, 4096, copy_page, phys_to_virt(m->frames[i]));
    if (r == rcOk)
        r = core_install(c, m, HR_READ | HR_MEMORY_MAP | HR_DUPLICATE, &handle->handle,
                         &handle->rights);
    kobj_unref(&m->obj); /* the handle holds it, or it goes now */
    return r;
}

Retcode task_GetNextVmRegion(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr after,
                             kl_core_Types_VirtAddr *next, kl_core_Types_Size *size,
                             uint32_t *flags, idl_handle_t *handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *next = 0;
    *size = 0;
    *flags = 0;
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    struct process *p;
    Retcode r = frozen_get(c, task, &p);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    struct aspace *as = process_aspace_pin(p);
    if (as == NULL) {
        r = rcNotFrozen;
    } else {
        struct aspace_info info;
        r = aspace_next_region(as, after, &info);
        if (r == rcOk) {
            *next = info.base;
            *size = info.size;
            *flags = info.prot & BASTION_VMM_PROT_MASK;
            if (info.state == VR_COMMITTED || info.state == VR_SHARED)
                *flags |= BASTION_VMM_COMMIT;
            if (info.state == VR_COMMITTED && info.size <= TASK_FREEZE_COPY_MAX)
                r = copy_region(c, as, info.base, info.size, handle);
        }
        process_aspace_unpin(p);
    }
    process_unref(p);
    *rc = r;
    return rcOk;
}

Retcode task_TerminateAfterFreezing(void *ctx, idl_handle_t task, kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = frozen_get(ctx, task, &p);
    if (r == rcOk) {
        spin_lock(&p->lock);
        struct process_fault f = p->fault;
        spin_unlock(&p->lock);
        process_terminate(p, PROC_EXIT_EXCEPTION, -1, &f);
        process_unref(p);
    }
    *rc = r;
    return rcOk;
}
