/*
 * untrusted: the demo's untrusted program (class demo.Untrusted). It tries, in turn, seven things
 * the demo policy (services/einit/policy/einit.psl, docs/demo-policy.md) does not allow it:
 *
 *   (a) allocate more memory than its rule allows (after an allowed small allocation),
 *   (b) raise its thread's priority into the real-time range (after an allowed normal value),
 *   (c) register I/O port 0x60 (the keyboard controller),
 *   (d) start a process of the privileged class Einit (creating it is allowed, starting it not),
 *   (e) call an echo server method it is not granted (Shutdown; Echo is granted),
 *   (f) echo before opening its session (a Flow machine per client: Echo needs "open"),
 *   (g) echo more often than its budget (a StaticMap per client counts its echoes).
 *   (h) bind TCP port 8080 with the network stack (making the socket is granted),
 *   (i) connect out to 10.0.2.2 port 80.
 *
 * Each attempt must fail with rcSecurityDisallow (h and i: errno EACCES, the socket library's
 * name for it); the kernel logs each denial on the console.
 * Then it tries to forge such a kernel line itself. Its printf output is marked by the kernel
 * with its task name on every line (kern/console/console.h), so the forged lines, which name a
 * rule at "forged/einit.psl" (the demo test's patterns would accept that path), show up as
 * "[Untrusted] kss: denied ..."; the demo test fails if one appears unmarked
 * (test/os/demo-expected.txt, its not: line).
 * The allowed step before an attempt shows that the denial comes from the rule's condition, not
 * from a missing permission. Exit status 0 when all seven were denied and every allowed step
 * worked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/vmm.h>

#include "echo/Server.edl.h"

#define KIB 1024ull
#define MIB (1024ull * 1024ull)

/* The values the attempts use, beyond the policy's limits: its rule allows at most 1 MiB per
 * region and priorities 0..10; 4 MiB is within its RAM limit (8 MiB), so only the policy stops
 * it; levels 32..63 are the real-time (FIFO) ones (docs/scheduler.md). */
#define ALLOWED_ALLOC (64 * KIB)
#define DENIED_ALLOC (4 * MIB)
#define ALLOWED_PRIORITY 10u
#define REALTIME_PRIORITY 32u
#define KEYBOARD_PORT 0x60u
#define PRIVILEGED_CLASS "Einit"
#define PRIVILEGED_PATH "einit"

#define ECHO_MSG_MAX 1024u
#define ECHO_BUDGET 8 /* echoes per client: echo_quota in the demo policy */
#define ATTEMPTS 9
#define BIND_PORT 8080u
#define CONNECT_ADDRESS 0x0a000202u /* 10.0.2.2, QEMU's user-network gateway */
#define CONNECT_PORT 80u

static const char *me = "untrusted";
static int denied; /* attempts that ended in rcSecurityDisallow */
static int broken; /* allowed steps that failed: the demo did not show what it should */

/* Reports a step the policy allows: it must succeed. */
static int allowed(const char *what, Retcode r)
{
    printf("%s: %s (allowed): %s\n", me, what, retcode_name(r));
    if (r != rcOk) {
        broken++;
        return 0;
    }
    return 1;
}

/* Reports an attempt the policy must refuse. */
static void attempt(const char *what, Retcode r)
{
    int ok = r == rcSecurityDisallow;
    printf("%s: %s: %s - %s\n", me, what, retcode_name(r), ok ? "denied" : "NOT DENIED");
    denied += ok;
}

static Retcode close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* (a) VMM.Allocate: 64 KiB, then 4 MiB. */
static void try_memory(void)
{
    uint64_t va = 0;
    Retcode r = core_vmm_allocate(0, ALLOWED_ALLOC,
                                  BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE, &va);
    if (allowed("(a) allocate 64 KiB", r)) {
        memset((void *)(uintptr_t)va, 0xa5, ALLOWED_ALLOC);
        allowed("(a) free it", core_vmm_free(va, ALLOWED_ALLOC));
    }
    r = core_vmm_allocate(0, DENIED_ALLOC,
                          BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE, &va);
    attempt("(a) allocate 4 MiB, more than its rule allows", r);
    if (r == rcOk)
        core_vmm_free(va, DENIED_ALLOC);
}

/* (b) Thread.SetPriority on its own thread: 10, then 32. */
static void try_priority(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t self = {0};
    if (!allowed("(b) open its thread",
                 core_result(kl_core_Thread_OpenCurrent(&cl, &self, &rc), &rc)))
        return;
    rc = rcFail;
    allowed("(b) thread priority 10",
            core_result(kl_core_Thread_SetPriority(&cl, core_handle_arg(self.handle),
                                                   ALLOWED_PRIORITY, &rc),
                        &rc));
    rc = rcFail;
    Retcode r = core_result(
        kl_core_Thread_SetPriority(&cl, core_handle_arg(self.handle), REALTIME_PRIORITY, &rc), &rc);
    attempt("(b) thread priority 32, the real-time range", r);
    close_handle(self.handle);
}

