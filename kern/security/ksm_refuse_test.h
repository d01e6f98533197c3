/* kernel-test.elf only: the refused-request test (ksm_refuse_test.c), run by `ksmrefuse`. */
#ifndef BASTION_SECURITY_KSM_REFUSE_TEST_H
#define BASTION_SECURITY_KSM_REFUSE_TEST_H

#ifdef BASTION_TEST_HOOKS
void ksm_refuse_test_start(void);
#endif

#endif
