/*
 * hello: the smallest program of the demo solution. It greets on the diagnostic output with
 * what Einit gave it (its name and arguments), shows that the heap works, and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *me = argc > 0 ? argv[0] : "hello";
    printf("%s: Hello from user mode! (%d argument%s)\n", me, argc - 1, argc == 2 ? "" : "s");
    for (int i = 1; i < argc; i++)
        printf("%s:   argv[%d] = \"%s\"\n", me, i, argv[i]);

    char *copy = strdup("the heap works");
    if (copy == NULL) {
        printf("%s: malloc failed\n", me);
        return 1;
    }
    printf("%s: %s, goodbye\n", me, copy);
    free(copy);
    return 0;
}
