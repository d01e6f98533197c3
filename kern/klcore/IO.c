/* kl.core.IO: the handler table. The handlers live with their part (IO.h): a method whose
 * entry is NULL is answered rcNotSupported by the generated dispatcher. */
#include "klcore/IO.h"
#include "klcore/klcore.h"

const struct kl_core_IO_ops core_io_ops = {
    /* Ports and MMIO (IO_ports.c). */
    .RegisterPort = core_io_register_port,
    .RegisterMmio = core_io_register_mmio,
    .MapMem = core_io_map_mem,
    .PermitPort = core_io_permit_port,

    /* Interrupts (IO_irq.c). */
    .RegisterIrq = NULL,
    .AttachIrq = NULL,
    .DetachIrq = NULL,
    .EnableIrq = NULL,
    .DisableIrq = NULL,

    /* DMA buffers (IO_dma.c). */
    .RegisterDma = NULL,
    .MapDma = NULL,
    .BeginDma = NULL,
    .ModifyDma = NULL,
    .DmaGetInfo = NULL,
    .DmaGetPhysInfo = NULL,
};
