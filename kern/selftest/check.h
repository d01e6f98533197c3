/*
 * What the self-tests of this folder share (kernel-test.elf only): a pass/fail count per run,
 * the CHECK macro that counts and reports, and kernel threads started and joined for a test.
 * Each test group (slab, sched, user) is run by runner.c, which resets the counts before it
 * and prints "selftest <group>: <passed> passed, <failed> failed" after it.
 */
#ifndef BASTION_SELFTEST_CHECK_H
#define BASTION_SELFTEST_CHECK_H

#ifdef BASTION_TEST_HOOKS

#include <stdint.h>

#include "lib/kprintf.h"
#include "proc/thread.h"

#define MS 1000000ull

/* Counts of the running group: only the runner's thread and the tests it calls touch them. */
extern unsigned selftest_passed, selftest_failed;

#define CHECK(cond, ...)                                           \
    do {                                                           \
        if (cond) {                                                \
            selftest_passed++;                                     \
        } else {                                                   \
            selftest_failed++;                                     \
            kprintf("selftest FAIL: %s:%d: ", __FILE__, __LINE__); \
            kprintf(__VA_ARGS__);                                  \
            kprintf("\n");                                         \
        }                                                          \
    } while (0)

/* A started kernel thread with this affinity and class (NULL if it could not be made). */
struct thread *selftest_spawn(const char *name, void (*fn)(void *), void *arg, unsigned prio,
                              uint64_t affinity, enum sched_class cls);
/* Waits up to 30 s for t, drops the reference, returns its exit code (-999 when it timed out). */
int64_t selftest_join(struct thread *t);

/* The test groups, each in the file named for what it tests. */
void selftest_slab(void);
void selftest_sched(void);
void selftest_user(void);
void selftest_locks(void);
void selftest_iommu(void);

#endif
#endif
