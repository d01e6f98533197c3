/*
 * Handle rights: the permissions mask every handle carries.
 *
 * As in KasperskyOS, the mask is 32 bits with a general part (bits 0-15: rights with the same
 * meaning for every object type) and a specialised part (bits 16-31: HR_SPEC(n), meaning defined
 * per object type below). As in Zircon, every operation names the rights it needs and a handle
 * without them gets rcAccessDenied; rights can only shrink when a handle is copied or transferred
 * (handle_copy/handle_transfer refuse a mask that is not a subset of the source's, rcAccessDenied).
 *
 * The kernel gives a new object's first handle the type's *_FULL mask (KasperskyOS: OCAP_*_FULL)
 * or one of the IPC masks; holders narrow it from there.
 *
 * Part of the ABI: user programs include it as <bastion/rights.h>.
 */
#ifndef BASTION_RIGHTS_H
#define BASTION_RIGHTS_H

#include <stdint.h>

typedef uint32_t handle_rights_t;

/* Every right the kernel defines is checked by some operation (docs/handles-and-rights.md lists
 * which). An operation that needs none says so with HR_NONE: only closing one's own handle. */
#define HR_NONE 0u

/* General part. Bit 2 is unassigned: no kernel object can be mapped as code through a handle
 * (memory objects are never executable, W^X), so an "execute" right would restrict nothing. */
#define HR_READ (1u << 0)      /* read state or data: GetInfo, GetName, FS Read, ... */
#define HR_WRITE (1u << 1)     /* change state or data */
#define HR_DUPLICATE (1u << 3) /* Handle.Copy: make a descendant in the same process */
#define HR_TRANSFER (1u << 4)  /* send to another process (IPC, Task.TransferHandle) */
#define HR_REVOKE (1u << 5) /* Handle.Revoke / RevokeSubtree: cut off this handle's descendants */
#define HR_GENERAL_MASK 0x0000ffffu

/* Specialised part: bit n of the type-specific rights. */
#define HR_SPEC(n) (1u << (16u + (n)))
#define HR_SPEC_MASK 0xffff0000u

/* What a holder needs to hand the resource on and keep control of it. */
#define HR_BASIC (HR_DUPLICATE | HR_TRANSFER | HR_REVOKE)

/* Processes (KOBJ_TASK). READ covers GetName/GetPath/GetPid/GetExitInfo; WRITE covers SetEnv. */
#define HR_TASK_TERMINATE HR_SPEC(0) /* Task.Terminate */
#define HR_TASK_RESUME HR_SPEC(1)    /* Task.Resume of a created process */
/* Building an empty process that does not run yet: VmReserve, VmFree, LoadSeg, LoadElfHdr,
 * LoadElfSyms, SetEntry, ReseedAslr. */
#define HR_TASK_VM HR_SPEC(2)
#define HR_TASK_HANDLES HR_SPEC(3) /* Task.TransferHandle into it */
/* Inspecting a frozen process: GetThreadContext, GetNextVmRegion, TerminateAfterFreezing. */
#define HR_TASK_FROZEN HR_SPEC(4)
#define HR_TASK_FULL                                                                   \
    (HR_READ | HR_WRITE | HR_BASIC | HR_TASK_TERMINATE | HR_TASK_RESUME | HR_TASK_VM | \
     HR_TASK_HANDLES | HR_TASK_FROZEN)

/* Threads (KOBJ_THREAD). READ covers GetInfo, GetAffinity and Wait; every change has its own
 * specialised right, so a thread handle carries no HR_WRITE. */
#define HR_THREAD_SUSPEND HR_SPEC(0)   /* Resume (Suspend acts on the caller itself) */
#define HR_THREAD_TERMINATE HR_SPEC(1) /* Terminate */
#define HR_THREAD_SETUP HR_SPEC(2)     /* SetPriority, SetAffinity */
#define HR_THREAD_FULL \
    (HR_READ | HR_BASIC | HR_THREAD_SUSPEND | HR_THREAD_TERMINATE | HR_THREAD_SETUP)

/* IPC (KOBJ_IPC_CLIENT / KOBJ_IPC_SERVER / KOBJ_IPC_LISTENER). There is no reply right
 * (HR_SPEC(2) stays unassigned): a reply names no handle but the reply token, which only the
 * receive of that very call hands out, so the right to answer is having received the call. */
#define HR_IPC_CALL HR_SPEC(0)                   /* send a request and wait for the reply */
#define HR_IPC_RECV HR_SPEC(1)                   /* receive requests (Recv, ReplyRecv) */
#define HR_IPC_CLIENT (HR_BASIC | HR_IPC_CALL)   /* KasperskyOS OCAP_IPC_CLIENT */
#define HR_IPC_SERVER (HR_BASIC | HR_IPC_RECV)   /* OCAP_IPC_SERVER */
#define HR_IPC_LISTENER (HR_BASIC | HR_IPC_RECV) /* OCAP_IPC_LISTENER */

