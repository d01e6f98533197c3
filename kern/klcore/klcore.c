/* Routing SYS_CALL on the kernel handle to the core endpoints (contract in klcore.h). */
#include "klcore/klcore.h"
#include "klcore/Task.h"

#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "security/message_check.h"

#define CORE_SCRATCH 4096u /* the largest out sequence of the served methods (FS.Read) */

Retcode core_get(struct core_ctx *c, uint32_t handle, int type, uint32_t need, void **obj)
{
    return handle_get(&c->proc->handles, handle, (enum kobj_type)type, need, (struct kobj **)obj,
                      NULL);
}

Retcode core_close_typed(struct core_ctx *c, uint32_t handle, int type)
{
    struct kobj *o;
    Retcode r = handle_get(&c->proc->handles, handle, (enum kobj_type)type, HR_NONE, &o, NULL);
    if (r != rcOk)
        return r;
    kobj_unref(o);
    spin_lock(&handle_tree_lock);
    r = handle_close(&c->proc->handles, handle);
    spin_unlock(&handle_tree_lock);
    return r;
}

Retcode core_install(struct core_ctx *c, void *obj, uint32_t rights, uint32_t *out_handle,
                     uint32_t *out_rights)
{
    handle_t h;
    Retcode rc = handle_install(&c->proc->handles, obj, rights, &h);
    if (rc != rcOk)
        return rc;
    *out_handle = h;
    if (out_rights)
        *out_rights = rights;
    return rcOk;
}

/* The handler tables of the endpoints the kernel serves; the others are NULL, and the
 * generated class dispatcher answers them with rcNotSupported. */
static const struct kl_core_Core_handlers core_handlers = {
    .vmm_VMM = &core_vmm_ops,
    .thread_Thread = &core_thread_ops,
    .handle_Handle = &core_handle_ops,
    .task_Task = &core_task_ops,
    .sync_Sync = &core_sync_ops,
    .hal_HAL = &core_hal_ops,
    .fs_FS = &core_fs_ops,
    .audit_Audit = &core_audit_ops,
    .profiler_Profiler = &core_profiler_ops,
    .io_IO = &core_io_ops,
    .iommu_IOMMU = &core_iommu_ops,
    .xhcidbg_XHCIDBG = &core_xhcidbg_ops,
    .time_Time = &core_time_ops,
    .cpufreq_CpuFreq = &core_cpufreq_ops,
    .pm_PM = &core_pm_ops,
    .fs_FSUnsafe = &core_fsunsafe_ops,
    .notice_Notice = &core_notice_ops,
    .tee_TEE = &core_tee_ops,
    .tee_TEEVMM = &core_teevmm_ops,
    .ipc_IPC = &core_ipc_ops,
    .cm_CM = &core_cm_ops,
};

/*
 * What the kernel serves, computed from the handler tables above rather than kept by hand: a
 * method is served when its endpoint has a table and the table has a handler for it. idlc makes
 * each <Iface>_ops one function pointer per method, in method-id order, and nothing else (the
 * asserts below hold it to that for the endpoints served here).
 */
_Static_assert(sizeof(struct kl_core_Core_handlers) == kl_core_Core_ENDPOINT_COUNT * sizeof(void *),
               "one table pointer per endpoint, in endpoint-id order");
_Static_assert(sizeof(struct kl_core_VMM_ops) == kl_core_VMM_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_Thread_ops) ==
                   kl_core_Thread_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_Task_ops) ==
                   kl_core_Task_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_HAL_ops) == kl_core_HAL_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_IO_ops) == kl_core_IO_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_IOMMU_ops) ==
                   kl_core_IOMMU_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_Time_ops) ==
                   kl_core_Time_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_CpuFreq_ops) ==
                   kl_core_CpuFreq_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_PM_ops) == kl_core_PM_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_TEE_ops) == kl_core_TEE_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_TEEVMM_ops) ==
                   kl_core_TEEVMM_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_FSUnsafe_ops) ==
                   kl_core_FSUnsafe_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_Notice_ops) ==
                   kl_core_Notice_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_IPC_ops) == kl_core_IPC_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");
_Static_assert(sizeof(struct kl_core_CM_ops) == kl_core_CM_METHOD_COUNT * sizeof(void (*)(void)),
               "ops layout");

static bool method_served(uint32_t ep, uint32_t method)
{
    const void *table;
    memcpy(&table, (const char *)&core_handlers + ep * sizeof(void *), sizeof table);
    if (table == NULL)
        return false;
    void (*fn)(void);
    memcpy(&fn, (const char *)table + method * sizeof fn, sizeof fn);
    return fn != NULL;
}

