/*
 * kl.core.Task's build, priority and list methods as one-line calls, for os_task_build and
 * os_attack_task: each returns core_result() of the generated proxy (rcSecurityDisallow when the
 * policy denied it).
 */
#ifndef OSTEST_TASK_CALLS_H
#define OSTEST_TASK_CALLS_H

#include <stdint.h>
#include <string.h>

#include <user/core.h>

#define TASK_SEG_R 4u
#define TASK_SEG_W 2u
#define TASK_SEG_X 1u

static inline Retcode task_create(const char *name, const char *cls, const char *path,
                                  uint32_t *task)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t child = {0};
    Retcode r = core_result(kl_core_Task_Create(&cl, name, cls, path, 0, 10, 0, &child, &rc), &rc);
    *task = r == rcOk ? child.handle : kl_core_Types_InvalidHandleValue;
    return r;
}

/* Task.Create with flags (<bastion/task.h>). */
static inline Retcode task_create_flags(const char *name, const char *cls, const char *path,
                                        uint32_t flags, uint32_t *task)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t child = {0};
    Retcode r =
        core_result(kl_core_Task_Create(&cl, name, cls, path, 0, 10, flags, &child, &rc), &rc);
    *task = r == rcOk ? child.handle : kl_core_Types_InvalidHandleValue;
    return r;
}

static inline Retcode task_thread_context(uint32_t task, uint32_t index,
                                          struct kl_core_Task_ThreadContext *ctx)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    memset(ctx, 0, sizeof *ctx);
    return core_result(kl_core_Task_GetThreadContext(&cl, core_handle_arg(task), index, ctx, &rc),
                       &rc);
}

/* Task.GetNextVmRegion; *mdl gets the region copy's handle (or the invalid value). */
static inline Retcode task_next_region(uint32_t task, uint64_t after, uint64_t *next,
                                       uint64_t *size, uint32_t *flags, uint32_t *mdl)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_VirtAddr n = 0;
    kl_core_Types_Size sz = 0;
    idl_handle_t h = {0};
    Retcode r = core_result(
        kl_core_Task_GetNextVmRegion(&cl, core_handle_arg(task), after, &n, &sz, flags, &h, &rc),
        &rc);
    *next = n;
    *size = sz;
    *mdl = r == rcOk ? h.handle : kl_core_Types_InvalidHandleValue;
    return r;
}

static inline Retcode task_terminate_frozen(uint32_t task)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_TerminateAfterFreezing(&cl, core_handle_arg(task), &rc), &rc);
}

/* Handle.Copy with a narrower rights mask. */
static inline Retcode handle_copy(uint32_t h, uint32_t rights, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t o = {0};
    Retcode r =
        core_result(kl_core_Handle_Copy(&cl, core_handle_arg(h), rights,
                                        core_handle_arg(kl_core_Types_InvalidHandleValue), &o, &rc),
                    &rc);
    *out = r == rcOk ? o.handle : kl_core_Types_InvalidHandleValue;
    return r;
}

static inline Retcode task_vm_reserve(uint32_t task, uint64_t addr, uint64_t size, uint32_t flags,
                                      uint64_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_VirtAddr va = 0;
    Retcode r = core_result(
        kl_core_Task_VmReserve(&cl, core_handle_arg(task), addr, size, flags, &va, &rc), &rc);
    if (out != NULL)
        *out = va;
    return r;
}

static inline Retcode task_vm_free(uint32_t task, uint64_t addr, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_VmFree(&cl, core_handle_arg(task), addr, size, &rc), &rc);
}

static inline Retcode task_load_seg(uint32_t task, uint32_t mdl, uint64_t vaddr, uint64_t mem,
                                    uint64_t off, uint64_t file, uint32_t flags)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Task_SegmentAttr a = {vaddr, mem, off, file, flags};
    kl_core_Types_VirtAddr at = 0;
    return core_result(
        kl_core_Task_LoadSeg(&cl, core_handle_arg(task), core_handle_arg(mdl), &a, &rc, &at), &rc);
}

