/*
 * e1000: the user-mode driver of one Intel 82540EM (QEMU's "e1000"), serving it to one network
 * stack as net.Nic on the channel "nic" (docs/networking.md, "The NIC driver").
 *
 * Start-up, each step fatal (the driver says which step failed with which code and exits; its
 * end gives every handle, mapping, DMA buffer and the device's domain back): find the device
 * (device.c), put it into this process's IOMMU domain before anything else can (IOMMU.Attach,
 * which also turns its bus mastering on), map its registers, reset it, read its MAC address,
 * lay out the rings (e1000.c), start the interrupt thread, then serve (nic.c).
 *
 * Usage: e1000 --device GSI,BDF,BAR0 (init.yaml args; the policy names the same numbers).
 */
#include <stdio.h>

#include <user/core.h>
#include <user/start.h>
#include <user/thread.h>

#include "device.h"
#include "kl/core/IOMMU.idl.h"
#include "nic.h"

static struct e1000 hw;
static struct nic nic = {.lock = MUTEX_INIT, .hw = &hw};
static struct nic_device dev;

static Retcode iommu_attach(uint16_t bdf)
{
    CORE_CLIENT(cl, kl_core_Core_EP_iommu_IOMMU, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_IOMMU_Attach(&cl, bdf, &rc), &rc);
}


static int interrupts(void *arg)
{
    (void)arg;
    Retcode r = nic_interrupts(&nic, dev.irq);
    printf("e1000: interrupt thread ended: %s\n", retcode_name(r));
    return 1;
}

static int fail(const char *step, Retcode r)
{
    printf("e1000: %s failed: %s\n", step, retcode_name(r));
    return 1;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    Retcode r = nic_device_find(&dev);
    if (r != rcOk)
        return fail("finding the device Einit gave (init.yaml devices: nic)", r);
    if ((r = iommu_attach(dev.bdf)) != rcOk)
        return fail("IOMMU.Attach", r);
    if ((r = e1000_start(&hw, &dev)) != rcOk)
        return fail("starting the device", r);
    nic.tsc_per_ms = start_tsc_per_ms();
    uint32_t listener = 0;
    if ((r = start_connection("nic", &listener)) != rcOk)
        return fail("finding the channel \"nic\"", r);
    struct thread irq_thread;
    if ((r = thread_create(&irq_thread, interrupts, NULL, THREAD_PRIO_DEFAULT,
                           THREAD_STACK_DEFAULT)) != rcOk)
        return fail("starting the interrupt thread", r);
    const uint8_t *m = (const uint8_t *)&hw.mac;
    printf("e1000: %02x:%02x:%02x:%02x:%02x:%02x at %02x:%02x.%x, link %s\n", m[0], m[1], m[2],
           m[3], m[4], m[5], dev.bdf >> 8, (dev.bdf >> 3) & 0x1F, dev.bdf & 7,
           e1000_link_up(&hw) ? "up" : "down");
    r = nic_serve(&nic, listener);
    return fail("serving net.Nic", r);
}
