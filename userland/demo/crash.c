/*
 * crash: a demo program that fails on purpose, to show that a crash stays inside its process:
 * it greets, then reads address 0. The kernel kills it and logs the fault with its name, Einit
 * reports how it ended, and the other processes of the solution go on.
 */
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    const char *me = argc > 0 ? argv[0] : "crash";
    printf("%s: about to read address 0\n", me);
    volatile uint32_t *null = (volatile uint32_t *)(uintptr_t)0;
    return (int)*null;
}