void core_report_served(bool list)
{
    uint32_t served = 0, total = 0;
    for (uint32_t ep = 0; ep < kl_core_Core_ENDPOINT_COUNT; ep++) {
        const struct idl_endpoint_desc *e = &kl_core_Core_endpoints[ep];
        for (uint32_t m = 0; m < e->iface->nmethods; m++) {
            total++;
            if (!method_served(ep, m))
                continue;
            served++;
            if (list)
                kprintf("kl.core: serves %s.%s\n", idl_iface_name(e->iface),
                        idl_method_name(&idl_iface_methods(e->iface)[m]));
        }
    }
    kprintf("kl.core: %u of %u methods served\n", served, total);
}

#ifdef BASTION_CORE_PROF
/* Off by default: build with -DBASTION_CORE_PROF (e.g. CMAKE_C_FLAGS) to print, every 1000
 * Task.GetPid calls, the mean rdtsc ticks of each stage of the path (docs/benchmarks.md, "Where
 * a core call's ticks go"). ipc_sys_call stamps the first two. Single CPU only. */
#include "arch/x86_64/cpu.h"
#include "lib/prof.h"
uint64_t core_prof_t0, core_prof_t1;
#define CORE_PROF_STAMP(i) uint64_t prof_t##i = rdtsc()
static void core_prof_report(const struct idl_header *h, const uint64_t *t)
{
    static const char *const stage[9] = {"lookup", "kreq",     "copyin",  "route", "hook",
                                         "kres",   "dispatch", "copyout", "free"};
    static struct prof_average avg = {"COREPROF", stage, 9, {0}, 0};
    if (h->endpoint_id != kl_core_Core_EP_task_Task || h->method_id != kl_core_Task_GetPid_MID)
        return;
    uint64_t d[9];
    for (int i = 1; i < 10; i++)
        d[i - 1] = t[i] - t[i - 1];
    prof_average_add(&avg, d);
}
#else
#define CORE_PROF_STAMP(i) ((void)0)
#endif

/* The methods whose handlers use core_ctx.scratch, bit m of their endpoint's word: every
 * method of FS, VMM and Profiler, and Task.GetTasksList, HAL.GetEntropy, Audit.Read,
 * CpuFreq.GetLayout, Notice.GetEvent, CM.Listen, IO.DmaGetInfo and IO.DmaGetPhysInfo; calls of
 * the others do not allocate it. A table, where a chain of compares cost every call a dozen
 * instructions. */
#define SCRATCH_BIT(iface, method) (1ull << kl_core_##iface##_##method##_MID)
static const uint64_t scratch_methods[kl_core_Core_ENDPOINT_COUNT] = {
    [kl_core_Core_EP_task_Task] = SCRATCH_BIT(Task, GetTasksList),
    [kl_core_Core_EP_fs_FS] = ~0ull,
    [kl_core_Core_EP_vmm_VMM] = ~0ull,
    [kl_core_Core_EP_profiler_Profiler] = ~0ull,
    [kl_core_Core_EP_hal_HAL] = SCRATCH_BIT(HAL, GetEntropy),
    [kl_core_Core_EP_audit_Audit] = SCRATCH_BIT(Audit, Read),
    [kl_core_Core_EP_cpufreq_CpuFreq] = SCRATCH_BIT(CpuFreq, GetLayout),
    [kl_core_Core_EP_notice_Notice] = SCRATCH_BIT(Notice, GetEvent),
    [kl_core_Core_EP_cm_CM] = SCRATCH_BIT(CM, Listen),
    [kl_core_Core_EP_io_IO] = SCRATCH_BIT(IO, DmaGetInfo) | SCRATCH_BIT(IO, DmaGetPhysInfo),
};
_Static_assert(kl_core_Task_METHOD_COUNT <= 64 && kl_core_HAL_METHOD_COUNT <= 64 &&
                   kl_core_Audit_METHOD_COUNT <= 64 && kl_core_CpuFreq_METHOD_COUNT <= 64 &&
                   kl_core_Notice_METHOD_COUNT <= 64 && kl_core_CM_METHOD_COUNT <= 64 &&
                   kl_core_IO_METHOD_COUNT <= 64,
               "a method's bit in its endpoint's word");

/* ep and method are those of a request idl_route_request accepted, so in range: the bounds
 * only keep the table's read inside it. */
static bool uses_scratch(uint32_t ep, uint32_t method)
{
    return ep < kl_core_Core_ENDPOINT_COUNT && method < 64 && (scratch_methods[ep] >> method & 1);
}

