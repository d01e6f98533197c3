/*
 * Application processor start-up (see smp.h).
 *
 * The BSP starts every AP at once: INIT to each, then the SIPIs to each, then one wait for all
 * of them. Under emulation a CPU woken by INIT or SIPI may only run at the emulator's next timer
 * deadline, so a start one AP at a time paid that wait once per AP; now it is paid once. The
 * APs share the trampoline's one parameter block: each takes its arrival slot from a counter in
 * it (`lock xadd`), and with it its own stack from an array the block points to; a slot past the
 * array halts in the trampoline. In C each waits until the BSP has seen which APs arrived and
 * given each its logical index: dense, in MADT order (so index i is the i-th CPU the firmware
 * lists that started, whatever order they arrived in); then they set themselves up one at a
 * time in that order (percpu_init_ap()'s allocations may not run twice at once). An AP that
 * has not reached C within its time is sent INIT again, which parks it in wait-for-SIPI; no
 * SIPI follows, so it never runs later; one that arrives after the indexes were given halts.
 *
 * Memory ordering: the BSP writes the parameter block and the stack array through the
 * (write-back) direct map and then sends the SIPIs through the LAPIC's uncached ICR; x86 keeps
 * stores in order, and the compiler is fenced, so the APs see them complete.
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
    uint64_t efer;   /* LME and NXE as on the BSP */
    uint64_t stacks; /* virtual (kernel half) address of the slots' stack tops */
    uint64_t entry;  /* ap_entry() */
    uint32_t next;   /* the next arrival slot: each AP takes one with lock xadd */
    uint32_t nslots; /* entries of the stack array; a slot past it halts */
};
_Static_assert(offsetof(struct ap_boot_params, efer) == 8, "P_EFER");
_Static_assert(offsetof(struct ap_boot_params, stacks) == 16, "P_STACKS");
_Static_assert(offsetof(struct ap_boot_params, entry) == 24, "P_ENTRY");
_Static_assert(offsetof(struct ap_boot_params, next) == 32, "P_NEXT");
_Static_assert(offsetof(struct ap_boot_params, nslots) == 36, "P_NSLOTS");

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];

#define EFER_LMA (1ull << 10)

/* The wait between INIT and SIPI the MP specification asks of the original (external-APIC)
 * processors; init_delay_us() says when it is still owed. */
#define INIT_DELAY_LEGACY_US 10000u
#define SIPI_DELAY_US 200u
#define ALIVE_TIMEOUT_US 1000000u  /* SIPI to C code: microseconds on hardware, ms under TCG */
#define ONLINE_TIMEOUT_US 5000000u /* C entry to "online": allocations, prints */

static volatile unsigned online_count = 1;
static uint32_t apic_ids[SMP_MAX_CPUS];
/* Stack top of each arrival slot (slot i: the stack region's slot i + 1). */
static uint64_t stack_tops[SMP_MAX_CPUS];
static uint64_t kernel_cr3, bsp_cr0, bsp_cr4;
/* APs that reached C, and the APIC id each slot's AP reported (UINT32_MAX: none yet). */
static unsigned alive_count;
static uint32_t arrived[SMP_MAX_CPUS];
/* The logical index of each started AP, by APIC id, written by the BSP before it sets
 * indexes_ready; 0: none (it did not arrive in time). */
static uint32_t index_of_apic[256];
static uint32_t indexes_ready;

static struct ap_boot_params *params(void)
{
    return (struct ap_boot_params *)((uint8_t *)phys_to_virt(SMP_TRAMPOLINE_PHYS) +
                                     TRAMP_PARAMS_OFFSET);
}

/*
 * The AP's first C code, on its slot's stack, still on the trampoline's page tables and the
 * trampoline's GDT, interrupts off.
 */
