/*
 * Compiled regular expressions of the Regex model (re.match): a Thompson NFA that
 * ksm_regex_match() runs over a string in one pass, every state at most once per byte, so the
 * cost is bounded by (length + 1) * ninsns whatever the pattern or the text: no backtracking.
 *
 * Shared by pslc (which compiles patterns, ksm/compiler/regex.c) and the freestanding KSM.
 */
#ifndef KSM_REGEX_H
#define KSM_REGEX_H

#include <stddef.h>
#include <stdint.h>

#define KSM_REGEX_INSNS_MAX 256u /* states of one pattern: its state sets are 4 words */

enum ksm_rx_op {
    KSM_RX_CLASS = 0, /* consume one byte in classes[cls], go to x */
    KSM_RX_SPLIT,     /* go to x and to y */
    KSM_RX_JMP,       /* go to x */
    KSM_RX_BOL,       /* only at the text's start, go to x */
    KSM_RX_EOL,       /* only at the text's end, go to x */
    KSM_RX_MATCH,     /* the pattern matched */
    KSM_RX_OP_COUNT
};

struct ksm_rx_insn {
    uint8_t op; /* enum ksm_rx_op */
    uint8_t reserved;
    uint16_t cls; /* CLASS: index into classes */
    uint16_t x, y;
};

struct ksm_regex {
    const char *pattern; /* as written in the policy (audit text) */
    uint32_t ninsns;     /* 1 .. KSM_REGEX_INSNS_MAX; execution starts at 0 */
    uint32_t nclasses;
    const struct ksm_rx_insn *insns;
    const uint8_t (*classes)[32]; /* byte sets: bit (b & 7) of [b >> 3] */
};

/*
 * Does the pattern occur in text[0 .. n) (search: "^" and "$" anchor it to the start and the
 * end)? 1 or 0; -1 when the program is malformed (an index out of range), which denies.
 */
int ksm_regex_match(const struct ksm_regex *rx, const uint8_t *text, size_t n);

#endif
