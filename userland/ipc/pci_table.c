/*
 * The kernel's PCI table, read through kl.core.FS (user/pci_table.h). The file is small (at
 * most 16 + 128 * 160 bytes): it is read whole into one buffer (kernel_file_read) and checked as
 * a whole (pci_table_parse.c) before any record is used.
 */
#include <user/kernel_file.h>
#include <user/pci_table.h>

#define PCI_TABLE_FILE_MAX                     \
    (sizeof(struct bastion_pci_table_header) + \
     BASTION_PCI_TABLE_MAX * sizeof(struct bastion_pci_record))

Retcode pci_table_read(struct pci_table *t)
{
    static _Alignas(8) uint8_t file[PCI_TABLE_FILE_MAX];
    size_t len = 0;
    t->count = 0;
    /* A file longer than any table is rcBadFormat (kernel_file_read: longer than the buffer). */
    Retcode r = kernel_file_read(BASTION_PCI_TABLE_PATH, file, sizeof file, &len);
    return r == rcOk ? pci_table_parse(file, len, t) : r;
}
