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

/* Interrupts (IO_irq.c). */

/* DMA buffers (IO_dma.c). */

#endif
