/*
 * crt0: the first user-mode code of every Bastion program.
 *
 * The kernel enters `_start` with rdi = the user address of the start block
 * (<bastion/startblock.h>) on a
 * fresh stack. Order matters and each step may only use what the previous ones made valid:
 *   1. relocate the image (reloc.c): until then no pointer stored in data may be used;
 *   2. read the start block (start.c): the Core handle, argv, envp, named channels;
 *   3. pick a random stack-protector canary (no protected frame is live yet, see below);
 *   4. main(argc, argv, envp), then exit() with its result.
 * __bastion_start never returns, so it is built without the stack protector: the canary changes
 * while it runs.
 */
#include <stdint.h>
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
    exit(main(start_argc(), (char **)start_argv(), (char **)start_envp()));
}
