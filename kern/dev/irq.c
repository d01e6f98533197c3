/*
 * Device interrupts lent to user-mode drivers (see irq.h).
 *
 * State: lines[] (one slot per claimed interrupt) and the vector bitmap, all under irq_lock;
 * by_vector[] maps a vector to its line for the interrupt handler (written under irq_lock, read
 * by the handler under it too). Every interrupt goes to the boot CPU: one destination keeps
 * the routing simple, and the handler's work (mask, mark, wake) is a few register writes.
 *
 * Masking, per kind:
 *   INTx  the IOAPIC redirection entry's mask bit. PCI INTx is level-triggered, so the handler
 *         masks before its EOI: the still-asserted line cannot fire again until the driver has
 *         acknowledged its device and called EnableIrq.
 *   MSI   the per-vector mask bit when the function has one; otherwise the MSI enable bit,
 *         with INTx kept disabled in the command register (bit 10) so that a function that
 *         falls back to INTx while MSI is off cannot raise a line someone else owns. Claiming
 *         a function's MSI turns its bus mastering on (command bit 2: a message is a memory
 *         write of the function); giving it back restores the command register. Messages a
 *         function without mask bits sends while masked are lost (nothing is pending in the
 *         function): its driver reads the device's status after EnableIrq.
 */
#include "dev/irq.h"

#include <bastion/irq.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/spinlock.h"
#include "dev/irq_number.h"
#include "dev/irq_vector.h"
#include "dev/pci.h"
#include "lib/kprintf.h"
#include "proc/thread.h"
#include "sched/sched.h"

/* PCI configuration: the command register and the MSI capability's fields. */
#define PCI_COMMAND 0x04
#define PCI_COMMAND_BUS_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define MSI_CTRL 0x02
#define MSI_CTRL_ENABLE (1u << 0)
#define MSI_CTRL_MME_MASK (7u << 4)
#define MSI_CTRL_64BIT (1u << 7)
#define MSI_CTRL_MASKABLE (1u << 8)
#define MSI_ADDR_LO 0x04
#define MSI_ADDR_HI 0x08
#define MSI_ADDR_BASE 0xFEE00000u /* the LAPICs' message window; destination in bits 19:12 */

/* The legacy ISA lines the kernel keeps (the timer, the cascade, the UARTs, the RTC): a driver
 * never gets the GSIs they map to, even if some PCI function claims to share one. */
static const uint8_t kernel_isa_irqs[] = {0, 2, 3, 4, 8};

struct irq_line {
    bool used;
    enum irq_kind kind;
    uint32_t number;
    uint8_t vector;
    /* INTx */
    uint32_t gsi;
    uint16_t inti_flags;
    /* MSI */
    const struct pci_device *dev;
    uint16_t msi_ctrl;    /* the capability's control word as first read */
    uint16_t mask_off;    /* offset of the mask bits, 0: none */
    uint16_t old_command; /* the command register before the claim */
    /* State. */
    bool masked;
    bool pending; /* fired since the attached thread last took it */
    bool detach_requested;
    uint64_t fired;
    struct thread *handler; /* the attached thread, NULL: none */
    bool waiting;           /* handler is blocked in irq_wait */
    const void *delivery;
};

static struct spinlock irq_lock = SPINLOCK_INIT(LOCK_LEVEL_IRQ_LINE);
static struct irq_line lines[IRQ_LINES_MAX];
static struct irq_line *by_vector[256];
static struct irq_vectors vectors;

static void line_mask_hw(struct irq_line *l, bool masked)
{
    if (l->kind == IRQ_KIND_INTX) {
        (void)ioapic_set_masked(l->gsi, masked);
    } else if (l->mask_off) {
        uint32_t bits = pci_cfg_read(l->dev, l->mask_off, 4);
        pci_cfg_write(l->dev, l->mask_off, 4, masked ? (bits | 1u) : (bits & ~1u));
    } else {
        uint16_t ctrl = (uint16_t)(l->msi_ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK));
        pci_cfg_write(l->dev, l->dev->msi_cap + MSI_CTRL, 2,
                      masked ? ctrl : ctrl | MSI_CTRL_ENABLE);
    }
    l->masked = masked;
}

