/* getenv over the environment Einit gave the process (start block, "NAME=value" strings). */
#include <stdlib.h>
#include <string.h>

#include <user/start.h>

char *getenv(const char *name)
{
    if (name == NULL)
        return NULL;
    size_t n = strlen(name);
    for (char *const *e = start_envp(); e && *e; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    }
    return NULL;
}
