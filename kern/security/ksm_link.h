/*
 * The kernel's half of the security channel (<bastion/ksm_proto.h>): starting the KSM and
 * asking it for verdicts. docs/security-model.md.
 */
#ifndef BASTION_SECURITY_KSM_LINK_H
#define BASTION_SECURITY_KSM_LINK_H

#include <stdbool.h>

#include <bastion/ksm_proto.h>
#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "security/hook.h"

/* How long a request waits for its verdict before it is denied (rcNoKsm). Generous: under TCG
 * on a loaded host the KSM may wait for a CPU for a long time; a hung KSM is still caught. */
#define KSM_VERDICT_TIMEOUT_MS 5000u

/*
 * Starts the KSM before Einit: the ROMFS program named by the kernel parameter `ksm=` (default
 * "ksm"), as task "ksm" of class "Ksm" at the highest priority, with the server end of the
 * security channel in its start block. `ksm=none` starts none (the fail-closed test image):
 * every request is then denied with rcNoKsm. No handle to the KSM exists, so nobody can end
 * it; if it dies (a fault), every later request is denied with rcNoKsm.
 */
void ksm_start(void);

/* Is l the label of the running KSM? (NULL, the kernel, is not.) */
bool ksm_is_self(const struct sec_label *l);

/* A verdict as received: the fixed part, and its audit text (points into buf; "" if none). */
struct ksm_verdict_in {
    struct ksm_proto_verdict v;
    const char *text;
    _Alignas(8) uint8_t buf[IDL_HEADER_SIZE + sizeof(struct ksm_proto_verdict) + KSM_PROTO_TEXT_MAX];
};

/*
 * Asks the KSM about req and waits for the verdict. rcOk: *v holds a well-formed verdict.
 * rcNoKsm: no KSM, it died, or it did not answer within KSM_VERDICT_TIMEOUT_MS;
 * rcSecurityDisallow: its answer was malformed, or the request could not be copied into a
 * receiver of the KSM; rcPeerClosed: the requesting thread is being ended (nothing was
 * decided, so nothing is recorded); rcQuotaExceeded/rcOutOfMemory: no room for the call record.
 * *why then says which, for the audit record.
 */
Retcode ksm_ask(const struct sec_request *req, struct ksm_verdict_in *v, const char **why);

#ifdef BASTION_TEST_HOOKS
/* kernel-test.elf only (kern/selftest/security.c): ends the KSM as a crash would (false: none runs),
 * and tells whether its channel has closed since. */
bool ksm_test_terminate(void);
bool ksm_test_gone(void);
#endif

#endif
