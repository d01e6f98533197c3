/*
 * The kernel's PCI table checked and searched (user/pci_table.h): no system calls, so the host
 * tests and the fuzzer run it as Einit does.
 */
#include <string.h>

#include <user/pci_table.h>

Retcode pci_table_parse(const void *data, size_t len, struct pci_table *t)
{
    struct bastion_pci_table_header h;
    t->count = 0;
    if (len < sizeof h)
        return rcBadFormat;
    memcpy(&h, data, sizeof h);
    if (h.magic != BASTION_PCI_TABLE_MAGIC || h.version != BASTION_PCI_TABLE_VERSION ||
        h.record_size != sizeof(struct bastion_pci_record) || h.count > BASTION_PCI_TABLE_MAX ||
        len != sizeof h + (size_t)h.count * sizeof(struct bastion_pci_record))
        return rcBadFormat;
    memcpy(t->rec, (const uint8_t *)data + sizeof h, h.count * sizeof(struct bastion_pci_record));
    t->count = h.count;
    return rcOk;
}

const struct bastion_pci_record *pci_table_find_id(const struct pci_table *t, uint16_t vendor,
                                                   uint16_t device)
{
    for (uint32_t i = 0; i < t->count; i++)
        if (t->rec[i].vendor == vendor && t->rec[i].device == device)
            return &t->rec[i];
    return NULL;
}

const struct bastion_pci_record *pci_table_find_bdf(const struct pci_table *t, uint16_t bdf)
{
    for (uint32_t i = 0; i < t->count; i++)
        if (t->rec[i].bdf == bdf)
            return &t->rec[i];
    return NULL;
}
