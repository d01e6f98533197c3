/*
 * The kernel-ubsan build's run-time (ubsan.c): the sanitizer's handlers, which panic with a
 * symbolized report, and ubsan_boot_check(), which commits one deliberate undefined behaviour
 * when the boot parameter ubsantest=<shift|overflow|index> asks for it (the test that the
 * handlers report at all). Both exist only in that build (BASTION_UBSAN).
 */
#ifndef BASTION_LIB_UBSAN_H
#define BASTION_LIB_UBSAN_H

#ifdef BASTION_UBSAN
void ubsan_boot_check(void);
#endif

#endif
