/*
 * panic: the kernel's last words. Prints "PANIC: <reason>" (the boot test looks for lines
 * starting with PANIC), the CPU, the caller's registers and a symbolized backtrace, asks the
 * other CPUs to stop, and halts this one forever.
 */
#ifndef BASTION_PANIC_H
#define BASTION_PANIC_H

#include <stdint.h>
#include <stdnoreturn.h>

noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(cond)                                                                         \
    do {                                                                                      \
        if (__builtin_expect(!(cond), 0))                                                     \
            panic("assertion failed: %s at %s:%d (%s)", #cond, __FILE__, __LINE__, __func__); \
    } while (0)

/* For reports that print their own context (the exception handler): panic_begin() claims the
 * panic (halting at once if another CPU or an earlier fault already did), unlocks the console
 * and stops the other CPUs; panic_end() prints "PANIC: <reason>" and halts. */
void panic_begin(void);
noreturn void panic_end(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "  #n  0xaddr name+0xoff" per frame, walking the rbp chain from (rip, rbp). Stops at
 * a null, misaligned, non-kernel or downward frame pointer, or after 32 printed frames; runs of
 * one return address (recursion) are printed once with their count. */
void backtrace_print(uint64_t rip, uint64_t rbp);

/* Stops the other CPUs during a panic. The default does nothing; the platform code (LAPIC)
 * overrides this weak symbol with one that sends them an NMI or halt IPI. */
void panic_stop_other_cpus(void);

/* Gives the stack-protector canary a boot-time random value (RDRAND when present, mixed with
 * the TSC). Call only from a function that never returns (kmain): canaries already on the
 * stack were made with the old value. */
void stack_protector_init(void);

/* True once some CPU has entered panic(): other code can stay quiet and halt. */
extern volatile int panic_in_progress;

#endif
