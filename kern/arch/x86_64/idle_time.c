/* The idle loop, counting its halts to the TSC tick (idle_time.h). */
#include "arch/x86_64/idle_time.h"

noreturn void cpu_idle_forever(void)
{
    for (;;) {
        /* Interrupts off between the stamp and the hlt, so that no interrupt ends a halt that
         * has not begun; "sti; hlt" lets them in only once hlt runs (the sti shadow), so no
         * wake-up is lost. */
        cli();
        this_cpu()->halt_tsc = rdtsc();
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}
