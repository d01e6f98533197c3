/* Which device the driver drives, from its arguments (device.h). */
#include <stdlib.h>
#include <string.h>

#include "device.h"

Retcode nic_device_find(int argc, char **argv, struct nic_device *dev)
{
    *dev = (struct nic_device){0};
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--device") != 0)
            continue;
        char *end;
        unsigned long gsi = strtoul(argv[i + 1], &end, 0);
        if (*end != ',')
            return rcInvalidArgument;
        unsigned long bdf = strtoul(end + 1, &end, 0);
        if (*end != ',')
            return rcInvalidArgument;
        unsigned long bar0 = strtoul(end + 1, &end, 0); /* 64 bits wide */
        if (*end != '\0' || gsi > 0xFF || bdf > 0xFFFF || bar0 == 0)
            return rcInvalidArgument;
        *dev = (struct nic_device){.gsi = (uint32_t)gsi, .bdf = (uint16_t)bdf, .bar0 = bar0};
        return rcOk;
    }
    return rcNotFound;
}
