/*
 * A kernel file read whole through kl.core.FS (user/kernel_file.h): Open, Read block by block,
 * Close. The file is a snapshot the kernel took at Open, so reading it in several calls never
 * mixes two instants.
 */
#include <string.h>

#include <user/core.h>
#include <user/kernel_file.h>

#include "kl/core/FS.idl.h"

Retcode kernel_file_read(const char *path, void *buf, size_t cap, size_t *len)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_LARGE);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    *len = 0;
    Retcode r = core_result(kl_core_FS_Open(&cl, path, &h, &rc), &rc);
    if (r != rcOk)
        return r;
    size_t have = 0;
    for (uint64_t block = 0; r == rcOk; block++) {
        uint32_t got = 0;
        struct idl_seq data = {0};
        r = core_result(kl_core_FS_Read(&cl, core_handle_arg(h.handle), block, &got, &data, &rc),
                        &rc);
        if (r != rcOk || got == 0)
            break;
        if (got > data.count || got > cap - have) {
            r = rcBadFormat; /* longer than the caller's table can be: not one */
            break;
        }
        memcpy((uint8_t *)buf + have, data.data, got);
        have += got;
    }
    Retcode closed = core_result(kl_core_FS_Close(&cl, core_handle_arg(h.handle), &rc), &rc);
    if (r == rcOk)
        r = closed;
    if (r == rcOk)
        *len = have;
    return r;
}
