/*
 * drv_edu: a user-mode driver of QEMU's "edu" teaching device (PCI 1234:11e8), the smallest
 * driver there is: it registers the device's BAR0 (1 MiB of MMIO registers) with
 * IO.RegisterMmio, maps it with IO.MapMem, and talks to the device:
 *   0x00  identification, reads 0x010000ed (major 1, minor 0, "ed");
 *   0x04  liveness: what is written there reads back inverted.
 * Then: a second registration of the same range is refused (the first owner keeps it), a part
 * outside the BAR is refused, and closing the mapping handle unmaps it (the address can be
 * mapped again). Its class (ostest.DrvEdu) may register that one BAR only.
 *
 * Usage: drv_edu --bar0 <physical address of BAR0> (drivers.yaml).
 */
#include <stdlib.h>
#include <string.h>

#include <bastion/rights.h>
#include <user/core.h>

#include "kl/core/Handle.idl.h"
#include "kl/core/IO.idl.h"
#include "ostest.h"

#define EDU_BAR0_SIZE 0x100000ull
#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_ID_VALUE 0x010000edu
#define PROT_RW 3u

static Retcode register_mmio(uint64_t base, uint64_t size, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(kl_core_IO_RegisterMmio(&cl, base, size, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static Retcode map_mem(uint32_t h, uint32_t prot, uint64_t *va, uint32_t *mapping)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t m = {0};
    kl_core_Types_VirtAddr addr = 0;
    Retcode r =
        core_result(kl_core_IO_MapMem(&cl, core_handle_arg(h), prot, 0, &addr, &m, &rc), &rc);
    *va = r == rcOk ? addr : 0;
    *mapping = r == rcOk ? m.handle : 0;
    return r;
}

static Retcode close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

static uint32_t rd32(uint64_t va, unsigned off)
{
    return *(volatile uint32_t *)(uintptr_t)(va + off);
}

static void wr32(uint64_t va, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(va + off) = v;
}

int main(int argc, char **argv)
{
    ot_begin("drv_edu");
    uint64_t bar0 = 0;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--bar0") == 0)
            bar0 = strtoul(argv[i + 1], NULL, 0);
    if (!OT_TRUE(bar0 != 0))
        return ot_end();

    uint32_t res = 0, mapping = 0;
    uint64_t va = 0;
    if (OT_RC(register_mmio(bar0, EDU_BAR0_SIZE, &res), rcOk) &&
        OT_RC(map_mem(res, PROT_RW, &va, &mapping), rcOk)) {
        uint32_t id = rd32(va, EDU_ID);
        printf("drv_edu: edu id 0x%08x at 0x%llx (mapped at 0x%llx)\n", id,
               (unsigned long long)bar0, (unsigned long long)va);
        OT_EQ(id, EDU_ID_VALUE);
        static const uint32_t probes[] = {0x12345678u, 0u, 0xFFFFFFFFu, 0xA5A55A5Au};
        for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) {
            wr32(va, EDU_LIVENESS, probes[i]);
            OT_EQ(rd32(va, EDU_LIVENESS), ~probes[i]);
        }
        /* The first owner keeps the range: not even the owner registers it twice. */
        uint32_t again = 0;
        OT_RC(register_mmio(bar0, EDU_BAR0_SIZE, &again), rcResourceBusy);
        /* Executable device memory is never handed out. */
        uint64_t xva = 0;
        uint32_t xmap = 0;
        OT_RC(map_mem(res, PROT_RW | 4u, &xva, &xmap), rcInvalidArgument);
        /* Closing the mapping unmaps it; the resource maps again, and the device still answers. */
        OT_RC(close_handle(mapping), rcOk);
        OT_RC(map_mem(res, PROT_RW, &va, &mapping), rcOk);
        OT_EQ(rd32(va, EDU_ID), EDU_ID_VALUE);
        OT_RC(close_handle(mapping), rcOk);
        /* Closing the resource releases the claim: it can be registered again. */
        OT_RC(close_handle(res), rcOk);
        OT_RC(register_mmio(bar0, EDU_BAR0_SIZE, &res), rcOk);
        OT_RC(close_handle(res), rcOk);
    }
    return ot_end();
}
