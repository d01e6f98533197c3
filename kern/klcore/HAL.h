/*
 * kl.core.HAL, the hardware abstraction layer endpoint. HAL.c holds the handler table and the
 * small methods (DebugWrite, GetEnv, GetEntropy); the privileged registers (HAL_privreg.c) and
 * the cache flush (HAL_cache.c) have files of their own, their handlers declared here with the
 * generated signatures of struct kl_core_HAL_ops (idl/kl/core/HAL.idl).
 */
#ifndef BASTION_KLCORE_HAL_H
#define BASTION_KLCORE_HAL_H

#include "kl/core/Core.edl.h"

/* Privileged registers by name, from the allow-list of dev/privreg.h (HAL_privreg.c). */
Retcode hal_get_priv_reg(void *ctx, const char *reg, uint64_t *val, kl_core_Types_Retcode *rc);
Retcode hal_set_priv_reg(void *ctx, const char *reg, uint64_t val, kl_core_Types_Retcode *rc);
Retcode hal_get_priv_reg_range(void *ctx, const char *range, uint32_t offset, uint64_t *val,
                               kl_core_Types_Retcode *rc);
Retcode hal_set_priv_reg_range(void *ctx, const char *range, uint32_t offset, uint64_t val,
                               kl_core_Types_Retcode *rc);

/* The caller's memory or the whole cache (HAL_cache.c). */
Retcode hal_flush_cache(void *ctx, kl_core_HAL_CacheType type, kl_core_Types_VirtAddr va,
                        kl_core_Types_Size size, kl_core_Types_Retcode *rc);

#endif
