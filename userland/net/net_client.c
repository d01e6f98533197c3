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
static struct net_fd fds[NET_FD_MAX];
static mutex_t fd_lock = MUTEX_INIT;

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
    if (fd < NET_FD_FIRST || fd >= NET_FD_MAX || !fds[fd].used) {
        errno = EBADF;
        return NULL;
    }
    return &fds[fd];
}

int net_fd_alloc(uint32_t socket, uint32_t protocol)
{
    mutex_lock(&fd_lock);
    for (int fd = NET_FD_FIRST; fd < NET_FD_MAX; fd++) {
        if (fds[fd].used)
            continue;
        fds[fd] = (struct net_fd){.used = 1, .socket = socket, .protocol = protocol};
        mutex_unlock(&fd_lock);
        return fd;
    }
    mutex_unlock(&fd_lock);
    errno = EMFILE;
    return -1;
}

void net_fd_free(int fd)
{
    if (fd >= NET_FD_FIRST && fd < NET_FD_MAX) {
        mutex_lock(&fd_lock);
        fds[fd].used = 0;
        mutex_unlock(&fd_lock);
    }
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
