/* crt0's steps (crt0.c), one file each. Internal to userland. */
#ifndef USER_CRT_H
#define USER_CRT_H

#include <user/start.h>

/* reloc.c: applies the image's own relative relocations (static PIE: .relr.dyn, and
 * R_X86_64_RELATIVE in .rela.dyn). 0 or -1 for a relocation it does not know. Touches no global
 * before it is done. */
int crt_relocate(void);

/* start.c: checks and copies the start block. 0, or -1 when it is missing or malformed. */
int crt_read_start_block(const void *start_block);

/* canary.c: a random __stack_chk_guard (HAL.GetEntropy, else the TSC). */
void crt_init_canary(void);

/* libc/tls.c: the main thread's TLS block and Thread.SetTls, when the program has a PT_TLS
 * segment (<user/tls.h>). 0, or -1 when there is no memory for it or the kernel refused it. */
int crt_init_tls(void);

#endif
