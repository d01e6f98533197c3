/* The socket library's channel to the network stack and its descriptor table (net_client.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <user/ipc.h>
#include <user/mutex.h>
#include <user/start.h>

#include "net/NetStack.edl.h"
#include "net_client.h"
#include "net_errno.h"

#define NET_MSG_MAX (net_Socket_DataMax + 256u)
/* Calls in flight at once (threads of one program); a further thread waits for one. */
#define NET_CALLS 4

static struct net_call {
    mutex_t busy;
    struct idl_client cl;
    _Alignas(8) uint8_t req[NET_MSG_MAX];
    _Alignas(8) uint8_t res[NET_MSG_MAX];
} calls[NET_CALLS];

static mutex_t setup = MUTEX_INIT;
static int found = -1; /* -1: not looked yet; 0: no channel; 1: ch is the stack's */
static struct ipc_channel ch;
static struct net_fd fds[FD_MAX]; /* by descriptor number: valid while it is a socket's */

static int find_channel(void)
{
    const char *named = getenv("NET_CHANNEL");
    if (named != NULL)
        return ipc_connect(&ch, named) == rcOk;
    if (ipc_connect(&ch, "net") == rcOk)
        return 1;
    for (uint32_t i = 0; i < start_connection_count(); i++) {
        const char *name;
        uint32_t handle;
        if (start_connection_at(i, &name, &handle) == rcOk && strncmp(name, "net.", 4) == 0) {
            ch.handle = handle;
            ch.timeout_ms = IPC_FOREVER;
            return 1;
        }
    }
    return 0;
}

struct idl_client *net_call_begin(void)
{
    mutex_lock(&setup);
    if (found < 0) {
        found = find_channel();
        for (int i = 0; found && i < NET_CALLS; i++)
            ipc_client_init(&calls[i].cl, &ch, net_NetStack_EP_socket, calls[i].req,
                            sizeof calls[i].req, calls[i].res, sizeof calls[i].res);
    }
    mutex_unlock(&setup);
    if (!found) {
        errno = ENETDOWN; /* no channel to a network stack */
        return NULL;
    }
    for (int i = 0; i < NET_CALLS; i++)
        if (mutex_trylock(&calls[i].busy))
            return &calls[i].cl;
    mutex_lock(&calls[0].busy);
    return &calls[0].cl;
}

void net_call_end(struct idl_client *cl)
{
    for (int i = 0; i < NET_CALLS; i++)
        if (cl == &calls[i].cl)
            mutex_unlock(&calls[i].busy);
}

struct net_fd *net_fd_get(int fd)
{
    if (fd_check(fd, &net_socket_kind, ENOTSOCK) < 0)
        return NULL;
    return &fds[fd];
}

struct net_fd *net_fd_closing(int fd)
{
    return &fds[fd];
}

int net_fd_alloc(uint32_t socket, uint32_t protocol)
{
    int fd = fd_alloc();
    if (fd < 0)
        return -1;
    fds[fd] = (struct net_fd){.socket = socket, .protocol = protocol};
    fd_install(fd, &net_socket_kind);
    return fd;
}

int net_fail(Retcode r)
{
    if (r == rcOk)
        return 0;
    errno = net_errno(r);
    return -1;
}

Retcode net_result(Retcode call, const uint32_t *rc)
{
    return call != rcOk ? call : (Retcode)*rc;
}
