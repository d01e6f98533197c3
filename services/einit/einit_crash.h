/*
 * Einit's crash reporter: every process Einit starts is created to be frozen at a fatal fault
 * (BASTION_TASK_CREATE_FREEZE_ON_FAULT); when Einit sees one has faulted it prints, before
 * ending it (Task.TerminateAfterFreezing):
 *   einit: <task>: rip ... rsp ... rbp ...        the faulting thread's registers
 *   einit: <task>: region <base>-<end> <rwx> <committed|reserved>   each memory region
 *   einit: <task>: #<n> <address> <function>+<offset>   the backtrace, from the frame-pointer
 *                  chain in a copy of its stack, named from its ELF file's symbol table
 *   einit: <task>: thread <tid> stopped at rip <address> <function>+<offset> rsp <address>
 *                  each of its other threads, where the freeze stopped it
 */
#ifndef EINIT_CRASH_H
#define EINIT_CRASH_H

#include <stdint.h>

/* Reports the frozen process `task` (name, ELF path, load bias) and ends it. A process that is
 * not frozen (it ended some other way) gets no report. */
void einit_crash_report(const char *name, const char *path, uint64_t bias, uint32_t task);

#endif
