/*
 * kl.core.TEEVMM: the TEE partition's buffers over frames the rich world shared with it
 * (proc/tee_partition.h; docs/tee.md). Only the partition may call them (rcNotTeePartition).
 *
 * MdlAllocate(size, prot): a blank MDL (mm/mdl.h) of at most TEE_MDL_SIZE_MAX bytes, charged
 * to the partition's kernel memory (the object and its frame array; no RAM: the frames are the
 * sharer's); the handle has HR_BASIC | HR_MEMORY_MAP | HR_READ, and HR_WRITE with WRITE. The
 * buffer is then mapped and cloned like any MDL (VMM.MdlMap), over the frames added so far.
 * MdlAddFrame(handle, pa, pages): appends those frames, each of which must be a frame shared by
 * a request the partition holds now, taken and not answered (never an arbitrary physical address:
 * rcFrameNotShared); needs HR_MEMORY_MAP on the buffer.
 */
#include <bastion/rights.h>
#include <bastion/vmm.h>

#include "klcore/klcore.h"
#include "mm/mdl.h"
#include "proc/process.h"
#include "proc/tee_partition.h"

static Retcode MdlAllocate(void *ctx, kl_core_Types_Size size, uint32_t prot, idl_handle_t *handle,
                           kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    if (!tee_is_partition(c->proc)) {
        *rc = rcNotTeePartition;
        return rcOk;
    }
    struct mdl *m = NULL;
    Retcode r = mdl_create_blank(size, prot, TEE_MDL_SIZE_MAX, &c->proc->kmem, &m);
    if (r == rcOk) {
        r = core_install(c, m, mdl_handle_rights(prot), &handle->handle, &handle->rights);
        kobj_unref(&m->obj); /* the handle holds its own; on failure this frees the buffer */
    }
    *rc = r;
    return rcOk;
}

static Retcode MdlAddFrame(void *ctx, idl_handle_t handle, kl_core_Types_PhysAddr pa,
                           uint64_t pages, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    if (!tee_is_partition(c->proc)) {
        *rc = rcNotTeePartition;
        return rcOk;
    }
    struct mdl *m = NULL;
    Retcode r = core_get(c, handle.handle, KOBJ_MEMORY, HR_MEMORY_MAP, (void **)&m);
    if (r == rcOk) {
        r = tee_add_frames(c->proc, m, pa, pages);
        kobj_unref(&m->obj);
    }
    *rc = r;
    return rcOk;
}

const struct kl_core_TEEVMM_ops core_teevmm_ops = {
    .MdlAllocate = MdlAllocate,
    .MdlAddFrame = MdlAddFrame,
};
