/* The KSM's fixed list (ksm_self.h). */
#include "security/ksm_self.h"

#include "klcore/klcore.h"

/* What the KSM program (ksm/monitor/) needs and nothing more: its console, entropy for its
 * stack canary, its memory (the C runtime's heap, within its own RAM limit), a receiving
 * thread per CPU, and ending a thread or itself. It never calls
 * another process and never starts one. */
static const struct {
    uint32_t endpoint, method;
} fixed_list[] = {
    {kl_core_Core_EP_hal_HAL, kl_core_HAL_DebugWrite_MID},
    {kl_core_Core_EP_hal_HAL,
     kl_core_HAL_GetEntropy_MID}, /* the C runtime's stack-protector canary */
    {kl_core_Core_EP_vmm_VMM, kl_core_VMM_Allocate_MID},
    {kl_core_Core_EP_vmm_VMM, kl_core_VMM_Commit_MID},
    {kl_core_Core_EP_vmm_VMM, kl_core_VMM_Free_MID},
    {kl_core_Core_EP_thread_Thread, kl_core_Thread_Create_MID}, /* a receiver per CPU */
    {kl_core_Core_EP_thread_Thread, kl_core_Thread_Exit_MID},
    {kl_core_Core_EP_thread_Thread,
     kl_core_Thread_Sleep_MID}, /* a receiver's pause after a failed receive */
    {kl_core_Core_EP_task_Task, kl_core_Task_Exit_MID},
};

bool ksm_self_allowed(const struct sec_request *req)
{
    /* Only requests to the kernel: the kernel's answers to them need no check either. */
    if (req->event != KSM_EV_REQUEST || req->dst != NULL)
        return false;
    for (size_t i = 0; i < sizeof fixed_list / sizeof fixed_list[0]; i++)
        if (fixed_list[i].endpoint == req->endpoint_id && fixed_list[i].method == req->method_id)
            return true;
    return false;
}
