/* The driver's DMA areas behind the IOMMU (dma.h). */
#include <bastion/vmm.h>
#include <user/core.h>

#include "dma.h"
#include "kl/core/IO.idl.h"

static Retcode register_dma(uint64_t size, uint32_t flags, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(kl_core_IO_RegisterDma(&cl, size, flags, 0, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static Retcode map_dma(uint32_t h, uint64_t len, uint8_t **cpu)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t m = {0};
    kl_core_Types_VirtAddr va = 0;
    Retcode r = core_result(kl_core_IO_MapDma(&cl, core_handle_arg(h), 0, len, 0,
                                              BASTION_VMM_READ | BASTION_VMM_WRITE, &va, &m, &rc),
                            &rc);
    *cpu = r == rcOk ? (uint8_t *)(uintptr_t)va : 0;
    return r;
}

static Retcode begin_dma(uint32_t h, uint32_t *iomap)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t io = {0};
    Retcode r = core_result(kl_core_IO_BeginDma(&cl, core_handle_arg(h), &io, &rc), &rc);
    *iomap = r == rcOk ? io.handle : 0;
    return r;
}

static Retcode device_addresses(struct dma_area *a)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    uint32_t count = 0;
    struct idl_seq frames = {0};
    Retcode r = core_result(
        kl_core_IO_DmaGetPhysInfo(&cl, core_handle_arg(a->buffer), &count, &frames, &rc), &rc);
    if (r != rcOk)
        return r;
    if (count != a->pages || frames.count != a->pages)
        return rcBadFormat;
    const struct kl_core_IO_DmaFrame *f = frames.data;
    for (uint32_t i = 0; i < a->pages; i++) {
        if (f[i].size != DMA_AREA_PAGE || f[i].addr % DMA_AREA_PAGE != 0)
            return rcBadFormat;
        a->dev[i] = f[i].addr;
    }
    return rcOk;
}

Retcode dma_area_open(struct dma_area *a, uint64_t size, uint32_t flags)
{
    *a = (struct dma_area){0};
    if (size == 0 || size % DMA_AREA_PAGE != 0 || size / DMA_AREA_PAGE > DMA_AREA_PAGES_MAX)
        return rcOutOfRange;
    a->pages = (uint32_t)(size / DMA_AREA_PAGE);
    Retcode r = register_dma(size, flags, &a->buffer);
    if (r == rcOk)
        r = map_dma(a->buffer, size, &a->cpu);
    if (r == rcOk)
        r = begin_dma(a->buffer, &a->iomap);
    if (r == rcOk)
        r = device_addresses(a);
    return r;
}
