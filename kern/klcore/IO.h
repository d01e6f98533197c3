/*
 * kl.core.IO, the endpoint through which a user-mode driver gets its device: I/O ports and MMIO
 * (IO_ports.c), interrupts (IO_irq.c) and DMA buffers (IO_dma.c). IO.c holds the handler table;
 * each part's handlers are declared here, in its own block, with the generated signatures of
 * struct kl_core_IO_ops (idl/kl/core/IO.idl).
 */
#ifndef BASTION_KLCORE_IO_H
#define BASTION_KLCORE_IO_H

#include "kl/core/Core.edl.h"

/* Ports and MMIO (IO_ports.c). */
Retcode core_io_register_port(void *ctx, kl_core_IO_IoPort base, uint32_t size,
                              idl_handle_t *resource, kl_core_Types_Retcode *rc);
Retcode core_io_register_mmio(void *ctx, kl_core_Types_PhysAddr base, kl_core_Types_Size size,
                              idl_handle_t *resource, kl_core_Types_Retcode *rc);
Retcode core_io_map_mem(void *ctx, idl_handle_t resource, uint32_t prot, uint32_t attr,
                        kl_core_Types_VirtAddr *address, idl_handle_t *mapping,
                        kl_core_Types_Retcode *rc);
Retcode core_io_permit_port(void *ctx, idl_handle_t resource, idl_handle_t *access,
                            kl_core_Types_Retcode *rc);
/* Whether p holds a handle to a registered port or MMIO range of PCI function bdf: what makes a
 * process a device's owner for IOMMU.Attach. */
struct process;
bool core_io_holds_device(struct process *p, uint16_t bdf);

/* Interrupts (IO_irq.c). */
Retcode core_io_RegisterIrq(void *ctx, uint32_t irq, idl_handle_t *resource,
                            kl_core_Types_Retcode *rc);
Retcode core_io_AttachIrq(void *ctx, idl_handle_t resource, uint32_t flags, idl_handle_t *delivery,
                          kl_core_Types_Retcode *rc);
Retcode core_io_DetachIrq(void *ctx, idl_handle_t resource, kl_core_Types_Retcode *rc);
Retcode core_io_EnableIrq(void *ctx, idl_handle_t resource, kl_core_Types_Retcode *rc);
Retcode core_io_DisableIrq(void *ctx, idl_handle_t resource, kl_core_Types_Retcode *rc);
/* Recv on a delivery handle (syscall/ipc_calls.c): the calling thread waits for its interrupt
 * (timeout_ms 0: no limit). Codes in IO_irq.c. */
struct kobj;
Retcode io_irq_delivery_wait(struct kobj *delivery, uint64_t timeout_ms);

/* DMA buffers (IO_dma.c). */
Retcode core_io_RegisterDma(void *ctx, kl_core_Types_Size size, uint32_t flags, uint32_t order,
                            idl_handle_t *resource, kl_core_Types_Retcode *rc);
Retcode core_io_MapDma(void *ctx, idl_handle_t resource, kl_core_Types_Size offset,
                       kl_core_Types_Size length, kl_core_Types_VirtAddr hint, uint32_t prot,
                       kl_core_Types_VirtAddr *address, idl_handle_t *mapping,
                       kl_core_Types_Retcode *rc);
Retcode core_io_BeginDma(void *ctx, idl_handle_t resource, idl_handle_t *iomapping,
                         kl_core_Types_Retcode *rc);
Retcode core_io_ModifyDma(void *ctx, idl_handle_t resource, uint32_t flags,
                          kl_core_Types_Retcode *rc);
Retcode core_io_DmaGetInfo(void *ctx, idl_handle_t resource, uint32_t *flags, uint32_t *order,
                           kl_core_Types_Size *size, uint32_t *count, struct idl_seq *frames,
                           kl_core_Types_Retcode *rc);
Retcode core_io_DmaGetPhysInfo(void *ctx, idl_handle_t handle, uint32_t *count,
                               struct idl_seq *frames, kl_core_Types_Retcode *rc);

#endif
