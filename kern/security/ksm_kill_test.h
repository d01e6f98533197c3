/* kernel-test.elf only: the KSM-killed fail-closed test (ksm_kill_test.c), run by `ksmkill=<n>`. */
#ifndef BASTION_SECURITY_KSM_KILL_TEST_H
#define BASTION_SECURITY_KSM_KILL_TEST_H

#ifdef BASTION_TEST_HOOKS
void ksm_kill_test_start(void);
#endif

#endif
