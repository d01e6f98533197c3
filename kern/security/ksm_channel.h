/*
 * The kernel's half of the security channel (<bastion/ksm_proto.h>): asking the KSM about one
 * event and receiving its verdict. The channel is an IPC channel whose only client is the
 * kernel (ipc_kernel_call); this module is all the security hook knows of it.
 * docs/security-model.md.
 */
#ifndef BASTION_SECURITY_KSM_CHANNEL_H
#define BASTION_SECURITY_KSM_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>
#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "security/hook.h"

/* How long a request waits for its verdict before it is denied (rcNoKsm). Generous: under TCG
 * on a loaded host the KSM may wait for a CPU for a long time; a hung KSM is still caught. */
#define KSM_VERDICT_TIMEOUT_MS 5000u

struct ipc_port;
struct sec_label;

/* Opens the channel to the KSM whose label is `ksm` (a reference the channel keeps) through
 * `port` (the kernel's reference on the channel's port); ksm_start() calls it once, before the
 * KSM runs. Until then every question is answered rcNoKsm. */
void ksm_channel_open(struct ipc_port *port, struct sec_label *ksm, uint32_t ksm_pid);

/* Is l the label of the running KSM? (NULL, the kernel, is not.) */
bool ksm_is_self(const struct sec_label *l);

/* A verdict as received: the fixed part, and its audit text (points into buf; "" if none). */
struct ksm_verdict_in {
    struct ksm_proto_verdict v;
    const char *text;
    _Alignas(
        8) uint8_t buf[IDL_HEADER_SIZE + sizeof(struct ksm_proto_verdict) + KSM_PROTO_TEXT_MAX];
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
/* kernel-test.elf only (kern/selftest/security.c): has the channel closed (the KSM ended)? */
bool ksm_test_gone(void);
#endif

#endif
