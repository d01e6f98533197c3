/*
 * Entering user mode. user_return() leaves the kernel through IRET from a struct trap_frame
 * (idt.h) that the caller filled: a new thread's first entry, and every return that SYSRET
 * cannot do safely. Interrupts must be off (the SWAPGS and the IRET must not be split).
 */
#ifndef BASTION_ARCH_X86_64_USERMODE_H
#define BASTION_ARCH_X86_64_USERMODE_H

#include <stdint.h>
#include <stdnoreturn.h>

struct trap_frame;

noreturn void user_return(struct trap_frame *frame);

/*
 * A fault in user mode that nothing resolves: logs "<process>: fatal <why> at <addr> (rip ..)"
 * and ends the process (process_fault_kill_frame(), kern/proc/process.h) or, for a thread without a
 * process, the thread alone. The kernel keeps running. Does not return.
 */
noreturn void user_fault_fatal(struct trap_frame *frame, const char *why, uint64_t addr);

/* Routes every exception a user program can cause (#DE, #BP, #UD, #GP, #AC, #XM, ...) from
 * user mode to user_fault_fatal(); kernel-mode ones still reach the kernel's report. */
void user_faults_init(void);

#endif
