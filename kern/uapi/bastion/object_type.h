/*
 * The types of kernel object a handle can name: the values a security policy compares
 * `message.<handle>.type` with (docs/policy-language.md), and the kernel's own enum kobj_type
 * (kern/obj/kobj.h), which is defined from them so that the two cannot drift apart.
 *
 * The kernel shows the security monitor each handle a message carries as its object's SID, the
 * rights passed with it and this type (docs/message-format.md, "The monitor's copy"). KasperskyOS
 * CE 1.2's PSL has no handle type (a HandleDesc has `handle` and `rights` only), hence numbers
 * rather than names in PSL. Append only: the values are part of the ABI and of policies.
 *
 * Part of the ABI: user programs include it as <bastion/object_type.h>.
 */
#ifndef BASTION_OBJECT_TYPE_H
#define BASTION_OBJECT_TYPE_H

#define OBJ_TYPE_TASK 1u             /* a process */
#define OBJ_TYPE_THREAD 2u           /* a thread */
#define OBJ_TYPE_IPC_CLIENT 3u       /* the client end of an IPC channel */
#define OBJ_TYPE_IPC_SERVER 4u       /* the server end of an IPC channel */
#define OBJ_TYPE_IPC_LISTENER 5u     /* a listener: one server side for many clients */
#define OBJ_TYPE_KERNEL 6u           /* the kernel's core endpoints (kl.core.*) */
#define OBJ_TYPE_MEMORY 7u           /* a memory object (MDL buffer) */
#define OBJ_TYPE_VM_MAPPING 8u       /* a mapping that can be freed by handle */
#define OBJ_TYPE_FILE 9u             /* a ROMFS file */
#define OBJ_TYPE_BADGE 10u           /* a resource transfer context (Handle.CreateBadge) */
#define OBJ_TYPE_USER 11u            /* a user resource (Handle.CreateUserObject) */
#define OBJ_TYPE_SYNC 12u            /* a futex-like synchronisation object */
#define OBJ_TYPE_SECURITY 13u        /* the security interface (Handle.SecurityConnect) */
#define OBJ_TYPE_AUDIT_LOG 14u       /* a reader of the kss log (Audit.Open) */
#define OBJ_TYPE_IO_PORTS 15u        /* a device's registered I/O ports (IO.RegisterPort) */
#define OBJ_TYPE_IO_MMIO 16u         /* a device's registered MMIO (IO.RegisterMmio) */
#define OBJ_TYPE_IO_IRQ 17u          /* a device's registered interrupt (IO.RegisterIrq) */
#define OBJ_TYPE_IO_DMA 18u          /* a DMA buffer (IO.RegisterDma) */
#define OBJ_TYPE_IO_PORT_ACCESS 19u  /* ports opened to a process's threads (IO.PermitPort) */
#define OBJ_TYPE_IO_IRQ_DELIVERY 20u /* an attached thread's wait for its interrupt */
#define OBJ_TYPE_IO_DMA_MAPPING 21u  /* a DMA buffer opened to devices (IO.BeginDma) */
#define OBJ_TYPE_NOTICE 22u          /* a notification receiver (Notice.Create) */
#define OBJ_TYPE_IPC_SYNC 23u        /* an IPC synchronization object (IPC.CreateSyncObject) */
#define OBJ_TYPE_COUNT 24u           /* one past the last */

#endif
