/*
 * Starting the security monitor (the KSM) before Einit, with the server end of the security
 * channel in its start block (docs/security-model.md).
 */
#ifndef BASTION_SECURITY_KSM_START_H
#define BASTION_SECURITY_KSM_START_H

#include <stdbool.h>

/*
 * Starts the KSM: the ROMFS program the image names (ksm_choice.h; default "ksm"), as task "ksm"
 * of class "Ksm" at the highest priority, and opens the security channel to it
 * (ksm_channel.h). With "none" (the fail-closed test image) it starts none: every request is
 * then denied with rcNoKsm. No handle to the KSM exists, so nobody can end it; if it dies (a
 * fault), every later request is denied with rcNoKsm.
 */
void ksm_start(void);

#ifdef BASTION_TEST_HOOKS
/* kernel-test.elf only (ksm_kill_test.c): ends the KSM as a crash would (false: none runs). */
bool ksm_test_terminate(void);
#endif

#endif
