/*
 * IOAPIC driver (see ioapic.h).
 *
 * Each IOAPIC is two registers: IOREGSEL selects, IOWIN reads/writes. Selecting and then
 * accessing is not atomic, so every access holds ioapic_lock. Redirection entry n is the pair of
 * 32-bit registers 0x10 + 2n (low: vector, delivery, polarity, trigger, mask) and 0x11 + 2n
 * (high: destination APIC id in bits 31:24). The low half is written last when unmasking and
 * first when masking, so a half-written entry is never live.
 */
#include "arch/x86_64/ioapic.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "mm/paging.h"

#define IOREGSEL 0x00
#define IOWIN 0x10

#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_REDIR(n) (0x10 + 2 * (n))

#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

#define SELFTEST_WAIT_TSC (1ull << 31)

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

struct ioapic {
    volatile uint32_t *mmio;
    uint32_t gsi_base;
    unsigned pins;
    uint8_t id;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;
/* Every IOAPIC's redirection registers (one select-then-access pair must not interleave). */
static struct spinlock ioapic_lock = SPINLOCK_INIT(LOCK_LEVEL_IOAPIC);

static uint32_t io_read(const struct ioapic *a, uint32_t reg)
{
    a->mmio[IOREGSEL / 4] = reg;
    return a->mmio[IOWIN / 4];
}

static void io_write(const struct ioapic *a, uint32_t reg, uint32_t val)
{
    a->mmio[IOREGSEL / 4] = reg;
    a->mmio[IOWIN / 4] = val;
}

static void route_selftest(void);

static struct ioapic *find(uint32_t gsi, unsigned *pin)
{
    for (unsigned i = 0; i < nioapics; i++) {
        struct ioapic *a = &ioapics[i];
        if (gsi >= a->gsi_base && gsi - a->gsi_base < a->pins) {
            *pin = gsi - a->gsi_base;
            return a;
        }
    }
    return NULL;
}

/*
 * Remap the two 8259s to PIC_VECTOR_BASE..+15 (ICW1..ICW4), then mask all their lines. The
 * remap matters: the BIOS leaves them at vectors 0x08..0x0F, where a spurious IRQ 7 would be
 * taken for a double fault.
 */
static void pic_disable(void)
{
    outb(PIC1_CMD, 0x11); /* ICW1: init, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, PIC_VECTOR_BASE); /* ICW2: vector base */
    outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
    outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 0x02); /* ICW3: slave identity */
    outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
}

