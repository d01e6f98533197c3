/*
 * Kl.core.Task, building an empty process (Task.Create with BASTION_TASK_CREATE_EMPTY) before
 * it runs: VmReserve, VmFree, LoadSeg, LoadElfHdr, LoadElfSyms, SetEntry, ReseedAslr; and GetElfSyms,
 * the calling process's own symbol tables. proc/process_build.h does the work and states the
 * invariants; every build method needs HR_TASK_VM on the process's handle, and LoadSeg /
 * LoadElfSyms HR_READ on the MDL buffers they copy from.
 */
#include "klcore/Task.h"
#include "mm/mdl.h"
#include "obj/kobj.h"
#include "proc/process.h"
#include "proc/process_build.h"

Retcode task_get(struct core_ctx *c, idl_handle_t h, uint32_t need, struct process **p)
{
    return core_get(c, h.handle, KOBJ_TASK, need, (void **)p);
}

/* The process behind `task`, if it may be built now: begun (process_build_begin). */
static Retcode build_begin(struct core_ctx *c, idl_handle_t task, struct process **p)
{
    Retcode r = task_get(c, task, HR_TASK_VM, p);
    if (r != rcOk)
        return r;
    r = process_build_begin(*p);
    if (r != rcOk)
        process_unref(*p);
    return r;
}

static void build_end(struct process *p)
{
    process_build_end(p);
    process_unref(p);
}

static struct process_segment segment_of(const struct kl_core_Task_SegmentAttr *a)
{
    return (struct process_segment){a->vaddr, a->memSize, a->fileOffset, a->fileSize, a->flags};
}

Retcode task_VmReserve(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr addr,
                       kl_core_Types_Size size, uint32_t flags, kl_core_Types_VirtAddr *outAddr,
                       kl_core_Types_Retcode *rc)
{
    struct process *p;
    *outAddr = 0;
    Retcode r = build_begin(ctx, task, &p);
    if (r == rcOk) {
        r = process_build_reserve(p, addr, size, flags, outAddr);
        build_end(p);
    }
    *rc = r;
    return rcOk;
}

Retcode task_VmFree(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr addr,
                    kl_core_Types_Size size, kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = build_begin(ctx, task, &p);
    if (r == rcOk) {
        r = process_build_free(p, addr, size);
        build_end(p);
    }
    *rc = r;
    return rcOk;
}

Retcode task_LoadSeg(void *ctx, idl_handle_t task, idl_handle_t mdl,
                     const struct kl_core_Task_SegmentAttr *segAttr, kl_core_Types_Retcode *rc,
                     kl_core_Types_VirtAddr *retaddr)
{
    struct process *p;
    *retaddr = 0;
    Retcode r = build_begin(ctx, task, &p);
    if (r == rcOk) {
        struct mdl *m;
        r = core_get(ctx, mdl.handle, KOBJ_MEMORY, HR_READ, (void **)&m);
        if (r == rcOk) {
            struct process_segment s = segment_of(segAttr);
            r = process_build_load(p, m, &s, retaddr);
            kobj_unref(&m->obj);
        }
        build_end(p);
    }
    *rc = r;
    return rcOk;
}

Retcode task_SetEntry(void *ctx, idl_handle_t task, const struct kl_core_Task_EntryState *state,
                      kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = build_begin(ctx, task, &p);
    if (r == rcOk) {
        r = process_build_set_entry(p, state->entry, state->loadOffset);
        build_end(p);
    }
    *rc = r;
    return rcOk;
}

Retcode task_LoadElfSyms(void *ctx, idl_handle_t task, idl_handle_t symMdl,
                         const struct kl_core_Task_SegmentAttr *symSegAttr,
                         kl_core_Types_Size symSize, idl_handle_t strMdl,
                         const struct kl_core_Task_SegmentAttr *strSegAttr,
                         kl_core_Types_Size strSize, kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = build_begin(ctx, task, &p);
    if (r == rcOk) {
        struct mdl *sm = NULL, *tm = NULL;
        r = core_get(ctx, symMdl.handle, KOBJ_MEMORY, HR_READ, (void **)&sm);
        if (r == rcOk)
            r = core_get(ctx, strMdl.handle, KOBJ_MEMORY, HR_READ, (void **)&tm);
        if (r == rcOk) {
            struct process_segment s1 = segment_of(symSegAttr), s2 = segment_of(strSegAttr);
            r = process_build_load_syms(p, sm, &s1, symSize, tm, &s2, strSize);
        }
        if (sm != NULL)
            kobj_unref(&sm->obj);
        if (tm != NULL)
            kobj_unref(&tm->obj);
        build_end(p);
    }
    *rc = r;
    return rcOk;
}

Retcode task_LoadElfHdr(void *ctx, idl_handle_t task, struct idl_seq hdrData,
                        kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = build_begin(ctx, task, &p);
    if (r == rcOk) {
        r = process_build_set_header(p, hdrData.data, hdrData.count);
        build_end(p);
    }
    *rc = r;
    return rcOk;
}

Retcode task_ReseedAslr(void *ctx, idl_handle_t task, struct idl_seq seed,
                        kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = build_begin(ctx, task, &p);
    if (r == rcOk) {
        r = process_build_reseed(p, seed.data, seed.count);
        build_end(p);
    }
    *rc = r;
    return rcOk;
}

Retcode task_GetElfSyms(void *ctx, kl_core_Types_Size *relocBase, kl_core_Types_VirtAddr *syms,
                        kl_core_Types_Size *symsCnt, kl_core_Types_VirtAddr *strs,
                        kl_core_Types_Size *strsSize, kl_core_Types_Retcode *rc)
{
    struct process *p = ((struct core_ctx *)ctx)->proc;
    spin_lock(&p->lock);
    *relocBase = p->image_base;
    *syms = p->syms_va;
    *symsCnt = p->syms_size;
    *strs = p->strs_va;
    *strsSize = p->strs_size;
    spin_unlock(&p->lock);
    /* A process the kernel loaded from a file has no tables in its memory: only LoadElfSyms
     * puts them there. */
    *rc = *symsCnt == 0 ? rcNotFound : rcOk;
    return rcOk;
}
