/* Wrappers of kl.core.VMM's MDL methods (<user/vmm.h>); buffers on the caller's stack, as in
 * core.c, so that they are reentrant. */
#include <user/core.h>
#include <user/vmm.h>

Retcode core_mdl_create(uint64_t size, uint32_t prot, uint32_t *handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {.handle = kl_core_Types_InvalidHandleValue, .rights = 0};
    Retcode r = core_result(kl_core_VMM_MdlCreate(&cl, size, prot, &h, &rc), &rc);
    *handle = r == rcOk ? h.handle : kl_core_Types_InvalidHandleValue;
    return r;
}

Retcode core_mdl_get_size(uint32_t handle, uint64_t *size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Size s = 0;
    Retcode r = core_result(kl_core_VMM_MdlGetSize(&cl, core_handle_arg(handle), &s, &rc), &rc);
    *size = s;
    return r;
}

Retcode core_mdl_map(uint32_t handle, uint64_t offset, uint64_t length, uint64_t hint,
                     uint32_t prot, uint64_t *va)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_VirtAddr a = 0;
    Retcode r = core_result(
        kl_core_VMM_MdlMap(&cl, core_handle_arg(handle), offset, length, hint, prot, &a, &rc), &rc);
    *va = r == rcOk ? a : 0;
    return r;
}

Retcode core_mdl_clone(uint32_t handle, uint64_t offset, uint64_t length, uint32_t *clone)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {.handle = kl_core_Types_InvalidHandleValue, .rights = 0};
    Retcode r = core_result(
        kl_core_VMM_MdlClone(&cl, core_handle_arg(handle), offset, length, &h, &rc), &rc);
    *clone = r == rcOk ? h.handle : kl_core_Types_InvalidHandleValue;
    return r;
}
