/*
 * The kernel's PCI table (<bastion/pci_table.h>) read through kl.core.FS, checked, and searched.
 * Einit uses it to find the device an init.yaml `devices:` entry names; drivers and tests may
 * too, when their policy grants FS.Open/Read/Close of BASTION_PCI_TABLE_PATH.
 */
#ifndef USER_PCI_TABLE_H
#define USER_PCI_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/pci_table.h>
#include <bastion/retcode.h>

struct pci_table {
    uint32_t count;
    struct bastion_pci_record rec[BASTION_PCI_TABLE_MAX];
};

/*
 * Reads and checks the whole file into *t. Errors: FS.Open's and FS.Read's (rcSecurityDisallow
 * when the policy refuses, rcNotFound on a kernel without the file), rcBadFormat when the file
 * is not a table this library understands (magic, version, record size, a size that is not
 * exactly header + count records, more than BASTION_PCI_TABLE_MAX records).
 */
Retcode pci_table_read(struct pci_table *t);

/* The same check on bytes already read (host tests, fuzzing). */
Retcode pci_table_parse(const void *data, size_t len, struct pci_table *t);

/* The first function with this vendor and device id / with this bus:device.function; NULL
 * when there is none. */
const struct bastion_pci_record *pci_table_find_id(const struct pci_table *t, uint16_t vendor,
                                                   uint16_t device);
const struct bastion_pci_record *pci_table_find_bdf(const struct pci_table *t, uint16_t bdf);

#endif
