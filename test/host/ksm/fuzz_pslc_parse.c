/*
 * libFuzzer target for pslc: arbitrary text as a policy is lexed, parsed, resolved against the
 * kl.core and psltest type descriptions, compiled to a decision table, emitted as C and, when
 * it compiles, its PAL tests are run through the decision function. Any input must end in a
 * table or in positioned errors, never in a crash, a hang, undefined behaviour or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "pal.h"
#include "pslc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct typedesc td;
    static FILE *devnull;
    static unsigned long long mark;
    if (!devnull) {
        if (td_load_file(&td, KL_CORE_TYPEDESC) || td_load_file(&td, PSL_TEST_TYPEDESC))
            abort();
        devnull = fopen("/dev/null", "w");
        mark = psl_alloc_mark(); /* the type descriptions stay; each run's memory goes */
    }
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    psl_diag_reset(devnull);
    struct policy *p;
    /* A path no 'use <file>._' can resolve from: the input is the whole policy. */
    struct ksm_table *t = pslc_compile_text(&td, "/nonexistent/fuzz.psl", text, &p);
    if (t) {
        psl_emit_c(devnull, t, "fuzz_policy", "fuzz_policy.h");
        psl_emit_h(devnull, t, "fuzz_policy");
        int passed;
        psl_pal_run(p, t, devnull, &passed);
    }
    psl_free_since(mark);
    free(text);
    return 0;
}
