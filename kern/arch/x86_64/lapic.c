/*
 * xAPIC driver (see lapic.h).
 *
 * Invariant: lapic_mmio is written once by lapic_init() on the BSP before any AP starts, and
 * only read afterwards, so APs may use it without a lock. Register accesses are 32-bit and
 * go through volatile pointers into an uncached mapping, as the SDM requires.
 */
#include "arch/x86_64/lapic.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "lib/kprintf.h"
#include "mm/paging.h"
#include "panic.h"

#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_X2APIC (1u << 10)
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

#define SVR_ENABLE (1u << 8)

#define ICR_DELIVERY_FIXED (0u << 8)
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_BUSY (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_DELIVERY_NMI (4u << 8)
#define ICR_DEST_ALL_BUT_SELF (3u << 18)

#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_ACTIVE_LOW (1u << 13)
#define LVT_LEVEL (1u << 15)

#define ICR_POLL_LIMIT 1000000u

static volatile uint32_t *lapic_mmio;
static uint64_t lapic_phys;

uint32_t lapic_read(uint32_t reg)
{
    return lapic_mmio[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t val)
{
    lapic_mmio[reg / 4] = val;
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_REG_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_REG_EOI, 0);
}

static void spurious_handler(struct trap_frame *tf)
{
    /* A spurious interrupt is not in service: no EOI (SDM vol. 3, "Spurious interrupt"). */
    (void)tf;
}

static void error_handler(struct trap_frame *tf)
{
    (void)tf;
    lapic_write(LAPIC_REG_ESR, 0); /* latch the current errors into ESR */
    uint32_t esr = lapic_read(LAPIC_REG_ESR);
    kprintf("lapic: cpu apic id %u reports error 0x%x\n", lapic_id(), esr);
    lapic_eoi();
}

/* LVT value for LINT `lint` of this CPU: NMI if the MADT wires one there, masked otherwise. */
static uint32_t lint_lvt(unsigned lint)
{
    const struct acpi_madt *m = acpi_madt();
    uint32_t me = lapic_id(), uid = ACPI_UID_ALL;
    bool known = false;
    for (unsigned i = 0; m && i < m->ncpus; i++)
        if (m->cpus[i].apic_id == me) {
            uid = m->cpus[i].acpi_uid;
            known = true;
        }
    for (unsigned i = 0; m && i < m->nlapic_nmis; i++) {
        const struct acpi_lapic_nmi *n = &m->lapic_nmis[i];
        if (n->lint != lint || (n->acpi_uid != ACPI_UID_ALL && (!known || n->acpi_uid != uid)))
            continue;
        uint32_t v = LVT_DELIVERY_NMI; /* NMI is always edge triggered */
        if ((n->flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW)
            v |= LVT_ACTIVE_LOW;
        return v;
    }
    return LAPIC_LVT_MASKED;
}

/* Bring this CPU's LAPIC into the state lapic.h promises. Interrupts are off. */
static void setup_local(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (base & APIC_BASE_X2APIC) {
        /* Firmware left x2APIC mode on (machines with many CPUs do). x2APIC -> xAPIC is not a
         * legal transition; going through "disabled" is (SDM vol. 3, "x2APIC state
         * transitions"), and resets this LAPIC, which we program from scratch below. */
        wrmsr(MSR_APIC_BASE, base & ~(uint64_t)(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
        base &= ~(uint64_t)(APIC_BASE_X2APIC | APIC_BASE_ENABLE);
    }
    if (!(base & APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);

    lapic_write(LAPIC_REG_TPR, 0);
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_REG_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_REG_LVT_LINT1, lint_lvt(1));
    if (lint_lvt(0) != LAPIC_LVT_MASKED)
        lapic_write(LAPIC_REG_LVT_LINT0, lint_lvt(0));
    lapic_write(LAPIC_REG_LVT_ERROR, LAPIC_ERROR_VECTOR);
    /* ESR is write-then-read; two writes clear errors latched before we got here. */
    lapic_write(LAPIC_REG_ESR, 0);
    lapic_write(LAPIC_REG_ESR, 0);
    lapic_write(LAPIC_REG_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
    lapic_eoi(); /* acknowledge anything left in service by the firmware */
}

void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    lapic_phys = base & APIC_BASE_ADDR_MASK;
    const struct acpi_madt *m = acpi_madt();
    if (m && m->lapic_addr != lapic_phys)
        kprintf("lapic: MADT says 0x%lx, IA32_APIC_BASE says 0x%lx; using the MSR\n",
                (unsigned long)m->lapic_addr, (unsigned long)lapic_phys);
    if (!(base & APIC_BASE_BSP))
        panic("lapic: lapic_init() must run on the bootstrap processor");

    lapic_mmio = paging_map_mmio(lapic_phys, 4096);
    if (!lapic_mmio)
        panic("lapic: cannot map the LAPIC at 0x%lx", (unsigned long)lapic_phys);

    idt_set_irq_handler(LAPIC_SPURIOUS_VECTOR, spurious_handler);
    idt_set_irq_handler(LAPIC_ERROR_VECTOR, error_handler);
    setup_local();

    uint32_t ver = lapic_read(LAPIC_REG_VERSION);
    kprintf("lapic: xAPIC at 0x%lx, BSP apic id %u, version 0x%x, %u LVT entries%s\n",
            (unsigned long)lapic_phys, lapic_id(), ver & 0xFF, ((ver >> 16) & 0xFF) + 1,
            cpu_features.x2apic ? " (x2APIC capable, used in xAPIC mode)" : "");
}

void lapic_init_ap(void)
{
    setup_local();
}

/* Wait until the ICR is idle; every IPI sender calls this before and after writing it. */
static bool icr_idle(void)
{
    /* A bounded number of reads rather than a timed wait: this must work before the TSC is
     * calibrated. An IPI leaves the ICR within microseconds; a million reads is far beyond. */
    for (uint32_t i = 0; i < ICR_POLL_LIMIT; i++) {
        if (!(lapic_read(LAPIC_REG_ICR_LO) & ICR_BUSY))
            return true;
        cpu_pause();
    }
    return false;
}

static bool send_icr(uint32_t apic_id, uint32_t lo)
{
    if (!icr_idle())
        return false;
    lapic_write(LAPIC_REG_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_REG_ICR_LO, lo); /* the write of the low half sends the IPI */
    return icr_idle();
}

bool lapic_send_init(uint32_t apic_id)
{
    return send_icr(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
}

bool lapic_send_init_deassert(uint32_t apic_id)
{
    /* Level de-assert only resynchronises arbitration ids; Pentium 4 and later ignore it, but
     * the MP start-up sequence still lists it and it is harmless. */
    return send_icr(apic_id, ICR_DELIVERY_INIT | ICR_TRIGGER_LEVEL);
}

bool lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
    return send_icr(apic_id, ICR_DELIVERY_STARTUP | page);
}

bool lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    return send_icr(apic_id, ICR_DELIVERY_FIXED | vector);
}

bool lapic_send_nmi_all_but_self(void)
{
    if (!lapic_mmio)
        return false;
    return send_icr(0, ICR_DELIVERY_NMI | ICR_DEST_ALL_BUT_SELF);
}
