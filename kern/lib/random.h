/*
 * The kernel's one random source: 64 bits from RDSEED, else RDRAND (each retried a few times:
 * both may transiently fail), else a TSC-seeded splitmix64 (weak: said once on the console).
 * Used for ASLR, handle-table keys, the stack-protector canary and HAL.GetEntropy. Callable
 * from any context, before and after SMP start; never sleeps.
 */
#ifndef BASTION_LIB_RANDOM_H
#define BASTION_LIB_RANDOM_H

#include <stdint.h>

uint64_t random_u64(void);

#endif
