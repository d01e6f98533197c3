/* Per-CPU structures, their IST stacks, and GS base. */
#include "arch/x86_64/percpu.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "lib/string.h"

/*
 * The structs and IST stacks are static: they must exist before any allocator does (the BSP's
 * are needed to report faults in the memory code itself), and MAX_CPUS of them cost
 * MAX_CPUS * (IST_COUNT * IST_STACK_SIZE) of .bss.
 */
static struct percpu percpu_area[MAX_CPUS];
static uint8_t ist_stacks[MAX_CPUS][IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(4096)));
static unsigned cpus_up;

static void percpu_setup(struct percpu *p, unsigned index, uint32_t apic_id)
{
    memset(p, 0, sizeof *p);
    p->self = p;
    p->index = index;
    p->apic_id = apic_id;
    for (int i = 0; i < IST_COUNT; i++)
        p->ist_stack[i] = ist_stacks[index][i];
    tss_init(p);
    gdt_init_cpu(p);
    /* The segment reload in gdt_init_cpu() zeroed GS base; set it last. */
    wrmsr(MSR_GS_BASE, (uint64_t)p);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    __atomic_add_fetch(&cpus_up, 1, __ATOMIC_SEQ_CST);
}

void percpu_init_bsp(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    percpu_setup(&percpu_area[0], 0, b >> 24);
}

struct percpu *percpu_init_ap(unsigned index, uint32_t apic_id)
{
    if (index == 0 || index >= MAX_CPUS)
        return NULL;
    struct percpu *p = &percpu_area[index];
    if (__atomic_load_n(&p->self, __ATOMIC_ACQUIRE) != NULL)
        return NULL;
    percpu_setup(p, index, apic_id);
    idt_load();
    cpu_enable_protections();
    return p;
}

struct percpu *percpu_get(unsigned index)
{
    if (index >= MAX_CPUS)
        return NULL;
    return __atomic_load_n(&percpu_area[index].self, __ATOMIC_ACQUIRE);
}

unsigned percpu_count(void) { return __atomic_load_n(&cpus_up, __ATOMIC_SEQ_CST); }
