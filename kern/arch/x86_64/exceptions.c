/*
 * CPU exceptions (vectors 0-31): give a registered handler the chance to resolve the fault,
 * otherwise print the report (a line starting "EXCEPTION", which the boot test treats as a
 * failure) and panic. Nothing ends in a silent triple fault: #DF, NMI and #MC run on their own
 * IST stacks, so even a kernel stack overflow is reported.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/msr_safe.h"
#include "arch/x86_64/percpu.h"
#include "ksyms.h"
#include "lib/kprintf.h"
#include "panic.h"

static exception_handler_fn exception_handlers[32];

static const char *const exception_names[32] = {
    [0] = "#DE divide error",
    [1] = "#DB debug",
    [2] = "NMI non-maskable interrupt",
    [3] = "#BP breakpoint",
    [4] = "#OF overflow",
    [5] = "#BR bound range exceeded",
    [6] = "#UD invalid opcode",
    [7] = "#NM device not available",
    [8] = "#DF double fault",
    [9] = "coprocessor segment overrun",
    [10] = "#TS invalid TSS",
    [11] = "#NP segment not present",
    [12] = "#SS stack-segment fault",
    [13] = "#GP general protection",
    [14] = "#PF page fault",
    [15] = "reserved (15)",
    [16] = "#MF x87 floating-point error",
    [17] = "#AC alignment check",
    [18] = "#MC machine check",
    [19] = "#XM SIMD floating-point",
    [20] = "#VE virtualization",
    [21] = "#CP control protection",
    [22] = "reserved (22)",
    [23] = "reserved (23)",
    [24] = "reserved (24)",
    [25] = "reserved (25)",
    [26] = "reserved (26)",
    [27] = "reserved (27)",
    [28] = "#HV hypervisor injection",
    [29] = "#VC VMM communication",
    [30] = "#SX security",
    [31] = "reserved (31)",
};

void exception_set_handler(uint8_t vector, exception_handler_fn fn)
{
    if (vector < 32)
        __atomic_store_n(&exception_handlers[vector], fn, __ATOMIC_RELEASE);
}

/* Page-fault error code bits (SDM vol. 3, 4.7), spelled out for the report. */
static void describe_pf(uint64_t err, char *buf, size_t size)
{
    ksnprintf(buf, size, " [%s %s %s%s%s%s]", (err & 1) ? "protection-violation" : "not-present",
              (err & 2) ? "write" : "read", (err & 4) ? "user" : "kernel",
              (err & 8) ? " reserved-bit" : "", (err & 16) ? " instruction-fetch" : "",
              (err & 32) ? " protection-key" : "");
}

static unsigned current_cpu_index(void)
{
    /* GS base is 0 only before percpu_init_bsp(); read the MSR rather than %gs:0 then. */
    return rdmsr(MSR_GS_BASE) ? this_cpu()->index : 0;
}

void exception_dispatch(struct trap_frame *f)
{
    unsigned v = (unsigned)f->vector;

    /* An NMI during a panic is the panicking CPU telling this one to stop. */
    if (v == 2 && panic_in_progress)
        cpu_halt_forever();

    /* A #GP of the fault-safe MSR accessors is an answer ("absent on this CPU"), not a bug. */
    if (v == 13 && msr_safe_fixup(f))
        return;

    exception_handler_fn fn = __atomic_load_n(&exception_handlers[v], __ATOMIC_ACQUIRE);
    if (fn && fn(f))
        return;

    panic_begin();

    char sym[96], detail[96] = "";
    if (v == 14)
        describe_pf(f->error_code, detail, sizeof detail);
    kprintf("\nEXCEPTION: %s (vector %u) on cpu %u in %s mode, error code %#lx%s\n",
            exception_names[v], v, current_cpu_index(), trap_from_user(f) ? "user" : "kernel",
            f->error_code, detail);
    kprintf("  RIP: %016lx %s\n", f->rip, ksyms_format(f->rip, sym, sizeof sym));
    kprintf("  CR2: %016lx  CR3: %016lx  CR0: %016lx  CR4: %016lx\n", read_cr2(), read_cr3(),
            read_cr0(), read_cr4());
    kprintf("  CS: %04lx  SS: %04lx  RFLAGS: %016lx  RSP: %016lx\n", f->cs, f->ss, f->rflags,
            f->rsp);
    kprintf("  RAX: %016lx  RBX: %016lx  RCX: %016lx  RDX: %016lx\n", f->rax, f->rbx, f->rcx,
            f->rdx);
    kprintf("  RSI: %016lx  RDI: %016lx  RBP: %016lx\n", f->rsi, f->rdi, f->rbp);
    kprintf("  R8:  %016lx  R9:  %016lx  R10: %016lx  R11: %016lx\n", f->r8, f->r9, f->r10, f->r11);
    kprintf("  R12: %016lx  R13: %016lx  R14: %016lx  R15: %016lx\n", f->r12, f->r13, f->r14,
            f->r15);
    if (!trap_from_user(f))
        backtrace_print(f->rip, f->rbp);
    panic_end("unhandled exception %s at %s", exception_names[v],
              ksyms_format(f->rip, sym, sizeof sym));
}