/* The interrupt, on the boot CPU with interrupts off. */
static void irq_entry(struct trap_frame *tf)
{
    spin_lock(&irq_lock);
    struct irq_line *l = by_vector[tf->vector & 0xFF];
    if (l != NULL && l->used) {
        line_mask_hw(l, true);
        l->pending = true;
        l->fired++;
        if (l->handler != NULL && l->waiting) {
            l->waiting = false;
            sched_wake(l->handler, rcOk);
        }
    }
    spin_unlock(&irq_lock);
    lapic_eoi();
}

/* The GSI and trigger of a function's INTx line as firmware routed it (pci.h): an ISA IRQ
 * number goes through the MADT's overrides; PCI's own default is level, active low. */
static bool intx_gsi(const struct pci_device *d, uint32_t *gsi, uint16_t *flags)
{
    if (d->irq_pin == 0 || d->irq_line == 0xFF)
        return false;
    uint16_t f = 0;
    uint32_t g = d->irq_line;
    if (d->irq_line < 16)
        g = acpi_isa_irq_to_gsi(acpi_madt(), d->irq_line, &f);
    if ((f & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_BUS)
        f |= ACPI_INTI_TRIGGER_LEVEL;
    if ((f & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_BUS)
        f |= ACPI_INTI_POLARITY_LOW;
    *gsi = g;
    *flags = f;
    return true;
}

static bool kernel_keeps_gsi(uint32_t gsi)
{
    if (gsi == 0) /* the 8259s' output on PCs (ExtINT): never a device's own line */
        return true;
    for (unsigned i = 0; i < sizeof kernel_isa_irqs; i++) {
        uint16_t f;
        if (acpi_isa_irq_to_gsi(acpi_madt(), kernel_isa_irqs[i], &f) == gsi)
            return true;
    }
    return false;
}

/*
 * First owner wins, and a function's INTx and MSI exclude each other: claiming a function's
 * MSI turns its INTx off (command register bit 10), which would silence the line of whoever
 * owns that GSI, and an INTx owner must not see its line's functions switched to MSI behind
 * it. So an MSI claim fails while the function's GSI is claimed, and a GSI claim fails while
 * the MSI of a function on that GSI is claimed.
 */
static bool number_taken_locked(uint32_t number, const struct irq_name *n,
                                const struct irq_line *proto)
{
    for (unsigned i = 0; i < IRQ_LINES_MAX; i++) {
        const struct irq_line *l = &lines[i];
        if (!l->used)
            continue;
        if (l->number == number)
            return true;
        uint32_t g;
        uint16_t f;
        if (n->kind == IRQ_KIND_INTX && l->kind == IRQ_KIND_MSI && intx_gsi(l->dev, &g, &f) &&
            g == n->gsi)
            return true;
        if (n->kind == IRQ_KIND_MSI && l->kind == IRQ_KIND_INTX && intx_gsi(proto->dev, &g, &f) &&
            g == l->gsi)
            return true;
    }
    return false;
}

/* Checks what the number names, outside the lock (PCI's list never changes after boot). */
static Retcode resolve(uint32_t number, struct irq_name *n, struct irq_line *proto)
{
    Retcode rc = irq_number_decode(number, n);
    if (rc != rcOk)
        return rc;
    *proto = (struct irq_line){.kind = n->kind, .number = number};
    if (n->kind == IRQ_KIND_INTX) {
        if (kernel_keeps_gsi(n->gsi))
            return rcAccessDenied;
        bool found = false;
        for (size_t i = 0; i < pci_device_count() && !found; i++) {
            uint32_t g;
            uint16_t f;
            if (intx_gsi(pci_device_at(i), &g, &f) && g == n->gsi) {
                found = true;
                proto->gsi = g;
                proto->inti_flags = f;
            }
        }
        if (!found)
            return rcNotFound;
        if (n->gsi >= ioapic_gsi_count())
            return rcNoHardware;
        return rcOk;
    }
    const struct pci_device *d = pci_find_bdf(n->bdf);
    if (d == NULL)
        return rcNotFound;
    if (d->msi_cap == 0)
        return rcNotSupported;
    proto->dev = d;
    return rcOk;
}

/* Routes a freshly claimed line to the boot CPU, masked. irq_lock held. */
static void route_locked(struct irq_line *l)
{
    uint32_t dest = smp_apic_id(0);
    if (l->kind == IRQ_KIND_INTX) {
        /* ioapic_route_gsi unmasks: mask again at once. The line's handler is installed and
         * an interrupt in between only marks it pending (interrupts are off here anyway). */
        (void)ioapic_route_gsi(l->gsi, l->vector, dest, l->inti_flags);
        (void)ioapic_set_masked(l->gsi, true);
        l->masked = true;
        return;
    }
    const struct pci_device *d = l->dev;
    uint16_t cap = d->msi_cap;
    l->msi_ctrl = (uint16_t)pci_cfg_read(d, cap + MSI_CTRL, 2);
    bool is64 = l->msi_ctrl & MSI_CTRL_64BIT;
    uint16_t data_off = is64 ? 0x0C : 0x08;
    l->mask_off = (l->msi_ctrl & MSI_CTRL_MASKABLE) ? (uint16_t)(cap + (is64 ? 0x10 : 0x0C)) : 0;
    l->old_command = (uint16_t)pci_cfg_read(d, PCI_COMMAND, 2);
    uint16_t ctrl = (uint16_t)(l->msi_ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK));
    pci_cfg_write(d, cap + MSI_CTRL, 2, ctrl); /* off while it is being programmed */
    /* A message is a memory write by the function: it needs bus mastering (a function without
     * it drops its messages), and INTx off so that it cannot fall back to a shared line. */
    pci_cfg_write(d, PCI_COMMAND, 2,
                  l->old_command | PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_BUS_MASTER);
    pci_cfg_write(d, cap + MSI_ADDR_LO, 4, MSI_ADDR_BASE | (dest & 0xFF) << 12);
    if (is64)
        pci_cfg_write(d, cap + MSI_ADDR_HI, 4, 0);
    pci_cfg_write(d, cap + data_off, 2, l->vector); /* fixed delivery, edge */
    if (l->mask_off) {
        uint32_t bits = pci_cfg_read(d, l->mask_off, 4);
        pci_cfg_write(d, l->mask_off, 4, bits | 1u);
        pci_cfg_write(d, cap + MSI_CTRL, 2, ctrl | MSI_CTRL_ENABLE);
    }
    l->masked = true;
}

Retcode irq_claim(uint32_t number, struct irq_line **out)
{
    struct irq_name n;
    struct irq_line proto;
    Retcode rc = resolve(number, &n, &proto);
    if (rc != rcOk)
        return rc;
    uint64_t f = spin_lock_irqsave(&irq_lock);
    struct irq_line *slot = NULL;
    for (unsigned i = 0; i < IRQ_LINES_MAX && slot == NULL; i++)
        if (!lines[i].used)
            slot = &lines[i];
    if (number_taken_locked(number, &n, &proto))
        rc = rcAlreadyExists;
    else if (slot == NULL)
        rc = rcResourceBusy;
    else
        rc = irq_vector_alloc(&vectors, &proto.vector);
    if (rc == rcOk) {
        *slot = proto;
        slot->used = true;
        by_vector[slot->vector] = slot;
        idt_set_irq_handler(slot->vector, irq_entry);
        route_locked(slot);
        *out = slot;
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return rc;
}

/* irq_lock held: no thread attached any more; the line masked. */
static void detach_locked(struct irq_line *l, Retcode wake_rc)
{
    struct thread *t = l->handler;
    bool was_waiting = l->waiting;
    l->handler = NULL;
    l->delivery = NULL;
    l->waiting = false;
    l->detach_requested = false;
    l->pending = false;
    line_mask_hw(l, true);
    if (t != NULL && was_waiting)
        sched_wake(t, wake_rc);
}

void irq_release(struct irq_line *l)
{
    uint64_t f = spin_lock_irqsave(&irq_lock);
    detach_locked(l, rcIrqDetached);
    if (l->kind == IRQ_KIND_MSI) {
        uint16_t ctrl = (uint16_t)(l->msi_ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK));
        pci_cfg_write(l->dev, l->dev->msi_cap + MSI_CTRL, 2, ctrl);
        pci_cfg_write(l->dev, PCI_COMMAND, 2, l->old_command);
    }
    idt_set_irq_handler(l->vector, NULL);
    by_vector[l->vector] = NULL;
    (void)irq_vector_free(&vectors, l->vector);
    *l = (struct irq_line){0};
    spin_unlock_irqrestore(&irq_lock, f);
}

uint32_t irq_number(const struct irq_line *l)
{
    return l->number;
}

uint64_t irq_fired_count(const struct irq_line *l)
{
    return __atomic_load_n(&l->fired, __ATOMIC_RELAXED);
}

static struct irq_line *line_of_locked(const struct thread *t)
{
    for (unsigned i = 0; i < IRQ_LINES_MAX; i++)
        if (lines[i].used && lines[i].handler == t)
            return &lines[i];
    return NULL;
}

Retcode irq_attach(struct irq_line *l, struct thread *t, const void *delivery)
{
    Retcode rc = rcOk;
    uint64_t f = spin_lock_irqsave(&irq_lock);
    if (l->handler != NULL || line_of_locked(t) != NULL) {
        rc = rcResourceBusy;
    } else {
        l->handler = t;
        l->delivery = delivery;
        l->pending = false;
        l->detach_requested = false;
        line_mask_hw(l, false);
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return rc;
}

Retcode irq_wait(struct irq_line *l, struct thread *t, uint64_t timeout_ns)
{
    uint64_t f = cpu_irq_save();
    spin_lock(&irq_lock);
    Retcode rc;
    if (l->handler != t) {
        rc = rcAccessDenied;
    } else if (l->detach_requested) {
        detach_locked(l, rcIrqDetached);
        rc = rcIrqDetached;
    } else if (l->pending) {
        l->pending = false;
        rc = rcOk;
    } else {
        l->waiting = true;
        Retcode wrc = sched_block_timeout(&irq_lock, timeout_ns); /* releases irq_lock */
        spin_lock(&irq_lock);
        if (l->handler == t)
            l->waiting = false;
        if (wrc == rcOk && l->handler == t && l->pending) {
            l->pending = false;
            rc = rcOk;
        } else if (l->handler != t) {
            rc = wrc == rcPeerClosed ? rcPeerClosed : rcIrqDetached;
        } else {
            rc = wrc == rcOk ? rcTimeout : wrc;
        }
    }
    spin_unlock(&irq_lock);
    cpu_irq_restore(f);
    return rc;
}

Retcode irq_request_detach(struct irq_line *l)
{
    Retcode rc = rcOk;
    uint64_t f = spin_lock_irqsave(&irq_lock);
    if (l->handler == NULL)
        rc = rcNotFound;
    else if (l->waiting)
        detach_locked(l, rcIrqDetached);
    else
        l->detach_requested = true;
    spin_unlock_irqrestore(&irq_lock, f);
    return rc;
}

Retcode irq_detach_thread(struct thread *t)
{
    uint64_t f = spin_lock_irqsave(&irq_lock);
    struct irq_line *l = line_of_locked(t);
    if (l != NULL)
        detach_locked(l, rcIrqDetached);
    spin_unlock_irqrestore(&irq_lock, f);
    return l != NULL ? rcOk : rcNotFound;
}

void irq_detach_delivery(struct irq_line *l, const void *delivery)
{
    uint64_t f = spin_lock_irqsave(&irq_lock);
    if (l->used && l->handler != NULL && l->delivery == delivery)
        detach_locked(l, rcIrqDetached);
    spin_unlock_irqrestore(&irq_lock, f);
}

void irq_thread_exit(struct thread *t)
{
    (void)irq_detach_thread(t);
}

void irq_set_masked(struct irq_line *l, bool masked)
{
    uint64_t f = spin_lock_irqsave(&irq_lock);
    line_mask_hw(l, masked);
    spin_unlock_irqrestore(&irq_lock, f);
}
