/*
 * kl.core.TEE: Dispatch and FreeToken between the rich world and the TEE partition
 * (proc/tee_partition.h does the work; docs/tee.md).
 *
 * Dispatch from the partition answers the request it took (msgIn.token, or 0 for none) and
 * waits for the next one in msgOut. Dispatch from any other process is a request: it waits for
 * the partition's answer, which only the token's owner receives. A request may name an MDL
 * handle of its sender in msgIn.shareHandle (needing HR_MEMORY_MAP; the share gives the
 * partition the access the handle has, READ with HR_READ, WRITE with HR_WRITE): its frames,
 * at most TeeShareFramesMax of them, are listed to the partition while the token lives. A
 * blank partition buffer cannot be shared on (rcInvalidArgument).
 */
#include <bastion/rights.h>
#include <bastion/vmm.h>

#include "klcore/klcore.h"
#include "lib/string.h"
#include "mm/mdl.h"
#include "obj/handle.h"
#include "proc/process.h"
#include "proc/tee_partition.h"

/* The buffer msgIn shares, with the access its sender's handle gives (one reference). */
static Retcode share_of(struct core_ctx *c, uint32_t handle, struct mdl **out, uint32_t *prot)
{
    *out = NULL;
    *prot = 0;
    if (handle == kl_core_Types_InvalidHandleValue)
        return rcOk;
    struct mdl *m = NULL;
    handle_rights_t have = 0;
    Retcode r = handle_get(&c->proc->handles, handle, KOBJ_MEMORY, HR_MEMORY_MAP,
                           (struct kobj **)&m, &have);
    if (r != rcOk)
        return r;
    if (m->blank)
        r = rcInvalidArgument;
    else if (mdl_size(m) / 4096u > kl_core_TEE_TeeShareFramesMax)
        r = rcOutOfRange;
    if (r != rcOk) {
        kobj_unref(&m->obj);
        return r;
    }
    *prot = m->prot & (((have & HR_READ) ? BASTION_VMM_READ : 0) |
                       ((have & HR_WRITE) ? BASTION_VMM_WRITE : 0));
    *out = m;
    return rcOk;
}

static Retcode Dispatch(void *ctx, const struct kl_core_TEE_TeeMessage *msgIn,
                        struct kl_core_TEE_TeeMessage *msgOut, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    memset(msgOut, 0, sizeof *msgOut);
    msgOut->shareHandle = kl_core_Types_InvalidHandleValue;
    if (tee_is_partition(c->proc)) {
        *rc = tee_serve(c->proc, msgIn, msgOut);
        return rcOk;
    }
    struct mdl *share;
    uint32_t prot;
    Retcode r = share_of(c, msgIn->shareHandle, &share, &prot);
    if (r == rcOk)
        r = tee_request(c->proc, msgIn, share, prot, msgOut);
    msgOut->shareHandle = kl_core_Types_InvalidHandleValue;
    *rc = r;
    return rcOk;
}

static Retcode FreeToken(void *ctx, kl_core_TEE_TeeToken token, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = tee_free_token(c->proc, token);
    return rcOk;
}

const struct kl_core_TEE_ops core_tee_ops = {
    .Dispatch = Dispatch,
    .FreeToken = FreeToken,
};
