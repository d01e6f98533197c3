/*
 * kl.core.FSUnsafe.Change(base, size): the ROMFS image at [base, base + size) of the caller's
 * memory becomes the file system (fs/romfs_volume.h). The kernel copies it into memory of its
 * own charged to the caller's kernel-memory account, checks it whole (romfs_mount, romfs_check:
 * every structural error a named code) and only then installs it, so a bad image changes
 * nothing and a good one can never point a reader outside itself. Files already open keep
 * reading the volume they were opened in; new Opens, FS.Count/GetInfo/GetFsSize and programs
 * started afterwards see the new one. rc: romfs_change's codes.
 */
#include "fs/romfs_volume.h"
#include "klcore/klcore.h"
#include "proc/process.h"

static Retcode Change(void *ctx, kl_core_Types_VirtAddr base, kl_core_Types_Size size,
                      kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = romfs_change(base, size, &c->proc->kmem);
    return rcOk;
}

const struct kl_core_FSUnsafe_ops core_fsunsafe_ops = {
    .Change = Change,
};
