/*
 * Sizes in the init description's `limits:` ("256KiB", "16 MiB", "65536").
 *
 * Only binary units are accepted, spelled as IEC prefixes: a limit is a quota on pages and kernel
 * objects, and "MB" would leave the reader guessing between 10^6 and 2^20.
 */
#include <string.h>

#include "initcfg.h"

struct size_unit {
    const char *name;
    unsigned shift;
};

static const struct size_unit units[] = {
    {"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40},
};

Retcode initcfg_size_parse(const char *text, uint64_t *out, const char **why)
{
    const char *p = text;
    uint64_t v = 0;

    if (*p < '0' || *p > '9') {
        *why = "expected a decimal number of bytes, optionally followed by B, KiB, MiB, GiB or TiB";
        return rcBadFormat;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            *why = "the number does not fit in 64 bits";
            return rcOverflow;
        }
        v = v * 10 + d;
    }
    while (*p == ' ' || *p == '\t')
        p++;

    unsigned shift = 0;
    if (*p != '\0') {
        size_t i;
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (strcmp(p, units[i].name) == 0)
                break;
        if (i == sizeof(units) / sizeof(units[0])) {
            *why = "unknown unit: use B, KiB, MiB, GiB or TiB (powers of 1024)";
            return rcBadFormat;
        }
        shift = units[i].shift;
    }
    if (shift != 0 && v > (UINT64_MAX >> shift)) {
        *why = "the size does not fit in 64 bits";
        return rcOverflow;
    }
    v <<= shift;
    if (v == 0) {
        *why = "a limit must be greater than zero";
        return rcOutOfRange;
    }
    *out = v;
    return rcOk;
}
