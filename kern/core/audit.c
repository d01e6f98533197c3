/*
 * kl.core.Audit: user mode reads the kss security log (security/kss.h).
 *
 * Open("kss") gives a handle to the log; Read takes the oldest record not yet read by anyone
 * (the documented semantics: a message read by one process is not seen by another) as one
 * line of text, with outDropMsgs = records lost to the ring's wrap-around since the previous
 * Read; an empty log answers rcNotFound. Open("core") (the console output) is rcNotSupported:
 * the kernel keeps no copy of it. Any other name is rcNotFound.
 */
#include "core/core.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "obj/rights.h"
#include "panic.h"
#include "proc/process.h"
#include "security/kss.h"

static void kss_log_destroy(struct kobj *obj)
{
    (void)obj;
    panic("kss log object destroyed");
}
static const struct kobj_ops kss_log_ops = {KOBJ_AUDIT_LOG, "kss-log", kss_log_destroy};
static struct kobj kss_log;

void audit_init(void)
{
    KASSERT(kobj_init(&kss_log, &kss_log_ops, KOBJ_SID_KERNEL, NULL, 0) == rcOk);
}

static Retcode Open(void *ctx, const char *name, idl_handle_t *handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    if (name != NULL && strcmp(name, "kss") == 0)
        *rc = core_install(c, &kss_log, HR_READ | HR_BASIC, &handle->handle, &handle->rights);
    else if (name != NULL && strcmp(name, "core") == 0)
        *rc = rcNotSupported;
    else
        *rc = rcNotFound;
    return rcOk;
}

static Retcode Close(void *ctx, idl_handle_t handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct kobj *o;
    Retcode r = core_get(c, handle.handle, KOBJ_AUDIT_LOG, 0, (void **)&o);
    if (r == rcOk) {
        kobj_unref(o);
        spin_lock(&handle_tree_lock);
        r = handle_close(&c->proc->handles, handle.handle);
        spin_unlock(&handle_tree_lock);
    }
    *rc = r;
    return rcOk;
}

static Retcode Read(void *ctx, idl_handle_t handle, struct idl_seq *msg, uint32_t *out_drop_msgs,
                    kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    msg->data = c->scratch;
    msg->count = 0;
    *out_drop_msgs = 0;
    struct kobj *o;
    Retcode r = core_get(c, handle.handle, KOBJ_AUDIT_LOG, HR_READ, (void **)&o);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    kobj_unref(o);
    struct kss_record rec;
    uint64_t dropped = 0;
    if (!kss_take(&rec, &dropped)) {
        *rc = rcNotFound;
        return rcOk;
    }
    /* "seq=7 time_ns=... denied rcSecurityDisallow sid 9->1 request Untrusted[...] -> ..."
     * (the record's text starts with its event). */
    uint32_t cap = c->scratch_size < kl_core_Audit_AuditMsgMax ? c->scratch_size : kl_core_Audit_AuditMsgMax;
    ksnprintf(c->scratch, cap, "seq=%lu time_ns=%lu %s %s sid %lu->%lu %s", (unsigned long)rec.seq,
              (unsigned long)rec.time_ns, rec.granted ? "granted" : "denied", retcode_name(rec.rc),
              (unsigned long)rec.src_sid, (unsigned long)rec.dst_sid, rec.text);
    msg->count = (uint32_t)strnlen(c->scratch, cap);
    *out_drop_msgs = dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)dropped;
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_Audit_ops core_audit_ops = {
    .Open = Open,
    .Close = Close,
    .Read = Read,
};
