/*
 * The published PCI table (dev/pci_table.h): header then one record per function, in
 * enumeration order. Static storage sized for every function the kernel records, so building
 * it cannot fail and costs no process anything.
 */
#include "dev/pci_table.h"

#include <bastion/pci_table.h>

#include "dev/pci.h"
#include "lib/string.h"

_Static_assert(PCI_MAX_DEVICES <= BASTION_PCI_TABLE_MAX, "the file holds every function");

static struct {
    struct bastion_pci_table_header h;
    struct bastion_pci_record rec[PCI_MAX_DEVICES];
} table;
static size_t table_size;

static void fill(struct bastion_pci_record *r, const struct pci_device *d)
{
    memset(r, 0, sizeof *r);
    r->bdf = d->bdf;
    r->vendor = d->vendor;
    r->device = d->device;
    r->class_code = d->class_code;
    r->subclass = d->subclass;
    r->prog_if = d->prog_if;
    r->irq_line = d->irq_line;
    r->irq_pin = d->irq_pin;
    r->msi_cap = d->msi_cap;
    r->msix_cap = d->msix_cap;
    for (unsigned i = 0; i < 6; i++) {
        const struct pci_bar *b = &d->bar[i];
        r->bar[i].base = b->base;
        r->bar[i].size = b->size;
        r->bar[i].flags = (b->io ? BASTION_PCI_BAR_IO : 0) |
                          (b->mem64 ? BASTION_PCI_BAR_MEM64 : 0) |
                          (b->prefetch ? BASTION_PCI_BAR_PREFETCH : 0);
    }
}

void pci_table_build(void)
{
    size_t n = pci_device_count();
    for (size_t i = 0; i < n; i++)
        fill(&table.rec[i], pci_device_at(i));
    table.h.magic = BASTION_PCI_TABLE_MAGIC;
    table.h.version = BASTION_PCI_TABLE_VERSION;
    table.h.count = (uint32_t)n;
    table.h.record_size = sizeof(struct bastion_pci_record);
    table_size = sizeof table.h + n * sizeof(struct bastion_pci_record);
}

const void *pci_table_data(size_t *size)
{
    *size = table_size;
    return &table;
}
