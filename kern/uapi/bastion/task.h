/*
 * Flags of kl.core.Task.Create (its `flags` parameter).
 *
 * BASTION_TASK_CREATE_EMPTY: an empty process. The kernel loads nothing; `path` only records
 * which file its creator will load into it (Task.GetPath, Task.GetTasksList) and may be empty.
 * The creator builds it with VmReserve, LoadSeg, LoadElfSyms, LoadElfHdr and SetEntry before
 * Task.Resume (docs/processes-and-threads.md, "Empty processes"). An empty path with flags 0
 * asks for the same.
 * Freestanding: shared by the kernel and user mode.
 */
#ifndef BASTION_TASK_H
#define BASTION_TASK_H

#define BASTION_TASK_CREATE_EMPTY 0x1u

/*
 * BASTION_TASK_CREATE_FREEZE_ON_FAULT: when a thread of the process takes a fatal CPU exception,
 * the process is frozen instead of ended: no thread of it runs any more (the faulting thread's
 * registers are kept, the others are ended), its memory stays, Task.GetExitInfo reports the
 * fault, and whoever holds its handle with HR_TASK_FROZEN may inspect it (GetThreadContext,
 * GetNextVmRegion) and end it (TerminateAfterFreezing, Terminate).
 */
#define BASTION_TASK_CREATE_FREEZE_ON_FAULT 0x2u

/*
 * BASTION_TASK_CREATE_TEE_PARTITION: the process is the TEE partition (docs/tee.md): the one
 * process that takes the rich world's kl.core.TEE requests and may build TEEVMM buffers over
 * the frames they share. At most one lives at a time (a second Create with the flag is refused
 * with rcResourceBusy while the first lives). Einit sets it for the init.yaml entity with
 * `tee: true`; the policy decides Task.Create with its flags like any other request.
 */
#define BASTION_TASK_CREATE_TEE_PARTITION 0x4u

#endif
