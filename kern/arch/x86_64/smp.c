/*
 * Application processor start-up (see smp.h).
 *
 * The BSP starts one AP at a time and waits until it reported in before starting the next, so
 * the trampoline's single parameter block, and percpu_init_ap()'s allocations, are never used
 * by two APs at once. An AP that does not come up within its time is sent INIT again, which
 * parks it in wait-for-SIPI, so it can never run later on a parameter block meant for another.
 *
 * Memory ordering: the BSP writes the parameter block through the (write-back) direct map and
 * then sends the SIPI through the LAPIC's uncached ICR; x86 keeps stores in order, and the
 * compiler is fenced, so the AP sees the block complete.
 */
#include "arch/x86_64/smp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idle_time.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/tsc.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "panic.h"
#include "prof/kcov.h"

/* Must match TRAMP_PARAMS and the P_* offsets in ap_trampoline.asm. */
#define TRAMP_PARAMS_OFFSET 0xF00u

struct ap_boot_params {
    uint32_t pml4_phys; /* temporary tables, below 4 GiB (CR3 is loaded in 32-bit mode) */
    uint32_t reserved;
    uint64_t efer;      /* LME and NXE as on the BSP */
    uint64_t stack_top; /* virtual, kernel half */
    uint64_t entry;     /* ap_entry() */
    uint64_t index;     /* logical CPU index, ap_entry()'s argument */
};
_Static_assert(offsetof(struct ap_boot_params, efer) == 8, "P_EFER");
_Static_assert(offsetof(struct ap_boot_params, stack_top) == 16, "P_STACK");
_Static_assert(offsetof(struct ap_boot_params, entry) == 24, "P_ENTRY");
_Static_assert(offsetof(struct ap_boot_params, index) == 32, "P_INDEX");

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];

#define EFER_LMA (1ull << 10)

/* The wait between INIT and SIPI the MP specification asks of the original (external-APIC)
 * processors; init_delay_us() says when it is still owed. */
#define INIT_DELAY_LEGACY_US 10000u
#define SIPI_DELAY_US 200u
#define ALIVE_TIMEOUT_US 1000000u  /* SIPI to C code: microseconds on hardware, ms under TCG */
#define ONLINE_TIMEOUT_US 5000000u /* C entry to "online": allocations, prints */

static volatile unsigned online_count = 1;
static volatile bool ap_alive;
static uint32_t apic_ids[SMP_MAX_CPUS];
static uint64_t stack_tops[SMP_MAX_CPUS];
static uint64_t kernel_cr3, bsp_cr0, bsp_cr4;

enum start_result { AP_ONLINE, AP_NOT_STARTED, AP_STUCK };

static struct ap_boot_params *params(void)
{
    return (struct ap_boot_params *)((uint8_t *)phys_to_virt(SMP_TRAMPOLINE_PHYS) +
                                     TRAMP_PARAMS_OFFSET);
}

/*
 * The AP's first C code, on its own stack, still on the trampoline's page tables and the
 * trampoline's GDT, interrupts off.
 */
KCOV_NO_TRACE static noreturn void ap_entry(uint64_t index)
{
#ifdef BASTION_KCOV
    /* Before any call: the coverage hook reads the per-CPU record through GS. */
    kcov_ap_early();
#endif
    write_cr3(kernel_cr3); /* drop the identity map of low memory */
    write_cr4(bsp_cr4);
    write_cr0(bsp_cr0);
    ap_alive = true;

    /* The initial APIC id from CPUID: the LAPIC itself is not set up yet (firmware may even
     * have left it in x2APIC mode, where its MMIO page reads nothing useful). */
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint32_t apic_id = b >> 24;
    if (!percpu_init_ap((unsigned)index, apic_id))
        panic("smp: percpu_init_ap(%lu, apic id %u) failed", (unsigned long)index, apic_id);
    lapic_init_ap();
    timer_init_ap();
    apic_ids[index] = apic_id;
    kprintf("cpu %lu online\n", (unsigned long)index);
    __atomic_add_fetch(&online_count, 1, __ATOMIC_SEQ_CST);
    cpu_idle_forever();
}