KCOV_NO_TRACE static noreturn void ap_entry(uint64_t slot)
{
#ifdef BASTION_KCOV
    /* Before any call: the coverage hook reads the per-CPU record through GS. */
    kcov_ap_early();
#endif
    write_cr3(kernel_cr3); /* drop the identity map of low memory */
    write_cr4(bsp_cr4);
    write_cr0(bsp_cr0);

    /* The initial APIC id from CPUID: the LAPIC itself is not set up yet (firmware may even
     * have left it in x2APIC mode, where its MMIO page reads nothing useful). */
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint32_t apic_id = b >> 24;
    __atomic_store_n(&arrived[slot], apic_id, __ATOMIC_RELEASE);
    __atomic_add_fetch(&alive_count, 1, __ATOMIC_SEQ_CST);

    while (!__atomic_load_n(&indexes_ready, __ATOMIC_ACQUIRE))
        cpu_pause();
    unsigned index = apic_id < 256 ? index_of_apic[apic_id] : 0;
    if (index == 0) /* too late: the BSP counted it out (and may be parking it right now) */
        for (;;)
            __asm__ volatile("cli; hlt");
    /* One at a time, in index order: the AP before this one is online. */
    while (__atomic_load_n(&online_count, __ATOMIC_SEQ_CST) != index)
        cpu_pause();
    if (!percpu_init_ap(index, apic_id))
        panic("smp: percpu_init_ap(%u, apic id %u) failed", index, apic_id);
    lapic_init_ap();
    timer_init_ap();
    apic_ids[index] = apic_id;
    kprintf("cpu %u online\n", index);
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
 * Point the temporary PML4's kernel half at the kernel's own lower-level tables. Done after the
 * stacks were mapped: that may have filled a PML4 slot just now.
 */
static void trampoline_share_kernel_half(void)
{
    uint64_t *pml4 = phys_to_virt(SMP_TRAMP_PML4_PHYS);
    const uint64_t *kpml4 = phys_to_virt(kernel_cr3 & PTE_ADDR);
    for (unsigned i = 256; i < 512; i++)
        pml4[i] = kpml4[i];
}

/*
 * A kernel stack in slot `n` of the stack region (slot 0 is unused: the BSP has its boot stack;
 * n < SMP_MAX_CPUS):
 * a guard page left unmapped, then SMP_KSTACK_PAGES pages. Returns the top (16-byte aligned),
 * or 0 if out of memory.
 */
static uint64_t stack_alloc(unsigned n)
{
    uint64_t slot = KSTACK_BASE + n * SMP_KSTACK_STRIDE;
    for (unsigned i = 0; i < SMP_KSTACK_PAGES; i++) {
        uint64_t pa = pmm_alloc_zeroed(0);
        if (!pa)
            return 0;
        uint64_t va = slot + (uint64_t)(i + 1) * PAGE_SIZE;
        if (paging_map(paging_kernel_root(), va, pa, PAGE_KERNEL_RW) != rcOk)
            return 0;
    }
    return slot + (uint64_t)(SMP_KSTACK_PAGES + 1) * PAGE_SIZE;
}

/* Waits until `n` APs reached C, at most `us` microseconds. */
static bool wait_alive(unsigned n, uint64_t us)
{
    uint64_t start = tsc_read(), limit = tsc_hz() / 1000000u * us;
    while (__atomic_load_n(&alive_count, __ATOMIC_SEQ_CST) < n) {
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

/* Did the AP with this APIC id reach C (in any of the n slots)? */
static bool has_arrived(uint32_t apic_id, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (__atomic_load_n(&arrived[i], __ATOMIC_ACQUIRE) == apic_id)
            return true;
    return false;
}

/*
 * INIT-SIPI-SIPI (Intel SDM vol. 3, "MP initialization protocol") to the n APs in `ids` at once:
 * each ICR write is sent to every AP before the next kind, and the waits are one for all. A SIPI
 * to an AP that is already running is ignored, so the second round may go to all of them.
 */
static void start_aps(const uint32_t *ids, unsigned n)
{
    struct ap_boot_params *p = params();
    p->pml4_phys = SMP_TRAMP_PML4_PHYS;
    p->efer = rdmsr(MSR_EFER) & ~EFER_LMA;
    p->stacks = (uint64_t)(uintptr_t)stack_tops;
    p->entry = (uint64_t)(uintptr_t)ap_entry;
    p->next = 0;
    p->nslots = n;
    for (unsigned i = 0; i < n; i++)
        arrived[i] = UINT32_MAX;
    trampoline_share_kernel_half();
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    bool sent[SMP_MAX_CPUS];
    for (unsigned i = 0; i < n; i++)
        sent[i] = lapic_send_init(ids[i]);
    uint32_t delay = init_delay_us();
    if (delay)
        pit_wait_us(delay);
    for (unsigned i = 0; i < n; i++)
        if (sent[i])
            sent[i] = lapic_send_init_deassert(ids[i]);
    for (int sipi = 0; sipi < 2 && __atomic_load_n(&alive_count, __ATOMIC_SEQ_CST) < n; sipi++) {
        for (unsigned i = 0; i < n; i++)
            if (sent[i] && !has_arrived(ids[i], n))
                sent[i] = lapic_send_sipi(ids[i], (uint8_t)(SMP_TRAMPOLINE_PHYS >> 12));
        wait_alive(n, SIPI_DELAY_US);
    }
    if (!wait_alive(n, ALIVE_TIMEOUT_US)) {
        for (unsigned i = 0; i < n; i++)
            if (!has_arrived(ids[i], n)) {
                lapic_send_init(ids[i]); /* park it: no SIPI follows */
                kprintf("smp: cpu with APIC id %u did not start\n", ids[i]);
            }
    }
    /* Indexes for the APs that arrived, in MADT order; one arriving from now on finds none. */
    unsigned started = 0;
    for (unsigned i = 0; i < n; i++)
        if (has_arrived(ids[i], n))
            index_of_apic[ids[i]] = ++started;
    __atomic_store_n(&indexes_ready, 1u, __ATOMIC_RELEASE);
    if (!wait_online(1 + started, ONLINE_TIMEOUT_US))
        kprintf("smp: %u of the %u CPUs that started did not report in\n",
                1 + started - smp_online_count(), started);
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

    uint32_t ids[SMP_MAX_CPUS];
    unsigned listed = 1, n = 0, region = 1; /* region: the next slot of the stack region */
    for (unsigned i = 0; i < m->ncpus; i++) {
        const struct acpi_cpu *c = &m->cpus[i];
        if (!c->enabled || c->apic_id == bsp)
            continue;
        listed++;
        if (c->apic_id > 0xFE) {
            kprintf("smp: APIC id %u needs x2APIC mode, skipped\n", c->apic_id);
            continue;
        }
        if (n + 1 >= SMP_MAX_CPUS) {
            kprintf("smp: more than %u CPUs, APIC id %u skipped\n", SMP_MAX_CPUS, c->apic_id);
            continue;
        }
        stack_tops[n] = stack_alloc(region++);
        if (!stack_tops[n]) {
            kprintf("smp: no memory for the stack of the CPU with APIC id %u\n", c->apic_id);
            continue;
        }
        ids[n++] = c->apic_id;
    }
    if (n > 0)
        start_aps(ids, n);
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
