/*
 * The kernel's core endpoints (kl.core.Core, idl/kl/core/Core.edl): one file per endpoint
 * (vmm.c thread.c handle.c task.c sync.c hal.c fs.c audit.c), all reached through core_call().
 *
 * core_call() is what SYS_CALL on a process's kernel handle does: copy the request into the
 * kernel once, validate it completely against the kl.core description (idl_route_request: every
 * size, offset, string terminator, union tag, handle index), pass the security hook, and run
 * the endpoint's generated dispatcher with that endpoint's handler table. A handler runs in the
 * calling thread, with `struct core_ctx` as its context; it returns rcOk and reports the
 * method's own result in the message's `rc` out parameter.
 *
 * Methods without a handler (docs/ipc.md lists them) are answered by the generated dispatcher with rcNotSupported as the result
 * of SYS_CALL itself (no reply message), and so is every method of the endpoints that have no
 * file here yet (Hypervisor).
 */
#ifndef BASTION_KLCORE_KLCORE_H
#define BASTION_KLCORE_KLCORE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "kl/core/Core.edl.h"

struct process;
struct thread;

/* What a handler gets as its idl_ctx. */
struct core_ctx {
    struct process *proc; /* the caller */
    struct thread *thread;
    bool exit_thread; /* set by Exit methods: the thread ends after the call */
    int64_t exit_code;
    void *scratch; /* a kmalloc'd buffer for sequence/string out parameters; only
                             * for the FS and VMM endpoints (core.c), NULL for the others */
    uint32_t scratch_size;
};

/* SYS_CALL on the kernel handle (see above). *resp_len: bytes of reply written at resp. */
Retcode core_call(struct process *p, uint64_t req, uint64_t req_len, uint64_t resp,
                  uint64_t resp_cap, uint64_t *resp_len);

/* The handler tables, one per file. */
extern const struct kl_core_VMM_ops core_vmm_ops;
extern const struct kl_core_Thread_ops core_thread_ops;
extern const struct kl_core_Handle_ops core_handle_ops;
extern const struct kl_core_Task_ops core_task_ops;
extern const struct kl_core_Sync_ops core_sync_ops;
extern const struct kl_core_HAL_ops core_hal_ops;
extern const struct kl_core_FS_ops core_fs_ops;
extern const struct kl_core_Audit_ops core_audit_ops;
extern const struct kl_core_Profiler_ops core_profiler_ops;
extern const struct kl_core_IO_ops core_io_ops;
extern const struct kl_core_IOMMU_ops core_iommu_ops;
extern const struct kl_core_XHCIDBG_ops core_xhcidbg_ops;
extern const struct kl_core_Time_ops core_time_ops;
extern const struct kl_core_CpuFreq_ops core_cpufreq_ops;
extern const struct kl_core_PM_ops core_pm_ops;
extern const struct kl_core_FSUnsafe_ops core_fsunsafe_ops;
extern const struct kl_core_Notice_ops core_notice_ops;
extern const struct kl_core_TEE_ops core_tee_ops;
extern const struct kl_core_TEEVMM_ops core_teevmm_ops;
extern const struct kl_core_IPC_ops core_ipc_ops;
extern const struct kl_core_CM_ops core_cm_ops;

/* Prints "kl.core: N of M methods served", counted from the handler tables; with list, first
 * a line "kl.core: serves <interface>.<method>" for each (the danger table's check reads them). */
void core_report_served(bool list);

/* Helpers shared by the endpoint files. */

/* Bit i set for each logical CPU i that is online (PM.c; CpuFreq's group, PM.GetCpusOnline). */
uint64_t core_cpus_online(void);

struct aspace;
/* Reserves size bytes with prot at a random free page-aligned place of the heap window above
 * the image (vmm.c; ASLR for VMM.Allocate(anywhere) and Thread.Create's stacks); the lowest
 * free range if a few random tries find no room. aspace_reserve's codes. */
Retcode core_reserve_anywhere(struct aspace *as, uint64_t size, uint32_t prot, uint64_t *base);

/* Looks up a handle of the caller with `need` rights and type; new reference in *obj. */
Retcode core_get(struct core_ctx *c, uint32_t handle, int type, uint32_t need, void **obj);

/* FS.Close, Audit.Close: closes the caller's handle if it is one of `type` (rcBadHandle
 * otherwise). Like Handle.Close it needs no right: giving up one's own handle takes nothing
 * from anyone. */
Retcode core_close_typed(struct core_ctx *c, uint32_t handle, int type);

/* Installs a root handle on obj in the caller's table; fills the idl out parameter. */
Retcode core_install(struct core_ctx *c, void *obj, uint32_t rights, uint32_t *out_handle,
                     uint32_t *out_rights);

#endif