/* Copy the trampoline to low memory and build the temporary page tables it switches to. */
static void trampoline_setup(void)
{
    size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
    if (len > TRAMP_PARAMS_OFFSET)
        panic("smp: AP trampoline is %zu bytes, overlaps its parameters at 0x%x", len,
              TRAMP_PARAMS_OFFSET);
    memcpy(phys_to_virt(SMP_TRAMPOLINE_PHYS), ap_trampoline_start, len);

    uint64_t *pml4 = phys_to_virt(SMP_TRAMP_PML4_PHYS);
    uint64_t *pdpt = phys_to_virt(SMP_TRAMP_PDPT_PHYS);
    uint64_t *pd = phys_to_virt(SMP_TRAMP_PD_PHYS);
    memset(pml4, 0, 4096);
    memset(pdpt, 0, 4096);
    memset(pd, 0, 4096);
    pd[0] = 0 | PTE_P | PTE_W | PTE_PS; /* 0..2 MiB, executable */
    pdpt[0] = SMP_TRAMP_PD_PHYS | PTE_P | PTE_W;
    pml4[0] = SMP_TRAMP_PDPT_PHYS | PTE_P | PTE_W;
}

/*
 * Point the temporary PML4's kernel half at the kernel's own lower-level tables. Done again
 * before each AP, after its stack was mapped: that may have filled a PML4 slot just now.
 */
static void trampoline_share_kernel_half(void)
{
    uint64_t *pml4 = phys_to_virt(SMP_TRAMP_PML4_PHYS);
    const uint64_t *kpml4 = phys_to_virt(kernel_cr3 & PTE_ADDR);
    for (unsigned i = 256; i < 512; i++)
        pml4[i] = kpml4[i];
}

/*
 * A kernel stack for CPU `index` in its slot of the stack region: a guard page left unmapped,
 * then SMP_KSTACK_PAGES pages. Returns the top (16-byte aligned), or 0 if out of memory.
 */
static uint64_t stack_alloc(unsigned index)
{
    if (stack_tops[index]) /* an AP that failed to start leaves its slot for the next one */
        return stack_tops[index];
    uint64_t slot = KSTACK_BASE + index * SMP_KSTACK_STRIDE;
    for (unsigned i = 0; i < SMP_KSTACK_PAGES; i++) {
        uint64_t pa = pmm_alloc_zeroed(0);
        if (!pa)
            return 0;
        uint64_t va = slot + (uint64_t)(i + 1) * PAGE_SIZE;
        if (paging_map(paging_kernel_root(), va, pa, PAGE_KERNEL_RW) != rcOk)
            return 0;
    }
    stack_tops[index] = slot + (uint64_t)(SMP_KSTACK_PAGES + 1) * PAGE_SIZE;
    return stack_tops[index];
}

static bool wait_alive(uint64_t us)
{
    uint64_t start = tsc_read(), limit = tsc_hz() / 1000000u * us;
    while (!ap_alive) {
        if (tsc_read() - start > limit)
            return false;
        cpu_pause();
    }
    return true;
}

static bool wait_online(unsigned target, uint64_t us)
{
    uint64_t start = tsc_read(), limit = tsc_hz() / 1000000u * us;
    while (__atomic_load_n(&online_count, __ATOMIC_SEQ_CST) < target) {
        if (tsc_read() - start > limit)
            return false;
        cpu_pause();
    }
    return true;
}

/*
 * The SDM's start-up sequence waits 10 ms between INIT and the first SIPI, a margin the
 * processors with an external 82489DX APIC needed. Intel's family 6 and later and AMD's family
 * 0Fh and later take the SIPI at once (operating systems have started them without the wait for
 * years; Linux does so by default), and so does any virtual CPU (CPUID.1:ECX bit 31, "running
 * under a hypervisor"), whose INIT is a state change in the hypervisor. Any other processor gets
 * the full wait. An AP that misses the first SIPI still gets the second one and the long
 * ALIVE_TIMEOUT_US; one that never starts is reported and parked, not waited for forever.
 */
static uint32_t init_delay_us(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (c & (1u << 31))
        return 0;
    unsigned family = (a >> 8) & 0xF;
    if (family == 0xF)
        family += (a >> 20) & 0xFF;
    bool intel = strcmp(cpu_features.vendor, "GenuineIntel") == 0;
    bool amd = strcmp(cpu_features.vendor, "AuthenticAMD") == 0;
    if ((intel && family >= 6) || (amd && family >= 0xF))
        return 0;
    return INIT_DELAY_LEGACY_US;
}