void ioapic_init(void)
{
    const struct acpi_madt *m = acpi_madt();
    /* The MADT's PCAT_COMPAT flag says 8259s exist; on a PC they always do, and masking
     * absent ones is harmless, so do it either way. */
    pic_disable();
    if (!m || m->nioapics == 0) {
        kprintf("ioapic: none described by ACPI; device interrupts unavailable\n");
        return;
    }
    for (unsigned i = 0; i < m->nioapics && nioapics < ACPI_MAX_IOAPICS; i++) {
        struct ioapic *a = &ioapics[nioapics];
        a->mmio = paging_map_mmio(m->ioapics[i].addr, 4096);
        if (!a->mmio) {
            kprintf("ioapic: cannot map IOAPIC %u at 0x%x, skipped\n", m->ioapics[i].id,
                    m->ioapics[i].addr);
            continue;
        }
        a->gsi_base = m->ioapics[i].gsi_base;
        a->id = m->ioapics[i].id;
        uint32_t ver = io_read(a, REG_VERSION);
        a->pins = ((ver >> 16) & 0xFF) + 1;
        for (unsigned pin = 0; pin < a->pins; pin++) {
            io_write(a, REG_REDIR(pin), REDIR_MASKED);
            io_write(a, REG_REDIR(pin) + 1, 0);
        }
        nioapics++;
        kprintf("ioapic: id %u at 0x%x, version 0x%x, GSIs %u..%u, all masked\n", a->id,
                m->ioapics[i].addr, ver & 0xFF, a->gsi_base, a->gsi_base + a->pins - 1);
    }
    for (unsigned i = 0; i < m->noverrides; i++) {
        const struct acpi_override *o = &m->overrides[i];
        kprintf("ioapic: ISA IRQ %u -> GSI %u%s%s\n", o->source, o->gsi,
                (o->flags & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL ? ", level" : "",
                (o->flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW ? ", active low"
                                                                               : "");
    }
    if (nioapics > 0)
        route_selftest();
}

static volatile unsigned selftest_irqs;

static void selftest_handler(struct trap_frame *tf)
{
    (void)tf;
    selftest_irqs++;
    lapic_eoi();
}

/*
 * End-to-end check of the routing path: PIT channel 0 raises ISA IRQ 0 once; through the MADT
 * override (GSI 2 on PCs) and the IOAPIC it must arrive at this CPU. Leaves the pin masked and
 * the vector free again. Runs with interrupts off on entry; opens them only for the wait
 * (SELFTEST_WAIT_TSC at most; on success it ends as soon as the interrupt arrived).
 */
static void route_selftest(void)
{
    uint16_t flags;
    uint32_t gsi = acpi_isa_irq_to_gsi(acpi_madt(), 0, &flags);
    if (gsi >= IOAPIC_MAX_ROUTED)
        return;
    uint8_t vector = (uint8_t)(IOAPIC_VECTOR_BASE + gsi);
    idt_set_irq_handler(vector, selftest_handler);
    /* Unmask first, then start the PIT: an IOAPIC drops an edge that arrives on a masked pin
     * (82093AA), so the other order loses the interrupt whenever this CPU is delayed for the
     * 1 ms in between (a busy host under TCG). An edge from the firmware's periodic PIT mode
     * before our one-shot proves the same path. */
    Retcode rc = ioapic_route_isa_irq(0, vector, lapic_id());
    pit_ch0_oneshot(pit_count_for_us(1000));
    uint64_t rflags = read_rflags();
    sti();
    /* Wait without touching I/O ports (under QEMU TCG they take the lock the PIT's interrupt
     * needs) and before the TSC is calibrated: a raw TSC bound, 2^31 ticks (~0.5-2 s at
     * 1-4 GHz); it ends at the first interrupt. */
    uint64_t t0 = rdtsc();
    while (rc == rcOk && selftest_irqs == 0 && rdtsc() - t0 < SELFTEST_WAIT_TSC)
        cpu_pause();
    if (!(rflags & RFLAGS_IF))
        cli();
    ioapic_set_masked(gsi, true);
    idt_set_irq_handler(vector, NULL);
    if (rc == rcOk && selftest_irqs > 0)
        kprintf("ioapic: routing check: ISA IRQ 0 (PIT) -> GSI %u -> vector 0x%x on APIC %u: "
                "delivered\n",
                gsi, vector, lapic_id());
    else
        kprintf("ioapic: routing check: ISA IRQ 0 (PIT) -> GSI %u -> vector 0x%x: NOT delivered "
                "(%s)\n",
                gsi, vector, rc == rcOk ? "no interrupt within 2^31 TSC ticks" : retcode_name(rc));
}

unsigned ioapic_gsi_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nioapics; i++)
        n += ioapics[i].pins;
    return n;
}

Retcode ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest, uint16_t flags)
{
    if (vector < 0x20)
        return rcInvalidArgument;
    unsigned pin;
    struct ioapic *a = find(gsi, &pin);
    if (!a)
        return rcNotFound;
    uint32_t lo = vector; /* fixed delivery, physical destination */
    if ((flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW)
        lo |= REDIR_ACTIVE_LOW;
    if ((flags & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL)
        lo |= REDIR_LEVEL;
    uint64_t irqf = spin_lock_irqsave(&ioapic_lock);
    io_write(a, REG_REDIR(pin), REDIR_MASKED);
    io_write(a, REG_REDIR(pin) + 1, dest << 24);
    io_write(a, REG_REDIR(pin), lo);
    spin_unlock_irqrestore(&ioapic_lock, irqf);
    return rcOk;
}

Retcode ioapic_route_isa_irq(uint8_t irq, uint8_t vector, uint32_t dest)
{
    uint16_t flags;
    uint32_t gsi = acpi_isa_irq_to_gsi(acpi_madt(), irq, &flags);
    return ioapic_route_gsi(gsi, vector, dest, flags);
}

Retcode ioapic_set_masked(uint32_t gsi, bool masked)
{
    unsigned pin;
    struct ioapic *a = find(gsi, &pin);
    if (!a)
        return rcNotFound;
    uint64_t irqf = spin_lock_irqsave(&ioapic_lock);
    uint32_t lo = io_read(a, REG_REDIR(pin));
    io_write(a, REG_REDIR(pin), masked ? (lo | REDIR_MASKED) : (lo & ~REDIR_MASKED));
    spin_unlock_irqrestore(&ioapic_lock, irqf);
    return rcOk;
}
