/*
 * The security interface (KasperskyOS: Handle.SecurityConnect): a process asks the KSM a
 * question of its own. The process calls its class's security interface (EDL `security
 * <interface>`) with SYS_CALL on the handle SecurityConnect gave it; the kernel turns the
 * message into a "security" event and the policy's `security src=<class> method=<m>` rules
 * decide. Granted: the call returns rcOk with an empty response (the header); denied:
 * rcSecurityDisallow. Nothing else happens: the answer is the verdict.
 */
#ifndef BASTION_SECURITY_SEC_IFACE_H
#define BASTION_SECURITY_SEC_IFACE_H

#include <stdint.h>

#include <bastion/retcode.h>

struct process;
struct kobj;

/* Makes the one kernel object every security-interface handle refers to (never freed);
 * before the first process. */
void sec_iface_init(void);
struct kobj *sec_iface_object(void);

/* SYS_CALL on a security-interface handle: req/resp are user addresses. Errors: rcBadMessage
 * (not a request in the IPC format, or one that carries handles), rcBufferTooSmall (resp_cap
 * below the 24-byte header), the verdict's codes (rcSecurityDisallow, rcNoKsm). */
Retcode sec_iface_call(struct process *p, uint64_t req, uint64_t req_len, uint64_t resp,
                       uint64_t resp_cap, uint64_t *resp_len);

#endif
