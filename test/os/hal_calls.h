/*
 * kl.core.HAL's register and cache methods and kl.core.XHCIDBG as one-line calls, for os_hal and
 * os_attack_hal: each returns core_result() of the generated proxy (the method's rc, or the
 * transport's failure, rcSecurityDisallow when the policy denied it).
 */
#ifndef OSTEST_HAL_CALLS_H
#define OSTEST_HAL_CALLS_H

#include <stdint.h>

#include <user/core.h>

static inline Retcode hal_get(const char *reg, uint64_t *val)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *val = 0;
    return core_result(kl_core_HAL_GetPrivReg(&cl, reg, val, &rc), &rc);
}

static inline Retcode hal_set(const char *reg, uint64_t val)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_HAL_SetPrivReg(&cl, reg, val, &rc), &rc);
}

static inline Retcode hal_get_range(const char *range, uint32_t offset, uint64_t *val)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *val = 0;
    return core_result(kl_core_HAL_GetPrivRegRange(&cl, range, offset, val, &rc), &rc);
}

static inline Retcode hal_set_range(const char *range, uint32_t offset, uint64_t val)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_HAL_SetPrivRegRange(&cl, range, offset, val, &rc), &rc);
}

static inline Retcode hal_flush(uint32_t type, uint64_t va, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_HAL_FlushCache(&cl, type, va, size, &rc), &rc);
}

static inline Retcode xhcidbg_start(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_xhcidbg_XHCIDBG, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_XHCIDBG_Start(&cl, &rc), &rc);
}

static inline Retcode xhcidbg_stop(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_xhcidbg_XHCIDBG, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_XHCIDBG_Stop(&cl, &rc), &rc);
}

static inline uint64_t hal_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

#endif
