/*
 * Build-time check that the executables named by an init description exist in the folder the
 * ROMFS image is made from. Without it a typo in `path:` is found only when Einit fails to open
 * the file at boot.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "initcfg.h"

Retcode initcfg_check_paths(const struct initcfg *cfg, const char *dir, struct initcfg_diags *diags)
{
    size_t before = diags->count;
    for (size_t i = 0; i < cfg->nentities; i++) {
        const struct initcfg_entity *e = &cfg->entities[i];
        size_t n = strlen(dir) + 1 + strlen(e->path) + 1;
        char *full = initcfg_xcalloc(n, 1);
        snprintf(full, n, "%s/%s", dir, e->path);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            initcfg_diag_add(diags, e->path_pos, "no executable '%s' in the ROMFS folder %s%s",
                             e->path, dir,
                             e->path_given ? "" : " (the default path of this class)");
        free(full);
    }
    return diags->count == before ? rcOk : rcNotFound;
}
