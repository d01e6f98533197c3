/*
 * drv_edu: a user-mode driver of QEMU's "edu" teaching device (PCI 1234:11e8), the smallest
 * driver there is: it registers the device's BAR0 (1 MiB of MMIO registers) with
 * IO.RegisterMmio, maps it with IO.MapMem, and talks to the device:
 *   0x00  identification, reads 0x010000ed (major 1, minor 0, "ed");
 *   0x04  liveness: what is written there reads back inverted.
 * Then: a second registration of the same range is refused (the first owner keeps it),
 * executable device memory is refused, and closing the mapping handle unmaps it (the range maps
 * again). It also drives a port range (the q35 SMBus controller's I/O BAR): RegisterPort,
 * PermitPort, and an IN from its first port that must not fault.
 *
 * It holds the BAR and the ports for HOLD_MS from its start, so that drv_attack_io (started
 * after it) finds both taken, then gives them back and shows each can be registered again.
 * Its class (ostest.DrvEdu) may register that one BAR and those ports only.
 *
 *
 * DMA (dma_tests): the driver first attaches its device to its own IOMMU domain
 * (IOMMU.Attach of edu_bdf: it may, holding the BAR), so that no other process can; then the factorial unit (register 0x08,
 * status 0x20 bit 0 busy), and DMA both ways through one DMA buffer behind the IOMMU
 * (IO.RegisterDma, MapDma, BeginDma, DmaGetPhysInfo): RAM -> edu's internal buffer (0x40000)
 * -> RAM, compared; completion is polled (edu's command register 0x98 bit 0), not waited for by
 * interrupt. The device addresses it is given lie in its domain's window (below 2^28, edu's DMA
 * mask) and are not physical addresses; closing the iomapping takes them away.
 *
 * Its device comes from Einit (drivers.yaml `devices:`): BAR0 and the interrupt as handles
 * "edu.bar0" and "edu.irq", the address in "edu_bdf" (user/device.h); BAR0's address, for the
 * re-registration tests, from the kernel's PCI table. Usage: drv_edu --ports <first port>
 * <count> (drivers.yaml).
 */
#include <stdlib.h>
#include <string.h>

#include <bastion/dma.h>
#include <bastion/rights.h>
#include <user/core.h>
#include <user/device.h>
#include <user/pci_table.h>

#include "kl/core/Handle.idl.h"
#include "kl/core/IO.idl.h"
#include "kl/core/IOMMU.idl.h"
#include "ostest.h"

#define EDU_BAR0_SIZE 0x100000ull
#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_ID_VALUE 0x010000edu
#define PROT_RW 3u
#define HOLD_MS 12000u

