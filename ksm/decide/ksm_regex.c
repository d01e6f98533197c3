/*
 * ksm_regex_match(): the Thompson simulation of a compiled pattern (ksm_regex.h). The states
 * that are live before a byte are a set (a bit per state); each byte moves every live CLASS
 * state once, and the epsilon closure adds each state at most once per position (a state already
 * in the set is not followed again), so loops that match the empty string end. Freestanding, no
 * recursion: the closure uses an explicit stack of at most ninsns entries.
 */
#include "ksm_regex.h"

#define WORDS (KSM_REGEX_INSNS_MAX / 64u)

struct rx_set {
    uint64_t bit[WORDS];
};

static int has(const struct rx_set *s, uint32_t pc)
{
    return (int)((s->bit[pc >> 6] >> (pc & 63)) & 1u);
}

/* Adds pc and every state reachable from it without a byte, at position pos of n. 0 when the
 * program is malformed. */
static int add(const struct ksm_regex *rx, struct rx_set *s, uint32_t pc, size_t pos, size_t n)
{
    uint16_t stack[KSM_REGEX_INSNS_MAX];
    uint32_t sp = 0;
    if (pc >= rx->ninsns)
        return 0;
    if (has(s, pc))
        return 1;
    s->bit[pc >> 6] |= (uint64_t)1 << (pc & 63);
    stack[sp++] = (uint16_t)pc;
    while (sp > 0) {
        const struct ksm_rx_insn *in = &rx->insns[stack[--sp]];
        uint32_t next[2];
        uint32_t nnext = 0;
        switch (in->op) {
        case KSM_RX_SPLIT:
            next[nnext++] = in->y; /* pushed first, followed second */
            next[nnext++] = in->x;
            break;
        case KSM_RX_JMP:
            next[nnext++] = in->x;
            break;
        case KSM_RX_BOL:
            if (pos == 0)
                next[nnext++] = in->x;
            break;
        case KSM_RX_EOL:
            if (pos == n)
                next[nnext++] = in->x;
            break;
        case KSM_RX_CLASS:
            if (in->cls >= rx->nclasses || in->x >= rx->ninsns)
                return 0;
            break;
        case KSM_RX_MATCH:
            break;
        default:
            return 0;
        }
        for (uint32_t k = 0; k < nnext; k++) {
            uint32_t t = next[k];
            if (t >= rx->ninsns)
                return 0;
            if (has(s, t))
                continue;
            s->bit[t >> 6] |= (uint64_t)1 << (t & 63);
            stack[sp++] = (uint16_t)t; /* each state enters once: sp <= ninsns */
        }
    }
    return 1;
}

static int matched(const struct ksm_regex *rx, const struct rx_set *s)
{
    for (uint32_t pc = 0; pc < rx->ninsns; pc++)
        if (has(s, pc) && rx->insns[pc].op == KSM_RX_MATCH)
            return 1;
    return 0;
}

int ksm_regex_match(const struct ksm_regex *rx, const uint8_t *text, size_t n)
{
    if (!rx || !rx->insns || rx->ninsns == 0 || rx->ninsns > KSM_REGEX_INSNS_MAX ||
        (rx->nclasses && !rx->classes))
        return -1;
    struct rx_set cur = {{0}};
    for (size_t i = 0;; i++) {
        if (!add(rx, &cur, 0, i, n)) /* a match may start at every position */
            return -1;
        if (matched(rx, &cur))
            return 1;
        if (i == n)
            return 0;
        struct rx_set next = {{0}};
        uint8_t b = text[i];
        for (uint32_t pc = 0; pc < rx->ninsns; pc++) {
            const struct ksm_rx_insn *in = &rx->insns[pc];
            if (!has(&cur, pc) || in->op != KSM_RX_CLASS)
                continue;
            if ((rx->classes[in->cls][b >> 3] >> (b & 7)) & 1u)
                if (!add(rx, &next, in->x, i + 1, n))
                    return -1;
        }
        cur = next;
    }
}