static inline Retcode task_set_entry(uint32_t task, uint64_t entry, uint64_t offset)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Task_EntryState st = {entry, offset};
    return core_result(kl_core_Task_SetEntry(&cl, core_handle_arg(task), &st, &rc), &rc);
}

static inline Retcode task_load_hdr(uint32_t task, const void *hdr, uint32_t len)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_LoadElfHdr(&cl, core_handle_arg(task),
                                               (struct idl_seq){.data = hdr, .count = len}, &rc),
                       &rc);
}

static inline Retcode task_load_syms(uint32_t task, uint32_t mdl, uint64_t sym_va,
                                     uint64_t sym_size, uint32_t sym_flags, uint64_t str_va,
                                     uint64_t str_size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Task_SegmentAttr s = {sym_va, sym_size, 0, sym_size, sym_flags};
    struct kl_core_Task_SegmentAttr t = {str_va, str_size, 0, str_size, TASK_SEG_R};
    return core_result(kl_core_Task_LoadElfSyms(&cl, core_handle_arg(task), core_handle_arg(mdl),
                                                &s, sym_size, core_handle_arg(mdl), &t, str_size,
                                                &rc),
                       &rc);
}

static inline Retcode task_reseed(uint32_t task, const void *seed, uint32_t len)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_ReseedAslr(&cl, core_handle_arg(task),
                                               (struct idl_seq){.data = seed, .count = len}, &rc),
                       &rc);
}

static inline Retcode task_get_prio(uint32_t task, uint32_t *prio)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Priority p = 0;
    Retcode r = core_result(
        kl_core_Task_GetInitialThreadPriority(&cl, core_handle_arg(task), &p, &rc), &rc);
    *prio = p;
    return r;
}

static inline Retcode task_set_prio(uint32_t task, uint32_t prio)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_SetInitialThreadPriority(&cl, core_handle_arg(task), prio, &rc),
                       &rc);
}

static inline Retcode task_set_policy(uint32_t task, uint32_t policy, uint32_t prio)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Types_SchedParam sp;
    memset(&sp, 0, sizeof sp);
    sp.tag = policy <= 2 ? policy : 0;
    if (policy == kl_core_Types_SchedPolicyRoundRobin)
        sp.u.roundRobin.quantum = 10;
    return core_result(kl_core_Task_SetInitialThreadSchedPolicy(&cl, core_handle_arg(task), policy,
                                                                prio, &sp, &rc),
                       &rc);
}

/* Task.SetInitialThreadSchedPolicy to round robin at prio with a quantum of ms milliseconds. */
static inline Retcode task_set_rr(uint32_t task, uint32_t prio, uint32_t ms)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Types_SchedParam sp;
    memset(&sp, 0, sizeof sp);
    sp.tag = kl_core_Types_SchedPolicyRoundRobin;
    sp.u.roundRobin.quantum = ms;
    return core_result(kl_core_Task_SetInitialThreadSchedPolicy(&cl, core_handle_arg(task),
                                                                kl_core_Types_SchedPolicyRoundRobin,
                                                                prio, &sp, &rc),
                       &rc);
}

static inline Retcode task_resume(uint32_t task)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_Resume(&cl, core_handle_arg(task), &rc), &rc);
}

static inline Retcode task_terminate(uint32_t task)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_Terminate(&cl, core_handle_arg(task), &rc), &rc);
}

static inline Retcode task_elf_syms(uint64_t *reloc, uint64_t *syms, uint64_t *syms_size,
                                    uint64_t *strs, uint64_t *strs_size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Size a = 0, c = 0, e = 0;
    kl_core_Types_VirtAddr b = 0, d = 0;
    Retcode r = core_result(kl_core_Task_GetElfSyms(&cl, &a, &b, &c, &d, &e, &rc), &rc);
    *reloc = a;
    *syms = b;
    *syms_size = c;
    *strs = d;
    *strs_size = e;
    return r;
}

#endif
