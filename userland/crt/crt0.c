/*
 * crt0: the first user-mode code of every Bastion program.
 *
 * The kernel enters `_start` with rdi = the user address of the start block
 * (<bastion/startblock.h>) on a
 * fresh stack. Order matters and each step may only use what the previous ones made valid:
 *   1. relocate the image (reloc.c): until then no pointer stored in data may be used;
 *   2. read the start block (start.c): the Core handle, argv, envp, named channels;
 *   3. pick a random stack-protector canary (no protected frame is live yet, see below);
 *   4. build the main thread's TLS block and point the FS base at it (libc/tls.c), if the
 *      program has a PT_TLS segment: from here `__thread` variables hold their initial values;
 *   5. main(argc, argv, envp), then exit() with its result.
 * __bastion_start never returns, so it is built without the stack protector: the canary changes
 * while it runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crt.h"

int main(int argc, char **argv, char **envp);

/* Aligns the stack as the x86-64 ABI wants at a call (16 bytes before `call`), clears the
 * frame pointer so that backtraces end here, and passes rdi (the start block) on. */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call __bastion_start\n"
        "    ud2\n"
        ".size _start, . - _start\n");

__attribute__((noreturn, no_stack_protector, used)) void __bastion_start(const void *start_block)
{
    if (crt_relocate() != 0)
        __builtin_trap(); /* an image crt0 cannot relocate: nothing else is safe to run */
    if (crt_read_start_block(start_block) != 0)
        __builtin_trap(); /* no start block: not even the kernel handle to report through */
    crt_init_canary();
    if (crt_init_tls() != 0) {
        /* Its own variables would be read through a thread pointer of 0: end it, said why. */
        printf("crt0: %s: no TLS block for the main thread\n",
               start_argc() ? start_argv()[0] : "?");
        exit(127);
    }
    exit(main(start_argc(), (char **)start_argv(), (char **)start_envp()));
}
