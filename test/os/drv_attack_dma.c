/*
 * drv_attack_dma: a DMA driver's rights (ostest.DrvAttackDma: DMA buffers of up to 1 MiB, and
 * IOMMU.Attach of the edu device's address, which its policy names) turned against the system,
 * each attack in the terms of its method's danger (docs/dangers.tsv):
 *
 *   IO.RegisterDma  exhaust RAM with 1 MiB buffers, then kernel memory with one-page buffers:
 *                   each loop ends at this process's own quota (rcQuotaExceeded);
 *   IO.MapDma       shared memory concealed from the monitor: the buffer's handle has no
 *                   transfer right and no copy gets one (rcAccessDenied), so no other process
 *                   can map it; many mappings end at the quota;
 *   IO.BeginDma     kernel memory used up with device mappings: one per buffer
 *                   (rcResourceBusy for a second), and the buffers end at the quota; the device
 *                   addresses are its domain's, not physical addresses;
 *   IOMMU.Attach    the edu device, which its driver drv_edu attached first: rcResourceBusy (the
 *                   driver keeps it); the xHCI controller, which its policy names but whose
 *                   ranges it does not hold: rcDeviceNotOwned, now and later (no timing makes
 *                   it the owner); the VGA function, which its policy does not name:
 *                   rcSecurityDisallow.
 * After each, the bystander (the probe server) is still served.
 *
 * Then, once drv_edu has ended and given edu back, it becomes edu's driver itself (BAR0, which
 * makes it the owner, then attach) and programs edu's DMA engine to write into kernel memory (device address 0x200000,
 * where the kernel would be if DMA were passed through) and into another process's memory
 * (0x100000, where drv_edu's buffer was in drv_edu's domain): the IOMMU stops both, and the
 * ctest checks the kss records naming the device and this process (drivers-expected.txt).
 *
 * Usage: drv_attack_dma --edu <bdf> --bar0 <edu BAR0> --xhci <bdf> --vga <bdf> (drivers.yaml).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <bastion/dma.h>
#include <bastion/rights.h>
#include <user/core.h>

#include "kl/core/Handle.idl.h"
#include "kl/core/IO.idl.h"
#include "kl/core/IOMMU.idl.h"
#include "ostest.h"

#define MAX_OBJECTS 4096u
#define MIB (1024u * 1024u)

static uint32_t handles[MAX_OBJECTS];
static uint32_t iomaps[MAX_OBJECTS]; /* the device mappings of buffer_and_mapping */
static uint64_t mapped[MAX_OBJECTS]; /* the regions of map_dma */
static uint32_t nmapped, niomaps;
static uint64_t dma_size;

