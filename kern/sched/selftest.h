/*
 * In-kernel self-tests of threads, the scheduler, address spaces, user mode and system calls,
 * for kernel-test.elf (BASTION_TEST_HOOKS). Run by kmain when the kernel parameter
 * selftest=<list> names "sched", "user" and/or "locks" (the lock-order check of
 * lib/lock_check.c); each prints
 *   "selftest <name>: <N> passed, <M> failed"
 * and a "selftest FAIL: ..." line per failed check. A normal kernel ignores the parameter.
 */
#ifndef BASTION_SCHED_SELFTEST_H
#define BASTION_SCHED_SELFTEST_H

void sched_selftest(void);

#endif
