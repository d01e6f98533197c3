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

/* Interrupts (IO_irq.c). */

/* DMA buffers (IO_dma.c). */

#endif
