/* panic() and backtraces. */
#include "panic.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "console/console.h"
#include "ksyms.h"
#include "lib/kprintf.h"
#include "lib/libcall.h"
#include "lib/random.h"

volatile int panic_in_progress;


/* Stack protector support (-fstack-protector-strong -mstack-protector-guard=global). The
 * initial value serves until stack_protector_init() replaces it with a boot-time random one.
 * `used`: the compiler's reads of it in every protected frame come after link-time
 * optimisation looked for readers, which finds only the write below. */
__attribute__((used)) uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

__attribute__((no_stack_protector)) void stack_protector_init(void)
{
    /* The low byte is zero so that string overflows stop at the canary. */
    __stack_chk_guard = random_u64() & ~0xFFull;
}

KERNEL_LIBCALL noreturn void __stack_chk_fail(void)
{
    panic("stack protector: stack smashed in %s",
          ksyms_lookup((uint64_t)__builtin_return_address(0), NULL) ?: "?");
}

__attribute__((weak)) void panic_stop_other_cpus(void) {}

static int frame_ok(uint64_t rbp)
{
    /* Kernel stacks live in the higher half; a frame pointer is 8-byte aligned. */
    return rbp >= 0xFFFF800000000000ull && rbp < 0xFFFFFFFFFFFFFFF0ull && (rbp & 7) == 0;
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
    char sym[96];
    kprintf("Backtrace:\n");
    kprintf("  #0  %p %s\n", (void *)rip, ksyms_format(rip, sym, sizeof sym));
    /* Runs of the same return address (recursion) print once with a count, so that a stack
     * overflow's report still shows what started the recursion. */
    uint64_t last = 0, repeats = 0;
    int printed = 1;
    for (int depth = 1; depth < 4096 && printed < 32 && frame_ok(rbp); depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret == 0)
            break;
        if (ret == last) {
            repeats++;
        } else {
            if (repeats)
                kprintf("      ... the same frame %lu more times\n", repeats);
            repeats = 0;
            last = ret;
            /* ret points after the call; ret-1 lies inside the calling function. */
            kprintf("  #%d  %p %s\n", depth, (void *)ret, ksyms_format(ret - 1, sym, sizeof sym));
            printed++;
        }
        if (frame[0] <= rbp)
            break; /* frames must go up the stack; anything else is corruption */
        rbp = frame[0];
    }
    if (repeats)
        kprintf("      ... the same frame %lu more times\n", repeats);
}

void panic_begin(void)
{
    cli();
    if (__atomic_exchange_n(&panic_in_progress, 1, __ATOMIC_SEQ_CST)) {
        /* Another CPU (or a fault inside this panic) got here first; its report stands. */
        cpu_halt_forever();
    }
    console_panic_mode();
    panic_stop_other_cpus();
}

noreturn void panic_end(const char *fmt, ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    kprintf("PANIC: %s\nSystem halted.\n", reason);
    cpu_halt_forever();
}

noreturn void panic(const char *fmt, ...)
{
    panic_begin();

    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    kprintf("\nPANIC: %s\n", reason);

    uint64_t rbp, rsp;
    __asm__ volatile("mov %%rbp, %0; mov %%rsp, %1" : "=r"(rbp), "=r"(rsp));
    kprintf("  cr0=%016lx cr2=%016lx cr3=%016lx cr4=%016lx\n", read_cr0(), read_cr2(), read_cr3(),
            read_cr4());
    kprintf("  rsp=%016lx rbp=%016lx rflags=%016lx\n", rsp, rbp, read_rflags());
    /* Return address minus one: it lies in the caller even when the call to panic() is the
     * caller's last instruction (common, since panic is noreturn). */
    backtrace_print((uint64_t)__builtin_return_address(0) - 1, *(uint64_t *)rbp);
    kprintf("System halted.\n");
    cpu_halt_forever();
}