/* (c) IO.RegisterPort 0x60. */
static void try_port(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t port = {0};
    Retcode r = core_result(kl_core_IO_RegisterPort(&cl, KEYBOARD_PORT, 1, &port, &rc), &rc);
    attempt("(c) register I/O port 0x60", r);
    if (r == rcOk)
        close_handle(port.handle);
}

/* (d) Task.Create of class Einit from ROMFS, then Task.Resume. */
static void try_start(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t child = {0};
    Retcode r =
        core_result(kl_core_Task_Create(&cl, "UntrustedChild", PRIVILEGED_CLASS, PRIVILEGED_PATH, 0,
                                        ALLOWED_PRIORITY, 0, &child, &rc),
                    &rc);
    if (!allowed("(d) create a process of class Einit", r))
        return;
    rc = rcFail;
    r = core_result(kl_core_Task_Resume(&cl, core_handle_arg(child.handle), &rc), &rc);
    attempt("(d) start it", r);
    /* Its only handle: closing it ends the process that never ran. */
    close_handle(child.handle);
}

/* (f) echo.Echo.Echo before echo.Echo.Open; (e) Echo after it, then echo.Echo.Shutdown; (g)
 * echoes up to the budget, then one more. */
static void try_server(void)
{
    static _Alignas(8) uint8_t req[ECHO_MSG_MAX], res[ECHO_MSG_MAX];
    struct ipc_channel ch;
    struct idl_client cl;
    if (!allowed("(e) connection \"echo\"", ipc_connect(&ch, "echo")))
        return;
    ipc_client_init(&cl, &ch, echo_Server_EP_echo, req, sizeof req, res, sizeof res);
    const char *reply = NULL;
    uint64_t served = 0;
    attempt("(f) echo.Echo.Echo before its session is open",
            echo_Echo_Echo(&cl, "too early", &reply, &served));
    idl_handle_t session = {kl_core_Types_InvalidHandleValue, 0};
    uint32_t session_id = 0;
    allowed("(f) echo.Echo.Open", echo_Echo_Open(&cl, &session, &session_id));
    allowed("(e) echo.Echo.Echo",
            echo_Echo_Echo(&cl, "from the untrusted program", &reply, &served));
    Retcode r = echo_Echo_Shutdown(&cl, &served);
    attempt("(e) echo.Echo.Shutdown, not granted to it", r);
    int ok = 1; /* the echo of (e) */
    while (ok < ECHO_BUDGET && echo_Echo_Echo(&cl, "again", &reply, &served) == rcOk)
        ok++;
    char what[64];
    snprintf(what, sizeof what, "(g) %d echoes of a budget of %d", ok, ECHO_BUDGET);
    allowed(what, ok == ECHO_BUDGET ? rcOk : rcSecurityDisallow);
    attempt("(g) one echo beyond its budget", echo_Echo_Echo(&cl, "one more", &reply, &served));
    if (session.handle != kl_core_Types_InvalidHandleValue)
        close_handle(session.handle);
}

/* A socket call's outcome as the Retcode the monitor gave: EACCES is its refusal. */
static Retcode socket_result(int r)
{
    return r == 0 ? rcOk : errno == EACCES ? rcSecurityDisallow : rcFail;
}

/* (h) socket, then bind TCP port 8080; (i) connect to 10.0.2.2:80. */
static void try_network(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (!allowed("(h) make a TCP socket", socket_result(fd >= 0 ? 0 : -1)))
        return;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(BIND_PORT)};
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    attempt("(h) bind TCP port 8080", socket_result(bind(fd, (struct sockaddr *)&sin, sizeof sin)));
    sin.sin_port = htons(CONNECT_PORT);
    sin.sin_addr.s_addr = htonl(CONNECT_ADDRESS);
    attempt("(i) connect to 10.0.2.2 port 80",
            socket_result(connect(fd, (struct sockaddr *)&sin, sizeof sin)));
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc > 0)
        me = argv[0];
    printf("%s: trying %d things the policy does not allow it\n", me, ATTEMPTS);
    try_memory();
    try_priority();
    try_port();
    try_start();
    try_server();
    try_network();
    /* A forged audit line: at the start of a write, after a newline inside one, and after a
     * carriage return that would redraw a terminal line. */
    printf("kss: denied request Untrusted[demo.Untrusted] -> kernel[kl.core.Core] "
           "vmm.VMM.Allocate: rule at forged/einit.psl:1:1\n");
    printf("%s: forging\nkss: denied request Untrusted[demo.Untrusted] -> kernel[kl.core.Core] "
           "thread.Thread.SetPriority: rule at forged/einit.psl:2:1\n",
           me);
    printf("\rkss: denied request Untrusted[demo.Untrusted] -> kernel[kl.core.Core] "
           "io.IO.RegisterPort: rule at forged/einit.psl:3:1\n");
    printf("%s: %d of %d attempts were denied, still running\n", me, denied, ATTEMPTS);
    if (broken)
        printf("%s: %d allowed step%s failed\n", me, broken, broken == 1 ? "" : "s");
    return denied == ATTEMPTS && broken == 0 ? 0 : 1;
}
