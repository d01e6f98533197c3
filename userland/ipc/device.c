/* A driver's device as Einit handed it over (user/device.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Exactly two hexadecimal digits at s. */
static int hex2(const char *s)
{
    int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
    return lo < 0 ? -1 : hi << 4 | lo;
}

Retcode device_bdf_parse(const char *text, uint16_t *bdf)
{
    if (text == NULL || strlen(text) != 7 || text[2] != ':' || text[5] != '.')
        return rcBadFormat;
    int bus = hex2(text), dev = hex2(text + 3), fn = text[6] - '0';
    if (bus < 0 || dev < 0 || dev > 0x1f || fn < 0 || fn > 7)
        return rcBadFormat;
    *bdf = (uint16_t)(bus << 8 | dev << 3 | fn);
    return rcOk;
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
