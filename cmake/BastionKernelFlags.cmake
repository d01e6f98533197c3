# The freestanding kernel's code-generation flags, defined once: used by kern/ for both kernels
# and by idl/ to check that the IDL runtime and generated stubs build for the kernel.

# Freestanding headers (stdint.h, stddef.h, stdarg.h, stdbool.h, stdnoreturn.h) come from gcc.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE BASTION_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

set(BASTION_KERNEL_CFLAGS
    -std=gnu11 -ffreestanding -fno-builtin -nostdinc -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel
    -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only
    -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
    -fstack-protector-strong -mstack-protector-guard=global
    -fno-strict-aliasing -fno-common -fno-asynchronous-unwind-tables -fno-exceptions
    -Wall -Wextra -Werror -O2 -g
    # gcc's own freestanding headers; given as a flag because CMake drops "implicit" include
    # directories from target_include_directories().
    -isystem ${BASTION_GCC_INCLUDE})

# Link-time optimisation of the kernels (kern/CMakeLists.txt's bastion_kernel(), and the IDL
# runtime and generated kl.core code they link): the mediated path crosses many small functions
# in separate files (system call, routing, the generated dispatcher, the security hook, the
# hand-off, the scheduler), and a call between files could not be inlined; with the whole
# kernel seen at once it can (traced core_call period 2,645 -> 2,363 instructions, measured).
# One partition: the whole kernel is compiled as one unit, the same way in both link passes, so
# every function keeps its address when the symbol table is added (ksymgen --verify checks).
# Fat objects: the IDL objects also hold ordinary code, for the coverage kernel, which is linked
# without it (gcov's counters and -fsanitize-coverage stay per function as written).
set(BASTION_KERNEL_LTO_CFLAGS -flto -flto-partition=one -ffat-lto-objects)
set(BASTION_KERNEL_LTO_LDFLAGS -flto -flto-partition=one -O2)