static Retcode register_mmio(uint64_t base, uint64_t size, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(kl_core_IO_RegisterMmio(&cl, base, size, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

/* Registers the range again after this driver closed its claim on it. The claim goes with the
 * resource object's last reference, which on a loaded machine was once still held when the
 * range was registered again at once (rcResourceBusy): up to 5 s for it to go. */
static Retcode register_mmio_again(uint64_t base, uint64_t size, uint32_t *h)
{
    Retcode r = rcResourceBusy;
    for (int i = 0; i < 100 && r == rcResourceBusy; i++) {
        r = register_mmio(base, size, h);
        if (r == rcResourceBusy)
            core_thread_sleep(50);
    }
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

static Retcode register_port(uint32_t base, uint32_t size, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(kl_core_IO_RegisterPort(&cl, base, size, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static Retcode permit_port(uint32_t h, uint32_t *access)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t a = {0};
    Retcode r = core_result(kl_core_IO_PermitPort(&cl, core_handle_arg(h), &a, &rc), &rc);
    *access = r == rcOk ? a.handle : 0;
    return r;
}

static uint8_t port_in8(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
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


/* ---- DMA behind the IOMMU ---- */

#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_RUN 0x1u
#define EDU_DMA_TO_RAM 0x2u
#define EDU_BUFFER 0x40000u
#define DMA_LEN 256u

static Retcode iommu_attach(uint32_t bdf)
{
    CORE_CLIENT(cl, kl_core_Core_EP_iommu_IOMMU, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_IOMMU_Attach(&cl, bdf, &rc), &rc);
}

static Retcode register_dma(uint64_t size, uint32_t flags, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(kl_core_IO_RegisterDma(&cl, size, flags, 0, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static Retcode map_dma(uint32_t h, uint64_t len, uint64_t hint, uint64_t *va, uint32_t *mapping)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t m = {0};
    kl_core_Types_VirtAddr addr = 0;
    Retcode r = core_result(
        kl_core_IO_MapDma(&cl, core_handle_arg(h), 0, len, hint, PROT_RW, &addr, &m, &rc), &rc);
    *va = r == rcOk ? addr : 0;
    *mapping = r == rcOk ? m.handle : 0;
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

/* The device address of the buffer's first block, 0 on failure. */
static uint64_t device_addr(uint32_t h, Retcode *r)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    uint32_t count = 0;
    struct idl_seq frames = {0};
    *r = core_result(kl_core_IO_DmaGetPhysInfo(&cl, core_handle_arg(h), &count, &frames, &rc), &rc);
    if (*r != rcOk || frames.count == 0)
        return 0;
    const struct kl_core_IO_DmaFrame *f = frames.data;
    return f[0].addr;
}

static bool edu_dma(uint64_t va, uint64_t src, uint64_t dst, uint32_t cmd)
{
    *(volatile uint64_t *)(uintptr_t)(va + EDU_DMA_SRC) = src;
    *(volatile uint64_t *)(uintptr_t)(va + EDU_DMA_DST) = dst;
    *(volatile uint64_t *)(uintptr_t)(va + EDU_DMA_COUNT) = DMA_LEN;
    *(volatile uint64_t *)(uintptr_t)(va + EDU_DMA_CMD) = cmd | EDU_DMA_RUN;
    /* Polled: edu runs a transfer from its own 100 ms timer. */
    for (int i = 0; i < 300; i++) {
        if (!(rd32(va, EDU_DMA_CMD) & EDU_DMA_RUN))
            return true;
        core_thread_sleep(10);
    }
    return false;
}

static void dma_tests(uint64_t bar0)
{
    uint32_t res = 0, mapping = 0;
    uint64_t va = 0;
    if (!OT_RC(register_mmio_again(bar0, EDU_BAR0_SIZE, &res), rcOk) ||
        !OT_RC(map_mem(res, PROT_RW, &va, &mapping), rcOk))
        return;
    /* The factorial unit: 10! = 3628800. */
    wr32(va, EDU_FACTORIAL, 10);
    for (int i = 0; i < 100 && (rd32(va, EDU_STATUS) & 1u); i++)
        core_thread_sleep(1);
    OT_EQ(rd32(va, EDU_STATUS) & 1u, 0);
    OT_EQ(rd32(va, EDU_FACTORIAL), 3628800u);

    /* One buffer of two pages: the device reads the first, writes the second. */
    uint32_t buf = 0, iomap = 0, cpu_map = 0;
    uint64_t cpu = 0;
    bool ok = OT_RC(register_dma(8192, BASTION_DMA_BIDIRECTIONAL, &buf), rcOk) &&
              OT_RC(map_dma(buf, 8192, 0, &cpu, &cpu_map), rcOk);
    Retcode r = rcOk;
    /* No device address before BeginDma. */
    ok = ok && OT_EQ(device_addr(buf, &r), 0) && OT_RC(r, rcNotFound);
    ok = ok && OT_RC(begin_dma(buf, &iomap), rcOk);
    uint64_t dev = ok ? device_addr(buf, &r) : 0;
    ok = ok && OT_RC(r, rcOk);
    printf("drv_edu: DMA buffer at device address 0x%llx\n", (unsigned long long)dev);
    /* A device address of the domain's window, not a physical one: below edu's 28-bit mask. */
    ok = ok && OT_TRUE(dev >= 0x100000 && dev + 8192 <= (1ull << 28));
    if (!ok)
        return;
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)cpu;
    for (unsigned i = 0; i < DMA_LEN; i++) {
        p[i] = (uint8_t)(i * 7 + 1);
        p[4096 + i] = 0;
    }
    OT_TRUE(edu_dma(va, dev, EDU_BUFFER, 0));
    OT_TRUE(edu_dma(va, EDU_BUFFER, dev + 4096, EDU_DMA_TO_RAM));
    unsigned same = 0;
    for (unsigned i = 0; i < DMA_LEN; i++)
        same += p[4096 + i] == (uint8_t)(i * 7 + 1);
    if (OT_EQ(same, DMA_LEN))
        printf("drv_edu: DMA RAM -> edu -> RAM through the IOMMU: %u bytes equal\n", DMA_LEN);
    /* Closing the iomapping takes the device addresses away. */
    OT_RC(close_handle(iomap), rcOk);
    OT_RC(device_addr(buf, &r) == 0 ? r : rcFail, rcNotFound);
    /* Closing MapDma's mapping handle frees its region: the same address maps again. */
    uint64_t again = 0;
    uint32_t again_map = 0;
    OT_RC(map_dma(buf, 8192, cpu, &again, &again_map), rcAlreadyExists);
    OT_RC(close_handle(cpu_map), rcOk);
    if (OT_RC(map_dma(buf, 8192, cpu, &again, &again_map), rcOk)) {
        OT_EQ(again, cpu);
        OT_EQ(*(volatile uint8_t *)(uintptr_t)(again + 4096), (uint8_t)1); /* the same buffer */
        OT_RC(close_handle(again_map), rcOk);
    }
    OT_RC(close_handle(mapping), rcOk);
    OT_RC(close_handle(res), rcOk);
}

/* Einit's hand-over (drivers.yaml `devices:`): BAR0 and the INTx line as handles, the address in
 * edu_bdf; checked against the kernel's PCI table, where the re-registration tests below also
 * find BAR0's address. */
static bool device_from_einit(uint32_t *res, uint32_t *irq, uint16_t *bdf, uint64_t *bar0)
{
    static struct pci_table pci;
    uint32_t none = 0;
    bool ok = OT_RC(device_resource("edu", "bar0", res), rcOk);
    ok = OT_RC(device_resource("edu", "irq", irq), rcOk) && ok;
    ok = OT_RC(device_resource("edu", "bar1", &none), rcNotFound) && ok; /* edu has one BAR */
    ok = OT_RC(device_resource("nic", "bar0", &none), rcNotFound) && ok;
    ok = OT_RC(device_bdf("edu", bdf), rcOk) && ok;
    if (!OT_RC(pci_table_read(&pci), rcOk))
        return false;
    const struct bastion_pci_record *rec = pci_table_find_id(&pci, 0x1234, 0x11e8);
    if (!OT_TRUE(rec != NULL))
        return false;
    ok = OT_EQ(*bdf, rec->bdf) && ok;
    ok = OT_EQ(rec->bar[0].size, EDU_BAR0_SIZE) && ok;
    *bar0 = rec->bar[0].base;
    printf("drv_edu: Einit gave edu %s (BAR0 0x%llx) as handles\n", getenv("edu_bdf"),
           (unsigned long long)*bar0);
    return ok;
}

int main(int argc, char **argv)
{
    ot_begin("drv_edu");
    uint32_t port_base = 0, port_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ports") == 0 && i + 2 < argc) {
            port_base = (uint32_t)strtoul(argv[i + 1], NULL, 0);
            port_count = (uint32_t)strtoul(argv[i + 2], NULL, 0);
        }
    }
    uint32_t res = 0, irq = 0, mapping = 0, ports = 0, access = 0;
    uint16_t bdf = 0;
    uint64_t bar0 = 0, va = 0;
    bool have_mmio = device_from_einit(&res, &irq, &bdf, &bar0);
    if (!OT_TRUE(bar0 != 0) || !OT_TRUE(port_count != 0))
        return ot_end();
    /* First: the device into this driver's IOMMU domain, before anyone else can. It may: it
     * holds the device's BAR. */
    OT_RC(iommu_attach(bdf), rcOk);
    OT_RC(iommu_attach(bdf), rcAlreadyExists);

    /* The ports too: drv_attack_io, started after us, must find both ranges taken. */
    bool have_ports = OT_RC(register_port(port_base, port_count, &ports), rcOk);
    printf("drv_edu: holding edu BAR0 0x%llx and ports 0x%x+0x%x\n", (unsigned long long)bar0,
           port_base, port_count);
    if (have_mmio && OT_RC(map_mem(res, PROT_RW, &va, &mapping), rcOk)) {
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
    }
    if (have_ports && OT_RC(permit_port(ports, &access), rcOk)) {
        /* The SMBus host status register: any value, but no fault. */
        uint8_t status = port_in8((uint16_t)port_base);
        printf("drv_edu: port 0x%x reads 0x%02x\n", port_base, status);
        OT_TRUE(true);
    }

    core_thread_sleep(HOLD_MS);

    if (have_mmio) {
        /* Closing the mapping unmaps it; the resource maps again, the device still answers. */
        OT_RC(close_handle(mapping), rcOk);
        OT_RC(map_mem(res, PROT_RW, &va, &mapping), rcOk);
        OT_EQ(rd32(va, EDU_ID), EDU_ID_VALUE);
        OT_RC(close_handle(mapping), rcOk);
        /* Closing the resource releases the claim (Einit kept no copy): it can be registered
         * again. The interrupt goes back with it, for drv_irq. */
        OT_RC(close_handle(res), rcOk);
        OT_RC(close_handle(irq), rcOk);
        OT_RC(register_mmio_again(bar0, EDU_BAR0_SIZE, &res), rcOk);
        OT_RC(close_handle(res), rcOk);
    }
    if (have_ports) {
        OT_RC(close_handle(access), rcOk);
        OT_RC(close_handle(ports), rcOk);
        OT_RC(register_port(port_base, port_count, &ports), rcOk);
        OT_RC(close_handle(ports), rcOk);
    }
    /* It held the device (attached above) through HOLD_MS, while drv_attack_dma tried to
     * attach it. */
    dma_tests(bar0);
    return ot_end();
}
