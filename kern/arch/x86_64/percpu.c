/* Per-CPU structures, their IST stacks, and GS base. */
#include "arch/x86_64/percpu.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"

/*
 * The structs are static (small, and their addresses never change). The BSP's IST stacks are
 * static too: they must exist before any allocator does, to report faults in the memory code
 * itself. APs start after the memory code is up and take theirs from the page allocator.
 */
static struct percpu percpu_area[MAX_CPUS];
static uint8_t bsp_ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(4096)));
static unsigned cpus_up;

/* Page-allocator order of one IST stack. */
#define IST_ORDER 1
_Static_assert((4096u << IST_ORDER) == IST_STACK_SIZE, "IST_ORDER must match IST_STACK_SIZE");

static void percpu_setup(struct percpu *p, unsigned index, uint32_t apic_id,
                         uint8_t *const ist[IST_COUNT])
{
    memset(p, 0, sizeof *p);
    p->self = p;
    p->index = index;
    p->apic_id = apic_id;
    for (int i = 0; i < IST_COUNT; i++)
        p->ist_stack[i] = ist[i];
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
    uint8_t *const ist[IST_COUNT] = {bsp_ist_stacks[0], bsp_ist_stacks[1], bsp_ist_stacks[2]};
    percpu_setup(&percpu_area[0], 0, b >> 24, ist);
}

struct percpu *percpu_init_ap(unsigned index, uint32_t apic_id)
{
    if (index == 0 || index >= MAX_CPUS)
        return NULL;
    struct percpu *p = &percpu_area[index];
    if (__atomic_load_n(&p->self, __ATOMIC_ACQUIRE) != NULL)
        return NULL;
    uint8_t *ist[IST_COUNT];
    for (int i = 0; i < IST_COUNT; i++) {
        uint64_t pa = pmm_alloc_zeroed(IST_ORDER);
        if (pa == 0) {
            while (--i >= 0)
                pmm_free(virt_to_phys(ist[i]), IST_ORDER);
            return NULL;
        }
        ist[i] = phys_to_virt(pa);
    }
    percpu_setup(p, index, apic_id, ist);
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

unsigned percpu_count(void)
{
    return __atomic_load_n(&cpus_up, __ATOMIC_SEQ_CST);
}
