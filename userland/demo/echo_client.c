/*
 * echo_client: sends its text to the echo server over the channel "echo" a number of times and
 * checks every reply, then opens a session of its own, echoes in it and closes it (the server
 * tells its clients apart by the session handles it gives out under a badge per session).
 * Arguments (init.yaml `args`): [--count N] [text]. Exit status 0 when every echo came back
 * unchanged and the session behaved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bastion/rights.h>
#include <user/core.h>
#include <user/ipc.h>

#include "echo/Server.edl.h"

#define ECHO_MSG_MAX 1024u

/* The session the client opened first (Open): two echoes in it that the server must attribute
 * to it (EchoIn), then Close: the server revokes the session's handle by its badge, so the
 * handle the client still holds answers rcHandleRevoked. True when all of that held. */
static bool session(const char *me, struct idl_client *cl, const char *text, idl_handle_t s,
                    uint32_t id)
{
    uint32_t in1 = 0, in2 = 0, closed = 0;
    const char *reply = NULL;
    Retcode r = echo_Echo_EchoIn(cl, (idl_handle_t){s.handle, HR_READ}, text, &reply, &in1);
    if (r == rcOk)
        r = echo_Echo_EchoIn(cl, (idl_handle_t){s.handle, HR_READ}, text, &reply, &in2);
    if (r == rcOk)
        r = echo_Echo_Close(cl, (idl_handle_t){s.handle, HR_READ}, &closed);
    CORE_CLIENT(kc, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    uint64_t sid = 0;
    Retcode after =
        r == rcOk
            ? core_result(kl_core_Handle_GetSidByHandle(&kc, core_handle_arg(s.handle), &sid, &rc),
                          &rc)
            : rcFail;
    (void)core_result(kl_core_Handle_Close(&kc, core_handle_arg(s.handle), &rc), &rc);
    bool ok =
        r == rcOk && id != 0 && in1 == id && in2 == id && closed == id && after == rcHandleRevoked;
    printf("%s: session %u: the server knew it in %d of 2 echoes, closed it, and its handle "
           "then answered %s\n",
           me, (unsigned)id, (in1 == id && id != 0) + (in2 == id && id != 0), retcode_name(after));
    if (r != rcOk)
        printf("%s: session failed: %s (%s)\n", me, retcode_name(r),
               idl_error_name(cl->last_error));
    return ok;
}

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
    /* The policy serves a client's echoes only once its session is open (a Flow machine per
     * client), and the server tells this client apart by the session's handle. */
    idl_handle_t s = {kl_core_Types_InvalidHandleValue, 0};
    uint32_t id = 0;
    r = echo_Echo_Open(&cl, &s, &id);
    if (r != rcOk) {
        printf("%s: open failed: %s (%s)\n", me, retcode_name(r), idl_error_name(cl.last_error));
        return 1;
    }

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
    return ok == count && session(me, &cl, text, s, id) ? 0 : 1;
}
