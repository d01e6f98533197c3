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
 * Usage: drv_edu --bar0 <BAR0 address> --ports <first port> <count> (drivers.yaml).
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

int main(int argc, char **argv)
{
    ot_begin("drv_edu");
    uint64_t bar0 = 0;
    uint32_t port_base = 0, port_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--bar0") == 0 && i + 1 < argc)
            bar0 = strtoul(argv[i + 1], NULL, 0);
        if (strcmp(argv[i], "--ports") == 0 && i + 2 < argc) {
            port_base = (uint32_t)strtoul(argv[i + 1], NULL, 0);
            port_count = (uint32_t)strtoul(argv[i + 2], NULL, 0);
        }
    }
    if (!OT_TRUE(bar0 != 0) || !OT_TRUE(port_count != 0))
        return ot_end();

    /* Both ranges first: drv_attack_io, started after us, must find them taken. */
    uint32_t res = 0, mapping = 0, ports = 0, access = 0;
    uint64_t va = 0;
    bool have_mmio = OT_RC(register_mmio(bar0, EDU_BAR0_SIZE, &res), rcOk);
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
        /* Closing the resource releases the claim: it can be registered again. */
        OT_RC(close_handle(res), rcOk);
        OT_RC(register_mmio(bar0, EDU_BAR0_SIZE, &res), rcOk);
        OT_RC(close_handle(res), rcOk);
    }
    if (have_ports) {
        OT_RC(close_handle(access), rcOk);
        OT_RC(close_handle(ports), rcOk);
        OT_RC(register_port(port_base, port_count, &ports), rcOk);
        OT_RC(close_handle(ports), rcOk);
    }
    return ot_end();
}