static Retcode register_dma(uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(
        kl_core_IO_RegisterDma(&cl, dma_size, BASTION_DMA_BIDIRECTIONAL, 0, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static uint32_t register_rights(uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(
        kl_core_IO_RegisterDma(&cl, 4096, BASTION_DMA_BIDIRECTIONAL, 0, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r == rcOk ? res.rights : 0;
}

static uint32_t map_target;

static Retcode map_dma(uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t m = {0};
    kl_core_Types_VirtAddr va = 0;
    Retcode r = core_result(
        kl_core_IO_MapDma(&cl, core_handle_arg(map_target), 0, 4096, 0, 3, &va, &m, &rc), &rc);
    *h = 0; /* no handle: the region is freed with VMM.Free */
    if (r == rcOk && nmapped < MAX_OBJECTS)
        mapped[nmapped++] = va;
    return r;
}

static Retcode begin_dma(uint32_t buf, uint32_t *iomap)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t io = {0};
    Retcode r = core_result(kl_core_IO_BeginDma(&cl, core_handle_arg(buf), &io, &rc), &rc);
    *iomap = r == rcOk ? io.handle : 0;
    return r;
}

/* A buffer opened to the device: what each BeginDma-exhaustion step makes (two handles). */
static Retcode buffer_and_mapping(uint32_t *h)
{
    dma_size = 4096;
    uint32_t buf = 0, io = 0;
    Retcode r = register_dma(&buf);
    if (r == rcOk) {
        r = begin_dma(buf, &io);
        if (r != rcOk)
            ot_close_handles(&buf, 1);
        else if (niomaps < MAX_OBJECTS)
            iomaps[niomaps++] = io;
    }
    *h = r == rcOk ? buf : 0;
    return r;
}

static Retcode copy_with(uint32_t h, uint32_t rights, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t v = {0};
    Retcode r =
        core_result(kl_core_Handle_Copy(&cl, core_handle_arg(h), rights,
                                        core_handle_arg(kl_core_Types_InvalidHandleValue), &v, &rc),
                    &rc);
    *out = r == rcOk ? v.handle : 0;
    return r;
}

static Retcode attach(uint32_t bdf)
{
    CORE_CLIENT(cl, kl_core_Core_EP_iommu_IOMMU, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_IOMMU_Attach(&cl, bdf, &rc), &rc);
}

static void attack_register(void)
{
    Retcode last = rcOk;
    dma_size = MIB;
    uint32_t n = ot_exhaust("1 MiB DMA buffers (RAM)", register_dma, handles, MAX_OBJECTS, &last);
    ot_close_handles(handles, n);
    bool ok = OT_TRUE(n > 0 && n < MAX_OBJECTS);
    dma_size = 4096;
    n = ot_exhaust("one-page DMA buffers (RAM and kernel memory)", register_dma, handles,
                   MAX_OBJECTS, &last);
    ot_close_handles(handles, n);
    ok = OT_TRUE(n > 0 && n < MAX_OBJECTS) && ok;
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.IO.RegisterDma", ok);
}

static void attack_map(void)
{
    uint32_t buf = 0;
    uint32_t rights = register_rights(&buf);
    /* No transfer right: no IPC message or Task.TransferHandle can carry it to another
     * process, so no memory is shared behind the monitor's back. */
    bool ok = OT_TRUE(buf != 0 && (rights & HR_DMA_MAP) && !(rights & HR_TRANSFER));
    uint32_t copy = 0;
    ok = OT_RC(copy_with(buf, rights | HR_TRANSFER, &copy), rcAccessDenied) && ok;
    ok = OT_RC(copy_with(buf, rights, &copy), rcOk) && ok; /* a plain copy stays here */
    ot_close_handles(&copy, 1);
    /* Mappings end at the quota too. */
    map_target = buf;
    Retcode last = rcOk;
    uint32_t n = ot_exhaust("mappings of one DMA buffer", map_dma, handles, MAX_OBJECTS, &last);
    ok = OT_TRUE(n > 0 && n < MAX_OBJECTS) && ok;
    for (uint32_t i = 0; i < nmapped; i++)
        (void)core_vmm_free(mapped[i], 4096);
    nmapped = 0;
    ot_close_handles(&buf, 1);
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.IO.MapDma", ok);
}

static void attack_begin(void)
{
    uint32_t buf = 0, io = 0, io2 = 0;
    dma_size = 4096;
    bool ok = OT_RC(register_dma(&buf), rcOk);
    ok = ok && OT_RC(begin_dma(buf, &io), rcOk);
    ok = OT_RC(begin_dma(buf, &io2), rcResourceBusy) && ok;
    ot_close_handles(&io, 1);
    ot_close_handles(&buf, 1);
    Retcode last = rcOk;
    uint32_t n = ot_exhaust("DMA buffers opened to the device", buffer_and_mapping, handles,
                            MAX_OBJECTS, &last);
    ok = OT_TRUE(n > 0 && n < MAX_OBJECTS) && ok;
    ot_close_handles(iomaps, niomaps);
    ot_close_handles(handles, n);
    niomaps = 0;
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.IO.BeginDma", ok);
}

static Retcode register_mmio(uint64_t base, uint64_t size, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(kl_core_IO_RegisterMmio(&cl, base, size, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static Retcode map_mem(uint32_t h, uint64_t *va)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t m = {0};
    kl_core_Types_VirtAddr addr = 0;
    Retcode r = core_result(kl_core_IO_MapMem(&cl, core_handle_arg(h), 3, 0, &addr, &m, &rc), &rc);
    *va = r == rcOk ? addr : 0;
    return r;
}

/* edu's DMA engine: 256 bytes of its buffer (0x40000) to device address dst; polled. */
static bool edu_write_to(uint64_t va, uint64_t dst)
{
    volatile uint64_t *reg = (volatile uint64_t *)(uintptr_t)va;
    reg[0x80 / 8] = 0x40000;
    reg[0x88 / 8] = dst;
    reg[0x90 / 8] = 256;
    reg[0x98 / 8] = 0x1 | 0x2; /* run, edu -> RAM */
    for (int i = 0; i < 300; i++) {
        if (!(*(volatile uint32_t *)(uintptr_t)(va + 0x98) & 1u))
            return true;
        core_thread_sleep(10);
    }
    return false;
}

static void attack_device_dma(uint32_t edu, uint64_t bar0)
{
    /* drv_edu gives edu back when it ends: wait for it (at most 60 s). Attach answers "busy"
     * without our holding edu's registers, which drv_edu and drv_irq still use. */
    Retcode r = rcResourceBusy;
    for (int i = 0; i < 600 && r == rcResourceBusy; i++) {
        r = attach(edu);
        if (r == rcResourceBusy)
            core_thread_sleep(100);
    }
    uint32_t res = 0;
    uint64_t va = 0;
    bool ok = OT_RC(r, rcDeviceNotOwned);
    r = rcResourceBusy;
    for (int i = 0; ok && i < 600 && r == rcResourceBusy; i++) {
        r = register_mmio(bar0, 0x100000, &res);
        if (r == rcResourceBusy)
            core_thread_sleep(100);
    }
    /* Holding BAR0 makes it edu's owner: now it may attach. */
    ok = ok && OT_RC(r, rcOk) && OT_RC(attach(edu), rcOk) && OT_RC(map_mem(res, &va), rcOk);
    if (!ok)
        return;
    printf("drv_attack_dma: edu DMA to 0x200000 (kernel memory if passed through)\n");
    OT_TRUE(edu_write_to(va, 0x200000));
    printf("drv_attack_dma: edu DMA to 0x100000 (drv_edu's buffer in its own domain)\n");
    OT_TRUE(edu_write_to(va, 0x100000));
    core_thread_sleep(500); /* the fault interrupt's kss records */
    /* Still alive, and still served: the requests simply did not happen. */
    ot_bystander_served();
}

static void attack_attach(uint32_t edu, uint32_t xhci, uint32_t vga)
{
    bool ok = OT_RC(attach(xhci), rcDeviceNotOwned);
    /* drv_edu attached edu first thing; give it the time to start. */
    core_thread_sleep(3000);
    ok = OT_RC(attach(edu), rcResourceBusy) && ok;
    ok = OT_RC(attach(xhci), rcDeviceNotOwned) && ok;
    ok = OT_RC(attach(vga), rcSecurityDisallow) && ok;
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.IOMMU.Attach", ok);
}

int main(int argc, char **argv)
{
    ot_begin("drv_attack_dma");
    uint32_t edu = 0, xhci = 0, vga = 0;
    uint64_t bar0 = 0;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--edu") == 0)
            edu = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        if (strcmp(argv[i], "--bar0") == 0)
            bar0 = strtoul(argv[i + 1], NULL, 0);
        if (strcmp(argv[i], "--xhci") == 0)
            xhci = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        if (strcmp(argv[i], "--vga") == 0)
            vga = (uint32_t)strtoul(argv[i + 1], NULL, 0);
    }
    attack_attach(edu, xhci, vga);
    attack_register();
    attack_map();
    attack_begin();
    attack_device_dma(edu, bar0);
    return ot_end();
}
