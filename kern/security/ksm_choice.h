/*
 * Which monitor the kernel starts: fixed when the image is built.
 *
 * The kernel starts the ROMFS program "ksm". The boot parameter ksm=<name> picks another (or
 * "none": no monitor, every request denied) only when <name> is a line of the image's file
 * /ksm-choices; test images carry that list (boot/CMakeLists.txt writes every KSM program and
 * "none" into the test ROMFS), the run image does not, so whoever edits its boot line cannot
 * choose its monitor. docs/boot-sequence.md and docs/security-model.md.
 */
#ifndef BASTION_SECURITY_KSM_CHOICE_H
#define BASTION_SECURITY_KSM_CHOICE_H

#include <stdbool.h>
#include <stddef.h>

#define KSM_DEFAULT_PROGRAM "ksm"
#define KSM_CHOICES_FILE "/ksm-choices"

/* Pure: true when `name` is one whole line of list[0..len) (lines end with '\n'; a last line
 * without one counts; '\r' before it is ignored). An empty name is never listed. */
bool ksm_choice_listed(const char *list, size_t len, const char *name);

#ifdef BASTION_KERNEL
/* The program to start as the monitor ("none": no monitor), from ksm= and the image's
 * /ksm-choices; logs why a ksm= it was given is ignored. */
const char *ksm_choose_program(void);
#endif

#endif