/*
 * INIT-SIPI-SIPI (Intel SDM vol. 3, "MP initialization protocol"). AP_NOT_STARTED: the AP never
 * reached C (it is parked again, its index and stack may be reused); AP_STUCK: it runs on its
 * stack but did not report in (its index must not be reused).
 */
static enum start_result start_ap(unsigned index, uint32_t apic_id)
{
    uint64_t stack = stack_alloc(index);
    if (!stack) {
        kprintf("smp: no memory for the stack of cpu %u\n", index);
        return AP_NOT_STARTED;
    }
    trampoline_share_kernel_half();
    struct ap_boot_params *p = params();
    p->pml4_phys = SMP_TRAMP_PML4_PHYS;
    p->efer = rdmsr(MSR_EFER) & ~EFER_LMA;
    p->stack_top = stack;
    p->entry = (uint64_t)(uintptr_t)ap_entry;
    p->index = index;
    ap_alive = false;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    unsigned target = online_count + 1;
    if (!lapic_send_init(apic_id))
        return AP_NOT_STARTED;
    uint32_t delay = init_delay_us();
    if (delay)
        pit_wait_us(delay);
    lapic_send_init_deassert(apic_id);
    for (int sipi = 0; sipi < 2 && !ap_alive; sipi++) {
        if (!lapic_send_sipi(apic_id, (uint8_t)(SMP_TRAMPOLINE_PHYS >> 12)))
            break;
        wait_alive(SIPI_DELAY_US);
    }
    if (!wait_alive(ALIVE_TIMEOUT_US)) {
        lapic_send_init(apic_id); /* park it: it must not run late on reused parameters */
        kprintf("smp: cpu with APIC id %u did not start\n", apic_id);
        return AP_NOT_STARTED;
    }
    if (!wait_online(target, ONLINE_TIMEOUT_US)) {
        kprintf("smp: cpu %u (APIC id %u) started but did not report in\n", index, apic_id);
        return AP_STUCK;
    }
    return AP_ONLINE;
}

void smp_start_aps(void)
{
    uint32_t bsp = lapic_id();
    apic_ids[0] = bsp;
    kprintf("cpu 0 online\n");

    const struct acpi_madt *m = acpi_madt();
    if (!m) {
        kprintf("smp: no MADT, running on the bootstrap processor only\n");
        return;
    }
    kernel_cr3 = read_cr3();
    bsp_cr0 = read_cr0();
    bsp_cr4 = read_cr4();
    trampoline_setup();

    unsigned listed = 1, next = 1;
    for (unsigned i = 0; i < m->ncpus; i++) {
        const struct acpi_cpu *c = &m->cpus[i];
        if (!c->enabled || c->apic_id == bsp)
            continue;
        listed++;
        if (c->apic_id > 0xFE) {
            kprintf("smp: APIC id %u needs x2APIC mode, skipped\n", c->apic_id);
            continue;
        }
        if (next >= SMP_MAX_CPUS) {
            kprintf("smp: more than %u CPUs, APIC id %u skipped\n", SMP_MAX_CPUS, c->apic_id);
            continue;
        }
        if (start_ap(next, c->apic_id) != AP_NOT_STARTED)
            next++;
    }
    kprintf("smp: %u of %u CPUs online\n", smp_online_count(), listed);
}

unsigned smp_online_count(void)
{
    return __atomic_load_n(&online_count, __ATOMIC_SEQ_CST);
}

uint32_t smp_apic_id(unsigned index)
{
    return index < smp_online_count() ? apic_ids[index] : UINT32_MAX;
}

/*
 * Strong definition of panic.c's weak hook: the panicking CPU stops the others with an NMI
 * (it gets through even where they run with interrupts off); exceptions.c halts a CPU that
 * takes an NMI while panic_in_progress is set. Takes no lock and allocates nothing.
 */
void panic_stop_other_cpus(void)
{
    if (smp_online_count() > 1)
        lapic_send_nmi_all_but_self();
}
