/*
 * os_crash: a process that breaks isolation on purpose, started by os_isolation. Argument:
 *   kernel  read kernel memory (the direct map)      -> page fault, killed
 *   null    read address 0                          -> page fault, killed
 *   other   read a user address it never mapped      -> page fault, killed
 *   write   write into its own code                  -> page fault (W^X), killed
 *   exec    jump into its own (non-executable) stack -> page fault (NX), killed
 *   ud      an invalid instruction                   -> #UD, killed
 *   threads start a second thread that spins with OS_CRASH_WORKER_MARK in r12 (os_crash.h),
 *           then read address 0 once it runs -> page fault (os_task_build freezes it and reads
 *           both threads' registers)
 *   peek A  read address A (hex), where os_isolation keeps a secret in ITS memory: killed, or
 *           (if A happens to be mapped here too) it finds its own bytes, never the secret:
 *           exits 66 if it saw the secret (isolation broken), else 99
 * It prints nothing after the access: if it is still alive, it exits with 99.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/thread.h>

#include "os_crash.h"

#define SECRET 0x5EC7E75EC7E75EC7ull

static volatile int worker_running;

/* Spins forever with the mark in r12, so that its registers where it was stopped are known. */
static int spin_marked(void *arg)
{
    (void)arg;
    /* The flag is set only once r12 holds the mark: the main thread faults after it. */
    __asm__ volatile("movabs %1, %%r12\n"
                     "movl $1, %0\n"
                     "1: pause\n"
                     "jmp 1b\n"
                     : "=m"(worker_running)
                     : "i"(OS_CRASH_WORKER_MARK)
                     : "r12", "memory");
    __builtin_unreachable();
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "null";
    volatile uint64_t sink = 0;
    if (strcmp(what, "kernel") == 0) {
        sink = *(volatile uint64_t *)0xFFFF800000100000ull;
    } else if (strcmp(what, "null") == 0) {
        sink = *(volatile uint64_t *)0;
    } else if (strcmp(what, "other") == 0) {
        sink = *(volatile uint64_t *)0x00007F0000000000ull;
    } else if (strcmp(what, "write") == 0) {
        *(volatile uint8_t *)(uintptr_t)&main = 0xC3;
    } else if (strcmp(what, "exec") == 0) {
        uint8_t code[16] = {0xC3};
        ((void (*)(void))(uintptr_t)code)();
    } else if (strcmp(what, "threads") == 0) {
        struct thread worker;
        if (thread_create(&worker, spin_marked, NULL, THREAD_PRIO_DEFAULT, 0) != rcOk)
            return 98;
        while (!worker_running)
            core_thread_sleep(1);
        sink = *(volatile uint64_t *)0;
    } else if (strcmp(what, "ud") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(what, "peek") == 0 && argc > 2) {
        uint64_t a = strtoul(argv[2], NULL, 16);
        sink = *(volatile uint64_t *)(uintptr_t)a;
        return sink == SECRET ? 66 : 99;
    }
    (void)sink;
    return 99;
}
