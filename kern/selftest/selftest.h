/*
 * The kernel's in-kernel self-tests, for kernel-test.elf only (BASTION_TEST_HOOKS): one file
 * per tested subsystem in this folder, each run by a kernel parameter. A normal kernel has
 * none of them and ignores the parameters.
 *
 *   fault=<kind>      exceptions.c  one deliberate fault, so the boot test sees the report
 *   selftest=<list>   runner.c      "slab", "sched", "user", "locks", "iommu": slab.c, sched.c,
 *                                   user.c, locks.c (the lock-order check), iommu.c (DMA of
 *                                   QEMU's edu through VT-d; q35 with intel-iommu), each
 *                                   printing "selftest <name>: N passed, M failed"
 *   ksmkill=<n>       security.c    a KSM that dies after n verdicts: nothing is granted after
 *   ksmrefuse         ksm_refuse.c  a request too large for the KSM: a recorded denial, and the
 *                                   KSM goes on deciding
 *
 * kmain calls these in its step 7 (test hooks), and selftest_ksm_kill_start() once the KSM is
 * started.
 */
#ifndef BASTION_SELFTEST_SELFTEST_H
#define BASTION_SELFTEST_SELFTEST_H

#ifdef BASTION_TEST_HOOKS
void selftest_fault(void);            /* fault=<kind>: does not return when the fault is known */
void selftest_run(void);              /* selftest=<list>: waits until every named test ran */
void selftest_ksm_kill_start(void);   /* ksmkill=<n>: starts its thread and returns */
void selftest_ksm_refuse_start(void); /* ksmrefuse: starts its thread and returns */
#endif

#endif
