/*
 * Reading the KSM's verdict (<bastion/ksm_proto.h>): the one place the kernel decides whether
 * what the monitor answered can be acted on. Pure (no locks, no allocation):
 * test/host/kern/security tests every way a verdict can be malformed.
 */
#ifndef BASTION_SECURITY_VERDICT_H
#define BASTION_SECURITY_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>

/*
 * True when the verdict word and its audit text (text[0..text_len), already copied from the
 * KSM; text_len 0 when none was given) make a verdict the kernel can act on: the word's reserved
 * bits zero, every field in its range, and an audit text (NUL-terminated, NUL at its last byte,
 * at most KSM_PROTO_TEXT_MAX bytes) exactly when the verdict is audited; a denial must be
 * audited. Then *v holds the verdict's fields.
 */
bool ksm_verdict_decode(uint64_t word, const char *text, size_t text_len,
                        struct ksm_proto_verdict *v);

/* The fields of a verdict word (KSM_PROTO_VERDICT_WORD), unchecked: for a word
 * ksm_verdict_decode accepted, which the hand-off passes on as it came. */
static inline struct ksm_proto_verdict ksm_verdict_split(uint64_t word)
{
    return (struct ksm_proto_verdict){
        .granted = (uint32_t)(word & 0xFF),
        .audit = (uint32_t)(word >> 8 & 0xFF),
        .reply = (uint32_t)(word >> 16 & 0xFF),
        .class_id = (uint32_t)(word >> 32),
    };
}

#endif