/* Memory objects (KOBJ_MEMORY): READ/WRITE bound the protection of any mapping; READ also
 * covers MdlGetSize. */
#define HR_MEMORY_MAP HR_SPEC(0) /* MdlMap, MdlClone */
#define HR_MEMORY_FULL (HR_READ | HR_WRITE | HR_BASIC | HR_MEMORY_MAP)

/* DMA buffers (KOBJ_IO_DMA): READ covers DmaGetInfo/DmaGetPhysInfo and bounds a mapping's
 * protection with WRITE; WRITE also covers ModifyDma. No HR_TRANSFER: a DMA buffer never leaves
 * the process that registered it (no memory shared behind the monitor's back; share data
 * through an MDL, whose every transfer the monitor decides). */
#define HR_DMA_MAP HR_SPEC(0)    /* MapDma */
#define HR_DMA_DEVICE HR_SPEC(1) /* BeginDma: open the buffer to the caller's devices */
#define HR_DMA_FULL (HR_READ | HR_WRITE | HR_DUPLICATE | HR_REVOKE | HR_DMA_MAP | HR_DMA_DEVICE)
/* A DMA buffer's device mapping (IO.BeginDma's iomapping): closing the last handle unmaps it. */
#define HR_DMA_MAPPING_FULL (HR_READ | HR_DUPLICATE | HR_REVOKE)

/* Files (KOBJ_FILE): ROMFS is read-only. */
#define HR_FILE_FULL (HR_READ | HR_BASIC)

/* The kernel's core endpoints (KOBJ_KERNEL): calling them is decided by the security policy. */
#define HR_KERNEL_FULL (HR_BASIC | HR_IPC_CALL)

/* Badges (KOBJ_BADGE): tagging a copy or transfer with the badge (Handle.Copy,
 * Task.TransferHandle) and selecting by it (Handle.RevokeSubtree) need HR_BADGE_TAG. */
#define HR_BADGE_TAG HR_SPEC(0)
#define HR_BADGE_FULL (HR_BASIC | HR_BADGE_TAG)
/* Interrupts (KOBJ_IO_IRQ, IO.RegisterIrq). DetachIrq stops another thread's handling, so it
 * needs the control right as masking does. */
#define HR_IRQ_ATTACH HR_SPEC(0)  /* AttachIrq */
#define HR_IRQ_CONTROL HR_SPEC(1) /* EnableIrq, DisableIrq, DetachIrq */
#define HR_IRQ_FULL (HR_BASIC | HR_IRQ_ATTACH | HR_IRQ_CONTROL)
/* An interrupt's delivery (KOBJ_IO_IRQ_DELIVERY, IO.AttachIrq): Recv waits for the interrupt.
 * Only the receive right: it cannot be copied or sent, it belongs to the attached thread. */
#define HR_IRQ_DELIVERY HR_IPC_RECV

/* IPC synchronization objects (KOBJ_IPC_SYNC, IPC.CreateSyncObject): SetInterrupt and
 * ClearInterrupt need HR_WRITE. No HR_TRANSFER: the object interrupts the waits of the process
 * that made it, and its handle never leaves that process. */
#define HR_IPC_SYNC_FULL (HR_WRITE | HR_DUPLICATE | HR_REVOKE)

/* User objects: the general rights, and the specialised bits for the serving program. */
#define HR_USER_FULL (HR_READ | HR_WRITE | HR_BASIC | HR_SPEC_MASK)

/* Registered device ranges (KOBJ_IO_PORTS, KOBJ_IO_MMIO; kl.core.IO): PermitPort of a port
 * range needs HR_IO_PERMIT; MapMem of an MMIO range needs HR_IO_MAP and HR_READ / HR_WRITE for
 * the protection asked. HR_BASIC lets a registering process (Einit) hand a range to its driver.
 * The mapping and access handles MapMem and PermitPort return carry no right: they can only be
 * closed (which unmaps / closes the ports), never copied or sent. */
#define HR_IO_MAP HR_SPEC(0)
#define HR_IO_PERMIT HR_SPEC(1)
#define HR_IO_PORTS_FULL (HR_BASIC | HR_IO_PERMIT)
#define HR_IO_MMIO_FULL (HR_BASIC | HR_READ | HR_WRITE | HR_IO_MAP)

/* Notification receivers (KOBJ_NOTICE, kl.core.Notice): GetEvent needs HR_READ; adding and
 * removing entries and DropAndWake need HR_WRITE. HR_BASIC lets a receiver be handed to another
 * process that waits on it. */
#define HR_NOTICE_FULL (HR_READ | HR_WRITE | HR_BASIC)

/* True when `want` asks for nothing beyond `have` (the shrink-only rule). */
static inline int hr_subset(handle_rights_t want, handle_rights_t have)
{
    return (want & ~have) == 0;
}

#endif
