/* The file library's channel to the RAM file system and its lock (file_client.h). */
#include <errno.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/mutex.h>
#include <user/start.h>
#include <vfs/defs.h>

#include "file_client.h"
#include "file_errno.h"
#include "kl/VfsRamFs.edl.h"

#define FILE_MSG_MAX 6144u /* services/vfs/vfs_server.h VFS_MSG_MAX: 4,096 data bytes + header */
#define FILE_CONNECT_WAIT_MS 5000u /* for the server's answer to one request */
#define FILE_CONNECT_TRIES 50u     /* as cm_connect_retry: about 5 s for the server to start */
#define FILE_CONNECT_RETRY_MS 100u

static mutex_t lock = MUTEX_INIT;
static int connected; /* under lock: cl is bound to ch */
static struct ipc_channel ch;
static struct idl_client cl;
static _Alignas(8) uint8_t req[FILE_MSG_MAX], res[FILE_MSG_MAX];

/* One round of CM.Connect: the file system's task under Bastion's name, then under the SDK's
 * default (its class). The second name is asked only when no process has the first; its
 * answer counts unless it too is absent, or the policy lets this program ask for the first
 * name only (then the first may still come: rcNotFound). */
static Retcode connect_by_name(uint32_t *h, uint32_t *riid)
{
    Retcode r = cm_connect(FILE_SERVER, FILE_ENDPOINT, FILE_CONNECT_WAIT_MS, h, riid);
    if (r != rcNotFound)
        return r;
    r = cm_connect(FILE_SERVER_SDK, FILE_ENDPOINT, FILE_CONNECT_WAIT_MS, h, riid);
    return r == rcSecurityDisallow || r == rcNoKsm ? rcNotFound : r;
}

/* The channel: Einit's (init.yaml's _VFS_CONNECTION_ID) when the program has one, else one
 * kl.core.CM makes, waiting for the server to listen as cm_connect_retry does. */
static Retcode connect_channel(uint32_t *riid)
{
    uint32_t h = kl_core_Types_InvalidHandleValue;
    Retcode r = start_connection(_VFS_CONNECTION_ID, &h);
    if (r == rcOk) {
        *riid = kl_VfsRamFs_EP_vfs_vfs; /* the endpoint the server serves on every channel */
    } else {
        r = rcNotFound;
        for (uint32_t i = 0; i < FILE_CONNECT_TRIES && r == rcNotFound; i++) {
            r = connect_by_name(&h, riid);
            if (r == rcNotFound)
                core_thread_sleep(FILE_CONNECT_RETRY_MS);
        }
    }
    ch.handle = h;
    ch.timeout_ms = IPC_FOREVER;
    return r;
}

struct idl_client *file_call_begin(void)
{
    mutex_lock(&lock);
    if (!connected) {
        uint32_t riid = 0;
        Retcode r = connect_channel(&riid);
        if (r != rcOk) {
            mutex_unlock(&lock);
            int32_t none = 0;
            file_fail(r, &none);
            return NULL;
        }
        ipc_client_init(&cl, &ch, riid, req, sizeof req, res, sizeof res);
        connected = 1;
    }
    return &cl;
}

void file_call_end(void)
{
    mutex_unlock(&lock);
}

int file_fail(Retcode call, const int32_t *rc)
{
    int32_t v = call != rcOk ? (int32_t)call : *rc;
    if (v == 0)
        return 0;
    errno = file_errno(v);
    return -1;
}
