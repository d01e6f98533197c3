/*
 * The text form of a PCI function's address, "bb:dd.f" (hexadecimal bus and device, device at
 * most 1f, function 0 to 7, as lspci and QEMU print it), read the same way by einit-compile
 * (init.yaml `devices: [{bdf: ...}]`) and by drivers (the "<name>_bdf" variable Einit sets,
 * user/device.h). Pure and header-only, for host tools and user mode alike.
 */
#ifndef BASTION_PCI_BDF_H
#define BASTION_PCI_BDF_H

#include <stdbool.h>
#include <stdint.h>

static inline int bastion_hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Exactly n hexadecimal digits at s into *out (s may be shorter: a NUL is no digit). */
static inline bool bastion_hex_field(const char *s, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        int d = bastion_hex_digit(s[i]);
        if (d < 0)
            return false;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return true;
}

/* "bb:dd.f" into bus << 8 | device << 3 | function; false (and *bdf untouched) otherwise. */
static inline bool bastion_pci_bdf_parse(const char *s, uint16_t *bdf)
{
    unsigned bus, dev;
    if (s == 0 || !bastion_hex_field(s, 2, &bus) || s[2] != ':' ||
        !bastion_hex_field(s + 3, 2, &dev) || s[5] != '.' || dev > 0x1F || s[6] < '0' ||
        s[6] > '7' || s[7] != '\0')
        return false;
    *bdf = (uint16_t)(bus << 8 | dev << 3 | (unsigned)(s[6] - '0'));
    return true;
}

#endif
