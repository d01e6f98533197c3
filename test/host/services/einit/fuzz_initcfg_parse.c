/*
 * libFuzzer target for the init description compiler (services/einit/tools): arbitrary bytes
 * as an init.yaml are read by libyaml into the node tree, validated into the model and, when
 * valid, emitted as the start-up table's C source and as the dump. Any input must end in a
 * model or in positioned errors, never in a crash, a hang, undefined behaviour or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "initcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    struct initcfg cfg;
    struct initcfg_diags diags = {0};
    if (initcfg_parse((const char *)data, size, &cfg, &diags) == rcOk) {
        initcfg_emit_c(devnull, &cfg, "fuzz.yaml");
        initcfg_dump(devnull, &cfg, "fuzz.yaml");
        initcfg_free(&cfg);
    } else {
        initcfg_diags_print(devnull, "fuzz.yaml", &diags);
    }
    initcfg_diags_free(&diags);
    return 0;
}
