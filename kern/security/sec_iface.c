/* The security interface (sec_iface.h). */
#include "security/sec_iface.h"

#include "bastion_idl.h"
#include "ipc/msg.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "obj/kobj.h"
#include "panic.h"
#include "proc/process.h"
#include "security/hook.h"

static void sec_iface_destroy(struct kobj *obj)
{
    (void)obj;
    panic("security interface object destroyed");
}
static const struct kobj_ops sec_iface_ops = {KOBJ_SECURITY, "security", sec_iface_destroy};
static struct kobj sec_iface;

void sec_iface_init(void)
{
    /* The kernel's SID: a handle to it says "the kernel's security interface". */
    Retcode rc = kobj_init(&sec_iface, &sec_iface_ops, KOBJ_SID_KERNEL, NULL, 0);
    if (rc != rcOk)
        panic("security interface object: %s", retcode_name(rc));
}

struct kobj *sec_iface_object(void)
{
    return &sec_iface;
}

Retcode sec_iface_call(struct process *p, uint64_t req, uint64_t req_len, uint64_t resp,
                       uint64_t resp_cap, uint64_t *resp_len)
{
    if (resp_cap < IDL_HEADER_SIZE)
        return rcBufferTooSmall;
    Retcode rc;
    void *kb = kmalloc_charged(req_len, &p->kmem, &rc);
    if (kb == NULL)
        return rc;
    struct idl_header h;
    rc = copy_from_user(kb, req, req_len);
    if (rc == rcOk)
        rc = ipc_msg_check(kb, req_len, IPC_MSG_REQUEST, &h);
    if (rc == rcOk && h.handle_count != 0)
        rc = rcBadMessage; /* nobody receives handles here */
    if (rc == rcOk) {
        struct sec_request sr = {
            .event = KSM_EV_SECURITY,
            .src_sid = kobj_sid(&p->obj),
            .src_class = p->class_name,
            .dst_sid = KOBJ_SID_KERNEL,
            .dst_class = "security",
            .src = p->label,
            .endpoint_id = h.endpoint_id,
            .method_id = h.method_id,
            .msg = kb,
            .msg_len = req_len,
        };
        rc = security_check(&sr);
    }
    kfree_charged(kb, &p->kmem);
    if (rc != rcOk)
        return rc;
    struct idl_header answer = {
        .endpoint_id = h.endpoint_id,
        .method_id = h.method_id,
        .flags = IDL_FLAG_RESPONSE,
    };
    rc = copy_to_user(resp, &answer, sizeof answer);
    if (rc == rcOk)
        *resp_len = sizeof answer;
    return rc;
}
