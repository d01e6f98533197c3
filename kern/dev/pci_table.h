/*
 * The PCI functions as the kernel publishes them to user mode (<bastion/pci_table.h>): a
 * read-only file that kl.core.FS serves at BASTION_PCI_TABLE_PATH, so that Einit can find the
 * device an init.yaml `devices:` entry names. Built once, by pci_init() at the end of
 * enumeration, from the fixed device list; never written afterwards, so readers need no lock.
 */
#ifndef BASTION_DEV_PCI_TABLE_H
#define BASTION_DEV_PCI_TABLE_H

#include <stddef.h>

/* Builds the file from the enumerated devices. Once, at boot, from pci_init(). */
void pci_table_build(void);

/* The file's bytes (header and records); size 0 before pci_table_build(). */
const void *pci_table_data(size_t *size);

#endif
