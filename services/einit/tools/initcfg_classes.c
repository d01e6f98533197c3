/* The compiler's class lists (initcfg_classes.h). */
#include "initcfg_classes.h"

#include <string.h>

bool initcfg_class_reserved(const char *s)
{
    if (strcmp(s, INITCFG_NAME_SERVER_CLASS) == 0)
        return false;
    return strcmp(s, "Einit") == 0 || strcmp(s, "kl.core") == 0 || strncmp(s, "kl.core.", 8) == 0;
}

bool initcfg_class_per_client(const char *s)
{
    return strcmp(s, "kl.VfsRamFs") == 0 || strcmp(s, INITCFG_NAME_SERVER_CLASS) == 0;
}
