/*
 * The system-call layer: SYSCALL/SYSRET set-up and the dispatcher.
 *
 * Entry (syscall_entry.asm): SWAPGS, switch to the thread's kernel stack (percpu
 * kernel_stack_top), save a struct trap_frame exactly like an interrupt from user mode would,
 * interrupts on, syscall_dispatch(frame), which returns with them off. Exit: SYSRET when the return address is a canonical
 * user address, else IRET through user_return() (SYSRET with a non-canonical RCX faults in
 * ring 0 on the user's stack on Intel CPUs). The top user page is never mappable either
 * (aspace), so a SYSCALL at the very end of the user half cannot produce such an address.
 */
#ifndef BASTION_ARCH_X86_64_SYSCALL_H
#define BASTION_ARCH_X86_64_SYSCALL_H

#include <stdint.h>

#include <bastion/retcode.h>

struct trap_frame;

/* Per CPU: STAR (kernel CS 0x08, user base 0x10), LSTAR = syscall_entry, SFMASK clears IF, DF,
 * TF and AC on entry, EFER.SCE on. Called by the scheduler when the CPU joins it. */
void syscall_init_cpu(void);

/* Called by syscall_entry.asm with interrupts on; results go back into frame. Returns with
 * interrupts off (its preemption point disables them for the return to user mode). */
void syscall_dispatch(struct trap_frame *frame);

/* Number of system calls served on all CPUs (statistics). */
uint64_t syscall_count(void);

/* The IPC system calls are served by ipc_sys_call/recv/reply/reply_recv (syscall/ipc_calls.h). */

#endif
