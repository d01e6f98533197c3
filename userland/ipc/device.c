/* A driver's device as Einit handed it over (user/device.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bastion/pci_bdf.h>
#include <user/device.h>
#include <user/start.h>

#define DEVICE_NAME_MAX 64u

Retcode device_resource(const char *dev, const char *what, uint32_t *handle)
{
    char name[DEVICE_NAME_MAX];
    if (dev == NULL || what == NULL || handle == NULL)
        return rcInvalidArgument;
    int n = snprintf(name, sizeof name, "%s.%s", dev, what);
    if (n < 0 || (unsigned)n >= sizeof name)
        return rcInvalidArgument;
    return start_connection(name, handle);
}

Retcode device_bdf_parse(const char *text, uint16_t *bdf)
{
    return bastion_pci_bdf_parse(text, bdf) ? rcOk : rcBadFormat;
}

Retcode device_bdf(const char *dev, uint16_t *bdf)
{
    char name[DEVICE_NAME_MAX];
    if (dev == NULL || bdf == NULL)
        return rcInvalidArgument;
    int n = snprintf(name, sizeof name, "%s_bdf", dev);
    if (n < 0 || (unsigned)n >= sizeof name)
        return rcInvalidArgument;
    const char *v = getenv(name);
    return v == NULL ? rcNotFound : device_bdf_parse(v, bdf);
}
