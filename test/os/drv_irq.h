/*
 * What the interrupt tests of the drivers image share (drv_irq.c, drv_attack_irq.c): QEMU's edu
 * device (docs/specs/edu.rst in QEMU) and the numbers that name its interrupts.
 *
 * edu raises its interrupt when a value is written to its raise register (0x60: the value is
 * ORed into the interrupt status, 0x24) and when a factorial finishes with status bit 0x80 set;
 * writing the status bits to the acknowledge register (0x64) clears them. Without MSI it drives
 * INTA, level-triggered, until the status is zero again; with MSI enabled it sends one message
 * per raise.
 */
#ifndef DRV_IRQ_H
#define DRV_IRQ_H

#include <stdint.h>
#include <stdlib.h>

#include <bastion/retcode.h>
#include <bastion/vmm.h>
#include <user/core.h>
#include <user/syscall.h>

#include "ostest.h"

#define EDU_ID 0x00
#define EDU_FACT 0x08
#define EDU_STATUS 0x20
#define EDU_STATUS_FACT_IRQ 0x80u
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_FACT_IRQ_VALUE 0x1u /* what a finished factorial ORs into the interrupt status */
#define EDU_BAR0_SIZE (1u << 20)

/* Where the edu function is, as the drivers image's QEMU machine places it (test/os/drivers.yaml
 * passes the same numbers as arguments, and the policy names them). */
struct edu {
    uint32_t gsi;  /* its INTx line */
    uint16_t bdf;  /* bus << 8 | device << 3 | function */
    uint64_t bar0; /* physical address of its registers */
    volatile uint32_t *regs;
    uint32_t mmio, mapping; /* IO.RegisterMmio's resource, IO.MapMem's mapping */
};

static inline uint32_t edu_read(const struct edu *e, unsigned off)
{
    return e->regs[off / 4];
}

static inline void edu_write(const struct edu *e, unsigned off, uint32_t v)
{
    e->regs[off / 4] = v;
}

/* Parses "GSI,BDF,BAR0" (C numbers) into e. IO.RegisterMmio + IO.MapMem of BAR0 (edu_map:
 * e->regs points at it), retried while another driver holds the registers (edu_map_when_free,
 * rcResourceBusy, msec at most); edu_unmap closes both handles, which unmaps the registers and
 * frees them for the next driver. The kl.core.IO interrupt methods folded with core_result, and
 * uirq_wait: Recv on a delivery handle (rcOk when the interrupt fired, rcIrqDetached, rcTimeout).
 * Defined here, static, so that each program of the drivers image is still its one file. */

static inline Retcode edu_parse(const char *arg, struct edu *e)
{
    char *end;
    *e = (struct edu){0};
    if (arg == NULL)
        return rcInvalidArgument;
    e->gsi = (uint32_t)strtoul(arg, &end, 0);
    if (*end != ',')
        return rcInvalidArgument;
    e->bdf = (uint16_t)strtoul(end + 1, &end, 0);
    if (*end != ',')
        return rcInvalidArgument;
    e->bar0 = strtoul(end + 1, &end, 0);
    return *end == '\0' ? rcOk : rcInvalidArgument;
}

static inline Retcode edu_map(struct edu *e)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t res = {0}, mapping = {0};
    Retcode r = core_result(kl_core_IO_RegisterMmio(&cl, e->bar0, EDU_BAR0_SIZE, &res, &rc), &rc);
    if (r != rcOk)
        return r;
    kl_core_Types_VirtAddr va = 0;
    r = core_result(kl_core_IO_MapMem(&cl, core_handle_arg(res.handle),
                                      BASTION_VMM_READ | BASTION_VMM_WRITE, 0, &va, &mapping, &rc),
                    &rc);
    if (r != rcOk) {
        ot_close_handles(&res.handle, 1);
        return r;
    }
    e->mmio = res.handle;
    e->regs = (volatile uint32_t *)(uintptr_t)va;
    e->mapping = mapping.handle;
    return rcOk;
}

static inline Retcode edu_map_when_free(struct edu *e, uint32_t msec)
{
    Retcode r = edu_map(e);
    for (uint32_t waited = 0; r == rcResourceBusy && waited < msec; waited += 50) {
        core_thread_sleep(50);
        r = edu_map(e);
    }
    return r;
}

static inline void edu_unmap(struct edu *e)
{
    uint32_t hs[] = {e->mapping, e->mmio};
    ot_close_handles(hs, 2);
    e->regs = NULL;
    e->mapping = e->mmio = 0;
}

static inline Retcode uirq_register(uint32_t irq, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_IO_RegisterIrq(&cl, irq, &out, &rc), &rc);
    *h = r == rcOk ? out.handle : 0;
    return r;
}

static inline Retcode uirq_attach(uint32_t h, uint32_t *delivery)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_IO_AttachIrq(&cl, core_handle_arg(h), 0, &out, &rc), &rc);
    *delivery = r == rcOk ? out.handle : 0;
    return r;
}

#define IRQ_CONTROL(name, proxy)                                      \
    static inline Retcode name(uint32_t h)                            \
    {                                                                 \
        CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);       \
        kl_core_Types_Retcode rc;                                     \
        return core_result(proxy(&cl, core_handle_arg(h), &rc), &rc); \
    }

IRQ_CONTROL(uirq_detach, kl_core_IO_DetachIrq)

IRQ_CONTROL(uirq_enable, kl_core_IO_EnableIrq)

IRQ_CONTROL(uirq_disable, kl_core_IO_DisableIrq)

static inline Retcode uirq_thread_detach(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    return core_result(kl_core_Thread_DetachIrq(&cl, &rc), &rc);
}

static inline Retcode uirq_wait(uint32_t delivery, uint32_t timeout_ms)
{
    uint64_t msg[8];
    size_t len = 0;
    uint64_t token = 0;
    return sys_recv(delivery, msg, sizeof msg, &len, &token, timeout_ms);
}

#endif
