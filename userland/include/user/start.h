/*
 * What a process was started with: arguments, environment, its handle to the kernel and the
 * named channels Einit connected for it (init.yaml `connections`, and the listeners of a
 * server). Filled by crt0 from the start block before main() runs; read-only afterwards.
 */
#ifndef USER_START_H
#define USER_START_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

/* The handle of this process's channel to the kernel (kl.core.Core): crt0's copy of the start
 * block's, written before main() and never after. Read inline: every core call reads it (the
 * transport, <user/core.h>), which a call would cost a frame of its own. */
extern uint32_t crt_core_handle;
static inline uint32_t core_handle(void)
{
    return crt_core_handle;
}

/* The number of CPUs online. */
uint32_t start_cpu_count(void);

/* The TSC when the kernel began to run (its first instructions): with rdtsc, how long the
 * system has been up in ticks (the boot benchmark). */
uint64_t start_boot_tsc(void);

/* TSC ticks per second, as the kernel measured them at boot (0 if it could not): with rdtsc, a
 * monotonic clock that no sleep and no load can skew. */
uint64_t start_tsc_hz(void);

/* TSC ticks per millisecond from start_tsc_hz(), at least 1 (a guess of 1 GHz if the kernel
 * could not measure it). What every program that times something with rdtsc uses: a rate
 * measured against a sleep comes out too high on a loaded system, where sleeps end late. */
uint64_t start_tsc_per_ms(void);

/* True in the KSM only: its threads receive the kernel's security questions with SYS_KSM_WAIT
 * (sys_ksm_wait in <user/syscall.h>, docs/security-model.md). */
bool start_is_ksm(void);

/* argv[0] is the task name given by Einit (init.yaml `task`). */
int start_argc(void);
char *const *start_argv(void);
char *const *start_envp(void);

/* The handle Einit gave this process under `name`: the client end of a connection, or the
 * listener of a channel this process serves. rcNotFound if there is none, rcInvalidArgument
 * for a NULL argument. */
Retcode start_connection(const char *name, uint32_t *handle);

/* The number of named handles and the i-th of them (for listings); rcOutOfRange past the end. */
uint32_t start_connection_count(void);
Retcode start_connection_at(uint32_t i, const char **name, uint32_t *handle);

#endif
