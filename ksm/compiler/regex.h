/*
 * The Regex model's pattern compiler: a pattern text to the NFA program that
 * ksm_regex_match() (ksm/decide/ksm_regex.h) runs. Self-contained (no pslc state), so that its
 * fuzz target compiles and runs patterns alone.
 */
#ifndef PSL_REGEX_H
#define PSL_REGEX_H

#include <stddef.h>

#include "ksm_regex.h"

#define PSL_REGEX_PATTERN_MAX 1024u /* bytes of one pattern */

struct psl_rx_program {
    struct ksm_rx_insn insns[KSM_REGEX_INSNS_MAX];
    uint8_t classes[KSM_REGEX_INSNS_MAX][32];
    uint32_t ninsns, nclasses;
};

/*
 * Compiles pattern into *out. Returns 0, or -1 with a message in err (at most errlen bytes) and
 * *err_at the byte offset in the pattern the message is about.
 */
int psl_regex_compile(const char *pattern, struct psl_rx_program *out, char *err, size_t errlen,
                      size_t *err_at);

#endif
