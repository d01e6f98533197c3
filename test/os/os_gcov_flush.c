/*
 * os_gcov_flush (class ostest.GcovFlush, test/os/kcov-os.yaml): the last program of the kernel
 * coverage image. It sends the coverage kernel's own gcov records to the serial console
 * (kl.core.Profiler.FlushGcov, one gcda frame each) again and again, so that the host
 * (scripts/coverage --kernel) can take the first complete set written after every test program
 * printed its result line: a program cannot see when its siblings end, the host can.
 *
 * Arguments: [first_ms [period_ms [rounds]]]: the wait before the first flush (default 20000),
 * between two flushes (default 10000) and how many flushes at most (default 30). Each flush
 * ends with the line "os_gcov_flush: flush K done" (or "flush K failed: <retcode>"); the records
 * are a moment's picture of live counters, so a later flush holds everything an earlier one did.
 */
#include <stdio.h>
#include <stdlib.h>

#include <user/core.h>

#include "kcov_calls.h"

static uint32_t arg_or(int argc, char **argv, int i, uint32_t fallback)
{
    if (i >= argc)
        return fallback;
    int v = atoi(argv[i]);
    return v > 0 ? (uint32_t)v : fallback;
}

int main(int argc, char **argv)
{
    uint32_t first_ms = arg_or(argc, argv, 1, 20000);
    uint32_t period_ms = arg_or(argc, argv, 2, 10000);
    uint32_t rounds = arg_or(argc, argv, 3, 30);
    core_thread_sleep(first_ms);
    for (uint32_t k = 1; k <= rounds; k++) {
        Retcode rc = gcov_flush_kernel();
        if (rc == rcOk)
            printf("os_gcov_flush: flush %u done\n", (unsigned)k);
        else
            printf("os_gcov_flush: flush %u failed: %s\n", (unsigned)k, retcode_name(rc));
        if (rc == rcCoverageNotBuilt)
            return 1;
        core_thread_sleep(period_ms);
    }
    return 0;
}
