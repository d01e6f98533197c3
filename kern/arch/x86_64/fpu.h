/*
 * FPU/SSE state of user threads. The kernel itself never touches x87/SSE registers (it is
 * built with -mgeneral-regs-only), so only user threads carry a state, saved and restored
 * eagerly with FXSAVE64/FXRSTOR64 on every switch away from / to them.
 */
#ifndef BASTION_ARCH_X86_64_FPU_H
#define BASTION_ARCH_X86_64_FPU_H

#define FPU_STATE_SIZE 512 /* FXSAVE area; must be 16-byte aligned */

/* Per CPU: CR0.MP on, EM and TS off; CR4.OSFXSR and OSXMMEXCPT on (SSE usable in user mode). */
void fpu_init_cpu(void);
/* A clean state: x87 control word 0x37F, MXCSR 0x1F80 (all exceptions masked). */
void fpu_state_init(void *area);
/* Inline: every switch between user threads runs both. */
static inline void fpu_save(void *area)
{
    __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static inline void fpu_restore(const void *area)
{
    __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

#endif
