/*
 * echo_client: sends its text to the echo server over the channel "echo" a number of times and
 * checks every reply. Arguments (init.yaml `args`): [--count N] [text]. Exit status 0 when
 * every echo came back unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/ipc.h>

#include "echo/Server.edl.h"

#define ECHO_MSG_MAX 1024u

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *me = argc > 0 ? argv[0] : "echo_client";
    const char *text = "hello";
    long count = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = strtol(argv[++i], NULL, 10);
        else
            text = argv[i];
    }
    if (count < 1 || count > 1000000) {
        printf("%s: bad --count %ld\n", me, count);
        return 2;
    }

    static _Alignas(8) uint8_t req[ECHO_MSG_MAX], res[ECHO_MSG_MAX];
    struct ipc_channel ch;
    struct idl_client cl;
    Retcode r = ipc_connect(&ch, "echo");
    if (r != rcOk) {
        printf("%s: no connection \"echo\": %s\n", me, retcode_name(r));
        return 1;
    }
    ipc_client_init(&cl, &ch, echo_Server_EP_echo, req, sizeof req, res, sizeof res);

    int ok = 0;
    for (long i = 1; i <= count; i++) {
        const char *reply = NULL;
        uint64_t served = 0;
        r = echo_Echo_Echo(&cl, text, &reply, &served);
        if (r != rcOk) {
            printf("%s: echo %ld/%ld failed: %s (%s)\n", me, i, count, retcode_name(r),
                   idl_error_name(cl.last_error));
            break;
        }
        int same = strcmp(reply, text) == 0;
        ok += same;
        printf("%s: echo %ld/%ld: \"%s\"%s (request %llu at the server)\n", me, i, count, reply,
               same ? "" : " DIFFERS", (unsigned long long)served + 1);
    }
    printf("%s: %d of %ld echoes came back unchanged\n", me, ok, count);
    return ok == count ? 0 : 1;
}
