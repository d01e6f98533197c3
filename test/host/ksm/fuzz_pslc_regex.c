/*
 * libFuzzer target of the Regex model: the input's first line is a pattern, the rest a text.
 * Every pattern either compiles or is refused with a message at an offset inside it; a
 * compiled program is well formed (ksm_regex_match never reports it malformed) and answers 0 or
 * 1 on the text, and on the text with every prefix, in time bounded by its states.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct psl_rx_program prog;
    size_t nl = 0;
    while (nl < size && data[nl] != '\n' && data[nl] != 0)
        nl++;
    char *pattern = malloc(nl + 1);
    memcpy(pattern, data, nl);
    pattern[nl] = 0;
    char err[256];
    size_t at = 0;
    if (psl_regex_compile(pattern, &prog, err, sizeof err, &at) < 0) {
        if (err[0] == 0 || at > nl)
            abort(); /* a refusal names its reason and a place in the pattern */
        free(pattern);
        return 0;
    }
    struct ksm_regex rx = {pattern, prog.ninsns, prog.nclasses, prog.insns,
                           (const uint8_t(*)[32])prog.classes};
    if (prog.ninsns == 0 || prog.ninsns > KSM_REGEX_INSNS_MAX ||
        prog.insns[prog.ninsns - 1].op != KSM_RX_MATCH)
        abort();
    const uint8_t *text = data + (nl < size ? nl + 1 : size);
    size_t n = size - (size_t)(text - data);
    for (size_t k = 0; k <= n && k < 64; k++) {
        int r = ksm_regex_match(&rx, text, k);
        if (r != 0 && r != 1)
            abort();
    }
    if (ksm_regex_match(&rx, text, n) < 0)
        abort();
    free(pattern);
    return 0;
}
