/* Routing SYS_CALL on the kernel handle to the core endpoints (contract in core.h). */
#include "core/core.h"

#include "mm/slab.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "security/hook.h"

#define CORE_SCRATCH 4096u /* the largest out sequence of the served methods (FS.Read) */

Retcode core_get(struct core_ctx *c, uint32_t handle, int type, uint32_t need, void **obj)
{
    return handle_get(&c->proc->handles, handle, (enum kobj_type)type, need, (struct kobj **)obj,
                      NULL);
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

static Retcode dispatch(struct core_ctx *c, uint32_t ep, const void *req, size_t len, void *res,
                        size_t cap, size_t *res_len)
{
    switch (ep) {
    case kl_core_Core_EP_vmm_VMM:
        return kl_core_VMM_dispatch(&core_vmm_ops, c, req, len, res, cap, res_len);
    case kl_core_Core_EP_thread_Thread:
        return kl_core_Thread_dispatch(&core_thread_ops, c, req, len, res, cap, res_len);
    case kl_core_Core_EP_handle_Handle:
        return kl_core_Handle_dispatch(&core_handle_ops, c, req, len, res, cap, res_len);
    case kl_core_Core_EP_task_Task:
        return kl_core_Task_dispatch(&core_task_ops, c, req, len, res, cap, res_len);
    case kl_core_Core_EP_sync_Sync:
        return kl_core_Sync_dispatch(&core_sync_ops, c, req, len, res, cap, res_len);
    case kl_core_Core_EP_hal_HAL:
        return kl_core_HAL_dispatch(&core_hal_ops, c, req, len, res, cap, res_len);
    case kl_core_Core_EP_fs_FS:
        return kl_core_FS_dispatch(&core_fs_ops, c, req, len, res, cap, res_len);
    default:
        return rcNotSupported; /* an endpoint of kl.core.Core that issue 4 does not serve */
    }
}

Retcode core_call(struct process *p, uint64_t req, uint64_t req_len, uint64_t resp,
                  uint64_t resp_cap, uint64_t *resp_len)
{
    if (resp_cap < IDL_HEADER_SIZE)
        return rcBufferTooSmall;
    if (resp_cap > IDL_MESSAGE_MAX)
        resp_cap = IDL_MESSAGE_MAX;
    Retcode rc;
    void *kreq = kmalloc_charged(req_len, &p->kmem, &rc);
    if (kreq == NULL)
        return rc;
    void *kres = NULL, *scratch = NULL;
    rc = copy_from_user(kreq, req, req_len);
    const struct idl_method_desc *m = NULL;
    struct idl_header h = {0};
    if (rc == rcOk) {
        enum idl_error e = idl_route_request(kl_core_Core_endpoints, kl_core_Core_ENDPOINT_COUNT,
                                             kreq, req_len, &m);
        if (e == IDL_OK)
            e = idl_peek_header(kreq, req_len, &h);
        rc = idl_error_retcode(e);
    }
    if (rc == rcOk) {
        struct sec_request sr = {
            .event = SEC_EVENT_REQUEST, .src_sid = kobj_sid(&p->obj), .src_class = p->class_name,
            .dst_sid = KOBJ_SID_KERNEL, .dst_class = CORE_CLASS_NAME,
            .endpoint_id = h.endpoint_id, .method_id = h.method_id, .msg = kreq,
            .msg_len = req_len,
        };
        rc = security_check(&sr);
    }
    if (rc == rcOk) {
        kres = kmalloc_charged(resp_cap, &p->kmem, &rc);
        if (kres != NULL)
            scratch = kmalloc_charged(CORE_SCRATCH, &p->kmem, &rc);
    }
    struct core_ctx c = {p, thread_current(), false, 0, scratch, CORE_SCRATCH};
    size_t out_len = 0;
    if (rc == rcOk && scratch != NULL)
        rc = dispatch(&c, h.endpoint_id, kreq, req_len, kres, resp_cap, &out_len);
    if (rc == rcOk) {
        rc = copy_to_user(resp, kres, out_len);
        if (rc == rcOk)
            *resp_len = out_len;
    }
    kfree_charged(scratch, &p->kmem);
    kfree_charged(kres, &p->kmem);
    kfree_charged(kreq, &p->kmem);
    if (c.exit_thread)
        thread_exit(c.exit_code);
    return rc;
}
