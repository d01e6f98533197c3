/*
 * The kernel's one random source: 64 bits from RDSEED, else RDRAND (each retried a few times:
 * both may transiently fail), else a ChaCha20 generator with fast key erasure (lib/crng.h)
 * keyed by TSC timings: 64 readings at its first use, and one at every tick of every CPU
 * (random_add_timing). Said once on the console when it is used, as weaker than a hardware
 * source. Used for ASLR, handle-table keys, the stack-protector canary and HAL.GetEntropy.
 * Callable from any context, before and after SMP start; never sleeps.
 */
#ifndef BASTION_LIB_RANDOM_H
#define BASTION_LIB_RANDOM_H

#include <stdint.h>

uint64_t random_u64(void);
/* A timing (a TSC reading at an event whose time others cannot know to the cycle: a tick) for
 * the generator without a hardware source; nothing when the CPU has one. Lock-free: callable
 * from an interrupt handler. */
void random_add_timing(uint64_t tsc);

#endif
