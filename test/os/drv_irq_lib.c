/* What the interrupt tests of the drivers image share (drv_irq.h). */
#include "drv_irq.h"

#include "ostest.h"

#include <stdlib.h>

#include <bastion/vmm.h>
#include <user/core.h>
#include <user/syscall.h>

Retcode edu_parse(const char *arg, struct edu *e)
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

Retcode edu_map_when_free(struct edu *e, uint32_t msec)
{
    Retcode r = edu_map(e);
    for (uint32_t waited = 0; r == rcResourceBusy && waited < msec; waited += 50) {
        core_thread_sleep(50);
        r = edu_map(e);
    }
    return r;
}

Retcode edu_map(struct edu *e)
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

void edu_unmap(struct edu *e)
{
    uint32_t hs[] = {e->mapping, e->mmio};
    ot_close_handles(hs, 2);
    e->regs = NULL;
    e->mapping = e->mmio = 0;
}

Retcode uirq_register(uint32_t irq, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_IO_RegisterIrq(&cl, irq, &out, &rc), &rc);
    *h = r == rcOk ? out.handle : 0;
    return r;
}

Retcode uirq_attach(uint32_t h, uint32_t *delivery)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_IO_AttachIrq(&cl, core_handle_arg(h), 0, &out, &rc), &rc);
    *delivery = r == rcOk ? out.handle : 0;
    return r;
}

#define IRQ_CONTROL(name, proxy)                                      \
    Retcode name(uint32_t h)                                          \
    {                                                                 \
        CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);       \
        kl_core_Types_Retcode rc;                                     \
        return core_result(proxy(&cl, core_handle_arg(h), &rc), &rc); \
    }
IRQ_CONTROL(uirq_detach, kl_core_IO_DetachIrq)
IRQ_CONTROL(uirq_enable, kl_core_IO_EnableIrq)
IRQ_CONTROL(uirq_disable, kl_core_IO_DisableIrq)

Retcode uirq_thread_detach(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    return core_result(kl_core_Thread_DetachIrq(&cl, &rc), &rc);
}

Retcode uirq_wait(uint32_t delivery, uint32_t timeout_ms)
{
    uint64_t msg[8];
    size_t len = 0;
    uint64_t token = 0;
    return sys_recv(delivery, msg, sizeof msg, &len, &token, timeout_ms);
}
