/*
 * kl.core.Profiler's coverage methods as one-line calls, for os_kcov and os_attack_kcov. Each
 * returns core_result() of the generated proxy (rcSecurityDisallow when the policy denied it).
 */
#ifndef OSTEST_KCOV_CALLS_H
#define OSTEST_KCOV_CALLS_H

#include <stdint.h>
#include <string.h>

#include <user/core.h>

#include "ostest.h"

/* The kernel's code lies in the top 2 GiB (-mcmodel=kernel, boot/linker.ld); user code far
 * below the canonical hole. */
#define KERNEL_TEXT_MIN 0xFFFFFFFF80000000ull

static inline Retcode kcov_alloc(uint32_t threads, uint64_t points)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_KcovAlloc(&cl, threads, points, &rc), &rc);
}

static inline Retcode kcov_free(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_KcovFree(&cl, &rc), &rc);
}

static inline Retcode kcov_start(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_KcovStart(&cl, &rc), &rc);
}

static inline Retcode kcov_stop(uint64_t *points, uint64_t max, uint64_t *num)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *num = 0;
    return core_result(kl_core_Profiler_KcovStop(&cl, (uint64_t)(uintptr_t)points, max, num, &rc),
                       &rc);
}

static inline Retcode gcov_flush_file(const char *name, const void *buf, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(
        kl_core_Profiler_FlushGcovFile(&cl, name, (uint64_t)(uintptr_t)buf, size, &rc), &rc);
}

static inline Retcode gcov_flush_kernel(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_FlushGcov(&cl, &rc), &rc);
}

/* GetCoverageData: up to 4096 bytes of record `index` into buf, *size all its bytes, its name
 * into name (cut to cap - 1). */
static inline Retcode gcov_coverage_data(uint32_t index, uint8_t *buf, uint64_t *size, char *name,
                                         size_t cap)
{
    /* The reply holds up to 4096 bytes and a name of up to 255: more than CORE_MSG_LARGE. */
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, 4096u + 1024u);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq seq = {0};
    kl_core_Types_Size sz = 0;
    const char *n = NULL;
    Retcode r = core_result(kl_core_Profiler_GetCoverageData(&cl, index, &seq, &sz, &n, &rc), &rc);
    *size = sz;
    if (seq.data != NULL && seq.count <= 4096)
        memcpy(buf, seq.data, seq.count);
    if (n != NULL && cap > 0) {
        strncpy(name, n, cap - 1);
        name[cap - 1] = 0;
    }
    return r;
}

static inline uint64_t kmem_used(void)
{
    uint64_t v = 0;
    uint32_t n = 0;
    return ot_counters("task.kmem_used", &v, 1, &n) == rcOk && n == 1 ? v : 0;
}

#endif