/* Task.GetTasksList writes both of its sequences there (klcore/Task_list.c); the others need
 * at most one FS block. */
static uint32_t scratch_size(uint32_t ep, uint32_t method)
{
    if (ep == kl_core_Core_EP_task_Task && method == kl_core_Task_GetTasksList_MID)
        return TASK_LIST_SCRATCH;
    return CORE_SCRATCH;
}

/* A thread's small response buffer, then its small request buffer (proc/thread.h): the room
 * before the request is the response buffer's end, unused until the request is granted. */
#define CORE_RESP_BUF(t) ((t)->core_msg)
#define CORE_REQ_BUF(t) ((t)->core_msg + THREAD_CORE_MSG)
_Static_assert(THREAD_CORE_MSG >= SEC_MSG_ROOM && THREAD_CORE_MSG % 16 == 0, "room for the "
                                                                             "monitor's question "
                                                                             "before a small "
                                                                             "request, which stays "
                                                                             "aligned");

Retcode core_call(struct process *p, uint64_t req, uint64_t req_len, uint64_t resp,
                  uint64_t resp_cap, uint64_t *resp_len)
{
    if (resp_cap < IDL_HEADER_SIZE)
        return rcBufferTooSmall;
    if (resp_cap > IDL_MESSAGE_MAX)
        resp_cap = IDL_MESSAGE_MAX;
    Retcode rc = rcOk;
    struct thread *t = thread_current();
    /* Small messages use the calling thread's own buffers (charged with the thread); larger
     * ones are allocated and charged for the call, as before. */
    void *kreq = CORE_REQ_BUF(t);
    size_t kreq_room = SEC_MSG_ROOM;
    if (req_len > THREAD_CORE_MSG) {
        kreq_room = 0;
        kreq = kmalloc_charged(req_len, &p->kmem, &rc);
        if (kreq == NULL)
            return rc;
    }
    CORE_PROF_STAMP(2);
    void *kres = NULL, *scratch = NULL;
    rc = copy_from_user(kreq, req, req_len);
    CORE_PROF_STAMP(3);
    const struct idl_method_desc *m = NULL;
    struct idl_header h = {0};
    uint32_t answer_grant = 0;
    if (rc == rcOk) {
        rc = idl_error_retcode(idl_route_request(
            kl_core_Core_endpoints, kl_core_Core_ENDPOINT_COUNT, kreq, req_len, &m, &h));
    }
    CORE_PROF_STAMP(4);
    if (rc == rcOk)
        rc = security_check_kernel_request(p, kreq, req_len, kreq_room, &h, &answer_grant);
    CORE_PROF_STAMP(5);
    if (rc == rcOk) {
        if (resp_cap <= THREAD_CORE_MSG)
            kres = CORE_RESP_BUF(t);
        else
            kres = kmalloc_charged(resp_cap, &p->kmem, &rc);
        if (kres != NULL && uses_scratch(h.endpoint_id, h.method_id))
            scratch = kmalloc_charged(scratch_size(h.endpoint_id, h.method_id), &p->kmem, &rc);
    }
    CORE_PROF_STAMP(6);
    struct core_ctx c = {
        p, t, false, 0, scratch, scratch != NULL ? scratch_size(h.endpoint_id, h.method_id) : 0};
    size_t out_len = 0;
    if (rc == rcOk)
        /* idl_route_request validated the kernel's copy, which nobody can change: no second
         * validation, and its header h is the one the dispatch switches on. */
        rc = kl_core_Core_dispatch_header(&core_handlers, &c, &h, 1, kreq, req_len, kres, resp_cap,
                                          &out_len);
    CORE_PROF_STAMP(7);
    if (rc == rcOk)
        rc = security_check_kernel_answer(p, kres, out_len, answer_grant);
    if (rc == rcOk) {
        rc = copy_to_user(resp, kres, out_len);
        if (rc == rcOk)
            *resp_len = out_len;
    }
    CORE_PROF_STAMP(8);
    kfree_charged(scratch, &p->kmem);
    if (kres != CORE_RESP_BUF(t))
        kfree_charged(kres, &p->kmem);
    if (kreq != CORE_REQ_BUF(t))
        kfree_charged(kreq, &p->kmem);
    CORE_PROF_STAMP(9);
#ifdef BASTION_CORE_PROF
    core_prof_report(&h, (const uint64_t[10]){core_prof_t0, core_prof_t1, prof_t2, prof_t3, prof_t4,
                                              prof_t5, prof_t6, prof_t7, prof_t8, prof_t9});
#endif
    if (c.exit_thread)
        thread_exit(c.exit_code);
    return rc;
}
