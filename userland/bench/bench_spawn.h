/*
 * bench_spawn: the start of a process the benchmark programs created with Task.Create and that
 * needs nothing but its name as argv[0]: Task.SetEnv (argv and the limits) and Task.Resume.
 * bench_main's process_create child and bench_scale's idle processes start this way; the ones
 * that also get a connection (bench_pong, bench_flood) build their start data themselves.
 */
#ifndef BENCH_SPAWN_H
#define BENCH_SPAWN_H

#include <stdint.h>

#include <user/core.h>

/* SetEnv of `child` (a task handle from Task.Create) with argv = {arg0} and the limits
 * kernel_memory and ram (0: keep what Task.Create lent), then Resume; through `cl`, a client
 * of the Task endpoint. rcOk, or the first failure. */
Retcode bench_spawn_start(struct idl_client *cl, uint32_t child, const char *arg0,
                          uint64_t kernel_memory, uint64_t ram);

#endif
