/* Functions the compiler calls on its own, not only where the source names them. */
#pragma once

/*
 * The kernel is link-time optimised (cmake/BastionKernelFlags.cmake): a function that no kernel
 * source calls by name, or one that is called by name only from optimised code, may be made
 * local to the one compiled unit or dropped. The compiler then still emits calls to these names
 * after that decision (__stack_chk_fail for -fstack-protector, memcpy and memset for structure
 * copies and clears, memmove and memcmp for some built-in expansions), which would not link.
 * Marking them kept and visible keeps each one a global symbol of its own.
 */
#define KERNEL_LIBCALL __attribute__((used, externally_visible))
