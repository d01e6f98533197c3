/* The idle loop, counting its halts to the TSC tick (idle_time.h). */
#include "arch/x86_64/idle_time.h"

/* noinline: the global label in its asm may exist once (two copies would not assemble). */
noreturn __attribute__((noinline)) void cpu_idle_forever(void)
{
    for (;;) {
        /* Interrupts off between the stamp and the hlt, so that no interrupt ends a halt that
         * has not begun; "sti; hlt" lets them in only once hlt runs (the sti shadow), so no
         * wake-up is lost. */
        cli();
        this_cpu()->halt_tsc = rdtsc();
        __asm__ volatile("sti\n\t"
                         "hlt\n\t"
                         ".globl cpu_idle_after_hlt\n"
                         "cpu_idle_after_hlt:" ::
                             : "memory");
    }
}
