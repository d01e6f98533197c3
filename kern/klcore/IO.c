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
    .RegisterIrq = core_io_RegisterIrq,
    .AttachIrq = core_io_AttachIrq,
    .DetachIrq = core_io_DetachIrq,
    .EnableIrq = core_io_EnableIrq,
    .DisableIrq = core_io_DisableIrq,

    /* DMA buffers (IO_dma.c). */
    .RegisterDma = core_io_RegisterDma,
    .MapDma = core_io_MapDma,
    .BeginDma = core_io_BeginDma,
    .ModifyDma = core_io_ModifyDma,
    .DmaGetInfo = core_io_DmaGetInfo,
    .DmaGetPhysInfo = core_io_DmaGetPhysInfo,
};
