/* Which device the driver drives, as Einit handed it over (device.h). */
#include <user/device.h>

#include "device.h"

Retcode nic_device_find(struct nic_device *dev)
{
    *dev = (struct nic_device){0};
    Retcode r = device_resource(NIC_DEVICE_NAME, "bar0", &dev->regs);
    if (r == rcOk)
        r = device_resource(NIC_DEVICE_NAME, "irq", &dev->irq);
    if (r == rcOk)
        r = device_bdf(NIC_DEVICE_NAME, &dev->bdf);
    return r;
}
