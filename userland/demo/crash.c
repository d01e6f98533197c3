/*
 * crash: a demo program that fails on purpose, to show that a crash stays inside its process
 * and can be diagnosed: it greets, then reads address 0 two calls deep. Einit created it to be
 * frozen at a fault: the kernel freezes it and logs the fault with its name, Einit reports how
 * it ended with its registers, its memory regions and a backtrace named from its symbol table
 * (read_address, crash_in_a_call, main), ends it, and the other processes go on.
 */
#include <stdint.h>
#include <stdio.h>

/* Neither inlined nor cloned (noipa: the backtrace names them as written), and each call's
 * result used afterwards, so that every frame stays on the stack the backtrace follows. */
__attribute__((noipa)) static int read_address(uintptr_t address)
{
    volatile uint32_t *p = (volatile uint32_t *)address;
    return (int)*p + 1;
}

__attribute__((noipa)) static int crash_in_a_call(uintptr_t address)
{
    return read_address(address) * 3;
}

int main(int argc, char **argv)
{
    const char *me = argc > 0 ? argv[0] : "crash";
    printf("%s: about to read address 0\n", me);
    return crash_in_a_call(0) + 1;
}
