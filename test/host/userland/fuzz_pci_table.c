/*
 * libFuzzer target for the kernel's PCI table as Einit reads it (userland/ipc/pci_table_parse.c)
 * and the PCI address text of init.yaml devices (device_bdf_parse): any bytes end in a table
 * whose records all lie inside the input, or in rcBadFormat; never a crash or an overread.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <user/device.h>
#include <user/pci_table.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pci_table t;
    if (pci_table_parse(data, size, &t) == rcOk) {
        if (t.count > BASTION_PCI_TABLE_MAX ||
            size != sizeof(struct bastion_pci_table_header) +
                        (size_t)t.count * sizeof(struct bastion_pci_record))
            __builtin_trap();
        for (uint32_t i = 0; i < t.count; i++)
            if (pci_table_find_bdf(&t, t.rec[i].bdf) == NULL)
                __builtin_trap();
    }
    char text[16];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    uint16_t bdf;
    (void)device_bdf_parse(text, &bdf);
    return 0;
}
