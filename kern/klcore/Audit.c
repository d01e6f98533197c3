/*
 * kl.core.Audit: user mode reads the kernel's two logs: "kss", the security log
 * (security/kss.h), and "core", the kernel's own audit log of process starts, ends and fatal
 * faults and of the TEE partition (security/core_log.h).
 *
 * Open(name) makes a new reader of that log: a kernel object holding its own cursor into the
 * log, charged to the opener, behind a handle with HR_READ | HR_BASIC. Read gives that reader's
 * next record as one line of text, with outDropMsgs = the records this reader lost to the
 * ring's wrap-around since its previous Read; when it has read everything, rcNotFound. Reading
 * moves only the reader's own cursor: every reader sees every record the ring still holds, and
 * no reader can hide a record from another (a new reader starts at the oldest record kept, and
 * is told how many came before it). Copies of a reader's handle share its cursor. Close closes
 * the handle (the reader goes with its last handle). Any other name is rcNotFound. Who may
 * open which log is the policy's: Open is decided with its name like every core request.
 */
#include <bastion/rights.h>

#include "klcore/klcore.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "obj/kobj_new.h"
#include "proc/process.h"
#include "security/core_log.h"
#include "security/kss.h"

struct audit_reader {
    struct kobj obj; /* first: KOBJ_AUDIT_LOG */
    struct kss_cursor cursor;
    bool core; /* reads the core log; else kss (fixed at Open) */
};

static void audit_reader_destroy(struct kobj *obj)
{
    kobj_free_mem(obj);
}
static const struct kobj_ops audit_reader_ops = {KOBJ_AUDIT_LOG, "kss-reader",
                                                 audit_reader_destroy};

static Retcode Open(void *ctx, const char *name, idl_handle_t *handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    bool kss = name != NULL && strcmp(name, "kss") == 0;
    bool core = name != NULL && strcmp(name, "core") == 0;
    if (kss || core) {
        struct audit_reader *r = NULL;
        Retcode rr = kobj_new(sizeof *r, &audit_reader_ops, &c->proc->kmem, (void **)&r);
        if (rr == rcOk) {
            r->core = core;
            rr = core_install(c, r, HR_READ | HR_BASIC, &handle->handle, &handle->rights);
            kobj_unref(&r->obj); /* the handle holds its own; on failure this frees it */
        }
        *rc = rr;
    } else {
        *rc = rcNotFound;
    }
    return rcOk;
}

static Retcode Close(void *ctx, idl_handle_t handle, kl_core_Types_Retcode *rc)
{
    *rc = core_close_typed(ctx, handle.handle, KOBJ_AUDIT_LOG);
    return rcOk;
}

static Retcode Read(void *ctx, idl_handle_t handle, struct idl_seq *msg, uint32_t *out_drop_msgs,
                    kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    msg->data = c->scratch;
    msg->count = 0;
    *out_drop_msgs = 0;
    struct audit_reader *reader;
    Retcode r = core_get(c, handle.handle, KOBJ_AUDIT_LOG, HR_READ, (void **)&reader);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    struct kss_record rec;
    uint64_t lost = 0;
    bool core = reader->core;
    bool have =
        core ? core_log_read(&reader->cursor, &rec, &lost) : kss_read(&reader->cursor, &rec, &lost);
    kobj_unref(&reader->obj);
    *out_drop_msgs = lost > UINT32_MAX ? UINT32_MAX : (uint32_t)lost;
    if (!have) {
        *rc = rcNotFound;
        return rcOk;
    }
    /* "seq=7 time_ns=... denied rcSecurityDisallow sid 9->1 request Untrusted[...] -> ..."
     * (the record's text starts with its event). */
    uint32_t cap =
        c->scratch_size < kl_core_Audit_AuditMsgMax ? c->scratch_size : kl_core_Audit_AuditMsgMax;
    if (core) /* "seq=3 time_ns=... end pid=7 name=X class=C reason=exception code=-1" */
        ksnprintf(c->scratch, cap, "seq=%lu time_ns=%lu %s", (unsigned long)rec.seq,
                  (unsigned long)rec.time_ns, rec.text);
    else
        ksnprintf(c->scratch, cap, "seq=%lu time_ns=%lu %s %s sid %lu->%lu %s",
                  (unsigned long)rec.seq, (unsigned long)rec.time_ns,
                  rec.granted ? "granted" : "denied", retcode_name(rec.rc),
                  (unsigned long)rec.src_sid, (unsigned long)rec.dst_sid, rec.text);
    msg->count = (uint32_t)strnlen(c->scratch, cap);
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_Audit_ops core_audit_ops = {
    .Open = Open,
    .Close = Close,
    .Read = Read,
};
