/* Einit hands PCI functions to the processes init.yaml names them for (einit_devices.h). */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/pci_table.h>

#include "einit_devices.h"
#include "kl/core/Handle.idl.h"
#include "kl/core/IO.idl.h"
#include "kl/core/Task.idl.h"

/* Read once, on the first entry with devices: the list is fixed after the kernel's boot. */
static struct pci_table pci;
static Retcode pci_read = rcNotFound;
static int pci_tried;

static char step[160];

static Retcode find(const struct einit_device *d, const struct bastion_pci_record **rec)
{
    if (!pci_tried) {
        pci_tried = 1;
        pci_read = pci_table_read(&pci);
    }
    if (pci_read != rcOk)
        return pci_read;
    *rec = d->match == EINIT_DEVICE_BY_ID ? pci_table_find_id(&pci, d->vendor, d->device)
                                          : pci_table_find_bdf(&pci, d->bdf);
    return *rec ? rcOk : rcNotFound;
}

static Retcode register_bar(const struct bastion_pci_bar *b, idl_handle_t *res)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    if (b->flags & BASTION_PCI_BAR_IO)
        return core_result(
            kl_core_IO_RegisterPort(&cl, (uint32_t)b->base, (uint32_t)b->size, res, &rc), &rc);
    return core_result(kl_core_IO_RegisterMmio(&cl, b->base, b->size, res, &rc), &rc);
}

static Retcode register_irq(uint8_t gsi, idl_handle_t *res)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_IO_RegisterIrq(&cl, gsi, res, &rc), &rc);
}

/* Moves a resource handle of Einit into the process under `name`: a descendant in its table
 * with the same rights, then Einit's own closed (the descendant takes its place). */
static Retcode transfer(uint32_t task, idl_handle_t res, const char *name, struct einit_given *g)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_HandleValue dst = kl_core_Types_InvalidHandleValue;
    idl_handle_t no_badge = {.handle = kl_core_Types_InvalidHandleValue};
    Retcode r = core_result(kl_core_Task_TransferHandle(&cl, core_handle_arg(task),
                                                        core_handle_arg(res.handle), no_badge,
                                                        res.rights, &dst, &rc),
                            &rc);
    CORE_CLIENT(hc, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode hrc = rcFail;
    Retcode closed =
        core_result(kl_core_Handle_Close(&hc, core_handle_arg(res.handle), &hrc), &hrc);
    if (r == rcOk && closed != rcOk)
        r = closed; /* Einit would still hold the range: the driver would not be its only holder */
    if (r == rcOk) {
        snprintf(g->handle_name[g->nhandles], sizeof g->handle_name[0], "%s", name);
        g->handle[g->nhandles++] = dst;
    }
    return r;
}

static Retcode give_one(const struct einit_device *d, uint32_t task, struct einit_given *g)
{
    const struct bastion_pci_record *rec = NULL;
    snprintf(step, sizeof step, "device %s (line %u): the kernel's PCI table", d->name,
             (unsigned)d->line);
    Retcode r = find(d, &rec);
    if (r != rcOk)
        return r;
    char name[EINIT_MAX_NAME + 1];
    for (unsigned i = 0; i < 6; i++) {
        const struct bastion_pci_bar *b = &rec->bar[i];
        if (b->size == 0)
            continue;
        idl_handle_t res = {0};
        snprintf(step, sizeof step, "device %s (%02x:%02x.%u) BAR%u: IO.Register%s", d->name,
                 rec->bdf >> 8, (rec->bdf >> 3) & 0x1F, rec->bdf & 7, i,
                 (b->flags & BASTION_PCI_BAR_IO) ? "Port" : "Mmio");
        if ((r = register_bar(b, &res)) != rcOk)
            return r;
        snprintf(name, sizeof name, "%s.bar%u", d->name, i);
        snprintf(step, sizeof step, "device %s BAR%u: Task.TransferHandle", d->name, i);
        if ((r = transfer(task, res, name, g)) != rcOk)
            return r;
    }
    if (rec->irq_pin != 0 && rec->irq_line != BASTION_PCI_IRQ_NONE) {
        idl_handle_t res = {0};
        snprintf(step, sizeof step, "device %s: IO.RegisterIrq(%u)", d->name, rec->irq_line);
        if ((r = register_irq(rec->irq_line, &res)) != rcOk)
            return r;
        snprintf(name, sizeof name, "%s.irq", d->name);
        snprintf(step, sizeof step, "device %s interrupt: Task.TransferHandle", d->name);
        if ((r = transfer(task, res, name, g)) != rcOk)
            return r;
    }
    snprintf(g->env_name[g->nenv], sizeof g->env_name[0], "%s_bdf", d->name);
    snprintf(g->env_value[g->nenv], sizeof g->env_value[0], "%02x:%02x.%u", rec->bdf >> 8,
             (rec->bdf >> 3) & 0x1F, rec->bdf & 7);
    g->nenv++;
    printf("einit: device %s %02x:%02x.%u (%04x:%04x) given to it\n", d->name, rec->bdf >> 8,
           (rec->bdf >> 3) & 0x1F, rec->bdf & 7, rec->vendor, rec->device);
    return rcOk;
}

Retcode einit_give_devices(const struct einit_entry *e, uint32_t task, struct einit_given *out,
                           const char **what)
{
    memset(out, 0, sizeof *out);
    for (uint32_t k = 0; k < e->ndevices; k++) {
        Retcode r = give_one(&e->devices[k], task, out);
        if (r != rcOk) {
            *what = step;
            return r;
        }
    }
    return rcOk;
}
