/*
 * Parsing the KSM's verdict (<bastion/ksm_proto.h>): the one place the kernel reads what the
 * monitor answered. Pure (no locks, no allocation): test/host/kern/security tests every way a
 * verdict can be malformed.
 */
#ifndef BASTION_SECURITY_VERDICT_H
#define BASTION_SECURITY_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>

/*
 * True when buf[0..len) is a verdict the kernel can act on: an IPC response (flags exactly
 * "response") without handles whose fixed part is struct ksm_proto_verdict, every field in its
 * range, sizes adding up to len, and an audit text (the arena, NUL-terminated, at most
 * KSM_PROTO_TEXT_MAX bytes) exactly when the verdict is audited; a denial must be audited.
 * Then *v is the verdict and *text its audit text (pointing into buf; "" when none).
 */
bool ksm_verdict_parse(const uint8_t *buf, size_t len, struct ksm_proto_verdict *v,
                       const char **text);

#endif
