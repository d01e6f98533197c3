/*
 * The kernel's half of the security channel (<bastion/ksm_proto.h>): asking the KSM about one
 * event and receiving its verdict, through the dedicated hand-off (ksm_handoff.h), and saying
 * what each way of getting no verdict means. This module is all the security hook knows of
 * it. docs/security-model.md.
 */
#ifndef BASTION_SECURITY_KSM_CHANNEL_H
#define BASTION_SECURITY_KSM_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>
#include <bastion/retcode.h>

#include "security/hook.h"
#include "security/ksm_handoff.h"

/* How long a request waits for its verdict before it is denied (rcNoKsm). Generous: under TCG
 * on a loaded host the KSM may wait for a CPU for a long time; a hung KSM is still caught. */
#define KSM_VERDICT_TIMEOUT_MS 5000u

struct sec_label;

/* Opens the channel to the KSM whose label is `ksm` (a reference the channel keeps: its threads
 * are the only ones SYS_KSM_WAIT serves); ksm_start() calls it once, before the KSM runs. Until
 * then every question is answered rcNoKsm. */
void ksm_channel_open(struct sec_label *ksm, uint32_t ksm_pid);

/* The KSM's label, set once by ksm_channel_open() and never changed; NULL before. Read only
 * through ksm_is_self() (and ksm_channel.c). */
extern struct sec_label *ksm_channel_self_label;

/* Is l the label of the running KSM? (NULL, the kernel, is not.) Inline: every monitored
 * request and every SYS_KSM_WAIT asks it. A plain load: the label is set before the KSM runs,
 * so any l that is the KSM's was seen after that store. */
static inline bool ksm_is_self(const struct sec_label *l)
{
    return l != NULL && l == ksm_channel_self_label;
}

/*
 * Asks the KSM about req and waits for the verdict. rcOk: *v holds a well-formed verdict.
 * rcNoKsm: no KSM, it died (or the receiver that had the question ended), or it did not answer
 * within KSM_VERDICT_TIMEOUT_MS; rcSecurityDisallow: its answer was malformed, or the request
 * could not be copied into a receiver of the KSM; rcPeerClosed: the requesting thread is being
 * ended (nothing was decided, so nothing is recorded). Nothing is allocated: a process at its
 * quota is still decided. *why then says which, for the audit record.
 */
Retcode ksm_ask(const struct sec_request *req, struct ksm_verdict_in *v, const char **why);

/* SYS_KSM_WAIT (<bastion/syscall.h>): for a thread of the KSM, ksm_handoff_wait(); anyone else
 * gets rcAccessDenied. */
Retcode ksm_channel_wait(uint64_t verdict, uint64_t text, uint64_t text_len, uint64_t buf,
                         uint64_t cap, uint64_t *len);

#ifdef BASTION_TEST_HOOKS
/* kernel-test.elf only (kern/selftest/security.c): has the channel closed (the KSM ended)? */
bool ksm_test_gone(void);
#endif

#endif
