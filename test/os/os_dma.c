/*
 * os_dma: on a machine without an IOMMU (the default pc machine of this image) every DMA
 * method of kl.core.IO answers rcNoHardware, even though this program's policy grants them
 * all: without dma.unprotected on the boot line the kernel hands no device a buffer it could
 * use to reach any memory (kern/klcore/IO_dma.c). The same calls behind an IOMMU are the
 * drivers image's business.
 */
#include <bastion/dma.h>
#include <user/core.h>

#include "kl/core/IO.idl.h"
#include "ostest.h"

#define CL(cap)                                  \
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, cap); \
    kl_core_Types_Retcode rc = rcFail

static Retcode register_dma(uint64_t size, uint32_t flags, uint32_t order, uint32_t *h)
{
    CL(CORE_MSG_SMALL);
    idl_handle_t res = {0, 0};
    Retcode r = core_result(kl_core_IO_RegisterDma(&cl, size, flags, order, &res, &rc), &rc);
    *h = res.handle;
    return r;
}

static Retcode map_dma(uint32_t h)
{
    CL(CORE_MSG_SMALL);
    kl_core_Types_VirtAddr va = 0;
    idl_handle_t mapping = {0, 0};
    return core_result(
        kl_core_IO_MapDma(&cl, core_handle_arg(h), 0, 4096, 0, 3, &va, &mapping, &rc), &rc);
}

static Retcode begin_dma(uint32_t h)
{
    CL(CORE_MSG_SMALL);
    idl_handle_t io = {0, 0};
    return core_result(kl_core_IO_BeginDma(&cl, core_handle_arg(h), &io, &rc), &rc);
}

static Retcode modify_dma(uint32_t h)
{
    CL(CORE_MSG_SMALL);
    return core_result(kl_core_IO_ModifyDma(&cl, core_handle_arg(h), BASTION_DMA_CACHE_UC, &rc),
                       &rc);
}

static Retcode get_info(uint32_t h)
{
    CL(CORE_MSG_MEDIUM);
    uint32_t flags = 0, order = 0, count = 0;
    kl_core_Types_Size size = 0;
    struct idl_seq frames = {0};
    return core_result(
        kl_core_IO_DmaGetInfo(&cl, core_handle_arg(h), &flags, &order, &size, &count, &frames, &rc),
        &rc);
}

static Retcode get_phys_info(uint32_t h)
{
    CL(CORE_MSG_MEDIUM);
    uint32_t count = 0;
    struct idl_seq frames = {0};
    return core_result(kl_core_IO_DmaGetPhysInfo(&cl, core_handle_arg(h), &count, &frames, &rc),
                       &rc);
}

int main(void)
{
    ot_begin("os_dma");
    uint32_t h = 0;
    OT_RC(register_dma(4096, BASTION_DMA_BIDIRECTIONAL, 0, &h), rcNoHardware);
    OT_EQ(h, kl_core_Types_InvalidHandleValue);
    /* The others refuse before they look at the handle: there is no buffer to name. */
    OT_RC(map_dma(1), rcNoHardware);
    OT_RC(begin_dma(1), rcNoHardware);
    OT_RC(modify_dma(1), rcNoHardware);
    OT_RC(get_info(1), rcNoHardware);
    OT_RC(get_phys_info(1), rcNoHardware);
    return ot_end();
}
