/*
 * Fault-safe MSR access: reading or writing a model-specific register that the CPU does not
 * have raises #GP, which in the kernel would be a panic. These accessors turn it into a return
 * value, so that an MSR a process names (kl.core.HAL.GetPrivReg, dev/privreg.h) can be absent on
 * this CPU model without harm.
 */
#ifndef BASTION_ARCH_X86_64_MSR_SAFE_H
#define BASTION_ARCH_X86_64_MSR_SAFE_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* 0 on success, 1 when the CPU refused the access with #GP (msr_safe_asm.asm). */
int msr_read_safe(uint32_t msr, uint64_t *out);
int msr_write_safe(uint32_t msr, uint64_t value);

/* Called by the exception dispatcher for a #GP in kernel mode: true (and RIP moved to the
 * accessors' failure return) when the fault is one of their two instructions. */
bool msr_safe_fixup(struct trap_frame *f);

#endif
