/*
 * Kl.core.Task's handlers, one file per concept: Task.c (create, start, end, names, handles),
 * Task_build.c (building an empty process), Task_prio.c (its initial thread's priority and
 * scheduler class), Task_list.c (GetTasksList), Task_freeze.c (frozen processes). Task.c holds
 * the handler table.
 */
#ifndef BASTION_KLCORE_TASK_H
#define BASTION_KLCORE_TASK_H

#include "klcore/klcore.h"

/* The process behind the caller's handle h with rights `need` (new reference in *p). */
Retcode task_get(struct core_ctx *c, idl_handle_t h, uint32_t need, struct process **p);

Retcode task_VmReserve(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr addr,
                       kl_core_Types_Size size, uint32_t flags, kl_core_Types_VirtAddr *outAddr,
                       kl_core_Types_Retcode *rc);
Retcode task_VmFree(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr addr,
                    kl_core_Types_Size size, kl_core_Types_Retcode *rc);
Retcode task_LoadSeg(void *ctx, idl_handle_t task, idl_handle_t mdl,
                     const struct kl_core_Task_SegmentAttr *segAttr, kl_core_Types_Retcode *rc,
                     kl_core_Types_VirtAddr *retaddr);
Retcode task_SetEntry(void *ctx, idl_handle_t task, const struct kl_core_Task_EntryState *state,
                      kl_core_Types_Retcode *rc);
Retcode task_LoadElfSyms(void *ctx, idl_handle_t task, idl_handle_t symMdl,
                         const struct kl_core_Task_SegmentAttr *symSegAttr,
                         kl_core_Types_Size symSize, idl_handle_t strMdl,
                         const struct kl_core_Task_SegmentAttr *strSegAttr,
                         kl_core_Types_Size strSize, kl_core_Types_Retcode *rc);
Retcode task_LoadElfHdr(void *ctx, idl_handle_t task, struct idl_seq hdrData,
                        kl_core_Types_Retcode *rc);
Retcode task_ReseedAslr(void *ctx, idl_handle_t task, struct idl_seq seed,
                        kl_core_Types_Retcode *rc);
Retcode task_GetElfSyms(void *ctx, kl_core_Types_Size *relocBase, kl_core_Types_VirtAddr *syms,
                        kl_core_Types_Size *symsCnt, kl_core_Types_VirtAddr *strs,
                        kl_core_Types_Size *strsSize, kl_core_Types_Retcode *rc);

Retcode task_GetInitialThreadPriority(void *ctx, idl_handle_t task,
                                      kl_core_Types_Priority *priority, kl_core_Types_Retcode *rc);
Retcode task_SetInitialThreadPriority(void *ctx, idl_handle_t task, kl_core_Types_Priority priority,
                                      kl_core_Types_Retcode *rc);
Retcode task_SetInitialThreadSchedPolicy(void *ctx, idl_handle_t task,
                                         kl_core_Types_SchedPolicy policy,
                                         kl_core_Types_Priority priority,
                                         const struct kl_core_Types_SchedParam *params,
                                         kl_core_Types_Retcode *rc);

/* GetTasksList's out sequences live in the call's scratch buffer (klcore.c): this many bytes. */
#define TASK_LIST_SCRATCH \
    (kl_core_Task_TaskListStringsMax + kl_core_Task_TaskListMax * sizeof(kl_core_Types_Pid))
Retcode task_GetTasksList(void *ctx, idl_handle_t *notice, struct idl_seq *strings,
                          struct idl_seq *pids, kl_core_Types_Retcode *rc);

Retcode task_GetThreadContext(void *ctx, idl_handle_t task, uint32_t index,
                              struct kl_core_Task_ThreadContext *context,
                              kl_core_Types_Retcode *rc);
Retcode task_GetNextVmRegion(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr after,
                             kl_core_Types_VirtAddr *next, kl_core_Types_Size *size,
                             uint32_t *flags, idl_handle_t *handle, kl_core_Types_Retcode *rc);
Retcode task_TerminateAfterFreezing(void *ctx, idl_handle_t task, kl_core_Types_Retcode *rc);

#endif
