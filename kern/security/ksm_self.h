/*
 * The KSM's own requests: the KSM cannot ask itself, so the kernel decides them from a fixed
 * list (docs/security-model.md, "The KSM's own requests"). Everything not on it is denied.
 */
#ifndef BASTION_SECURITY_KSM_SELF_H
#define BASTION_SECURITY_KSM_SELF_H

#include <stdbool.h>

#include "security/hook.h"

/* Is this request of the KSM's (req->src is the KSM) on the fixed list? */
bool ksm_self_allowed(const struct sec_request *req);

#endif
