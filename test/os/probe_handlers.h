/*
 * The ostest.Probe methods that the servers of the in-OS tests (os_probe_server, os_cm_server,
 * os_ns_server) answer the same way; each server keeps its own Echo and Stats, which report its
 * own state.
 */
#ifndef OSTEST_PROBE_HANDLERS_H
#define OSTEST_PROBE_HANDLERS_H

#include <stdint.h>
#include <stdlib.h>

#include <user/core.h>

/* Probe.Delay: sleeps ms milliseconds before it answers. */
static inline Retcode probe_delay(void *ctx, uint32_t ms, uint32_t *slept)
{
    (void)ctx;
    core_thread_sleep(ms);
    *slept = ms;
    return rcOk;
}

/* Probe.Exit without a word: the process ends with `code`, the call is never answered. */
static inline Retcode probe_exit(void *ctx, int32_t code, uint32_t *never)
{
    (void)ctx;
    (void)never;
    exit(code);
}

#endif
