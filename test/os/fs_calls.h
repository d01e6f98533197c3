/*
 * kl.core.FS and kl.core.FSUnsafe as one-line calls, for pwr_fs, pwr_attack_fs and pwr_off:
 * each returns core_result() of the generated proxy (rcSecurityDisallow when the policy denied
 * it).
 */
#ifndef OSTEST_FS_CALLS_H
#define OSTEST_FS_CALLS_H

#include <stdint.h>
#include <string.h>

#include <user/core.h>

static inline Retcode fs_open(const char *name, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_FS_Open(&cl, name, &out, &rc), &rc);
    *h = out.handle;
    return r;
}

static inline Retcode fs_close(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_FS_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* Block 0 of the file into out (at most cap bytes); *got its length. */
static inline Retcode fs_read0(uint32_t h, void *out, uint32_t cap, uint32_t *got)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_LARGE);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq data = {0};
    uint32_t n = 0;
    Retcode r = core_result(kl_core_FS_Read(&cl, core_handle_arg(h), 0, &n, &data, &rc), &rc);
    *got = 0;
    if (r == rcOk) {
        *got = data.count < cap ? data.count : cap;
        memcpy(out, data.data, *got);
    }
    return r;
}

static inline Retcode fs_count(uint32_t *n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *n = 0;
    return core_result(kl_core_FS_Count(&cl, n, &rc), &rc);
}

static inline Retcode fs_size(uint64_t *size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Size s = 0;
    Retcode r = core_result(kl_core_FS_GetFsSize(&cl, &s, &rc), &rc);
    *size = s;
    return r;
}

static inline Retcode fs_change(const void *base, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FSUnsafe, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_FSUnsafe_Change(&cl, (uint64_t)(uintptr_t)base, size, &rc), &rc);
}

#endif
